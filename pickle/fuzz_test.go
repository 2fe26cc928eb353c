package pickle

import (
	"fmt"
	"testing"
)

// fuzzSeeds is the seed corpus: every sample of the bypass and benign tests.
func fuzzSeeds() [][]byte {
	seeds := [][]byte{
		osSystem(),
		torchStateDict(2),
		newPW(4).sglobal("collections", "OrderedDict").tuple(0).reduce().stop(),
		append([]byte("I0x10\n0"), osSystem()...),
		newPW(4).frame(2).bytes([]byte("cos\nsystem\n")).op(opPOP).op(opNONE).stop(),
		(&pw{}).raw("(lp0\nI1\naI2\naS'x'\np1\na.").b,
		newPW(2).global("copyreg", "add_extension").str("os").str("system").int(200).tuple(3).reduce().op(opPOP).op(opEXT1, 200).str(canary).tuple(1).reduce().stop(),
		newPW(4).sglobal("pickle", "loads").bytes(osSystem()).tuple(1).reduce().stop(),
		newPW(5).op(opNEXT_BUFFER, opREADONLY_BUF).stop(),
	}
	return seeds
}

func TestFuzzSeedCorpusNotEmpty(t *testing.T) {
	if len(fuzzSeeds()) == 0 {
		t.Fatal("empty seed corpus")
	}
}

func FuzzScan(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := Scan(data, Options{MaxMaterialized: 1 << 16, MaxMemo: 1 << 12})
		if r == nil {
			t.Fatal("nil result")
		}
		switch r.Verdict {
		case Safe, Suspicious, Malicious, Unknown:
		default:
			t.Fatalf("bad verdict %d", r.Verdict)
		}
		if r.Verdict == Safe && (r.Pickles == 0 || r.Err != nil) {
			t.Fatalf("safe without a complete pickle: %v", r.Err)
		}
		_ = fmt.Sprint(r.Findings)
	})
}
