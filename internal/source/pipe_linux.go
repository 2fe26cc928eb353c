//go:build linux

package source

import (
	"io"
	"os"
	"syscall"
)

// fSetPipeSize is F_SETPIPE_SZ (F_LINUX_SPECIFIC_BASE + 7).
const fSetPipeSize = 1031

// growPipe asks Linux for a larger buffer on the pipe r reads from, so
// that git can write up to size bytes ahead of the reader: fewer wakeups
// and system calls per object, and git keeps inflating while the scanner
// works. Unprivileged processes may go up to /proc/sys/fs/pipe-max-size
// (1 MiB by default); a refusal keeps the default 64 KiB.
func growPipe(r io.Reader, size int) {
	f, ok := r.(*os.File)
	if !ok {
		return
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_, _, _ = syscall.Syscall(syscall.SYS_FCNTL, fd, fSetPipeSize, uintptr(size))
	})
}
