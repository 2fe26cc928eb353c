package source

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// File is a single file (or a named pipe given as the target). An archive
// is expanded.
type File struct {
	path    string
	display string
	opts    Options
}

// Scan implements Source.
func (f *File) Scan(ctx context.Context, emit Emit, report Report) error {
	r := newReader(f.opts, emit, report)
	if err := r.file(ctx, f.path, f.display); err != nil {
		return err
	}
	return ctx.Err()
}

func (f *File) String() string { return f.display }

// Stdin is standard input ("-"): all of it, read as one Fragment with
// Path "-", bounded by MaxFileSize. An archive is expanded.
type Stdin struct {
	opts Options
}

// Scan implements Source.
func (s *Stdin) Scan(ctx context.Context, emit Emit, report Report) error {
	r := newReader(s.opts, emit, report)
	data, err := readAll(s.opts.Stdin, -1, s.opts.MaxFileSize, nil)
	switch {
	case errors.Is(err, ErrTooLarge):
		report(Error{Path: "-", Op: OpSkipped, Err: tooLarge(s.opts.MaxFileSize)})
		return nil
	case err != nil:
		report(Error{Path: "-", Op: OpRead, Err: err})
		if len(data) == 0 {
			return nil
		}
	}
	if len(data) == 0 {
		return nil
	}
	if err := r.handle(ctx, data, "-", ""); err != nil {
		return err
	}
	return ctx.Err()
}

func (s *Stdin) String() string { return "-" }

// Dir is a directory walked recursively. Directories named .git are not
// entered; symlinks are followed only with Options.FollowSymlinks; named
// pipes, sockets and devices are reported and skipped. When following
// symlinks, a directory reached by several paths is read once, under the
// first path met (in each directory, real entries come before symlinks),
// and a symlink back to a directory being walked is reported as a loop.
type Dir struct {
	root string
	opts Options
}

// Scan implements Source.
func (d *Dir) Scan(ctx context.Context, emit Emit, report Report) error {
	return runPool(ctx, d.opts, emit, report, func(ctx context.Context, jobs chan<- job) error {
		w := newWalker(d.opts, report, jobs)
		return w.walkRoot(ctx, d.root, displayRoot(d.root))
	})
}

func (d *Dir) String() string { return displayRootOrDot(d.root) }

func displayRootOrDot(target string) string {
	if r := displayRoot(target); r != "" {
		return r
	}
	return "."
}

// displayRoot is how paths below target are shown: the target as given,
// cleaned and with forward slashes, and "" for ".".
func displayRoot(target string) string {
	c := filepath.ToSlash(filepath.Clean(target))
	if c == "." {
		return ""
	}
	return c
}

func joinDisplay(parent, name string) string {
	switch {
	case parent == "":
		return name
	case parent[len(parent)-1] == '/':
		return parent + name
	}
	return parent + "/" + name
}

// A job is one input for a worker: a file on disk or a git blob.
type job struct {
	fsPath  string // file: where to open it
	display string // display path
	blob    string // git blob id (hex); set for blobs
	unless  string // file: skip it when its content is this git blob (hex)
	size    int64  // blob size when known, else -1
}

// runPool runs produce in its own goroutine and opts.Workers workers that
// read what it produces. The first error (from emit, produce or a worker)
// cancels everything and is returned; a cancelled parent context returns
// its error.
func runPool(ctx context.Context, opts Options, emit Emit, report Report,
	produce func(ctx context.Context, jobs chan<- job) error) error {
	return runPoolWith(ctx, opts, produce, nil, func(ctx context.Context, q *queue) error {
		r := newReader(opts, emit, report)
		for {
			j, ok, err := q.next(ctx)
			if !ok {
				return err
			}
			if err := r.file(ctx, j.fsPath, j.display); err != nil {
				return err
			}
		}
	})
}

// runPoolWith is runPool with the worker given. With key set, jobs are
// routed to workers by key (see route); otherwise every worker takes from
// one channel.
func runPoolWith(ctx context.Context, opts Options,
	produce func(ctx context.Context, jobs chan<- job) error,
	key func(job) string,
	work func(ctx context.Context, q *queue) error) error {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		once  sync.Once
		first error
		wg    sync.WaitGroup
	)
	fail := func(err error) {
		if err == nil {
			return
		}
		once.Do(func() { first = err })
		cancel()
	}
	jobs := make(chan job, 256)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		fail(produce(ctx, jobs))
	}()
	queues := make([]*queue, opts.Workers)
	if key != nil && opts.Workers > 1 {
		var run func() error
		queues, run = route(ctx, jobs, opts.Workers, key)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fail(run())
		}()
	} else {
		for i := range queues {
			queues[i] = chanQueue(jobs)
		}
	}
	for _, q := range queues {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := work(ctx, q)
			if err != nil {
				fail(err)
				// Drain so that the producer is never blocked on a full
				// channel; it also sees the cancelled context.
				for {
					if _, ok, _ := q.next(context.Background()); !ok {
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := parent.Err(); err != nil {
		return err
	}
	// first is the cause: anything that failed later saw the
	// cancellation that first triggered.
	return first
}

// send hands j to the workers unless ctx is done.
func send(ctx context.Context, jobs chan<- job, j job) error {
	select {
	case jobs <- j:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// walker walks directories and sends their regular files as jobs.
type walker struct {
	opts    Options
	report  Report
	jobs    chan<- job
	visited map[fileKey]bool // directories entered (FollowSymlinks only)
	stack   map[fileKey]bool // directories on the current path
}

func newWalker(opts Options, report Report, jobs chan<- job) *walker {
	return &walker{opts: opts, report: report, jobs: jobs,
		visited: map[fileKey]bool{}, stack: map[fileKey]bool{}}
}

// walkRoot walks dir, whose entries are displayed below display.
func (w *walker) walkRoot(ctx context.Context, dir, display string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		w.report(Error{Path: display, Op: OpOpen, Err: unwrapPath(err)})
		return nil
	}
	return w.walk(ctx, dir, display, fi)
}

func (w *walker) walk(ctx context.Context, dir, display string, fi fs.FileInfo) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if w.opts.FollowSymlinks {
		if k, ok := keyOf(fi); ok {
			if w.stack[k] {
				w.report(Error{Path: display, Op: OpSymlink, Err: errorf(ErrSymlinkLoop, "symlink loop: leads back to a directory above it")})
				return nil
			}
			if w.visited[k] {
				return nil // already walked under another path
			}
			w.visited[k] = true
			w.stack[k] = true
			defer delete(w.stack, k)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		w.report(Error{Path: display, Op: OpRead, Err: unwrapPath(err)})
		// ReadDir returns what it read before the error; go on with it.
	}
	// Real entries first, then symlinks: a directory reached both ways is
	// read once, and preferably under its real path.
	for _, links := range []bool{false, true} {
		for _, e := range entries {
			name := e.Name()
			if name == ".git" || (e.Type()&fs.ModeSymlink != 0) != links {
				continue
			}
			if err := w.entry(ctx, filepath.Join(dir, name), joinDisplay(display, name), e.Type()); err != nil {
				return err
			}
		}
	}
	return nil
}

// entry handles one directory entry of type typ (as from readdir).
func (w *walker) entry(ctx context.Context, p, disp string, typ fs.FileMode) error {
	if typ&fs.ModeSymlink != 0 {
		if !w.opts.FollowSymlinks {
			return nil
		}
		fi, err := os.Stat(p)
		if err != nil {
			w.report(Error{Path: disp, Op: OpSymlink, Err: unwrapPath(err)})
			return nil
		}
		typ = fi.Mode().Type()
		if fi.IsDir() {
			return w.walk(ctx, p, disp, fi)
		}
	}
	switch {
	case typ.IsDir():
		fi, err := os.Lstat(p)
		if err != nil {
			w.report(Error{Path: disp, Op: OpOpen, Err: unwrapPath(err)})
			return nil
		}
		return w.walk(ctx, p, disp, fi)
	case typ.IsRegular():
		return send(ctx, w.jobs, job{fsPath: p, display: disp, size: -1})
	default:
		w.report(Error{Path: disp, Op: OpSkipped, Err: errorf(ErrNotRegular, "not a regular file (%s)", typeName(typ))})
		return nil
	}
}

func typeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeIrregular != 0:
		return "irregular file"
	}
	return m.String()
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// reader is one worker's state: its reusable buffers and callbacks.
type reader struct {
	opts   Options
	emit   Emit
	report Report
	buf    []byte   // top-level content
	entry  [][]byte // archive entries, by depth
	stream [][]byte // decompressed streams, by depth
}

func newReader(opts Options, emit Emit, report Report) *reader {
	return &reader{opts: opts, emit: emit, report: report}
}

// keepBuffer is the largest buffer kept for reuse between inputs.
const keepBuffer = 16 << 20

func trim(b []byte) []byte {
	if cap(b) > keepBuffer {
		return nil
	}
	return b[:0]
}

// file reads the file at p (displayed as display) and handles it. Only
// errors that must stop the scan are returned; the rest are reported.
func (r *reader) file(ctx context.Context, p, display string) error {
	return r.fileUnless(ctx, p, display, "")
}

// fileUnless is file, but skips a file whose content is the git blob
// unless (hex; "" never skips).
func (r *reader) fileUnless(ctx context.Context, p, display, unless string) error {
	data, handled, err := readRegular(p, r.opts.MaxFileSize, r.buf)
	if handled {
		r.buf = data
		defer func() { r.buf = trim(r.buf) }()
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) && pe.Op == "open" {
			r.report(Error{Path: display, Op: OpOpen, Err: unwrapPath(err)})
			return nil
		}
		return r.judgeRead(ctx, data, err, display, unless)
	}
	f, err := os.Open(p)
	if err != nil {
		r.report(Error{Path: display, Op: OpOpen, Err: unwrapPath(err)})
		return nil
	}
	defer f.Close()
	hint := int64(-1)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		if fi.Size() > r.opts.MaxFileSize {
			// Unchanged from HEAD, it was reported (once) as a blob.
			if unless == "" || streamBlobID(f, fi.Size(), len(unless)) != unless {
				r.report(Error{Path: display, Op: OpSkipped, Err: tooLarge(r.opts.MaxFileSize)})
			}
			return nil
		}
		hint = fi.Size()
	}
	data, err = readAll(f, hint, r.opts.MaxFileSize, r.buf)
	r.buf = data
	defer func() { r.buf = trim(r.buf) }()
	return r.judgeRead(ctx, data, err, display, unless)
}

// judgeRead reports what reading a file went wrong with, or handles what
// was read.
func (r *reader) judgeRead(ctx context.Context, data []byte, err error, display, unless string) error {
	switch {
	case errors.Is(err, ErrTooLarge):
		r.report(Error{Path: display, Op: OpSkipped, Err: tooLarge(r.opts.MaxFileSize)})
		return nil
	case err != nil:
		r.report(Error{Path: display, Op: OpRead, Err: unwrapPath(err)})
		return nil
	case len(data) == 0:
		return nil
	case unless != "" && gitBlobID(data, len(unless)) == unless:
		return nil
	}
	return r.handle(ctx, data, display, "")
}

// handle emits a top-level input and expands it when it is an archive.
func (r *reader) handle(ctx context.Context, data []byte, path, blob string) error {
	b := &budget{top: len(path), bytes: r.opts.MaxArchiveBytes, entries: r.opts.MaxArchiveEntries}
	return r.entryData(ctx, data, path, blob, 0, b)
}

// readAll reads r to the end into buf (reused when large enough). hint is
// the expected size or -1. More than max bytes is ErrTooLarge, with the
// first max+1 bytes returned.
func readAll(r io.Reader, hint, max int64, buf []byte) ([]byte, error) {
	want := hint + 1 // one more, to see the end (or growth) without a second call
	if hint < 0 {
		want = 64 << 10
	}
	if want > max+1 {
		want = max + 1
	}
	if int64(cap(buf)) < want {
		buf = make([]byte, 0, want)
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			n := int64(cap(buf)) * 2
			if n > max+1 {
				n = max + 1
			}
			if n <= int64(cap(buf)) {
				return buf, ErrTooLarge
			}
			nb := make([]byte, len(buf), n)
			copy(nb, buf)
			buf = nb
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if int64(len(buf)) > max {
			return buf, ErrTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// limitError carries a message of its own and unwraps to a sentinel.
type limitError struct {
	sentinel error
	msg      string
}

func (e *limitError) Error() string { return e.msg }
func (e *limitError) Unwrap() error { return e.sentinel }

func errorf(sentinel error, format string, args ...any) error {
	return &limitError{sentinel: sentinel, msg: fmt.Sprintf(format, args...)}
}

func tooLarge(max int64) error {
	return errorf(ErrTooLarge, "larger than %d bytes", max)
}

// isBinary reports a NUL byte in the first 8 KiB.
func isBinary(data []byte) bool {
	if len(data) > 8<<10 {
		data = data[:8<<10]
	}
	return bytes.IndexByte(data, 0) >= 0
}

// gitBlobID is the id git gives data as a blob: SHA-1, or SHA-256 when
// hexLen is 64, of "blob <size>\x00" and data.
func gitBlobID(data []byte, hexLen int) string {
	return streamBlobID(bytes.NewReader(data), int64(len(data)), hexLen)
}

// streamBlobID is gitBlobID of size bytes read from r, in bounded memory;
// "" when r cannot be read.
func streamBlobID(r io.Reader, size int64, hexLen int) string {
	var h hash.Hash
	if hexLen == 64 {
		h = sha256.New()
	} else {
		h = sha1.New()
	}
	fmt.Fprintf(h, "blob %d\x00", size)
	if n, err := io.Copy(h, io.LimitReader(r, size)); err != nil || n != size {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}
