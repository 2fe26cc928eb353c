// Package xzsafe opens xz streams from untrusted bytes without letting a
// 100-byte header make the decoder allocate gigabytes: the dictionary the
// header asks for is checked first, and no larger dictionary than the
// header's is ever allocated (the library's configured capacity is a
// minimum, not a limit).
package xzsafe

import (
	"bufio"
	"errors"
	"io"

	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// MaxDict is the largest LZMA dictionary accepted: what xz -9 uses.
const MaxDict = 64 << 20

// ErrDictTooLarge means the stream asks for a dictionary over MaxDict.
var ErrDictTooLarge = errors.New("xz stream asks for an LZMA dictionary over 64 MiB")

// NewReader opens an xz stream with a dictionary no larger than its header
// asks for, refusing one over MaxDict.
func NewReader(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 4096)
	h, _ := br.Peek(64)
	if !DictOK(h, MaxDict) {
		return nil, ErrDictTooLarge
	}
	return xz.ReaderConfig{DictCap: lzma.MinDictCap}.NewReader(br)
}

// DictOK checks the LZMA2 dictionary size in the first block header of
// an xz stream, h being its first bytes (64 are enough): the decoder
// allocates what the header asks for, up to 4 GiB.
func DictOK(h []byte, max uint64) bool {
	if len(h) < 13 {
		return true
	}
	b := h[12:]
	hs := (int(b[0]) + 1) * 4
	if b[0] == 0 || len(b) < hs {
		return true
	}
	b = b[:hs]
	flags := b[1]
	p := 2
	varint := func() uint64 {
		var v uint64
		for i := 0; i < 9 && p < len(b); i++ {
			c := b[p]
			p++
			v |= uint64(c&0x7f) << (7 * i)
			if c&0x80 == 0 {
				break
			}
		}
		return v
	}
	if flags&0x40 != 0 {
		varint()
	}
	if flags&0x80 != 0 {
		varint()
	}
	for f := 0; f <= int(flags&3); f++ {
		id, n := varint(), varint()
		if p+int(n) > len(b) {
			return true
		}
		if id == 0x21 && n >= 1 {
			c := b[p] & 0x3f
			if c > 40 {
				return false
			}
			if (uint64(2|c&1) << (c/2 + 11)) > max {
				return false
			}
		}
		p += int(n)
	}
	return true
}
