package pickle

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"path"
	"sort"
	"strings"
)

// A tolerant zip reader, as PyTorch's (miniz) is: CRC errors, general
// purpose flag bits (encryption 0x1, 0x20, 0x40) and names that differ
// between the local header and the central directory are ignored (and
// reported). Unlike every zip library it does not open entries by name:
// it takes every central-directory entry by offset and also walks the
// local headers, so duplicate names and entries missing from the central
// directory are all scanned.

var (
	sigLocal   = []byte("PK\x03\x04")
	sigCentral = []byte("PK\x01\x02")
	sigEOCD    = []byte("PK\x05\x06")
	sigEOCD64  = []byte("PK\x06\x06")
	sigLoc64   = []byte("PK\x06\x07")
	sigDesc    = []byte("PK\x07\x08")
)

type zipEntry struct {
	name, localName string
	off             int64 // local header offset in r
	flags           uint16
	method          uint16
	crc             uint32
	csize, usize    int64
	inCentral       bool
	inLocal         bool
	dataStart       int64
	sizeKnown       bool
}

type zipReader struct {
	fs      *fileScanner
	r       io.ReaderAt
	size    int64
	byOff   map[int64]*zipEntry
	cdStart int64 // where the central directory begins (or size)
	label   string
}

const maxGapScan = 64 << 20

func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// findEOCD returns the offset of the end-of-central-directory record, or -1.
func findEOCD(r io.ReaderAt, size int64) int64 {
	tail := min(size, 65535+22)
	b := readAt(r, size-tail, tail)
	for i := len(b) - 22; i >= 0; i-- {
		if bytes.Equal(b[i:i+4], sigEOCD) {
			return size - tail + int64(i)
		}
	}
	return -1
}

// findZipAfter returns the offset of a zip end record after off, or -1.
func findZipAfter(r io.ReaderAt, size, off int64) int64 {
	if e := findEOCD(r, size); e >= off {
		return e
	}
	return -1
}

func (z *zipReader) entry(off int64) *zipEntry {
	e := z.byOff[off]
	if e == nil {
		e = &zipEntry{off: off}
		z.byOff[off] = e
	}
	return e
}

// readCentral parses the central directory; it returns false when there is
// none.
func (z *zipReader) readCentral() bool {
	eocd := findEOCD(z.r, z.size)
	if eocd < 0 {
		z.cdStart = z.size
		return false
	}
	b := readAt(z.r, eocd, 22)
	if len(b) < 22 {
		z.cdStart = z.size
		return false
	}
	count := le16(b[10:]) // 0xffff: the zip64 record holds the real values
	cdSize := int64(le32(b[12:]))
	cdOff := int64(le32(b[16:]))
	end := eocd
	if count == 0xffff || cdSize == 0xffffffff || cdOff == 0xffffffff {
		if loc := readAt(z.r, eocd-20, 20); len(loc) == 20 && bytes.Equal(loc[:4], sigLoc64) {
			p := int64(le64(loc[8:]))
			if rec := readAt(z.r, p, 56); len(rec) == 56 && bytes.Equal(rec[:4], sigEOCD64) {
				cdSize, cdOff = int64(le64(rec[40:])), int64(le64(rec[48:]))
				end = p
			}
		}
	}
	// Data prepended to the archive shifts every offset (as zipfile allows).
	delta := int64(0)
	if s := readAt(z.r, cdOff, 4); !bytes.Equal(s, sigCentral) {
		if d := end - cdSize - cdOff; d > 0 {
			if s := readAt(z.r, cdOff+d, 4); bytes.Equal(s, sigCentral) {
				delta = d
			}
		}
	}
	if delta != 0 {
		z.fs.finding(Finding{Verdict: Suspicious, Code: "zip-prefixed", Offset: delta,
			Text: fmt.Sprintf("%s: %d bytes precede the zip archive", orFile(z.label), delta)})
	}
	z.cdStart = cdOff + delta
	if z.cdStart < 0 || z.cdStart > z.size {
		z.cdStart = z.size
	}
	cdSize = min(cdSize, z.size-z.cdStart)
	if cdSize < 0 {
		return false
	}
	if cdSize > z.fs.maxEntry {
		cdSize = z.fs.maxEntry
	}
	cd := readAt(z.r, z.cdStart, cdSize)
	n := 0
	for p := 0; p+46 <= len(cd) && bytes.Equal(cd[p:p+4], sigCentral); n++ {
		if n >= MaxEntries {
			z.fs.finding(Finding{Verdict: Suspicious, Code: "resource-limit", Text: fmt.Sprintf("%s: more than %d zip entries: the rest were not scanned", orFile(z.label), MaxEntries)})
			break
		}
		h := cd[p:]
		nl, xl, cl := int(le16(h[28:])), int(le16(h[30:])), int(le16(h[32:]))
		if p+46+nl+xl+cl > len(cd) {
			break
		}
		name := string(h[46 : 46+nl])
		csize, usize, loff := int64(le32(h[20:])), int64(le32(h[24:])), int64(le32(h[42:]))
		usize, csize, loff = zip64Extra(h[46+nl:46+nl+xl], usize, csize, loff)
		e := z.entry(loff + delta)
		if e.inCentral {
			// Two central records for one local header: judged once.
			z.fs.finding(Finding{Verdict: Suspicious, Code: "zip-duplicate-entry", Offset: e.off,
				Text: fmt.Sprintf("%s: two central-directory records point to the local header at %d (%q, %q)", orFile(z.label), e.off, e.name, name)})
		} else {
			e.name, e.flags, e.method, e.crc, e.csize, e.usize = name, le16(h[8:]), le16(h[10:]), le32(h[16:]), csize, usize
			e.inCentral, e.sizeKnown = true, true
		}
		p += 46 + nl + xl + cl
	}
	return true
}

// zip64Extra applies the zip64 extended information extra field.
func zip64Extra(x []byte, usize, csize, off int64) (int64, int64, int64) {
	for len(x) >= 4 {
		id, n := le16(x), int(le16(x[2:]))
		if 4+n > len(x) {
			break
		}
		if id == 0x0001 {
			d := x[4 : 4+n]
			if usize == 0xffffffff && len(d) >= 8 {
				usize, d = int64(le64(d)), d[8:]
			}
			if csize == 0xffffffff && len(d) >= 8 {
				csize, d = int64(le64(d)), d[8:]
			}
			if off == 0xffffffff && len(d) >= 8 {
				off = int64(le64(d))
			}
		}
		x = x[4+n:]
	}
	return usize, csize, off
}

// readLocal parses the local header at off; it returns the end of the
// entry's data (and data descriptor) when known, else -1.
func (z *zipReader) readLocal(off int64) (int64, bool) {
	h := readAt(z.r, off, 30)
	if len(h) < 30 || !bytes.Equal(h[:4], sigLocal) {
		return -1, false
	}
	nl, xl := int64(le16(h[26:])), int64(le16(h[28:]))
	nx := readAt(z.r, off+30, nl+xl)
	if int64(len(nx)) < nl+xl {
		return -1, false
	}
	e := z.entry(off)
	first := !e.inLocal
	e.inLocal = true
	e.localName = string(nx[:nl])
	e.dataStart = off + 30 + nl + xl
	lflags := le16(h[6:])
	if !e.inCentral {
		e.name, e.flags, e.method, e.crc = e.localName, lflags, le16(h[8:]), le32(h[14:])
		csize, usize, _ := zip64Extra(nx[nl:], int64(le32(h[18:])), int64(le32(h[22:])), 0)
		e.csize, e.usize = csize, usize
		e.sizeKnown = lflags&0x8 == 0 || csize != 0
	}
	if !first {
		return -1, true
	}
	if !e.sizeKnown {
		// Data descriptor with unknown size and no central record: the data
		// runs up to the next header.
		end := findSig(z.r, e.dataStart, min(z.size, e.dataStart+z.fs.maxEntry), sigLocal, sigCentral, sigEOCD)
		if end < 0 {
			end = z.size
		}
		e.csize, e.usize, e.sizeKnown = end-e.dataStart, end-e.dataStart, true
		if d := readAt(z.r, end-16, 4); bytes.Equal(d, sigDesc) {
			e.csize -= 16
		}
		return end, true
	}
	end := e.dataStart + e.csize
	if e.flags&0x8 != 0 || lflags&0x8 != 0 {
		for _, n := range []int64{16, 24, 12, 20} {
			if s := readAt(z.r, end+n, 4); len(s) == 4 && s[0] == 'P' && s[1] == 'K' {
				end += n
				break
			}
		}
	}
	return end, true
}

// findSig returns the first offset in [from, to) where one of sigs begins.
func findSig(r io.ReaderAt, from, to int64, sigs ...[]byte) int64 {
	const chunk = 1 << 16
	for p := from; p < to; p += chunk - 3 {
		b := readAt(r, p, min(chunk, to-p+3))
		if len(b) < 4 {
			return -1
		}
		for i := 0; i+4 <= len(b); i++ {
			if b[i] != 'P' || b[i+1] != 'K' {
				continue
			}
			for _, s := range sigs {
				if bytes.Equal(b[i:i+4], s) && p+int64(i) < to {
					return p + int64(i)
				}
			}
		}
	}
	return -1
}

// walk follows local headers one after the other from off.
func (z *zipReader) walk(off int64) {
	for n := 0; n < MaxEntries && off >= 0 && off < z.size; n++ {
		if e := z.byOff[off]; e != nil && e.inLocal {
			return
		}
		end, ok := z.readLocal(off)
		if !ok || end < 0 || end <= off {
			return
		}
		off = end
	}
}

// sweep finds local headers in the bytes no known entry covers (before the
// central directory), bounded to maxGapScan bytes.
func (z *zipReader) sweep() {
	type span struct{ a, b int64 }
	var spans []span
	for _, e := range z.byOff {
		if e.inLocal {
			spans = append(spans, span{e.off, e.dataStart + max(e.csize, 0)})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].a < spans[j].a })
	budget := int64(maxGapScan)
	p := int64(0)
	scanGap := func(a, b int64) {
		for a < b && budget > 0 {
			to := min(b, a+budget)
			s := findSig(z.r, a, to, sigLocal)
			budget -= to - a
			if s < 0 {
				return
			}
			if e := z.byOff[s]; e == nil || !e.inLocal {
				z.walk(s)
			}
			a = s + 4
		}
	}
	for _, s := range spans {
		if s.a > p {
			scanGap(p, s.a)
		}
		p = max(p, s.b)
	}
	if p < z.cdStart {
		scanGap(p, z.cdStart)
	}
}

// scanZip scans every entry of a zip archive.
func (fs *fileScanner) scanZip(r io.ReaderAt, size int64, name string, base int64, depth int, compressed bool) string {
	z := &zipReader{fs: fs, r: r, size: size, byOff: map[int64]*zipEntry{}, label: name}
	hasCentral := z.readCentral()
	if !hasCentral {
		fs.finding(Finding{Verdict: Suspicious, Code: "zip-no-central-directory", Offset: base,
			Text: orFile(name) + ": zip archive without a central directory: entries taken from the local headers"})
	}
	offs := make([]int64, 0, len(z.byOff))
	for o := range z.byOff {
		offs = append(offs, o)
	}
	z.walk(0)
	for _, o := range offs {
		z.walk(o)
	}
	z.sweep()

	all := make([]*zipEntry, 0, len(z.byOff))
	for _, e := range z.byOff {
		all = append(all, e)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].off < all[j].off })
	names := map[string]int{}
	var entryNames []string
	nNpy, nFiles, nSaved := 0, 0, 0
	before := len(fs.res.Entries)
	for i, e := range all {
		if i >= MaxEntries {
			break
		}
		at := base + e.off
		lab := joinName(name, e.name)
		switch {
		case !e.inLocal:
			fs.finding(Finding{Verdict: Suspicious, Code: "zip-bad-local-header", Offset: at,
				Text: fmt.Sprintf("%s: central-directory entry %q points to no local header", orFile(name), e.name)})
			continue
		case !e.inCentral && hasCentral:
			fs.finding(Finding{Verdict: Suspicious, Code: "zip-hidden-entry", Offset: at,
				Text: fmt.Sprintf("%s: entry %q is in the local headers only (hidden from the central directory)", orFile(name), e.localName)})
		}
		if e.inCentral && e.localName != e.name {
			fs.finding(Finding{Verdict: Suspicious, Code: "zip-name-mismatch", Offset: at,
				Text: fmt.Sprintf("%s: zip entry name mismatch between local (%q) and central (%q) header", orFile(name), e.localName, e.name)})
		}
		if f := e.flags & (0x1 | 0x20 | 0x40); f != 0 {
			fs.finding(Finding{Verdict: Suspicious, Code: "zip-flag-bits", Offset: at,
				Text: fmt.Sprintf("%s: entry %q has general-purpose flag bits %#x (encryption/patch data), which zipfile refuses and PyTorch ignores; scanned as plain data", orFile(name), e.name, f)})
		}
		names[e.name]++
		if names[e.name] == 2 {
			fs.finding(Finding{Verdict: Suspicious, Code: "zip-duplicate-entry", Offset: at,
				Text: fmt.Sprintf("%s: duplicate entry %q: every copy was scanned", orFile(name), e.name)})
		}
		entryNames = append(entryNames, e.name)
		if strings.HasSuffix(e.name, "/") && e.csize == 0 {
			continue
		}
		nFiles++
		format, crcOK := fs.scanZipEntry(z, e, lab, base, depth, compressed)
		if format == FormatNpy {
			nNpy++
		}
		if format == FormatSavedModel {
			nSaved++
		}
		switch format {
		case FormatZip, FormatPyTorchZip, FormatTorchScript, FormatNpz, FormatTar, FormatPyTorchTar, Format7z:
			fs.finding(Finding{Verdict: Safe, Code: "nested-archive", Offset: at,
				Text: fmt.Sprintf("%s: nested archive (%s), scanned", lab, format)})
		}
		if !crcOK {
			fs.finding(Finding{Verdict: Suspicious, Code: "zip-bad-crc", Offset: at,
				Text: fmt.Sprintf("%s: CRC-32 mismatch (zipfile refuses the entry, PyTorch ignores CRC)", lab)})
		}
	}
	_ = before
	if f := fs.scanKerasZip(z, all, name, base); f != "" {
		return f
	}
	if nSaved > 0 {
		return FormatSavedModel
	}
	return zipFormat(entryNames, nNpy, nFiles)
}

func zipFormat(names []string, nNpy, nFiles int) string {
	ts, pt := false, false
	for _, n := range names {
		b := path.Base(n)
		if b == "constants.pkl" || strings.HasPrefix(n, "code/") || strings.Contains(n, "/code/") {
			ts = true
		}
		if b == "data.pkl" {
			pt = true
		}
	}
	switch {
	case ts:
		return FormatTorchScript
	case pt:
		return FormatPyTorchZip
	case nNpy > 0 && nNpy == nFiles:
		return FormatNpz
	}
	return FormatZip
}

// scanZipEntry scans one entry's content; it returns the content's format
// and false when a pickle entry's CRC-32 does not match.
func (fs *fileScanner) scanZipEntry(z *zipReader, e *zipEntry, lab string, base int64, depth int, compressed bool) (string, bool) {
	csize := min(max(e.csize, 0), z.size-e.dataStart)
	if csize < 0 {
		return "", true
	}
	src := io.NewSectionReader(z.r, e.dataStart, csize)
	n0 := len(fs.res.Entries)
	switch e.method {
	case 0:
		f := fs.scanAny(src, csize, lab, base+e.dataStart, depth+1, compressed)
		ok := true
		if len(fs.res.Entries) > n0 && csize <= fs.maxEntry && fs.charge(csize, base+e.dataStart) {
			ok = crc32.ChecksumIEEE(readAt(src, 0, csize)) == e.crc
		}
		return f, ok
	case 8, 12:
		var dr io.Reader
		if e.method == 8 {
			dr = flate.NewReader(src)
		} else {
			dr, _ = decompressor("bzip2", src)
		}
		lz := &lazyReader{src: dr, limit: fs.maxEntry, fs: fs, at: base + e.dataStart}
		size := e.usize
		if size <= 0 || size > fs.maxEntry {
			size = fs.maxEntry
		}
		f := fs.scanAny(lz, size, lab, base+e.dataStart, depth+1, true)
		ok := true
		if len(fs.res.Entries) > n0 {
			lz.fill(fs.maxEntry)
			if lz.err == io.EOF && int64(len(lz.buf)) <= fs.maxEntry {
				ok = crc32.ChecksumIEEE(lz.buf) == e.crc
			}
		}
		if lz.over {
			fs.finding(Finding{Verdict: Suspicious, Code: "resource-limit", Offset: base + e.dataStart,
				Text: fmt.Sprintf("%s: decompresses to more than %d bytes: only the beginning was judged", lab, fs.maxEntry)})
		}
		return f, ok
	default:
		fs.finding(Finding{Verdict: Unknown, Code: "zip-unsupported-method", Offset: base + e.off,
			Text: fmt.Sprintf("%s: compression method %d not supported: entry not judged", lab, e.method)})
		return "", true
	}
}

// lazyReader is an io.ReaderAt over a decompressed stream: it decompresses
// only as far as it is read (bounded by limit), keeping what it has
// decompressed.
type lazyReader struct {
	src     io.Reader
	buf     []byte
	limit   int64
	err     error
	over    bool
	checked bool
	fs      *fileScanner
	at      int64
}

func (l *lazyReader) fill(upto int64) {
	upto = min(upto, l.limit)
	for int64(len(l.buf)) < upto && l.err == nil {
		n := max(min(upto-int64(len(l.buf)), 1<<20), 4096)
		n = min(n, l.limit-int64(len(l.buf)))
		if !l.fs.charge(n, l.at) {
			l.err = io.ErrUnexpectedEOF
			break
		}
		old := len(l.buf)
		l.buf = append(l.buf, make([]byte, n)...)
		k, err := io.ReadFull(l.src, l.buf[old:])
		l.buf = l.buf[:old+k]
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		l.err = err
	}
	if int64(len(l.buf)) >= l.limit && l.err == nil && !l.checked {
		l.checked = true
		var one [1]byte
		if k, _ := io.ReadFull(l.src, one[:]); k == 1 {
			l.over = true
		}
	}
}

func (l *lazyReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, io.EOF
	}
	l.fill(off + int64(len(p)))
	if off >= int64(len(l.buf)) {
		return 0, io.EOF
	}
	n := copy(p, l.buf[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
