package pickle

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"

	"github.com/overshare/overshare/internal/sevenzip/sevenzipwrite"
)

// ---- sample writers ----

// zent is one entry for buildZip, a hand-rolled zip writer that can produce
// the header tricks of the bypass table.
type zent struct {
	name      string
	localName string // "" = name
	data      []byte
	flags     uint16
	badCRC    bool
	hidden    bool // local header only, no central record
}

func buildZip(prefix []byte, ents []zent) []byte {
	var b bytes.Buffer
	b.Write(prefix)
	var cd bytes.Buffer
	n := 0
	for _, e := range ents {
		off := b.Len() - len(prefix)
		crc := crc32.ChecksumIEEE(e.data)
		if e.badCRC {
			crc ^= 0xdeadbeef
		}
		ln := e.localName
		if ln == "" {
			ln = e.name
		}
		h := make([]byte, 30)
		copy(h, sigLocal)
		binary.LittleEndian.PutUint16(h[4:], 20)
		binary.LittleEndian.PutUint16(h[6:], e.flags)
		binary.LittleEndian.PutUint32(h[14:], crc)
		binary.LittleEndian.PutUint32(h[18:], uint32(len(e.data)))
		binary.LittleEndian.PutUint32(h[22:], uint32(len(e.data)))
		binary.LittleEndian.PutUint16(h[26:], uint16(len(ln)))
		b.Write(h)
		b.WriteString(ln)
		b.Write(e.data)
		if e.hidden {
			continue
		}
		n++
		c := make([]byte, 46)
		copy(c, sigCentral)
		binary.LittleEndian.PutUint16(c[4:], 20)
		binary.LittleEndian.PutUint16(c[6:], 20)
		binary.LittleEndian.PutUint16(c[8:], e.flags)
		binary.LittleEndian.PutUint32(c[16:], crc)
		binary.LittleEndian.PutUint32(c[20:], uint32(len(e.data)))
		binary.LittleEndian.PutUint32(c[24:], uint32(len(e.data)))
		binary.LittleEndian.PutUint16(c[28:], uint16(len(e.name)))
		binary.LittleEndian.PutUint32(c[42:], uint32(off))
		cd.Write(c)
		cd.WriteString(e.name)
	}
	cdOff := b.Len() - len(prefix)
	b.Write(cd.Bytes())
	eocd := make([]byte, 22)
	copy(eocd, sigEOCD)
	binary.LittleEndian.PutUint16(eocd[8:], uint16(n))
	binary.LittleEndian.PutUint16(eocd[10:], uint16(n))
	binary.LittleEndian.PutUint32(eocd[12:], uint32(cd.Len()))
	binary.LittleEndian.PutUint32(eocd[16:], uint32(cdOff))
	b.Write(eocd)
	return b.Bytes()
}

// stdZip writes entries with Go's archive/zip (stored or deflated).
func stdZip(t testing.TB, deflate bool, kv ...any) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i := 0; i+1 < len(kv); i += 2 {
		m := zip.Store
		if deflate {
			m = zip.Deflate
		}
		f, err := w.CreateHeader(&zip.FileHeader{Name: kv[i].(string), Method: m})
		if err != nil {
			t.Fatal(err)
		}
		f.Write(kv[i+1].([]byte))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// storageBytes is raw float32 tensor data.
func storageBytes(n int) []byte {
	b := make([]byte, 0, 4*n)
	for i := 0; i < n; i++ {
		b = binary.LittleEndian.AppendUint32(b, uint32(0x3f800000+i*977))
	}
	return b
}

// torchZip is shaped like torch.save(state_dict) (zip serialization):
// archive/data.pkl, archive/data/<key> storages, archive/version.
func torchZip(t testing.TB, dataPkl []byte) []byte {
	return stdZip(t, false,
		"archive/data.pkl", dataPkl,
		"archive/byteorder", []byte("little"),
		"archive/data/0", storageBytes(4),
		"archive/data/1", storageBytes(4),
		"archive/version", []byte("3\n"),
		"archive/.data/serialization_id", []byte("1234567890"))
}

func legacyStacked(main []byte) []byte {
	var b []byte
	b = append(b, magicLegacy...)
	b = append(b, newPW(2).int(1001).stop()...)
	b = append(b, newPW(2).op(opEMPTY_DICT).str("protocol_version").int(1001).op(opSETITEM).str("little_endian").op(opNEWTRUE).op(opSETITEM).stop()...)
	b = append(b, main...)
	b = append(b, newPW(2).op(opEMPTY_LIST).mark().binstr("0").binstr("1").op(opAPPENDS).stop()...)
	// Raw storages: 8-byte element count, then the elements. They are
	// never unpickled; a payload there is not code.
	for i := 0; i < 2; i++ {
		b = binary.LittleEndian.AppendUint64(b, 16)
		raw := append(osSystem(), storageBytes(16)...)
		b = append(b, raw[:64]...)
	}
	return b
}

func tarOf(t testing.TB, kv ...any) []byte {
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for i := 0; i+1 < len(kv); i += 2 {
		d := kv[i+1].([]byte)
		if err := w.WriteHeader(&tar.Header{Name: kv[i].(string), Mode: 0o644, Size: int64(len(d)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		w.Write(d)
	}
	w.Close()
	return b.Bytes()
}

// sevenZip writes a 7z archive of one solid folder (name, data pairs)
// compressed with m, its header LZMA-encoded as 7-Zip does by default,
// and a directory entry.
func sevenZip(t testing.TB, m sevenzipwrite.Method, kv ...any) []byte {
	var files []sevenzipwrite.File
	for i := 0; i+1 < len(kv); i += 2 {
		files = append(files, sevenzipwrite.File{Name: kv[i].(string), Data: kv[i+1].([]byte)})
	}
	return build7z(t, &sevenzipwrite.Archive{EncodeHeader: true, Dirs: []string{"model"},
		Folders: []sevenzipwrite.Folder{{Method: m, Files: files}}})
}

func build7z(t testing.TB, a *sevenzipwrite.Archive) []byte {
	b, err := a.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// npy writes a .npy file with the given header dict text.
func npy(major byte, dict string, data []byte) []byte {
	pre := 10
	if major > 1 {
		pre = 12
	}
	h := dict
	for (pre+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	b := append([]byte{}, magicNpy...)
	b = append(b, major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(h)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(h)))
	}
	b = append(b, h...)
	return append(b, data...)
}

// joblibWrapper writes a NumpyArrayWrapper for a 1-d array of n uint8
// items, followed inline (as joblib does) by the padding and the bytes.
func joblibWrapper(p *pw, raw []byte, aligned bool) {
	p.global("joblib.numpy_pickle", "NumpyArrayWrapper").tuple(0).op(opNEWOBJ)
	p.op(opEMPTY_DICT).mark()
	p.str("subclass").global("numpy", "ndarray")
	p.str("shape").int(len(raw)).tuple(1)
	p.str("order").str("C")
	p.str("dtype").global("numpy", "dtype").str("u1").op(opNEWFALSE, opNEWTRUE).tuple(3).reduce().
		mark().int(3).str("|").op(opNONE, opNONE, opNONE).int(-1).int(-1).int(0).op(opTUPLE).op(opBUILD)
	p.str("allow_mmap").op(opNEWFALSE)
	if aligned {
		p.str("numpy_array_alignment_bytes").int(16)
	}
	p.op(opSETITEMS).op(opBUILD)
	if aligned {
		pad := 16 - (len(p.b)+1)%16
		p.op(byte(pad))
		for i := 0; i < pad; i++ {
			p.op(0xff)
		}
	}
	p.b = append(p.b, raw...)
}

// joblibFile is joblib.dump(OrderedDict(a=array, b=array)) with the array
// bytes inline; tail, when set, is one more value written after them.
func joblibFile(aligned bool, tail func(p *pw)) []byte {
	p := newPW(2).global("collections", "OrderedDict").tuple(0).reduce().mark()
	p.str("a")
	// The raw bytes of the arrays are a complete malicious pickle: they
	// must be skipped, not parsed.
	joblibWrapper(p, osSystem(), aligned)
	p.str("b")
	joblibWrapper(p, storageBytes(8), aligned)
	if tail != nil {
		p.str("c")
		tail(p)
	}
	return p.op(opSETITEMS).stop()
}

func compressWith(t testing.TB, kind string, data []byte) []byte {
	var b bytes.Buffer
	switch kind {
	case "zlib":
		w := zlib.NewWriter(&b)
		w.Write(data)
		w.Close()
	case "gzip":
		w := gzip.NewWriter(&b)
		w.Write(data)
		w.Close()
	case "xz":
		w, err := xz.NewWriter(&b)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
		w.Close()
	case "lzma":
		w, err := lzma.NewWriter(&b)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
		w.Close()
	case "lz4":
		w := lz4.NewWriter(&b)
		w.Write(data)
		w.Close()
	case "bzip2":
		// No bzip2 writer in the standard library: bz2.compress of the
		// protocol-0 pickle cos\nsystem\n(S'touch /tmp/overshare-canary'\ntR.
		d, _ := hex.DecodeString("425a6839314159265359e2182ca70000095380001040c398002a43df202000314006234d346854d1fa9a9e9a984da9bd2977188b266eedbb699f2745615f008e49149c54ee4cb09241f8bb9229c2848710c16538")
		return d
	}
	return b.Bytes()
}

// ---- checks ----

type fileSample struct {
	name    string
	data    []byte
	want    Verdict
	format  string // prefix of the expected format, when set
	finding string // code of a container finding that must be present
	entry   string // name of an entry that must be present
}

func dumpFile(r *FileResult) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "format %s verdict %v err %v", r.Format, r.Verdict, r.Err)
	for _, f := range r.Findings {
		fmt.Fprintf(&sb, "\n  container [%v] %s: %s", f.Verdict, f.Code, f.Text)
	}
	for _, e := range r.Entries {
		fmt.Fprintf(&sb, "\n  entry %q @%d: %v%s", e.Name, e.Offset, e.Result.Verdict, dumpFindings(e.Result))
	}
	return sb.String()
}

func checkFile(t *testing.T, s fileSample) *FileResult {
	t.Helper()
	r := ScanBytes(s.data, Options{})
	if r.Verdict != s.want {
		t.Errorf("%s: verdict %v, want %v\n%s", s.name, r.Verdict, s.want, dumpFile(r))
	}
	if s.format != "" && !strings.HasPrefix(r.Format, s.format) {
		t.Errorf("%s: format %q, want %q\n%s", s.name, r.Format, s.format, dumpFile(r))
	}
	if s.finding != "" && !hasContainerFinding(r, s.finding) {
		t.Errorf("%s: no %q finding\n%s", s.name, s.finding, dumpFile(r))
	}
	if s.entry != "" {
		found := false
		for _, e := range r.Entries {
			found = found || e.Name == s.entry
		}
		if !found {
			t.Errorf("%s: no entry %q\n%s", s.name, s.entry, dumpFile(r))
		}
	}
	return r
}

func hasContainerFinding(r *FileResult, code string) bool {
	for _, f := range r.Findings {
		if f.Code == code {
			return true
		}
	}
	return false
}

// ---- tests ----

// TestContainerBenign: benign files of every format are Safe; bytes that
// are no model are Unknown, never Safe.
func TestContainerBenign(t *testing.T) {
	plainNpy := npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", storageBytes(4))
	rows := []fileSample{
		{name: "torch_zip", data: torchZip(t, torchStateDict(2)), want: Safe, format: FormatPyTorchZip, entry: "archive/data.pkl"},
		{name: "torch_zip_deflated", data: stdZip(t, true, "archive/data.pkl", torchStateDict(3), "archive/data/0", storageBytes(100), "archive/version", []byte("3\n")), want: Safe, format: FormatPyTorchZip},
		{name: "raw_pickle", data: torchStateDict(2), want: Safe, format: FormatPickle},
		{name: "legacy_stacked", data: legacyStacked(torchStateDict(2)), want: Safe, format: FormatPyTorchLegacy},
		{name: "npy_float32", data: plainNpy, want: Safe, format: FormatNpy},
		{name: "npy_v2_structured_plain", data: npy(2, "{'descr': [('a', '<f8'), ('b', '<i4', (2,))], 'fortran_order': False, 'shape': (1,), }", make([]byte, 16)), want: Safe, format: FormatNpy},
		{name: "npz", data: stdZip(t, true, "a.npy", plainNpy, "b.npy", plainNpy), want: Safe, format: FormatNpz},
		{name: "joblib_ordereddict_of_arrays", data: joblibFile(true, nil), want: Safe, format: FormatJoblib},
		{name: "joblib_unaligned_old", data: joblibFile(false, nil), want: Safe, format: FormatJoblib},
		{name: "joblib_zlib", data: compressWith(t, "zlib", joblibFile(true, nil)), want: Safe, format: "zlib+joblib", finding: "compressed"},
		{name: "torchscript", data: stdZip(t, false, "m/data.pkl", torchStateDict(1), "m/constants.pkl", newPW(2).tuple(0).stop(),
			"m/code/__torch__/m.py", []byte("class M(Module):\n  __parameters__ = []\n"), "m/.data/version", []byte("1\n")), want: Safe, format: FormatTorchScript},
		{name: "random_bytes", data: randomBytes(7, 4096), want: Unknown, format: FormatNotAModel},
		{name: "png", data: append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), randomBytes(3, 100)...), want: Unknown},
		{name: "text", data: []byte("hello, this is a README file.\nnothing to see\n"), want: Unknown, format: FormatNotAModel},
		{name: "empty", data: nil, want: Unknown},
		{name: "zip_of_text", data: stdZip(t, true, "README.md", []byte("# readme\n")), want: Unknown, format: FormatZip},
		{name: "7z_benign_pickle", data: sevenZip(t, sevenzipwrite.LZMA2, "README.md", []byte("# model\n"), "weights.bin", torchStateDict(2)), want: Safe, format: Format7z, entry: "weights.bin"},
		{name: "7z_benign_torch_zip", data: sevenZip(t, sevenzipwrite.LZMA, "model.pt", torchZip(t, torchStateDict(2))), want: Safe, format: Format7z, finding: "nested-archive"},
		{name: "7z_of_text", data: sevenZip(t, sevenzipwrite.LZMA2, "README.md", []byte("# readme\n")), want: Unknown, format: Format7z},
	}
	for _, s := range rows {
		t.Run(s.name, func(t *testing.T) { checkFile(t, s) })
	}
}

// TestContainerBypassTable covers the container rows of pickle-threats.md
// §3 (2, 3, 4, 6, 10, 11, 28, 30–37, 40).
func TestContainerBypassTable(t *testing.T) {
	mal := osSystem()
	benign := torchStateDict(2)
	proto0 := []byte("cos\nsystem\n(S'" + canary + "'\ntR.")
	objNpy := npy(1, "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", mal)
	plainNpy := npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", storageBytes(4))
	evalMagic := newPW(2).global("builtins", "eval").str("0x1950a86a20f9469cfc6c").tuple(1).reduce().stop()

	rows := []fileSample{
		{name: "00_torch_zip_malicious_data_pkl", data: torchZip(t, mal), want: Malicious, format: FormatPyTorchZip},
		{name: "02_CVE-2025-1889_pickle_under_other_extension", data: stdZip(t, false, "archive/data.pkl", benign, "archive/weights.txt", mal), want: Malicious, entry: "archive/weights.txt"},
		{name: "03_CVE-2025-1944_name_mismatch", data: buildZip(nil, []zent{{name: "archive/data.pkl", localName: "archive/data.pk_", data: mal}, {name: "archive/version", data: []byte("3\n")}}), want: Malicious, finding: "zip-name-mismatch"},
		{name: "04_CVE-2025-1945_flag_0x1", data: buildZip(nil, []zent{{name: "archive/data.pkl", data: mal, flags: 0x1}}), want: Malicious, finding: "zip-flag-bits"},
		{name: "04_CVE-2025-1945_flag_0x20", data: buildZip(nil, []zent{{name: "archive/data.pkl", data: mal, flags: 0x20}}), want: Malicious, finding: "zip-flag-bits"},
		{name: "04_CVE-2025-1945_flag_0x40", data: buildZip(nil, []zent{{name: "archive/data.pkl", data: mal, flags: 0x40}}), want: Malicious, finding: "zip-flag-bits"},
		{name: "05_CVE-2025-10155_plain_pickle", data: mal, want: Malicious, format: FormatPickle},
		{name: "06_CVE-2025-10156_bad_crc", data: buildZip(nil, []zent{{name: "archive/data.pkl", data: mal, badCRC: true}, {name: "archive/version", data: []byte("3\n")}}), want: Malicious, finding: "zip-bad-crc"},
		{name: "10_nullifAI_7z_corrupt", data: append([]byte("7z\xbc\xaf\x27\x1c\x00\x04"), randomBytes(5, 200)...), want: Unknown, format: Format7z, finding: "7z-malformed"},
		{name: "10_nullifAI_7z_solid_lzma2", data: sevenZip(t, sevenzipwrite.LZMA2, "README.md", []byte("# model\n"), "weights.bin", mal, "config.json", []byte("{}")),
			want: Malicious, format: Format7z, entry: "weights.bin"},
		{name: "10_nullifAI_7z_lzma_proto0", data: sevenZip(t, sevenzipwrite.LZMA, "model/data", proto0), want: Malicious, format: Format7z, entry: "model/data"},
		{name: "10_nullifAI_7z_deflate", data: sevenZip(t, sevenzipwrite.Deflate, "a.txt", []byte("x"), "weights.bin", mal), want: Malicious, format: Format7z},
		{name: "10_nullifAI_7z_nested_torch_zip", data: sevenZip(t, sevenzipwrite.Copy, "model.pt", torchZip(t, mal)), want: Malicious, format: Format7z,
			finding: "nested-archive", entry: "model.pt!archive/data.pkl"},
		{name: "10_nullifAI_7z_in_zip", data: stdZip(t, false, "model.7z", sevenZip(t, sevenzipwrite.LZMA2, "weights.bin", mal)), want: Malicious,
			finding: "nested-archive", entry: "model.7z!weights.bin"},
		{name: "10_nullifAI_7z_bad_crc", data: build7z(t, &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{{Method: sevenzipwrite.LZMA2, BadCRC: true,
			Files: []sevenzipwrite.File{{Name: "weights.bin", Data: mal}}}}}), want: Malicious, finding: "7z-bad-crc"},
		{name: "10_nullifAI_7z_aes", data: build7z(t, &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{{
			Coders: []sevenzipwrite.Coder{{ID: sevenzipwrite.IDLZMA2, Props: []byte{16}}, {ID: sevenzipwrite.IDAES, Props: randomBytes(9, 18)}},
			Packed: randomBytes(8, 96), CoderSizes: []int64{int64(len(mal)), 96}, Files: []sevenzipwrite.File{{Name: "weights.bin", Data: mal}}}}}),
			want: Unknown, format: Format7z, finding: "archive-encrypted"},
		{name: "10_nullifAI_7z_ppmd", data: build7z(t, &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{{
			Coders: []sevenzipwrite.Coder{{ID: sevenzipwrite.IDPPMD, Props: []byte{6, 0, 0, 0, 1}}}, Packed: randomBytes(8, 40),
			Files: []sevenzipwrite.File{{Name: "weights.bin", Data: mal}}}}}), want: Unknown, format: Format7z, finding: "archive-not-inspected"},
		{name: "10_nullifAI_7z_malicious_beside_encrypted", data: build7z(t, &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{
			{Coders: []sevenzipwrite.Coder{{ID: sevenzipwrite.IDAES, Props: randomBytes(9, 18)}}, Packed: randomBytes(8, 32), Files: []sevenzipwrite.File{{Name: "a.bin", Data: benign}}},
			{Method: sevenzipwrite.LZMA2, Files: []sevenzipwrite.File{{Name: "weights.bin", Data: mal}}}}}), want: Malicious, finding: "archive-encrypted", entry: "weights.bin"},
		{name: "10_nullifAI_broken_pickle_in_zip", data: torchZip(t, append(newPW(2).call1("os", "system", canary).b, 0xff, 0xfe)), want: Malicious},
		{name: "11_legacy_magic_via_eval", data: append(evalMagic, legacyStacked(benign)[len(magicLegacy):]...), want: Malicious},
		{name: "28_legacy_malicious_main_pickle", data: legacyStacked(mal), want: Malicious, format: FormatPyTorchLegacy},
		{name: "30_duplicate_entry_name", data: buildZip(nil, []zent{{name: "archive/data.pkl", data: mal}, {name: "archive/data.pkl", data: benign}, {name: "archive/version", data: []byte("3\n")}}), want: Malicious, finding: "zip-duplicate-entry"},
		{name: "30_entry_only_in_local_headers", data: buildZip(nil, []zent{{name: "archive/x.pkl", data: mal, hidden: true}, {name: "archive/data.pkl", data: benign}}), want: Malicious, finding: "zip-hidden-entry"},
		{name: "31_pickle_zip_polyglot", data: append(append([]byte{}, mal...), torchZip(t, benign)...), want: Malicious, finding: "polyglot"},
		{name: "31_benign_pickle_malicious_zip_polyglot", data: append(append([]byte{}, benign...), torchZip(t, mal)...), want: Malicious, finding: "polyglot"},
		{name: "32_nested_archive_mar", data: stdZip(t, false, "MAR-INF/MANIFEST.json", []byte("{}"), "model.pt", torchZip(t, mal)), want: Malicious, finding: "nested-archive", entry: "model.pt!archive/data.pkl"},
		{name: "32_nested_archive_deflated", data: stdZip(t, true, "MAR-INF/MANIFEST.json", []byte("{}"), "model.pt", torchZip(t, mal)), want: Malicious, finding: "nested-archive"},
		{name: "33_proto0_in_zip_unknown_ext", data: stdZip(t, true, "weights.bin", proto0), want: Malicious},
		{name: "34_legacy_tar_storages", data: tarOf(t, "sys_info", newPW(2).op(opEMPTY_DICT).stop(), "storages", mal, "tensors", newPW(2).int(0).stop(), "pickle", benign), want: Malicious, format: FormatPyTorchTar},
		{name: "36_joblib_payload_after_raw_array", data: joblibFile(true, func(p *pw) { p.call1("os", "system", canary) }), want: Malicious, format: FormatJoblib},
		{name: "36_joblib_gadget", data: joblibFile(false, func(p *pw) { p.global("builtins", "exec").str("import os").tuple(1).reduce() }), want: Malicious},
		{name: "37_npy_object_dtype", data: objNpy, want: Malicious, format: FormatNpy},
		{name: "37_npy_v3_structured_object_field", data: npy(3, "{'descr': [('a', '<f8'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }", mal), want: Malicious},
		{name: "37_npz_object_member", data: stdZip(t, true, "a.npy", plainNpy, "b.npy", objNpy), want: Malicious, format: FormatNpz},
		{name: "40_torchscript_constants_pkl", data: stdZip(t, false, "m/data.pkl", benign, "m/constants.pkl", mal, "m/code/__torch__/m.py", []byte("def forward(self):\n  pass\n")), want: Malicious, format: FormatTorchScript},
	}
	for _, kind := range []string{"zlib", "gzip", "bzip2", "xz", "lzma", "lz4"} {
		data := mal
		if kind == "bzip2" {
			data = nil // fixed sample, see compressWith
		}
		rows = append(rows, fileSample{name: "35_compressed_" + kind, data: compressWith(t, kind, data), want: Malicious, format: kind + "+", finding: "compressed"})
	}
	rows = append(rows, fileSample{name: "35_joblib_gzip_payload_after_array", data: compressWith(t, "gzip", joblibFile(true, func(p *pw) { p.call1("os", "system", canary) })), want: Malicious, format: "gzip+joblib"})
	for _, s := range rows {
		t.Run(s.name, func(t *testing.T) { checkFile(t, s) })
	}
}

// TestContainerOffsets: entry names and offsets point into the file.
func TestContainerOffsets(t *testing.T) {
	mal := osSystem()
	data := buildZip([]byte("JUNKJUNK"), []zent{{name: "a/data.pkl", data: mal}})
	r := ScanBytes(data, Options{})
	if len(r.Entries) != 1 {
		t.Fatalf("entries: %s", dumpFile(r))
	}
	e := r.Entries[0]
	if !bytes.Equal(data[e.Offset:e.Offset+int64(len(mal))], mal) {
		t.Errorf("entry offset %d does not point at the pickle", e.Offset)
	}
	if c := e.Result.Calls; len(c) == 0 || c[0].Offset < e.Offset {
		t.Errorf("call offsets not file offsets: %+v", c)
	}
}

// TestContainerLimits: a decompression bomb is cut at the limit and
// reported, never judged Safe.
func TestContainerLimits(t *testing.T) {
	p := newPW(2).op(opEMPTY_LIST).mark()
	for i := 0; i < 20000; i++ {
		p.int(1)
	}
	big := p.op(opAPPENDS).stop()
	fs := &fileScanner{opts: Options{}.withDefaults(), res: &FileResult{}, maxEntry: 4096, maxTotal: 1 << 20}
	r := fs.run(bytes.NewReader(compressWith(t, "gzip", big)), int64(len(compressWith(t, "gzip", big))))
	if r.Verdict == Safe || !hasContainerFinding(r, "resource-limit") {
		t.Fatalf("bomb: %s", dumpFile(r))
	}
	// A 7z bomb: 8 MiB of zeros after a pickle, in a solid folder before a
	// malicious member. The big member is cut at maxEntry, the walk at
	// maxTotal; never Safe.
	bomb := sevenZip(t, sevenzipwrite.LZMA2, "a.pkl", append(torchStateDict(1), make([]byte, 8<<20)...), "b.pkl", osSystem())
	fs = &fileScanner{opts: Options{}.withDefaults(), res: &FileResult{}, maxEntry: 4096, maxTotal: 1 << 20}
	r = fs.run(bytes.NewReader(bomb), int64(len(bomb)))
	if r.Verdict == Safe || !hasContainerFinding(r, "resource-limit") {
		t.Fatalf("7z bomb: %s", dumpFile(r))
	}
	// With room for it all, the member after the bomb is reached.
	r = ScanBytes(bomb, Options{})
	if r.Verdict != Malicious {
		t.Fatalf("7z bomb, default limits: %s", dumpFile(r))
	}
	fs = &fileScanner{opts: Options{MaxDepth: 1}.withDefaults(), res: &FileResult{}, maxEntry: MaxEntrySize, maxTotal: MaxTotalSize}
	nested := torchZip(t, osSystem())
	for i := 0; i < 5; i++ {
		nested = stdZip(t, false, fmt.Sprintf("n%d.zip", i), nested)
	}
	r = fs.run(bytes.NewReader(nested), int64(len(nested)))
	if r.Verdict == Safe || !hasContainerFinding(r, "nesting-limit") {
		t.Fatalf("nesting: %s", dumpFile(r))
	}
}

// joblibFramed is a protocol-4 joblib file: the wrapper's frame is
// committed before the array bytes, as NumpyPickler does; oneFrame puts
// the array bytes inside a single frame instead (a forged file).
func joblibFramed(tail func(p *pw), oneFrame bool) []byte {
	raw := osSystem()
	p := &pw{}
	p.global("collections", "OrderedDict").tuple(0).reduce().mark().str("a")
	joblibWrapper(p, raw, false)
	cut := len(p.b) - len(raw)
	seg1, rawb := p.b[:cut], p.b[cut:]
	p2 := &pw{}
	if tail != nil {
		p2.str("c")
		tail(p2)
	}
	seg2 := p2.op(opSETITEMS).op(opSTOP).b
	out := []byte{opPROTO, 4}
	if oneFrame {
		all := append(append(append([]byte{}, seg1...), rawb...), seg2...)
		out = append(out, opFRAME)
		out = binary.LittleEndian.AppendUint64(out, uint64(len(all)))
		return append(out, all...)
	}
	out = append(out, opFRAME)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(seg1)))
	out = append(append(out, seg1...), rawb...)
	out = append(out, opFRAME)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(seg2)))
	return append(out, seg2...)
}

func TestContainerJoblibProtocol4(t *testing.T) {
	rows := []fileSample{
		{name: "36_joblib_proto4_benign", data: joblibFramed(nil, false), want: Safe, format: FormatJoblib},
		{name: "36_joblib_proto4_payload_after_array", data: joblibFramed(func(p *pw) { p.call1("os", "system", canary) }, false), want: Malicious},
		{name: "36_joblib_proto4_array_inside_frame", data: joblibFramed(nil, true), want: Malicious},
	}
	for _, s := range rows {
		t.Run(s.name, func(t *testing.T) { checkFile(t, s) })
	}
}
