package detect

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
)

// TestMatcherGuardPage runs every path over text that ends (or starts)
// at a page boundary next to a page that may not be read: a load past
// either end of the slice, even by one byte, faults.
func TestMatcherGuardPage(t *testing.T) {
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 3*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip(err)
	}
	defer syscall.Munmap(mem)
	if err := syscall.Mprotect(mem[:page], syscall.PROT_NONE); err != nil {
		t.Skip(err)
	}
	if err := syscall.Mprotect(mem[2*page:], syscall.PROT_NONE); err != nil {
		t.Skip(err)
	}
	buf := mem[page : 2*page]
	pats := realAnchors()
	paths := matcherPaths(t, pats)
	rng := rand.New(rand.NewPCG(9, 10))
	for n := 0; n <= 400; n++ {
		for _, atEnd := range []bool{true, false} {
			data := buf[:n]
			if atEnd {
				data = buf[page-n:]
			}
			for i := range data {
				data[i] = anchorFiller[rng.IntN(len(anchorFiller))]
			}
			if p := pats[n%len(pats)]; len(p) <= n {
				copy(data[n-len(p):], p) // the anchor ends the text
			}
			if p := pats[(n+1)%len(pats)]; len(p) <= n {
				copy(data, p)
			}
			checkPaths(t, paths, pats, data, fmt.Sprintf("n=%d at end %v", n, atEnd))
		}
	}
}
