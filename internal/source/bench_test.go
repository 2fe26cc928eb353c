package source

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
)

// genRepo builds a repository with git fast-import: commits commits, each
// changing changes of files files (text of about 2 KiB), then repacks it
// as git gc would. It returns the directory.
func genRepo(tb testing.TB, commits, files, changes, fileSize int) string {
	tb.Helper()
	requireGit(tb)
	r := newRepo(tb)
	rng := rand.New(rand.NewPCG(7, 11))
	words := strings.Fields("account key sas token storage blob container read write list delete expiry start " +
		"signature version service resource permission policy identifier endpoint https core windows net")
	content := func(path string, rev int) string {
		var b strings.Builder
		fmt.Fprintf(&b, "# %s revision %d\n", path, rev)
		for b.Len() < fileSize {
			for range 10 {
				b.WriteString(words[rng.IntN(len(words))])
				b.WriteByte(' ')
			}
			b.WriteByte('\n')
		}
		return b.String()
	}
	var s bytes.Buffer
	rev := make([]int, files)
	for c := range commits {
		ts := 1600000000 + c*3600
		msg := fmt.Sprintf("commit %d", c)
		fmt.Fprintf(&s, "commit refs/heads/main\nmark :%d\n", c+1)
		fmt.Fprintf(&s, "author Gen <gen@example.test> %d +0000\ncommitter Gen <gen@example.test> %d +0000\n", ts, ts)
		fmt.Fprintf(&s, "data %d\n%s\n", len(msg), msg)
		if c > 0 {
			fmt.Fprintf(&s, "from :%d\n", c)
		}
		n := changes
		if c == 0 {
			n = files
		}
		for k := range n {
			f := k
			if c > 0 {
				f = rng.IntN(files)
			}
			rev[f]++
			p := fmt.Sprintf("dir%02d/file%04d.txt", f%20, f)
			data := content(p, rev[f])
			fmt.Fprintf(&s, "M 100644 inline %s\ndata %d\n%s\n", p, len(data), data)
		}
	}
	cmd := execGit(r, "fast-import", "--quiet")
	cmd.Stdin = &s
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("fast-import: %v\n%s", err, out)
	}
	r.git("repack", "-adq")
	r.git("checkout", "-q", "main")
	return r.dir
}

// BenchmarkGitScan reads every blob of a generated history of 1000
// commits (10394 blobs of about 2 KiB, 21 MB) with 1, 2 and 4 workers.
// MB/s counts blob bytes emitted; catfile-MiB is the peak resident memory
// of one git cat-file process.
func BenchmarkGitScan(b *testing.B) {
	dir := genRepo(b, 1000, 500, 10, 2<<10)
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			benchScan(b, dir, workers, defaultDeltaCache)
		})
	}
}

// BenchmarkGitScanLargeFiles: 150 commits over 40 files of 64 KiB, deep
// delta chains, where core.deltaBaseCacheLimit matters; it chose
// defaultDeltaCache.
func BenchmarkGitScanLargeFiles(b *testing.B) {
	dir := genRepo(b, 150, 40, 4, 64<<10)
	for _, cache := range []string{"96m", "16m", "8m"} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("deltaCache=%s/workers=%d", cache, workers), func(b *testing.B) {
				benchScan(b, dir, workers, cache)
			})
		}
	}
}

func benchScan(b *testing.B, dir string, workers int, cache string) {
	var blobs, bytesRead atomic.Int64
	var rss int64
	for b.Loop() {
		blobs.Store(0)
		bytesRead.Store(0)
		g, err := OpenGit(dir, Options{Workers: workers})
		if err != nil {
			b.Fatal(err)
		}
		g.git.deltaCache = cache
		err = g.Scan(context.Background(), func(f *Fragment) error {
			blobs.Add(1)
			bytesRead.Add(int64(len(f.Data)))
			return nil
		}, func(e Error) { b.Error(e) })
		if err != nil {
			b.Fatal(err)
		}
		rss = max(rss, g.git.maxRSS.Load())
	}
	b.SetBytes(bytesRead.Load())
	b.ReportMetric(float64(blobs.Load()), "blobs/op")
	b.ReportMetric(float64(rss)/(1<<20), "catfile-MiB")
}

// BenchmarkGitLog isolates attribution: the git log pass alone.
func BenchmarkGitLog(b *testing.B) {
	dir := genRepo(b, 1000, 500, 10, 2<<10)
	g, err := OpenGit(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		a := newAttribution()
		jobs := make(chan job, 1<<16)
		done := make(chan struct{})
		go func() {
			for range jobs {
			}
			close(done)
		}()
		if err := g.walkLog(context.Background(), a, nil, jobs); err != nil {
			b.Fatal(err)
		}
		close(jobs)
		<-done
	}
}
