package scan

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestProgressTotals checks that the progress of a history scan knows, once
// listed, how many bytes the history holds, so the time left can be told.
func TestProgressTotals(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("OVERSHARE_REQUIRE_INTEGRATION") != "" {
			t.Fatal("git not found")
		}
		t.Skip("git not found")
	}
	dir := t.TempDir()
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	total := 0
	for i, content := range []string{strings.Repeat("a", 1000), strings.Repeat("b", 2000), strings.Repeat("c", 3000)} {
		name := filepath.Join(dir, "f"+string(rune('0'+i))+".txt")
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		total += len(content)
		git("add", "-A")
		git("commit", "-q", "-m", "c")
	}
	var mu sync.Mutex
	var last Progress
	opts := Options{Targets: []string{dir}, ProgressEvery: time.Millisecond, Progress: func(p Progress) {
		mu.Lock()
		last = p
		mu.Unlock()
	}}
	run(t, opts)
	if !last.Done || last.TotalBytes != int64(total) || last.TotalBytesDone != int64(total) {
		t.Errorf("final progress = %+v, want done with %d of %d history bytes", last, total, total)
	}
}
