package hygiene

import (
	"bytes"
	"errors"
	"go/format"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot walks up from the test's directory to the directory holding
// go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod found above the test directory")
		}
		dir = parent
	}
}

// goCommand returns the go command. Where it is missing the check is
// skipped on a developer's machine but fails under CI, which sets
// OVERSHARE_REQUIRE_INTEGRATION.
func goCommand(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("OVERSHARE_REQUIRE_INTEGRATION") != "" {
			t.Fatalf("go command not found and OVERSHARE_REQUIRE_INTEGRATION is set: %v", err)
		}
		t.Skipf("go command not found: %v", err)
	}
	return path
}

func runGo(t *testing.T, args ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the go command; skipped in -short mode")
	}
	cmd := exec.Command(goCommand(t), args...)
	cmd.Dir = repoRoot(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestGofmt is `gofmt -l` over the repository, done with go/format (the
// same formatter) so that it needs no gofmt binary.
func TestGofmt(t *testing.T) {
	root := repoRoot(t)
	var bad []string
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			// The go tool ignores testdata and dot/underscore directories
			// too; they may hold deliberately malformed Go.
			if path != root && (name == "testdata" || name == "vendor" || name == "node_modules" ||
				strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		formatted, err := format.Source(src)
		if err != nil {
			rel, _ := filepath.Rel(root, path)
			bad = append(bad, rel+" (does not parse: "+err.Error()+")")
			return nil
		}
		if !bytes.Equal(src, formatted) {
			rel, _ := filepath.Rel(root, path)
			bad = append(bad, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("found no Go files; the walk is broken")
	}
	if len(bad) > 0 {
		t.Errorf("not gofmt-clean (run gofmt -w):\n%s", strings.Join(bad, "\n"))
	}
}

func TestGoVet(t *testing.T) {
	runGo(t, "vet", "./...")
}

// TestGoModTidy fails when go.mod or go.sum would change under
// `go mod tidy`: a dependency added by hand and never used, or used and
// never recorded.
func TestGoModTidy(t *testing.T) {
	runGo(t, "mod", "tidy", "-diff")
}

// TestRepoRootHasModule guards the helpers above: a wrong root would make
// the other checks pass vacuously.
func TestRepoRootHasModule(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("module github.com/overshare/overshare")) {
		t.Errorf("go.mod at the found root is not overshare's:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(repoRoot(t), "internal", "hygiene")); errors.Is(err, fs.ErrNotExist) {
		t.Error("found root does not contain internal/hygiene")
	}
}
