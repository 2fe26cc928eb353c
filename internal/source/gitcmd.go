package source

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// gitRunner runs git against one repository, isolated from the caller's
// environment: no system config, no GIT_* variables from outside (a
// GIT_DIR set by a hook would point git elsewhere), no prompts, no pager,
// no replace refs (they would show other bytes than the stored object), no
// optional locks (a scan never writes to the repository), no fsmonitor
// hook, no external diff or textconv (nothing from the scanned
// repository's config is run), no lazy fetches.
type gitRunner struct {
	path     string // the git binary
	gitDir   string // absolute
	workTree string // "" for a bare repository
	// deltaCache is core.deltaBaseCacheLimit for cat-file processes.
	deltaCache string
	maxRSS     atomic.Int64 // peak RSS of a cat-file process, for benchmarks
}

// gitEnv is the environment for every git command.
func gitEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GIT_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_ASKPASS=",
		"SSH_ASKPASS=",
		"GIT_PAGER=cat",
		"GIT_NO_REPLACE_OBJECTS=1",
		"GIT_OPTIONAL_LOCKS=0",
		// A partial clone would fetch each missing blob from its remote:
		// a scan stays offline and reports them missing instead (git 2.44+;
		// older versions ignore it, and GIT_TERMINAL_PROMPT=0 keeps them
		// from prompting).
		"GIT_NO_LAZY_FETCH=1",
		"GIT_ATTR_NOSYSTEM=1",
		"LC_ALL=C",
	)
}

// globalArgs precede every subcommand.
func (g *gitRunner) globalArgs() []string {
	a := []string{"--git-dir=" + g.gitDir}
	if g.workTree != "" {
		a = append(a, "--work-tree="+g.workTree)
	}
	return append(a,
		"-c", "core.quotepath=off",
		"-c", "core.fsmonitor=false",
		"-c", "color.ui=false",
		"-c", "log.showSignature=false",
		"-c", "diff.external=",
	)
}

func (g *gitRunner) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, g.path, append(g.globalArgs(), args...)...)
	cmd.Env = gitEnv()
	if g.workTree != "" {
		cmd.Dir = g.workTree
	} else {
		cmd.Dir = g.gitDir
	}
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// output runs git and returns its standard output; a failure carries git's
// standard error.
func (g *gitRunner) output(ctx context.Context, args ...string) ([]byte, error) {
	cmd := g.command(ctx, args...)
	var stderr tailBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return out, gitError(args, err, &stderr)
	}
	return out, nil
}

// stream runs git and hands its standard output to read while it runs.
// stdin, if not nil, is fed to git from another goroutine.
func (g *gitRunner) stream(ctx context.Context, stdin func(io.Writer) error, read func(io.Reader) error, args ...string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := g.command(ctx, args...)
	var stderr tailBuffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var in io.WriteCloser
	if stdin != nil {
		if in, err = cmd.StdinPipe(); err != nil {
			return err
		}
	}
	if err := cmd.Start(); err != nil {
		return gitError(args, err, &stderr)
	}
	feedErr := make(chan error, 1)
	if stdin != nil {
		go func() {
			w := bufio.NewWriter(in)
			err := stdin(w)
			if err == nil {
				err = w.Flush()
			}
			in.Close()
			feedErr <- err
		}()
	} else {
		feedErr <- nil
	}
	rerr := read(out)
	if rerr != nil {
		cancel() // stop git; its exit status no longer matters
	}
	_, _ = io.Copy(io.Discard, out)
	werr := cmd.Wait()
	ferr := <-feedErr
	switch {
	case rerr != nil:
		return rerr
	case werr != nil:
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return gitError(args, werr, &stderr)
	case ferr != nil:
		return fmt.Errorf("feeding git %s: %w", args[0], ferr)
	}
	return nil
}

func gitError(args []string, err error, stderr *tailBuffer) error {
	msg := strings.TrimSpace(stderr.String())
	if msg == "" {
		return fmt.Errorf("git %s: %w", args[0], err)
	}
	return fmt.Errorf("git %s: %w: %s", args[0], err, msg)
}

// tailBuffer keeps the last 4 KiB written to it: enough of git's standard
// error to explain a failure, bounded whatever git prints.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 4 << 10

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) >= tailSize {
		p = p[len(p)-tailSize:]
		t.buf = t.buf[:0]
	}
	if over := len(t.buf) + len(p) - tailSize; over > 0 {
		t.buf = t.buf[over:]
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

func (t *tailBuffer) Reset() {
	t.mu.Lock()
	t.buf = t.buf[:0]
	t.mu.Unlock()
}

// catFile is one long-running git cat-file --batch or --batch-check
// process, restarted when it dies.
type catFile struct {
	g     *gitRunner
	check bool // --batch-check: headers only
	cmd   *exec.Cmd
	in    io.WriteCloser
	w     *bufio.Writer
	out   *batchReader
	err   tailBuffer
}

// errProtocol marks an error of the git process (it died, or said
// something unparseable), as opposed to one from the caller's callback.
type errProtocol struct{ err error }

func (e errProtocol) Error() string { return e.err.Error() }
func (e errProtocol) Unwrap() error { return e.err }

func (c *catFile) start(ctx context.Context) error {
	mode := "--batch"
	if c.check {
		mode = "--batch-check"
	}
	args := []string{}
	if c.g.deltaCache != "" {
		args = append(args, "-c", "core.deltaBaseCacheLimit="+c.g.deltaCache)
	}
	args = append(args, "cat-file", mode)
	cmd := c.g.command(ctx, args...)
	c.err.Reset()
	cmd.Stderr = &c.err
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if !c.check {
		growPipe(out, pipeSize)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting git cat-file: %w", err)
	}
	c.cmd, c.in, c.w, c.out = cmd, in, bufio.NewWriter(in), newBatchReader(out)
	return nil
}

// stop ends the process, killing it if it does not end by itself once its
// input is closed, and returns what it wrote to standard error.
func (c *catFile) stop(kill bool) string {
	if c.cmd == nil {
		return ""
	}
	if rss := peakRSS(c.cmd.Process.Pid); rss > c.g.maxRSS.Load() {
		c.g.maxRSS.Store(rss) // racy max; a statistic only
	}
	if kill {
		_ = c.cmd.Process.Kill()
	}
	c.in.Close()
	_, _ = io.Copy(io.Discard, c.out.r)
	_ = c.cmd.Wait()
	c.cmd = nil
	return strings.TrimSpace(c.err.String())
}

// pipeSize is the buffer asked for on a cat-file --batch output pipe.
const pipeSize = 1 << 20

// window is how many objects a cat-file process is asked for ahead of
// the one being read: git never waits for the next id, and the ids in
// flight (65 bytes each) stay far below a pipe's buffer, so writing them
// can never block on a git that is itself blocked writing.
const window = 128

// pipe sends the jobs of in through git in a sliding window and calls, in
// the order of in, onLocal for a job that needs no git (viaGit false) and
// onResponse with git's answer for the others; onResponse must consume the
// body (--batch, not Missing) through br and wrap a failure to read it in
// errProtocol.
//
// When git fails at a job — it dies on a corrupt object, or its output
// cannot be parsed — git is restarted and asked again from that job on; a
// job that fails twice is passed to onLost and skipped. The rest goes on.
// An error from onResponse or onLocal that is not errProtocol stops pipe
// and is returned, as is the context's error.
func (c *catFile) pipe(ctx context.Context, in *queue, viaGit func(job) bool,
	onResponse func(j job, h batchHeader, br *batchReader) error,
	onLocal func(job) error,
	onLost func(j job, err error)) (err error) {
	defer func() { c.stop(err != nil) }()
	var q []job // in flight, in order
	closed := false
	retried := false // whether q[0] has already failed once
	write := func(j job) error {
		if c.cmd == nil {
			if err := c.start(ctx); err != nil {
				return err
			}
		}
		// A write error means git died; reading its answers says where.
		c.w.WriteString(j.blob)
		c.w.WriteByte('\n')
		return nil
	}
	for {
		if !closed && len(q) <= window/2 {
			wrote := false
		fill:
			for len(q) < window {
				var j job
				var ok bool
				if len(q) == 0 {
					var err error
					if j, ok, err = in.next(ctx); err != nil {
						return err
					}
				} else if j, ok = in.poll(); !ok {
					if in.own == nil && in.spill == nil {
						closed = true
					}
					break fill
				}
				if !ok {
					closed = true
					break
				}
				if viaGit(j) {
					if err := write(j); err != nil {
						return err
					}
					wrote = true
				}
				q = append(q, j)
			}
			if wrote {
				_ = c.w.Flush()
			}
		}
		if len(q) == 0 {
			if closed {
				return nil
			}
			continue
		}
		j := q[0]
		if !viaGit(j) {
			q = q[1:]
			if err := onLocal(j); err != nil {
				return err
			}
			continue
		}
		h, err := c.out.header()
		if err == nil && h.OID != j.blob {
			err = syntaxErr("asked for %s, git answered %s", j.blob, h.OID)
		}
		if err == nil {
			err = onResponse(j, h, c.out)
		} else {
			err = errProtocol{err}
		}
		var pe errProtocol
		switch {
		case err == nil:
			q, retried = q[1:], false
			continue
		case !errors.As(err, &pe):
			return err
		}
		msg := c.stop(true)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if retried {
			if msg != "" {
				err = fmt.Errorf("%w: %s", pe.err, msg)
			}
			onLost(j, fmt.Errorf("git cat-file: %w", err))
			q, retried = q[1:], false
		} else {
			retried = true // once more, with a fresh git, before blaming it
		}
		for _, k := range q {
			if viaGit(k) {
				if err := write(k); err != nil {
					return err
				}
			}
		}
		_ = c.w.Flush()
	}
}

// nulTokens splits a stream on NUL bytes, for git's -z output. A token may
// be up to 16 MiB (git allows long paths and author names).
func nulTokens(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		if i := bytes.IndexByte(data, 0); i >= 0 {
			return i + 1, data[:i], nil
		}
		if atEOF && len(data) > 0 {
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	return sc
}

// peakRSS is a running process's peak resident memory in bytes (VmHWM in
// /proc/PID/status), or 0 where that is not available. For benchmarks.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}
