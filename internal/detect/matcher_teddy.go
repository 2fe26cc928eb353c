package detect

import (
	"cmp"
	"math/bits"
	"slices"
)

// teddy is a SIMD first stage for the matcher (the "Teddy" algorithm of
// Hyperscan): where the scalar loop reads the pair table at every
// position, it tests 32 positions in a few vector instructions and
// leaves the table to the rare positions that pass.
//
// Each pattern is represented by a fingerprint: teddyWidth of its bytes
// (all of them if it is shorter), chosen rare by byteFreq like the
// scalar pairs. The fingerprints are spread over eight buckets, one bit
// each. For each byte t = 0..teddyWidth-1 of a fingerprint there are two
// 16-entry tables, indexed by a byte's low and by its high nibble, giving
// the buckets that have a fingerprint whose byte t has that nibble (or
// that have a fingerprint shorter than t+1: no condition). At position j
// the text passes bucket b when, for every t, both tables of t give b for
// data[j+t]. Every occurrence of a fingerprint passes its bucket; so do
// other strings that mix the nibbles of the bucket's fingerprints, which
// is why fingerprints are grouped (assignBuckets) to share nibbles.
//
// One VPSHUFB looks up 32 nibbles at once, so the assembly (teddyScan)
// tests positions i..i+31 with, per t, a load of data[i+t:i+t+32], two
// nibble splits, two shuffles and an AND, and reports the blocks where
// some position passes some bucket, as bit masks. For each such position
// j, find reads table, which is indexed like matcher.table by the first
// two bytes of a fingerprint, and compares the patterns behind them in
// full with verify. The positions the assembly does not reach (the last
// few bytes, where a load would run past the data) get the table and
// verify without the filter.
//
// Why the results are the scalar loop's: an occurrence of pattern p at s
// contains p's fingerprint at j = s + off, which passes its bucket at
// every t, so j is reported (or is in the unfiltered tail); table at j's
// first two bytes lists (p, off); verify then compares data[s:] with p,
// the same test the scalar path makes. Every report comes from that
// comparison, and each pattern is listed once, at one offset, so each
// occurrence is reported exactly once, in increasing order of j.
type teddy struct {
	// masks[2t] and masks[2t+1] are the low-nibble and high-nibble tables
	// of fingerprint byte t, each written twice: VPSHUFB looks up in each
	// 128-bit lane of a register separately.
	masks [2 * teddyWidth][32]byte
	// table[pair] is 0, or 1 + the index in lists of the patterns whose
	// fingerprint starts with pair; off is the fingerprint's offset.
	table [1 << 16]uint8
	lists [][]pairCand
	// goScan runs teddyScanGo instead of the assembly (for tests).
	goScan bool
}

// teddyWidth is the length of a fingerprint. Four bytes pass about 0.5%
// of the positions of Go source (three bytes: 1.5%), at the cost of one
// more load, two more shuffles per 32 positions.
const teddyWidth = 4

type fingerprint struct {
	b [teddyWidth]byte
	n int // bytes used, 2..teddyWidth
}

// newTeddy builds the first stage for pats (each at least two bytes), or
// returns nil if their fingerprints start with more than 255 distinct
// pairs.
func newTeddy(pats [][]byte) *teddy {
	td := &teddy{}
	var fps []fingerprint
	seen := map[fingerprint]bool{}
	for i, p := range pats {
		w := min(teddyWidth, len(p))
		best, bestCost := 0, 0.0
		for k := 0; k+w <= len(p); k++ {
			if c := fingerprintCost(p[k : k+w]); k == 0 || c < bestCost {
				best, bestCost = k, c
			}
		}
		f := fingerprint{n: w}
		copy(f.b[:], p[best:best+w])
		if !seen[f] {
			seen[f] = true
			fps = append(fps, f)
		}
		key := pairKey(p[best], p[best+1])
		if td.table[key] == 0 {
			if len(td.lists) == 255 {
				return nil
			}
			td.lists = append(td.lists, nil)
			td.table[key] = uint8(len(td.lists))
		}
		l := &td.lists[td.table[key]-1]
		*l = append(*l, pairCand{pat: int32(i), off: int32(best)})
	}
	for b, bucket := range assignBuckets(fps) {
		var s nibbleSets
		for _, f := range bucket {
			s.add(f)
		}
		for t := range teddyWidth {
			for v := range 16 {
				if s[t][0]>>v&1 != 0 {
					td.masks[2*t][v] |= 1 << b
					td.masks[2*t][v+16] |= 1 << b
				}
				if s[t][1]>>v&1 != 0 {
					td.masks[2*t+1][v] |= 1 << b
					td.masks[2*t+1][v+16] |= 1 << b
				}
			}
		}
	}
	return td
}

// fingerprintCost estimates how often f occurs in text, as pairCost does
// for pairs: the product of its bytes' frequencies, doubled for each byte
// that repeats the one before it.
func fingerprintCost(f []byte) float64 {
	c := 1.0
	for i, x := range f {
		c *= byteFreq(x)
		if i > 0 && x == f[i-1] {
			c *= 2
		}
	}
	return c
}

// nibbleSets are one bucket's conditions: for each fingerprint byte t,
// the sets of low ([t][0]) and high ([t][1]) nibbles it allows, as bit
// sets.
type nibbleSets [teddyWidth][2]uint16

func (s *nibbleSets) add(f fingerprint) {
	for t := range s {
		if t < f.n {
			s[t][0] |= 1 << (f.b[t] & 15)
			s[t][1] |= 1 << (f.b[t] >> 4)
		} else {
			s[t] = [2]uint16{0xffff, 0xffff}
		}
	}
}

// cost is the estimated share of positions that pass the bucket: the
// product over t of the frequency of the bytes whose two nibbles are both
// allowed, bytes taken as independent.
func (s *nibbleSets) cost() float64 {
	p := 1.0
	for t := range s {
		sum, lo := 0.0, s[t][0]
		for hs := s[t][1]; hs != 0; hs &= hs - 1 {
			r := &rowFreq[bits.TrailingZeros16(hs)]
			sum += r[0][lo&0xff] + r[1][lo>>8]
		}
		p *= sum
	}
	return p
}

// rowFreq[h][0][m] is the frequency (byteFreq, as a share of the total)
// of the bytes h<<4|l for l in the set m of low nibbles 0-7; rowFreq[h][1]
// the same for 8-15.
var rowFreq = func() (r [16][2][256]float64) {
	total := 0.0
	for c := range 256 {
		total += byteFreq(byte(c))
	}
	for h := range 16 {
		for half := range 2 {
			for m := 1; m < 256; m++ {
				l := half*8 + bits.TrailingZeros8(uint8(m))
				r[h][half][m] = r[h][half][m&(m-1)] + byteFreq(byte(h<<4|l))/total
			}
		}
	}
	return r
}()

// assignBuckets spreads the fingerprints over eight buckets so that the
// sum of the buckets' costs is small: greedily, the most frequent first,
// each where it adds the least; then moving single fingerprints while
// that lowers the sum. Fingerprints that share nibbles at the same places
// end up together.
func assignBuckets(fps []fingerprint) [8][]fingerprint {
	var buckets [8][]fingerprint
	var sets [8]nibbleSets
	var costs [8]float64
	// setsWithout is the sets of bucket b without its fingerprint i.
	setsWithout := func(b, i int) (s nibbleSets) {
		for k, f := range buckets[b] {
			if k != i {
				s.add(f)
			}
		}
		return s
	}
	// added is the sets s with f, and their cost.
	added := func(s nibbleSets, f fingerprint) (nibbleSets, float64) {
		s.add(f)
		return s, s.cost()
	}
	single := func(f fingerprint) float64 {
		_, c := added(nibbleSets{}, f)
		return c
	}
	order := slices.Clone(fps)
	slices.SortStableFunc(order, func(a, b fingerprint) int { return cmp.Compare(single(b), single(a)) })
	for _, f := range order {
		best, bestDelta := 0, 0.0
		for b := range buckets {
			if _, c := added(sets[b], f); b == 0 || c-costs[b] < bestDelta {
				best, bestDelta = b, c-costs[b]
			}
		}
		buckets[best] = append(buckets[best], f)
		sets[best], costs[best] = added(sets[best], f)
	}
	for range 20 {
		moved := false
		for b := range buckets {
			for i := 0; i < len(buckets[b]); i++ {
				f := buckets[b][i]
				rest := setsWithout(b, i)
				restCost := rest.cost()
				to, gain := -1, 0.0
				var toSets nibbleSets
				var toCost float64
				for b2 := range buckets {
					if b2 == b {
						continue
					}
					// A gain below 1e-12 (costs are shares of positions,
					// 1e-5 and up) would be rounding.
					s, c := added(sets[b2], f)
					if g := costs[b] - restCost - (c - costs[b2]); g > max(gain, 1e-12) {
						to, gain, toSets, toCost = b2, g, s, c
					}
				}
				if to < 0 {
					continue
				}
				buckets[b] = slices.Delete(buckets[b], i, i+1)
				sets[b], costs[b] = rest, restCost
				buckets[to] = append(buckets[to], f)
				sets[to], costs[to] = toSets, toCost
				moved = true
				i--
			}
		}
		if !moved {
			break
		}
	}
	return buckets
}

// find reports the matches of pats in data, as matcher.find.
func (td *teddy) find(pats [][]byte, data []byte, fn func(pat int, start int)) {
	var buf [32]uint64
	i := 0
	for {
		var n, next int
		if td.goScan {
			n, next = teddyScanGo(&td.masks, data[i:], buf[:])
		} else {
			n, next = teddyScan(&td.masks, data[i:], buf[:])
		}
		for k := 0; k < n; k += 2 {
			base := i + int(buf[k])
			for mask := buf[k+1]; mask != 0; mask &= mask - 1 {
				j := base + bits.TrailingZeros64(mask)
				if l := td.table[pairKey(data[j], data[j+1])]; l != 0 {
					verify(pats, td.lists[l-1], data, j, fn)
				}
			}
		}
		i += next
		if n < len(buf) {
			break
		}
	}
	for ; i+1 < len(data); i++ {
		if l := td.table[pairKey(data[i], data[i+1])]; l != 0 {
			verify(pats, td.lists[l-1], data, i, fn)
		}
	}
}

// teddyScanGo is teddyScan in Go: the specification of the assembly, and
// a stand-in where there is none. It tests the positions of data in
// blocks of 64, then at most one block of 32, each block only if the
// loads for all its positions stay inside data (teddyWidth-1 bytes past
// the block). For each block with a position that passes some bucket it
// appends two words to out: the block's offset and the mask of the
// positions that pass (bit j for offset+j). It stops when out has no room
// for two more, and returns the number of words written and the offset of
// the first position not tested. The words of out past n are unspecified.
func teddyScanGo(masks *[2 * teddyWidth][32]byte, data []byte, out []uint64) (n, next int) {
	out = out[:len(out)&^1]
	if len(out) == 0 {
		return 0, 0
	}
	block := func(i, size int) uint64 {
		var mask uint64
		for j := range size {
			r := byte(0xff)
			for t := range teddyWidth {
				c := data[i+j+t]
				r &= masks[2*t][c&15] & masks[2*t+1][c>>4]
			}
			if r != 0 {
				mask |= 1 << j
			}
		}
		return mask
	}
	i := 0
	for ; i+64+teddyWidth-1 <= len(data); i += 64 {
		if mask := block(i, 64); mask != 0 {
			out[n], out[n+1] = uint64(i), mask
			n += 2
			if n == len(out) {
				return n, i + 64
			}
		}
	}
	if i+32+teddyWidth-1 <= len(data) {
		if mask := block(i, 32); mask != 0 {
			out[n], out[n+1] = uint64(i), mask
			n += 2
		}
		i += 32
	}
	return n, i
}
