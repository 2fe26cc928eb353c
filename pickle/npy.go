package pickle

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// scanNpy reads a NumPy .npy header (format 1.0: 2-byte header length;
// 2.0 and 3.0: 4-byte, 3.0 UTF-8) and its Python-literal dict. A dtype
// with an object field means np.load(allow_pickle=True) unpickles the
// data, which is then scanned; plain dtypes are safe without reading the
// data.
func (fs *fileScanner) scanNpy(r io.ReaderAt, size int64, name string, base int64, depth int, compressed bool) string {
	h := readAt(r, 0, 12)
	bad := func(msg string) string {
		fs.finding(Finding{Verdict: Suspicious, Code: "npy-malformed", Offset: base, Text: orFile(name) + ": malformed .npy: " + msg})
		return FormatNpy
	}
	if len(h) < 10 {
		return bad("truncated header")
	}
	major := h[6]
	var hlen, start int64
	switch major {
	case 1:
		hlen, start = int64(le16(h[8:])), 10
	case 2, 3:
		if len(h) < 12 {
			return bad("truncated header")
		}
		hlen, start = int64(le32(h[8:])), 12
	default:
		return bad(fmt.Sprintf("unknown format version %d.%d", major, h[7]))
	}
	// numpy refuses headers over 10000 bytes unless told otherwise.
	if hlen > 1<<20 || start+hlen > size {
		return bad("header length out of range")
	}
	hdr := readAt(r, start, hlen)
	if int64(len(hdr)) < hlen {
		return bad("truncated header")
	}
	v, rest, err := parsePyLiteral(strings.TrimSpace(string(hdr)), 0)
	if err != nil || strings.TrimSpace(rest) != "" {
		return bad("header is not a Python literal")
	}
	d, ok := v.(map[string]any)
	if !ok {
		return bad("header is not a dict")
	}
	descr, ok := d["descr"]
	if !ok {
		return bad("header has no descr")
	}
	obj, known := descrHasObject(descr)
	if !known {
		fs.finding(Finding{Verdict: Unknown, Code: "npy-dtype-unknown", Offset: base,
			Text: fmt.Sprintf("%s: dtype %v not understood: data scanned as a possible pickle", orFile(name), descr)})
		obj = true
	}
	dataOff := start + hlen
	if !obj {
		fs.judged = true
		return FormatNpy
	}
	sub := io.NewSectionReader(r, dataOff, size-dataOff)
	n := len(fs.res.Entries)
	fs.scanPickle(sub, size-dataOff, joinName(name, "<npy object data>"), base+dataOff, depth+1, compressed, false)
	if len(fs.res.Entries) == n {
		fs.finding(Finding{Verdict: Suspicious, Code: "npy-object-not-pickle", Offset: base + dataOff,
			Text: orFile(name) + ": object-dtype .npy whose data is not a pickle"})
	}
	return FormatNpy
}

// descrHasObject says whether a .npy descr holds Python objects; known is
// false when the descr is not understood.
func descrHasObject(d any) (obj, known bool) {
	switch t := d.(type) {
	case string:
		s := strings.TrimLeft(t, "<>|=!")
		if s == "" {
			return false, false
		}
		if s[0] == 'O' || strings.HasPrefix(strings.ToLower(s), "object") {
			return true, true
		}
		// kind letter and size: f8, i4, U10, S3, V16, M8[ns], b1, ?
		if strings.ContainsRune("biufcmMSUVa?", rune(s[0])) {
			rest := s[1:]
			if i := strings.IndexByte(rest, '['); i >= 0 && strings.HasSuffix(rest, "]") {
				rest = rest[:i]
			}
			if _, err := strconv.Atoi(rest); err == nil || rest == "" {
				return false, true
			}
		}
		switch s {
		case "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
			"uint64", "bool", "complex64", "complex128", "float", "int", "complex":
			return false, true
		}
		return false, false
	case []any: // structured: [(name, descr[, shape]), ...]
		if len(t) == 0 {
			return false, false
		}
		for _, f := range t {
			ft, ok := f.([]any)
			if !ok || len(ft) < 2 {
				return false, false
			}
			o, k := descrHasObject(ft[1])
			if !k || o {
				return o, k
			}
		}
		return false, true
	}
	return false, false
}

// parsePyLiteral parses the subset of Python literals in .npy headers:
// dicts, lists, tuples (as []any), str, int, True, False, None.
func parsePyLiteral(s string, depth int) (any, string, error) {
	s = strings.TrimLeft(s, " \t\r\n")
	if depth > 32 {
		return nil, s, fmt.Errorf("too deep")
	}
	if s == "" {
		return nil, s, fmt.Errorf("unexpected end")
	}
	switch c := s[0]; {
	case c == '{':
		m := map[string]any{}
		s = s[1:]
		for {
			s = strings.TrimLeft(s, " \t\r\n")
			if strings.HasPrefix(s, "}") {
				return m, s[1:], nil
			}
			k, rest, err := parsePyLiteral(s, depth+1)
			if err != nil {
				return nil, rest, err
			}
			ks, ok := k.(string)
			rest = strings.TrimLeft(rest, " \t\r\n")
			if !ok || !strings.HasPrefix(rest, ":") {
				return nil, rest, fmt.Errorf("bad dict key")
			}
			v, rest2, err := parsePyLiteral(rest[1:], depth+1)
			if err != nil {
				return nil, rest2, err
			}
			m[ks] = v
			s = strings.TrimLeft(rest2, " \t\r\n")
			if strings.HasPrefix(s, ",") {
				s = s[1:]
			} else if !strings.HasPrefix(s, "}") {
				return nil, s, fmt.Errorf("expected , or }")
			}
		}
	case c == '[' || c == '(':
		end := byte(']')
		if c == '(' {
			end = ')'
		}
		var l []any
		s = s[1:]
		for {
			s = strings.TrimLeft(s, " \t\r\n")
			if len(s) > 0 && s[0] == end {
				if l == nil {
					l = []any{}
				}
				return l, s[1:], nil
			}
			v, rest, err := parsePyLiteral(s, depth+1)
			if err != nil {
				return nil, rest, err
			}
			l = append(l, v)
			s = strings.TrimLeft(rest, " \t\r\n")
			if strings.HasPrefix(s, ",") {
				s = s[1:]
			} else if len(s) == 0 || s[0] != end {
				return nil, s, fmt.Errorf("expected , or %c", end)
			}
		}
	case c == '\'' || c == '"':
		i := strings.IndexByte(s[1:], c)
		if i < 0 {
			return nil, s, fmt.Errorf("unterminated string")
		}
		str := s[1 : 1+i]
		if strings.ContainsRune(str, '\\') {
			return nil, s, fmt.Errorf("escapes not supported")
		}
		return str, s[2+i:], nil
	case c == '-' || (c >= '0' && c <= '9'):
		i := 1
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == 'L') {
			i++
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(s[:i], "L"), 10, 64)
		if err != nil {
			return nil, s, err
		}
		return n, s[i:], nil
	case strings.HasPrefix(s, "True"):
		return true, s[4:], nil
	case strings.HasPrefix(s, "False"):
		return false, s[5:], nil
	case strings.HasPrefix(s, "None"):
		return nil, s[4:], nil
	}
	return nil, s, fmt.Errorf("unexpected %q", s[:1])
}
