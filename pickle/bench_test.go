package pickle

import (
	"fmt"
	"testing"
)

// largePickle builds a protocol-4 pickle of about 7 MB and 2 million
// opcodes: a list of (key, int) tuples with memoized keys, in batches of
// 1000 as pickle.dumps writes them, with an OrderedDict every batch.
func largePickle() (data []byte, ops int) {
	p := newPW(4).op(opEMPTY_LIST).memoize()
	ops = 3
	p.sglobal("collections", "OrderedDict").memoize().op(opPOP)
	ops += 4
	for i := 0; i < 500_000; i++ {
		if i%1000 == 0 {
			if i > 0 {
				p.op(opAPPENDS)
				ops++
			}
			p.mark()
			p.op(opLONG_BINGET, 1, 0, 0, 0).tuple(0).reduce()
			ops += 4
		}
		p.str(fmt.Sprintf("k%06d", i)).memoize().int(i & 0xff).op(opTUPLE2)
		ops += 4
	}
	p.op(opAPPENDS)
	return p.stop(), ops + 2
}

func BenchmarkScanLarge(b *testing.B) {
	data, ops := largePickle()
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	b.ReportMetric(float64(ops), "opcodes")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := Scan(data, Options{})
		if r.Verdict != Safe {
			b.Fatalf("verdict %v: %v", r.Verdict, r.Err)
		}
	}
}
