// Package source turns scan targets — files, directories, standard input,
// archives and git history — into [Fragment]s: units of bytes that the
// detector reads once each.
//
// [Open] picks the implementation from the target:
//
//   - "-" is standard input ([Stdin]): one Fragment with Path "-".
//   - A directory that is the top of a git work tree, or a git directory
//     (a bare repository or a .git directory named directly), is [Git]: every
//     blob in the repository's history is emitted once, and a work tree's
//     files that differ from HEAD (staged or not) or are untracked and not
//     ignored are emitted as plain files, with plain paths. A subdirectory of
//     a work tree is a plain directory; a repository nested in a scanned
//     directory is scanned as files (its .git is never entered), not as
//     history.
//   - Any other directory is [Dir]: a recursive walk that never descends into
//     .git directories.
//   - Anything else that exists is [File].
//
// Archives are found by their magic bytes, never by their extension: zip,
// tar, 7z, gzip, bzip2, xz and zstd, nested up to [Options.ArchiveDepth], in
// files, directories, standard input and git blobs alike (one function,
// expand, serves them all). An archive is emitted as it is, with
// [Fragment.Archive] naming its format, and each entry is emitted as a
// Fragment of its own whose Path joins the levels with "!":
// "outer.zip!inner.tar.gz!dir/file". A compression layer does not add a
// level of its own when what it holds is a tar or zip ("x.tar.gz!file"); a
// compressed single file is shown as "notes.txt.gz!notes.txt".
//
// Nothing a source cannot read stops a scan: it is passed to the [Report]
// callback as an [Error] and the scan goes on. Scan returns an error only
// when it could not run at all, when the context is cancelled, or when
// [Emit] returned an error.
//
// # Git history
//
// Git history is scanned at the blob level with the git command, the one
// external dependency. Which blobs: every blob reachable from any ref
// (branches, tags, remotes, notes, stash, HEAD) and from every reflog entry
// (git log --all --reflog). The reflogs are included because they hold
// exactly what a rewrite was meant to remove — an amended or reset commit
// that carried a credential — and they travel with the repository
// whenever its .git directory is copied (into a container image, a backup,
// a web root). A ref that points straight at a tree or blob is followed too.
// With [Options.AllObjects], every blob in the object database is read,
// unreachable ones included, and unreachable commits are walked for
// attribution as well.
//
// Attribution comes from one git log with --raw --diff-merges=combined: a
// commit "introduces" a blob at a path when the path holds that blob after
// the commit and the commit's diff lists the path. For a merge the
// combined diff lists only paths that differ from every parent, so a blob
// brought in by a side branch is attributed to the side-branch commit that
// made it, not to the merge that joined it; a merge is named only when it
// made content of its own (a conflict resolution or an "evil merge"). A
// shallow repository's boundary commits have no parents to diff against, so
// they introduce their whole tree; the scan reports the shallowness as an
// [Error] with Op [OpShallow] and goes on.
//
// The scan never runs anything the scanned repository's config names (clean
// filters, fsmonitor, textconv, external diff) and never writes to the
// repository; it asks git not to fetch a partial clone's missing blobs
// (git 2.44 and later honour that), which are then reported.
//
// [Options.SinceCommit] REV reads the blobs introduced by commits reachable
// from any ref or reflog but not from REV (git log --all --reflog --not REV);
// their Origins are those commits only.
//
// # Memory
//
// A file or blob is read whole into memory (it is scanned whole), so the
// largest resident input is [Options.MaxFileSize] per worker plus, inside
// archives, one entry per nesting level. Buffers are reused between inputs;
// buffers above 16 MiB are not kept.
package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"time"
)

// A Fragment is one unit of bytes to scan, read once.
//
// The Fragment and its Data belong to the source: they may be reused as
// soon as [Emit] returns, so a consumer must copy anything it keeps.
type Fragment struct {
	// Data is the content. It may be a reused buffer.
	Data []byte
	// Path is the display path: "dir/file.txt" for a file in a directory
	// scan (the target joined with the path below it), "outer.zip!inner/file"
	// inside an archive, "-" for standard input. For a git blob it is the
	// path under which the history walk first met the blob (the complete
	// list is [Git.Origins]); a blob that a ref points at directly is shown
	// as the ref ("refs/tags/key" or "refs/tags/t:dir/file"), and a blob no
	// commit or ref carries (AllObjects) has an empty Path.
	Path string
	// Blob is the git blob id (hex) when the bytes come from git history,
	// also for the entries of an archive stored in a blob; else "".
	Blob string
	// Binary is true when the content looked binary (a NUL byte in the
	// first 8 KiB). Binary fragments are emitted all the same: consumers
	// decide.
	Binary bool
	// Depth is the archive nesting depth: 0 outside archives, 1 for an
	// entry of a top-level archive, and so on.
	Depth int
	// Entry is, inside an archive, the path below the top-level input:
	// "inner.tar.gz!dir/file" for Path "x.zip!inner.tar.gz!dir/file". With
	// Blob set, a finding's location is an Origin's Path + "!" + Entry.
	Entry string
	// Archive names the format ("zip", "tar", "7z", "gzip", "bzip2", "xz",
	// "zstd") when Data is itself an archive. Its entries are emitted as
	// Fragments of their own, so text rules may skip a Fragment with
	// Archive set; container-aware rules (a PyTorch zip) want it.
	Archive string
}

// An Origin is one place a git blob appears: a commit that introduced the
// blob at a path. Used to attribute findings to commits.
type Origin struct {
	Commit string    // full commit id (hex)
	Path   string    // path of the blob in that commit
	Author string    // "Name <email>"
	Date   time.Time // author date
	// InHead is true when HEAD's tree still holds this blob at this Path.
	InHead bool
}

// Ops of an [Error]: what was being done when the input failed.
const (
	OpOpen    = "open"    // opening a file or directory
	OpRead    = "read"    // reading a file, a directory listing or a git object
	OpSkipped = "skipped" // deliberately not read: too large, not a regular file
	OpSymlink = "symlink" // following a symlink: dangling, or a loop
	OpArchive = "archive" // expanding an archive: corrupt, too deep, a bomb
	OpShallow = "shallow" // the git repository is a shallow clone
	OpGit     = "git"     // a git command failed; some history may be missing
)

// Errors wrapped by [Error.Err], for errors.Is.
var (
	// ErrTooLarge: the input is larger than Options.MaxFileSize.
	ErrTooLarge = errors.New("larger than the size limit")
	// ErrNotRegular: a named pipe, socket or device met during a walk.
	ErrNotRegular = errors.New("not a regular file")
	// ErrSymlinkLoop: a followed symlink leads back to a directory being walked.
	ErrSymlinkLoop = errors.New("symlink loop")
	// ErrArchiveBomb: an archive expands beyond the configured limits.
	ErrArchiveBomb = errors.New("archive bomb")
	// ErrArchiveDepth: an archive nested deeper than Options.ArchiveDepth.
	ErrArchiveDepth = errors.New("archive nested too deep")
	// ErrArchiveCorrupt: an archive or compressed stream could not be read.
	ErrArchiveCorrupt = errors.New("corrupt archive")
	// ErrShallow: the repository's history is cut at a clone depth.
	ErrShallow = errors.New("history is shallow")
	// ErrObject: git could not read an object (missing or corrupt).
	ErrObject = errors.New("unreadable git object")
)

// Error is an input that could not be read. It is reported, never fatal:
// the scan goes on.
type Error struct {
	Path string // display path, as in Fragment.Path
	Op   string // one of the Op constants
	Err  error
}

func (e Error) Error() string {
	if e.Err == nil {
		return e.Path + ": " + e.Op
	}
	return e.Path + ": " + e.Op + ": " + e.Err.Error()
}

func (e Error) Unwrap() error { return e.Err }

// Options tune every source. The zero value is usable: zero fields take
// their defaults.
type Options struct {
	// MaxFileSize: larger files, blobs and archive entries are skipped with
	// an Error wrapping ErrTooLarge. Default 100 MiB.
	MaxFileSize int64
	// FollowSymlinks follows symlinks met during a walk (the target itself
	// is always followed). Loops are detected and reported.
	FollowSymlinks bool
	// ArchiveDepth is how many levels of archives are expanded. Default 3;
	// a negative value expands no archive.
	ArchiveDepth int
	// MaxArchiveBytes bounds the bytes expanded from one top-level archive,
	// all levels together. Default 1 GiB.
	MaxArchiveBytes int64
	// MaxArchiveRatio bounds expanded/compressed size of one entry or
	// stream. Default 200. Entries under 1 MiB expanded are not checked:
	// small files compress well without being bombs.
	MaxArchiveRatio int
	// MaxArchiveEntries bounds the entries of one top-level archive, all
	// levels together. Default 100000.
	MaxArchiveEntries int
	// AllObjects (git) also reads unreachable objects.
	AllObjects bool
	// SinceCommit (git) reads only blobs introduced by commits not
	// reachable from this revision. Cannot be combined with AllObjects.
	SinceCommit string
	// Workers is the number of parallel readers. Default runtime.NumCPU().
	Workers int
	// Stdin is what "-" reads. Default os.Stdin.
	Stdin io.Reader
}

// Defaults for the zero fields of Options.
const (
	DefaultMaxFileSize       = 100 << 20
	DefaultArchiveDepth      = 3
	DefaultMaxArchiveBytes   = 1 << 30
	DefaultMaxArchiveRatio   = 200
	DefaultMaxArchiveEntries = 100000
)

// ratioFloor: entries that expand to less than this are never judged by
// their ratio.
const ratioFloor = 1 << 20

func (o Options) withDefaults() Options {
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.ArchiveDepth == 0 {
		o.ArchiveDepth = DefaultArchiveDepth
	}
	if o.MaxArchiveBytes <= 0 {
		o.MaxArchiveBytes = DefaultMaxArchiveBytes
	}
	if o.MaxArchiveRatio <= 0 {
		o.MaxArchiveRatio = DefaultMaxArchiveRatio
	}
	if o.MaxArchiveEntries <= 0 {
		o.MaxArchiveEntries = DefaultMaxArchiveEntries
	}
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	return o
}

// Emit receives each Fragment. It is called concurrently from up to
// Options.Workers goroutines. Returning an error stops the source, and Scan
// returns that error.
type Emit func(*Fragment) error

// Report receives each input that could not be read. It is called from any
// goroutine, concurrently: the caller's implementation must be safe for
// concurrent use.
type Report func(Error)

// A Source produces Fragments.
type Source interface {
	// Scan emits every Fragment of the source and reports every input it
	// could not read. It returns when all is emitted, on the first error
	// from emit, or when ctx is done (then with the context's error); git
	// processes are killed on return.
	Scan(ctx context.Context, emit Emit, report Report) error
}

// Open returns the Source for target: "-" for standard input, a git
// repository (the top of a work tree, a bare repository or a .git
// directory), a plain directory, or a file. A target that does not exist
// is an error naming it, and so is a repository given when the git command
// cannot be run, or an invalid Options.SinceCommit.
func Open(target string, opts Options) (Source, error) {
	opts = opts.withDefaults()
	if opts.AllObjects && opts.SinceCommit != "" {
		return nil, errors.New("source: AllObjects and SinceCommit cannot be combined")
	}
	if target == "-" {
		return &Stdin{opts: opts}, nil
	}
	fi, err := os.Stat(target)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("scan target %s: %w", target, err)
	}
	if !fi.IsDir() {
		return &File{path: target, display: displayRoot(target), opts: opts}, nil
	}
	if repo, ok := detectRepo(target); ok {
		return openGit(target, repo, opts)
	}
	if opts.SinceCommit != "" {
		return nil, fmt.Errorf("source: SinceCommit %q given, but %s is not a git repository", opts.SinceCommit, target)
	}
	return &Dir{root: target, opts: opts}, nil
}
