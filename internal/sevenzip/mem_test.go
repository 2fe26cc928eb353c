package sevenzip

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/overshare/overshare/internal/sevenzip/sevenzipwrite"
)

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// openAndWalk opens data and reads every file to the end, ignoring errors.
func openAndWalk(data []byte, lim Limits) error {
	a, err := Open(bytes.NewReader(data), int64(len(data)), lim)
	if err != nil {
		return err
	}
	var first error
	err = a.Walk(func(f *File, r io.Reader) error {
		if _, err := io.Copy(io.Discard, r); err != nil && first == nil {
			first = err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return first
}

// TestTinyArchivesAllocateLittle: archives of a few hundred bytes that
// claim a 1.5 GB (or 4 GiB) dictionary, huge unpack sizes or huge counts
// allocate no more than a small, fixed amount (decoder state and 32-64 KiB
// buffers): nothing follows what the header claims.
func TestTinyArchivesAllocateLittle(t *testing.T) {
	text := textFile(1)
	lzmaPacked, lzmaProps, err := sevenzipwrite.CompressLZMA(text, 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	lzma2Packed, _, err := sevenzipwrite.CompressLZMA2(text, 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	const gb15 = 1536 << 20
	lzmaDict := func(dict uint32) []byte {
		p := append([]byte(nil), lzmaProps...)
		binary.LittleEndian.PutUint32(p[1:], dict)
		return p
	}
	raw := func(c sevenzipwrite.Coder, packed []byte, size int64) []byte {
		return build(t, &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{{Coders: []sevenzipwrite.Coder{c}, Packed: packed,
			CoderSizes: []int64{size}, Files: []sevenzipwrite.File{{Name: "weights.bin", Data: text}}}}})
	}
	// An encoded header whose LZMA coder claims 1.5 GB and whose unpack
	// size is size; it decodes to an empty header.
	hdrPacked, _, err := sevenzipwrite.CompressLZMA([]byte{0x01, 0x00}, 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	encoded := func(size uint64) []byte {
		h := []byte{0x17, 0x06, 0x00, 0x01, 0x09}
		h = sevenzipwrite.AppendNumber(h, uint64(len(hdrPacked)))
		h = append(h, 0x00, 0x07, 0x0B, 0x01, 0x00, 0x01, 0x23, 0x03, 0x01, 0x01, 0x05)
		h = append(h, lzmaDict(gb15)...)
		h = append(h, 0x0C)
		h = sevenzipwrite.AppendNumber(h, size)
		h = append(h, 0x00, 0x00)
		return sevenzipwrite.Raw(hdrPacked, h)
	}
	// Hand-made headers with huge counts.
	counts := map[string][]byte{
		"2^62 pack streams":          header(nil, 0x01, 0x04, 0x06, num(0), num(1<<62), 0x09, 0x00),
		"2^62 folders":               header(nil, 0x01, 0x04, 0x07, 0x0B, num(1<<62), 0x00, 0x00),
		"2^62 files":                 header(nil, 0x01, 0x05, num(1<<62), 0x00, 0x00),
		"65536 files in 8 bytes":     header(nil, 0x01, 0x05, num(65536), 0x0E, num(1), 0xFF, 0x00, 0x00),
		"2^62 unpack streams":        header(nil, 0x01, 0x04, 0x07, 0x0B, num(1), 0x00, num(1), 0x01, 0x00, 0x0C, num(5), 0x00, 0x08, 0x0D, num(1<<62), 0x00),
		"2^62 name bytes":            header(nil, 0x01, 0x05, num(1), 0x11, num(1<<62), 0x00),
		"2^62 coder property bytes":  header(nil, 0x01, 0x04, 0x07, 0x0B, num(1), 0x00, num(1), 0x21, 0x21, num(1<<62)),
		"2^62 archive property size": header(nil, 0x01, 0x02, 0x07, num(1<<62), 0x00),
		"next header of 2^62 bytes":  nextHeaderSize(1 << 62),
	}
	rows := []struct {
		name string
		data []byte
	}{
		{"LZMA 1.5 GB dictionary, real size", raw(sevenzipwrite.Coder{ID: sevenzipwrite.IDLZMA, Props: lzmaDict(gb15)}, lzmaPacked, int64(len(text)))},
		{"LZMA 1.5 GB dictionary, 2^40 unpack size", raw(sevenzipwrite.Coder{ID: sevenzipwrite.IDLZMA, Props: lzmaDict(gb15)}, lzmaPacked, 1<<40)},
		{"LZMA 4 GiB dictionary, 2^61 unpack size", raw(sevenzipwrite.Coder{ID: sevenzipwrite.IDLZMA, Props: lzmaDict(math.MaxUint32)}, lzmaPacked, 1<<61)},
		{"LZMA2 4 GiB dictionary, real size", raw(sevenzipwrite.Coder{ID: sevenzipwrite.IDLZMA2, Props: []byte{40}}, lzma2Packed, int64(len(text)))},
		{"LZMA2 1.5 GB dictionary, 2^40 unpack size", raw(sevenzipwrite.Coder{ID: sevenzipwrite.IDLZMA2, Props: []byte{37}}, lzma2Packed, 1<<40)},
		{"Copy, 2^40 unpack size", raw(sevenzipwrite.Coder{ID: sevenzipwrite.IDCopy}, text[:100], 1<<40)},
		{"encoded header, 1.5 GB dictionary, 2^40 bytes", encoded(1 << 40)},
		{"encoded header, 1.5 GB dictionary, real size", encoded(2)},
	}
	for name, data := range counts {
		rows = append(rows, struct {
			name string
			data []byte
		}{name, data})
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			var err error
			n := allocated(func() { err = openAndWalk(r.data, Limits{}) })
			t.Logf("%d-byte archive: allocated %d bytes; %v", len(r.data), n, err)
			if n > 2<<20 {
				t.Errorf("%d-byte archive allocated %d bytes (%v)", len(r.data), n, err)
			}
		})
	}
}

func nextHeaderSize(n uint64) []byte {
	b := sevenzipwrite.Raw(nil, []byte{0x01, 0x00})
	binary.LittleEndian.PutUint64(b[20:], n)
	return fixStartCRC(b)
}

// fixStartCRC recomputes the start header CRC over bytes 12..32.
func fixStartCRC(b []byte) []byte {
	binary.LittleEndian.PutUint32(b[8:], crc32.ChecksumIEEE(b[12:32]))
	return b
}

// TestDictionaryWithinLimits: a dictionary under MaxDict is clamped to
// the data, and one over it is refused only when the data could need it.
func TestDictionaryWithinLimits(t *testing.T) {
	lim := DefaultLimits()
	for _, c := range []struct {
		dict       uint64
		size, need int64
		want       int
		refused    bool
	}{
		{dict: 1 << 16, size: 100, need: 100, want: 4096},
		{dict: 1 << 16, size: 1 << 20, need: 1 << 20, want: 1 << 16},
		{dict: 1536 << 20, size: 10 << 20, need: 10 << 20, want: 10 << 20},
		{dict: 1536 << 20, size: 1 << 40, need: 1 << 20, want: 1 << 20}, // the caller reads at most 1 MiB
		{dict: 1536 << 20, size: 1 << 40, need: 1 << 40, refused: true},
		{dict: 64 << 20, size: 1 << 40, need: 1 << 40, want: 64 << 20},
	} {
		got, err := dictFor(c.dict, c.size, c.need, &lim)
		if (err != nil) != c.refused || (!c.refused && got != c.want) {
			t.Errorf("dict %d size %d need %d: %d, %v", c.dict, c.size, c.need, got, err)
		}
	}
}

// TestDecoderMemoryIsMetered: many tiny folders that each ask for a
// dictionary, or an LZMA2 stream of many chunks that each reset the
// properties, stop at the decoder-memory bound instead of allocating
// without end.
func TestDecoderMemoryIsMetered(t *testing.T) {
	lim := Limits{MaxTotal: 1 << 20, MaxDict: 1 << 20, MaxEntries: 4000}
	text := textFile(1)
	packed, props, err := sevenzipwrite.CompressLZMA(text, 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint32(props[1:], 1<<20)
	var folders []sevenzipwrite.Folder
	for i := 0; i < 2000; i++ {
		// Each claims 1 GiB (so the dictionary is not clamped to the
		// data) and holds 2320 bytes.
		folders = append(folders, sevenzipwrite.Folder{Coders: []sevenzipwrite.Coder{{ID: sevenzipwrite.IDLZMA, Props: props}},
			Packed: packed, CoderSizes: []int64{1 << 30}, Files: []sevenzipwrite.File{{Name: "f", Data: text}}})
	}
	data := build(t, &sevenzipwrite.Archive{Folders: folders})
	var werr error
	n := allocated(func() { werr = openAndWalk(data, lim) })
	t.Logf("2000 folders asking for 1 MiB dictionaries: allocated %d bytes; %v", n, werr)
	if !errors.Is(werr, ErrLimit) || !strings.Contains(werr.Error(), "decoder memory") {
		t.Errorf("err = %v, want the decoder-memory limit", werr)
	}
	if n > uint64(lim.withDefaults().decoderMemory())+8<<20 {
		t.Errorf("allocated %d bytes", n)
	}

	// LZMA2: one chunk with a properties reset, repeated.
	chunk, prop, err := sevenzipwrite.CompressLZMA2(bytes.Repeat([]byte("a"), 50), 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	if chunk[0] < 0xE0 || chunk[len(chunk)-1] != 0 {
		t.Fatalf("unexpected LZMA2 stream %x", chunk)
	}
	chunk = chunk[:len(chunk)-1] // drop the end marker
	var stream []byte
	const chunks = 2000
	for i := 0; i < chunks; i++ {
		stream = append(stream, chunk...)
	}
	stream = append(stream, 0)
	one := func(s []byte, size int64) []byte {
		return build(t, &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{{Coders: []sevenzipwrite.Coder{{ID: sevenzipwrite.IDLZMA2, Props: []byte{prop}}},
			Packed: s, CoderSizes: []int64{size}, Files: []sevenzipwrite.File{{Name: "f", Data: nil}}}}})
	}
	// Unmetered, it decodes: the guard passes valid chunks through.
	_, got, err := walkAll(t, one(stream, 50*chunks), Limits{})
	if err != nil || len(got) != 1 || !bytes.Equal(got[0].data, bytes.Repeat([]byte("a"), 50*chunks)) {
		t.Fatalf("repeated chunks: %v %d bytes", err, len(got[0].data))
	}
	werr = nil
	n = allocated(func() { werr = openAndWalk(one(stream, 50*chunks), Limits{MaxTotal: 1 << 20, MaxDict: 1 << 20}) })
	t.Logf("%d LZMA2 properties resets: allocated %d bytes; %v", chunks, n, werr)
	if !errors.Is(werr, ErrLimit) {
		t.Errorf("LZMA2 resets: %v", werr)
	}
	// Properties with lc+lp > 4 are refused before the decoder sees them.
	bad := append([]byte(nil), stream...)
	bad[5] = 4 + 1*9 + 2*45 // lc=4 lp=1 pb=2
	_, got, err = walkAll(t, one(bad, 50*chunks), Limits{})
	if err != nil || !errors.Is(got[0].readErr, ErrFormat) || !strings.Contains(got[0].readErr.Error(), "LZMA2 chunk properties") {
		t.Errorf("lc+lp=5: %v / %v", err, got[0].readErr)
	}
}

// TestChainDictionaries: the LZMA dictionaries of one folder's coders
// share MaxDict.
func TestChainDictionaries(t *testing.T) {
	text := textFile(1)
	inner, props, err := sevenzipwrite.CompressLZMA(text, 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	outer, props2, err := sevenzipwrite.CompressLZMA(inner, 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(d1, d2 uint32) []byte {
		p1 := append([]byte(nil), props...)
		p2 := append([]byte(nil), props2...)
		binary.LittleEndian.PutUint32(p1[1:], d1)
		binary.LittleEndian.PutUint32(p2[1:], d2)
		return build(t, &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{{
			Coders: []sevenzipwrite.Coder{{ID: sevenzipwrite.IDLZMA, Props: p1}, {ID: sevenzipwrite.IDLZMA, Props: p2}},
			Packed: outer, CoderSizes: []int64{int64(len(text)), int64(len(inner))}, Files: []sevenzipwrite.File{{Name: "f", Data: text}}}}})
	}
	_, got, err := walkAll(t, mk(1<<16, 1<<16), Limits{})
	if err != nil || got[0].readErr != nil || !bytes.Equal(got[0].data, text) {
		t.Fatalf("LZMA of LZMA: %v %v", err, got[0].readErr)
	}
	// With MaxDict 4 KiB, each coder's dictionary (clamped to its data,
	// at least 4 KiB) fits alone but not both.
	_, got, err = walkAll(t, mk(1<<16, 1<<16), Limits{MaxDict: 4096})
	if err != nil || !errors.Is(got[0].readErr, ErrLimit) {
		t.Errorf("two dictionaries over MaxDict: %v %v", err, got[0].readErr)
	}
}

func TestLongChainUnsupported(t *testing.T) {
	var coders []sevenzipwrite.Coder
	var sizes []int64
	for i := 0; i < 5; i++ {
		coders = append(coders, sevenzipwrite.Coder{ID: sevenzipwrite.IDCopy})
		sizes = append(sizes, 5)
	}
	data := build(t, &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{{Coders: coders, Packed: []byte("hello"), CoderSizes: sizes,
		Files: []sevenzipwrite.File{{Name: "f", Data: []byte("hello")}}}}})
	_, got, err := walkAll(t, data, Limits{})
	if err != nil || !errors.Is(got[0].readErr, ErrUnsupported) || !strings.Contains(got[0].readErr.Error(), "chain of 5") {
		t.Errorf("%v %v", err, got[0].readErr)
	}
	// Four are decoded.
	data = build(t, &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{{Coders: coders[:4], Packed: []byte("hello"), CoderSizes: sizes[:4],
		Files: []sevenzipwrite.File{{Name: "f", Data: []byte("hello")}}}}})
	if _, got, err = walkAll(t, data, Limits{}); err != nil || got[0].readErr != nil || string(got[0].data) != "hello" {
		t.Errorf("4 coders: %v %+v", err, got)
	}
}
