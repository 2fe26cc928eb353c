package detect

import (
	"encoding/base64"
	"regexp"
	"slices"
	"strings"
	"time"
)

// urlByte reports whether c can be part of a URL, a query string, a
// connection string, or their escaped forms (backslash for JSON escapes, ';'
// for HTML entities and connection strings, '%' for percent-encoding).
func urlByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '%', '&', '=', '.', '_', '~', ':', '/', '?', '+', '-', ',', ';', '!', '*', '@', '#', '$', '\\', '[', ']':
		return true
	}
	return false
}

// span returns the maximal run of URL bytes around position at.
func span(data []byte, at int) (start, end int) {
	start, end = at, at
	for start > 0 && urlByte(data[start-1]) {
		start--
	}
	for end < len(data) && urlByte(data[end]) {
		end++
	}
	return start, end
}

// trimTail drops trailing bytes that end a sentence or a string rather than
// a credential: punctuation, and JSON/C escape sequences such as a literal
// "\n" at the end of a quoted string.
func trimTail(data []byte, start, end int) int {
	for end > start {
		c := data[end-1]
		switch {
		case c == '.' || c == ',' || c == ')' || c == ']' || c == '}' || c == ':' || c == '!' || c == '*' || c == ';' || c == '\\':
			end--
		case end-start >= 2 && data[end-2] == '\\' && (c == 'n' || c == 'r' || c == 't'):
			end -= 2
		default:
			return end
		}
	}
	return end
}

// base64Forms returns the base64 encodings of lit at each of the three byte
// alignments, keeping only the characters that do not depend on the
// neighbouring bytes. A base64 block that encodes lit contains one of them.
func base64Forms(lit []byte) [][]byte {
	var out [][]byte
	for k := 0; k < 3; k++ {
		buf := make([]byte, k+len(lit))
		copy(buf[k:], lit)
		enc := base64.StdEncoding.EncodeToString(buf)
		from := (8*k + 5) / 6
		to := 8 * (k + len(lit)) / 6
		if to-from >= 4 {
			out = append(out, []byte(enc[from:to]))
		}
	}
	return out
}

func base64Byte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_'
}

// detectBase64 decodes the base64 blocks that contain an encoded anchor
// (at the offsets hits) and runs the rules on what they hold. Offsets of
// what is found there are the block's, in data.
func (d *Detector) detectBase64(data []byte, hits []int, path string, now time.Time, depth int) []Candidate {
	var out []Candidate
	slices.Sort(hits)
	next := 0 // blocks already decoded end before next
	for _, at := range hits {
		if at < next {
			continue
		}
		s, e := at, at
		for s > 0 && base64Byte(data[s-1]) {
			s--
		}
		for e < len(data) && base64Byte(data[e]) {
			e++
		}
		for e < len(data) && data[e] == '=' {
			e++
		}
		next = e
		if e-s < 16 {
			continue
		}
		dec := decodeBase64(data[s:e])
		if dec == nil {
			continue
		}
		for _, c := range d.detect(dec, path, now, depth+1) {
			c.Start, c.End = s, e
			c.Encodings = append([]string{"base64"}, c.Encodings...)
			out = append(out, c)
		}
	}
	return out
}

// decodeBase64 decodes standard or URL-safe base64, padded or not; nil if
// it is neither.
func decodeBase64(b []byte) []byte {
	s := strings.TrimRight(string(b), "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if out, err := enc.DecodeString(s); err == nil {
			return out
		}
		// A block may be followed by base64-alphabet text that is not part
		// of it; decode the longest prefix that works.
		if n := len(s) / 4 * 4; n >= 16 {
			if out, err := enc.DecodeString(s[:n]); err == nil {
				return out
			}
		}
	}
	return nil
}

// concatenation matches the seam of a string split across source lines:
// `" + "`, `' + '`, `"\n  "` (implicit concatenation), with optional
// backslash continuations.
var concatenation = regexp.MustCompile(`["'][ \t]*(?:\+|\.|&|\\)?[ \t]*\\?\r?\n?[ \t]*(?:\+|\.|&)?[ \t]*["']`)

// joined is text assembled from string literals split across
// concatenation seams, with the offset in the original bytes of each of
// its bytes.
type joined struct {
	text []byte
	orig []int
}

// at returns the index in j.text of the first byte at or after data offset
// off.
func (j joined) at(off int) int {
	for i, o := range j.orig {
		if o >= off {
			return i
		}
	}
	return len(j.text)
}

// literalStart walks back from s, the start of a run of credential bytes
// that sits right after an opening quote, over concatenation seams
// (`" + "`, `"\n    "`, `' . '`), and returns where the first literal of
// the chain starts. It returns s when there is no seam.
func literalStart(data []byte, s int) int {
	for s > 0 && (data[s-1] == '"' || data[s-1] == '\'') {
		k := s - 2
		for k >= 0 && s-k < 64 && strings.IndexByte(" \t\r\n+.&\\(", data[k]) >= 0 {
			k--
		}
		if k <= 0 || (data[k] != '"' && data[k] != '\'') || !urlByte(data[k-1]) {
			return s
		}
		if loc := concatenation.FindIndex(data[k:s]); loc == nil || loc[0] != 0 || loc[1] != s-k {
			return s
		}
		s, _ = span(data, k-1)
	}
	return s
}

// joinLiterals reads credential bytes from start, across concatenation
// seams, and returns them joined, with the offset where the chain ends.
func joinLiterals(data []byte, start int) (joined, int) {
	var j joined
	i := start
	for i < len(data) {
		c := data[i]
		if urlByte(c) {
			j.text = append(j.text, c)
			j.orig = append(j.orig, i)
			i++
			continue
		}
		if c == '"' || c == '\'' {
			if loc := concatenation.FindIndex(data[i:min(len(data), i+64)]); loc != nil && loc[0] == 0 && i+loc[1] < len(data) && urlByte(data[i+loc[1]]) {
				i += loc[1]
				continue
			}
		}
		break
	}
	return j, i
}
