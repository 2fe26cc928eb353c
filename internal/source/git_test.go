package source

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	author = "Ada Author <ada@example.test>"
)

func day(n int) time.Time { return time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC).AddDate(0, 0, n) }

func openGitT(tb testing.TB, dir string, opts Options) *Git {
	tb.Helper()
	src := open(tb, dir, opts)
	g, ok := src.(*Git)
	if !ok {
		tb.Fatalf("Open(%s) = %T, want *Git", dir, src)
	}
	return g
}

// The scenario of the brief: a line is added (commit 1) and removed
// (commit 2), then another file is added (commit 3). Every blob is emitted
// exactly once; the removed line's blob is attributed to commit 1 and is
// not in HEAD; the new file's blob is in HEAD.
func TestGitHistoryAttribution(t *testing.T) {
	r := newRepo(t)
	r.write("a.txt", "hello\nline that leaks\n")
	c1 := r.commit("add a line")
	r.write("a.txt", "hello\n")
	c2 := r.commit("remove it")
	r.write("b.txt", "something else\n")
	c3 := r.commit("add b")

	g := openGitT(t, r.dir, Options{})
	res := scan(t, g)
	if len(res.errs) > 0 {
		t.Errorf("errors: %v", res.errs)
	}
	a1, a2, b3 := r.blobID("hello\nline that leaks\n"), r.blobID("hello\n"), r.blobID("something else\n")
	wantFrags := []frag{
		{Path: "a.txt", Blob: a1, Data: "hello\nline that leaks\n"},
		{Path: "a.txt", Blob: a2, Data: "hello\n"},
		{Path: "b.txt", Blob: b3, Data: "something else\n"},
	}
	sortFrags(wantFrags)
	if diff := cmp.Diff(wantFrags, res.frags); diff != "" {
		t.Errorf("fragments (-want +got):\n%s", diff)
	}
	tests := []struct {
		blob string
		want []Origin
	}{
		{a1, []Origin{{Commit: c1, Path: "a.txt", Author: author, Date: day(0), InHead: false}}},
		{a2, []Origin{{Commit: c2, Path: "a.txt", Author: author, Date: day(1), InHead: true}}},
		{b3, []Origin{{Commit: c3, Path: "b.txt", Author: author, Date: day(2), InHead: true}}},
		{strings.Repeat("0", 40), nil},
		{"not hex", nil},
	}
	for _, tt := range tests {
		got := g.Origins(tt.blob)
		if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
			t.Errorf("Origins(%s) (-want +got):\n%s", tt.blob, diff)
		}
	}
	if !g.InHead(b3) || g.InHead(a1) {
		t.Errorf("InHead: b3=%v (want true), a1=%v (want false)", g.InHead(b3), g.InHead(a1))
	}
}

// A file unchanged through 40 commits is one blob, read once, introduced
// once.
func TestGitUnchangedBlobReadOnce(t *testing.T) {
	r := newRepo(t)
	r.write("stable.txt", "never changes\n")
	var first string
	for i := range 40 {
		r.write("counter.txt", strings.Repeat("x", i+1))
		c := r.commit("commit")
		if i == 0 {
			first = c
		}
	}
	g := openGitT(t, r.dir, Options{})
	res := scan(t, g)
	stable := r.blobID("never changes\n")
	n := 0
	for _, f := range res.frags {
		if f.Blob == stable {
			n++
		}
	}
	if n != 1 {
		t.Errorf("stable blob emitted %d times, want 1", n)
	}
	if len(res.byBlob(t)) != 41 {
		t.Errorf("got %d blobs, want 41 (40 counters and the stable file)", len(res.byBlob(t)))
	}
	got := g.Origins(stable)
	if len(got) != 1 || got[0].Commit != first || !got[0].InHead {
		t.Errorf("Origins(stable) = %+v, want one origin in %s, in HEAD", got, first)
	}
}

// Blobs reachable only from a side branch, a tag, a remote ref, the stash,
// a ref pointing straight at a blob, and the reflog (a reset-away commit)
// are all read. A blob made on a side branch is attributed to the side
// commit, not to the merge; an evil merge's own content to the merge.
func TestGitRefsAndMerges(t *testing.T) {
	r := newRepo(t)
	r.write("base.txt", "base\n")
	r.commit("base")

	r.git("checkout", "-q", "-b", "side")
	r.write("side.txt", "from the side branch\n")
	side := r.commit("side")
	r.git("checkout", "-q", "main")
	r.write("main.txt", "on main\n")
	r.commit("main")
	r.git("merge", "-q", "--no-ff", "--no-commit", "side")
	r.write("evil.txt", "made by the merge\n")
	merge := r.commit("merge with content of its own")

	// Only a tag reaches this commit.
	r.git("checkout", "-q", "-b", "tagged")
	r.write("tagged.txt", "only via a tag\n")
	r.commit("tagged")
	r.git("tag", "-a", "-m", "release", "v1")
	r.git("checkout", "-q", "main")
	r.git("branch", "-q", "-D", "tagged")

	// Only a remote-tracking ref reaches this one.
	r.git("checkout", "-q", "-b", "remote")
	r.write("remote.txt", "only via a remote ref\n")
	remote := r.commit("remote")
	r.git("update-ref", "refs/remotes/origin/feature", remote)
	r.git("checkout", "-q", "main")
	r.git("branch", "-q", "-D", "remote")

	// Only the reflog reaches this one.
	r.write("oops.txt", "committed by mistake\n")
	r.commit("oops")
	r.git("reset", "-q", "--hard", "HEAD~1")

	// A stash, and a tag on a bare blob.
	r.write("base.txt", "base\nstashed change\n")
	r.git("stash", "-q")
	blob := strings.TrimSpace(r.gitStdin("a blob with no tree\n", "hash-object", "-w", "--stdin"))
	r.git("tag", "bare-blob", blob)

	g := openGitT(t, r.dir, Options{})
	res := scan(t, g)
	if len(res.errs) > 0 {
		t.Errorf("errors: %v", res.errs)
	}
	blobs := res.byBlob(t)
	for content, path := range map[string]string{
		"from the side branch\n":  "side.txt",
		"only via a tag\n":        "tagged.txt",
		"only via a remote ref\n": "remote.txt",
		"committed by mistake\n":  "oops.txt",
		"base\nstashed change\n":  "base.txt",
		"a blob with no tree\n":   "refs/tags/bare-blob",
		"made by the merge\n":     "evil.txt",
		"base\n":                  "base.txt",
		"on main\n":               "main.txt",
	} {
		f, ok := blobs[r.blobID(content)]
		if !ok {
			t.Errorf("blob of %q not emitted", content)
			continue
		}
		if f.Path != path {
			t.Errorf("blob of %q has Path %q, want %q", content, f.Path, path)
		}
	}
	if got := g.Origins(r.blobID("from the side branch\n")); len(got) != 1 || got[0].Commit != side {
		t.Errorf("side blob origins = %+v, want only the side commit %s", got, side)
	}
	if got := g.Origins(r.blobID("made by the merge\n")); len(got) != 1 || got[0].Commit != merge || !got[0].InHead {
		t.Errorf("evil merge blob origins = %+v, want only the merge %s, in HEAD", got, merge)
	}
	if got := g.Origins(blob); got != nil {
		t.Errorf("bare blob origins = %+v, want none", got)
	}
}

func (r *testRepo) gitStdin(stdin string, args ...string) string {
	r.tb.Helper()
	cmd := execGit(r, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		r.tb.Fatalf("git %v: %v", args, err)
	}
	return string(out)
}

// Unreachable objects are read only with AllObjects; an unreachable
// commit's blobs are then attributed to it.
func TestGitAllObjects(t *testing.T) {
	r := newRepo(t)
	r.write("keep.txt", "kept\n")
	r.commit("keep")
	r.write("lost.txt", "in a commit nothing reaches\n")
	lost := r.commit("lost")
	r.git("reset", "-q", "--hard", "HEAD~1")
	r.git("reflog", "expire", "--expire=now", "--all")
	dangling := strings.TrimSpace(r.gitStdin("added, never committed\n", "hash-object", "-w", "--stdin"))
	lostBlob := r.blobID("in a commit nothing reaches\n")

	for _, all := range []bool{false, true} {
		g := openGitT(t, r.dir, Options{AllObjects: all})
		res := scan(t, g)
		blobs := res.byBlob(t)
		_, gotLost := blobs[lostBlob]
		_, gotDangling := blobs[dangling]
		if gotLost != all || gotDangling != all {
			t.Errorf("AllObjects=%v: unreachable commit's blob emitted=%v, dangling blob emitted=%v", all, gotLost, gotDangling)
		}
		if all {
			if got := g.Origins(lostBlob); len(got) != 1 || got[0].Commit != lost {
				t.Errorf("AllObjects: origins of the unreachable commit's blob = %+v, want %s", got, lost)
			}
			if f := blobs[dangling]; f.Path != "" {
				t.Errorf("dangling blob Path = %q, want empty", f.Path)
			}
		}
	}
	if _, err := Open(r.dir, Options{AllObjects: true, SinceCommit: "HEAD"}); err == nil {
		t.Error("Open with AllObjects and SinceCommit: want an error")
	}
}

// A bare clone has the same blobs and no work tree files.
func TestGitBare(t *testing.T) {
	r := newRepo(t)
	r.write("a.txt", "one\n")
	r.commit("one")
	r.write("a.txt", "two\n")
	c2 := r.commit("two")
	bare := filepath.Join(t.TempDir(), "bare.git")
	r.git("clone", "-q", "--bare", r.dir, bare)
	g := openGitT(t, bare, Options{})
	res := scan(t, g)
	want := []frag{
		{Path: "a.txt", Blob: r.blobID("one\n"), Data: "one\n"},
		{Path: "a.txt", Blob: r.blobID("two\n"), Data: "two\n"},
	}
	if diff := cmp.Diff(sortFrags(want), res.frags); diff != "" {
		t.Errorf("bare clone fragments (-want +got):\n%s", diff)
	}
	if got := g.Origins(r.blobID("two\n")); len(got) != 1 || got[0].Commit != c2 || !got[0].InHead {
		t.Errorf("Origins = %+v", got)
	}
	// The .git directory of a work tree, named directly, is history only.
	g = openGitT(t, filepath.Join(r.dir, ".git"), Options{})
	if res := scan(t, g); len(res.frags) != 2 {
		t.Errorf(".git as target: %d fragments, want 2:\n%s", len(res.frags), res)
	}
}

// A shallow clone is reported as such and scanned as far as it goes; the
// boundary commit introduces what it holds.
func TestGitShallow(t *testing.T) {
	r := newRepo(t)
	r.write("a.txt", "old\n")
	r.commit("old")
	r.write("a.txt", "new\n")
	r.write("b.txt", "b\n")
	r.commit("new")
	dst := filepath.Join(t.TempDir(), "shallow")
	r.git("clone", "-q", "--depth", "1", "file://"+r.dir, dst)
	g := openGitT(t, dst, Options{})
	res := scan(t, g)
	if diff := cmp.Diff([]errSummary{{Path: displayRoot(dst), Op: OpShallow, Sentinel: ErrShallow.Error()}}, res.errSummaries()); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a.txt", "b.txt"}, res.paths()); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	head := r.git("rev-parse", "HEAD")
	if got := g.Origins(r.blobID("b\n")); len(got) != 1 || got[0].Commit != head {
		t.Errorf("Origins = %+v, want the boundary commit %s", got, head)
	}
}

// File names with spaces, newlines, tabs, quotes, backslashes and
// non-ASCII letters come through byte for byte.
func TestGitOddNames(t *testing.T) {
	names := []string{"with space.txt", "new\nline.txt", "tab\there.txt", `quote"back\slash.txt`,
		"ünïcödé/日本語.txt", "-leading-dash.txt", "trailing space "}
	r := newRepo(t)
	for i, n := range names {
		r.write(n, "content "+string(rune('a'+i))+"\n")
	}
	c := r.commit("odd names")
	g := openGitT(t, r.dir, Options{})
	res := scan(t, g)
	if len(res.errs) > 0 {
		t.Errorf("errors: %v", res.errs)
	}
	want := slices.Sorted(slices.Values(names))
	if diff := cmp.Diff(want, res.paths()); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	for i, n := range names {
		got := g.Origins(r.blobID("content " + string(rune('a'+i)) + "\n"))
		if len(got) != 1 || got[0].Path != n || got[0].Commit != c || !got[0].InHead {
			t.Errorf("Origins for %q = %+v", n, got)
		}
	}
}

// SinceCommit reads only blobs that later commits introduced.
func TestGitSinceCommit(t *testing.T) {
	r := newRepo(t)
	r.write("a.txt", "one\n")
	c1 := r.commit("one")
	r.write("a.txt", "two\n")
	r.commit("two")
	r.git("checkout", "-q", "-b", "side")
	r.write("s.txt", "side\n")
	r.commit("side")
	r.git("checkout", "-q", "main")

	tests := []struct {
		since string
		want  []string // blob contents
	}{
		{"", []string{"one\n", "side\n", "two\n"}},
		{c1, []string{"side\n", "two\n"}},
		{"main", []string{"side\n"}},
		{"side", nil},
	}
	for _, tt := range tests {
		res := scan(t, openGitT(t, r.dir, Options{SinceCommit: tt.since}))
		var got []string
		for _, f := range res.frags {
			got = append(got, f.Data)
		}
		slices.Sort(got)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("SinceCommit=%q (-want +got):\n%s", tt.since, diff)
		}
	}
	for _, bad := range []string{"no-such-rev", "--all", strings.Repeat("f", 40)} {
		_, err := Open(r.dir, Options{SinceCommit: bad})
		if err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("Open with SinceCommit %q: error %v, want one naming it", bad, err)
		}
	}
}

// A corrupt object is reported with its path; the other blobs are still
// read, by a restarted git.
func TestGitCorruptObject(t *testing.T) {
	r := newRepo(t)
	var big strings.Builder
	for i := range 4000 {
		big.WriteString(strings.Repeat(string(rune('a'+i%26)), 7) + "\n")
	}
	r.write("big.txt", big.String())
	for i := range 20 {
		r.write(filepath.Join("small", string(rune('a'+i))+".txt"), "small "+string(rune('a'+i))+"\n")
	}
	r.commit("objects")
	id := r.blobID(big.String())
	obj := filepath.Join(r.dir, ".git", "objects", id[:2], id[2:])
	b, err := os.ReadFile(obj)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(b) / 2; i < len(b)/2+40; i++ {
		b[i] ^= 0xff // the zlib stream breaks in the middle; its header still reads
	}
	os.Chmod(obj, 0o644)
	if err := os.WriteFile(obj, b, 0o644); err != nil {
		t.Fatal(err)
	}
	res := scan(t, openGitT(t, r.dir, Options{Workers: 1}))
	if diff := cmp.Diff([]errSummary{{Path: "big.txt", Op: OpRead, Sentinel: ErrObject.Error()}}, res.errSummaries()); diff != "" {
		t.Errorf("errors (-want +got):\n%s\n%s", diff, res)
	}
	if n := len(res.byBlob(t)); n != 20 {
		t.Errorf("%d blobs read, want the 20 intact ones:\n%s", n, res)
	}
}

// A work tree's uncommitted and untracked files are read as files with
// their plain path; clean, ignored and deleted files are not.
func TestGitWorkTree(t *testing.T) {
	r := newRepo(t)
	r.write("clean.txt", "clean\n")
	r.write("modified.txt", "committed\n")
	r.write("deleted.txt", "gone soon\n")
	r.write(".gitignore", "ignored.txt\n")
	r.commit("base")
	r.write("modified.txt", "changed in the work tree\n")
	r.write("untracked/new.txt", "untracked\n")
	r.write("staged.txt", "staged only\n")
	r.git("add", "staged.txt")
	r.write("ignored.txt", "ignored\n")
	os.Remove(filepath.Join(r.dir, "deleted.txt"))

	res := scan(t, openGitT(t, r.dir, Options{}))
	var files []frag
	for _, f := range res.frags {
		if f.Blob == "" {
			files = append(files, f)
		}
	}
	root := displayRoot(r.dir)
	want := []frag{
		{Path: root + "/modified.txt", Data: "changed in the work tree\n"},
		{Path: root + "/staged.txt", Data: "staged only\n"},
		{Path: root + "/untracked/new.txt", Data: "untracked\n"},
	}
	if diff := cmp.Diff(want, files); diff != "" {
		t.Errorf("work tree files (-want +got):\n%s", diff)
	}
	if len(res.errs) > 0 {
		t.Errorf("errors: %v", res.errs)
	}
}

// A repository with no commit is no error; its files are read.
func TestGitEmptyRepo(t *testing.T) {
	r := newRepo(t)
	res := scan(t, openGitT(t, r.dir, Options{}))
	if len(res.frags)+len(res.errs) != 0 {
		t.Errorf("empty repository: %s", res)
	}
	r.write("draft.txt", "not committed yet\n")
	res = scan(t, openGitT(t, r.dir, Options{}))
	want := []frag{{Path: displayRoot(r.dir) + "/draft.txt", Data: "not committed yet\n"}}
	if diff := cmp.Diff(want, res.frags); diff != "" || len(res.errs) > 0 {
		t.Errorf("(-want +got):\n%s%v", diff, res.errs)
	}
}

// An archive committed to the repository is expanded, and its entries
// keep the blob id so that findings in them are attributed.
func TestGitArchiveInBlob(t *testing.T) {
	r := newRepo(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("config/settings.ini")
	w.Write([]byte("key = value\n"))
	zw.Close()
	r.write("bundle.zip", buf.String())
	r.commit("bundle")
	res := scan(t, openGitT(t, r.dir, Options{}))
	id := r.blobID(buf.String())
	want := []frag{
		{Path: "bundle.zip", Blob: id, Data: buf.String(), Binary: true, Archive: "zip"},
		{Path: "bundle.zip!config/settings.ini", Blob: id, Data: "key = value\n", Depth: 1},
	}
	if diff := cmp.Diff(want, res.frags); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// The engine joins an origin's path and the entry: bundle.zip!config/settings.ini.
	var entry string
	g := openGitT(t, r.dir, Options{})
	g.Scan(context.Background(), func(f *Fragment) error {
		if f.Depth == 1 {
			entry = f.Entry
		}
		return nil
	}, func(Error) {})
	if entry != "config/settings.ini" {
		t.Errorf("Entry = %q, want config/settings.ini", entry)
	}
}

// Large blobs are skipped by their size, before git reads them.
func TestGitLargeBlob(t *testing.T) {
	r := newRepo(t)
	r.write("large.bin", strings.Repeat("z", 5000))
	r.write("small.txt", "small\n")
	r.commit("sizes")
	res := scan(t, openGitT(t, r.dir, Options{MaxFileSize: 1000}))
	if diff := cmp.Diff([]errSummary{{Path: "large.bin", Op: OpSkipped, Sentinel: ErrTooLarge.Error()}}, res.errSummaries()); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"small.txt"}, res.paths()); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
}

// An error from emit stops the scan and is returned; cancelling the
// context stops it promptly.
func TestGitStops(t *testing.T) {
	r := newRepo(t)
	for i := range 300 {
		r.write(filepath.Join("d", strings.Repeat("f", i%7+1)+string(rune('a'+i%26))+strings.Repeat("x", i/26)), strings.Repeat("content ", i+1))
	}
	r.commit("many")
	g := openGitT(t, r.dir, Options{Workers: 2})
	stop := errors.New("stop here")
	var n atomic.Int32 // emit runs on every worker
	err := g.Scan(context.Background(), func(*Fragment) error {
		if n.Add(1) == 5 {
			return stop
		}
		return nil
	}, func(Error) {})
	if !errors.Is(err, stop) {
		t.Errorf("Scan returned %v, want the emit error", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	start := time.Now()
	err = g.Scan(ctx, func(*Fragment) error {
		cancel()
		time.Sleep(time.Millisecond)
		return nil
	}, func(Error) {})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Scan after cancel returned %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancelled scan took %v", d)
	}
}

// Scanning a repository runs none of the commands its own config names:
// clean filters (git diff would run them to compare the work tree), the
// fsmonitor hook, textconv or external diff drivers.
func TestGitRunsNoRepoCommands(t *testing.T) {
	r := newRepo(t)
	r.write("a.txt", "tracked\n")
	r.write("b.txt", "unchanged\n")
	r.commit("base")
	marker := filepath.Join(t.TempDir(), "ran")
	run := "sh -c 'echo >> " + marker + "; cat'"
	r.write(".gitattributes", "* filter=evil diff=evil\n")
	for k, v := range map[string]string{
		"filter.evil.clean":  run,
		"filter.evil.smudge": run,
		"diff.evil.textconv": run,
		"diff.evil.command":  run,
		"core.fsmonitor":     run,
	} {
		r.git("config", k, v)
	}
	r.write("a.txt", "changed\n")
	// A new mtime makes git re-read (and filter) the unchanged file too.
	future := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(r.dir, "b.txt"), future, future)

	res := scan(t, openGitT(t, r.dir, Options{}))
	if _, err := os.Stat(marker); err == nil {
		t.Error("a command from the repository's config ran during the scan")
	}
	root := displayRoot(r.dir)
	var files []string
	for _, f := range res.frags {
		if f.Blob == "" {
			files = append(files, f.Path)
		}
	}
	if diff := cmp.Diff([]string{root + "/.gitattributes", root + "/a.txt"}, files); diff != "" {
		t.Errorf("work tree files (-want +got):\n%s", diff)
	}
}

// HEAD's compressed files are read before the history walk reaches them:
// the walk goes newest first, and an archive committed long ago would
// otherwise be expanded last, by one worker, while the others idle. The
// walk still attributes it to the commit that introduced it.
func TestGitCompressedFilesFirst(t *testing.T) {
	r := newRepo(t)
	tgz := gz(t, "", tarOf(t, entry{name: "conf/app.env", data: "x=1\n"}))
	r.write("data/old.tar.gz", tgz)
	r.commit("an archive, long ago")
	for i := range 5 {
		r.write(fmt.Sprintf("src/f%d.go", i), fmt.Sprintf("package f%d\n", i))
		r.commit(fmt.Sprintf("change %d", i))
	}
	g := openGitT(t, r.dir, Options{Workers: 1})
	var first string
	err := g.Scan(context.Background(), func(f *Fragment) error {
		if first == "" {
			first = f.Path
		}
		return nil
	}, func(Error) {})
	if err != nil {
		t.Fatal(err)
	}
	if first != "data/old.tar.gz" {
		t.Errorf("first fragment = %q, want data/old.tar.gz", first)
	}
	origins := g.Origins(r.blobID(tgz))
	if len(origins) != 1 || origins[0].Path != "data/old.tar.gz" || !origins[0].InHead {
		t.Errorf("origins = %+v, want the first commit, at HEAD", origins)
	}
}
