package source

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Git is a git repository scanned at the blob level: each unique blob of
// its history is emitted once, with Fragment.Blob set, and a work tree's
// files that differ from HEAD (staged or not) or are untracked are
// emitted as plain files, with the target's path joined to theirs, like a
// Dir's. Files that .gitignore ignores are not read: they are not about to
// be committed, and they hold build output and dependencies by the
// gigabyte; scan the directory's files some other way to include them.
// After Scan has returned, Origins attributes a blob to the commits that
// introduced it. The package documentation says which blobs are read.
type Git struct {
	git     *gitRunner
	display string // the target, as paths below it are shown
	opts    Options
	since   string // resolved SinceCommit

	mu   sync.RWMutex
	attr *attribution

	// Totals of the blobs sent to be read, for progress: final once the
	// history has been listed.
	queued, queuedBytes atomic.Int64
	listed              atomic.Bool
}

// Totals reports how many blobs and bytes the scan will read from history,
// and whether the count is final (the history walk has finished). Files of
// the work tree are not counted.
func (g *Git) Totals() (blobs, bytes int64, final bool) {
	return g.queued.Load(), g.queuedBytes.Load(), g.listed.Load()
}

func (g *Git) String() string { return displayRootOrDot(g.display) }

// repoLayout is what the file system says about a directory: a work tree
// (it holds .git) or a git directory.
type repoLayout struct {
	workTree string
	gitDir   string
}

// detectRepo tells, from the file system alone, whether dir is the top of
// a work tree or a git directory (bare repository, or a .git directory
// named directly).
func detectRepo(dir string) (repoLayout, bool) {
	if fi, err := os.Lstat(filepath.Join(dir, ".git")); err == nil && (fi.IsDir() || fi.Mode().IsRegular()) {
		return repoLayout{workTree: dir}, true
	}
	head, err1 := os.Stat(filepath.Join(dir, "HEAD"))
	objects, err2 := os.Stat(filepath.Join(dir, "objects"))
	refs, err3 := os.Stat(filepath.Join(dir, "refs"))
	if err1 == nil && err2 == nil && err3 == nil && head.Mode().IsRegular() && objects.IsDir() && refs.IsDir() {
		return repoLayout{gitDir: dir}, true
	}
	return repoLayout{}, false
}

// OpenGit opens the git repository at dir (the top of a work tree, a bare
// repository or a .git directory) as a Git source, whatever Open would
// choose.
func OpenGit(dir string, opts Options) (*Git, error) {
	repo, ok := detectRepo(dir)
	if !ok {
		return nil, fmt.Errorf("%s is not a git repository", dir)
	}
	return openGit(dir, repo, opts.withDefaults())
}

func openGit(target string, repo repoLayout, opts Options) (*Git, error) {
	if opts.AllObjects && opts.SinceCommit != "" {
		return nil, errors.New("source: AllObjects and SinceCommit cannot be combined")
	}
	gitPath, err := exec.LookPath("git")
	if err != nil {
		return nil, fmt.Errorf("scanning the git repository %s needs the git command: %w", target, err)
	}
	g := &gitRunner{path: gitPath, deltaCache: defaultDeltaCache}
	ctx := context.Background()
	if repo.workTree != "" {
		abs, err := filepath.Abs(repo.workTree)
		if err != nil {
			return nil, err
		}
		g.workTree = abs
		// Let git resolve .git (a directory, or a file naming one).
		cmd := exec.Command(gitPath, "-C", abs, "rev-parse", "--absolute-git-dir")
		cmd.Env = gitEnv()
		var stderr tailBuffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("reading git repository %s: %w", target, gitError([]string{"rev-parse"}, err, &stderr))
		}
		g.gitDir = strings.TrimSpace(string(out))
	} else {
		abs, err := filepath.Abs(repo.gitDir)
		if err != nil {
			return nil, err
		}
		g.gitDir = abs
		if _, err := g.output(ctx, "rev-parse", "--git-dir"); err != nil {
			return nil, fmt.Errorf("reading git repository %s: %w", target, err)
		}
	}
	src := &Git{git: g, display: displayRoot(target), opts: opts}
	if opts.SinceCommit != "" {
		out, err := g.output(ctx, "rev-parse", "--verify", "--quiet", "--end-of-options", opts.SinceCommit+"^{commit}")
		if err != nil {
			return nil, fmt.Errorf("SinceCommit %q is not a commit in %s", opts.SinceCommit, target)
		}
		src.since = strings.TrimSpace(string(out))
	}
	return src, nil
}

// defaultDeltaCache is core.deltaBaseCacheLimit for each cat-file process
// (git's default is 96m). Blobs are read in history order, newest first,
// the order in which git's packs chain their deltas, so a small cache still
// hits. Measured on a repository of 300 commits over 40 files of 128 KiB:
// one cat-file process peaks at 138 MiB with 96m, 73 MiB with 32m and
// 48 MiB with 8m, in the same time (1.1 to 1.4 s); BenchmarkGitScanLargeFiles
// shows the same on a smaller one. One process runs per worker, so this is
// what Workers multiplies.
const defaultDeltaCache = "16m"

// Origins returns every (commit, path) that introduced blob (hex id),
// oldest first, with whether HEAD still holds it there. It is complete
// once Scan has returned; a blob that no scanned commit introduced (a
// dangling blob, one a tag points at, one older than SinceCommit) has
// none.
func (g *Git) Origins(blob string) []Origin {
	g.mu.RLock()
	a := g.attr
	g.mu.RUnlock()
	if a == nil {
		return nil
	}
	key, ok := oidKey(blob)
	if !ok {
		return nil
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	bi := a.blobs[key]
	if bi == nil || len(bi.origins) == 0 {
		return nil
	}
	out := make([]Origin, 0, len(bi.origins))
	for _, o := range bi.origins {
		c := a.commits[o.commit]
		_, inHead := a.head[headKey(key, o.path)]
		out = append(out, Origin{Commit: c.hash, Path: o.path, Author: c.author, Date: c.date, InHead: inHead})
	}
	slices.SortFunc(out, func(x, y Origin) int {
		if c := x.Date.Compare(y.Date); c != 0 {
			return c
		}
		if c := strings.Compare(x.Commit, y.Commit); c != 0 {
			return c
		}
		return strings.Compare(x.Path, y.Path)
	})
	return slices.CompactFunc(out, func(x, y Origin) bool { return x.Commit == y.Commit && x.Path == y.Path })
}

// InHead reports whether HEAD's tree holds blob (hex id) at any path.
func (g *Git) InHead(blob string) bool {
	g.mu.RLock()
	a := g.attr
	g.mu.RUnlock()
	key, ok := oidKey(blob)
	if a == nil || !ok {
		return false
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	_, in := a.headBlobs[key]
	return in
}

// attribution is what one Scan learns about the history.
type attribution struct {
	mu        sync.RWMutex
	commits   []commitInfo
	blobs     map[string]*blobInfo // by binary id; also the set of blobs dispatched
	head      map[string]struct{}  // headKey(id, path) for HEAD's tree
	headBlobs map[string]struct{}
	headFiles []headFile        // HEAD's regular files, for the work tree
	paths     map[string]string // interned paths
	authors   map[string]string // interned authors
}

type headFile struct {
	path string
	id   string // hex
}

type commitInfo struct {
	hash   string
	author string
	date   time.Time
}

type blobInfo struct {
	origins []originRef
}

type originRef struct {
	commit int32
	path   string
}

func newAttribution() *attribution {
	return &attribution{
		blobs:     map[string]*blobInfo{},
		head:      map[string]struct{}{},
		headBlobs: map[string]struct{}{},
		paths:     map[string]string{},
		authors:   map[string]string{},
	}
}

// oidKey is the map key of a hex object id: its bytes.
func oidKey(hexID string) (string, bool) {
	if !isHexID([]byte(hexID)) {
		return "", false
	}
	b, err := hex.DecodeString(hexID)
	if err != nil {
		return "", false
	}
	return string(b), true
}

func headKey(key, path string) string { return key + "\x00" + path }

func intern(m map[string]string, b []byte) string {
	if s, ok := m[string(b)]; ok {
		return s
	}
	s := string(b)
	m[s] = s
	return s
}

// Scan implements Source.
func (g *Git) Scan(ctx context.Context, emit Emit, report Report) error {
	a := newAttribution()
	g.mu.Lock()
	g.attr = a
	g.mu.Unlock()
	name := g.String()
	gitFail := func(err error) {
		report(Error{Path: name, Op: OpGit, Err: err})
	}

	out, err := g.git.output(ctx, "rev-parse", "--is-shallow-repository")
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		gitFail(err)
	} else if strings.TrimSpace(string(out)) == "true" {
		report(Error{Path: name, Op: OpShallow, Err: errorf(ErrShallow,
			"history is shallow: commits beyond the clone depth are not scanned, and the oldest commits present are credited with everything they hold")})
	}
	_, err = g.git.output(ctx, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	hasHead := err == nil

	// history sends every blob to check (sizes) and returns only errors
	// that stop the scan.
	history := func(ctx context.Context, jobs chan<- job) error {
		if hasHead {
			if err := g.readHead(ctx, a); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				gitFail(fmt.Errorf("reading HEAD: %w", err))
			}
		}
		if err := g.sendCompressedFirst(ctx, a, jobs); err != nil {
			return err
		}
		var all *allObjects
		if g.opts.AllObjects {
			all, err = g.listAll(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				gitFail(fmt.Errorf("listing all objects: %w", err))
				all = nil
			}
		}
		if err := g.walkLog(ctx, a, all, jobs); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var fatal fatalError
			if errors.As(err, &fatal) {
				return fatal.err
			}
			gitFail(fmt.Errorf("reading history: %w", err))
		}
		if g.since == "" {
			if err := g.walkRefs(ctx, a, jobs); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				gitFail(fmt.Errorf("reading refs: %w", err))
			}
		}
		if all != nil {
			for _, o := range all.blobs {
				a.mu.Lock()
				_, seen := a.blobs[o.key]
				if !seen {
					a.blobs[o.key] = &blobInfo{}
				}
				a.mu.Unlock()
				if seen {
					continue
				}
				if err := send(ctx, jobs, job{blob: hex.EncodeToString([]byte(o.key)), size: o.size}); err != nil {
					return err
				}
			}
		}
		return nil
	}
	produce := func(ctx context.Context, jobs chan<- job) error {
		// Blobs go through one size check (git cat-file --batch-check) on
		// their way to the workers, so that a blob over MaxFileSize is
		// never read.
		cand := make(chan job, 256)
		hctx, cancel := context.WithCancel(ctx)
		defer cancel()
		checked := make(chan error, 1)
		go func() {
			err := g.checkSizes(hctx, cand, jobs, report)
			if err != nil {
				cancel() // the history walk must not block on cand
			}
			checked <- err
		}()
		herr := history(hctx, cand)
		close(cand)
		if err := <-checked; err != nil {
			return err
		}
		g.listed.Store(true)
		if herr != nil {
			return herr
		}
		if g.git.workTree != "" {
			if err := g.walkWorkTree(ctx, a, hasHead, report, jobs); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				gitFail(fmt.Errorf("listing work tree changes: %w", err))
			}
		}
		return nil
	}
	err = runPoolWith(ctx, g.opts, produce, func(j job) string { return j.display }, func(ctx context.Context, q *queue) error {
		w := &gitWorker{r: newReader(g.opts, emit, report), cat: &catFile{g: g.git}}
		return w.run(ctx, q)
	})
	return err
}

// sendCompressedFirst sends HEAD's compressed files and archives before
// the history walk does. Expanding one can take seconds (64 MB of bzip2
// out of 428 KB, say) and the walk goes newest commit first, so files that
// have not changed since the oldest commits would otherwise come last and
// be expanded by one worker while the others have nothing left to do. The
// walk still records where they were introduced; it does not send them
// again.
func (g *Git) sendCompressedFirst(ctx context.Context, a *attribution, jobs chan<- job) error {
	if g.opts.ArchiveDepth < 0 || g.since != "" {
		return nil
	}
	a.mu.RLock()
	files := a.headFiles
	a.mu.RUnlock()
	for _, f := range files {
		if !compressedName(f.path) {
			continue
		}
		if err := g.sendNew(ctx, a, jobs, f.id, f.path); err != nil {
			return err
		}
	}
	return nil
}

// compressedName: a file name whose extension says compressed data or an
// archive, which the reader expands.
func compressedName(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".gz", ".tgz", ".bz2", ".tbz2", ".xz", ".txz", ".zst", ".zip", ".jar", ".whl", ".tar", ".7z":
		return true
	}
	return false
}

// fatalError wraps an error that must stop the scan (from the job channel
// being closed by cancellation) out of the log parser.
type fatalError struct{ err error }

func (e fatalError) Error() string { return e.err.Error() }

// readHead records HEAD's tree.
func (g *Git) readHead(ctx context.Context, a *attribution) error {
	return g.git.stream(ctx, nil, func(r io.Reader) error {
		return parseLsTree(r, func(key, path, mode string) {
			a.mu.Lock()
			a.head[headKey(key, path)] = struct{}{}
			a.headBlobs[key] = struct{}{}
			if mode == "100644" || mode == "100755" {
				a.headFiles = append(a.headFiles, headFile{path: path, id: hex.EncodeToString([]byte(key))})
			}
			a.mu.Unlock()
		})
	}, "ls-tree", "-r", "-z", "--full-tree", "HEAD")
}

// parseLsTree parses ls-tree -r -z output ("<mode> <type> <id>\t<path>\0")
// and calls blob for each blob.
func parseLsTree(r io.Reader, blob func(key, path, mode string)) error {
	sc := nulTokens(r)
	for sc.Scan() {
		t := sc.Bytes()
		meta, p, ok := bytes.Cut(t, []byte{'\t'})
		if !ok {
			return fmt.Errorf("%w: ls-tree line %q", errBatchSyntax, clip(t))
		}
		f := bytes.Fields(meta)
		if len(f) != 3 {
			return fmt.Errorf("%w: ls-tree line %q", errBatchSyntax, clip(t))
		}
		if string(f[1]) != "blob" {
			continue
		}
		key, ok := oidKey(string(f[2]))
		if !ok {
			return fmt.Errorf("%w: ls-tree id %q", errBatchSyntax, clip(f[2]))
		}
		blob(key, string(p), string(f[0]))
	}
	return sc.Err()
}

// allObjects is the object database's content, for AllObjects.
type allObjects struct {
	commits []string
	blobs   []sizedBlob
}

type sizedBlob struct {
	key  string
	size int64
}

func (g *Git) listAll(ctx context.Context) (*allObjects, error) {
	all := &allObjects{}
	err := g.git.stream(ctx, nil, func(r io.Reader) error {
		br := newBatchReader(r)
		seen := map[string]bool{} // an object in two packs is listed twice
		for {
			h, err := br.header()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if h.Missing || seen[h.OID] {
				continue
			}
			seen[h.OID] = true
			switch h.Type {
			case "commit":
				all.commits = append(all.commits, h.OID)
			case "blob":
				key, _ := oidKey(h.OID)
				all.blobs = append(all.blobs, sizedBlob{key: key, size: h.Size})
			}
		}
	}, "cat-file", "--batch-all-objects", "--batch-check", "--unordered")
	return all, err
}

// logFormat starts each commit with a token "C <id>", then the author and
// the author date as tokens of their own (-z splits tokens with NULs).
const logFormat = "--format=%x00C %H%x00%an <%ae>%x00%aI%x00"

// walkLog reads the history with git log and sends each new blob to the
// workers as soon as it is met. With all, it also walks every commit in the
// object database, reachable or not.
func (g *Git) walkLog(ctx context.Context, a *attribution, all *allObjects, jobs chan<- job) error {
	args := []string{"log", "--all", "--reflog"}
	var stdin func(io.Writer) error
	var sizes map[string]int64
	if all != nil {
		args = append(args, "--stdin")
		stdin = func(w io.Writer) error {
			for _, c := range all.commits {
				if _, err := io.WriteString(w, c+"\n"); err != nil {
					return err
				}
			}
			return nil
		}
		sizes = make(map[string]int64, len(all.blobs))
		for _, b := range all.blobs {
			sizes[b.key] = b.size
		}
	}
	args = append(args, "--diff-merges=combined", "--raw", "--no-renames", "--no-abbrev", "-z",
		"--no-color", "--no-show-signature", "--no-ext-diff", "--no-textconv", logFormat)
	if g.since != "" {
		args = append(args, "--not", g.since)
	}
	var cur int32 = -1
	return g.git.stream(ctx, stdin, func(r io.Reader) error {
		return parseLog(r,
			func(hash, author, date []byte) {
				t, _ := time.Parse(time.RFC3339, string(date))
				a.mu.Lock()
				a.commits = append(a.commits, commitInfo{hash: string(hash), author: intern(a.authors, author), date: t})
				cur = int32(len(a.commits) - 1)
				a.mu.Unlock()
			},
			func(key string, path []byte) error {
				if cur < 0 {
					return fmt.Errorf("%w: a change before any commit", errBatchSyntax)
				}
				a.mu.Lock()
				p := intern(a.paths, path)
				bi := a.blobs[key]
				isNew := bi == nil
				if isNew {
					bi = &blobInfo{}
					a.blobs[key] = bi
				}
				bi.origins = append(bi.origins, originRef{commit: cur, path: p})
				a.mu.Unlock()
				if !isNew {
					return nil
				}
				size := int64(-1)
				if s, ok := sizes[key]; ok {
					size = s
				}
				if err := send(ctx, jobs, job{blob: hex.EncodeToString([]byte(key)), display: p, size: size}); err != nil {
					return fatalError{err}
				}
				return nil
			})
	}, args...)
}

// parseLog parses the output of git log with logFormat, --raw and -z.
// commit is called for each commit header, then change for each path the
// commit sets to a blob (added, modified or changed in type; for a merge,
// differing from every parent), with the blob's id as a map key.
func parseLog(r io.Reader, commit func(hash, author, date []byte), change func(key string, path []byte) error) error {
	sc := nulTokens(r)
	const (
		anyToken = iota
		wantAuthor
		wantDate
		wantPath
	)
	state := anyToken
	var hash, author []byte
	var blob string // key of the blob whose path comes next; "" to ignore it
	for sc.Scan() {
		t := sc.Bytes()
		switch state {
		case wantAuthor:
			author = append(author[:0], t...)
			state = wantDate
			continue
		case wantDate:
			commit(hash, author, t)
			state = anyToken
			continue
		case wantPath:
			state = anyToken
			if blob != "" {
				if err := change(blob, t); err != nil {
					return err
				}
			}
			continue
		}
		t = bytes.TrimLeft(t, "\n")
		switch {
		case len(t) == 0:
		case bytes.HasPrefix(t, []byte("C ")):
			if !isHexID(t[2:]) {
				return fmt.Errorf("%w: log header %q", errBatchSyntax, clip(t))
			}
			hash = append(hash[:0], t[2:]...)
			state = wantAuthor
		case t[0] == ':':
			key, err := rawChange(t)
			if err != nil {
				return err
			}
			blob = key
			state = wantPath
		default:
			return fmt.Errorf("%w: unexpected log token %q", errBatchSyntax, clip(t))
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if state != anyToken {
		return fmt.Errorf("%w: log output ends inside a record", io.ErrUnexpectedEOF)
	}
	return nil
}

// rawChange parses the meta part of a --raw line, ":<modes> <ids> <status>"
// with one colon per parent (two or more for a combined merge diff), and
// returns the key of the blob the path holds after the commit, or "" when
// the path is deleted or is not a blob (a submodule's commit).
func rawChange(t []byte) (string, error) {
	n := 0
	for n < len(t) && t[n] == ':' {
		n++
	}
	f := bytes.Fields(t[n:])
	if len(f) != 2*n+3 {
		return "", fmt.Errorf("%w: raw diff line %q", errBatchSyntax, clip(t))
	}
	mode, id := f[n], f[2*n+1]
	if !isHexID(id) {
		return "", fmt.Errorf("%w: raw diff id %q", errBatchSyntax, clip(id))
	}
	if bytes.Count(id, []byte{'0'}) == len(id) {
		return "", nil // deleted
	}
	// 100644, 100755 (and the old 100664) are files, 120000 a symlink;
	// 160000 is a submodule commit, 040000 a tree.
	if !bytes.HasPrefix(mode, []byte("10")) && !bytes.Equal(mode, []byte("120000")) {
		return "", nil
	}
	key, _ := oidKey(string(id))
	return key, nil
}

// walkRefs sends the blobs that refs point at directly, or through a
// tree, rather than through a commit (git log does not see them).
func (g *Git) walkRefs(ctx context.Context, a *attribution, jobs chan<- job) error {
	out, err := g.git.output(ctx, "for-each-ref",
		"--format=%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)%00%(refname)")
	if err != nil {
		return err
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		f := strings.Split(line, "\x00")
		if len(f) != 5 {
			continue
		}
		typ, id, ref := f[0], f[1], f[4]
		if typ == "tag" {
			typ, id = f[2], f[3] // one level peeled
		}
		switch typ {
		case "blob":
			if err := g.sendNew(ctx, a, jobs, id, ref); err != nil {
				return err
			}
		case "tree":
			var blobs [][2]string
			err := g.git.stream(ctx, nil, func(r io.Reader) error {
				return parseLsTree(r, func(key, path, _ string) {
					blobs = append(blobs, [2]string{hex.EncodeToString([]byte(key)), ref + ":" + path})
				})
			}, "ls-tree", "-r", "-z", id)
			if err != nil {
				return err
			}
			for _, b := range blobs {
				if err := g.sendNew(ctx, a, jobs, b[0], b[1]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (g *Git) sendNew(ctx context.Context, a *attribution, jobs chan<- job, id, display string) error {
	key, ok := oidKey(id)
	if !ok {
		return nil
	}
	a.mu.Lock()
	_, seen := a.blobs[key]
	if !seen {
		a.blobs[key] = &blobInfo{}
	}
	a.mu.Unlock()
	if seen {
		return nil
	}
	return send(ctx, jobs, job{blob: id, display: display, size: -1})
}

// walkWorkTree sends the work tree's files that differ from HEAD, staged
// or not, and the untracked ones that are not ignored. Deleted files are
// skipped; an untracked directory (a nested repository) is walked.
//
// A tracked file whose stat data matches its entry in the git index, which
// records HEAD's blob id, is unchanged and not read at all (git status
// decides the same way; the index is parsed here, not by running git).
// Otherwise whether it differs is decided by hashing it (the worker
// reads it anyway) and comparing with HEAD's blob id, not by git diff: to
// compare, git diff may run the clean filters that the scanned
// repository's own config names, and a scan must not run its code. So a
// file that differs only by what a filter would undo (line endings, an LFS
// pointer) counts as changed and is read.
func (g *Git) walkWorkTree(ctx context.Context, a *attribution, hasHead bool, report Report, jobs chan<- job) error {
	w := newWalker(g.opts, report, jobs)
	seen := map[string]bool{}
	var idx *gitIndex
	if hasHead {
		a.mu.RLock()
		if len(a.headFiles) > 0 {
			idx = readGitIndex(filepath.Join(g.git.gitDir, "index"), len(a.headFiles[0].id)/2)
		}
		a.mu.RUnlock()
	}
	visit := func(p, headID string) error {
		p = strings.TrimSuffix(p, "/")
		if p == "" || seen[p] {
			return nil
		}
		seen[p] = true
		fsPath := filepath.Join(g.git.workTree, filepath.FromSlash(p))
		fi, err := os.Lstat(fsPath)
		if err != nil {
			return nil // deleted in the work tree: nothing to read
		}
		disp := joinDisplay(g.display, p)
		if headID != "" && fi.Mode().IsRegular() && idx.unchanged(p, fi, headID) {
			return nil // the index's stat data proves it is HEAD's blob
		}
		if fi.Mode().IsRegular() {
			return send(ctx, jobs, job{fsPath: fsPath, display: disp, size: -1, unless: headID})
		}
		return w.entry(ctx, fsPath, disp, fi.Mode().Type())
	}
	if hasHead {
		a.mu.RLock()
		files := a.headFiles
		a.mu.RUnlock()
		for _, f := range files {
			if err := visit(f.path, f.id); err != nil {
				return err
			}
		}
	}
	// Untracked files, and files staged but not in HEAD (ls-files reads
	// the index and .gitignore; it runs nothing).
	out, err := g.git.output(ctx, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	if err != nil {
		return err
	}
	for p := range strings.SplitSeq(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		if err := visit(p, ""); err != nil {
			return err
		}
	}
	return nil
}

// checkSizes asks git for the size of each blob of cand whose size is not
// known, and passes on to jobs, in order, the blobs within MaxFileSize:
// a larger blob is reported and never read. Jobs without a blob pass
// through.
func (g *Git) checkSizes(ctx context.Context, cand <-chan job, jobs chan<- job, report Report) error {
	max := g.opts.MaxFileSize
	deliver := func(j job) error {
		switch {
		case j.blob == "":
		case j.size > max:
			report(Error{Path: displayBlob(j), Op: OpSkipped, Err: tooLarge(max)})
			return nil
		case j.size == 0:
			return nil
		}
		if j.blob != "" {
			g.queued.Add(1)
			g.queuedBytes.Add(j.size)
		}
		return send(ctx, jobs, j)
	}
	c := &catFile{g: g.git, check: true}
	return c.pipe(ctx, chanQueue(cand), func(j job) bool { return j.blob != "" && j.size < 0 },
		func(j job, h batchHeader, _ *batchReader) error {
			switch {
			case h.Missing:
				report(Error{Path: displayBlob(j), Op: OpRead, Err: errorf(ErrObject, "git object %s is missing or unreadable", j.blob)})
				return nil
			case h.Type != "blob":
				return nil
			}
			j.size = h.Size
			return deliver(j)
		},
		deliver,
		func(j job, err error) {
			report(Error{Path: displayBlob(j), Op: OpRead, Err: objectError(j.blob, err)})
		})
}

// gitWorker reads blobs through its own cat-file process, and files from
// the work tree.
type gitWorker struct {
	r   *reader
	cat *catFile
}

func (w *gitWorker) run(ctx context.Context, jobs *queue) error {
	r := w.r
	max := r.opts.MaxFileSize
	return w.cat.pipe(ctx, jobs, func(j job) bool { return j.blob != "" },
		func(j job, h batchHeader, br *batchReader) error {
			if h.Missing {
				r.report(Error{Path: displayBlob(j), Op: OpRead, Err: errorf(ErrObject, "git object %s is missing or unreadable", j.blob)})
				return nil
			}
			if h.Type != "blob" || h.Size > max || h.Size == 0 {
				if h.Size > max && h.Type == "blob" {
					r.report(Error{Path: displayBlob(j), Op: OpSkipped, Err: tooLarge(max)})
				}
				if err := br.discard(h); err != nil {
					return errProtocol{err}
				}
				return nil
			}
			data, err := br.body(h, r.buf)
			r.buf = data
			if err != nil {
				return errProtocol{err}
			}
			err = r.handle(ctx, data, j.display, j.blob)
			r.buf = trim(r.buf)
			return err
		},
		func(j job) error { return r.fileUnless(ctx, j.fsPath, j.display, j.unless) },
		func(j job, err error) {
			r.report(Error{Path: displayBlob(j), Op: OpRead, Err: objectError(j.blob, err)})
		})
}

func objectError(id string, err error) error {
	return errorf(ErrObject, "git object %s could not be read: %v", id, err)
}

// displayBlob is where an error about a blob is reported: its path, or its
// id when it has none.
func displayBlob(j job) string {
	if j.display != "" {
		return j.display
	}
	return "blob " + j.blob
}
