package source

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// requireGit returns the git binary. Without one the test is skipped on a
// developer's machine and fails under CI (OVERSHARE_REQUIRE_INTEGRATION).
func requireGit(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("git")
	if err != nil {
		if os.Getenv("OVERSHARE_REQUIRE_INTEGRATION") != "" {
			tb.Fatalf("git not found and OVERSHARE_REQUIRE_INTEGRATION is set: %v", err)
		}
		tb.Skipf("git not found: %v", err)
	}
	return p
}

// testRepo is a git repository built by a test, with fixed identities and
// dates so that commit ids are stable.
type testRepo struct {
	tb   testing.TB
	dir  string
	when time.Time // date of the next commit
}

func newRepo(tb testing.TB, args ...string) *testRepo {
	tb.Helper()
	requireGit(tb)
	r := &testRepo{tb: tb, dir: tb.TempDir(), when: time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC)}
	r.git(append([]string{"init", "-q", "-b", "main"}, args...)...)
	return r
}

func (r *testRepo) env() []string {
	date := r.when.Format(time.RFC3339)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=Ada Author", "GIT_AUTHOR_EMAIL=ada@example.test",
		"GIT_COMMITTER_NAME=Cy Committer", "GIT_COMMITTER_EMAIL=cy@example.test",
		"GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
}

// git runs git in the repository and returns its trimmed output.
func (r *testRepo) git(args ...string) string {
	r.tb.Helper()
	return r.gitIn(r.dir, args...)
}

func (r *testRepo) gitIn(dir string, args ...string) string {
	r.tb.Helper()
	cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = r.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.tb.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *testRepo) write(name, content string) {
	r.tb.Helper()
	p := filepath.Join(r.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.tb.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.tb.Fatal(err)
	}
}

// commit stages everything and commits; it returns the commit id. Each
// commit is one day after the previous one.
func (r *testRepo) commit(msg string) string {
	r.tb.Helper()
	r.git("add", "-A")
	r.git("commit", "-q", "--allow-empty", "-m", msg)
	r.when = r.when.Add(24 * time.Hour)
	return r.git("rev-parse", "HEAD")
}

// blobID is the id of content as a blob.
func (r *testRepo) blobID(content string) string {
	r.tb.Helper()
	cmd := exec.Command("git", "hash-object", "--stdin")
	cmd.Stdin = strings.NewReader(content)
	out, err := cmd.Output()
	if err != nil {
		r.tb.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// frag is a Fragment copied out of emit, for comparison.
type frag struct {
	Path    string
	Blob    string
	Data    string
	Binary  bool
	Depth   int
	Archive string
}

// result is what one Scan produced, sorted.
type result struct {
	frags []frag
	errs  []Error
}

func scan(tb testing.TB, src Source) result {
	tb.Helper()
	res, err := scanErr(context.Background(), src)
	if err != nil {
		tb.Fatalf("Scan: %v", err)
	}
	return res
}

func scanErr(ctx context.Context, src Source) (result, error) {
	var mu sync.Mutex
	var res result
	var bad []string
	err := src.Scan(ctx, func(f *Fragment) error {
		// Entry is the part of Path below the top-level input.
		if (f.Depth > 0) != (f.Entry != "") || (f.Depth > 0 && !strings.HasSuffix(f.Path, "!"+f.Entry)) ||
			strings.Count(f.Entry, "!") != max(f.Depth-1, 0) && !strings.Contains(f.Path, "!!") {
			mu.Lock()
			bad = append(bad, fmt.Sprintf("Path %q Entry %q Depth %d", f.Path, f.Entry, f.Depth))
			mu.Unlock()
		}
		c := frag{Path: f.Path, Blob: f.Blob, Data: string(f.Data), Binary: f.Binary, Depth: f.Depth, Archive: f.Archive}
		mu.Lock()
		res.frags = append(res.frags, c)
		mu.Unlock()
		return nil
	}, func(e Error) {
		mu.Lock()
		res.errs = append(res.errs, e)
		mu.Unlock()
	})
	sortFrags(res.frags)
	if err == nil && len(bad) > 0 {
		err = fmt.Errorf("fragments with an inconsistent Entry: %v", bad)
	}
	slices.SortFunc(res.errs, func(a, b Error) int { return strings.Compare(a.Error(), b.Error()) })
	return res, err
}

func open(tb testing.TB, target string, opts Options) Source {
	tb.Helper()
	src, err := Open(target, opts)
	if err != nil {
		tb.Fatalf("Open(%q): %v", target, err)
	}
	return src
}

// paths lists the fragments' paths.
func (r result) paths() []string {
	var p []string
	for _, f := range r.frags {
		p = append(p, f.Path)
	}
	return p
}

// byBlob indexes the fragments by blob id, failing on a blob emitted twice.
func (r result) byBlob(tb testing.TB) map[string]frag {
	tb.Helper()
	m := map[string]frag{}
	for _, f := range r.frags {
		if f.Blob == "" || f.Depth > 0 {
			continue
		}
		if _, dup := m[f.Blob]; dup {
			tb.Errorf("blob %s (%s) emitted more than once", f.Blob, f.Path)
		}
		m[f.Blob] = f
	}
	return m
}

// errSummary is an Error reduced to what tests compare.
type errSummary struct {
	Path     string
	Op       string
	Sentinel string
}

var sentinels = []error{ErrTooLarge, ErrNotRegular, ErrSymlinkLoop, ErrArchiveBomb, ErrArchiveDepth,
	ErrArchiveCorrupt, ErrShallow, ErrObject}

func (r result) errSummaries() []errSummary {
	var out []errSummary
	for _, e := range r.errs {
		s := errSummary{Path: e.Path, Op: e.Op}
		for _, se := range sentinels {
			if errors.Is(e, se) {
				s.Sentinel = se.Error()
			}
		}
		out = append(out, s)
	}
	return out
}

func (r result) String() string {
	var b strings.Builder
	for _, f := range r.frags {
		fmt.Fprintf(&b, "frag %q blob=%s depth=%d archive=%s len=%d\n", f.Path, f.Blob, f.Depth, f.Archive, len(f.Data))
	}
	for _, e := range r.errs {
		fmt.Fprintf(&b, "error %v\n", e)
	}
	return b.String()
}

func sortFrags(fs []frag) []frag {
	slices.SortFunc(fs, func(a, b frag) int {
		return strings.Compare(a.Path+"\x00"+a.Blob+"\x00"+a.Data, b.Path+"\x00"+b.Blob+"\x00"+b.Data)
	})
	return fs
}

func execGit(r *testRepo, args ...string) *exec.Cmd {
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	cmd.Env = r.env()
	return cmd
}
