package detect

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/overshare/overshare/sas"
)

// TestMatcherAgreesWithIndex checks the automaton against bytes.Index on
// random text over a small alphabet, where overlaps and shared prefixes
// are frequent.
func TestMatcherAgreesWithIndex(t *testing.T) {
	pats := [][]byte{[]byte("ab"), []byte("abc"), []byte("bca"), []byte("c"), []byte("aab"), []byte("cab")}
	m := newMatcher(pats)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		data := make([]byte, rng.IntN(64))
		for i := range data {
			data[i] = "abc"[rng.IntN(3)]
		}
		type hit struct{ p, at int }
		var got, want []hit
		m.find(data, func(p, at int) { got = append(got, hit{p, at}) })
		for p, pat := range pats {
			for off := 0; ; {
				i := bytes.Index(data[off:], pat)
				if i < 0 {
					break
				}
				want = append(want, hit{p, off + i})
				off += i + 1
			}
		}
		cmpHits := func(a, b hit) int {
			if a.at != b.at {
				return a.at - b.at
			}
			return a.p - b.p
		}
		slices.SortFunc(got, cmpHits)
		slices.SortFunc(want, cmpHits)
		if !slices.Equal(got, want) {
			t.Fatalf("data %q: got %v, want %v", data, got, want)
		}
	}
}

// BenchmarkDetectSource measures the detector over real source text: this
// package's own Go files, concatenated (they mention the anchors often).
func BenchmarkDetectSource(b *testing.B) {
	files, _ := filepath.Glob("*.go")
	var data []byte
	for _, f := range files {
		c, _ := os.ReadFile(f)
		data = append(data, c...)
	}
	d := New(Options{Now: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), Policy: sas.DefaultPolicy()})
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		d.Detect(data, "src.go")
	}
}

// BenchmarkDetectNoAnchor measures the floor: text with no anchor at all.
func BenchmarkDetectNoAnchor(b *testing.B) {
	data := bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog 0123456789\n"), 1<<14)
	d := New(Options{Policy: sas.DefaultPolicy()})
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		d.Detect(data, "x.txt")
	}
}

// TestMatcherHalvesAgree checks the four-quarters walk against the one-chain
// walk on long inputs, with matches placed across the boundaries.
func TestMatcherHalvesAgree(t *testing.T) {
	pats := [][]byte{[]byte("sig="), []byte("AccountKey="), []byte("-----BEGIN"), []byte("ig=x")}
	m := newMatcher(pats)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		n := 1024 + rng.IntN(9000)
		data := make([]byte, n)
		for i := range data {
			data[i] = "sig=AcountKy-BEGIN x"[rng.IntN(20)]
		}
		for range 5 {
			p := pats[rng.IntN(len(pats))]
			at := n/4*(1+rng.IntN(3)) - len(p) + 1 + rng.IntN(len(p)) // across a quarter boundary
			if rng.IntN(2) == 0 {
				at = rng.IntN(n - len(p))
			}
			copy(data[at:], p)
		}
		type hit struct{ p, at int }
		var got, want []hit
		m.find(data, func(p, at int) { got = append(got, hit{p, at}) })
		m.walk(data, 0, 0, len(data), len(data), func(p, at int) { want = append(want, hit{p, at}) })
		cmpHits := func(a, b hit) int {
			if a.at != b.at {
				return a.at - b.at
			}
			return a.p - b.p
		}
		slices.SortFunc(got, cmpHits)
		slices.SortFunc(want, cmpHits)
		if !slices.Equal(got, want) {
			t.Fatalf("n=%d: %d hits from find, %d from walk", n, len(got), len(want))
		}
	}
}
