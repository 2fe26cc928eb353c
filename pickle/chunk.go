package pickle

// chunked is an append-only table stored in fixed-size chunks: growing it
// never copies, so a large pickle allocates its tables once.
type chunked[T any] struct {
	chunks [][]T
	n      int
}

const chunkBits = 15

func (c *chunked[T]) add(v T) int32 {
	if c.n>>chunkBits == len(c.chunks) {
		c.chunks = append(c.chunks, make([]T, 0, 1<<chunkBits))
	}
	ch := &c.chunks[len(c.chunks)-1]
	*ch = append(*ch, v)
	c.n++
	return int32(c.n - 1)
}

func (c *chunked[T]) at(i int32) *T {
	return &c.chunks[i>>chunkBits][i&(1<<chunkBits-1)]
}

// arena holds container items; each container's items are contiguous
// within one chunk.
type arena struct {
	chunks [][]val
}

// alloc copies items into the arena and returns their position.
func (a *arena) alloc(items []val, room int) (chunk, off int32) {
	if len(a.chunks) == 0 || cap(a.chunks[len(a.chunks)-1])-len(a.chunks[len(a.chunks)-1]) < room {
		a.chunks = append(a.chunks, make([]val, 0, 1<<chunkBits))
	}
	i := len(a.chunks) - 1
	off = int32(len(a.chunks[i]))
	a.chunks[i] = append(a.chunks[i], items...)
	return int32(i), off
}
