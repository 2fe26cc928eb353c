package source

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeTree writes files (name → content) below dir.
func writeTree(tb testing.TB, dir string, files map[string]string) {
	tb.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

func symlink(tb testing.TB, target, link string) {
	tb.Helper()
	if err := os.Symlink(target, link); err != nil {
		tb.Skipf("symlinks unavailable: %v", err)
	}
}

func TestDir(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"a.txt":             "plain text\n",
		"sub/deep/b.txt":    "deeper\n",
		"bin.dat":           "ab\x00cd",
		"latin1.txt":        "caf\xe9\n", // invalid UTF-8 is just bytes
		"empty.txt":         "",
		"big.txt":           strings.Repeat("b", 101),
		"other/.git/config": "[core]\n",          // never read as a file
		"sub/.git/HEAD":     "ref: refs/heads/x", // nor a nested one
		".github/ci.yml":    "on: push\n",        // only .git itself is skipped
		"sub/exactly.txt":   strings.Repeat("e", 100),
		"sub/dir.d/x.conf":  "x\n",
	})
	symlink(t, "a.txt", filepath.Join(dir, "link-to-a"))
	symlink(t, "sub", filepath.Join(dir, "link-to-sub"))

	root := displayRoot(dir)
	tests := []struct {
		name   string
		target string
		opts   Options
		want   []frag
		errs   []errSummary
	}{
		{
			name:   "walk",
			target: dir,
			opts:   Options{MaxFileSize: 100},
			want: []frag{
				{Path: root + "/.github/ci.yml", Data: "on: push\n"},
				{Path: root + "/a.txt", Data: "plain text\n"},
				{Path: root + "/bin.dat", Data: "ab\x00cd", Binary: true},
				{Path: root + "/latin1.txt", Data: "caf\xe9\n"},
				{Path: root + "/sub/deep/b.txt", Data: "deeper\n"},
				{Path: root + "/sub/dir.d/x.conf", Data: "x\n"},
				{Path: root + "/sub/exactly.txt", Data: strings.Repeat("e", 100)},
			},
			errs: []errSummary{{Path: root + "/big.txt", Op: OpSkipped, Sentinel: ErrTooLarge.Error()}},
		},
		{
			name:   "follow symlinks",
			target: dir,
			opts:   Options{MaxFileSize: 100, FollowSymlinks: true},
			want: []frag{
				{Path: root + "/.github/ci.yml", Data: "on: push\n"},
				{Path: root + "/a.txt", Data: "plain text\n"},
				{Path: root + "/bin.dat", Data: "ab\x00cd", Binary: true},
				{Path: root + "/latin1.txt", Data: "caf\xe9\n"},
				{Path: root + "/link-to-a", Data: "plain text\n"},
				// link-to-sub is sub, already read under its own name.
				{Path: root + "/sub/deep/b.txt", Data: "deeper\n"},
				{Path: root + "/sub/dir.d/x.conf", Data: "x\n"},
				{Path: root + "/sub/exactly.txt", Data: strings.Repeat("e", 100)},
			},
			errs: []errSummary{{Path: root + "/big.txt", Op: OpSkipped, Sentinel: ErrTooLarge.Error()}},
		},
		{
			name:   "single file",
			target: filepath.Join(dir, "sub", "deep", "b.txt"),
			want:   []frag{{Path: root + "/sub/deep/b.txt", Data: "deeper\n"}},
		},
		{
			name:   "file over the limit",
			target: filepath.Join(dir, "big.txt"),
			opts:   Options{MaxFileSize: 100},
			errs:   []errSummary{{Path: root + "/big.txt", Op: OpSkipped, Sentinel: ErrTooLarge.Error()}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := scan(t, open(t, tt.target, tt.opts))
			if diff := cmp.Diff(tt.want, res.frags); diff != "" {
				t.Errorf("fragments (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.errs, res.errSummaries()); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// The message of a skipped file says what limit it passed.
func TestTooLargeMessage(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"big": "0123456789"})
	res := scan(t, open(t, filepath.Join(dir, "big"), Options{MaxFileSize: 5}))
	if len(res.errs) != 1 || !strings.HasSuffix(res.errs[0].Error(), "big: skipped: larger than 5 bytes") {
		t.Errorf("errors = %v", res.errs)
	}
}

// Followed symlinks: a loop is reported once and not followed, a dangling
// link is reported, a link to a directory is walked under the link's name.
func TestDirSymlinks(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"d/f.txt": "f\n", "other/g.txt": "g\n"})
	symlink(t, "..", filepath.Join(dir, "d", "loop"))
	symlink(t, "nowhere", filepath.Join(dir, "dangling"))
	symlink(t, filepath.Join(dir, "other"), filepath.Join(dir, "d", "to-other"))
	root := displayRoot(dir)

	res := scan(t, open(t, filepath.Join(dir, "d"), Options{FollowSymlinks: true}))
	want := []frag{
		{Path: root + "/d/f.txt", Data: "f\n"},
		{Path: root + "/d/loop/other/g.txt", Data: "g\n"},
	}
	if diff := cmp.Diff(want, res.frags); diff != "" {
		t.Errorf("fragments (-want +got):\n%s", diff)
	}
	wantErrs := []errSummary{
		{Path: root + "/d/loop/d", Op: OpSymlink, Sentinel: ErrSymlinkLoop.Error()},
		{Path: root + "/d/loop/dangling", Op: OpSymlink},
	}
	if diff := cmp.Diff(wantErrs, res.errSummaries()); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	// Not following: no link is read, nothing is reported.
	res = scan(t, open(t, dir, Options{}))
	if diff := cmp.Diff([]string{root + "/d/f.txt", root + "/other/g.txt"}, res.paths()); diff != "" || len(res.errs) > 0 {
		t.Errorf("not following (-want +got):\n%s%v", diff, res.errs)
	}
}

// A file the walk cannot open is reported and the walk goes on.
func TestDirUnreadable(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("permission bits do not stop root (the FIFO and dangling-symlink tests cover unreadable inputs)")
	}
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"locked.txt": "x", "ok.txt": "ok"})
	if err := os.Chmod(filepath.Join(dir, "locked.txt"), 0); err != nil {
		t.Fatal(err)
	}
	res := scan(t, open(t, dir, Options{}))
	root := displayRoot(dir)
	if diff := cmp.Diff([]errSummary{{Path: root + "/locked.txt", Op: OpOpen}}, res.errSummaries()); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if !errors.Is(res.errs[0], fs.ErrPermission) {
		t.Errorf("error %v does not wrap fs.ErrPermission", res.errs[0])
	}
	if diff := cmp.Diff([]string{root + "/ok.txt"}, res.paths()); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
}

func TestStdin(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int64
		want []frag
		errs []errSummary
	}{
		{name: "text", in: "from a pipe\n", want: []frag{{Path: "-", Data: "from a pipe\n"}}},
		{name: "empty", in: ""},
		{name: "too large", in: "0123456789", max: 9, errs: []errSummary{{Path: "-", Op: OpSkipped, Sentinel: ErrTooLarge.Error()}}},
		{name: "gzip", in: gz(t, "", "inside\n"), want: []frag{
			{Path: "-", Data: gz(t, "", "inside\n"), Binary: true, Archive: "gzip"},
			{Path: "-!-", Data: "inside\n", Depth: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := scan(t, open(t, "-", Options{Stdin: strings.NewReader(tt.in), MaxFileSize: tt.max}))
			if diff := cmp.Diff(tt.want, res.frags); diff != "" {
				t.Errorf("fragments (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.errs, res.errSummaries()); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	_, err := Open(missing, Options{})
	if err == nil || !strings.Contains(err.Error(), missing) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(missing) = %v, want an error naming it that wraps fs.ErrNotExist", err)
	}
	_, err = Open(t.TempDir(), Options{SinceCommit: "HEAD~1"})
	if err == nil || !strings.Contains(err.Error(), "HEAD~1") {
		t.Errorf("SinceCommit on a plain directory: %v", err)
	}
}

// A 100 MB file of one line costs about its own size in memory: it is read
// once into a buffer of its size, not copied line by line.
func TestLargeSingleLineFile(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100 MB")
	}
	const size = 100 << 20
	p := filepath.Join(t.TempDir(), "one-line.txt")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	chunk := []byte(strings.Repeat("a", 1<<20))
	for range size / len(chunk) {
		f.Write(chunk)
	}
	f.Close()

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var got int
	err = open(t, p, Options{MaxFileSize: 200 << 20}).Scan(context.Background(), func(f *Fragment) error {
		got = len(f.Data)
		return nil
	}, func(e Error) { t.Error(e) })
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if got != size {
		t.Fatalf("emitted %d bytes, want %d", got, size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size+size/4 {
		t.Errorf("allocated %d MiB to read a %d MiB file", alloc>>20, size>>20)
	}
}

// An error from emit stops a directory scan and is returned.
func TestDirEmitError(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	for i := range 200 {
		files[filepath.Join("d", strings.Repeat("x", i%5+1), string(rune('a'+i%26))+strings.Repeat("y", i/26))] = "data"
	}
	writeTree(t, dir, files)
	stop := errors.New("enough")
	err := open(t, dir, Options{Workers: 4}).Scan(context.Background(), func(*Fragment) error { return stop }, func(Error) {})
	if !errors.Is(err, stop) {
		t.Errorf("Scan = %v, want the emit error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := open(t, dir, Options{}).Scan(ctx, func(*Fragment) error { return nil }, func(Error) {}); !errors.Is(err, context.Canceled) {
		t.Errorf("Scan with a cancelled context = %v", err)
	}
}

// A file gone between the walk and the read is reported as one that could
// not be opened, wrapping fs.ErrNotExist, whichever way it was read.
func TestFileVanished(t *testing.T) {
	var errs []Error
	r := newReader(Options{}.withDefaults(), func(*Fragment) error { return nil }, func(e Error) { errs = append(errs, e) })
	if err := r.file(context.Background(), filepath.Join(t.TempDir(), "gone.txt"), "gone.txt"); err != nil {
		t.Fatal(err)
	}
	if len(errs) != 1 || errs[0].Op != OpOpen || !errors.Is(errs[0], fs.ErrNotExist) {
		t.Errorf("errors = %v, want one %s error wrapping fs.ErrNotExist", errs, OpOpen)
	}
}
