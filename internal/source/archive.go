package source

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/overshare/overshare/internal/sevenzip"
	"github.com/overshare/overshare/internal/xzsafe"
)

// Archive formats, as in Fragment.Archive.
const (
	formatZip   = "zip"
	formatTar   = "tar"
	formatGzip  = "gzip"
	formatBzip2 = "bzip2"
	formatXz    = "xz"
	formatZstd  = "zstd"
	format7z    = "7z"
)

// sniff returns the archive format of data from its magic bytes, or "".
func sniff(data []byte) string {
	switch {
	case len(data) >= 4 && string(data[:4]) == "PK\x03\x04",
		len(data) >= 22 && string(data[:4]) == "PK\x05\x06": // empty zip
		return formatZip
	case len(data) >= 3 && data[0] == 0x1f && data[1] == 0x8b && data[2] == 8:
		return formatGzip
	case len(data) >= 10 && string(data[:3]) == "BZh" && data[3] >= '1' && data[3] <= '9' &&
		(string(data[4:10]) == "1AY&SY" || string(data[4:10]) == "\x17\x72\x45\x38\x50\x90"):
		return formatBzip2
	case len(data) >= 6 && string(data[:6]) == "\xfd7zXZ\x00":
		return formatXz
	case len(data) >= 4 && string(data[:4]) == "\x28\xb5\x2f\xfd":
		return formatZstd
	case len(data) >= 32 && string(data[:6]) == "7z\xbc\xaf\x27\x1c":
		return format7z
	case len(data) >= 512 && string(data[257:262]) == "ustar" && tarChecksumOK(data[:512]):
		return formatTar
	}
	return ""
}

// tarChecksumOK checks a tar header block's checksum, so that "ustar" at
// offset 257 of some other file is not taken for a tar.
func tarChecksumOK(h []byte) bool {
	field := strings.TrimRight(strings.TrimSpace(strings.TrimRight(string(h[148:156]), "\x00 ")), "\x00")
	var want int64
	if field == "" {
		return false
	}
	for _, c := range field {
		if c < '0' || c > '7' {
			return false
		}
		want = want*8 + int64(c-'0')
	}
	var sum int64
	for i, c := range h {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int64(c)
	}
	return sum == want
}

// budget is what is left to expand of one top-level input, all levels
// together.
type budget struct {
	top     int // length of the top-level input's path
	bytes   int64
	entries int
	spent   bool // a total limit was hit: expand nothing more
}

// limitKind says which limit a read hit.
type limitKind int

const (
	limitFileSize limitKind = iota
	limitRatio
	limitTotal
)

// limit returns how many bytes one entry or stream of compressed size
// compressed (-1: not compressed) may expand to, and which limit that is.
func (r *reader) limit(compressed int64, b *budget) (int64, limitKind) {
	lim, kind := r.opts.MaxFileSize, limitFileSize
	if b.bytes < lim {
		lim, kind = b.bytes, limitTotal
	}
	if compressed >= 0 {
		ratio := int64(r.opts.MaxArchiveRatio)
		rl := int64(math.MaxInt64)
		if compressed <= math.MaxInt64/ratio {
			rl = compressed * ratio
		}
		rl = max(rl, ratioFloor)
		if rl < lim {
			lim, kind = rl, limitRatio
		}
	}
	return lim, kind
}

// overLimit reports that path went past the limit of kind.
func (r *reader) overLimit(path string, kind limitKind, compressed int64, b *budget) {
	switch kind {
	case limitFileSize:
		r.report(Error{Path: path, Op: OpSkipped, Err: tooLarge(r.opts.MaxFileSize)})
	case limitRatio:
		r.report(Error{Path: path, Op: OpArchive, Err: errorf(ErrArchiveBomb,
			"archive bomb: %d compressed bytes expand more than %d times; not expanded", compressed, r.opts.MaxArchiveRatio)})
	case limitTotal:
		r.report(Error{Path: path, Op: OpArchive, Err: errorf(ErrArchiveBomb,
			"archive bomb: the archive expands to more than %d bytes in total; the rest is not expanded", r.opts.MaxArchiveBytes)})
		b.spent = true
	}
}

// takeEntry counts one archive entry against the budget. It reports and
// returns false when the budget is spent.
func (r *reader) takeEntry(path string, b *budget) bool {
	if b.spent {
		return false
	}
	b.entries--
	if b.entries < 0 {
		r.report(Error{Path: path, Op: OpArchive, Err: errorf(ErrArchiveBomb,
			"archive bomb: more than %d entries; the rest is not expanded", r.opts.MaxArchiveEntries)})
		b.spent = true
		return false
	}
	return true
}

func growSlot(slots *[][]byte, i int) *[]byte {
	for len(*slots) <= i {
		*slots = append(*slots, nil)
	}
	return &(*slots)[i]
}

// entryData emits data, found at path at the given depth, and expands it
// when it is an archive. Only errors that stop the scan are returned.
func (r *reader) entryData(ctx context.Context, data []byte, path, blob string, depth int, b *budget) error {
	format := sniff(data)
	f := &Fragment{Data: data, Path: path, Blob: blob, Binary: isBinary(data), Depth: depth, Archive: format}
	if depth > 0 {
		f.Entry = path[b.top+1:]
	}
	if err := r.emit(f); err != nil {
		return err
	}
	if format == "" {
		return nil
	}
	return r.expand(ctx, data, format, path, blob, depth, b)
}

// expand emits the entries of the archive data (of the given format), found
// at path at the given depth. It is the one function that expands archives
// for files, directories, standard input and git blobs.
func (r *reader) expand(ctx context.Context, data []byte, format, path, blob string, depth int, b *budget) error {
	if r.opts.ArchiveDepth < 0 || b.spent {
		return nil
	}
	if depth >= r.opts.ArchiveDepth {
		r.report(Error{Path: path, Op: OpArchive, Err: errorf(ErrArchiveDepth,
			"%s archive nested deeper than %d levels; not expanded", format, r.opts.ArchiveDepth)})
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	switch format {
	case formatZip:
		return r.expandZip(ctx, data, path, blob, depth, b)
	case formatTar:
		return r.expandTar(ctx, data, path, blob, depth, b)
	case format7z:
		return r.expand7z(ctx, data, path, blob, depth, b)
	default:
		return r.expandStream(ctx, data, format, path, blob, depth, b)
	}
}

func corrupt(format string, err error) error {
	return errorf(ErrArchiveCorrupt, "reading %s: %v", format, err)
}

func (r *reader) expandZip(ctx context.Context, data []byte, path, blob string, depth int, b *budget) error {
	if n, ok := zipEntryCount(data); ok && n > uint64(max(b.entries, 0)) {
		// Refuse before archive/zip builds a File for every entry.
		r.report(Error{Path: path, Op: OpArchive, Err: errorf(ErrArchiveBomb,
			"archive bomb: %d entries, more than the %d allowed; not expanded", n, r.opts.MaxArchiveEntries)})
		b.spent = true
		return nil
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		r.report(Error{Path: path, Op: OpArchive, Err: corrupt(formatZip, err)})
		return nil
	}
	registerZipDecompressors(zr)
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		epath := path + "!" + f.Name
		if !r.takeEntry(epath, b) {
			return nil
		}
		if f.FileInfo().IsDir() || strings.HasSuffix(f.Name, "/") {
			continue
		}
		if f.Flags&0x1 != 0 {
			r.report(Error{Path: epath, Op: OpArchive, Err: errorf(ErrArchiveCorrupt, "encrypted zip entry; not read")})
			continue
		}
		compressed := int64(min(f.CompressedSize64, math.MaxInt64))
		if f.Method == zip.Store {
			compressed = -1 // stored: nothing expands
		}
		lim, kind := r.limit(compressed, b)
		if f.UncompressedSize64 > uint64(lim) {
			// The header already says so: do not even start.
			r.overLimit(epath, kind, compressed, b)
			if b.spent {
				return nil
			}
			continue
		}
		rc, err := f.Open()
		if err != nil {
			r.report(Error{Path: epath, Op: OpArchive, Err: corrupt(formatZip, err)})
			continue
		}
		slot := growSlot(&r.entry, depth+1)
		content, over, rerr := readLimited(rc, int64(f.UncompressedSize64), lim, *slot)
		rc.Close()
		*slot = content
		if over {
			r.overLimit(epath, kind, compressed, b)
			if b.spent {
				return nil
			}
			continue
		}
		b.bytes -= int64(len(content))
		if rerr != nil {
			r.report(Error{Path: epath, Op: OpArchive, Err: corrupt(formatZip, rerr)})
		}
		if len(content) > 0 {
			if err := r.entryData(ctx, content, epath, blob, depth+1, b); err != nil {
				return err
			}
		}
		*slot = trim(*slot)
	}
	return nil
}

func (r *reader) expandTar(ctx context.Context, data []byte, path, blob string, depth int, b *budget) error {
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			r.report(Error{Path: path, Op: OpArchive, Err: corrupt(formatTar, err)})
			return nil
		}
		epath := path + "!" + h.Name
		if !r.takeEntry(epath, b) {
			return nil
		}
		switch h.Typeflag {
		case tar.TypeReg, '\x00', tar.TypeCont, tar.TypeGNUSparse:
		default:
			continue // directories, links, devices: no content
		}
		if h.Size > r.opts.MaxFileSize {
			r.report(Error{Path: epath, Op: OpSkipped, Err: tooLarge(r.opts.MaxFileSize)})
			continue
		}
		// A tar entry is a copy of bytes already counted (the tar itself,
		// or the stream it came out of): it spends no byte budget.
		slot := growSlot(&r.entry, depth+1)
		content, over, rerr := readLimited(tr, h.Size, r.opts.MaxFileSize, *slot)
		*slot = content
		if over {
			r.report(Error{Path: epath, Op: OpSkipped, Err: tooLarge(r.opts.MaxFileSize)})
			continue
		}
		if rerr != nil {
			r.report(Error{Path: epath, Op: OpArchive, Err: corrupt(formatTar, rerr)})
		}
		if len(content) > 0 {
			if err := r.entryData(ctx, content, epath, blob, depth+1, b); err != nil {
				return err
			}
		}
		*slot = trim(*slot)
		if rerr != nil {
			return nil
		}
	}
}

// expand7z expands a 7z archive with the bounded reader of
// internal/sevenzip. Its members are decoded folder by folder; the whole
// archive may expand to the budget left, and to the archive's size times
// the ratio limit.
func (r *reader) expand7z(ctx context.Context, data []byte, path, blob string, depth int, b *budget) error {
	lim, kind := r.limit(int64(len(data)), b)
	if kind == limitFileSize {
		lim, kind = b.bytes, limitTotal // a member over the size limit is skipped, not the archive
	}
	a, err := sevenzip.Open(bytes.NewReader(data), int64(len(data)), sevenzip.Limits{
		MaxTotal: max(lim, 1), MaxEntries: max(b.entries, 1), MaxHeader: max7zHeader, MaxDict: xzsafe.MaxDict})
	switch {
	case errors.Is(err, sevenzip.ErrLimit):
		r.report(Error{Path: path, Op: OpArchive, Err: errorf(ErrArchiveBomb, "archive bomb: %v; not expanded", err)})
		return nil
	case err != nil:
		r.report(Error{Path: path, Op: OpArchive, Err: corrupt(format7z, err)})
		return nil
	}
	err = a.Walk(func(f *sevenzip.File, mr io.Reader) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		epath := path + "!" + f.Name
		if !r.takeEntry(epath, b) {
			return errStopArchive
		}
		if f.IsDir || f.IsEmpty || f.IsAnti {
			return nil
		}
		if err := a.Supported(f); err != nil {
			r.report(Error{Path: epath, Op: OpArchive, Err: errorf(ErrArchiveCorrupt, "7z entry compressed with %s; not read", a.Method(f))})
			return nil
		}
		if f.Size > r.opts.MaxFileSize {
			r.report(Error{Path: epath, Op: OpSkipped, Err: tooLarge(r.opts.MaxFileSize)})
			return nil
		}
		slot := growSlot(&r.entry, depth+1)
		hint := f.Size // a claim: trusted for the buffer only within the archive's limit
		if hint > lim {
			hint = -1
		}
		content, over, rerr := readLimited(mr, hint, r.opts.MaxFileSize, *slot)
		*slot = content
		defer func() { *slot = trim(*slot) }()
		b.bytes -= int64(len(content))
		switch {
		case over:
			r.report(Error{Path: epath, Op: OpSkipped, Err: tooLarge(r.opts.MaxFileSize)})
			return nil
		case errors.Is(rerr, sevenzip.ErrLimit):
			r.overLimit(path, kind, int64(len(data)), b)
			return errStopArchive
		case rerr != nil:
			r.report(Error{Path: epath, Op: OpArchive, Err: corrupt(format7z, rerr)})
		}
		if len(content) == 0 {
			return nil
		}
		return r.entryData(ctx, content, epath, blob, depth+1, b)
	})
	switch {
	case err == nil, errors.Is(err, errStopArchive):
		return nil
	case errors.Is(err, sevenzip.ErrLimit):
		r.overLimit(path, kind, int64(len(data)), b)
		return nil
	}
	return err
}

// max7zHeader bounds a 7z header, raw or decoded.
const max7zHeader = 16 << 20

// errStopArchive ends a walk over an archive's members early; the reason
// has been reported.
var errStopArchive = errors.New("stop expanding the archive")

// expandStream decompresses a single compressed stream. A tar or zip inside
// is expanded in place (its entries are "x.tar.gz!entry"); anything else is
// one entry named after the stream ("notes.txt.gz!notes.txt").
func (r *reader) expandStream(ctx context.Context, data []byte, format, path, blob string, depth int, b *budget) error {
	dec, name, err := decompressor(format, bytes.NewReader(data))
	if err != nil {
		r.report(Error{Path: path, Op: OpArchive, Err: corrupt(format, err)})
		return nil
	}
	compressed := int64(len(data))
	lim, kind := r.limit(compressed, b)
	slot := growSlot(&r.stream, depth)
	out, over, rerr := readLimited(dec, -1, lim, *slot)
	dec.Close()
	*slot = out
	defer func() { *slot = trim(*slot) }()
	if over {
		r.overLimit(path, kind, compressed, b)
		return nil
	}
	b.bytes -= int64(len(out))
	if rerr != nil {
		// Scan what came out before the damage: a truncated log is still
		// worth reading.
		r.report(Error{Path: path, Op: OpArchive, Err: corrupt(format, rerr)})
	}
	if len(out) == 0 {
		return nil
	}
	switch inner := sniff(out); inner {
	case formatTar, formatZip:
		return r.expand(ctx, out, inner, path, blob, depth, b)
	}
	if !r.takeEntry(path, b) {
		return nil
	}
	return r.entryData(ctx, out, path+"!"+innerName(path, format, name), blob, depth+1, b)
}

// innerName names the content of a compressed stream at p: the name the
// gzip header records, else p's base name without the compression
// extension.
func innerName(p, format, recorded string) string {
	if recorded != "" {
		if base := path.Base(strings.ReplaceAll(recorded, "\\", "/")); base != "." && base != "/" {
			return base
		}
	}
	base := p[strings.LastIndexAny(p, "/!")+1:]
	exts := map[string][]string{
		formatGzip:  {".gz", ".z"},
		formatBzip2: {".bz2", ".bz"},
		formatXz:    {".xz"},
		formatZstd:  {".zst", ".zstd"},
	}[format]
	lower := strings.ToLower(base)
	for _, e := range exts {
		if strings.HasSuffix(lower, e) && len(base) > len(e) {
			return base[:len(base)-len(e)]
		}
	}
	return base
}

// decompressor opens a stream of format. name is the file name the stream
// records, if any.
func decompressor(format string, r io.Reader) (io.ReadCloser, string, error) {
	switch format {
	case formatGzip:
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, "", err
		}
		return zr, zr.Name, nil
	case formatBzip2:
		return io.NopCloser(bzip2.NewReader(r)), "", nil
	case formatXz:
		xr, err := xzsafe.NewReader(r)
		if err != nil {
			return nil, "", err
		}
		return io.NopCloser(xr), "", nil
	case formatZstd:
		zr, err := newZstd(r)
		if err != nil {
			return nil, "", err
		}
		return zr, "", nil
	}
	return nil, "", fmt.Errorf("unknown format %q", format)
}

// newZstd opens a zstd stream with bounded memory and no goroutines of its
// own.
func newZstd(r io.Reader) (io.ReadCloser, error) {
	d, err := zstd.NewReader(r,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(128<<20))
	if err != nil {
		return nil, err
	}
	return d.IOReadCloser(), nil
}

// registerZipDecompressors adds the methods that archive/zip lacks (on
// this reader only): bzip2 (12), zstd (93) and xz (95).
func registerZipDecompressors(zr *zip.Reader) {
	zr.RegisterDecompressor(12, func(r io.Reader) io.ReadCloser {
		return io.NopCloser(bzip2.NewReader(r))
	})
	zr.RegisterDecompressor(93, func(r io.Reader) io.ReadCloser {
		d, err := newZstd(r)
		if err != nil {
			return errReader{err}
		}
		return d
	})
	zr.RegisterDecompressor(95, func(r io.Reader) io.ReadCloser {
		xr, err := xzsafe.NewReader(r)
		if err != nil {
			return errReader{err}
		}
		return io.NopCloser(xr)
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
func (e errReader) Close() error             { return nil }

// readLimited reads r to the end into buf, unless it holds more than lim
// bytes: then over is true. hint is the expected size or -1. A read
// error returns what was read before it.
func readLimited(r io.Reader, hint, lim int64, buf []byte) (data []byte, over bool, err error) {
	if hint > lim {
		hint = -1
	}
	data, err = readAll(r, hint, lim, buf)
	if errors.Is(err, ErrTooLarge) {
		return data, true, nil
	}
	return data, false, err
}

// zipEntryCount reads the entry count from a zip's end of central
// directory record (zip64 included), without parsing the directory.
func zipEntryCount(data []byte) (uint64, bool) {
	const eocdLen = 22
	if len(data) < eocdLen {
		return 0, false
	}
	lo := max(0, len(data)-eocdLen-65535)
	i := bytes.LastIndex(data[lo:], []byte("PK\x05\x06"))
	if i < 0 || lo+i+eocdLen > len(data) {
		return 0, false
	}
	e := data[lo+i:]
	n := uint64(binary.LittleEndian.Uint16(e[10:12]))
	if n != 0xffff {
		return n, true
	}
	// zip64: the locator sits just before the record.
	loc := lo + i - 20
	if loc < 0 || string(data[loc:loc+4]) != "PK\x06\x07" {
		return n, true
	}
	off := binary.LittleEndian.Uint64(data[loc+8 : loc+16])
	if off > uint64(len(data)) || uint64(len(data))-off < 56 || string(data[off:off+4]) != "PK\x06\x06" {
		return n, true
	}
	return binary.LittleEndian.Uint64(data[off+32 : off+40]), true
}
