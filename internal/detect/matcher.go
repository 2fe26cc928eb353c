package detect

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// matcher is the prefilter: it finds every occurrence of a set of literal
// byte strings, each at least two bytes long. Each pattern is represented by one of its
// two-byte substrings, chosen to be rare in text. A table indexed by the
// 65,536 possible pairs says which pairs represent patterns; it is read at
// every position, eight positions per 64-bit load, with no dependency from
// one position to the next, so the CPU overlaps the loads. Only where the
// table says yes are the patterns behind the pair compared in full. On
// source code and prose that is well under one position in a hundred.
//
// On amd64 with AVX2, find runs a faster first stage instead (teddy, in
// matcher_teddy.go) on all but the shortest data; the scalar loop here is
// the fallback elsewhere and the reference the tests hold the first stage
// to.
type matcher struct {
	// table[pair] is 0, or 1 + the index in lists of the patterns that pair
	// represents.
	table [1 << 16]uint8
	lists [][]pairCand
	pats  [][]byte
	// teddy is the SIMD first stage, nil where it is not used.
	teddy *teddy
}

type pairCand struct {
	pat int32
	off int32 // of the pair inside the pattern
}

// newMatcher builds the matcher. Every pattern must be at least two bytes
// long, and the patterns represented by at most 255 distinct pairs: a
// rule set that breaks either is a programming error.
func newMatcher(pats [][]byte) *matcher {
	m := &matcher{pats: pats}
	for i, p := range pats {
		if len(p) < 2 {
			panic(fmt.Sprintf("detect: anchor %q is shorter than two bytes", p))
		}
		best, bestCost := 0, 0.0
		for k := 0; k+1 < len(p); k++ {
			if c := pairCost(p[k], p[k+1]); k == 0 || c < bestCost {
				best, bestCost = k, c
			}
		}
		key := pairKey(p[best], p[best+1])
		if m.table[key] == 0 {
			if len(m.lists) == 255 {
				panic("detect: anchors need more than 255 distinct pairs")
			}
			m.lists = append(m.lists, nil)
			m.table[key] = uint8(len(m.lists))
		}
		l := &m.lists[m.table[key]-1]
		*l = append(*l, pairCand{pat: int32(i), off: int32(best)})
	}
	if haveTeddy {
		m.teddy = newTeddy(pats)
	}
	return m
}

func pairKey(a, b byte) uint16 { return uint16(a) | uint16(b)<<8 }

// pairCost estimates how often the pair a, b occurs in text: the product
// of the two bytes' estimated frequencies, doubled bytes counted twice as
// often (a run of one byte matches at every position). This is crude for
// letters ("un" is far more common in code than "cc", which the product
// does not say), but it picks, for every anchor of the rule set, a pair
// that hits at well under 1% of positions of Go, Kubernetes and AWS SDK
// source (TestMatcherHitRate).
func pairCost(a, b byte) float64 {
	c := byteFreq(a) * byteFreq(b)
	if a == b {
		c *= 2
	}
	return c
}

// byteFreq is a rough frequency of a byte in source code and prose, in
// parts per thousand: lower-case letters by their frequency in English
// text, other classes by what they usually are.
func byteFreq(c byte) float64 {
	switch {
	case c >= 'a' && c <= 'z':
		return englishFreq[c-'a']
	case c >= 'A' && c <= 'Z':
		return englishFreq[c-'A'] / 5
	case c == '0':
		return 30 // hex constants, zero padding
	case c >= '1' && c <= '9':
		return 8
	case c == ' ', c == '\n', c == '\t':
		return 150
	case c == '=', c == '-':
		return 8
	case c < 0x20 || c >= 0x7f:
		return 2
	}
	return 4
}

// englishFreq is the frequency of each letter in English text, per
// thousand letters.
var englishFreq = [26]float64{
	82, 15, 28, 43, 127, 22, 20, 61, 70, 1.5, 7.7, 40, 24, // a-m
	67, 75, 19, 1, 60, 63, 91, 28, 9.8, 24, 1.5, 20, 0.7, // n-z
}

// find calls fn with the pattern index and start offset of every match,
// in no particular order.
func (m *matcher) find(data []byte, fn func(pat int, start int)) {
	if m.teddy != nil && len(data) >= 64 {
		m.teddy.find(m.pats, data, fn)
		return
	}
	m.findScalar(data, fn)
}

// findScalar is find without the SIMD first stage.
func (m *matcher) findScalar(data []byte, fn func(pat int, start int)) {
	tb := &m.table
	n := len(data)
	i := 0
	// Eight pairs per step: those starting at i..i+7, the last taking its
	// second byte from data[i+8].
	for ; i+9 <= n; i += 8 {
		d := data[i : i+9 : i+9]
		le := binary.LittleEndian
		t := tb[le.Uint16(d[0:])] | tb[le.Uint16(d[1:])] | tb[le.Uint16(d[2:])] | tb[le.Uint16(d[3:])] |
			tb[le.Uint16(d[4:])] | tb[le.Uint16(d[5:])] | tb[le.Uint16(d[6:])] | tb[le.Uint16(d[7:])]
		if t == 0 {
			continue
		}
		for j := i; j < i+8; j++ {
			if l := tb[pairKey(data[j], data[j+1])]; l != 0 {
				verify(m.pats, m.lists[l-1], data, j, fn)
			}
		}
	}
	for ; i+1 < n; i++ {
		if l := tb[pairKey(data[i], data[i+1])]; l != 0 {
			verify(m.pats, m.lists[l-1], data, i, fn)
		}
	}
}

// verify compares the patterns of list, whose pair (or fingerprint) is at
// data[at:], with the text around at.
func verify(pats [][]byte, list []pairCand, data []byte, at int, fn func(pat int, start int)) {
	for _, c := range list {
		p := pats[c.pat]
		s := at - int(c.off)
		if s >= 0 && s+len(p) <= len(data) && bytes.Equal(data[s:s+len(p)], p) {
			fn(int(c.pat), s)
		}
	}
}
