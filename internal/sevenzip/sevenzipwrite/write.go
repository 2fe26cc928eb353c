// Package sevenzipwrite builds small 7z archives for tests; it is used by
// the tests of internal/sevenzip and of the pickle scanner, which make
// their fixtures at run time. It writes what a reader must accept (Copy,
// LZMA, LZMA2 and Deflate folders, solid folders of several files, empty
// files and directories, an LZMA-encoded header) and, through the raw
// fields and [Raw], what a reader must refuse. It is not a general 7z
// writer: everything is held in memory.
package sevenzipwrite

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"unicode/utf16"

	"github.com/ulikunitz/xz/lzma"
)

// Method is how a folder's bytes are compressed.
type Method int

// Methods.
const (
	Copy Method = iota
	LZMA
	LZMA2
	Deflate
)

// Coder IDs the tests use.
const (
	IDCopy    = 0x00
	IDDelta   = 0x03
	IDLZMA2   = 0x21
	IDLZMA    = 0x030101
	IDBCJ     = 0x03030103
	IDBCJ2    = 0x0303011B
	IDPPMD    = 0x030401
	IDDeflate = 0x040108
	IDBZip2   = 0x040202
	IDAES     = 0x06F10701
)

// Coder is a coder as the header names it, for raw folders.
type Coder struct {
	ID    uint64
	Props []byte
}

// File is a file with data.
type File struct {
	Name string
	Data []byte
}

// Folder is one solid block: the bytes of its files one after the other,
// compressed with Method.
type Folder struct {
	Method Method
	Files  []File
	// DictCap is the LZMA or LZMA2 dictionary (default 64 KiB).
	DictCap int

	// Coders, when set, make a raw folder: these coders are written
	// (Coders[0] gives the folder's output, each next one feeds the one
	// before) and Packed is its packed stream, as it is.
	Coders []Coder
	Packed []byte
	// CoderSizes are the unpack sizes of the coders (default: the files'
	// total for every coder).
	CoderSizes []int64
	// BadCRC writes wrong CRCs for the files.
	BadCRC bool
}

// Archive is what [Archive.Bytes] writes.
type Archive struct {
	Folders []Folder
	// Dirs and Empty are entries without data (directories and empty
	// files), listed before the files with data.
	Dirs  []string
	Empty []string
	// EncodeHeader compresses the header with LZMA (kEncodedHeader), as
	// 7-Zip does by default.
	EncodeHeader bool
}

// AppendNumber appends v in the 7z NUMBER encoding.
func AppendNumber(b []byte, v uint64) []byte {
	for n := 0; n < 8; n++ {
		// n extra bytes hold the low 8n bits; the first byte has n
		// leading 1-bits, a 0-bit, and room for 7-n high bits.
		if v < uint64(1)<<(7*(n+1)) {
			high := byte(v >> (8 * n))
			first := ^byte(0xFF>>n) | high
			b = append(b, first)
			for i := 0; i < n; i++ {
				b = append(b, byte(v>>(8*i)))
			}
			return b
		}
	}
	b = append(b, 0xFF)
	return binary.LittleEndian.AppendUint64(b, v)
}

// Raw wraps packed data and header bytes in a signature header whose
// offsets and CRCs are right: for headers made by hand.
func Raw(packed, header []byte) []byte {
	out := make([]byte, 32, 32+len(packed)+len(header))
	copy(out, "7z\xbc\xaf\x27\x1c")
	out[6], out[7] = 0, 4
	binary.LittleEndian.PutUint64(out[12:], uint64(len(packed)))
	binary.LittleEndian.PutUint64(out[20:], uint64(len(header)))
	binary.LittleEndian.PutUint32(out[28:], crc32.ChecksumIEEE(header))
	binary.LittleEndian.PutUint32(out[8:], crc32.ChecksumIEEE(out[12:32]))
	out = append(out, packed...)
	return append(out, header...)
}

// CompressLZMA compresses data as raw LZMA (no .lzma header, no end
// marker) and returns the 5 property bytes 7z stores with it.
func CompressLZMA(data []byte, dict int) (packed, props []byte, err error) {
	var b bytes.Buffer
	w, err := lzma.WriterConfig{Properties: &lzma.Properties{LC: 3, LP: 0, PB: 2}, DictCap: dict,
		SizeInHeader: true, Size: int64(len(data))}.NewWriter(&b)
	if err != nil {
		return nil, nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, nil, err
	}
	if err := w.Close(); err != nil {
		return nil, nil, err
	}
	out := b.Bytes()
	return out[lzma.HeaderLen:], append([]byte(nil), out[:5]...), nil
}

// CompressLZMA2 compresses data as an LZMA2 stream and returns its
// property byte.
func CompressLZMA2(data []byte, dict int) (packed []byte, prop byte, err error) {
	var b bytes.Buffer
	w, err := lzma.Writer2Config{DictCap: dict}.NewWriter2(&b)
	if err != nil {
		return nil, 0, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, 0, err
	}
	if err := w.Close(); err != nil {
		return nil, 0, err
	}
	for p := byte(0); p < 40; p++ {
		if uint64(2|p&1)<<(p/2+11) >= uint64(dict) {
			return b.Bytes(), p, nil
		}
	}
	return b.Bytes(), 40, nil
}

func (f *Folder) encode() (packed []byte, coders []Coder, sizes []int64, err error) {
	var data []byte
	for _, fl := range f.Files {
		data = append(data, fl.Data...)
	}
	if f.Coders != nil {
		sizes = f.CoderSizes
		if sizes == nil {
			sizes = make([]int64, len(f.Coders))
			for i := range sizes {
				sizes[i] = int64(len(data))
			}
		}
		if len(sizes) != len(f.Coders) {
			return nil, nil, nil, errors.New("sevenzipwrite: CoderSizes and Coders differ in length")
		}
		return f.Packed, f.Coders, sizes, nil
	}
	dict := f.DictCap
	if dict == 0 {
		dict = 64 << 10
	}
	sizes = []int64{int64(len(data))}
	switch f.Method {
	case Copy:
		return data, []Coder{{ID: IDCopy}}, sizes, nil
	case LZMA:
		p, props, err := CompressLZMA(data, dict)
		return p, []Coder{{ID: IDLZMA, Props: props}}, sizes, err
	case LZMA2:
		p, prop, err := CompressLZMA2(data, dict)
		return p, []Coder{{ID: IDLZMA2, Props: []byte{prop}}}, sizes, err
	case Deflate:
		var b bytes.Buffer
		w, _ := flate.NewWriter(&b, flate.DefaultCompression)
		w.Write(data)
		if err := w.Close(); err != nil {
			return nil, nil, nil, err
		}
		return b.Bytes(), []Coder{{ID: IDDeflate}}, sizes, nil
	}
	return nil, nil, nil, errors.New("sevenzipwrite: unknown method")
}

func appendCoderID(b []byte, id uint64) []byte {
	n := 0
	for v := id; v > 0; v >>= 8 {
		n++
	}
	if n == 0 && id == 0 {
		n = 1
	}
	for i := n - 1; i >= 0; i-- {
		b = append(b, byte(id>>(8*i)))
	}
	return b
}

// appendFolder writes a chain of coders: coder i reads coder i+1's
// output, the last reads the packed stream.
func appendFolder(b []byte, coders []Coder) []byte {
	b = AppendNumber(b, uint64(len(coders)))
	for _, c := range coders {
		id := appendCoderID(nil, c.ID)
		flags := byte(len(id))
		if len(c.Props) > 0 {
			flags |= 0x20
		}
		b = append(b, flags)
		b = append(b, id...)
		if len(c.Props) > 0 {
			b = AppendNumber(b, uint64(len(c.Props)))
			b = append(b, c.Props...)
		}
	}
	for i := 0; i+1 < len(coders); i++ {
		b = AppendNumber(b, uint64(i))   // input of coder i
		b = AppendNumber(b, uint64(i+1)) // is the output of coder i+1
	}
	return b
}

func appendBits(b []byte, bits []bool) []byte {
	v := make([]byte, (len(bits)+7)/8)
	for i, x := range bits {
		if x {
			v[i/8] |= 0x80 >> (i % 8)
		}
	}
	return append(b, v...)
}

func appendProperty(b []byte, id byte, data []byte) []byte {
	b = append(b, id)
	b = AppendNumber(b, uint64(len(data)))
	return append(b, data...)
}

// Bytes writes the archive.
func (a *Archive) Bytes() ([]byte, error) {
	var packed []byte
	type enc struct {
		packLen int
		coders  []Coder
		sizes   []int64
	}
	encs := make([]enc, len(a.Folders))
	for i := range a.Folders {
		p, coders, sizes, err := a.Folders[i].encode()
		if err != nil {
			return nil, err
		}
		packed = append(packed, p...)
		encs[i] = enc{len(p), coders, sizes}
	}
	h := []byte{0x01} // kHeader
	if len(a.Folders) > 0 {
		h = append(h, 0x04, 0x06) // kMainStreamsInfo, kPackInfo
		h = AppendNumber(h, 0)
		h = AppendNumber(h, uint64(len(a.Folders)))
		h = append(h, 0x09) // kSize
		for _, e := range encs {
			h = AppendNumber(h, uint64(e.packLen))
		}
		h = append(h, 0x00, 0x07, 0x0B) // kEnd, kUnpackInfo, kFolder
		h = AppendNumber(h, uint64(len(a.Folders)))
		h = append(h, 0)
		for _, e := range encs {
			h = appendFolder(h, e.coders)
		}
		h = append(h, 0x0C) // kCodersUnpackSize
		for _, e := range encs {
			for _, s := range e.sizes {
				h = AppendNumber(h, uint64(s))
			}
		}
		h = append(h, 0x00, 0x08, 0x0D) // kEnd, kSubStreamsInfo, kNumUnpackStream
		for _, f := range a.Folders {
			h = AppendNumber(h, uint64(len(f.Files)))
		}
		h = append(h, 0x09) // kSize
		for _, f := range a.Folders {
			for i := 0; i+1 < len(f.Files); i++ {
				h = AppendNumber(h, uint64(len(f.Files[i].Data)))
			}
		}
		h = append(h, 0x0A, 1) // kCRC, all defined
		for _, f := range a.Folders {
			for _, fl := range f.Files {
				c := crc32.ChecksumIEEE(fl.Data)
				if f.BadCRC {
					c ^= 0xdeadbeef
				}
				h = binary.LittleEndian.AppendUint32(h, c)
			}
		}
		h = append(h, 0x00, 0x00) // kEnd of SubStreamsInfo, of StreamsInfo
	}
	var names []string
	var emptyStream, emptyFile []bool
	var attrs []uint32
	for _, d := range a.Dirs {
		names = append(names, d)
		emptyStream, emptyFile = append(emptyStream, true), append(emptyFile, false)
		attrs = append(attrs, 0x10)
	}
	for _, e := range a.Empty {
		names = append(names, e)
		emptyStream, emptyFile = append(emptyStream, true), append(emptyFile, true)
		attrs = append(attrs, 0x20)
	}
	for _, f := range a.Folders {
		for _, fl := range f.Files {
			names = append(names, fl.Name)
			emptyStream = append(emptyStream, false)
			attrs = append(attrs, 0x20)
		}
	}
	if len(names) > 0 {
		h = append(h, 0x05) // kFilesInfo
		h = AppendNumber(h, uint64(len(names)))
		if len(emptyFile) > 0 {
			h = appendProperty(h, 0x0E, appendBits(nil, emptyStream))
			h = appendProperty(h, 0x0F, appendBits(nil, emptyFile))
		}
		nb := []byte{0}
		for _, n := range names {
			for _, u := range utf16.Encode([]rune(n)) {
				nb = binary.LittleEndian.AppendUint16(nb, u)
			}
			nb = append(nb, 0, 0)
		}
		h = appendProperty(h, 0x11, nb)
		ab := []byte{1, 0}
		for _, at := range attrs {
			ab = binary.LittleEndian.AppendUint32(ab, at)
		}
		h = appendProperty(h, 0x15, ab)
		h = append(h, 0x00)
	}
	h = append(h, 0x00) // kEnd of the header
	if !a.EncodeHeader {
		return Raw(packed, h), nil
	}
	ph, props, err := CompressLZMA(h, 64<<10)
	if err != nil {
		return nil, err
	}
	e := []byte{0x17, 0x06} // kEncodedHeader, kPackInfo
	e = AppendNumber(e, uint64(len(packed)))
	e = AppendNumber(e, 1)
	e = append(e, 0x09)
	e = AppendNumber(e, uint64(len(ph)))
	e = append(e, 0x00, 0x07, 0x0B, 0x01, 0x00)
	e = appendFolder(e, []Coder{{ID: IDLZMA, Props: props}})
	e = append(e, 0x0C)
	e = AppendNumber(e, uint64(len(h)))
	e = append(e, 0x0A, 1)
	e = binary.LittleEndian.AppendUint32(e, crc32.ChecksumIEEE(h))
	e = append(e, 0x00, 0x00)
	return Raw(append(packed, ph...), e), nil
}
