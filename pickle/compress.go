package pickle

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"

	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz/lzma"

	"github.com/overshare/overshare/internal/xzsafe"
)

// maxDictCap bounds the LZMA dictionary a header may ask for (joblib's
// presets use 8 MiB; xz -9 uses 64 MiB).
const maxDictCap = xzsafe.MaxDict

// decompressor opens a reader for one compression format.
func decompressor(kind string, r io.Reader) (io.Reader, error) {
	switch kind {
	case "zlib":
		return zlib.NewReader(r)
	case "gzip":
		return gzip.NewReader(r)
	case "bzip2":
		return bzip2.NewReader(r), nil
	case "xz":
		return xzsafe.NewReader(r)
	case "lzma":
		return lzma.ReaderConfig{DictCap: maxDictCap}.NewReader(r)
	case "lz4":
		return lz4.NewReader(r), nil
	}
	return nil, fmt.Errorf("unknown compression %q", kind)
}

// readBounded reads at most limit bytes from r; over is set when r holds
// more.
func readBounded(r io.Reader, limit int64) (data []byte, over bool, err error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, limit+1))
	if n > limit {
		return buf.Bytes()[:limit], true, err
	}
	return buf.Bytes(), false, err
}

// scanCompressed decompresses r (bounded) and scans what it holds, as
// joblib.load does for its zlib/gzip/bz2/xz/lzma/lz4 files. It returns
// false when r does not decompress at all, so that the caller can try r as
// a pickle.
func (fs *fileScanner) scanCompressed(kind string, r io.ReaderAt, size int64, name string, base int64, depth int) (string, bool) {
	if kind == "xz" && !xzsafe.DictOK(readAt(r, 0, 64), maxDictCap) {
		fs.finding(Finding{Verdict: Suspicious, Code: "resource-limit", Offset: base,
			Text: fmt.Sprintf("%s: xz stream asks for an LZMA dictionary over %d bytes: not decompressed", orFile(name), maxDictCap)})
		return kind, true
	}
	dr, err := decompressor(kind, io.NewSectionReader(r, 0, size))
	if err != nil {
		return "", false
	}
	limit := min(fs.maxEntry, max(fs.maxTotal-fs.total, 0))
	data, over, err := readBounded(dr, limit)
	if len(data) == 0 {
		return "", false
	}
	if !fs.charge(int64(len(data)), base) {
		return kind, true
	}
	label := orFile(name)
	fs.finding(Finding{Verdict: Safe, Code: "compressed", Offset: base,
		Text: fmt.Sprintf("%s: %s-compressed data (%d bytes decompressed), scanned after decompression", label, kind, len(data))})
	if over {
		fs.finding(Finding{Verdict: Suspicious, Code: "resource-limit", Offset: base,
			Text: fmt.Sprintf("%s: decompresses to more than %d bytes: only the beginning was judged", label, limit)})
	} else if err != nil {
		fs.finding(Finding{Verdict: Unknown, Code: "compressed-corrupt", Offset: base,
			Text: fmt.Sprintf("%s: %s stream is corrupt or truncated after %d bytes (%v)", label, kind, len(data), err)})
	}
	inner := fs.scanAny(bytes.NewReader(data), int64(len(data)), name, base, depth+1, true)
	if inner == "" {
		inner = FormatNotAModel
	}
	return kind + "+" + inner, true
}
