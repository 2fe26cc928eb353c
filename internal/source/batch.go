package source

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
)

// errBatchSyntax: git cat-file --batch output that is not what the
// protocol says. Truncation is io.ErrUnexpectedEOF instead.
var errBatchSyntax = errors.New("malformed git cat-file output")

// batchHeader is one response header of git cat-file --batch or
// --batch-check with the default format: "<oid> <type> <size>\n", or
// "<name> missing\n" / "<name> ambiguous\n".
type batchHeader struct {
	OID     string
	Type    string // "blob", "tree", "commit" or "tag"; "missing" or "ambiguous" when Missing
	Size    int64
	Missing bool // missing, or ambiguous
}

// batchReader parses a cat-file --batch(-check) stream. It never trusts the
// stream: a bad header, a size that does not fit, a missing terminator or
// a truncation is an error, never a panic or an unbounded allocation
// (bodies are read into buffers whose size the caller has checked).
type batchReader struct {
	r *bufio.Reader
}

func newBatchReader(r io.Reader) *batchReader {
	return &batchReader{r: bufio.NewReaderSize(r, 64<<10)}
}

func syntaxErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errBatchSyntax}, args...)...)
}

// header reads the next header. At a clean end of the stream it returns
// io.EOF; in the middle of a line, io.ErrUnexpectedEOF.
func (b *batchReader) header() (batchHeader, error) {
	line, err := b.r.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return batchHeader{}, syntaxErr("header line longer than %d bytes", len(line))
	case err == io.EOF && len(line) == 0:
		return batchHeader{}, io.EOF
	case err == io.EOF:
		return batchHeader{}, io.ErrUnexpectedEOF
	case err != nil:
		return batchHeader{}, err
	}
	return parseBatchHeader(line[:len(line)-1])
}

func parseBatchHeader(line []byte) (batchHeader, error) {
	oid, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return batchHeader{}, syntaxErr("header %q has no fields", clip(line))
	}
	if !isHexID(oid) {
		return batchHeader{}, syntaxErr("bad object id %q", clip(oid))
	}
	typ, size, ok := bytes.Cut(rest, []byte{' '})
	if !ok {
		switch string(rest) {
		case "missing":
			return batchHeader{OID: string(oid), Type: "missing", Missing: true}, nil
		case "ambiguous":
			return batchHeader{OID: string(oid), Type: "ambiguous", Missing: true}, nil
		}
		return batchHeader{}, syntaxErr("header %q: no size", clip(line))
	}
	h := batchHeader{OID: string(oid)}
	switch string(typ) {
	case "blob":
		h.Type = "blob"
	case "tree":
		h.Type = "tree"
	case "commit":
		h.Type = "commit"
	case "tag":
		h.Type = "tag"
	default:
		return batchHeader{}, syntaxErr("unknown object type %q", clip(typ))
	}
	n, err := parseSize(size)
	if err != nil {
		return batchHeader{}, err
	}
	h.Size = n
	return h, nil
}

// parseSize parses a canonical decimal (no sign, no leading zero) that
// fits an int64.
func parseSize(s []byte) (int64, error) {
	if len(s) == 0 || (len(s) > 1 && s[0] == '0') {
		return 0, syntaxErr("bad size %q", clip(s))
	}
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, syntaxErr("bad size %q", clip(s))
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, syntaxErr("size %q too large", clip(s))
		}
		n = n*10 + d
	}
	return n, nil
}

// isHexID: 40 (SHA-1) or 64 (SHA-256) lower-case hex digits.
func isHexID(b []byte) bool {
	if len(b) != 40 && len(b) != 64 {
		return false
	}
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func clip(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + "…"
	}
	return string(b)
}

// body reads the h.Size bytes of content that follow h, and the newline
// after them, into buf (reused when large enough). The caller bounds
// h.Size before calling.
func (b *batchReader) body(h batchHeader, buf []byte) ([]byte, error) {
	if h.Size > math.MaxInt-1 {
		return buf, syntaxErr("object size %d does not fit in memory", h.Size)
	}
	n := int(h.Size)
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(b.r, buf); err != nil {
		return buf, unexpected(err)
	}
	return buf, b.terminator()
}

// discard skips the content that follows h and the newline after it.
func (b *batchReader) discard(h batchHeader) error {
	if _, err := io.CopyN(io.Discard, b.r, h.Size); err != nil {
		return unexpected(err)
	}
	return b.terminator()
}

func (b *batchReader) terminator() error {
	c, err := b.r.ReadByte()
	if err != nil {
		return unexpected(err)
	}
	if c != '\n' {
		return syntaxErr("object content not followed by a newline")
	}
	return nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
