package pickle

import (
	"encoding/binary"
	"strconv"
)

// pw writes pickle opcodes; tests build every sample at run time with it.
type pw struct{ b []byte }

func newPW(proto int) *pw {
	p := &pw{}
	if proto >= 2 {
		p.b = append(p.b, opPROTO, byte(proto))
	}
	return p
}

func (p *pw) op(ops ...byte) *pw { p.b = append(p.b, ops...); return p }
func (p *pw) raw(s string) *pw   { p.b = append(p.b, s...); return p }

// global writes GLOBAL module\nname\n.
func (p *pw) global(module, name string) *pw {
	return p.op(opGLOBAL).raw(module + "\n" + name + "\n")
}

// inst writes INST module\nname\n (after a MARK and the args).
func (p *pw) inst(module, name string) *pw {
	return p.op(opINST).raw(module + "\n" + name + "\n")
}

// str writes SHORT_BINUNICODE or BINUNICODE.
func (p *pw) str(s string) *pw {
	if len(s) < 256 {
		return p.op(opSHORT_BINUNI, byte(len(s))).raw(s)
	}
	p.op(opBINUNICODE)
	p.b = binary.LittleEndian.AppendUint32(p.b, uint32(len(s)))
	return p.raw(s)
}

// binstr writes SHORT_BINSTRING (protocol 1/2 str).
func (p *pw) binstr(s string) *pw { return p.op(opSHORT_BINSTR, byte(len(s))).raw(s) }

// text writes protocol-0 STRING 'repr'.
func (p *pw) text(s string) *pw { return p.op(opSTRING).raw(strconv.Quote(s) + "\n") }

func (p *pw) bytes(s []byte) *pw {
	if len(s) < 256 {
		p.op(opSHORT_BINBYTES, byte(len(s)))
	} else {
		p.op(opBINBYTES)
		p.b = binary.LittleEndian.AppendUint32(p.b, uint32(len(s)))
	}
	p.b = append(p.b, s...)
	return p
}

func (p *pw) int(i int) *pw {
	if i >= 0 && i < 256 {
		return p.op(opBININT1, byte(i))
	}
	p.op(opBININT)
	p.b = binary.LittleEndian.AppendUint32(p.b, uint32(int32(i)))
	return p
}

func (p *pw) sglobal(module, name string) *pw {
	return p.str(module).str(name).op(opSTACK_GLOBAL)
}

func (p *pw) tuple(n int) *pw {
	switch n {
	case 0:
		return p.op(opEMPTY_TUPLE)
	case 1:
		return p.op(opTUPLE1)
	case 2:
		return p.op(opTUPLE2)
	case 3:
		return p.op(opTUPLE3)
	}
	panic("use MARK...TUPLE")
}

func (p *pw) put(i int) *pw { return p.op(opBINPUT, byte(i)) }
func (p *pw) get(i int) *pw { return p.op(opBINGET, byte(i)) }
func (p *pw) reduce() *pw   { return p.op(opREDUCE) }
func (p *pw) stop() []byte  { return append(p.op(opSTOP).b, []byte(nil)...) }
func (p *pw) mark() *pw     { return p.op(opMARK) }
func (p *pw) memoize() *pw  { return p.op(opMEMOIZE) }
func (p *pw) frame(n int) *pw {
	p.op(opFRAME)
	p.b = binary.LittleEndian.AppendUint64(p.b, uint64(n))
	return p
}

// call1 writes GLOBAL module.name, (arg,), REDUCE for a string argument.
func (p *pw) call1(module, name, arg string) *pw {
	return p.global(module, name).str(arg).tuple(1).reduce()
}
