package pickle

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
)

// isTar: a ustar, GNU or POSIX tar header (magic at offset 257).
func isTar(head []byte) bool {
	return len(head) >= 263 && (bytes.Equal(head[257:262], []byte("ustar")))
}

// scanTar scans every regular member of a tar archive. Legacy torch.save
// (before 0.1.10, still loaded by torch.load(weights_only=False)) wrote a
// tar of "sys_info", "pickle", "storages" and "tensors"; torch unpickles
// the first pickle of "storages" before anything else.
func (fs *fileScanner) scanTar(r io.ReaderAt, size int64, name string, base int64, depth int, compressed bool) string {
	sr := io.NewSectionReader(r, 0, size)
	tr := tar.NewReader(sr)
	members := map[string]bool{}
	for n := 0; ; n++ {
		if n >= MaxEntries {
			fs.finding(Finding{Verdict: Suspicious, Code: "resource-limit", Offset: base, Text: fmt.Sprintf("%s: more than %d tar members: the rest were not scanned", orFile(name), MaxEntries)})
			break
		}
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fs.finding(Finding{Verdict: Unknown, Code: "tar-malformed", Offset: base, Text: fmt.Sprintf("%s: tar archive ends in error: %v", orFile(name), err)})
			break
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeRegA {
			continue
		}
		pos, _ := sr.Seek(0, io.SeekCurrent)
		sz := min(h.Size, size-pos)
		if sz < 0 {
			break
		}
		members[h.Name] = true
		lab := joinName(name, h.Name)
		f := fs.scanAny(io.NewSectionReader(r, pos, sz), sz, lab, base+pos, depth+1, compressed)
		switch f {
		case FormatZip, FormatPyTorchZip, FormatTorchScript, FormatNpz, FormatTar, FormatPyTorchTar, Format7z:
			fs.finding(Finding{Verdict: Safe, Code: "nested-archive", Offset: base + pos, Text: fmt.Sprintf("%s: nested archive (%s), scanned", lab, f)})
		}
	}
	if members["storages"] && members["pickle"] {
		return FormatPyTorchTar
	}
	return FormatTar
}
