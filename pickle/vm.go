package pickle

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// kind is the type of a symbolic value.
type kind uint8

const (
	kAbsent kind = iota // empty memo slot
	kNone
	kBool
	kInt    // x holds the value when it fits in int32, else kBigInt
	kBigInt // x indexes m.strs (decimal text in decoded form)
	kFloat
	kStr       // x indexes m.strs
	kBytes     // x indexes m.strs
	kByteArray // x indexes m.strs
	kBuffer    // out-of-band buffer (protocol 5)
	kTuple     // x indexes m.conts
	kList
	kDict
	kSet
	kFrozenSet
	kGlobal // x indexes m.globs
	kObject // x indexes m.objs: the result of a call
)

// val is a symbolic value: small enough to keep millions on the stack and
// in the memo without pressure on the collector.
type val struct {
	k kind
	x int32
}

// strRec is a string or bytes constant: a view of the input, or of a decoded
// copy (dec >= 0) for text opcodes whose argument differs from the value.
type strRec struct {
	off uint32 // offset in the input, or index in m.decoded when n has decFlag
	n   uint32
}

const decFlag = 1 << 31

// cont is a container; only the first maxItems items are kept (they are
// enough to render arguments), n counts all of them. Items live in the
// machine's arena (pointer-free, one allocation for all containers) or, for
// containers that grow after other values were created, in m.extras.
type cont struct {
	chunk, off int32
	kept, n    int32
	ext        int32 // index in m.extras, or -1
}

const maxItems = 64

type globRec struct {
	module, name string
	imp          int // index in res.Imports or -1
	j            judgement
	dynamic      bool
	isModule     bool // a module object, e.g. from __import__('os')
	off          int64
}

type objRec struct {
	callee  val
	args    val
	op      string
	off     int64
	verdict Verdict
	// resolved names what the object is when the machine can tell, e.g.
	// "os.system" for getattr(__import__('os'), 'system').
	resolved string
	// wraps is set for functools.partial and operator.attrgetter objects.
	wraps string
	chain []string
}

type machine struct {
	data  []byte
	base  int64 // offset of data[0] in the caller's view
	opts  Options
	depth int
	user  map[string]bool
	res   *Result

	stack  []val
	marks  []int
	fence  int
	memo   []val
	sparse map[int64]val
	nmemo  int

	proto    int
	frameEnd int // -1: not in a frame
	strs     chunked[strRec]
	decoded  []string
	conts    chunked[cont]
	arena    arena
	extras   [][]val
	globs    []globRec
	objs     []objRec
	ext      map[int64][2]string // copyreg extension registry (process global: kept across pickles)
	cache    map[string]judgement
	mat      int
	calls    int // call sites in the current pickle
	imports  int // imports in the current pickle
	findKeys map[string]int
	nonWO    bool               // an opcode outside the weights_only set was used
	nested   map[string]*Result // payloads already scanned, by content
	// afterBuild, when set (container readers only), runs after each BUILD
	// with the position after the opcode; it returns where parsing goes on
	// (joblib's inline array bytes are skipped this way) or an error.
	afterBuild func(start, pos int, inst, state val) (int, *ParseError)
	// stopNote, when set by afterBuild, says why the stream was not
	// judged further; the error that stops the machine is then not a
	// parse error of the stream.
	stopNote string
}

func newMachine(data []byte, base int64, opts Options, depth int, res *Result) *machine {
	m := &machine{data: data, base: base, opts: opts, depth: depth, res: res, frameEnd: -1,
		cache: map[string]judgement{}, findKeys: map[string]int{}}
	// Size the tables from the input so that large pickles grow them rarely.
	m.stack = make([]val, 0, 256)
	if len(opts.Allow) > 0 {
		m.user = make(map[string]bool, len(opts.Allow))
		for _, a := range opts.Allow {
			m.user[a] = true
		}
	}
	return m
}

// reset prepares for the next pickle of a stacked stream: a new Unpickler
// in CPython, so a new stack, memo and protocol. The copyreg registry is
// process state and survives.
func (m *machine) reset() {
	m.stack = m.stack[:0]
	m.marks = m.marks[:0]
	m.fence = 0
	m.memo = m.memo[:0]
	m.sparse = nil
	m.nmemo = 0
	m.proto = 0
	m.frameEnd = -1
	m.calls = 0
	m.imports = 0
}

func (m *machine) fail(pos int, kindErr error, msg string) *ParseError {
	op := ""
	if pos < len(m.data) {
		op = opNames[m.data[pos]]
	}
	return &ParseError{Offset: m.base + int64(pos), Op: op, Msg: msg, Kind: kindErr}
}

// charge adds n units of materialised size.
func (m *machine) charge(n int) bool {
	m.mat += n
	return m.mat <= m.opts.MaxMaterialized
}

// runOne parses one pickle starting at pos. It returns the offset after
// STOP, or a ParseError.
func (m *machine) runOne(pos int) (int, *ParseError) {
	m.reset()
	data := m.data
	for {
		if pos >= len(data) {
			return pos, m.fail(pos, ErrTruncated, "pickle data was truncated (no STOP)")
		}
		start := pos
		op := data[pos]
		pos++
		if !weightsOnlyOps[op] {
			m.nonWO = true
		}
		// need returns the n argument bytes, enforcing FRAME bounds.
		var perr *ParseError
		need := func(n int) []byte {
			if n < 0 || n > len(data)-pos {
				perr = m.fail(start, ErrTruncated, "pickle data was truncated")
				return nil
			}
			b := data[pos : pos+n]
			pos += n
			m.checkFrame(start, pos)
			return b
		}
		line := func() []byte {
			i := indexByte(data[pos:], '\n')
			if i < 0 {
				perr = m.fail(start, ErrTruncated, "pickle data was truncated (no newline)")
				return nil
			}
			b := data[pos : pos+i]
			pos += i + 1
			m.checkFrame(start, pos)
			return b
		}
		if m.frameEnd >= 0 && start >= m.frameEnd {
			m.frameEnd = -1
		}
		switch op {
		case opMARK:
			m.marks = append(m.marks, len(m.stack))
			m.fence = len(m.stack)
			if len(m.marks) > m.opts.MaxMaterialized {
				return pos, m.fail(start, ErrLimit, "too many marks")
			}
		case opSTOP:
			if _, ok := m.pop(); !ok {
				return pos, m.fail(start, ErrInvalid, "unpickling stack underflow")
			}
			if m.frameEnd > pos {
				m.finding(Finding{Verdict: Suspicious, Code: "frame-unfinished", Text: "STOP inside a FRAME that claims more bytes", Offset: m.base + int64(start)}, "frame-unfinished")
			}
			return pos, nil
		case opPOP:
			n := len(m.stack)
			if len(m.marks) > 0 && m.marks[len(m.marks)-1] == n {
				m.popMark()
			} else if n <= m.fence {
				return pos, m.fail(start, ErrInvalid, "unpickling stack underflow")
			} else {
				m.stack = m.stack[:n-1]
			}
		case opPOP_MARK:
			if _, ok := m.popToMark(); !ok {
				return pos, m.fail(start, ErrInvalid, "could not find MARK")
			}
		case opDUP:
			if len(m.stack) <= m.fence {
				return pos, m.fail(start, ErrInvalid, "unpickling stack underflow")
			}
			m.push(m.stack[len(m.stack)-1])
		case opFLOAT:
			l := line()
			if perr != nil {
				return pos, perr
			}
			if len(l) < 1 || !validFloat(l) {
				return pos, m.fail(start, ErrInvalid, "could not convert string to float")
			}
			m.push(val{k: kFloat})
		case opINT:
			l := line()
			if perr != nil {
				return pos, perr
			}
			if len(l) < 1 {
				return pos, m.fail(start, ErrInvalid, "pickle data was truncated")
			}
			if string(l) == "00" || string(l) == "01" {
				m.push(val{k: kBool, x: int32(l[1] - '0')})
				break
			}
			v, ok := parseCInt(l)
			if !ok {
				return pos, m.fail(start, ErrInvalid, "invalid literal for int() with base 0")
			}
			m.push(v.toVal(m))
		case opLONG:
			l := line()
			if perr != nil {
				return pos, perr
			}
			if len(l) < 1 {
				return pos, m.fail(start, ErrInvalid, "pickle data was truncated")
			}
			if l[len(l)-1] == 'L' {
				l = l[:len(l)-1]
			}
			v, ok := parsePyLong(cutNUL(l), 0)
			if !ok {
				return pos, m.fail(start, ErrInvalid, "invalid literal for int() with base 0")
			}
			m.push(v.toVal(m))
		case opBININT:
			b := need(4)
			if perr != nil {
				return pos, perr
			}
			m.push(val{k: kInt, x: int32(binary.LittleEndian.Uint32(b))})
		case opBININT1:
			b := need(1)
			if perr != nil {
				return pos, perr
			}
			m.push(val{k: kInt, x: int32(b[0])})
		case opBININT2:
			b := need(2)
			if perr != nil {
				return pos, perr
			}
			m.push(val{k: kInt, x: int32(binary.LittleEndian.Uint16(b))})
		case opLONG1, opLONG4:
			var n int
			if op == opLONG1 {
				b := need(1)
				if perr != nil {
					return pos, perr
				}
				n = int(b[0])
			} else {
				b := need(4)
				if perr != nil {
					return pos, perr
				}
				n = int(int32(binary.LittleEndian.Uint32(b)))
				if n < 0 {
					return pos, m.fail(start, ErrInvalid, "LONG pickle has negative byte count")
				}
			}
			b := need(n)
			if perr != nil {
				return pos, perr
			}
			m.push(longLE(b).toVal(m))
		case opNONE:
			m.push(val{k: kNone})
		case opNEWTRUE, opNEWFALSE:
			x := int32(0)
			if op == opNEWTRUE {
				x = 1
			}
			m.push(val{k: kBool, x: x})
		case opBINFLOAT:
			need(8)
			if perr != nil {
				return pos, perr
			}
			m.push(val{k: kFloat})
		case opSTRING:
			l := line()
			if perr != nil {
				return pos, perr
			}
			if len(l) < 2 || l[0] != l[len(l)-1] || (l[0] != '\'' && l[0] != '"') {
				return pos, m.fail(start, ErrInvalid, "the STRING opcode argument must be quoted")
			}
			s, ok := escapeDecode(l[1 : len(l)-1])
			if !ok {
				return pos, m.fail(start, ErrInvalid, "invalid \\x escape in STRING")
			}
			if !m.pushDecoded(kStr, s, start) {
				return pos, m.fail(start, ErrLimit, "materialised size limit exceeded")
			}
		case opBINSTRING, opSHORT_BINSTR, opBINBYTES, opSHORT_BINBYTES, opBINBYTES8,
			opBINUNICODE, opSHORT_BINUNI, opBINUNICODE8, opBYTEARRAY8:
			var n int
			var ok bool
			switch op {
			case opSHORT_BINSTR, opSHORT_BINBYTES, opSHORT_BINUNI:
				b := need(1)
				if perr != nil {
					return pos, perr
				}
				n = int(b[0])
			case opBINSTRING:
				b := need(4)
				if perr != nil {
					return pos, perr
				}
				n = int(int32(binary.LittleEndian.Uint32(b)))
				if n < 0 {
					return pos, m.fail(start, ErrInvalid, "BINSTRING pickle has negative byte count")
				}
			case opBINBYTES, opBINUNICODE:
				b := need(4)
				if perr != nil {
					return pos, perr
				}
				n = int(binary.LittleEndian.Uint32(b))
			default:
				b := need(8)
				if perr != nil {
					return pos, perr
				}
				u := binary.LittleEndian.Uint64(b)
				if u > math.MaxInt64 {
					return pos, m.fail(start, ErrInvalid, "size exceeds maximum")
				}
				if u > uint64(len(data)) {
					return pos, m.fail(start, ErrTruncated, "pickle data was truncated")
				}
				n = int(u)
			}
			argAt := pos
			b := need(n)
			if perr != nil {
				return pos, perr
			}
			k := kBytes
			switch op {
			case opBINSTRING, opSHORT_BINSTR:
				k = kStr // decoded with the loader's encoding (ASCII, or utf-8/latin-1 for torch/numpy)
			case opBINUNICODE, opSHORT_BINUNI, opBINUNICODE8:
				k = kStr
				if !validUTF8Surrogates(b) {
					return pos, m.fail(start, ErrInvalid, "'utf-8' codec can't decode bytes")
				}
			case opBYTEARRAY8:
				k = kByteArray
			}
			ok = m.pushView(k, argAt, n)
			if !ok {
				return pos, m.fail(start, ErrLimit, "materialised size limit exceeded")
			}
			if n >= 4 && m.depth < m.opts.MaxDepth {
				m.maybeNested(b, m.base+int64(argAt), start, false, "")
			}
		case opUNICODE:
			l := line()
			if perr != nil {
				return pos, perr
			}
			s, ok := rawUnicodeEscape(l)
			if !ok {
				return pos, m.fail(start, ErrInvalid, "truncated \\uXXXX escape")
			}
			if !m.pushDecoded(kStr, s, start) {
				return pos, m.fail(start, ErrLimit, "materialised size limit exceeded")
			}
		case opEMPTY_TUPLE:
			m.push(m.newCont(kTuple, nil))
		case opEMPTY_LIST:
			m.push(m.newCont(kList, nil))
		case opEMPTY_DICT:
			m.push(m.newCont(kDict, nil))
		case opEMPTY_SET:
			m.push(m.newCont(kSet, nil))
		case opTUPLE, opLIST, opFROZENSET, opDICT:
			items, ok := m.popToMark()
			if !ok {
				return pos, m.fail(start, ErrInvalid, "could not find MARK")
			}
			k := map[byte]kind{opTUPLE: kTuple, opLIST: kList, opFROZENSET: kFrozenSet, opDICT: kDict}[op]
			if op == opDICT && len(items)%2 != 0 {
				return pos, m.fail(start, ErrInvalid, "odd number of items for DICT")
			}
			m.push(m.newCont(k, items))
		case opTUPLE1, opTUPLE2, opTUPLE3:
			n := int(op-opTUPLE1) + 1
			if len(m.stack)-n < m.fence {
				return pos, m.fail(start, ErrInvalid, "unpickling stack underflow")
			}
			items := m.stack[len(m.stack)-n:]
			v := m.newCont(kTuple, items)
			m.stack = m.stack[:len(m.stack)-n]
			m.push(v)
		case opAPPEND, opSETITEM:
			n := 1
			if op == opSETITEM {
				n = 2
			}
			x := len(m.stack) - n
			if x <= m.fence {
				return pos, m.fail(start, ErrInvalid, "unpickling stack underflow")
			}
			m.addItems(op, start, m.stack[x-1], m.stack[x:])
			m.stack = m.stack[:x]
		case opAPPENDS, opSETITEMS, opADDITEMS:
			if len(m.marks) == 0 {
				return pos, m.fail(start, ErrInvalid, "could not find MARK")
			}
			x := m.marks[len(m.marks)-1]
			m.popMark()
			if x <= m.fence || x > len(m.stack) {
				return pos, m.fail(start, ErrInvalid, "unpickling stack underflow")
			}
			if op == opSETITEMS && (len(m.stack)-x)%2 != 0 {
				return pos, m.fail(start, ErrInvalid, "odd number of items for SETITEMS")
			}
			if len(m.stack) > x {
				m.addItems(op, start, m.stack[x-1], m.stack[x:])
			}
			m.stack = m.stack[:x]
		case opGET, opBINGET, opLONG_BINGET:
			var idx int64
			switch op {
			case opGET:
				l := line()
				if perr != nil {
					return pos, perr
				}
				v, ok := parsePyLong(cutNUL(l), 10)
				if !ok || len(l) < 1 {
					return pos, m.fail(start, ErrInvalid, "invalid GET argument")
				}
				idx = v.i
				if v.big {
					idx = -1
				}
			case opBINGET:
				b := need(1)
				if perr != nil {
					return pos, perr
				}
				idx = int64(b[0])
			default:
				b := need(4)
				if perr != nil {
					return pos, perr
				}
				idx = int64(binary.LittleEndian.Uint32(b))
			}
			v, ok := m.memoGet(idx)
			if !ok {
				return pos, m.fail(start, ErrInvalid, "memo value not found at index "+strconv.FormatInt(idx, 10))
			}
			m.push(v)
		case opPUT, opBINPUT, opLONG_BINPUT, opMEMOIZE:
			var idx int64
			switch op {
			case opPUT:
				l := line()
				if perr != nil {
					return pos, perr
				}
				v, ok := parsePyLong(cutNUL(l), 10)
				if !ok || len(l) < 1 || v.big {
					return pos, m.fail(start, ErrInvalid, "invalid PUT argument")
				}
				idx = v.i
				if idx < 0 {
					return pos, m.fail(start, ErrInvalid, "negative PUT argument")
				}
			case opBINPUT:
				b := need(1)
				if perr != nil {
					return pos, perr
				}
				idx = int64(b[0])
			case opLONG_BINPUT:
				b := need(4)
				if perr != nil {
					return pos, perr
				}
				idx = int64(int32(binary.LittleEndian.Uint32(b)))
				if idx < 0 {
					return pos, m.fail(start, ErrInvalid, "negative LONG_BINPUT argument")
				}
			default:
				idx = int64(m.nmemo)
			}
			if len(m.stack) <= m.fence {
				return pos, m.fail(start, ErrInvalid, "unpickling stack underflow")
			}
			if !m.memoPut(idx, m.stack[len(m.stack)-1]) {
				return pos, m.fail(start, ErrLimit, "memo size limit exceeded")
			}
		case opPROTO:
			b := need(1)
			if perr != nil {
				return pos, perr
			}
			if int(b[0]) > HighestProtocol {
				return pos, m.fail(start, ErrInvalid, "unsupported pickle protocol: "+strconv.Itoa(int(b[0])))
			}
			m.proto = int(b[0])
			if m.proto > m.res.Protocol {
				m.res.Protocol = m.proto
			}
		case opFRAME:
			b := need(8)
			if perr != nil {
				return pos, perr
			}
			u := binary.LittleEndian.Uint64(b)
			if u > uint64(len(data)-pos) {
				return pos, m.fail(start, ErrTruncated, "pickle data was truncated (FRAME)")
			}
			if m.frameEnd > start {
				m.finding(Finding{Verdict: Suspicious, Code: "frame-reopened", Text: "FRAME begins before the previous frame ends (parser differential)", Offset: m.base + int64(start)}, "frame-reopened")
			}
			m.frameEnd = pos + int(u)
		case opGLOBAL, opINST:
			ml := line()
			if perr != nil {
				return pos, perr
			}
			nl := line()
			if perr != nil {
				return pos, perr
			}
			if len(ml) < 1 || len(nl) < 1 {
				return pos, m.fail(start, ErrInvalid, "pickle data was truncated")
			}
			if !utf8.Valid(ml) || !utf8.Valid(nl) {
				return pos, m.fail(start, ErrInvalid, "'utf-8' codec can't decode module or name")
			}
			g := m.importName(op, start, string(ml), string(nl), false)
			if op == opGLOBAL {
				m.push(g)
				break
			}
			items, ok := m.popToMark()
			if !ok {
				return pos, m.fail(start, ErrInvalid, "could not find MARK")
			}
			args := m.newCont(kTuple, items)
			m.push(m.call("INST", start, g, args))
		case opSTACK_GLOBAL:
			if len(m.stack)-2 < m.fence {
				return pos, m.fail(start, ErrInvalid, "unpickling stack underflow")
			}
			nv := m.stack[len(m.stack)-1]
			mv := m.stack[len(m.stack)-2]
			m.stack = m.stack[:len(m.stack)-2]
			mod, mok := m.constStr(mv)
			name, nok := m.constStr(nv)
			if (mv.k != kStr && mv.k != kObject) || (nv.k != kStr && nv.k != kObject) {
				return pos, m.fail(start, ErrInvalid, "STACK_GLOBAL requires str")
			}
			dyn := !mok || !nok
			if !mok {
				mod = m.describe(mv, 2)
			}
			if !nok {
				name = m.describe(nv, 2)
			}
			m.push(m.importName(op, start, mod, name, dyn))
		case opEXT1, opEXT2, opEXT4:
			var code int64
			switch op {
			case opEXT1:
				b := need(1)
				if perr != nil {
					return pos, perr
				}
				code = int64(b[0])
			case opEXT2:
				b := need(2)
				if perr != nil {
					return pos, perr
				}
				code = int64(binary.LittleEndian.Uint16(b))
			default:
				b := need(4)
				if perr != nil {
					return pos, perr
				}
				code = int64(int32(binary.LittleEndian.Uint32(b)))
			}
			if code <= 0 {
				return pos, m.fail(start, ErrInvalid, "EXT specifies code <= 0")
			}
			if r, ok := m.ext[code]; ok {
				m.push(m.importName(op, start, r[0], r[1], false))
			} else {
				m.push(m.importName(op, start, "copyreg._inverted_registry", "["+strconv.FormatInt(code, 10)+"]", true))
			}
		case opREDUCE:
			if len(m.stack)-2 < m.fence {
				return pos, m.fail(start, ErrInvalid, "unpickling stack underflow")
			}
			args := m.stack[len(m.stack)-1]
			fn := m.stack[len(m.stack)-2]
			m.stack = m.stack[:len(m.stack)-2]
			m.push(m.call("REDUCE", start, fn, args))
		case opNEWOBJ:
			if len(m.stack)-2 < m.fence {
				return pos, m.fail(start, ErrInvalid, "unpickling stack underflow")
			}
			args := m.stack[len(m.stack)-1]
			cls := m.stack[len(m.stack)-2]
			m.stack = m.stack[:len(m.stack)-2]
			m.push(m.call("NEWOBJ", start, cls, args))
		case opNEWOBJ_EX:
			if len(m.stack)-3 < m.fence {
				return pos, m.fail(start, ErrInvalid, "unpickling stack underflow")
			}
			args := m.stack[len(m.stack)-2]
			cls := m.stack[len(m.stack)-3]
			m.stack = m.stack[:len(m.stack)-3]
			m.push(m.call("NEWOBJ_EX", start, cls, args))
		case opOBJ:
			if len(m.marks) == 0 {
				return pos, m.fail(start, ErrInvalid, "could not find MARK")
			}
			x := m.marks[len(m.marks)-1]
			if len(m.stack)-x < 1 {
				return pos, m.fail(start, ErrInvalid, "unpickling stack underflow")
			}
			items, _ := m.popToMark()
			cls := items[0]
			args := m.newCont(kTuple, items[1:])
			m.push(m.call("OBJ", start, cls, args))
		case opBUILD:
			if len(m.stack)-2 < m.fence {
				return pos, m.fail(start, ErrInvalid, "unpickling stack underflow")
			}
			state := m.stack[len(m.stack)-1]
			m.stack = m.stack[:len(m.stack)-1]
			m.build(start, m.stack[len(m.stack)-1], state)
			if m.afterBuild != nil {
				np, e := m.afterBuild(start, pos, m.stack[len(m.stack)-1], state)
				if e != nil {
					return pos, e
				}
				if np > pos {
					pos = np
				}
			}
		case opPERSID:
			l := line()
			if perr != nil {
				return pos, perr
			}
			for _, c := range l {
				if c >= 0x80 {
					return pos, m.fail(start, ErrInvalid, "persistent IDs in protocol 0 must be ASCII strings")
				}
			}
			pid := m.pushDecodedVal(kStr, string(l))
			m.push(m.persistent("PERSID", start, pid))
		case opBINPERSID:
			pid, ok := m.pop()
			if !ok {
				return pos, m.fail(start, ErrInvalid, "unpickling stack underflow")
			}
			m.push(m.persistent("BINPERSID", start, pid))
		case opNEXT_BUFFER:
			m.push(val{k: kBuffer})
		case opREADONLY_BUF:
			if len(m.stack) <= m.fence {
				return pos, m.fail(start, ErrInvalid, "unpickling stack underflow")
			}
		default:
			return pos, m.fail(start, ErrInvalid, "invalid load key")
		}
		if perr != nil {
			return pos, perr
		}
		if m.mat > m.opts.MaxMaterialized {
			return pos, m.fail(start, ErrLimit, "materialised size limit exceeded")
		}
	}
}

// checkFrame records an opcode whose argument crosses the end of the
// current FRAME. CPython's C unpickler reads on past the frame while the
// Python unpickler and pickletools do not: a parser differential
// (python/cpython#154848).
func (m *machine) checkFrame(start, end int) {
	if m.frameEnd >= 0 && start < m.frameEnd && end > m.frameEnd {
		m.finding(Finding{Verdict: Malicious, Code: "frame-boundary-violation",
			Text:   opNames[m.data[start]] + " crosses the end of its FRAME: the C and Python unpicklers disagree on what follows",
			Offset: m.base + int64(start)}, "frame-boundary-violation")
		m.frameEnd = -1
	}
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func (m *machine) push(v val) {
	m.stack = append(m.stack, v)
	m.mat++
}

func (m *machine) pop() (val, bool) {
	if len(m.stack) <= m.fence {
		return val{}, false
	}
	v := m.stack[len(m.stack)-1]
	m.stack = m.stack[:len(m.stack)-1]
	return v, true
}

func (m *machine) popMark() {
	m.marks = m.marks[:len(m.marks)-1]
	if len(m.marks) > 0 {
		m.fence = m.marks[len(m.marks)-1]
	} else {
		m.fence = 0
	}
}

// popToMark pops the items above the top mark and the mark itself. The
// returned slice aliases the stack and is valid until the next push.
func (m *machine) popToMark() ([]val, bool) {
	if len(m.marks) == 0 {
		return nil, false
	}
	x := m.marks[len(m.marks)-1]
	m.popMark()
	items := m.stack[x:]
	m.stack = m.stack[:x]
	return items, true
}

func (m *machine) memoGet(idx int64) (val, bool) {
	if idx >= 0 && idx < int64(len(m.memo)) && m.memo[idx].k != kAbsent {
		return m.memo[idx], true
	}
	v, ok := m.sparse[idx]
	return v, ok
}

func (m *machine) memoPut(idx int64, v val) bool {
	if idx < int64(len(m.memo)) {
		if m.memo[idx].k == kAbsent {
			m.nmemo++
		}
		m.memo[idx] = v
		return m.nmemo <= m.opts.MaxMemo
	}
	if idx < int64(2*len(m.memo)+1024) && idx < int64(m.opts.MaxMemo)*2 {
		for int64(len(m.memo)) <= idx {
			m.memo = append(m.memo, val{})
		}
		m.memo[idx] = v
		m.nmemo++
		return m.nmemo <= m.opts.MaxMemo
	}
	if m.sparse == nil {
		m.sparse = map[int64]val{}
	}
	if _, ok := m.sparse[idx]; !ok {
		m.nmemo++
	}
	m.sparse[idx] = v
	return m.nmemo <= m.opts.MaxMemo
}

func (m *machine) pushView(k kind, off, n int) bool {
	m.push(val{k: k, x: m.strs.add(strRec{off: uint32(off), n: uint32(n)})})
	return m.charge(1 + n/64)
}

func (m *machine) pushDecodedVal(k kind, s string) val {
	m.decoded = append(m.decoded, s)
	x := m.strs.add(strRec{off: uint32(len(m.decoded) - 1), n: decFlag})
	m.charge(1 + len(s)/16)
	return val{k: k, x: x}
}

func (m *machine) pushDecoded(k kind, s string, start int) bool {
	v := m.pushDecodedVal(k, s)
	m.push(v)
	if len(s) >= 4 && m.depth < m.opts.MaxDepth {
		m.maybeNested([]byte(s), m.base+int64(start), start, false, "")
	}
	return m.mat <= m.opts.MaxMaterialized
}

// bytesOf returns the content of a str/bytes value.
func (m *machine) bytesOf(v val) ([]byte, bool) {
	switch v.k {
	case kStr, kBytes, kByteArray, kBigInt:
		r := *m.strs.at(v.x)
		if r.n&decFlag != 0 {
			return []byte(m.decoded[r.off]), true
		}
		return m.data[r.off : r.off+r.n], true
	}
	return nil, false
}

func (m *machine) constStr(v val) (string, bool) {
	if v.k != kStr {
		return "", false
	}
	b, _ := m.bytesOf(v)
	return string(b), true
}

func (m *machine) newCont(k kind, items []val) val {
	keep := items
	if len(keep) > maxItems {
		keep = keep[:maxItems]
	}
	c := cont{kept: int32(len(keep)), n: int32(len(items)), ext: -1}
	room := len(keep)
	if k != kTuple && k != kFrozenSet {
		room = maxItems // lists, dicts and sets may grow in place
	}
	c.chunk, c.off = m.arena.alloc(keep, room)
	m.charge(1 + len(keep))
	return val{k: k, x: m.conts.add(c)}
}

func (m *machine) items(v val) []val {
	switch v.k {
	case kTuple, kList, kDict, kSet, kFrozenSet:
		c := m.conts.at(v.x)
		if c.ext >= 0 {
			return m.extras[c.ext]
		}
		return m.arena.chunks[c.chunk][c.off : c.off+c.kept]
	}
	return nil
}

func (m *machine) contLen(v val) int { return int(m.conts.at(v.x).n) }

// addItems is APPEND(S), SETITEM(S) and ADDITEMS: plain containers grow;
// anything else has its append/extend/__setitem__/add method called.
func (m *machine) addItems(op byte, start int, target val, items []val) {
	want := map[byte]kind{opAPPEND: kList, opAPPENDS: kList, opSETITEM: kDict, opSETITEMS: kDict, opADDITEMS: kSet}[op]
	if target.k == want {
		c := m.conts.at(target.x)
		c.n += int32(len(items))
		if room := maxItems - int(c.kept); room > 0 {
			if room > len(items) {
				room = len(items)
			}
			switch {
			case c.ext >= 0:
				m.extras[c.ext] = append(m.extras[c.ext], items[:room]...)
			case int(c.off+c.kept) == len(m.arena.chunks[c.chunk]) && cap(m.arena.chunks[c.chunk])-len(m.arena.chunks[c.chunk]) >= room:
				m.arena.chunks[c.chunk] = append(m.arena.chunks[c.chunk], items[:room]...)
			default:
				e := make([]val, 0, int(c.kept)+room)
				e = append(e, m.arena.chunks[c.chunk][c.off:c.off+c.kept]...)
				m.extras = append(m.extras, append(e, items[:room]...))
				c.ext = int32(len(m.extras) - 1)
			}
			c.kept += int32(room)
			m.charge(room)
		}
		return
	}
	method := map[byte]string{opAPPEND: "append", opAPPENDS: "extend", opSETITEM: "__setitem__", opSETITEMS: "__setitem__", opADDITEMS: "add"}[op]
	// Instances of allowlisted classes (OrderedDict, Counter, ...) have their
	// own container methods: nothing new is reached.
	if target.k == kObject && m.objs[target.x].verdict == Safe && m.objs[target.x].resolved == "" {
		return
	}
	args := m.newCont(kTuple, items)
	m.methodCall(opNames[op], start, target, method, args)
}

// build is BUILD: inst.__setstate__(state), or inst.__dict__.update(state)
// and setattr for slot state. On a global (a module, class or function) it
// is a setattr primitive that rewrites what later imports see.
func (m *machine) build(start int, inst, state val) {
	switch inst.k {
	case kGlobal:
		g := m.globs[inst.x]
		keys := m.dictKeys(state)
		m.recordCall(Call{Callable: g.module + "." + g.name + ".__setstate__", Offset: m.base + int64(start), Opcode: "BUILD",
			Args: m.renderArgs(state), Verdict: Malicious})
		m.finding(Finding{Verdict: Malicious, Code: "build-on-global",
			Text:   "BUILD sets attributes on " + g.module + "." + g.name + " itself (setattr primitive: later imports see the change)",
			Offset: m.base + int64(start), Chain: []string{opAt("GLOBAL", g.off, g.module+"."+g.name), opAt("BUILD", m.base+int64(start), strings.Join(keys, ", "))}},
			"build-on-global:"+g.module+"."+g.name)
	case kObject:
		o := &m.objs[inst.x]
		desc := m.describe(inst, 2)
		v := o.verdict
		if o.resolved != "" && !strings.HasPrefix(o.resolved, "<") {
			// BUILD on a module or function reached by getattr/__import__.
			v = Malicious
		}
		m.recordCall(Call{Callable: desc + ".__setstate__", Offset: m.base + int64(start), Opcode: "BUILD", Verdict: v,
			Args: m.renderIf(v, state)})
		if v == Malicious && o.resolved != "" {
			m.finding(Finding{Verdict: Malicious, Code: "build-on-global", Text: "BUILD sets attributes on " + o.resolved,
				Offset: m.base + int64(start), Chain: append(append([]string{}, o.chain...), opAt("BUILD", m.base+int64(start), ""))}, "build-on-global:"+o.resolved)
		}
	}
}

func (m *machine) dictKeys(v val) []string {
	var keys []string
	it := m.items(v)
	if v.k == kTuple && len(it) == 2 { // (state, slotstate)
		return append(m.dictKeys(it[0]), m.dictKeys(it[1])...)
	}
	if v.k != kDict {
		return nil
	}
	for i := 0; i+1 < len(it); i += 2 {
		if s, ok := m.constStr(it[i]); ok {
			keys = append(keys, s)
		}
	}
	return keys
}

// persistent models persistent_load(pid): torch's storages are tier 0
// (a tuple whose first item is 'storage'); anything else depends on the
// loader and is suspicious.
func (m *machine) persistent(op string, start int, pid val) val {
	v := Suspicious
	it := m.items(pid)
	if op == "BINPERSID" && pid.k == kTuple && len(it) > 0 {
		if s, ok := m.constStr(it[0]); ok && s == "storage" {
			v = Safe
			if len(it) > 1 && it[1].k == kGlobal && m.globs[it[1].x].j.verdict != Safe {
				v = m.globs[it[1].x].j.verdict
			}
		}
	}
	if op == "BINPERSID" && pid.k == kInt {
		v = Safe
	}
	m.calls++
	m.recordCall(Call{Callable: "persistent_load", Offset: m.base + int64(start), Opcode: op, Args: m.renderIf(v, pid), Verdict: v})
	if v != Safe {
		m.finding(Finding{Verdict: v, Code: "persistent-id", Text: "persistent ID handed to the loader's persistent_load: " + m.render(pid, 2),
			Offset: m.base + int64(start)}, "persistent-id")
	}
	m.objs = append(m.objs, objRec{callee: val{k: kNone}, args: pid, op: op, off: m.base + int64(start), verdict: v, resolved: "<persistent>"})
	m.charge(4)
	return val{k: kObject, x: int32(len(m.objs) - 1)}
}

func opAt(op string, off int64, what string) string {
	if what == "" {
		return op + " @" + strconv.FormatInt(off, 10)
	}
	return op + " " + what + " @" + strconv.FormatInt(off, 10)
}

// ---- text parsing exactly as CPython's C unpickler ----

func cutNUL(b []byte) []byte {
	if i := indexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

type pyInt struct {
	i   int64
	big bool
	txt string
}

func (p pyInt) toVal(m *machine) val {
	if !p.big && p.i >= math.MinInt32 && p.i <= math.MaxInt32 {
		return val{k: kInt, x: int32(p.i)}
	}
	t := p.txt
	if !p.big {
		t = strconv.FormatInt(p.i, 10)
	}
	v := m.pushDecodedVal(kBigInt, t)
	return v
}

// parseCInt is load_int: strtol(s, &end, 0) must stop at the newline (or a
// NUL); otherwise, or on overflow, PyLong_FromString(s, NULL, 0). Both accept
// forms that pickletools rejects ("0x10", " 5", "1_0"): the differential of
// bypass #25.
func parseCInt(line []byte) (pyInt, bool) {
	s := cutNUL(line)
	if v, ok := strtol0(s); ok {
		return pyInt{i: v}, true
	}
	return parsePyLong(s, 0)
}

func isCSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

func strtol0(s []byte) (int64, bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	base := 10
	if i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && i+2 < len(s) && hexVal(s[i+2]) >= 0 {
		base = 16
		i += 2
	} else if i < len(s) && s[i] == '0' {
		base = 8
	}
	startDigits := i
	var u uint64
	for i < len(s) {
		d := hexVal(s[i])
		if d < 0 || d >= base {
			break
		}
		if u > (math.MaxUint64-uint64(d))/uint64(base) {
			return 0, false
		}
		u = u*uint64(base) + uint64(d)
		i++
	}
	if i == startDigits || i != len(s) {
		return 0, false
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}

// parsePyLong is PyLong_FromString(s, NULL, base) for base 0 or 10:
// surrounding whitespace, a sign, 0x/0o/0b prefixes (base 0), single
// underscores between digits, no leading zeros in base-0 decimals.
func parsePyLong(s []byte, base int) (pyInt, bool) {
	str := strings.TrimFunc(string(s), func(r rune) bool { return r < 0x80 && isCSpace(byte(r)) })
	neg := false
	if str != "" && (str[0] == '+' || str[0] == '-') {
		neg = str[0] == '-'
		str = str[1:]
	}
	b := base
	if base == 0 {
		b = 10
		if len(str) >= 2 && str[0] == '0' {
			switch str[1] {
			case 'x', 'X':
				b, str = 16, str[2:]
			case 'o', 'O':
				b, str = 8, str[2:]
			case 'b', 'B':
				b, str = 2, str[2:]
			}
			if b != 10 && strings.HasPrefix(str, "_") {
				str = str[1:]
			}
		}
	}
	if str == "" || str[0] == '_' || str[len(str)-1] == '_' || strings.Contains(str, "__") {
		return pyInt{}, false
	}
	digits := strings.ReplaceAll(str, "_", "")
	for i := 0; i < len(digits); i++ {
		if hexVal(digits[i]) >= b {
			return pyInt{}, false
		}
	}
	if base == 0 && b == 10 && len(digits) > 1 && digits[0] == '0' && strings.Trim(digits, "0") != "" {
		return pyInt{}, false
	}
	if v, err := strconv.ParseInt(digits, b, 64); err == nil {
		if neg {
			v = -v
		}
		return pyInt{i: v}, true
	}
	txt := digits
	if b != 10 {
		txt = "0" + map[int]string{16: "x", 8: "o", 2: "b"}[b] + digits
	}
	if neg {
		txt = "-" + txt
	}
	return pyInt{big: true, txt: txt}, true
}

// longLE decodes LONG1/LONG4 two's-complement little-endian bytes.
func longLE(b []byte) pyInt {
	if len(b) == 0 {
		return pyInt{}
	}
	if len(b) <= 8 {
		var u uint64
		for i := len(b) - 1; i >= 0; i-- {
			u = u<<8 | uint64(b[i])
		}
		if b[len(b)-1]&0x80 != 0 && len(b) < 8 {
			u |= ^uint64(0) << (8 * uint(len(b)))
		}
		return pyInt{i: int64(u)}
	}
	return pyInt{big: true, txt: "<" + strconv.Itoa(len(b)) + "-byte int>"}
}

func validFloat(l []byte) bool {
	s := strings.TrimRight(string(cutNUL(l)), " \t\r\v\f")
	if s == "" {
		return false
	}
	_, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return true
		}
		return false
	}
	return true
}

// escapeDecode is codecs.escape_decode, used by STRING.
func escapeDecode(b []byte) (string, bool) {
	if indexByte(b, '\\') < 0 {
		return string(b), true
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(b) {
			return "", false // "Trailing \ in string"
		}
		switch c = b[i]; c {
		case '\n':
		case '\\', '\'', '"':
			out = append(out, c)
		case 'a':
			out = append(out, 7)
		case 'b':
			out = append(out, 8)
		case 'f':
			out = append(out, 12)
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, 11)
		case 'x':
			if i+2 >= len(b) || hexVal(b[i+1]) > 15 || hexVal(b[i+2]) > 15 {
				return "", false
			}
			out = append(out, byte(hexVal(b[i+1])<<4|hexVal(b[i+2])))
			i += 2
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(c - '0')
			for k := 0; k < 2 && i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '7'; k++ {
				i++
				v = v*8 + int(b[i]-'0')
			}
			out = append(out, byte(v))
		default:
			out = append(out, '\\', c)
		}
	}
	return string(out), true
}

// rawUnicodeEscape is the raw-unicode-escape codec used by UNICODE: only
// \uXXXX and \UXXXXXXXX after an odd run of backslashes are escapes; other
// bytes are Latin-1.
func rawUnicodeEscape(b []byte) (string, bool) {
	var sb strings.Builder
	for i := 0; i < len(b); {
		c := b[i]
		if c != '\\' {
			sb.WriteRune(rune(c))
			i++
			continue
		}
		j := i
		for j < len(b) && b[j] == '\\' {
			j++
		}
		run := j - i
		if run%2 == 0 || j >= len(b) || (b[j] != 'u' && b[j] != 'U') {
			sb.WriteString(strings.Repeat("\\", run))
			i = j
			continue
		}
		sb.WriteString(strings.Repeat("\\", run-1))
		n := 4
		if b[j] == 'U' {
			n = 8
		}
		if j+1+n > len(b) {
			return "", false
		}
		var r rune
		for _, h := range b[j+1 : j+1+n] {
			d := hexVal(h)
			if d > 15 {
				return "", false
			}
			r = r<<4 | rune(d)
		}
		if r > 0x10ffff {
			return "", false
		}
		sb.WriteRune(r)
		i = j + 1 + n
	}
	return sb.String(), true
}

// validUTF8Surrogates is UTF-8 validation with "surrogatepass".
func validUTF8Surrogates(b []byte) bool {
	for i := 0; i < len(b); {
		if b[i] < 0x80 {
			i++
			continue
		}
		if b[i] == 0xed && i+2 < len(b) && b[i+1] >= 0xa0 && b[i+1] <= 0xbf && b[i+2]&0xc0 == 0x80 {
			i += 3
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		i += n
	}
	return true
}
