package sevenzip

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/overshare/overshare/internal/sevenzip/sevenzipwrite"
)

type entry struct {
	name    string
	data    []byte
	dir     bool
	empty   bool
	method  string
	readErr error // errors.Is target, nil for a clean read
}

// walkAll opens data and reads every file.
func walkAll(t testing.TB, data []byte, lim Limits) (*Archive, []entry, error) {
	t.Helper()
	a, err := Open(bytes.NewReader(data), int64(len(data)), lim)
	if err != nil {
		return nil, nil, err
	}
	var got []entry
	err = a.Walk(func(f *File, r io.Reader) error {
		b, err := io.ReadAll(r)
		got = append(got, entry{name: f.Name, data: b, dir: f.IsDir, empty: f.IsEmpty, method: a.Method(f), readErr: err})
		return nil
	})
	return a, got, err
}

func build(t testing.TB, a *sevenzipwrite.Archive) []byte {
	t.Helper()
	b, err := a.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func textFile(i int) []byte {
	return bytes.Repeat([]byte(fmt.Sprintf("line %d of a small text file for the sevenzip reader tests\n", i)), 40)
}

// TestRealArchives opens archives made by 7-Zip 26.02 (p7zip-full):
// testdata/*.7z, each under 4 KiB, holding the text files of textFile, an
// empty file, directories and a fake x86 program.
func TestRealArchives(t *testing.T) {
	const progSHA = "a3d8d4c23b004ee839a0583e7d727eb61499843c2fc1687597f27009ded73279"
	nested := []byte("nested file\n")
	rows := []struct {
		file  string
		want  []entry
		isErr error // for all files with data
	}{
		{file: "lzma2_solid.7z", want: []entry{{name: "dir", dir: true, empty: true}, {name: "dir/sub", dir: true, empty: true}, {name: "empty.txt", empty: true},
			{name: "dir/sub/nested.txt", data: nested, method: "LZMA2"}, {name: "file1.txt", data: textFile(1), method: "LZMA2"},
			{name: "file2.txt", data: textFile(2), method: "LZMA2"}, {name: "file3.txt", data: textFile(3), method: "LZMA2"}}},
		{file: "lzma.7z", want: []entry{{name: "file1.txt", data: textFile(1), method: "LZMA"}, {name: "file2.txt", data: textFile(2), method: "LZMA"}}},
		{file: "copy.7z", want: []entry{{name: "dir", dir: true, empty: true}, {name: "dir/sub", dir: true, empty: true}, {name: "empty.txt", empty: true},
			{name: "dir/sub/nested.txt", data: nested, method: "Copy"}, {name: "file1.txt", data: textFile(1), method: "Copy"}}},
		{file: "deflate.7z", want: []entry{{name: "file1.txt", data: textFile(1), method: "Deflate"}, {name: "file2.txt", data: textFile(2), method: "Deflate"}}},
		{file: "bzip2.7z", want: []entry{{name: "file1.txt", data: textFile(1), method: "BZip2"}, {name: "file2.txt", data: textFile(2), method: "BZip2"}}},
		{file: "delta_lzma2.7z", want: []entry{{name: "file1.txt", data: textFile(1), method: "Delta LZMA2"}, {name: "file2.txt", data: textFile(2), method: "Delta LZMA2"}}},
		{file: "bcj_lzma.7z", want: []entry{{name: "file1.txt", data: textFile(1), method: "BCJ LZMA"}, {name: "prog.exe", method: "BCJ LZMA"}}},
		{file: "ppmd.7z", want: []entry{{name: "file1.txt", method: "PPMD", readErr: ErrUnsupported}}},
		{file: "bcj2.7z", want: []entry{{name: "prog.exe", method: "BCJ2 LZMA LZMA LZMA", readErr: ErrUnsupported}}},
		{file: "aes.7z", want: []entry{{name: "file1.txt", method: "LZMA2 7zAES", readErr: ErrEncrypted}}},
	}
	for _, row := range rows {
		t.Run(row.file, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + row.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(data) >= 4096 {
				t.Errorf("fixture of %d bytes: keep them under 4 KiB", len(data))
			}
			_, got, err := walkAll(t, data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(row.want) {
				t.Fatalf("%d files, want %d: %+v", len(got), len(row.want), got)
			}
			for i, w := range row.want {
				g := got[i]
				if g.name != w.name || g.dir != w.dir || g.empty != w.empty || g.method != w.method {
					t.Errorf("file %d: %q dir=%v empty=%v method %q, want %q dir=%v empty=%v method %q", i, g.name, g.dir, g.empty, g.method, w.name, w.dir, w.empty, w.method)
				}
				if w.readErr != nil {
					if !errors.Is(g.readErr, w.readErr) {
						t.Errorf("%s: read error %v, want %v", g.name, g.readErr, w.readErr)
					}
					continue
				}
				if g.readErr != nil {
					t.Errorf("%s: %v", g.name, g.readErr)
				}
				if g.name == "prog.exe" {
					if s := sha256.Sum256(g.data); hex.EncodeToString(s[:]) != progSHA {
						t.Errorf("prog.exe decoded wrong (%d bytes)", len(g.data))
					}
				} else if !bytes.Equal(g.data, w.data) {
					t.Errorf("%s: %d bytes, want %d", g.name, len(g.data), len(w.data))
				}
			}
		})
	}
}

func TestModTime(t *testing.T) {
	data, err := os.ReadFile("testdata/lzma2_solid.7z")
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(bytes.NewReader(data), int64(len(data)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range a.Files {
		if y := f.ModTime.Year(); y < 2020 || y > 2100 {
			t.Errorf("%s: modification time %v", f.Name, f.ModTime)
		}
	}
}

func TestEncryptedNamesUnsupported(t *testing.T) {
	data, err := os.ReadFile("testdata/aes.7z")
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(bytes.NewReader(data), int64(len(data)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var ue *UnsupportedError
	if err := a.Supported(&a.Files[0]); !errors.As(err, &ue) || !ue.Encrypted() || ue.ID != 0x06F10701 || !strings.Contains(err.Error(), "7zAES") {
		t.Errorf("Supported: %v", err)
	}
}

// TestWriterRoundTrip: every method of the test writer, solid folders,
// empty files and directories, plain and encoded headers.
func TestWriterRoundTrip(t *testing.T) {
	big := make([]byte, 300<<10)
	rand.New(rand.NewSource(1)).Read(big[:100<<10]) // incompressible, then zeros
	for _, m := range []sevenzipwrite.Method{sevenzipwrite.Copy, sevenzipwrite.LZMA, sevenzipwrite.LZMA2, sevenzipwrite.Deflate} {
		for _, enc := range []bool{false, true} {
			t.Run(fmt.Sprintf("method%d_encoded%v", m, enc), func(t *testing.T) {
				w := &sevenzipwrite.Archive{
					EncodeHeader: enc,
					Dirs:         []string{"models", "models/sub"},
					Empty:        []string{"models/empty.bin"},
					Folders: []sevenzipwrite.Folder{
						{Method: m, Files: []sevenzipwrite.File{{Name: "a.txt", Data: textFile(1)}, {Name: "b/é.txt", Data: textFile(2)}, {Name: "zero", Data: nil}, {Name: "big.bin", Data: big}}},
						{Method: m, Files: []sevenzipwrite.File{{Name: "c.txt", Data: textFile(3)}}},
					},
				}
				_, got, err := walkAll(t, build(t, w), Limits{})
				if err != nil {
					t.Fatal(err)
				}
				want := []entry{{name: "models", dir: true, empty: true}, {name: "models/sub", dir: true, empty: true}, {name: "models/empty.bin", empty: true},
					{name: "a.txt", data: textFile(1)}, {name: "b/é.txt", data: textFile(2)}, {name: "zero"}, {name: "big.bin", data: big}, {name: "c.txt", data: textFile(3)}}
				if len(got) != len(want) {
					t.Fatalf("%d files, want %d", len(got), len(want))
				}
				for i, w := range want {
					g := got[i]
					if g.name != w.name || g.dir != w.dir || g.empty != w.empty || !bytes.Equal(g.data, w.data) || g.readErr != nil {
						t.Errorf("file %d: %q dir=%v empty=%v %d bytes err %v; want %q dir=%v empty=%v %d bytes", i, g.name, g.dir, g.empty, len(g.data), g.readErr, w.name, w.dir, w.empty, len(w.data))
					}
				}
			})
		}
	}
}

// TestWalkSkipsUnreadBytes: a file fn does not read is skipped to reach
// the next file of the solid folder; one fn reads in part too.
func TestWalkSkipsUnreadBytes(t *testing.T) {
	w := &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{{Method: sevenzipwrite.LZMA2, Files: []sevenzipwrite.File{
		{Name: "a", Data: textFile(1)}, {Name: "b", Data: textFile(2)}, {Name: "c", Data: textFile(3)}}}}}
	data := build(t, w)
	a, err := Open(bytes.NewReader(data), int64(len(data)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Walk(func(f *File, r io.Reader) error {
		switch f.Name {
		case "b":
			buf := make([]byte, 10)
			if _, err := io.ReadFull(r, buf); err != nil || !bytes.Equal(buf, textFile(2)[:10]) {
				t.Errorf("b: %q %v", buf, err)
			}
		case "c":
			b, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(b, textFile(3)) {
				t.Errorf("c: %d bytes %v", len(b), err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// fn's error stops Walk.
	stop := errors.New("stop")
	n := 0
	if err := a.Walk(func(*File, io.Reader) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("Walk returned %v after %d calls", err, n)
	}
}

func TestChecksumMismatch(t *testing.T) {
	w := &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{{Method: sevenzipwrite.LZMA, BadCRC: true,
		Files: []sevenzipwrite.File{{Name: "weights.bin", Data: textFile(1)}, {Name: "other", Data: textFile(2)}}}}}
	_, got, err := walkAll(t, build(t, w), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range got {
		var ce *ChecksumError
		if !errors.As(g.readErr, &ce) || ce.Name != g.name {
			t.Errorf("%s: error %v, want a ChecksumError naming it", g.name, g.readErr)
		}
		if !bytes.Equal(g.data, textFile(i+1)) {
			t.Errorf("%s: the data must still be handed out", g.name)
		}
	}
}

func TestNumber(t *testing.T) {
	for _, v := range []uint64{0, 1, 0x7F, 0x80, 0x3FFF, 0x4000, 1<<21 - 1, 1 << 21, 1<<56 - 1, 1 << 56, 1<<63 + 5, math.MaxUint64} {
		b := sevenzipwrite.AppendNumber(nil, v)
		p := &parser{b: b}
		if got := p.number(); got != v || p.err != nil || p.left() != 0 {
			t.Errorf("%d: encoded %x, decoded %d (err %v, %d left)", v, b, got, p.err, p.left())
		}
		if len(b) > 1 {
			p := &parser{b: b[:len(b)-1]}
			if p.number(); p.err == nil {
				t.Errorf("%d: truncated %x decoded without error", v, b[:len(b)-1])
			}
		}
	}
	// A size over 2^62 is refused.
	p := &parser{b: sevenzipwrite.AppendNumber(nil, 1<<63)}
	if p.size("x"); !errors.Is(p.err, ErrFormat) {
		t.Errorf("size 2^63: %v", p.err)
	}
}

// header builds a raw archive from hand-written header pieces.
func header(packed []byte, parts ...any) []byte {
	var h []byte
	for _, p := range parts {
		switch v := p.(type) {
		case byte:
			h = append(h, v)
		case int:
			h = append(h, byte(v))
		case uint64:
			h = sevenzipwrite.AppendNumber(h, v)
		case []byte:
			h = append(h, v...)
		case string:
			h = append(h, v...)
		default:
			panic(fmt.Sprintf("header part %T", p))
		}
	}
	return sevenzipwrite.Raw(packed, h)
}

func num(v uint64) uint64 { return v }

func TestMalformed(t *testing.T) {
	good := build(t, &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{{Method: sevenzipwrite.Copy, Files: []sevenzipwrite.File{{Name: "a", Data: []byte("hello")}}}}})
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	// One Copy folder of 5 bytes, header pieces before FilesInfo.
	streams := []any{0x01, 0x04, 0x06, num(0), num(1), 0x09, num(5), 0x00, 0x07, 0x0B, num(1), 0x00, num(1), 0x01, 0x00, 0x0C, num(5), 0x00, 0x00}
	withFiles := func(files ...any) []byte {
		return header([]byte("hello"), append(append(append([]any{}, streams...), 0x05), files...)...)
	}
	rows := []struct {
		name string
		data []byte
		want error
	}{
		{"short", good[:20], ErrFormat},
		{"bad signature", mut(func(b []byte) []byte { b[0] = 'X'; return b }), ErrFormat},
		{"start header CRC", mut(func(b []byte) []byte { b[12]++; return b }), ErrFormat},
		{"header CRC", mut(func(b []byte) []byte { b[len(b)-3]++; return b }), ErrFormat},
		{"header beyond end", good[:len(good)-1], ErrFormat},
		{"huge next header offset", header(nil, 0x01, 0x00)[:32], ErrFormat},
		{"not a header", header(nil, 0x42), ErrFormat},
		{"header ends early", header(nil, 0x01, 0x04, 0x06), ErrFormat},
		{"pack streams beyond file", header(nil, 0x01, 0x04, 0x06, num(0), num(1), 0x09, num(1000), 0x00, 0x00, 0x00), ErrFormat},
		{"pack position huge", header(nil, 0x01, 0x04, 0x06, num(math.MaxUint64), num(1), 0x09, num(1), 0x00, 0x00, 0x00), ErrFormat},
		{"2^60 pack streams", header(nil, 0x01, 0x04, 0x06, num(0), num(1<<60), 0x09, 0x00), ErrFormat},
		{"2^60 folders", header(nil, 0x01, 0x04, 0x07, 0x0B, num(1<<60), 0x00), ErrFormat},
		{"external folders", header(nil, 0x01, 0x04, 0x07, 0x0B, num(1), 0x01, num(0)), ErrFormat},
		{"2^40 coders", header(nil, 0x01, 0x04, 0x07, 0x0B, num(1), 0x00, num(1<<40), 0x00), ErrFormat},
		{"no coders", header(nil, 0x01, 0x04, 0x07, 0x0B, num(1), 0x00, num(0), 0x0C, num(0), 0x00, 0x00, 0x00), ErrFormat},
		{"coder reserved flag", header(nil, 0x01, 0x04, 0x07, 0x0B, num(1), 0x00, num(1), 0x81, 0x00), ErrFormat},
		{"coder ID of 9 bytes", header(nil, 0x01, 0x04, 0x07, 0x0B, num(1), 0x00, num(1), 0x09, "123456789"), ErrFormat},
		{"complex coder 2^30 streams", header(nil, 0x01, 0x04, 0x07, 0x0B, num(1), 0x00, num(1), 0x11, 0x00, num(1<<30), num(1)), ErrFormat},
		{"coder props 2^40", header(nil, 0x01, 0x04, 0x07, 0x0B, num(1), 0x00, num(1), 0x21, 0x21, num(1<<40)), ErrFormat},
		{"bind pair out of range", header(nil, 0x01, 0x04, 0x07, 0x0B, num(1), 0x00, num(2), 0x01, 0x00, 0x01, 0x00, num(7), num(1)), ErrFormat},
		{"folder without pack stream", header(nil, 0x01, 0x04, 0x07, 0x0B, num(1), 0x00, num(1), 0x01, 0x00, 0x0C, num(5), 0x00, 0x00, 0x00), ErrFormat},
		{"2^40 unpack streams", header([]byte("hello"), 0x01, 0x04, 0x06, num(0), num(1), 0x09, num(5), 0x00, 0x07, 0x0B, num(1), 0x00, num(1), 0x01, 0x00, 0x0C, num(5), 0x00,
			0x08, 0x0D, num(1<<40), 0x00), ErrLimit},
		{"stream sizes over folder", header([]byte("hello"), 0x01, 0x04, 0x06, num(0), num(1), 0x09, num(5), 0x00, 0x07, 0x0B, num(1), 0x00, num(1), 0x01, 0x00, 0x0C, num(5), 0x00,
			0x08, 0x0D, num(3), 0x09, num(4), num(4), 0x00, 0x00), ErrFormat},
		{"streams without sizes", header([]byte("hello"), 0x01, 0x04, 0x06, num(0), num(1), 0x09, num(5), 0x00, 0x07, 0x0B, num(1), 0x00, num(1), 0x01, 0x00, 0x0C, num(5), 0x00,
			0x08, 0x0D, num(3), 0x00, 0x00), ErrFormat},
		{"2^50 files", withFiles(num(1<<50), 0x00, 0x00), ErrLimit},
		{"files without streams", withFiles(num(3), 0x00, 0x00), ErrFormat},
		{"names too few", withFiles(num(1), 0x11, num(3), 0x00, "a", 0x00, 0x00), ErrFormat},
		{"names odd", withFiles(num(1), 0x11, num(4), 0x00, 0x61, 0x00, 0x00, 0x00), ErrFormat},
		{"property size 2^40", withFiles(num(1), 0x11, num(1<<40), 0x00), ErrFormat},
		{"empty stream vector short", withFiles(num(20), 0x0E, num(1), 0xFF, 0x00, 0x00), ErrFormat},
		{"too many encoded headers", encodedLoop(t), ErrFormat},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			_, _, err := walkAll(t, r.data, Limits{MaxEntries: 1000})
			t.Logf("%v", err)
			if !errors.Is(err, r.want) {
				t.Errorf("err = %v, want %v", err, r.want)
			}
		})
	}
}

// copyEncodedHeader is an encoded header (kEncodedHeader) whose content
// is the packed stream at pos, stored with the Copy coder, of inner's
// length; with crc its CRC is written too.
func copyEncodedHeader(pos int, inner []byte, crc bool) []byte {
	h := []byte{0x17, 0x06}
	h = sevenzipwrite.AppendNumber(h, uint64(pos))
	h = append(h, 0x01, 0x09)
	h = sevenzipwrite.AppendNumber(h, uint64(len(inner)))
	h = append(h, 0x00, 0x07, 0x0B, 0x01, 0x00, 0x01, 0x01, 0x00, 0x0C)
	h = sevenzipwrite.AppendNumber(h, uint64(len(inner)))
	if crc {
		h = append(h, 0x0A, 0x01)
		h = binary.LittleEndian.AppendUint32(h, crc32.ChecksumIEEE(inner))
	}
	return append(h, 0x00, 0x00)
}

// encodedLoop is an encoded header that decodes to itself... as near as
// can be: an encoded header whose content is another encoded header, five
// deep.
func encodedLoop(t *testing.T) []byte {
	inner := []byte{0x01, 0x00}
	var packed []byte
	for i := 0; i < 6; i++ {
		// inner is stored (Copy) as a packed stream; the new header points
		// at it.
		pos := len(packed)
		packed = append(packed, inner...)
		inner = copyEncodedHeader(pos, inner, false)
	}
	return sevenzipwrite.Raw(packed, inner)
}

func TestEncodedHeaderChain(t *testing.T) {
	// Three levels are accepted: the reader loops a bounded number of
	// times, not once.
	inner := build(t, &sevenzipwrite.Archive{})
	h := inner[32:]
	packed := []byte{}
	for i := 0; i < 3; i++ {
		pos := len(packed)
		packed = append(packed, h...)
		h = copyEncodedHeader(pos, h, true)
	}
	a, err := Open(bytes.NewReader(sevenzipwrite.Raw(packed, h)), int64(32+len(packed)+len(h)), Limits{})
	if err != nil || len(a.Files) != 0 {
		t.Fatalf("%v", err)
	}
}

func TestCorruptData(t *testing.T) {
	for _, m := range []sevenzipwrite.Method{sevenzipwrite.LZMA, sevenzipwrite.LZMA2, sevenzipwrite.Deflate} {
		w := &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{{Method: m, Files: []sevenzipwrite.File{{Name: "a", Data: textFile(1)}, {Name: "b", Data: textFile(2)}}}}}
		data := build(t, w)
		// Truncate the packed stream by claiming a larger unpack size:
		// the decoder runs out of data.
		f := w.Folders[0]
		packed, coders, _, _ := encodeFolder(t, &f)
		raw := &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{{Coders: coders, Packed: packed[:len(packed)/2],
			CoderSizes: []int64{int64(len(textFile(1)) * 2)}, Files: f.Files}}}
		_, got, err := walkAll(t, build(t, raw), Limits{})
		if err != nil {
			t.Fatalf("method %d: %v", m, err)
		}
		if !errors.Is(got[0].readErr, ErrFormat) && !errors.Is(got[1].readErr, ErrFormat) {
			t.Errorf("method %d: truncated data read without ErrFormat: %v / %v", m, got[0].readErr, got[1].readErr)
		}
		// Flip bytes in the packed data: an error or a CRC mismatch, never
		// a panic.
		for i := 40; i < len(data)-60; i += 7 {
			c := append([]byte(nil), data...)
			c[i] ^= 0x55
			walkAll(t, c, Limits{})
		}
	}
}

func encodeFolder(t *testing.T, f *sevenzipwrite.Folder) ([]byte, []sevenzipwrite.Coder, []int64, error) {
	t.Helper()
	var all []byte
	for _, fl := range f.Files {
		all = append(all, fl.Data...)
	}
	switch f.Method {
	case sevenzipwrite.LZMA:
		p, props, err := sevenzipwrite.CompressLZMA(all, 1<<16)
		return p, []sevenzipwrite.Coder{{ID: sevenzipwrite.IDLZMA, Props: props}}, nil, err
	case sevenzipwrite.LZMA2:
		p, prop, err := sevenzipwrite.CompressLZMA2(all, 1<<16)
		return p, []sevenzipwrite.Coder{{ID: sevenzipwrite.IDLZMA2, Props: []byte{prop}}}, nil, err
	}
	// Deflate: written by the writer; take it back out of an archive.
	b := build(t, &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{*f}})
	a, err := Open(bytes.NewReader(b), int64(len(b)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return b[32 : 32+a.si.packSizes[0]], []sevenzipwrite.Coder{{ID: sevenzipwrite.IDDeflate}}, nil, nil
}

func TestLimits(t *testing.T) {
	files := []sevenzipwrite.File{{Name: "a", Data: textFile(1)}, {Name: "b", Data: textFile(2)}, {Name: "c", Data: textFile(3)}}
	data := build(t, &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{{Method: sevenzipwrite.LZMA2, Files: files}}})
	// MaxTotal: the second file is cut; Walk returns the LimitError.
	lim := Limits{MaxTotal: int64(len(textFile(1)) + 100)}
	_, got, err := walkAll(t, data, lim)
	if !errors.Is(err, ErrLimit) {
		t.Errorf("MaxTotal: Walk returned %v", err)
	}
	if len(got) != 2 || got[0].readErr != nil || len(got[1].data) != 100 || !errors.Is(got[1].readErr, ErrLimit) {
		t.Errorf("MaxTotal: %+v", got)
	}
	// MaxEntries.
	if _, _, err := walkAll(t, data, Limits{MaxEntries: 2}); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxEntries: %v", err)
	}
	// MaxHeader, raw and encoded.
	if _, _, err := walkAll(t, data, Limits{MaxHeader: 20}); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxHeader: %v", err)
	}
	enc := build(t, &sevenzipwrite.Archive{EncodeHeader: true, Folders: []sevenzipwrite.Folder{{Method: sevenzipwrite.LZMA2, Files: files}}})
	if _, _, err := walkAll(t, enc, Limits{MaxHeader: 60}); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxHeader (encoded): %v", err)
	}
	// MaxDict: a 128 MiB dictionary for 200 MiB claimed.
	packed, props, err := sevenzipwrite.CompressLZMA(textFile(1), 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint32(props[1:], 128<<20)
	big := build(t, &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{{Coders: []sevenzipwrite.Coder{{ID: sevenzipwrite.IDLZMA, Props: props}},
		Packed: packed, CoderSizes: []int64{200 << 20}, Files: []sevenzipwrite.File{{Name: "x", Data: make([]byte, 0)}}}}})
	_, got, err = walkAll(t, big, Limits{})
	var le *LimitError
	if err != nil || len(got) != 1 || !errors.As(got[0].readErr, &le) || le.What != "LZMA dictionary" {
		t.Errorf("MaxDict: %v %+v", err, got)
	}
}

// TestX86RoundTrip: the BCJ decoder undoes the encoder across buffer
// boundaries, with reads of every size.
func TestX86RoundTrip(t *testing.T) {
	rnd := rand.New(rand.NewSource(3))
	src := make([]byte, 200<<10)
	for i := range src {
		switch rnd.Intn(6) {
		case 0:
			src[i] = 0xE8
		case 1:
			src[i] = 0xE9
		case 2:
			src[i] = 0
		case 3:
			src[i] = 0xFF
		default:
			src[i] = byte(rnd.Intn(256))
		}
	}
	enc := append([]byte(nil), src...)
	var s x86State
	n := x86Convert(enc, &s, true)
	if n < len(enc)-4 {
		t.Fatalf("converted %d of %d", n, len(enc))
	}
	if bytes.Equal(enc, src) {
		t.Fatal("the encoder changed nothing")
	}
	for _, r := range []io.Reader{bytes.NewReader(enc), iotest.OneByteReader(bytes.NewReader(enc)), iotest.HalfReader(bytes.NewReader(enc))} {
		got, err := io.ReadAll(newX86Reader(r, 0))
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("round trip: %v, %d bytes, equal=%v", err, len(got), bytes.Equal(got, src))
		}
	}
	// An error of the input is passed on.
	if _, err := io.ReadAll(newX86Reader(iotest.TimeoutReader(bytes.NewReader(enc)), 0)); err == nil {
		t.Error("input error lost")
	}
}

func TestDelta(t *testing.T) {
	src := []byte("abcdefghabcdefgh12345678")
	for _, dist := range []int{1, 4, 256} {
		enc := make([]byte, len(src))
		for i := range src {
			var prev byte
			if i >= dist {
				prev = src[i-dist]
			}
			enc[i] = src[i] - prev
		}
		got, err := io.ReadAll(&deltaReader{r: iotest.HalfReader(bytes.NewReader(enc)), dist: dist})
		if err != nil || !bytes.Equal(got, src) {
			t.Errorf("dist %d: %q %v", dist, got, err)
		}
	}
}

func TestEmptyArchive(t *testing.T) {
	data := sevenzipwrite.Raw(nil, nil)
	a, err := Open(bytes.NewReader(data), int64(len(data)), Limits{})
	if err != nil || len(a.Files) != 0 {
		t.Fatalf("%v", err)
	}
	if err := a.Walk(func(*File, io.Reader) error { t.Error("called"); return nil }); err != nil {
		t.Error(err)
	}
}
