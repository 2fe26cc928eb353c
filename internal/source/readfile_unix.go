//go:build unix

package source

import (
	"io"
	"io/fs"
	"syscall"
)

// readRegular reads the regular file at p into buf (reused when large
// enough) with plain system calls: open, fstat, read to the end, close.
// os.Open would also register the descriptor with the runtime's poller,
// which a regular file never needs: over a tree of small files those
// calls are a fair part of the time. The file is opened non-blocking, so
// that a FIFO put in a file's place is seen by fstat, not waited on.
//
// handled is false, with nothing read, when p is not a regular file or
// is over max bytes: the caller goes the slow way, which reports it.
func readRegular(p string, max int64, buf []byte) (data []byte, handled bool, err error) {
	var fd int
	for {
		fd, err = syscall.Open(p, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return buf, true, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return buf, true, &fs.PathError{Op: "stat", Path: p, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG || st.Size > max {
		return buf, false, nil
	}
	data, err = readAll(fdReader(fd), st.Size, max, buf)
	if err != nil && err != ErrTooLarge {
		err = &fs.PathError{Op: "read", Path: p, Err: err}
	}
	return data, true, err
}

// fdReader reads a file descriptor with read(2).
type fdReader int

func (f fdReader) Read(b []byte) (int, error) {
	for {
		n, err := syscall.Read(int(f), b)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0 && len(b) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}
