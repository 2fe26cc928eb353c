package source

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"github.com/overshare/overshare/internal/sevenzip/sevenzipwrite"
)

type entry struct {
	name, data string
	method     uint16 // zip.Deflate unless set; zip.Store is 0, so use storeMethod
}

const storeMethod = 0xffff // "stored" in a test table (zip.Store is the zero value)

func zipOf(tb testing.TB, entries ...entry) string {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(93, func(w io.Writer) (io.WriteCloser, error) { return zstd.NewWriter(w) })
	// xz.NewWriter writes its stream header at once, before archive/zip
	// has written the entry's header: compress on Close instead.
	zw.RegisterCompressor(95, func(w io.Writer) (io.WriteCloser, error) { return &xzOnClose{w: w}, nil })
	for _, e := range entries {
		m := e.method
		switch m {
		case 0:
			m = zip.Deflate
		case storeMethod:
			m = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: m})
		if err != nil {
			tb.Fatal(err)
		}
		io.WriteString(w, e.data)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.String()
}

type xzOnClose struct {
	w   io.Writer
	buf bytes.Buffer
}

func (x *xzOnClose) Write(p []byte) (int, error) { return x.buf.Write(p) }
func (x *xzOnClose) Close() error {
	w, err := xz.NewWriter(x.w)
	if err != nil {
		return err
	}
	if _, err := w.Write(x.buf.Bytes()); err != nil {
		return err
	}
	return w.Close()
}

func tarOf(tb testing.TB, entries ...entry) string {
	tb.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: tar.TypeReg}
		if strings.HasSuffix(e.name, "/") {
			h.Typeflag, h.Size, h.Mode = tar.TypeDir, 0, 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			tb.Fatal(err)
		}
		io.WriteString(tw, e.data)
	}
	tw.Close()
	return buf.String()
}

// sevenZipOf writes a 7z archive: one solid LZMA2 folder holding the
// entries, with an LZMA-encoded header, as 7-Zip writes by default.
func sevenZipOf(tb testing.TB, entries ...entry) string {
	tb.Helper()
	f := sevenzipwrite.Folder{Method: sevenzipwrite.LZMA2}
	for _, e := range entries {
		f.Files = append(f.Files, sevenzipwrite.File{Name: e.name, Data: []byte(e.data)})
	}
	b, err := (&sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{f}, EncodeHeader: true}).Bytes()
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func gz(tb testing.TB, name, data string) string {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Name = name
	io.WriteString(zw, data)
	zw.Close()
	return buf.String()
}

func xzOf(tb testing.TB, data string) string {
	tb.Helper()
	var buf bytes.Buffer
	w, err := xz.NewWriter(&buf)
	if err != nil {
		tb.Fatal(err)
	}
	io.WriteString(w, data)
	w.Close()
	return buf.String()
}

func zstdOf(tb testing.TB, data string) string {
	tb.Helper()
	var buf bytes.Buffer
	w, err := zstd.NewWriter(&buf)
	if err != nil {
		tb.Fatal(err)
	}
	io.WriteString(w, data)
	w.Close()
	return buf.String()
}

func unhex(tb testing.TB, s string) string {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// Made with Python's bz2 and zipfile modules (the standard library reads
// bzip2 but cannot write it).
const (
	bzip2Text  = "425a68393141592653591c85bd64000001d9800010400010001220445020002299a1a7a8400c1a691a30e1772453850901c85bd640" // "bzip2 text\n"
	bzip2InZip = "504b03042e0000000c0000002150828fb8ea350000000d00000005000000622e747874425a683931415926535918fd69eb0000025980001040001000102140102000220c8da843022389e945a3c5dc914e1424063f5a7ac0504b01022e032e0000000c0000002150828fb8ea350000000d000000050000000000000000000000800100000000622e747874504b0506000000000100010033000000580000000000"
)

// entryFrags runs an archive through a File source and returns its
// fragments without the top-level archive itself.
func archiveScan(tb testing.TB, name, content string, opts Options) result {
	tb.Helper()
	dir := tb.TempDir()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
	res := scan(tb, open(tb, p, opts))
	prefix := displayRoot(dir) + "/"
	for i := range res.frags {
		res.frags[i].Path = strings.TrimPrefix(res.frags[i].Path, prefix)
	}
	for i := range res.errs {
		res.errs[i].Path = strings.TrimPrefix(res.errs[i].Path, prefix)
	}
	return res
}

// leaves drops the fragments that are archives, whose bytes are not
// worth comparing.
func (r result) leaves() []frag {
	var out []frag
	for _, f := range r.frags {
		if f.Archive == "" {
			out = append(out, f)
		}
	}
	return out
}

func (r result) archives() []string {
	var out []string
	for _, f := range r.frags {
		if f.Archive != "" {
			out = append(out, f.Path+" "+f.Archive)
		}
	}
	return out
}

// Every format, found by magic bytes whatever the name says, with the "!"
// paths and depths of its entries.
func TestArchiveFormats(t *testing.T) {
	inner := tarOf(t, entry{name: "dir/"}, entry{name: "dir/t.txt", data: "in a tar\n"})
	nested := zipOf(t,
		entry{name: "mid.tar.gz", data: gz(t, "", tarOf(t,
			entry{name: "inner.zip", data: zipOf(t, entry{name: "deep/secret.txt", data: "three levels down\n"})}))},
		entry{name: "top.txt", data: "top\n"})
	tests := []struct {
		name, file, content string
		opts                Options
		want                []frag
		archives            []string
		errs                []errSummary
	}{
		{
			name: "zip", file: "a.zip",
			content: zipOf(t, entry{name: "d/"}, entry{name: "d/x.txt", data: "deflated\n"},
				entry{name: "s.txt", data: "stored\n", method: storeMethod}),
			want: []frag{
				{Path: "a.zip!d/x.txt", Data: "deflated\n", Depth: 1},
				{Path: "a.zip!s.txt", Data: "stored\n", Depth: 1},
			},
			archives: []string{"a.zip zip"},
		},
		{
			name: "zip methods zstd, xz, bzip2", file: "m.zip",
			content: zipOf(t, entry{name: "z.txt", data: "zstd in zip\n", method: 93},
				entry{name: "x.txt", data: "xz in zip\n", method: 95}),
			want: []frag{
				{Path: "m.zip!x.txt", Data: "xz in zip\n", Depth: 1},
				{Path: "m.zip!z.txt", Data: "zstd in zip\n", Depth: 1},
			},
			archives: []string{"m.zip zip"},
		},
		{
			name: "zip bzip2 method", file: "b.zip", content: unhex(t, bzip2InZip),
			want:     []frag{{Path: "b.zip!b.txt", Data: "bzip2 in zip\n", Depth: 1}},
			archives: []string{"b.zip zip"},
		},
		{
			name: "7z solid with an encoded header, a zip inside", file: "a.7z",
			content: sevenZipOf(t, entry{name: "conf/app.env", data: "in a 7z\n"},
				entry{name: "inner.zip", data: zipOf(t, entry{name: "z.txt", data: "zip in 7z\n"})}),
			want: []frag{
				{Path: "a.7z!conf/app.env", Data: "in a 7z\n", Depth: 1},
				{Path: "a.7z!inner.zip!z.txt", Data: "zip in 7z\n", Depth: 2},
			},
			archives: []string{"a.7z 7z", "a.7z!inner.zip zip"},
		},
		{
			name: "tar without extension", file: "bundle", content: inner,
			want:     []frag{{Path: "bundle!dir/t.txt", Data: "in a tar\n", Depth: 1}},
			archives: []string{"bundle tar"},
		},
		{
			name: "gzip single file", file: "notes.txt.gz", content: gz(t, "", "gzipped\n"),
			want:     []frag{{Path: "notes.txt.gz!notes.txt", Data: "gzipped\n", Depth: 1}},
			archives: []string{"notes.txt.gz gzip"},
		},
		{
			name: "gzip with a recorded name", file: "x.gz", content: gz(t, "original.log", "named\n"),
			want:     []frag{{Path: "x.gz!original.log", Data: "named\n", Depth: 1}},
			archives: []string{"x.gz gzip"},
		},
		{
			name: "tar.gz", file: "a.tgz", content: gz(t, "", inner),
			want:     []frag{{Path: "a.tgz!dir/t.txt", Data: "in a tar\n", Depth: 1}},
			archives: []string{"a.tgz gzip"},
		},
		{
			name: "bzip2", file: "b.txt.bz2", content: unhex(t, bzip2Text),
			want:     []frag{{Path: "b.txt.bz2!b.txt", Data: "bzip2 text\n", Depth: 1}},
			archives: []string{"b.txt.bz2 bzip2"},
		},
		{
			name: "tar.xz", file: "a.tar.xz", content: xzOf(t, inner),
			want:     []frag{{Path: "a.tar.xz!dir/t.txt", Data: "in a tar\n", Depth: 1}},
			archives: []string{"a.tar.xz xz"},
		},
		{
			name: "xz", file: "c.xz", content: xzOf(t, "xz text\n"),
			want:     []frag{{Path: "c.xz!c", Data: "xz text\n", Depth: 1}},
			archives: []string{"c.xz xz"},
		},
		{
			name: "tar.zst", file: "a.tar.zst", content: zstdOf(t, inner),
			want:     []frag{{Path: "a.tar.zst!dir/t.txt", Data: "in a tar\n", Depth: 1}},
			archives: []string{"a.tar.zst zstd"},
		},
		{
			name: "zstd", file: "d.zst", content: zstdOf(t, "zstd text\n"),
			want:     []frag{{Path: "d.zst!d", Data: "zstd text\n", Depth: 1}},
			archives: []string{"d.zst zstd"},
		},
		{
			name: "zip in tar.gz in zip", file: "outer.zip", content: nested,
			want: []frag{
				{Path: "outer.zip!mid.tar.gz!inner.zip!deep/secret.txt", Data: "three levels down\n", Depth: 3},
				{Path: "outer.zip!top.txt", Data: "top\n", Depth: 1},
			},
			archives: []string{"outer.zip zip", "outer.zip!mid.tar.gz gzip", "outer.zip!mid.tar.gz!inner.zip zip"},
		},
		{
			name: "nesting deeper than ArchiveDepth", file: "outer.zip", content: nested,
			opts:     Options{ArchiveDepth: 2},
			want:     []frag{{Path: "outer.zip!top.txt", Data: "top\n", Depth: 1}},
			archives: []string{"outer.zip zip", "outer.zip!mid.tar.gz gzip", "outer.zip!mid.tar.gz!inner.zip zip"},
			errs:     []errSummary{{Path: "outer.zip!mid.tar.gz!inner.zip", Op: OpArchive, Sentinel: ErrArchiveDepth.Error()}},
		},
		{
			name: "archives off", file: "outer.zip", content: nested,
			opts:     Options{ArchiveDepth: -1},
			archives: []string{"outer.zip zip"},
		},
		{
			name: "entry over MaxFileSize", file: "big.zip",
			content:  zipOf(t, entry{name: "big.txt", data: strings.Repeat("x", 2000)}, entry{name: "ok.txt", data: "ok\n"}),
			opts:     Options{MaxFileSize: 1500},
			want:     []frag{{Path: "big.zip!ok.txt", Data: "ok\n", Depth: 1}},
			archives: []string{"big.zip zip"},
			errs:     []errSummary{{Path: "big.zip!big.txt", Op: OpSkipped, Sentinel: ErrTooLarge.Error()}},
		},
		{
			name: "not an archive despite the name", file: "fake.zip", content: "PK but not really\n",
			want: []frag{{Path: "fake.zip", Data: "PK but not really\n"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := archiveScan(t, tt.file, tt.content, tt.opts)
			if diff := cmp.Diff(tt.want, res.leaves()); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.archives, res.archives()); diff != "" {
				t.Errorf("archives (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.errs, res.errSummaries()); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// More than 65535 entries makes archive/zip write zip64 records.
func TestZip64(t *testing.T) {
	if testing.Short() {
		t.Skip("70000 entries")
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	const n = 70000
	for i := range n {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: "f" + hex.EncodeToString([]byte{byte(i >> 16), byte(i >> 8), byte(i)}), Method: zip.Store})
		w.Write([]byte{'x'})
	}
	zw.Close()
	if c, ok := zipEntryCount(buf.Bytes()); !ok || c != n {
		t.Fatalf("zipEntryCount = %d, %v; want %d from the zip64 record", c, ok, n)
	}
	res := archiveScan(t, "many.zip", buf.String(), Options{})
	if got := len(res.leaves()); got != n || len(res.errs) > 0 {
		t.Errorf("%d entries, want %d; errors %v", got, n, res.errs[:min(3, len(res.errs))])
	}
	res = archiveScan(t, "many.zip", buf.String(), Options{MaxArchiveEntries: 1000})
	if diff := cmp.Diff([]errSummary{{Path: "many.zip", Op: OpArchive, Sentinel: ErrArchiveBomb.Error()}}, res.errSummaries()); diff != "" || len(res.leaves()) != 0 {
		t.Errorf("entry limit: %d entries, errors (-want +got):\n%s", len(res.leaves()), diff)
	}
}

// Bombs are reported and not followed: by ratio, by total size, by entry
// count; the rest of the input is still read where the limit allows.
func TestArchiveBombs(t *testing.T) {
	zeros := strings.Repeat("\x00", 4<<20) // 4 MiB of zeros deflate to a few KiB
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 300<<10)
	for i := range noise {
		noise[i] = byte(rng.IntN(256))
	}
	tests := []struct {
		name, file, content string
		opts                Options
		want                []string // leaf paths
		errs                []errSummary
	}{
		{
			name: "zip entry ratio", file: "bomb.zip",
			content: zipOf(t, entry{name: "zeros.bin", data: zeros}, entry{name: "ok.txt", data: "fine\n"}),
			want:    []string{"bomb.zip!ok.txt"},
			errs:    []errSummary{{Path: "bomb.zip!zeros.bin", Op: OpArchive, Sentinel: ErrArchiveBomb.Error()}},
		},
		{
			name: "gzip ratio", file: "zeros.gz", content: gz(t, "", zeros),
			errs: []errSummary{{Path: "zeros.gz", Op: OpArchive, Sentinel: ErrArchiveBomb.Error()}},
		},
		{
			name: "zip bomb inside a zip", file: "outer.zip",
			content: zipOf(t, entry{name: "inner.zip", data: zipOf(t, entry{name: "zeros.bin", data: zeros}), method: storeMethod}),
			errs:    []errSummary{{Path: "outer.zip!inner.zip!zeros.bin", Op: OpArchive, Sentinel: ErrArchiveBomb.Error()}},
		},
		{
			name: "total expanded bytes", file: "total.zip",
			content: zipOf(t, entry{name: "a", data: string(noise)}, entry{name: "b", data: string(noise)},
				entry{name: "c", data: string(noise)}),
			opts: Options{MaxArchiveBytes: 700 << 10},
			want: []string{"total.zip!a", "total.zip!b"},
			errs: []errSummary{{Path: "total.zip!c", Op: OpArchive, Sentinel: ErrArchiveBomb.Error()}},
		},
		{
			name: "entry count in a tar", file: "many.tar",
			content: tarOf(t, entry{name: "1", data: "1"}, entry{name: "2", data: "2"}, entry{name: "3", data: "3"}),
			opts:    Options{MaxArchiveEntries: 2},
			want:    []string{"many.tar!1", "many.tar!2"},
			errs:    []errSummary{{Path: "many.tar!3", Op: OpArchive, Sentinel: ErrArchiveBomb.Error()}},
		},
		{
			name: "7z ratio", file: "zeros.7z",
			content: sevenZipOf(t, entry{name: "ok.txt", data: "fine\n"}, entry{name: "zeros.bin", data: zeros}),
			want:    []string{"zeros.7z!ok.txt"},
			errs:    []errSummary{{Path: "zeros.7z", Op: OpArchive, Sentinel: ErrArchiveBomb.Error()}},
		},
		{
			name: "entry count in a 7z", file: "many.7z",
			content: sevenZipOf(t, entry{name: "1", data: "1"}, entry{name: "2", data: "2"}, entry{name: "3", data: "3"}),
			opts:    Options{MaxArchiveEntries: 2},
			errs:    []errSummary{{Path: "many.7z", Op: OpArchive, Sentinel: ErrArchiveBomb.Error()}},
		},
		{
			name: "ratio limit raised", file: "zeros.gz", content: gz(t, "", zeros),
			opts: Options{MaxArchiveRatio: 100000},
			want: []string{"zeros.gz!zeros"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := archiveScan(t, tt.file, tt.content, tt.opts)
			var got []string
			for _, f := range res.leaves() {
				got = append(got, f.Path)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.errs, res.errSummaries()); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			for _, e := range res.errs {
				if e.Op == OpArchive && !strings.Contains(e.Error(), "archive bomb: ") {
					t.Errorf("bomb message %q lacks \"archive bomb: \"", e)
				}
			}
		})
	}
}

// Corrupt archives are reported; what can be read is read, and the rest
// of the directory is scanned.
func TestCorruptArchives(t *testing.T) {
	good := zipOf(t, entry{name: "a.txt", data: strings.Repeat("first entry\n", 50)}, entry{name: "b.txt", data: "second\n"})
	// Break the first entry's deflate stream; the central directory is intact.
	broken := []byte(good)
	for i := 40; i < 60; i++ {
		broken[i] ^= 0x55
	}
	text := strings.Repeat("a line of a log file\n", 2000)
	truncatedGz := gz(t, "", text)
	truncatedGz = truncatedGz[:len(truncatedGz)/2]

	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"truncated.zip": good[:len(good)/2],
		"broken.zip":    string(broken),
		"log.gz":        truncatedGz,
		"truncated.tar": tarOf(t, entry{name: "t.txt", data: strings.Repeat("t", 3000)})[:1024],
		"truncated.7z":  sevenZipOf(t, entry{name: "s.txt", data: "lost\n"})[:40],
		"fine.txt":      "still scanned\n",
	})
	res := scan(t, open(t, dir, Options{}))
	root := displayRoot(dir) + "/"
	wantErrs := []errSummary{
		{Path: root + "broken.zip!a.txt", Op: OpArchive, Sentinel: ErrArchiveCorrupt.Error()},
		{Path: root + "log.gz", Op: OpArchive, Sentinel: ErrArchiveCorrupt.Error()},
		{Path: root + "truncated.7z", Op: OpArchive, Sentinel: ErrArchiveCorrupt.Error()},
		{Path: root + "truncated.tar!t.txt", Op: OpArchive, Sentinel: ErrArchiveCorrupt.Error()},
		{Path: root + "truncated.zip", Op: OpArchive, Sentinel: ErrArchiveCorrupt.Error()},
	}
	if diff := cmp.Diff(wantErrs, res.errSummaries()); diff != "" {
		t.Errorf("errors (-want +got):\n%s\n%s", diff, res)
	}
	var leaves []string
	for _, f := range res.leaves() {
		leaves = append(leaves, strings.TrimPrefix(f.Path, root))
		if f.Path == root+"log.gz!log" && !strings.HasPrefix(text, f.Data) {
			t.Errorf("partial gzip content is not a prefix of the original")
		}
	}
	// The truncated tar, the truncated gzip and the broken zip entry give
	// what came out before the damage.
	want := []string{"broken.zip!a.txt", "broken.zip!b.txt", "fine.txt", "log.gz!log", "truncated.tar!t.txt"}
	if diff := cmp.Diff(want, leaves); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

func TestSniff(t *testing.T) {
	ustar := []byte(tarOf(t, entry{name: "x", data: "x"}))
	fakeTar := bytes.Repeat([]byte{'a'}, 600)
	copy(fakeTar[257:], "ustar")
	tests := []struct {
		data string
		want string
	}{
		{"", ""},
		{"PK\x03\x04", "zip"},
		{"PK\x05\x06" + strings.Repeat("\x00", 18), "zip"},
		{"\x1f\x8b\x08rest", "gzip"},
		{"\x1f\x8b\x09", ""},
		{unhex(t, bzip2Text), "bzip2"},
		{"BZh9 is how this text starts", ""},
		{"\xfd7zXZ\x00", "xz"},
		{"\x28\xb5\x2f\xfd", "zstd"},
		{sevenZipOf(t, entry{name: "x", data: "x"}), "7z"},
		{"7z\xbc\xaf\x27\x1c", ""}, // shorter than a 7z signature header
		{string(ustar), "tar"},
		{string(fakeTar), ""}, // "ustar" at 257 without a valid checksum
	}
	for _, tt := range tests {
		if got := sniff([]byte(tt.data)); got != tt.want {
			t.Errorf("sniff(%q) = %q, want %q", clip([]byte(tt.data)), got, tt.want)
		}
	}
}

// FuzzExpand feeds any bytes to the one function that expands archives,
// with small limits: it must not panic, and what it emits must stay within
// the budget (expanded bytes and entries) it was given.
func FuzzExpand(f *testing.F) {
	f.Add([]byte(zipOf(f, entry{name: "a.txt", data: "zip\n"}, entry{name: "in.tgz", data: gz(f, "", tarOf(f, entry{name: "t", data: "t"}))})))
	f.Add([]byte(tarOf(f, entry{name: "d/"}, entry{name: "d/x", data: "tar"})))
	f.Add([]byte(gz(f, "n.txt", "gzip")))
	f.Add([]byte(xzOf(f, "xz")))
	f.Add([]byte(zstdOf(f, "zstd")))
	f.Add([]byte(sevenZipOf(f, entry{name: "s.txt", data: "7z"}, entry{name: "z.zip", data: zipOf(f, entry{name: "q", data: "q"})})))
	f.Add([]byte(unhex(f, bzip2Text)))
	opts := Options{ArchiveDepth: 3, MaxFileSize: 1 << 20, MaxArchiveBytes: 4 << 20, MaxArchiveEntries: 64, MaxArchiveRatio: 50}.withDefaults()
	f.Fuzz(func(t *testing.T, data []byte) {
		var emitted int64
		entries := 0
		r := newReader(opts, func(fr *Fragment) error {
			if fr.Depth > 0 {
				entries++
				emitted += int64(len(fr.Data))
			}
			if int64(len(fr.Data)) > opts.MaxFileSize && fr.Depth > 0 {
				t.Errorf("entry %s of %d bytes, over the %d-byte limit", fr.Path, len(fr.Data), opts.MaxFileSize)
			}
			return nil
		}, func(Error) {})
		if err := r.handle(context.Background(), data, "in", ""); err != nil {
			t.Fatal(err)
		}
		// Expanded bytes are counted against one budget; a nested
		// archive's own bytes are emitted too (one budget per level), and
		// tar entries are copies of bytes already counted or of the input.
		if lim := int64(opts.ArchiveDepth) * (opts.MaxArchiveBytes + int64(len(data))); emitted > lim {
			t.Errorf("emitted %d bytes of entries, over %d", emitted, lim)
		}
		if entries > opts.ArchiveDepth*opts.MaxArchiveEntries {
			t.Errorf("emitted %d entries, over %d", entries, opts.ArchiveDepth*opts.MaxArchiveEntries)
		}
	})
}
