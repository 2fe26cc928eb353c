package sevenzip

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
	"unicode/utf16"
)

// Property IDs of the 7z header.
const (
	kEnd                   = 0x00
	kHeader                = 0x01
	kArchiveProperties     = 0x02
	kAdditionalStreamsInfo = 0x03
	kMainStreamsInfo       = 0x04
	kFilesInfo             = 0x05
	kPackInfo              = 0x06
	kUnpackInfo            = 0x07
	kSubStreamsInfo        = 0x08
	kSize                  = 0x09
	kCRC                   = 0x0A
	kFolder                = 0x0B
	kCodersUnpackSize      = 0x0C
	kNumUnpackStream       = 0x0D
	kEmptyStream           = 0x0E
	kEmptyFile             = 0x0F
	kAnti                  = 0x10
	kName                  = 0x11
	kMTime                 = 0x14
	kWinAttributes         = 0x15
	kEncodedHeader         = 0x17
)

// maxStreams bounds the coders of a folder and their streams, as 7-Zip
// does.
const maxStreams = 64

// maxPackPerEntry: packed streams and coders may number up to 4 per
// entry (a BCJ2 folder has 4 of each).
const maxPackPerEntry = 4

// maxSize bounds every size: sums of two stay below 2^63.
const maxSize = math.MaxInt64 / 2

type coder struct {
	id     uint64
	props  []byte
	numIn  int
	numOut int
}

type bindPair struct{ in, out int }

type folder struct {
	coders  []coder
	binds   []bindPair
	packed  []int   // coder input streams fed by packed streams, in pack order
	unpack  []int64 // size of every coder output stream
	mainOut int     // the output stream not bound: the folder's data
	crc     uint32
	hasCRC  bool

	firstPack int // index of the folder's first packed stream
}

// size is the folder's decoded size.
func (f *folder) size() int64 {
	if f.mainOut >= len(f.unpack) {
		return 0
	}
	return f.unpack[f.mainOut]
}

// coderOf returns the coder producing output stream o and the index of
// its first input stream.
func (f *folder) coderOf(o int) (j, in int) {
	out := 0
	for j, c := range f.coders {
		if o < out+c.numOut {
			return j, in
		}
		out += c.numOut
		in += c.numIn
	}
	return -1, -1
}

type streamsInfo struct {
	packPos    int64
	packSizes  []int64
	packOffset []int64 // file offset of every packed stream
	folders    []folder

	numSub    []int    // streams (files) of every folder
	subSizes  []int64  // every stream, folder by folder
	subCRC    []uint32 // its CRC when subHasCRC
	subHasCRC []bool
}

// parser reads header bytes. Its error is sticky: after the first, every
// read returns zero (kEnd for an ID), so loops end at once, and callers
// check p.err before using what they read.
type parser struct {
	b   []byte
	pos int
	err error
	lim *Limits
	// coders counts the coders of all folders.
	coders int
	// base is the header offset of b[0]; ctx names what b holds.
	base int
	ctx  string
}

func (p *parser) fail(format string, a ...any) {
	if p.err == nil {
		p.err = formatErr("header byte %d: %s%s", p.base+p.pos, p.ctx, fmt.Sprintf(format, a...))
	}
	p.pos = len(p.b)
}

func (p *parser) failWith(err error) {
	if p.err == nil {
		p.err = err
	}
	p.pos = len(p.b)
}

func (p *parser) left() int { return len(p.b) - p.pos }

func (p *parser) u8() byte {
	if p.pos >= len(p.b) {
		p.fail("header ends early")
		return 0
	}
	c := p.b[p.pos]
	p.pos++
	return c
}

func (p *parser) take(n int) []byte {
	if n < 0 || n > p.left() {
		p.fail("%d bytes wanted, %d left", n, p.left())
		return nil
	}
	b := p.b[p.pos : p.pos+n : p.pos+n]
	p.pos += n
	return b
}

func (p *parser) u32() uint32 {
	b := p.take(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (p *parser) u64() uint64 {
	b := p.take(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

// number reads a 7z NUMBER: the leading 1-bits of the first byte count
// the little-endian bytes that follow; the first byte's bits below its
// first 0-bit are the most significant.
func (p *parser) number() uint64 {
	first := p.u8()
	var v uint64
	mask := byte(0x80)
	for i := 0; i < 8; i++ {
		if first&mask == 0 {
			return v | uint64(first&(mask-1))<<(8*i)
		}
		v |= uint64(p.u8()) << (8 * i)
		mask >>= 1
	}
	return v
}

// size reads a NUMBER that is a byte size or offset.
func (p *parser) size(what string) int64 {
	v := p.number()
	if v > maxSize {
		p.fail("%s %d is too large", what, v)
		return 0
	}
	return int64(v)
}

// count reads a NUMBER of items, each taking at least minBytes of the
// header bytes left (0: no bytes): more than fit is malformed, more than
// limit is a LimitError naming what.
func (p *parser) count(what string, minBytes, limit int) int {
	v := p.number()
	if p.err != nil {
		return 0
	}
	if minBytes > 0 && v > uint64(p.left()/minBytes) {
		p.fail("%d %s cannot fit in the %d header bytes left", v, what, p.left())
		return 0
	}
	if v > uint64(limit) {
		p.failWith(&LimitError{What: what, Value: int64(min(v, math.MaxInt64)), Limit: int64(limit)})
		return 0
	}
	return int(v)
}

// small reads a NUMBER that the format bounds by max (an index, a stream
// count).
func (p *parser) small(what string, max int) int {
	v := p.number()
	if p.err != nil {
		return 0
	}
	if v > uint64(max) {
		p.fail("%s %d: at most %d", what, v, max)
		return 0
	}
	return int(v)
}

// skipData skips a property: its size, then that many bytes.
func (p *parser) skipData() {
	p.take(p.count("property bytes", 1, math.MaxInt32))
}

// bits reads a bit vector of n items, most significant bit first.
// definedValues reads a property that some of the n files define: which
// ones (a bit vector, or "all"), a flag that must say the values are in
// the header, and one value of size bytes, read by read, per defined file.
// The values are counted against the bytes left before they are
// allocated.
func definedValues[T any](q *parser, n, size int, read func() T, what string) ([]bool, []T) {
	def := q.optBits(n)
	if q.u8() != 0 {
		q.fail("%s stored outside the header are not supported", what)
		return nil, nil
	}
	k := 0
	for _, d := range def {
		if d {
			k++
		}
	}
	if k > q.left()/size {
		q.fail("%d %s cannot fit in %d bytes", k, what, q.left())
		return nil, nil
	}
	vals := make([]T, n)
	for i, d := range def {
		if d {
			vals[i] = read()
		}
	}
	return def, vals
}

func (p *parser) bits(n int) []bool {
	b := p.take((n + 7) / 8)
	if b == nil {
		return nil
	}
	v := make([]bool, n)
	for i := range v {
		v[i] = b[i/8]&(0x80>>(i%8)) != 0
	}
	return v
}

// optBits reads the AllAreDefined byte, then the vector when it is 0.
func (p *parser) optBits(n int) []bool {
	if p.u8() != 0 {
		v := make([]bool, n) // n was checked by the caller
		for i := range v {
			v[i] = true
		}
		return v
	}
	return p.bits(n)
}

// digests reads n optional CRC-32s.
func (p *parser) digests(n int) ([]uint32, []bool) {
	def := p.optBits(n)
	if p.err != nil {
		return nil, nil
	}
	k := 0
	for _, d := range def {
		if d {
			k++
		}
	}
	if k > p.left()/4 {
		p.fail("%d CRCs cannot fit in the %d header bytes left", k, p.left())
		return nil, nil
	}
	crc := make([]uint32, n)
	for i, d := range def {
		if d {
			crc[i] = p.u32()
		}
	}
	return crc, def
}

// header parses a kHeader (its ID already read).
func (p *parser) header(fileSize int64) (*streamsInfo, []File) {
	id := p.u8()
	if id == kArchiveProperties {
		for p.err == nil && p.u8() != 0 {
			p.skipData()
		}
		id = p.u8()
	}
	if id == kAdditionalStreamsInfo {
		// Only used by External data, which is not supported: parsed to
		// be skipped.
		p.streamsInfo()
		id = p.u8()
	}
	si := &streamsInfo{}
	if id == kMainStreamsInfo {
		si = p.streamsInfo()
		p.locate(si, fileSize)
		id = p.u8()
	}
	var files []File
	if id == kFilesInfo {
		files = p.filesInfo(si)
		id = p.u8()
	}
	if id != kEnd && p.err == nil {
		p.fail("header: unexpected property %#x", id)
	}
	return si, files
}

// streamsInfo parses PackInfo, UnpackInfo and SubStreamsInfo.
func (p *parser) streamsInfo() *streamsInfo {
	si := &streamsInfo{}
	id := p.u8()
	if id == kPackInfo {
		p.packInfo(si)
		id = p.u8()
	}
	if id == kUnpackInfo {
		p.unpackInfo(si)
		id = p.u8()
	}
	if id == kSubStreamsInfo {
		p.subStreamsInfo(si)
		id = p.u8()
	} else {
		p.defaultSubStreams(si)
	}
	if id != kEnd {
		p.fail("streams info: unexpected property %#x", id)
	}
	return si
}

func (p *parser) packInfo(si *streamsInfo) {
	si.packPos = p.size("pack position")
	n := p.count("packed streams", 1, maxPackPerEntry*p.lim.MaxEntries)
	for p.err == nil {
		switch p.u8() {
		case kEnd:
			if si.packSizes == nil && n > 0 {
				p.fail("pack info without sizes")
			}
			return
		case kSize:
			si.packSizes = make([]int64, n) // n ≤ bytes left
			for i := range si.packSizes {
				si.packSizes[i] = p.size("packed size")
			}
		case kCRC:
			p.digests(n) // packed-stream CRCs are not checked
		default:
			p.skipData()
		}
	}
}

func (p *parser) unpackInfo(si *streamsInfo) {
	if id := p.u8(); id != kFolder {
		p.fail("unpack info: property %#x, not folders", id)
		return
	}
	// A folder takes at least 2 bytes: its coder count and one coder.
	n := p.count("folders", 2, p.lim.MaxEntries)
	if p.u8() != 0 {
		p.fail("folders stored outside the header (External) are not supported")
		return
	}
	si.folders = make([]folder, n) // n ≤ bytes left / 2
	for i := range si.folders {
		p.folder(&si.folders[i])
	}
	if id := p.u8(); id != kCodersUnpackSize {
		p.fail("unpack info: property %#x, not unpack sizes", id)
		return
	}
	for i := range si.folders {
		f := &si.folders[i]
		for j := range f.unpack {
			f.unpack[j] = p.size("unpack size")
		}
	}
	for p.err == nil {
		switch p.u8() {
		case kEnd:
			return
		case kCRC:
			crc, def := p.digests(len(si.folders))
			for i := range si.folders {
				if def != nil && def[i] {
					si.folders[i].crc, si.folders[i].hasCRC = crc[i], true
				}
			}
		default:
			p.skipData()
		}
	}
}

func (p *parser) folder(f *folder) {
	nc := p.small("coders in a folder", maxStreams)
	if p.err == nil && nc == 0 {
		p.fail("folder without coders")
	}
	if nc > p.left() {
		p.fail("%d coders cannot fit in the %d header bytes left", nc, p.left())
		return
	}
	p.coders += nc
	if p.coders > maxPackPerEntry*p.lim.MaxEntries {
		p.failWith(&LimitError{What: "coders", Value: int64(p.coders), Limit: int64(maxPackPerEntry * p.lim.MaxEntries)})
		return
	}
	f.coders = make([]coder, nc)
	totalIn, totalOut := 0, 0
	for i := range f.coders {
		c := &f.coders[i]
		flags := p.u8()
		if flags&0xC0 != 0 {
			p.fail("coder flags %#x: reserved bits set", flags)
			return
		}
		idLen := int(flags & 0x0F)
		if idLen > 8 {
			p.fail("coder ID of %d bytes", idLen)
			return
		}
		for _, b := range p.take(idLen) {
			c.id = c.id<<8 | uint64(b)
		}
		c.numIn, c.numOut = 1, 1
		if flags&0x10 != 0 {
			c.numIn = p.small("coder input streams", maxStreams)
			c.numOut = p.small("coder output streams", maxStreams)
		}
		if flags&0x20 != 0 {
			c.props = p.take(p.count("coder property bytes", 1, math.MaxInt32))
		}
		totalIn += c.numIn
		totalOut += c.numOut
	}
	if p.err != nil {
		return
	}
	if totalIn > maxStreams || totalOut > maxStreams {
		p.fail("folder with %d input and %d output streams", totalIn, totalOut)
		return
	}
	if totalOut == 0 || totalIn < totalOut {
		p.fail("folder with %d input and %d output streams", totalIn, totalOut)
		return
	}
	// Every output stream but the folder's own feeds one input stream.
	f.binds = make([]bindPair, totalOut-1)
	inBound := make([]bool, totalIn)
	outBound := make([]bool, totalOut)
	for i := range f.binds {
		in := p.small("bind pair input index", totalIn-1)
		out := p.small("bind pair output index", totalOut-1)
		if p.err != nil {
			return
		}
		if inBound[in] || outBound[out] {
			p.fail("stream bound twice")
			return
		}
		inBound[in], outBound[out] = true, true
		f.binds[i] = bindPair{in, out}
	}
	numPacked := totalIn - len(f.binds)
	f.packed = make([]int, numPacked)
	if numPacked == 1 {
		for i, b := range inBound {
			if !b {
				f.packed[0] = i
			}
		}
	} else {
		for i := range f.packed {
			in := p.small("packed stream index", totalIn-1)
			if p.err != nil {
				return
			}
			if inBound[in] {
				p.fail("input stream %d both bound and packed", in)
				return
			}
			inBound[in] = true
			f.packed[i] = in
		}
	}
	for i, b := range outBound {
		if !b {
			f.mainOut = i
		}
	}
	f.unpack = make([]int64, totalOut)
}

func (p *parser) defaultSubStreams(si *streamsInfo) {
	n := len(si.folders)
	if n > p.lim.MaxEntries {
		p.failWith(&LimitError{What: "streams", Value: int64(n), Limit: int64(p.lim.MaxEntries)})
		return
	}
	si.numSub = make([]int, n)
	si.subSizes = make([]int64, n)
	si.subCRC = make([]uint32, n)
	si.subHasCRC = make([]bool, n)
	for i := range si.folders {
		f := &si.folders[i]
		si.numSub[i] = 1
		si.subSizes[i] = f.size()
		si.subCRC[i], si.subHasCRC[i] = f.crc, f.hasCRC
	}
}

func (p *parser) subStreamsInfo(si *streamsInfo) {
	nf := len(si.folders)
	si.numSub = make([]int, nf)
	for i := range si.numSub {
		si.numSub[i] = 1
	}
	total := nf
	id := p.u8()
	if id == kNumUnpackStream {
		total = 0
		for i := range si.numSub {
			n := p.number()
			if n > uint64(p.lim.MaxEntries-total) {
				p.failWith(&LimitError{What: "streams", Limit: int64(p.lim.MaxEntries)})
				return
			}
			si.numSub[i] = int(n)
			total += int(n)
		}
		id = p.u8()
	}
	if total > p.lim.MaxEntries {
		p.failWith(&LimitError{What: "streams", Value: int64(total), Limit: int64(p.lim.MaxEntries)})
		return
	}
	if p.err != nil {
		return
	}
	si.subSizes = make([]int64, 0, total) // total ≤ MaxEntries
	if id == kSize {
		// One size per stream but the last of each folder: at least a
		// byte each.
		if total-nf > p.left() {
			p.fail("%d stream sizes cannot fit in the %d header bytes left", total-nf, p.left())
			return
		}
		for i, n := range si.numSub {
			if n == 0 {
				continue
			}
			fsize := si.folders[i].size()
			var sum int64
			for j := 1; j < n; j++ {
				s := p.size("stream size")
				if s > fsize-sum {
					p.fail("streams of folder %d are larger than its %d bytes", i, fsize)
					return
				}
				sum += s
				si.subSizes = append(si.subSizes, s)
			}
			si.subSizes = append(si.subSizes, fsize-sum)
		}
		id = p.u8()
	} else {
		for i, n := range si.numSub {
			if n > 1 {
				p.fail("folder %d holds %d streams but no sizes are given", i, n)
				return
			}
			if n == 1 {
				si.subSizes = append(si.subSizes, si.folders[i].size())
			}
		}
	}
	si.subCRC = make([]uint32, total)
	si.subHasCRC = make([]bool, total)
	k := 0
	for i, n := range si.numSub {
		if n == 1 && si.folders[i].hasCRC {
			si.subCRC[k], si.subHasCRC[k] = si.folders[i].crc, true
		}
		k += n
	}
	for ; id != kEnd && p.err == nil; id = p.u8() {
		if id != kCRC {
			p.skipData()
			continue
		}
		unknown := 0
		for i, n := range si.numSub {
			if !(n == 1 && si.folders[i].hasCRC) {
				unknown += n
			}
		}
		crc, def := p.digests(unknown)
		if p.err != nil {
			return
		}
		k, u := 0, 0
		for i, n := range si.numSub {
			if n == 1 && si.folders[i].hasCRC {
				k++
				continue
			}
			for j := 0; j < n; j++ {
				si.subCRC[k], si.subHasCRC[k] = crc[u], def[u]
				k++
				u++
			}
		}
	}
}

// locate checks that every folder has its packed streams and that they
// lie inside the file, and records where each begins.
func (p *parser) locate(si *streamsInfo, fileSize int64) {
	if p.err != nil {
		return
	}
	si.packOffset = make([]int64, len(si.packSizes))
	off := sigHeaderLen + si.packPos
	for i, s := range si.packSizes {
		if off > fileSize || s > fileSize-off {
			p.fail("packed stream %d (%d bytes at %d) lies beyond the end of the %d-byte file", i, s, off, fileSize)
			return
		}
		si.packOffset[i] = off
		off += s
	}
	next := 0
	for i := range si.folders {
		f := &si.folders[i]
		f.firstPack = next
		if len(f.packed) > len(si.packSizes)-next {
			p.fail("folder %d has no packed stream", i)
			return
		}
		next += len(f.packed)
	}
}

// filesInfo parses kFilesInfo and assigns the streams to the files.
func (p *parser) filesInfo(si *streamsInfo) []File {
	nsub := len(si.subSizes)
	// A file takes no header bytes when it has a stream, and a bit of
	// the empty-stream vector otherwise.
	v := p.number()
	if p.err != nil {
		return nil
	}
	if v > uint64(p.lim.MaxEntries) {
		p.failWith(&LimitError{What: "entries", Value: int64(min(v, math.MaxInt64)), Limit: int64(p.lim.MaxEntries)})
		return nil
	}
	n := int(v)
	if n > nsub+8*p.left() {
		p.fail("%d files cannot fit in the %d header bytes left", n, p.left())
		return nil
	}
	var emptyStream, emptyFile, anti, attrDef, mtimeDef []bool
	var attrs []uint32
	var mtimes []uint64
	var names []string
	numEmpty := 0
	for p.err == nil {
		t := p.u8()
		if t == kEnd {
			break
		}
		size := p.count("property bytes", 1, math.MaxInt32)
		q := &parser{b: p.take(size), lim: p.lim, base: p.base + p.pos - size, ctx: fmt.Sprintf("file property %#x: ", t)}
		if p.err != nil {
			break
		}
		switch t {
		case kEmptyStream:
			emptyStream = q.bits(n)
			numEmpty = 0
			for _, e := range emptyStream {
				if e {
					numEmpty++
				}
			}
			emptyFile, anti = nil, nil
		case kEmptyFile:
			emptyFile = q.bits(numEmpty)
		case kAnti:
			anti = q.bits(numEmpty)
		case kName:
			names = q.names(n)
		case kWinAttributes:
			attrDef, attrs = definedValues(q, n, 4, q.u32, "attributes")
		case kMTime:
			mtimeDef, mtimes = definedValues(q, n, 8, q.u64, "times")
		default:
			// Creation and access times, kStartPos, kDummy, kComment and
			// unknown properties.
		}
		if q.err != nil {
			p.err = q.err
		}
	}
	if p.err != nil {
		return nil
	}
	if n-numEmpty != nsub {
		p.fail("%d files with data but %d streams", n-numEmpty, nsub)
		return nil
	}
	files := make([]File, n)
	folderIdx, inFolder, sub := 0, 0, 0
	var offset int64
	e := 0 // index among the empty-stream files
	for i := range files {
		f := &files[i]
		f.Folder, f.PackOffset = -1, -1
		if names != nil {
			f.Name = names[i]
		}
		if attrs != nil && attrDef[i] {
			f.Attrib, f.HasAttrib = attrs[i], true
		}
		if mtimes != nil && mtimeDef[i] {
			f.ModTime = fileTime(mtimes[i])
		}
		if emptyStream != nil && emptyStream[i] {
			f.IsEmpty = true
			f.IsDir = !(e < len(emptyFile) && emptyFile[e])
			f.IsAnti = e < len(anti) && anti[e]
			e++
			continue
		}
		for si.numSub[folderIdx] == inFolder {
			folderIdx++
			inFolder, offset = 0, 0
		}
		f.Folder = folderIdx
		f.Offset = offset
		f.Size = si.subSizes[sub]
		f.CRC, f.HasCRC = si.subCRC[sub], si.subHasCRC[sub]
		fo := &si.folders[folderIdx]
		f.PackOffset = si.packOffset[fo.firstPack]
		offset += f.Size
		inFolder++
		sub++
	}
	return files
}

// names decodes n NUL-terminated UTF-16LE names.
func (p *parser) names(n int) []string {
	if p.u8() != 0 {
		p.fail("names stored outside the header are not supported")
		return nil
	}
	b := p.take(p.left())
	if len(b)%2 != 0 {
		p.fail("names: odd byte count %d", len(b))
		return nil
	}
	if n > len(b)/2 {
		p.fail("%d names cannot fit in %d bytes", n, len(b))
		return nil
	}
	names := make([]string, 0, n)
	u := make([]uint16, 0, 64)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c != 0 {
			u = append(u, c)
			continue
		}
		if len(names) == n {
			p.fail("more than %d names", n)
			return nil
		}
		names = append(names, string(utf16.Decode(u)))
		u = u[:0]
	}
	if len(names) != n || len(u) != 0 {
		p.fail("%d names for %d files", len(names), n)
		return nil
	}
	return names
}

// fileTime converts a Windows FILETIME (100 ns units since 1601) to a
// time in UTC.
func fileTime(ft uint64) time.Time {
	const to1970 = 116444736000000000
	t := int64(ft - to1970)
	return time.Unix(t/1e7, t%1e7*100).UTC()
}
