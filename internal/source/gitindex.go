package source

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"time"
)

// indexEntry is what the git index records of a tracked file when it was
// last staged: enough to tell, from a stat alone, that it is unchanged.
type indexEntry struct {
	mtime time.Time
	size  uint32
	id    string
}

// gitIndex is the stat cache of a work tree, read from .git/index without
// running git: git status decides "unchanged" the same way, and reading a
// file only to hash it is what made work-tree scans slow.
type gitIndex struct {
	entries map[string]indexEntry
	// written is the index file's own mtime: an entry whose file was
	// modified in the same second or later is "racy" and proves nothing.
	written time.Time
}

// readGitIndex parses index versions 2, 3 and 4. Any problem yields a nil
// index: the caller then hashes every file, as before.
func readGitIndex(path string, hashLen int) *gitIndex {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() > 1<<30 {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	entries, err := parseGitIndex(data, hashLen)
	if err != nil {
		return nil
	}
	return &gitIndex{entries: entries, written: fi.ModTime()}
}

var errIndex = errors.New("malformed git index")

func parseGitIndex(data []byte, hashLen int) (map[string]indexEntry, error) {
	if len(data) < 12 || string(data[:4]) != "DIRC" {
		return nil, errIndex
	}
	version := binary.BigEndian.Uint32(data[4:8])
	count := binary.BigEndian.Uint32(data[8:12])
	if version < 2 || version > 4 || count > 1<<24 {
		return nil, errIndex
	}
	fixed := 40 + hashLen + 2 // stat fields, object id, flags
	// Each entry takes at least fixed+1 bytes: a header cannot make us
	// allocate for more entries than the file can hold.
	out := make(map[string]indexEntry, min(int(count), len(data)/(fixed+1)))
	off := 12
	var prev []byte
	for range count {
		if off+fixed > len(data) {
			return nil, errIndex
		}
		e := data[off:]
		mtime := time.Unix(int64(binary.BigEndian.Uint32(e[8:12])), int64(binary.BigEndian.Uint32(e[12:16])))
		size := binary.BigEndian.Uint32(e[36:40])
		id := hex.EncodeToString(e[40 : 40+hashLen])
		flags := binary.BigEndian.Uint16(e[40+hashLen:])
		p := off + fixed
		if flags&0x4000 != 0 { // extended flags (version 3 and later)
			if version < 3 {
				return nil, errIndex
			}
			p += 2
		}
		if p >= len(data) {
			return nil, errIndex
		}
		var name []byte
		if version == 4 {
			// The path is the previous one, cut by a varint, plus a
			// NUL-terminated suffix; no padding.
			strip, n := gitVarint(data[p:])
			if n == 0 || strip > uint64(len(prev)) {
				return nil, errIndex
			}
			if p += n; p >= len(data) {
				return nil, errIndex
			}
			end := bytes.IndexByte(data[p:], 0)
			if end < 0 {
				return nil, errIndex
			}
			name = append(append([]byte(nil), prev[:len(prev)-int(strip)]...), data[p:p+end]...)
			off = p + end + 1
		} else {
			end := bytes.IndexByte(data[p:], 0)
			if end < 0 {
				return nil, errIndex
			}
			name = data[p : p+end]
			// Entries are padded with 1 to 8 NULs to a multiple of 8.
			off += (p - off + end + 8) &^ 7
		}
		prev = name
		stage := (flags >> 12) & 3
		if stage == 0 {
			out[string(name)] = indexEntry{mtime: mtime, size: size, id: id}
		}
	}
	return out, nil
}

// gitVarint decodes the offset encoding of index version 4.
func gitVarint(b []byte) (uint64, int) {
	if len(b) == 0 {
		return 0, 0
	}
	v := uint64(b[0] & 0x7f)
	i := 1
	for b[i-1]&0x80 != 0 {
		if i >= len(b) || i > 9 {
			return 0, 0
		}
		v = ((v + 1) << 7) | uint64(b[i]&0x7f)
		i++
	}
	return v, i
}

// unchanged reports whether the file at p (with stat fi) still holds the
// blob id, as far as the index can prove without reading it.
func (x *gitIndex) unchanged(p string, fi fs.FileInfo, id string) bool {
	if x == nil {
		return false
	}
	e, ok := x.entries[p]
	if !ok || e.id != id || uint32(fi.Size()) != e.size || !fi.ModTime().Equal(e.mtime) {
		return false
	}
	// Racy: modified within the index's own timestamp second or later.
	return fi.ModTime().Before(x.written.Truncate(time.Second))
}
