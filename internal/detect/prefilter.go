package detect

// matcher finds every occurrence of a set of literal byte strings in one
// pass (Aho-Corasick compiled to a dense DFA). The prefilter runs it over
// every byte the scanner reads, so its inner loop is two table loads per
// byte: text with no anchor costs nothing else. Bytes that occur in no
// pattern share one class, which keeps the table small enough for the
// CPU's caches.
type matcher struct {
	class  [256]uint8
	nclass int
	// row is the hot loop's table: row[state*nclass+class] is the next
	// state's row offset, with hit set when patterns end there.
	row    []uint32
	out    [][]int32 // patterns that end at each state (fail chain merged)
	lens   []int
	maxLen int
}

func newMatcher(pats [][]byte) *matcher {
	type node struct {
		next map[byte]int32
		fail int32
		out  []int32
	}
	nodes := []node{{next: map[byte]int32{}}}
	m := &matcher{lens: make([]int, len(pats))}
	for i, p := range pats {
		m.lens[i] = len(p)
		m.maxLen = max(m.maxLen, len(p))
		s := int32(0)
		for _, b := range p {
			n, ok := nodes[s].next[b]
			if !ok {
				n = int32(len(nodes))
				nodes = append(nodes, node{next: map[byte]int32{}})
				nodes[s].next[b] = n
			}
			s = n
		}
		nodes[s].out = append(nodes[s].out, int32(i))
	}
	if len(nodes) > 1<<16 {
		panic("detect: too many anchor states") // a programming error in the rule set
	}
	// Class 0 is every byte that occurs in no pattern.
	m.nclass = 1
	for _, p := range pats {
		for _, b := range p {
			if m.class[b] == 0 {
				m.class[b] = uint8(m.nclass)
				m.nclass++
			}
		}
	}
	rep := make([]byte, m.nclass) // one byte of each class
	for b := 255; b >= 0; b-- {
		rep[m.class[b]] = byte(b)
	}
	nc := m.nclass
	delta := make([]uint16, len(nodes)*nc) // state*nclass + class → next state
	m.out = make([][]int32, len(nodes))
	// Breadth-first, so that a state's fail target is complete before it.
	queue := make([]int32, 0, len(nodes))
	for c := 1; c < nc; c++ {
		if n, ok := nodes[0].next[rep[c]]; ok {
			delta[c] = uint16(n)
			queue = append(queue, n)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		nodes[s].out = append(nodes[s].out, nodes[nodes[s].fail].out...)
		fail := int(nodes[s].fail)
		for c := 0; c < nc; c++ {
			if n, ok := nodes[s].next[rep[c]]; ok && c != 0 {
				nodes[n].fail = int32(delta[fail*nc+c])
				delta[int(s)*nc+c] = uint16(n)
				queue = append(queue, n)
			} else {
				delta[int(s)*nc+c] = delta[fail*nc+c]
			}
		}
	}
	for i := range nodes {
		m.out[i] = nodes[i].out
	}
	m.row = make([]uint32, len(delta))
	for i, n := range delta {
		v := uint32(n) * uint32(nc)
		if len(m.out[n]) > 0 {
			v |= hit
		}
		m.row[i] = v
	}
	return m
}

// hit marks a row entry whose state ends a pattern.
const hit = 1 << 31

// find calls fn with the pattern index and start offset of every match,
// in no particular order.
//
// The automaton's next state depends on the last, so one walk is a chain of
// dependent loads. Long inputs are walked as four quarters in one loop:
// four independent chains the CPU overlaps. Each quarter runs on past its
// end by the longest pattern so that no match across a boundary is lost,
// and reports only the matches that start inside it.
func (m *matcher) find(data []byte, fn func(pat int, start int)) {
	const lanes = 4
	if len(data) < 1<<10 {
		m.walk(data, 0, 0, len(data), len(data), fn)
		return
	}
	q := len(data) / lanes
	var lim, end [lanes]int
	for k := range lanes {
		lim[k] = (k + 1) * q
		end[k] = min(len(data), lim[k]+m.maxLen-1)
	}
	lim[lanes-1], end[lanes-1] = len(data), len(data)
	d0, d1, d2, d3 := data[0:end[0]], data[q:end[1]], data[2*q:end[2]], data[3*q:end[3]]
	d0, d1, d2, d3 = d0[:q:q], d1[:q:q], d2[:q:q], d3[:q:q]
	row, class, nc := m.row, &m.class, uint32(m.nclass)
	var s0, s1, s2, s3 uint32
	report := func(s uint32, at, lane int) {
		base := lane * q
		for _, p := range m.out[s/nc] {
			if start := base + at + 1 - m.lens[p]; start < lim[lane] {
				fn(int(p), start)
			}
		}
	}
	for i := range d0 {
		v0 := row[s0+uint32(class[d0[i]])]
		v1 := row[s1+uint32(class[d1[i]])]
		v2 := row[s2+uint32(class[d2[i]])]
		v3 := row[s3+uint32(class[d3[i]])]
		s0, s1, s2, s3 = v0&^hit, v1&^hit, v2&^hit, v3&^hit
		if (v0|v1|v2|v3)&hit != 0 {
			if v0&hit != 0 {
				report(s0, i, 0)
			}
			if v1&hit != 0 {
				report(s1, i, 1)
			}
			if v2&hit != 0 {
				report(s2, i, 2)
			}
			if v3&hit != 0 {
				report(s3, i, 3)
			}
		}
	}
	// Each quarter goes on alone past q, to its end.
	for k, s := range [lanes]uint32{s0, s1, s2, s3} {
		base := k * q
		for i := base + q; i < end[k]; i++ {
			v := row[s+uint32(class[data[i]])]
			if s = v &^ hit; v&hit != 0 {
				report(s, i-base, k)
			}
		}
	}
}

// walk runs the automaton over data[from:to] from the start state,
// reporting matches that start before limit.
func (m *matcher) walk(data []byte, base, from, to, limit int, fn func(pat int, start int)) {
	row, class, nc := m.row, &m.class, uint32(m.nclass)
	s := uint32(0)
	for i := from; i < to; i++ {
		v := row[s+uint32(class[data[i]])]
		s = v &^ hit
		if v&hit != 0 {
			for _, p := range m.out[s/nc] {
				if start := base + i + 1 - m.lens[p]; start < limit {
					fn(int(p), start)
				}
			}
		}
	}
}
