//go:build !linux

package source

import "io"

// growPipe is a no-op where the pipe buffer cannot be resized.
func growPipe(io.Reader, int) {}
