package sevenzip

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"strings"

	"github.com/ulikunitz/xz/lzma"
)

// Coder IDs.
const (
	idCopy    = 0x00
	idDelta   = 0x03
	idX86     = 0x04 // the xz ID, also accepted in 7z
	idLZMA2   = 0x21
	idLZMA    = 0x030101
	idBCJ     = 0x03030103
	idBCJ2    = 0x0303011B
	idPPMD    = 0x030401
	idDeflate = 0x040108
	idBZip2   = 0x040202
	id7zAES   = 0x06F10701
)

var methodNames = map[uint64]string{
	idCopy: "Copy", idDelta: "Delta", idX86: "BCJ", 0x05: "PPC", 0x06: "IA64", 0x07: "ARM",
	0x08: "ARMT", 0x09: "SPARC", 0x0A: "ARM64", 0x0B: "RISCV", idLZMA2: "LZMA2", idLZMA: "LZMA",
	idBCJ: "BCJ", idBCJ2: "BCJ2", 0x03030205: "PPC", 0x03030401: "IA64", 0x03030501: "ARM",
	0x03030701: "ARMT", 0x03030805: "SPARC", idPPMD: "PPMD", idDeflate: "Deflate",
	0x040109: "Deflate64", idBZip2: "BZip2", 0x04F71101: "ZSTD", 0x04F71102: "Brotli",
	0x04F71104: "LZ4", 0x020302: "Swap2", 0x020304: "Swap4", id7zAES: "7zAES",
}

func methodName(id uint64) string {
	if s, ok := methodNames[id]; ok {
		return s
	}
	return fmt.Sprintf("%#x", id)
}

func (c *coder) supported() error {
	switch c.id {
	case idCopy, idDelta, idX86, idLZMA2, idLZMA, idBCJ, idDeflate, idBZip2:
		if c.numIn != 1 || c.numOut != 1 {
			return &UnsupportedError{ID: c.id, Method: methodName(c.id),
				Reason: fmt.Sprintf("declared with %d inputs and %d outputs", c.numIn, c.numOut)}
		}
		return nil
	case idBCJ2:
		return &UnsupportedError{ID: c.id, Method: methodName(c.id), Reason: "coders with several input streams are not supported"}
	}
	return &UnsupportedError{ID: c.id, Method: methodName(c.id)}
}

// maxChain bounds the coders of a folder that is decoded: real archives
// chain at most three (a filter, a cipher, a compressor), and each LZMA
// coder's tables may take 6 MiB.
const maxChain = 4

func (f *folder) supported() error {
	if len(f.coders) > maxChain {
		return &UnsupportedError{Method: f.method(), Reason: fmt.Sprintf("a chain of %d coders, at most %d are decoded", len(f.coders), maxChain)}
	}
	for i := range f.coders {
		if err := f.coders[i].supported(); err != nil {
			return err
		}
	}
	return nil
}

// method names the coders from the folder's output inward, as 7-Zip
// shows them ("BCJ LZMA"); coders off that chain follow.
func (f *folder) method() string {
	seen := make([]bool, len(f.coders))
	var names []string
	o := f.mainOut
	for range f.coders {
		j, in := f.coderOf(o)
		if j < 0 || seen[j] {
			break
		}
		seen[j] = true
		names = append(names, methodName(f.coders[j].id))
		next := -1
		for _, b := range f.binds {
			if b.in == in {
				next = b.out
			}
		}
		if next < 0 {
			break
		}
		o = next
	}
	for j := range f.coders {
		if !seen[j] {
			names = append(names, methodName(f.coders[j].id))
		}
	}
	return strings.Join(names, " ")
}

// meter bounds the memory decoders allocate: dictionaries, LZMA
// probability tables (allocated again at every LZMA2 properties reset),
// bzip2 blocks and buffers. Live memory is bounded per folder; the meter
// bounds the sum over a walk, so that many tiny folders or chunks cannot
// make the decoders allocate without end.
type meter struct {
	left  int64
	limit int64
	what  string
	err   error // set once the meter is spent
}

func newMeter(limit int64, what string) *meter { return &meter{left: limit, limit: limit, what: what} }

func (m *meter) charge(n int64) error {
	if m.err != nil {
		return m.err
	}
	if n > m.left {
		m.err = &LimitError{What: m.what, Value: m.limit - m.left + n, Limit: m.limit}
		return m.err
	}
	m.left -= n
	return nil
}

// decoderMemory bounds what the decoders of one walk allocate in all: as
// much as may be decoded, plus one folder's worth (its dictionaries and
// tables), so that a small MaxTotal still lets a folder be opened.
func (l Limits) decoderMemory() int64 { return l.MaxTotal + l.MaxDict + 16<<20 }

// Decoder costs charged to the meter, beyond dictionaries.
const (
	costBuffer  = 32 << 10  // a packed stream's read buffer
	costDeflate = 64 << 10  // compress/flate's window and tables
	costBZip2   = 400 << 10 // compress/bzip2, per 100k of block size
	costFixed   = 8 << 10   // decoder state besides tables
)

// lzmaStateCost is what the LZMA decoder allocates for its probability
// tables: 0x300 two-byte probabilities per literal context.
func lzmaStateCost(props byte) int64 {
	lc, lp := int(props%9), int(props/9%5)
	return 2*(0x300<<(lc+lp)) + costFixed
}

// folderSource builds the decoder chain of one folder.
type folderSource struct {
	r     io.ReaderAt
	lim   *Limits
	si    *streamsInfo
	f     *folder
	need  int64 // bytes that will be read at most from the folder's output
	depth int
	m     *meter
	dicts int64 // dictionary bytes the folder may still allocate
}

// openFolder returns a reader of the folder's decoded bytes, cut at its
// unpack size. need bounds the bytes the caller will read (dictionaries
// are not made larger); the decoders' memory is charged to m, and the
// dictionaries of one folder together stay under MaxDict.
func openFolder(r io.ReaderAt, lim *Limits, si *streamsInfo, fi int, need int64, m *meter) (io.Reader, error) {
	f := &si.folders[fi]
	if err := f.supported(); err != nil {
		return nil, err
	}
	fs := &folderSource{r: r, lim: lim, si: si, f: f, need: min(need, f.size()), m: m, dicts: lim.MaxDict}
	dec, err := fs.output(f.mainOut, fs.need)
	if err != nil {
		return nil, err
	}
	return &exactReader{r: dec, n: f.size()}, nil
}

// dict clamps and charges an LZMA dictionary.
func (fs *folderSource) dict(dict uint64, size, need int64) (int, error) {
	d, err := dictFor(dict, size, need, fs.lim)
	if err != nil {
		return 0, err
	}
	if int64(d) > fs.dicts {
		return 0, &LimitError{What: "LZMA dictionaries of one folder", Value: fs.lim.MaxDict - fs.dicts + int64(d), Limit: fs.lim.MaxDict}
	}
	fs.dicts -= int64(d)
	return d, fs.m.charge(int64(d))
}

// output returns a reader of output stream o. need bounds what will be
// read from it.
func (fs *folderSource) output(o int, need int64) (io.Reader, error) {
	fs.depth++
	if fs.depth > len(fs.f.coders) {
		return nil, formatErr("coder chain loops")
	}
	j, in := fs.f.coderOf(o)
	if j < 0 {
		return nil, formatErr("no coder for stream %d", o)
	}
	c := &fs.f.coders[j]
	size := fs.f.unpack[o]
	// A filter's input runs ahead of its output by at most its buffer.
	src, err := fs.input(in, min(size, need)+filterBuf)
	if err != nil {
		return nil, err
	}
	return fs.newDecoder(c, src, size, min(size, need))
}

// input returns a reader of input stream i: another coder's output or a
// packed stream.
func (fs *folderSource) input(i int, need int64) (io.Reader, error) {
	for _, b := range fs.f.binds {
		if b.in == i {
			return fs.output(b.out, need)
		}
	}
	for k, pi := range fs.f.packed {
		if pi == i {
			n := fs.f.firstPack + k
			// bufio's minimum is 16 bytes; a small stream needs no more.
			bs := min(max(fs.si.packSizes[n], 16), costBuffer)
			if err := fs.m.charge(bs); err != nil {
				return nil, err
			}
			sr := io.NewSectionReader(fs.r, fs.si.packOffset[n], fs.si.packSizes[n])
			return bufio.NewReaderSize(sr, int(bs)), nil
		}
	}
	return nil, formatErr("input stream %d is neither bound nor packed", i)
}

// dictFor clamps an LZMA dictionary: a match never reaches further back
// than the bytes written, so no more than the coder's output (or what will
// be read of it) is needed. A larger dictionary is refused only when the
// output could need it.
func dictFor(dict uint64, size, need int64, lim *Limits) (int, error) {
	if dict > uint64(lim.MaxDict) && size > lim.MaxDict && need > lim.MaxDict {
		return 0, &LimitError{What: "LZMA dictionary", Value: int64(dict), Limit: lim.MaxDict}
	}
	d := min(dict, uint64(max(need, 0)), uint64(lim.MaxDict))
	return max(int(d), lzma.MinDictCap), nil
}

// byteReader returns in as an io.ByteReader, buffering it if needed.
func (fs *folderSource) byteReader(in io.Reader) (io.Reader, io.ByteReader, error) {
	if br, ok := in.(io.ByteReader); ok {
		return in, br, nil
	}
	if err := fs.m.charge(costBuffer); err != nil {
		return nil, nil, err
	}
	b := bufio.NewReaderSize(in, costBuffer)
	return b, b, nil
}

func (fs *folderSource) newDecoder(c *coder, in io.Reader, size, need int64) (io.Reader, error) {
	switch c.id {
	case idCopy:
		return in, nil
	case idLZMA:
		if len(c.props) < 5 {
			return nil, formatErr("LZMA properties of %d bytes", len(c.props))
		}
		if c.props[0] >= 9*5*5 {
			return nil, formatErr("LZMA properties byte %#x", c.props[0])
		}
		if err := fs.m.charge(lzmaStateCost(c.props[0])); err != nil {
			return nil, err
		}
		d, err := fs.dict(uint64(binary.LittleEndian.Uint32(c.props[1:])), size, need)
		if err != nil {
			return nil, err
		}
		// 7z stores raw LZMA: give the reader the .lzma header it expects,
		// with the clamped dictionary and the known size.
		var h [lzma.HeaderLen]byte
		h[0] = c.props[0]
		binary.LittleEndian.PutUint32(h[1:], uint32(d))
		binary.LittleEndian.PutUint64(h[5:], uint64(size))
		in, br, err := fs.byteReader(in)
		if err != nil {
			return nil, err
		}
		r, err := lzma.ReaderConfig{DictCap: d}.NewReader(&prefixReader{pre: h[:], r: in, br: br})
		if err != nil {
			return nil, formatErr("LZMA: %v", err)
		}
		return r, nil
	case idLZMA2:
		if len(c.props) < 1 || c.props[0] > 40 {
			return nil, formatErr("LZMA2 properties %x", c.props)
		}
		p := c.props[0]
		dict := uint64(1)<<32 - 1
		if p < 40 {
			dict = uint64(2|p&1) << (p/2 + 11)
		}
		d, err := fs.dict(dict, size, need)
		if err != nil {
			return nil, err
		}
		in, br, err := fs.byteReader(in)
		if err != nil {
			return nil, err
		}
		r, err := lzma.Reader2Config{DictCap: d}.NewReader2(&lzma2Guard{src: in, r: br, m: fs.m})
		if err != nil {
			return nil, formatErr("LZMA2: %v", err)
		}
		return r, nil
	case idDeflate:
		if err := fs.m.charge(costDeflate); err != nil {
			return nil, err
		}
		in, _, err := fs.byteReader(in)
		if err != nil {
			return nil, err
		}
		return flate.NewReader(in), nil
	case idBZip2:
		// compress/bzip2 allocates 4 bytes per byte of the block size
		// its stream header names ("BZh1" to "BZh9").
		in, _, err := fs.byteReader(in)
		if err != nil {
			return nil, err
		}
		level := int64(9)
		if b, ok := in.(*bufio.Reader); ok {
			if h, _ := b.Peek(4); len(h) == 4 && h[3] >= '1' && h[3] <= '9' {
				level = int64(h[3] - '0')
			}
		}
		if err := fs.m.charge(level*costBZip2 + costFixed); err != nil {
			return nil, err
		}
		return bzip2.NewReader(in), nil
	case idBCJ, idX86:
		var start uint32
		switch len(c.props) {
		case 0:
		case 4:
			start = binary.LittleEndian.Uint32(c.props)
		default:
			return nil, formatErr("BCJ properties of %d bytes", len(c.props))
		}
		if err := fs.m.charge(filterBuf); err != nil {
			return nil, err
		}
		return newX86Reader(in, start), nil
	case idDelta:
		if len(c.props) != 1 {
			return nil, formatErr("Delta properties of %d bytes", len(c.props))
		}
		if err := fs.m.charge(costFixed); err != nil {
			return nil, err
		}
		return &deltaReader{r: in, dist: int(c.props[0]) + 1}, nil
	}
	return nil, c.supported()
}

// lzma2Guard passes an LZMA2 stream to the decoder, checking its chunk
// headers on the way: the control byte must be valid and the properties
// must have lc+lp ≤ 4 (the format's rule, which the decoder does not
// check), and every properties reset, at which the decoder allocates new
// probability tables, is charged to the meter.
type lzma2Guard struct {
	src  io.Reader
	r    io.ByteReader // src
	m    *meter
	pend []byte // chunk header bytes not yet passed on
	hdr  [6]byte
	left int64 // chunk payload bytes not yet passed on
	end  bool
	err  error
}

func (g *lzma2Guard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if len(g.pend) == 0 && g.left == 0 {
		if g.end {
			return 0, io.EOF
		}
		if g.err = g.next(); g.err != nil {
			return 0, g.err
		}
	}
	if len(g.pend) > 0 {
		n := copy(p, g.pend)
		g.pend = g.pend[n:]
		return n, nil
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	n, err := g.src.Read(p)
	g.left -= int64(n)
	if err == io.EOF && g.left > 0 {
		err = io.ErrUnexpectedEOF
	}
	if err != nil && err != io.EOF {
		g.err = err
		if n == 0 {
			return 0, err
		}
	}
	return n, nil
}

func (g *lzma2Guard) next() error {
	h := g.hdr[:0]
	get := func(k int) error {
		for i := 0; i < k; i++ {
			c, err := g.r.ReadByte()
			if err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return err
			}
			h = append(h, c)
		}
		return nil
	}
	if err := get(1); err != nil {
		return err
	}
	switch c := h[0]; {
	case c == 0x00:
		g.end = true
	case c == 0x01 || c == 0x02:
		if err := get(2); err != nil {
			return err
		}
		g.left = int64(binary.BigEndian.Uint16(h[1:])) + 1
	case c >= 0x80:
		if err := get(4); err != nil {
			return err
		}
		g.left = int64(binary.BigEndian.Uint16(h[3:])) + 1
		if c >= 0xC0 {
			if err := get(1); err != nil {
				return err
			}
			props := h[5]
			if props >= 9*5*5 || props%9+props/9%5 > 4 {
				return formatErr("LZMA2 chunk properties %#x", props)
			}
			if err := g.m.charge(lzmaStateCost(props)); err != nil {
				return err
			}
		}
	default:
		return formatErr("LZMA2 control byte %#x", c)
	}
	g.pend = h
	return nil
}

// prefixReader reads pre, then r (br is r as a ByteReader).
type prefixReader struct {
	pre []byte
	r   io.Reader
	br  io.ByteReader
}

func (p *prefixReader) Read(b []byte) (int, error) {
	if len(p.pre) > 0 {
		n := copy(b, p.pre)
		p.pre = p.pre[n:]
		return n, nil
	}
	return p.r.Read(b)
}

func (p *prefixReader) ReadByte() (byte, error) {
	if len(p.pre) > 0 {
		c := p.pre[0]
		p.pre = p.pre[1:]
		return c, nil
	}
	return p.br.ReadByte()
}

// exactReader reads exactly n bytes of r: fewer is corrupt data.
type exactReader struct {
	r   io.Reader
	n   int64
	err error
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	if e.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.n {
		p = p[:e.n]
	}
	n, err := e.r.Read(p)
	e.n -= int64(n)
	switch {
	case e.n == 0:
		return n, nil
	case err == io.EOF:
		e.err = formatErr("folder data ends %d bytes early", e.n)
	case err != nil:
		var le *LimitError
		if errors.As(err, &le) || errors.Is(err, ErrFormat) {
			e.err = err
		} else {
			e.err = formatErr("corrupt folder data: %v", err)
		}
	case n == 0:
		e.err = formatErr("decoder returned no data")
	}
	if e.err != nil && n == 0 {
		return 0, e.err
	}
	return n, nil
}

// decodeHeader decodes an encoded header: the first folder of si, at most
// MaxHeader bytes, CRC checked.
func (a *Archive) decodeHeader(si *streamsInfo, m *meter) ([]byte, error) {
	if len(si.folders) != 1 {
		return nil, formatErr("encoded header in %d folders", len(si.folders))
	}
	f := &si.folders[0]
	size := f.size()
	if size > a.lim.MaxHeader {
		return nil, &LimitError{What: "decoded header size", Value: size, Limit: a.lim.MaxHeader}
	}
	if err := m.charge(size); err != nil {
		return nil, err
	}
	r, err := openFolder(a.r, &a.lim, si, 0, size, m)
	if err != nil {
		if errors.Is(err, ErrEncrypted) {
			return nil, fmt.Errorf("header: %w", err)
		}
		return nil, err
	}
	// The buffer grows with the data, not with the size the header claims.
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return nil, fmt.Errorf("decoding the header: %w", err)
	}
	if f.hasCRC {
		if got := crc32.ChecksumIEEE(buf.Bytes()); got != f.crc {
			return nil, &ChecksumError{Name: "encoded header", Want: f.crc, Got: got}
		}
	}
	return buf.Bytes(), nil
}

// eofReader is the reader of a file without data.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// walkState is what Walk shares between the files of a folder.
type walkState struct {
	left   int64 // bytes that may still be decoded
	folder int
	src    io.Reader // the open folder's bytes
	err    error     // sticky error of the open folder
	limit  error     // set when MaxTotal was reached
}

// budgetReader charges the folder's bytes to walkState.left.
type budgetReader struct {
	w   *walkState
	r   io.Reader
	max int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.w.left <= 0 {
		b.w.limit = &LimitError{What: "decoded bytes", Limit: b.max}
		return 0, b.w.limit
	}
	if int64(len(p)) > b.w.left {
		p = p[:b.w.left]
	}
	n, err := b.r.Read(p)
	b.w.left -= int64(n)
	return n, err
}

// fileReader hands out one file of the open folder and checks its CRC.
type fileReader struct {
	w    *walkState
	f    *File
	left int64
	h    hash.Hash32
	done bool
}

func (fr *fileReader) Read(p []byte) (int, error) {
	if fr.w.err != nil {
		return 0, fr.w.err
	}
	if fr.left == 0 {
		if fr.f.HasCRC && !fr.done {
			fr.done = true
			if got := fr.h.Sum32(); got != fr.f.CRC {
				return 0, &ChecksumError{Name: fr.f.Name, Want: fr.f.CRC, Got: got}
			}
		}
		return 0, io.EOF
	}
	if int64(len(p)) > fr.left {
		p = p[:fr.left]
	}
	n, err := fr.w.src.Read(p)
	fr.left -= int64(n)
	fr.h.Write(p[:n])
	if err == io.EOF && fr.left > 0 {
		err = formatErr("%s: data ends %d bytes early", fr.f.Name, fr.left)
	}
	if err != nil && err != io.EOF {
		fr.w.err = err
		return n, err
	}
	return n, nil
}

// Walk decodes the archive's folders one after the other and calls fn for
// every file in archive order, with a reader of the file's bytes (empty
// for a file without data). Each folder is decoded once; bytes of a file
// that fn does not read are decoded and dropped before the next file of
// the same folder.
//
// The reader's errors: an [*UnsupportedError] (from the first Read) when
// the folder's coders cannot be decoded; [ErrFormat] for corrupt data,
// after which the rest of the folder cannot be read; a [*ChecksumError]
// instead of io.EOF when all of a file's bytes were read but do not match
// its CRC (the bytes were already returned: the caller decides); a
// [*LimitError] when [Limits.MaxTotal] bytes have been decoded.
//
// Walk returns fn's first non-nil error, or a [*LimitError] once
// [Limits.MaxTotal] bytes were decoded (after fn has seen the file where
// that happened) or once the decoders have allocated MaxTotal + MaxDict +
// 16 MiB in all (dictionaries, tables, buffers: this bounds the work of
// many tiny folders or LZMA2 chunks), or nil. Other read errors, a
// dictionary over [Limits.MaxDict] among them, are left to fn: Walk goes
// on with the next folder.
func (a *Archive) Walk(fn func(f *File, r io.Reader) error) error {
	w := &walkState{left: a.lim.MaxTotal, folder: -1}
	m := newMeter(a.lim.decoderMemory(), "decoder memory")
	for i := range a.Files {
		f := &a.Files[i]
		if f.Folder < 0 {
			if err := fn(f, eofReader{}); err != nil {
				return err
			}
			continue
		}
		if f.Folder != w.folder {
			w.folder, w.src, w.err = f.Folder, nil, nil
			if w.left <= 0 {
				return &LimitError{What: "decoded bytes", Limit: a.lim.MaxTotal}
			}
			src, err := openFolder(a.r, &a.lim, a.si, f.Folder, w.left, m)
			if m.err != nil {
				return m.err
			}
			if err != nil {
				w.err = err
			} else {
				w.src = &budgetReader{w: w, r: src, max: a.lim.MaxTotal}
			}
		}
		if w.err != nil {
			if err := fn(f, errReader{w.err}); err != nil {
				return err
			}
			continue
		}
		fr := &fileReader{w: w, f: f, left: f.Size, h: crc32.NewIEEE()}
		if err := fn(f, fr); err != nil {
			return err
		}
		if w.limit != nil {
			return w.limit
		}
		if m.err != nil {
			return m.err
		}
		if fr.left > 0 && w.err == nil && f.Offset+f.Size < a.si.folders[f.Folder].size() {
			// Skip the rest of this file to reach the next one of the
			// folder. Its CRC no longer matters.
			if _, err := io.Copy(io.Discard, struct{ io.Reader }{fr}); err != nil && w.err == nil && !errors.Is(err, ErrChecksum) {
				w.err = err
			}
			if w.limit != nil {
				return w.limit
			}
			if m.err != nil {
				return m.err
			}
		}
	}
	return nil
}
