//go:build unix

package source

import (
	"io/fs"
	"syscall"
)

// fileKey identifies a directory across the different paths (symlinks)
// that lead to it.
type fileKey struct{ dev, ino uint64 }

func keyOf(fi fs.FileInfo) (fileKey, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileKey{}, false
	}
	return fileKey{dev: uint64(st.Dev), ino: st.Ino}, true // Dev is not uint64 on every platform
}
