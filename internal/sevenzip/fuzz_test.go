package sevenzip

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/overshare/overshare/internal/sevenzip/sevenzipwrite"
)

// fuzzSeeds: the 7-Zip fixtures and archives of the test writer.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	names, _ := filepath.Glob("testdata/*.7z")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	files := []sevenzipwrite.File{{Name: "a.txt", Data: textFile(1)}, {Name: "b.pkl", Data: []byte("\x80\x02}q\x00.")}}
	for _, m := range []sevenzipwrite.Method{sevenzipwrite.Copy, sevenzipwrite.LZMA, sevenzipwrite.LZMA2, sevenzipwrite.Deflate} {
		for _, enc := range []bool{false, true} {
			seeds = append(seeds, build(t, &sevenzipwrite.Archive{EncodeHeader: enc, Dirs: []string{"d"}, Empty: []string{"d/e"},
				Folders: []sevenzipwrite.Folder{{Method: m, Files: files}, {Method: m, Files: files[:1]}}}))
		}
	}
	return seeds
}

func TestFuzzSeeds(t *testing.T) {
	seeds := fuzzSeeds(t)
	if len(seeds) < 10 {
		t.Fatalf("%d seeds", len(seeds))
	}
	for _, s := range seeds {
		fuzzOne(t, s)
		// Flip every byte of the header, CRCs mended.
		hs := 32 + int(binary.LittleEndian.Uint64(s[12:]))
		for i := hs; i < len(s); i++ {
			for _, x := range []byte{0x01, 0x80, 0xFF} {
				m := append([]byte(nil), s...)
				m[i] ^= x
				if fixed := fixCRCs(m); fixed != nil {
					fuzzOne(t, fixed)
				}
			}
		}
	}
}

// fuzzLimits are tight, so that what the limits allow is small.
var fuzzLimits = Limits{MaxTotal: 1 << 20, MaxEntries: 64, MaxHeader: 64 << 10, MaxDict: 1 << 20}

// fuzzBound is what one archive may allocate under fuzzLimits: the raw
// header, the structures parsed from it (a few times its size), the
// encoded-header decoders' meter, the walk's decoder meter, and a little
// for each file and folder.
var fuzzBound = uint64(1*fuzzLimits.MaxHeader + 8*fuzzLimits.MaxHeader + (2*fuzzLimits.MaxHeader + 8<<20) +
	fuzzLimits.decoderMemory() + int64(fuzzLimits.MaxEntries)*16<<10 + 4<<20)

func fuzzOne(t *testing.T, data []byte) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	folders := 0
	a, err := Open(bytes.NewReader(data), int64(len(data)), fuzzLimits)
	if err == nil {
		last := -1
		err = a.Walk(func(f *File, r io.Reader) error {
			if f.Folder != last && f.Folder >= 0 {
				folders++
				last = f.Folder
			}
			_ = a.Method(f)
			_ = a.Supported(f)
			_, rerr := io.Copy(io.Discard, r)
			_ = rerr
			if f.Size < 0 || (f.Folder >= 0 && f.PackOffset < 32) {
				t.Fatalf("bad file %+v", f)
			}
			return nil
		})
		if len(a.Files) > fuzzLimits.MaxEntries {
			t.Fatalf("%d files over the limit", len(a.Files))
		}
	}
	_ = err
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > fuzzBound {
		t.Fatalf("%d-byte archive with %d folders allocated %d bytes (bound %d): %v", len(data), folders, n, fuzzBound, err)
	}
}

func FuzzOpen(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzOne(t, data)
		// Most mutations break a CRC; mend them so that the header's
		// contents are parsed too.
		if fixed := fixCRCs(data); fixed != nil {
			fuzzOne(t, fixed)
		}
	})
}

// fixCRCs returns a copy of data whose start header and next header CRCs
// match, or nil when data has no next header inside it.
func fixCRCs(data []byte) []byte {
	if len(data) < 32 {
		return nil
	}
	off := binary.LittleEndian.Uint64(data[12:])
	n := binary.LittleEndian.Uint64(data[20:])
	avail := uint64(len(data) - 32)
	if off > avail || n > avail-off {
		return nil
	}
	b := append([]byte(nil), data...)
	binary.LittleEndian.PutUint32(b[28:], crc32.ChecksumIEEE(b[32+off:32+off+n]))
	binary.LittleEndian.PutUint32(b[8:], crc32.ChecksumIEEE(b[12:32]))
	return b
}
