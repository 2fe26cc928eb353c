package sevenzip

import (
	"encoding/binary"
	"io"
)

// filterBuf is the buffer of the BCJ filter: how far its input may run
// ahead of its output.
const filterBuf = 64 << 10

// The x86 branch converter (BCJ). An encoder turns the relative targets of
// CALL (E8) and JMP (E9) rel32 instructions into absolute ones so that
// repeated calls to one function compress well; the decoder turns them
// back. Only operands whose top byte is 00 or FF (near targets) are
// converted, and a window of the last three bytes decides whether an E8/E9
// byte is an opcode or part of an earlier instruction's operand.

// x86State carries the converter between buffers.
type x86State struct {
	// ip is the stream position of the next byte to convert, plus the
	// filter's start offset.
	ip uint32
	// recent has bit k set when the byte k+1 before the next byte to
	// convert was an E8/E9 byte left unconverted.
	recent uint32
}

// x86Ok[recent] says whether an opcode may follow that history; x86Back
// is how many bytes before the operand's end the byte to test lies.
var (
	x86Ok   = [8]bool{true, true, true, false, true, false, false, false}
	x86Back = [8]uint32{0, 1, 2, 2, 3, 3, 3, 3}
)

// nearByte: 00 or FF, the top byte of a near branch operand.
func nearByte(b byte) bool { return b == 0 || b == 0xFF }

// x86Convert converts buf in place, encoding or decoding, and returns how
// many bytes at its start are final. The rest (at most 4 bytes when buf is
// long enough) must be given again, followed by more data; at the end of
// the stream they are left as they are.
func x86Convert(buf []byte, s *x86State, encode bool) int {
	if len(buf) < 5 {
		return 0
	}
	recent := s.recent & 7
	prev := -1 // index of the last E8/E9 byte looked at; -1 is what recent describes
	i := 0
	end := len(buf) - 4
	for {
		for i < end && buf[i]&0xFE != 0xE8 {
			i++
		}
		if i >= end {
			break
		}
		if gap := i - prev; gap > 3 {
			recent = 0
		} else {
			recent = (recent << (gap - 1)) & 7
			if recent != 0 && (!x86Ok[recent] || nearByte(buf[i+4-int(x86Back[recent])])) {
				prev = i
				recent = (recent<<1)&7 | 1
				i++
				continue
			}
		}
		prev = i
		if !nearByte(buf[i+4]) {
			recent = (recent<<1)&7 | 1
			i++
			continue
		}
		v := binary.LittleEndian.Uint32(buf[i+1:])
		next := s.ip + uint32(i) + 5 // where the instruction ends
		var t uint32
		for {
			if encode {
				t = v + next
			} else {
				t = v - next
			}
			if recent == 0 {
				break
			}
			sh := x86Back[recent] * 8
			if !nearByte(byte(t >> (24 - sh))) {
				break
			}
			v = t ^ (uint32(1)<<(32-sh) - 1)
		}
		buf[i+1] = byte(t)
		buf[i+2] = byte(t >> 8)
		buf[i+3] = byte(t >> 16)
		buf[i+4] = byte(0 - (t>>24)&1)
		i += 5
	}
	if gap := i - prev; gap > 3 {
		s.recent = 0
	} else {
		s.recent = (recent << (gap - 1)) & 7
	}
	s.ip += uint32(i)
	return i
}

// x86Reader decodes a BCJ x86 stream.
type x86Reader struct {
	r     io.Reader
	s     x86State
	buf   []byte
	out   int // buf[out:done] is decoded and not yet read
	done  int
	end   int // buf[done:end] is not decoded yet
	rdErr error
}

func newX86Reader(r io.Reader, start uint32) *x86Reader {
	return &x86Reader{r: r, s: x86State{ip: start}, buf: make([]byte, filterBuf)}
}

func (x *x86Reader) Read(p []byte) (int, error) {
	for x.out == x.done {
		if x.rdErr != nil {
			if x.rdErr == io.EOF && x.done < x.end {
				x.done = x.end // the last bytes are never converted
				continue
			}
			return 0, x.rdErr
		}
		x.end = copy(x.buf, x.buf[x.done:x.end])
		x.out, x.done = 0, 0
		zero := 0
		for x.end < len(x.buf) && x.rdErr == nil {
			n, err := x.r.Read(x.buf[x.end:])
			x.end += n
			if err != nil {
				x.rdErr = err
			} else if n == 0 {
				if zero++; zero > 100 {
					x.rdErr = io.ErrNoProgress
				}
			}
		}
		x.done = x86Convert(x.buf[:x.end], &x.s, false)
	}
	n := copy(p, x.buf[x.out:x.done])
	x.out += n
	return n, nil
}

// deltaReader decodes the Delta filter: each byte is added to the decoded
// byte dist positions before it.
type deltaReader struct {
	r    io.Reader
	dist int
	hist [256]byte
	pos  byte
}

func (d *deltaReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	for i := range p[:n] {
		b := p[i] + d.hist[byte(int(d.pos)-d.dist)]
		d.hist[d.pos] = b
		p[i] = b
		d.pos++
	}
	return n, err
}
