//go:build !unix

package source

import "io/fs"

// fileKey identifies a directory across paths. Without a device and inode
// number (outside unix) symlink loops are not detected; FollowSymlinks
// should not be used there.
type fileKey struct{}

func keyOf(fs.FileInfo) (fileKey, bool) { return fileKey{}, false }
