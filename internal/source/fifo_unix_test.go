//go:build unix

package source

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A named pipe met in a walk is reported, not read (reading it could block
// forever), and the walk goes on. Tests run as root, where permission bits
// cannot make a file unreadable; a FIFO is an input the walk must refuse
// whoever runs it.
func TestDirFIFO(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"ok.txt": "ok\n"})
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	root := displayRoot(dir)
	res := scan(t, open(t, dir, Options{}))
	if diff := cmp.Diff([]errSummary{{Path: root + "/pipe", Op: OpSkipped, Sentinel: ErrNotRegular.Error()}}, res.errSummaries()); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{root + "/ok.txt"}, res.paths()); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
}
