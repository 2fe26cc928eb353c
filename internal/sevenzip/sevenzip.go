// Package sevenzip reads 7z archives from untrusted bytes.
//
// # Safety model
//
// A 7z header is a tree of counts and sizes, each a variable-length
// number that may claim anything up to 2^64. A reader that allocates what
// the header claims can be made to allocate gigabytes by a file of a few
// hundred bytes. This reader allocates nothing sized by a header number
// that was not first checked:
//
//   - The next header is read only when it lies inside the file and is no
//     longer than [Limits.MaxHeader]; its CRC must match.
//   - Every count (pack streams, folders, coders, bind pairs, streams per
//     folder, files, property sizes) is checked against the header bytes
//     left, at the least number of bytes each item takes, and against the
//     limits, before any slice is made for it. Counts that need no bytes
//     (files, the streams of a folder) are bounded by [Limits.MaxEntries].
//   - Sizes are checked for overflow when summed; packed streams must lie
//     inside the file.
//   - An encoded (compressed) header is decoded to at most
//     [Limits.MaxHeader] bytes, growing the buffer as data arrives; at most
//     a few encoded headers may wrap one another, and their decoders share
//     a memory budget of twice MaxHeader.
//   - LZMA and LZMA2 dictionaries are never larger than the bytes the
//     coder can produce (its unpack size) nor than the bytes the caller
//     will read (the remaining [Limits.MaxTotal]), rounded up to 4 KiB: a
//     match cannot reach back further than the data written. A dictionary
//     over [Limits.MaxDict] that cannot be clamped that way is refused
//     with a [*LimitError], and the dictionaries of one folder's coders
//     together stay under MaxDict.
//   - LZMA2 chunk headers are checked before the decoder sees them (lc+lp
//     at most 4, as the format requires), because the decoder allocates
//     new probability tables at every properties reset.
//   - What the decoders allocate (dictionaries, probability tables,
//     compress/bzip2's block, buffers) is metered over a whole walk:
//     MaxTotal + MaxDict + 16 MiB in all, so that thousands of tiny
//     folders or chunks cannot make them allocate without end.
//   - [Archive.Walk] decodes each folder once, sequentially, and stops at
//     the folder's unpack size and at [Limits.MaxTotal] bytes in all.
//
// Live memory is thus the header (at most MaxHeader raw plus MaxHeader
// decoded), the structures parsed from it (bounded by its size and by
// MaxEntries), and one folder's decoders (at most MaxDict of
// dictionaries, plus tables and buffers: at most 4 coders of at most
// 6 MiB each).
//
// Bad input gives an error, never a panic: [ErrFormat] for a malformed
// archive or corrupt data, [*LimitError] for a limit, [*UnsupportedError]
// for a coder that is not implemented (with [ErrEncrypted] for 7zAES), and
// [*ChecksumError] for a CRC mismatch.
//
// Coders decoded: Copy, LZMA, LZMA2, Deflate, BZip2, BCJ (x86) and Delta,
// alone or chained one after the other (up to 4). Coders with several inputs (BCJ2)
// and all others (PPMd, ARM filters, AES, ...) are reported unsupported per
// folder: [Open] still lists the files.
package sevenzip

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"

	"github.com/ulikunitz/xz/lzma"
)

// Limits bound what one archive may cost. Zero fields take the defaults
// of [DefaultLimits].
type Limits struct {
	// MaxTotal bounds the bytes [Archive.Walk] decodes, over all folders
	// (bytes skipped to reach a later file count too).
	MaxTotal int64
	// MaxEntries bounds the number of files (and of streams) in the
	// archive.
	MaxEntries int
	// MaxHeader bounds the header, raw or decoded.
	MaxHeader int64
	// MaxDict bounds an LZMA or LZMA2 dictionary that cannot be clamped to
	// the data it serves.
	MaxDict int64
}

// DefaultLimits: 4 GiB decoded, 65536 entries, a 16 MiB header and a
// 64 MiB dictionary (what xz -9 and 7-Zip -mx9 use).
func DefaultLimits() Limits {
	return Limits{MaxTotal: 4 << 30, MaxEntries: 1 << 16, MaxHeader: 16 << 20, MaxDict: 64 << 20}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxTotal <= 0 {
		l.MaxTotal = d.MaxTotal
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxHeader <= 0 {
		l.MaxHeader = d.MaxHeader
	}
	if l.MaxDict <= 0 {
		l.MaxDict = d.MaxDict
	}
	l.MaxDict = max(l.MaxDict, lzma.MinDictCap) // the decoder's least
	return l
}

// Errors. Concrete errors wrap or match these with errors.Is.
var (
	// ErrFormat: the archive is malformed or its data is corrupt.
	ErrFormat = errors.New("sevenzip: malformed archive")
	// ErrLimit: a [Limits] bound was reached (see [LimitError]).
	ErrLimit = errors.New("sevenzip: limit exceeded")
	// ErrUnsupported: a coder is not implemented (see [UnsupportedError]).
	ErrUnsupported = errors.New("sevenzip: unsupported coder")
	// ErrEncrypted: the data or the header is encrypted.
	ErrEncrypted = errors.New("sevenzip: encrypted")
	// ErrChecksum: decoded data does not match its CRC.
	ErrChecksum = errors.New("sevenzip: checksum mismatch")
)

// LimitError reports a bound of [Limits] that the archive exceeds.
type LimitError struct {
	What  string // "header", "entries", "LZMA dictionary", "decoded bytes", ...
	Value int64  // what the archive asks for (0 when unknown)
	Limit int64
}

func (e *LimitError) Error() string {
	if e.Value > 0 {
		return fmt.Sprintf("sevenzip: %s: %d over the limit of %d", e.What, e.Value, e.Limit)
	}
	return fmt.Sprintf("sevenzip: %s: over the limit of %d", e.What, e.Limit)
}

// Is makes errors.Is(err, ErrLimit) true.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// UnsupportedError names a coder this package does not decode. The file
// list is still read; only the folders using the coder cannot be.
type UnsupportedError struct {
	ID     uint64 // the coder ID, e.g. 0x06F10701 for 7zAES
	Method string // its name ("7zAES", "PPMD", "BCJ2", or the ID in hex)
	Reason string // why, when not simply unknown
}

func (e *UnsupportedError) Error() string {
	s := "sevenzip: unsupported coder " + e.Method
	if e.Encrypted() {
		s = "sevenzip: encrypted with " + e.Method
	}
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	return s
}

// Encrypted says whether the coder is a cipher (IDs 06...).
func (e *UnsupportedError) Encrypted() bool { return e.ID>>24 == 0x06 }

// Is makes errors.Is(err, ErrUnsupported) true, and ErrEncrypted for a
// cipher.
func (e *UnsupportedError) Is(target error) bool {
	return target == ErrUnsupported || (target == ErrEncrypted && e.Encrypted())
}

// ChecksumError reports a file (or the header) whose decoded bytes do not
// match the CRC-32 the archive records. The bytes were already handed to
// the caller when it is reported.
type ChecksumError struct {
	Name      string
	Want, Got uint32
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("sevenzip: %s: CRC-32 %08x, archive says %08x", e.Name, e.Got, e.Want)
}

// Is makes errors.Is(err, ErrChecksum) true.
func (e *ChecksumError) Is(target error) bool { return target == ErrChecksum }

func formatErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, a...)...)
}

// File is one entry of the archive.
type File struct {
	Name string
	// Size is the number of bytes the file holds (0 without a stream).
	Size int64
	// IsDir: a directory (no stream, not marked an empty file).
	IsDir bool
	// IsEmpty: the entry has no stream (an empty file or a directory).
	IsEmpty bool
	// IsAnti: an anti-item (a deletion marker of update archives).
	IsAnti bool
	// Attrib holds the Windows attributes (and Unix mode in the high 16
	// bits when bit 15 is set), when HasAttrib.
	Attrib    uint32
	HasAttrib bool
	// ModTime is the modification time, zero when the archive has none.
	ModTime time.Time
	// CRC is the CRC-32 of the data, when HasCRC.
	CRC    uint32
	HasCRC bool
	// Folder is the index of the folder (solid block) holding the data,
	// -1 without a stream; Offset is where the file begins in the
	// folder's decoded bytes.
	Folder int
	Offset int64
	// PackOffset is the file offset where the folder's packed bytes
	// begin (-1 without a stream).
	PackOffset int64
}

// Archive is an opened 7z archive.
type Archive struct {
	// Files in archive order. Files of one folder are consecutive.
	Files []File

	r   io.ReaderAt
	lim Limits
	si  *streamsInfo
}

const sigHeaderLen = 32

var signature = []byte{'7', 'z', 0xBC, 0xAF, 0x27, 0x1C}

// maxEncodedHeaders bounds encoded headers that decode to encoded headers.
const maxEncodedHeaders = 4

// Open reads the headers of the 7z archive in r (size bytes) and lists
// its files. A folder whose coders are not supported is not an error here:
// [Archive.Walk] reports it for the files it holds. An encrypted header is
// an [*UnsupportedError] matching [ErrEncrypted].
func Open(r io.ReaderAt, size int64, lim Limits) (*Archive, error) {
	lim = lim.withDefaults()
	var sh [sigHeaderLen]byte
	if size < sigHeaderLen {
		return nil, formatErr("%d bytes: shorter than the 32-byte signature header", size)
	}
	if _, err := r.ReadAt(sh[:], 0); err != nil {
		return nil, fmt.Errorf("sevenzip: reading the signature header: %w", err)
	}
	if string(sh[:6]) != string(signature) {
		return nil, formatErr("no 7z signature")
	}
	if sh[6] != 0 {
		return nil, formatErr("format version %d.%d", sh[6], sh[7])
	}
	if got, want := crc32.ChecksumIEEE(sh[12:32]), binary.LittleEndian.Uint32(sh[8:]); got != want {
		return nil, formatErr("start header CRC %08x, header says %08x", got, want)
	}
	nextOff := binary.LittleEndian.Uint64(sh[12:])
	nextSize := binary.LittleEndian.Uint64(sh[20:])
	nextCRC := binary.LittleEndian.Uint32(sh[28:])
	a := &Archive{r: r, lim: lim, si: &streamsInfo{}}
	if nextSize == 0 {
		return a, nil // an empty archive
	}
	avail := uint64(size - sigHeaderLen)
	if nextOff > avail || nextSize > avail-nextOff {
		return nil, formatErr("next header (%d bytes at %d) lies beyond the end of the %d-byte file", nextSize, nextOff, size)
	}
	if nextSize > uint64(lim.MaxHeader) {
		return nil, &LimitError{What: "header size", Value: int64(nextSize), Limit: lim.MaxHeader}
	}
	hdr := make([]byte, nextSize) // inside the file and under MaxHeader
	if _, err := r.ReadAt(hdr, sigHeaderLen+int64(nextOff)); err != nil {
		return nil, fmt.Errorf("sevenzip: reading the header: %w", err)
	}
	if got := crc32.ChecksumIEEE(hdr); got != nextCRC {
		return nil, formatErr("header CRC %08x, start header says %08x", got, nextCRC)
	}
	// Decoding the encoded headers may cost dictionaries and tables up to
	// twice MaxHeader over all rounds.
	hm := newMeter(2*lim.MaxHeader+8<<20, "header decoder memory")
	for round := 0; ; round++ {
		p := &parser{b: hdr, lim: &lim}
		switch id := p.u8(); id {
		case kHeader:
			si, files := p.header(size)
			if p.err != nil {
				return nil, p.err
			}
			a.si, a.Files = si, files
			return a, nil
		case kEncodedHeader:
			if round >= maxEncodedHeaders {
				return nil, formatErr("more than %d nested encoded headers", maxEncodedHeaders)
			}
			si := p.streamsInfo()
			if p.err == nil {
				p.locate(si, size)
			}
			if p.err != nil {
				return nil, p.err
			}
			var err error
			if hdr, err = a.decodeHeader(si, hm); err != nil {
				return nil, err
			}
		default:
			return nil, formatErr("header begins with property %#x, not a header", id)
		}
	}
}

// Method names the coders of f's folder, outermost first ("BCJ LZMA"),
// or "" for a file without a stream.
func (a *Archive) Method(f *File) string {
	if f.Folder < 0 || f.Folder >= len(a.si.folders) {
		return ""
	}
	return a.si.folders[f.Folder].method()
}

// Supported returns nil when f's data can be decoded, or the
// [*UnsupportedError] of its folder's first unsupported coder.
func (a *Archive) Supported(f *File) error {
	if f.Folder < 0 || f.Folder >= len(a.si.folders) {
		return nil
	}
	return a.si.folders[f.Folder].supported()
}
