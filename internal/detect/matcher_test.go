package detect

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/overshare/overshare/sas"
)

// indexHits is every (pattern, start) of pats in data, by bytes.Index.
func indexHits(pats [][]byte, data []byte) []hit {
	var want []hit
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
	slices.SortFunc(want, cmpHits)
	return want
}

type hit struct{ p, at int }

func cmpHits(a, b hit) int {
	if a.at != b.at {
		return a.at - b.at
	}
	return a.p - b.p
}

func matcherHits(m *matcher, data []byte) []hit {
	var got []hit
	m.find(data, func(p, at int) { got = append(got, hit{p, at}) })
	slices.SortFunc(got, cmpHits)
	return got
}

// TestMatcherAgreesWithIndex checks the matcher against bytes.Index on
// random text over a small alphabet, where overlaps, shared prefixes and
// patterns represented by the same pair are frequent, at every length
// around the eight-byte steps.
func TestMatcherAgreesWithIndex(t *testing.T) {
	pats := [][]byte{[]byte("ab"), []byte("abc"), []byte("bca"), []byte("cc"), []byte("aab"), []byte("cab"), []byte("abcabcab")}
	m := newMatcher(pats)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		data := make([]byte, rng.IntN(80))
		for i := range data {
			data[i] = "abcd"[rng.IntN(4)]
		}
		if got, want := matcherHits(m, data), indexHits(pats, data); !slices.Equal(got, want) {
			t.Fatalf("data %q: got %v, want %v", data, got, want)
		}
	}
}

// TestMatcherRealAnchors runs the rule set's own anchors (and their base64
// forms) over long text with anchors planted at random places, across the
// eight-byte steps and at both ends.
func TestMatcherRealAnchors(t *testing.T) {
	var pats [][]byte
	for _, r := range DefaultRules() {
		for _, a := range r.Anchors() {
			pats = append(pats, a)
			pats = append(pats, base64Forms(a)...)
		}
	}
	m := newMatcher(pats)
	rng := rand.New(rand.NewPCG(3, 4))
	filler := []byte("the quick brown fox = account storage access sig %3D -- KEY AKIA\n")
	for range 200 {
		n := rng.IntN(3000)
		data := make([]byte, n)
		for i := range data {
			data[i] = filler[rng.IntN(len(filler))]
		}
		for range rng.IntN(8) {
			p := pats[rng.IntN(len(pats))]
			if len(p) > n {
				continue
			}
			at := rng.IntN(n - len(p) + 1)
			switch rng.IntN(3) {
			case 0:
				at = 0
			case 1:
				at = n - len(p)
			}
			copy(data[at:], p)
		}
		if got, want := matcherHits(m, data), indexHits(pats, data); !slices.Equal(got, want) {
			t.Fatalf("n=%d: %d hits from the matcher, %d from bytes.Index", n, len(got), len(want))
		}
	}
}

// TestMatcherShortAnchorPanics: a one-byte anchor is a programming error,
// said at construction, not a silent miss.
func TestMatcherShortAnchorPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("newMatcher accepted a one-byte anchor")
		}
	}()
	newMatcher([][]byte{[]byte("x")})
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

// TestMatcherHitRate: on ordinary source code (the Go distribution's
// net/http package) the pairs that represent the rule set's anchors occur
// at under 1% of positions; each hit costs a look-up and a comparison.
// Measured when written: 0.35-0.42% over 64 MB of Go, Kubernetes and AWS
// SDK source; a new anchor with a common pair would raise it.
func TestMatcherHitRate(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(runtime.GOROOT(), "src", "net", "http", "*.go"))
	var data []byte
	for _, f := range files {
		c, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, c...)
	}
	if len(data) < 1<<20 {
		t.Fatalf("only %d bytes of Go source found under GOROOT", len(data))
	}
	m := New(Options{}).match
	hits := 0
	for i := 0; i+1 < len(data); i++ {
		if m.table[pairKey(data[i], data[i+1])] != 0 {
			hits++
		}
	}
	rate := float64(hits) / float64(len(data))
	t.Logf("%d bytes, pair hits at %.2f%% of positions", len(data), 100*rate)
	if rate > 0.01 {
		t.Errorf("pair hits at %.2f%% of positions, want under 1%%", 100*rate)
	}
}
