package pickle

import (
	"fmt"
	"testing"

	"github.com/overshare/overshare/internal/sevenzip/sevenzipwrite"
)

// containerSeeds is the seed corpus of FuzzScanFile: one sample of every
// container format and trick.
func containerSeeds(t testing.TB) [][]byte {
	mal := osSystem()
	plainNpy := npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", storageBytes(4))
	return [][]byte{
		torchZip(t, torchStateDict(2)),
		stdZip(t, true, "archive/data.pkl", mal, "archive/data/0", storageBytes(8)),
		buildZip(nil, []zent{{name: "a/data.pkl", localName: "b", data: mal, flags: 1, badCRC: true}, {name: "x", data: mal, hidden: true}}),
		legacyStacked(torchStateDict(1)),
		tarOf(t, "storages", mal, "pickle", mal),
		plainNpy,
		npy(3, "{'descr': [('a', '<f8'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }", mal),
		stdZip(t, true, "a.npy", plainNpy),
		joblibFile(true, nil),
		compressWith(t, "gzip", joblibFile(false, nil)),
		compressWith(t, "zlib", mal),
		compressWith(t, "xz", mal),
		compressWith(t, "lz4", mal),
		compressWith(t, "bzip2", nil),
		append(append([]byte{}, mal...), torchZip(t, mal)...),
		[]byte("7z\xbc\xaf\x27\x1c\x00\x04"),
		sevenZip(t, sevenzipwrite.LZMA2, "weights.bin", mal, "model.pt", torchZip(t, mal)),
		build7z(t, &sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{{Method: sevenzipwrite.LZMA, Files: []sevenzipwrite.File{{Name: "a.pkl", Data: mal}}},
			{Method: sevenzipwrite.Copy, Files: []sevenzipwrite.File{{Name: "b.npy", Data: plainNpy}}}}}),
		mal,
		kerasFile(t, mustJSON(t, kerasModel("Sequential", lambdaLayer("l", fakeMarshal())))),
		h5File(mustJSON(t, kerasModel("Sequential", kerasLayer("Dense", "d", nil)))),
		gguf(benignTemplate),
		safetensorsFile(t, map[string]string{"format": "pt"}, []stTensor{{"w", "F32", []int{2}, [2]int{0, 8}}}, 8, ""),
		savedModelPB("Const", "PyFunc"),
	}
}

func TestFuzzScanFileSeedCorpusNotEmpty(t *testing.T) {
	if len(containerSeeds(t)) == 0 {
		t.Fatal("empty seed corpus")
	}
}

// judgedFormats may be Safe without a pickle entry: their structure is
// judged directly.
var judgedFormats = map[string]bool{FormatNpy: true, FormatNpz: true, FormatZip: true, FormatKeras: true,
	FormatKerasH5: true, FormatGGUF: true, FormatSafetensors: true, FormatSavedModel: true}

func FuzzScanFile(f *testing.F) {
	for _, s := range containerSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := ScanBytes(data, Options{MaxMaterialized: 1 << 16, MaxMemo: 1 << 12})
		if r == nil {
			t.Fatal("nil result")
		}
		switch r.Verdict {
		case Safe, Suspicious, Malicious, Unknown:
		default:
			t.Fatalf("bad verdict %d", r.Verdict)
		}
		if r.Err != nil {
			t.Fatalf("internal error: %v", r.Err)
		}
		if r.Verdict == Safe && len(r.Entries) == 0 && !judgedFormats[r.Format] {
			t.Fatalf("safe without a judged entry: %s", dumpFile(r))
		}
		for _, e := range r.Entries {
			if e.Result == nil {
				t.Fatal("entry without result")
			}
		}
		_ = fmt.Sprint(r.Findings)
	})
}
