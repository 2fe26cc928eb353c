package source

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestGitIndexMatchesGit builds a repository with git, reads its index, and
// checks every entry against git ls-files -s; then the stat check: an
// untouched file is unchanged, an edited one (same size, new mtime) is not.
func TestGitIndexMatchesGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("OVERSHARE_REQUIRE_INTEGRATION") != "" {
			t.Fatal("git not found")
		}
		t.Skip("git not found")
	}
	for _, version := range []string{"2", "3", "4"} {
		t.Run("v"+version, func(t *testing.T) {
			dir := t.TempDir()
			git := func(args ...string) string {
				cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
				cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1")
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("git %v: %v\n%s", args, err, out)
				}
				return string(out)
			}
			git("init", "-q")
			git("config", "index.version", version)
			names := []string{"a.txt", "dir/b c.txt", "dir/deeper/ünï.txt", "dir/deeper/long-" + string(make([]byte, 0)) + "name-that-is-quite-long-to-test-prefix-compression.txt"}
			for i, n := range names {
				p := filepath.Join(dir, filepath.FromSlash(n))
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte{byte('a' + i), '\n'}, 0o644); err != nil {
					t.Fatal(err)
				}
				// Files older than the index, so that none is racy.
				old := time.Now().Add(-time.Hour)
				os.Chtimes(p, old, old)
			}
			git("add", "-A")
			git("commit", "-q", "-m", "one")
			idx := readGitIndex(filepath.Join(dir, ".git", "index"), 20)
			if idx == nil {
				t.Fatal("index not read")
			}
			if len(idx.entries) != len(names) {
				t.Fatalf("read %d entries, want %d", len(idx.entries), len(names))
			}
			for _, n := range names {
				id := git("rev-parse", "HEAD:"+n)
				id = id[:40]
				fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(n)))
				if err != nil {
					t.Fatal(err)
				}
				if !idx.unchanged(n, fi, id) {
					t.Errorf("%s: not proven unchanged (entry %+v)", n, idx.entries[n])
				}
			}
			// Same size, new content and mtime: must be read.
			p := filepath.Join(dir, "a.txt")
			os.WriteFile(p, []byte("z\n"), 0o644)
			fi, _ := os.Lstat(p)
			if idx.unchanged("a.txt", fi, idx.entries["a.txt"].id) {
				t.Error("an edited file was judged unchanged")
			}
		})
	}
	if parseGitIndexOK([]byte("DIRC\x00\x00\x00\x02\x00\x00\x00\x05")) {
		t.Error("a truncated index parsed")
	}
}

func parseGitIndexOK(b []byte) bool {
	_, err := parseGitIndex(b, 20)
	return err == nil
}

// FuzzGitIndex: the index parser never panics on any bytes.
func FuzzGitIndex(f *testing.F) {
	f.Add([]byte("DIRC\x00\x00\x00\x02\x00\x00\x00\x00"))
	f.Add([]byte("DIRC\x00\x00\x00\x04\x00\x00\x00\x01" + string(make([]byte, 62)) + "\x00a\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseGitIndex(b, 20)
		parseGitIndex(b, 32)
	})
}
