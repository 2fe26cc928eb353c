package pickle

import (
	"bytes"
	"fmt"
	"io"
)

// TensorFlow SavedModel (saved_model.pb, alone or as an archive entry) is
// a protobuf graph. Loading it runs its ops; most are numeric, but some
// read or write arbitrary paths and some run Python. The protobuf is not
// decoded: op names are found as whole length-delimited strings (the tag
// byte has wire type 2 and the varint before the name equals its length),
// so that "ReadFileX" or a name inside a longer string does not count.

// FormatSavedModel is reported in [FileResult.Format] for SavedModel files.
const FormatSavedModel = "savedmodel"

var savedModelOps = []struct {
	name string
	v    Verdict
	what string
}{
	{"ReadFile", Suspicious, "reads an arbitrary file"},
	{"WriteFile", Suspicious, "writes an arbitrary file"},
	{"MatchingFiles", Suspicious, "lists files by pattern"},
	{"PyFunc", Malicious, "runs a Python function"},
	{"PyFuncStateless", Malicious, "runs a Python function"},
	{"EagerPyFunc", Malicious, "runs a Python function"},
}

// isSavedModel says whether head begins a SavedModel protobuf:
// saved_model_schema_version (field 1, varint, usually 1) then meta_graphs
// (field 2, length-delimited) whose first field is meta_info_def (1) or
// graph_def (2).
func isSavedModel(head []byte, size int64) bool {
	p := 0
	if len(head) >= 2 && head[0] == 0x08 && head[1] < 0x80 {
		p = 2
	}
	if len(head) < p+3 || head[p] != 0x12 {
		return false
	}
	l, n := uvarint(head[p+1:])
	if n <= 0 || l == 0 || l > uint64(size) || int64(p+1+n)+int64(l) > size || p+1+n >= len(head) {
		return false
	}
	c := head[p+1+n]
	return c == 0x0a || c == 0x12
}

func uvarint(b []byte) (uint64, int) {
	var x uint64
	for i := 0; i < len(b) && i < 10; i++ {
		x |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return x, i + 1
		}
	}
	return 0, 0
}

func (fs *fileScanner) scanSavedModel(r io.ReaderAt, size int64, name string, base int64) string {
	const chunk, overlap = 1 << 20, 64
	limit := min(size, fs.maxEntry)
	seen := map[int64]bool{}
	for p := int64(0); p < limit; p += chunk - overlap {
		n := min(chunk, limit-p)
		if !fs.charge(n, base+p) {
			return FormatSavedModel
		}
		b := readAt(r, p, n)
		for _, op := range savedModelOps {
			pat := []byte(op.name)
			for i := 0; ; {
				j := bytes.Index(b[i:], pat)
				if j < 0 {
					break
				}
				k := i + j
				i = k + 1
				if k < 2 || int(b[k-1]) != len(pat) || b[k-2]&7 != 2 || seen[p+int64(k)] {
					continue
				}
				seen[p+int64(k)] = true
				fs.finding(Finding{Verdict: op.v, Code: "savedmodel-op", Offset: base + p + int64(k), Evidence: []string{"op " + op.name},
					Text: fmt.Sprintf("%s: TensorFlow graph uses op %s, which %s when the model runs", orFile(name), op.name, op.what)})
			}
		}
		if int64(len(b)) < n || p+n >= limit {
			break
		}
	}
	if size > limit {
		fs.finding(Finding{Verdict: Suspicious, Code: "resource-limit", Offset: base,
			Text: fmt.Sprintf("%s: SavedModel larger than %d bytes: only its beginning was searched", orFile(name), limit)})
	}
	fs.judged = true
	return FormatSavedModel
}
