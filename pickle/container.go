package pickle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits of the container readers. Memory is bounded by MaxEntrySize (one
// pickle stream, decompressed entry or nested archive is held at a time);
// work is bounded by MaxTotalSize.
const (
	// MaxEntrySize bounds one pickle stream, one decompressed entry and one
	// nested archive read into memory. Larger ones are judged on their
	// first MaxEntrySize bytes and reported with a "resource-limit" finding.
	MaxEntrySize int64 = 512 << 20
	// MaxTotalSize bounds the bytes read or decompressed for one file.
	MaxTotalSize int64 = 4 << 30
	// MaxEntries bounds the archive entries looked at in one file.
	MaxEntries = 1 << 16
)

// Container formats reported in [FileResult.Format].
const (
	FormatPickle        = "pickle"
	FormatPyTorchZip    = "pytorch-zip"
	FormatTorchScript   = "torchscript"
	FormatPyTorchLegacy = "pytorch-legacy"
	FormatPyTorchTar    = "pytorch-tar"
	FormatNpy           = "npy"
	FormatNpz           = "npz"
	FormatJoblib        = "joblib"
	FormatZip           = "zip"
	FormatTar           = "tar"
	Format7z            = "7z"
	// Keras, GGUF, safetensors and SavedModel formats are declared with
	// their readers (keras.go, gguf.go, safetensors.go, savedmodel.go).
	FormatNotAModel = "not-a-model"
)

// FileResult is what [ScanFile] learns about one model file.
type FileResult struct {
	// Format is the container recognised by magic bytes: "pickle",
	// "pytorch-zip", "torchscript", "pytorch-legacy", "pytorch-tar", "npy",
	// "npz", "joblib", "zip", "tar", "7z", "keras", "keras-h5", "hdf5",
	// "gguf", "safetensors", "savedmodel", "not-a-model". A compressed file
	// is "<compression>+<format>", e.g. "zlib+joblib".
	Format string `json:"format"`
	// Entries holds one result per pickle stream found, in file order.
	Entries []EntryResult `json:"entries,omitempty"`
	// Verdict is the worst over the entries and the container findings.
	// It is Unknown when nothing could be judged, and never Safe for bytes
	// that are not a recognised model or pickle.
	Verdict Verdict `json:"verdict"`
	// Findings are about the container itself (zip header tricks,
	// polyglots, compression, nesting, limits).
	Findings []Finding `json:"findings,omitempty"`
	Err      error     `json:"-"`
}

// EntryResult is the judgement on one pickle stream inside a file.
type EntryResult struct {
	// Name is the archive entry name; nested archives are joined with "!"
	// ("model.mar!model.pt!archive/data.pkl"). It is "" for a bare pickle.
	Name string `json:"name"`
	// Offset is where the stream's bytes begin in the file (for a
	// compressed entry: where the compressed bytes begin).
	Offset int64 `json:"offset"`
	// Compressed is set when the stream was decompressed: the offsets in
	// Result are then offsets in the decompressed bytes; otherwise they are
	// file offsets.
	Compressed bool    `json:"compressed,omitempty"`
	Result     *Result `json:"result"`
}

// ScanBytes is [ScanFile] over a byte slice.
func ScanBytes(data []byte, opts Options) *FileResult {
	return ScanFile(bytes.NewReader(data), int64(len(data)), opts)
}

// ScanFile recognises the model container in r (by magic bytes, never by
// file name), finds every pickle stream it holds and judges each with the
// pickle machine. It reads through r with bounded memory (see
// [MaxEntrySize]) and never panics; the result always carries a verdict.
func ScanFile(r io.ReaderAt, size int64, opts Options) (fr *FileResult) {
	opts = opts.withDefaults()
	fs := &fileScanner{opts: opts, res: &FileResult{}, maxEntry: MaxEntrySize, maxTotal: MaxTotalSize}
	return fs.run(r, size)
}

type fileScanner struct {
	opts     Options
	res      *FileResult
	maxEntry int64
	maxTotal int64
	total    int64 // bytes read or decompressed so far
	// judged is set when a model structure was judged without a pickle
	// (an .npy of plain dtype): the file may then be Safe without entries.
	judged bool
	// joblib is set when a NumpyArrayWrapper was seen.
	joblib bool
	seen   map[string]int // finding keys → index
}

func (fs *fileScanner) run(r io.ReaderAt, size int64) (fr *FileResult) {
	fr = fs.res
	defer func() {
		if p := recover(); p != nil {
			fr.Err = fmt.Errorf("pickle: internal error: %v", p)
			fs.finding(Finding{Verdict: Suspicious, Code: "internal-error", Text: fmt.Sprintf("the container reader failed: %v", p)})
			fs.finish()
		}
	}()
	if size < 0 {
		size = 0
	}
	fr.Format = fs.scanAny(r, size, "", 0, 0, false)
	fs.finish()
	return fr
}

func (fs *fileScanner) finish() {
	v := Unknown
	if len(fs.res.Entries) > 0 || fs.judged {
		v = Safe
		for _, e := range fs.res.Entries {
			v = worse(v, e.Result.Verdict)
		}
	}
	for _, f := range fs.res.Findings {
		v = worse(v, f.Verdict)
	}
	fs.res.Verdict = v
}

// finding records a container finding; repeats of the same code and text
// are folded into Count.
func (fs *fileScanner) finding(f Finding) {
	if fs.seen == nil {
		fs.seen = map[string]int{}
	}
	key := f.Code + "\x00" + f.Text
	if i, ok := fs.seen[key]; ok {
		fs.res.Findings[i].Count++
		return
	}
	if len(fs.res.Findings) >= fs.opts.MaxRecords {
		if f.Verdict.Rank() > fs.res.Findings[len(fs.res.Findings)-1].Verdict.Rank() {
			fs.res.Findings[len(fs.res.Findings)-1] = f
		}
		return
	}
	fs.seen[key] = len(fs.res.Findings)
	fs.res.Findings = append(fs.res.Findings, f)
}

func (fs *fileScanner) addEntry(name string, off int64, compressed bool, res *Result) {
	fs.res.Entries = append(fs.res.Entries, EntryResult{Name: name, Offset: off, Compressed: compressed, Result: res})
}

// charge accounts n bytes read or decompressed; false when over budget.
func (fs *fileScanner) charge(n int64, where int64) bool {
	fs.total += n
	if fs.total > fs.maxTotal {
		fs.finding(Finding{Verdict: Suspicious, Code: "resource-limit", Offset: where,
			Text: fmt.Sprintf("total bytes read for this file exceed %d: the rest was not judged", fs.maxTotal)})
		return false
	}
	return true
}

// readAt reads n bytes at off (fewer at the end of r). Large reads grow
// the buffer as data arrives, so that a size that r does not really have
// (a decompressed entry whose length is not known) allocates no more than
// the data.
func readAt(r io.ReaderAt, off, n int64) []byte {
	if n <= 0 {
		return nil
	}
	const step = 1 << 20
	if n <= step {
		b := make([]byte, n)
		k, err := r.ReadAt(b, off)
		if err != nil && k < len(b) {
			return b[:k]
		}
		return b
	}
	var b []byte
	for int64(len(b)) < n {
		c := min(n-int64(len(b)), max(step, int64(len(b))))
		old := len(b)
		b = append(b, make([]byte, c)...)
		k, err := r.ReadAt(b[old:], off+int64(old))
		b = b[:old+k]
		if k < int(c) || (err != nil && err != io.EOF) {
			break
		}
	}
	return b
}

func joinName(outer, inner string) string {
	if outer == "" {
		return inner
	}
	if inner == "" {
		return outer
	}
	return outer + "!" + inner
}

var (
	magicZip            = []byte("PK\x03\x04")
	magicZipEmpty       = []byte("PK\x05\x06")
	magicNpy            = []byte("\x93NUMPY")
	magic7z             = []byte("7z\xbc\xaf\x27\x1c")
	magicLegacy         = []byte("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e")
	magicGzip           = []byte("\x1f\x8b")
	magicBzip2          = []byte("BZh")
	magicXz             = []byte("\xfd7zXZ\x00")
	magicLzma           = []byte("\x5d\x00\x00")
	magicLz4            = []byte("\x04\x22\x4d\x18")
	magicHDF5           = []byte("\x89HDF\r\n\x1a\n")
	magicGGUF           = []byte("GGUF")
	magicJoblibZF       = []byte("ZF0x")
	sniffLen      int64 = 512
)

// compression returns the name of the compression whose magic begins head.
func compression(head []byte) string {
	switch {
	case bytes.HasPrefix(head, magicGzip):
		return "gzip"
	case bytes.HasPrefix(head, magicXz):
		return "xz"
	case bytes.HasPrefix(head, magicLz4):
		return "lz4"
	case bytes.HasPrefix(head, magicLzma):
		return "lzma"
	case len(head) >= 4 && bytes.HasPrefix(head, magicBzip2) && head[3] >= '1' && head[3] <= '9':
		return "bzip2"
	case len(head) >= 2 && head[0] == 0x78 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0 && head[1]&0x20 == 0:
		return "zlib"
	}
	return ""
}

// scanAny recognises the format of r by its first bytes and scans it. name
// is the entry name so far, base the offset of r's first byte in the file
// (meaningful when !compressed). It returns the format.
func (fs *fileScanner) scanAny(r io.ReaderAt, size int64, name string, base int64, depth int, compressed bool) string {
	if depth > fs.opts.MaxDepth+1 {
		fs.finding(Finding{Verdict: Suspicious, Code: "nesting-limit", Offset: base,
			Text: fmt.Sprintf("%s: archives nested deeper than %d levels were not opened", orFile(name), fs.opts.MaxDepth+1)})
		return "nested-too-deep"
	}
	head := readAt(r, 0, min(size, sniffLen))
	switch {
	case len(head) == 0:
		if depth == 0 {
			fs.finding(Finding{Verdict: Unknown, Code: "not-a-model", Text: "empty file"})
		}
		return FormatNotAModel
	case bytes.HasPrefix(head, magicZip) || bytes.HasPrefix(head, magicZipEmpty):
		return fs.scanZip(r, size, name, base, depth, compressed)
	case bytes.HasPrefix(head, magicNpy):
		return fs.scanNpy(r, size, name, base, depth, compressed)
	case bytes.HasPrefix(head, magic7z):
		return fs.scan7z(r, size, name, base, depth)
	case bytes.HasPrefix(head, magicHDF5):
		return fs.scanHDF5(r, size, name, base, depth)
	case bytes.HasPrefix(head, magicGGUF):
		return fs.scanGGUF(r, size, name, base)
	case bytes.HasPrefix(head, magicJoblibZF):
		fs.finding(Finding{Verdict: Unknown, Code: "format-not-inspected", Offset: base, Text: orFile(name) + ": legacy joblib zlib file (ZF): not inspected"})
		return "joblib-zf"
	case isSafetensors(head):
		return fs.scanSafetensors(r, size, name, base)
	case isSavedModel(head, size):
		return fs.scanSavedModel(r, size, name, base)
	case isTar(head):
		return fs.scanTar(r, size, name, base, depth, compressed)
	}
	if c := compression(head); c != "" {
		if f, ok := fs.scanCompressed(c, r, size, name, base, depth); ok {
			return f
		}
	}
	if bytes.HasPrefix(head, magicLegacy) {
		fs.scanPickle(r, size, name, base, depth, compressed, true)
		return FormatPyTorchLegacy
	}
	f := fs.scanPickle(r, size, name, base, depth, compressed, false)
	if (f == FormatNotAModel || f == "") && findEOCD(r, size) >= 0 {
		// Not a pickle, but zip readers that look for the end record
		// (zipfile, np.load of a renamed file) find an archive.
		return fs.scanZip(r, size, name, base, depth, compressed)
	}
	return f
}

func orFile(name string) string {
	if name == "" {
		return "file"
	}
	return name
}

// isPickleEntry says whether a stream found in an archive member is a
// pickle worth an entry: malicious content, or complete pickles that are
// the whole member or import something. Raw tensor bytes that happen to
// parse as a short pickle followed by garbage are data.
func isPickleEntry(res *Result) bool {
	return res.Verdict == Malicious || (res.Pickles > 0 && (res.Err == nil || len(res.Imports) > 0))
}

// scanPickle scans r as a pickle stream (several pickles one after the
// other, joblib inline arrays skipped; for legacy torch files the five
// pickles before the raw storages). It reads a growing prefix so that the
// raw bytes after the pickles are not read. At depth 0, or when name looks
// like a pickle, a non-pickle is reported as an Unknown entry; otherwise
// (archive members: raw storages, text) it is silently data.
func (fs *fileScanner) scanPickle(r io.ReaderAt, size int64, name string, base int64, depth int, compressed, legacy bool) string {
	cfg := streamCfg{}
	jb := &joblibState{}
	if legacy {
		cfg.maxPickles = 5
	} else {
		cfg.afterBuild = jb.hook
	}
	win := min(size, 4096)
	var res *Result
	for {
		if !fs.charge(win, base) {
			return FormatNotAModel
		}
		buf := readAt(r, 0, win)
		jb.reset()
		sbase := base
		if compressed {
			sbase = 0 // offsets in the decompressed bytes
		}
		res = scanStream(buf, sbase, fs.opts, 0, cfg)
		if res.Err == nil || !errors.Is(res.Err, ErrTruncated) || int64(len(buf)) < win || win >= size {
			break
		}
		if win >= fs.maxEntry {
			fs.finding(Finding{Verdict: Suspicious, Code: "resource-limit", Offset: base,
				Text: fmt.Sprintf("%s: pickle stream longer than %d bytes: only its beginning was judged", orFile(name), fs.maxEntry)})
			break
		}
		win = min(size, win*8, fs.maxEntry)
	}
	if jb.seen {
		fs.joblib = true
	}
	format := FormatPickle
	if jb.seen {
		format = FormatJoblib
	}
	if legacy {
		format = FormatPyTorchLegacy
		if res.Pickles < 5 && res.Verdict == Safe {
			res.Findings = append(res.Findings, Finding{Verdict: Unknown, Code: "legacy-incomplete", Offset: res.End,
				Text: fmt.Sprintf("legacy torch file holds %d of the 5 pickles torch.load reads", res.Pickles)})
			res.Verdict = Unknown
		}
	}
	if !isPickleEntry(res) {
		switch {
		case looksPickleName(name) || (depth == 0 && (res.Pickles > 0 || len(res.Imports) > 0)):
			fs.addEntry(name, base, compressed, res)
		case depth == 0:
			msg := "not a recognised model format or pickle"
			if res.Err != nil {
				msg += " (" + res.Err.Error() + ")"
			}
			fs.finding(Finding{Verdict: Unknown, Code: "not-a-model", Offset: base, Text: msg})
		}
		if depth == 0 && res.Pickles == 0 {
			return FormatNotAModel
		}
		return ""
	}
	fs.addEntry(name, base, compressed, res)
	// A pickle followed by a zip: zipfile.is_zipfile and torch.load see the
	// zip, pickle.load runs the pickle. Judge both views.
	if !compressed && res.End > 0 && res.End < size && depth <= fs.opts.MaxDepth {
		if zoff := findZipAfter(r, size, res.End); zoff >= 0 {
			fs.finding(Finding{Verdict: Suspicious, Code: "polyglot", Offset: base + zoff,
				Text: orFile(name) + ": pickle/zip polyglot: a zip archive follows the pickle (pickle.load and zip readers see different files); both were judged"})
			fs.scanZip(r, size, name, base, depth+1, compressed)
		}
	}
	return format
}

func looksPickleName(name string) bool {
	if i := strings.LastIndexByte(name, '!'); i >= 0 {
		name = name[i+1:]
	}
	for _, s := range []string{".pkl", ".pickle", "/pickle", "sys_info", "storages", "tensors"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return name == "pickle"
}
