package detect

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
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

// matcherPath is one way to run a matcher: find calls fn for each match.
type matcherPath struct {
	name string
	find func(data []byte, fn func(p, at int))
}

// matcherPaths returns every way this machine can run the matcher of
// pats: find as the Detector calls it, the scalar loop, the SIMD first
// stage with teddyScanGo, and with the assembly where the CPU has it. All
// must report the same matches.
func matcherPaths(t testing.TB, pats [][]byte) []matcherPath {
	m := newMatcher(pats)
	paths := []matcherPath{{"find", m.find}, {"scalar", m.findScalar}}
	td := newTeddy(pats)
	if td == nil {
		t.Fatalf("no first stage for %d patterns", len(pats))
	}
	tdGo := *td
	tdGo.goScan = true
	paths = append(paths, matcherPath{"teddy-go", func(data []byte, fn func(p, at int)) { tdGo.find(pats, data, fn) }})
	if haveTeddy {
		paths = append(paths, matcherPath{"teddy-asm", func(data []byte, fn func(p, at int)) { td.find(pats, data, fn) }})
	}
	return paths
}

func pathHits(p matcherPath, data []byte) []hit {
	var got []hit
	p.find(data, func(p, at int) { got = append(got, hit{p, at}) })
	slices.SortFunc(got, cmpHits)
	return got
}

// checkPaths fails t unless every path finds exactly the matches
// bytes.Index finds.
func checkPaths(t testing.TB, paths []matcherPath, pats [][]byte, data []byte, what string) {
	t.Helper()
	want := indexHits(pats, data)
	for _, p := range paths {
		if got := pathHits(p, data); !slices.Equal(got, want) {
			t.Fatalf("%s, %s path, %d bytes: got %d hits %v, want %d %v", what, p.name, len(data), len(got), clip(got), len(want), clip(want))
		}
	}
}

func clip(h []hit) []hit { return h[:min(len(h), 20)] }

// TestMatcherAgreesWithIndex checks the matcher against bytes.Index on
// random text over a small alphabet, where overlaps, shared prefixes and
// patterns represented by the same pair are frequent, at every length
// around the eight-byte steps and the SIMD blocks.
func TestMatcherAgreesWithIndex(t *testing.T) {
	pats := [][]byte{[]byte("ab"), []byte("abc"), []byte("bca"), []byte("cc"), []byte("aab"), []byte("cab"), []byte("abcabcab")}
	paths := matcherPaths(t, pats)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		data := make([]byte, rng.IntN(200))
		for i := range data {
			data[i] = "abcd"[rng.IntN(4)]
		}
		checkPaths(t, paths, pats, data, fmt.Sprintf("data %q", data))
	}
}

// realAnchors is the rule set's anchors and their base64 forms, the
// patterns of the Detector's matcher.
func realAnchors() [][]byte {
	var pats [][]byte
	for _, r := range DefaultRules() {
		for _, a := range r.Anchors() {
			pats = append(pats, a)
			pats = append(pats, base64Forms(a)...)
		}
	}
	return pats
}

const anchorFiller = "the quick brown fox = account storage access sig %3D -- KEY AKIA\n"

// TestMatcherRealAnchors runs the rule set's own anchors (and their base64
// forms) over long text with anchors planted at random places, across the
// eight-byte steps and at both ends.
func TestMatcherRealAnchors(t *testing.T) {
	pats := realAnchors()
	paths := matcherPaths(t, pats)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		n := rng.IntN(3000)
		data := make([]byte, n)
		for i := range data {
			data[i] = anchorFiller[rng.IntN(len(anchorFiller))]
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
		checkPaths(t, paths, pats, data, fmt.Sprintf("n=%d", n))
	}
}

// TestMatcherBlockEdges plants anchors at every offset near the 32- and
// 64-byte blocks of the first stage and near both ends, in text of every
// length up to 200 and a few long ones, and slices the text at every
// start up to 63 bytes in: the SIMD and scalar paths must find exactly
// what bytes.Index finds.
func TestMatcherBlockEdges(t *testing.T) {
	pats := realAnchors()
	short := [][]byte{[]byte("ab"), []byte("\xff\x80"), []byte("a\x00c"), []byte("zzzz"), []byte("ab")}
	paths, shortPaths := matcherPaths(t, pats), matcherPaths(t, short)
	rng := rand.New(rand.NewPCG(5, 6))
	fill := func(n int) []byte {
		data := make([]byte, n)
		for i := range data {
			data[i] = anchorFiller[rng.IntN(len(anchorFiller))]
		}
		return data
	}
	near := func(n, l int) []int {
		var at []int
		for _, b := range []int{0, 32, 64, 96, 128, n - l - 35, n - l - 67, n - l} {
			for d := -4; d <= 4; d++ {
				if a := b + d; a >= 0 && a+l <= n {
					at = append(at, a)
				}
			}
		}
		return at
	}
	k := 0
	for n := 0; n <= 200; n++ {
		for _, ps := range []struct {
			pats  [][]byte
			paths []matcherPath
		}{{pats, paths}, {short, shortPaths}} {
			p := ps.pats[k%len(ps.pats)]
			k++
			for _, at := range near(n, len(p)) {
				data := fill(n)
				copy(data[at:], p)
				checkPaths(t, ps.paths, ps.pats, data, fmt.Sprintf("%q at %d", p, at))
			}
			// Random text over the short patterns' bytes.
			data := make([]byte, n)
			for i := range data {
				data[i] = "abz\x00c\xff\x80"[rng.IntN(7)]
			}
			checkPaths(t, ps.paths, ps.pats, data, "random")
		}
	}
	for _, n := range []int{1000, 4099, 70000} {
		data := fill(n + 64)
		for i, p := range pats {
			for _, at := range near(n, len(p)) {
				if rng.IntN(8) == 0 {
					copy(data[at:], p)
				}
			}
			b := 32 * rng.IntN(n/32)
			if at := b + i%7 - 3; at >= 0 && at+len(p) <= n {
				copy(data[at:], p)
			}
		}
		for s := range 64 {
			checkPaths(t, paths, pats, data[s:s+n], fmt.Sprintf("n=%d start %d", n, s))
		}
	}
}

// TestTeddyScanAgrees holds the assembly to teddyScanGo, word for word,
// with random tables (dense, sparse and the real ones) over random text,
// at every length up to 300 and with output buffers of every size.
func TestTeddyScanAgrees(t *testing.T) {
	if !haveTeddy {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	real := newTeddy(realAnchors()).masks
	for iter := range 3000 {
		var masks [2 * teddyWidth][32]byte
		switch iter % 3 {
		case 0:
			masks = real
		case 1, 2:
			density := []uint32{0xff, 0x11}[iter%3-1]
			for i := range masks {
				for v := range 16 {
					b := byte(rng.Uint32() & density)
					masks[i][v], masks[i][v+16] = b, b
				}
			}
		}
		n := rng.IntN(300)
		if iter%100 == 0 {
			n = 5000 + rng.IntN(100)
		}
		data := make([]byte, n)
		for i := range data {
			if iter%2 == 0 {
				data[i] = anchorFiller[rng.IntN(len(anchorFiller))]
			} else {
				data[i] = byte(rng.Uint32())
			}
		}
		outLen := rng.IntN(40)
		gotOut, wantOut := make([]uint64, outLen), make([]uint64, outLen)
		gn, gnext := teddyScan(&masks, data, gotOut)
		wn, wnext := teddyScanGo(&masks, data, wantOut)
		if gn != wn || gnext != wnext || !slices.Equal(gotOut[:gn], wantOut[:wn]) {
			t.Fatalf("iteration %d, %d bytes, out %d: assembly (%d, %d) %x, Go (%d, %d) %x", iter, n, outLen, gn, gnext, gotOut[:gn], wn, wnext, wantOut[:wn])
		}
	}
}

// FuzzMatcher holds the SIMD first stage (assembly and Go) to the scalar
// loop and to bytes.Index, over the rule set's anchors and over patterns
// cut from the input text itself (so that they occur): pats is a list of
// byte pairs, each giving a start (as a share of the text) and a length
// of 2 to 9 bytes.
func FuzzMatcher(f *testing.F) {
	real := realAnchors()
	realPaths := matcherPaths(f, real)
	f.Add([]byte{}, []byte(anchorFiller))
	f.Add([]byte{0, 0, 200, 3, 90, 1}, []byte("aabcabccabcc aabcabccabcc aabcabccabcc aabcabccabcc aabcabccabcc aabcabccabcc"))
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{35, 66, 67, 99, 100, 131, 200, 1000} {
		data := make([]byte, n)
		for i := range data {
			data[i] = anchorFiller[rng.IntN(len(anchorFiller))]
		}
		for _, at := range []int{0, 29, 31, 32, 60, 63, 64, n - 8, n - 4} {
			p := real[rng.IntN(len(real))]
			if at >= 0 && at+len(p) <= n {
				copy(data[at:], p)
			}
		}
		f.Add([]byte{byte(rng.IntN(256)), byte(rng.IntN(256)), 255, 7}, data)
	}
	f.Fuzz(func(t *testing.T, pats, data []byte) {
		checkPaths(t, realPaths, real, data, "rule anchors")
		var own [][]byte
		for i := 0; i+1 < len(pats) && len(own) < 64; i += 2 {
			l := 2 + int(pats[i+1])%8
			if l > len(data) {
				continue
			}
			at := int(pats[i]) * (len(data) - l) / 255
			own = append(own, data[at:at+l])
		}
		if len(own) > 0 {
			checkPaths(t, matcherPaths(t, own), own, data, fmt.Sprintf("patterns %q", own))
		}
	})
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
	benchDetect(b, data, "src.go", Options{Now: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), Policy: sas.DefaultPolicy()})
}

// BenchmarkDetectNoAnchor measures the floor: text with no anchor at all.
func BenchmarkDetectNoAnchor(b *testing.B) {
	data := bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog 0123456789\n"), 1<<14)
	benchDetect(b, data, "x.txt", Options{Policy: sas.DefaultPolicy()})
}

// benchDetect runs Detect over data with the scalar matcher and, where
// the CPU has it, the SIMD first stage.
func benchDetect(b *testing.B, data []byte, path string, opts Options) {
	scalar, simd := New(opts), New(opts)
	scalar.match.teddy = nil
	for _, d := range []*Detector{scalar, simd} {
		name := "teddy"
		if d.match.teddy == nil {
			if d == simd {
				continue
			}
			name = "scalar"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				d.Detect(data, path)
			}
		})
	}
}

// BenchmarkMatcherSource measures the matcher alone over source code: the
// Go distribution's net/http and, when /tmp/awstree holds a checkout of
// the AWS SDK for Go, its first 64 MB of Go files.
func BenchmarkMatcherSource(b *testing.B) {
	simd := New(Options{}).match
	scalar := *simd
	scalar.teddy = nil
	for _, corpus := range []string{"nethttp", "awstree"} {
		data := benchCorpus(b, corpus)
		if data == nil {
			continue
		}
		for _, m := range []*matcher{&scalar, simd} {
			name := "teddy"
			if m.teddy == nil {
				if m == simd {
					continue
				}
				name = "scalar"
			}
			b.Run(corpus+"/"+name, func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				found := 0
				for b.Loop() {
					m.find(data, func(int, int) { found++ })
				}
			})
		}
	}
}

// benchCorpus returns the Go source of a corpus: "nethttp" (the Go
// distribution's net/http) or "awstree" (up to 64 MB of Go files under
// /tmp/awstree, nil if there are none).
func benchCorpus(tb testing.TB, name string) []byte {
	var data []byte
	switch name {
	case "nethttp":
		files, _ := filepath.Glob(filepath.Join(runtime.GOROOT(), "src", "net", "http", "*.go"))
		for _, f := range files {
			c, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			data = append(data, c...)
		}
		if len(data) < 1<<20 {
			tb.Fatalf("only %d bytes of Go source found under GOROOT", len(data))
		}
	case "awstree":
		filepath.WalkDir("/tmp/awstree", func(path string, e fs.DirEntry, err error) error {
			if len(data) >= 64<<20 {
				return filepath.SkipAll
			}
			if err != nil {
				return nil
			}
			if e.Type().IsRegular() && strings.HasSuffix(path, ".go") {
				c, _ := os.ReadFile(path)
				data = append(data, c...)
			}
			return nil
		})
	}
	return data
}

// TestMatcherHitRate: on ordinary source code (the Go distribution's
// net/http package) the pairs that represent the rule set's anchors occur
// at under 1% of positions; each hit costs a look-up and a comparison.
// Measured when written: 0.35-0.42% over 64 MB of Go, Kubernetes and AWS
// SDK source; a new anchor with a common pair would raise it.
func TestMatcherHitRate(t *testing.T) {
	data := benchCorpus(t, "nethttp")
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

// TestTeddyPassRate: on the same source (and the AWS SDK's, when
// /tmp/awstree has it) the SIMD first stage passes under 1.5% of positions
// to the table, each a look-up and, often, a mispredicted branch; a new
// anchor whose fingerprint mixes badly with its bucket would raise it.
// Measured when written: 0.46% of net/http and 0.50% of 64 MB of the AWS
// SDK, of which the table keeps 0.05% and 0.09% for verify.
func TestTeddyPassRate(t *testing.T) {
	td := newTeddy(realAnchors())
	for _, corpus := range []string{"nethttp", "awstree"} {
		data := benchCorpus(t, corpus)
		if data == nil {
			continue
		}
		passed, kept := 0, 0
		scan := teddyScanGo
		if haveTeddy {
			scan = teddyScan
		}
		var buf [32]uint64
		for i := 0; ; {
			n, next := scan(&td.masks, data[i:], buf[:])
			for k := 0; k < n; k += 2 {
				for mask := buf[k+1]; mask != 0; mask &= mask - 1 {
					j := i + int(buf[k]) + bits.TrailingZeros64(mask)
					passed++
					if td.table[pairKey(data[j], data[j+1])] != 0 {
						kept++
					}
				}
			}
			i += next
			if n < len(buf) {
				break
			}
		}
		rate := float64(passed) / float64(len(data))
		t.Logf("%s: %d bytes, first stage passes %.3f%% of positions, the table keeps %.3f%%", corpus, len(data), 100*rate, 100*float64(kept)/float64(len(data)))
		if rate > 0.015 {
			t.Errorf("%s: the first stage passes %.2f%% of positions, want under 1.5%%", corpus, 100*rate)
		}
	}
}
