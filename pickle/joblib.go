package pickle

import (
	"errors"
	"strconv"
	"strings"
)

// joblib (joblib.numpy_pickle) writes each numpy array as a
// NumpyArrayWrapper object (NEWOBJ + BUILD with a state dict holding
// subclass, shape, order, dtype, allow_mmap and, since joblib 1.2,
// numpy_array_alignment_bytes) and then, right after the BUILD opcode, the
// array itself, outside the pickle opcode stream:
//
//   - dtype with objects (dtype.hasobject): a nested protocol-2 pickle of
//     the array, read by pickle.load(file_handle);
//   - otherwise: when numpy_array_alignment_bytes is not None, one byte
//     holding the padding length and that many 0xff bytes; then
//     prod(shape) * dtype.itemsize raw bytes.
//
// NumpyUnpickler.load_build replaces the wrapper by the array and goes on
// with the opcodes after the array bytes. joblibState models this in the
// machine: the raw bytes are skipped, nested object-array pickles are
// scanned as pickles.
type joblibState struct {
	seen   bool
	dtypes map[int32]val // dtype object (m.objs index) → its BUILD state
}

func (j *joblibState) reset() {
	j.seen = false
	j.dtypes = nil
}

func (j *joblibState) hook(m *machine) func(start, pos int, inst, state val) (int, *ParseError) {
	return func(start, pos int, inst, state val) (int, *ParseError) {
		if inst.k != kObject {
			return pos, nil
		}
		o := m.objs[inst.x]
		if o.callee.k != kGlobal {
			return pos, nil
		}
		g := m.globs[o.callee.x]
		full := g.module + "." + g.name
		switch full {
		case "numpy.dtype":
			if j.dtypes == nil {
				j.dtypes = map[int32]val{}
			}
			j.dtypes[inst.x] = state
			return pos, nil
		case "joblib.numpy_pickle.NumpyArrayWrapper":
		default:
			return pos, nil
		}
		j.seen = true
		stop := func(msg string) (int, *ParseError) {
			m.stopNote = "joblib NumpyArrayWrapper at offset " + strconv.FormatInt(m.base+int64(start), 10) + ": " + msg + "; the inline data and the rest of the stream were not judged"
			return pos, m.fail(start, ErrInvalid, msg)
		}
		if m.frameEnd > pos {
			// joblib's unpickler has read the whole frame already: it goes
			// on parsing the rest of the frame as opcodes and reads the
			// array from the file after the frame. Judge the frame's bytes
			// as opcodes (no skip).
			m.finding(Finding{Verdict: Suspicious, Code: "joblib-array-in-frame", Offset: m.base + int64(start),
				Text: "joblib array data begins inside a FRAME: joblib parses the rest of the frame as opcodes (parser differential)"}, "joblib-array-in-frame")
			return pos, nil
		}
		fields := map[string]val{}
		it := m.items(state)
		if state.k != kDict {
			return stop("wrapper state is not a dict")
		}
		for i := 0; i+1 < len(it); i += 2 {
			if k, ok := m.constStr(it[i]); ok {
				fields[k] = it[i+1]
			}
		}
		shape, ok := fields["shape"]
		if !ok || (shape.k != kTuple && shape.k != kList) || m.contLen(shape) != len(m.items(shape)) {
			return stop("shape is not a tuple of integers")
		}
		count := int64(1)
		for _, d := range m.items(shape) {
			if d.k != kInt || d.x < 0 {
				return stop("shape is not a tuple of non-negative integers")
			}
			count *= int64(d.x)
			if count > 1<<50 {
				return stop("array too large")
			}
		}
		dt, ok := fields["dtype"]
		if !ok {
			return stop("no dtype")
		}
		itemsize, hasObject, ok := j.dtypeInfo(m, dt)
		if !ok {
			return stop("dtype not understood")
		}
		if hasObject {
			// pickle.load(file_handle): one nested pickle, judged as part of
			// this stream.
			sub := scanStream(m.data[pos:], m.base+int64(pos), m.opts, m.depth, streamCfg{maxPickles: 1, afterBuild: (&joblibState{}).hook})
			m.fold(sub, "joblib object array @"+strconv.FormatInt(m.base+int64(pos), 10))
			if sub.Pickles == 0 {
				if sub.Err != nil && errorsIsTruncated(sub.Err) {
					return pos, m.fail(start, ErrTruncated, "joblib object array pickle truncated")
				}
				return stop("the inline object-array pickle is malformed")
			}
			return int(sub.End - m.base), nil
		}
		n := int64(0)
		if a, ok := fields["numpy_array_alignment_bytes"]; ok && a.k != kNone {
			if pos >= len(m.data) {
				return pos, m.fail(start, ErrTruncated, "joblib array padding truncated")
			}
			n = 1 + int64(m.data[pos])
		}
		n += count * itemsize
		if n > int64(len(m.data)-pos) {
			return pos, m.fail(start, ErrTruncated, "joblib inline array data truncated")
		}
		return pos + int(n), nil
	}
}

// dtypeInfo gives the item size of a numpy.dtype(...) object and whether it
// holds Python objects, from its constructor argument ('f8', 'O8', 'V16',
// 'U5') and its BUILD state (version, byteorder, subarray, names, fields,
// elsize, alignment, flags[, metadata]).
func (j *joblibState) dtypeInfo(m *machine, dt val) (int64, bool, bool) {
	if dt.k != kObject {
		return 0, false, false
	}
	o := m.objs[dt.x]
	if o.callee.k != kGlobal {
		return 0, false, false
	}
	if g := m.globs[o.callee.x]; g.module+"."+g.name != "numpy.dtype" {
		return 0, false, false
	}
	args := m.items(o.args)
	if len(args) == 0 {
		return 0, false, false
	}
	s, ok := m.constStr(args[0])
	if !ok || s == "" {
		return 0, false, false
	}
	kindc := s[0]
	size := int64(0)
	if len(s) > 1 {
		v, err := strconv.ParseInt(s[1:], 10, 64)
		if err != nil || v < 0 {
			return 0, false, false
		}
		size = v
	}
	hasObject := kindc == 'O'
	if !strings.ContainsRune("biufcmMOSUVa?", rune(kindc)) {
		return 0, false, false
	}
	if kindc == 'U' {
		size *= 4
	}
	if st, ok := j.dtypes[dt.x]; ok {
		sv := m.items(st)
		if st.k != kTuple || len(sv) < 8 {
			return 0, false, false
		}
		if sv[5].k == kInt && sv[5].x > 0 {
			size = int64(sv[5].x)
		}
		if sv[7].k == kInt && sv[7].x&1 != 0 {
			hasObject = true // NPY_ITEM_REFCOUNT: a structured dtype with an object field
		}
		if sv[7].k != kInt {
			return 0, false, false
		}
	} else if kindc == 'V' {
		// A structured dtype always has a state; without one the fields,
		// and so whether any holds objects, are unknown.
		return 0, false, false
	}
	if hasObject {
		return 0, true, true
	}
	if size <= 0 && kindc != 'V' && kindc != 'S' && kindc != 'U' && kindc != 'a' {
		return 0, false, false
	}
	return size, false, true
}

// absorb adds a nested stream's imports (within MaxRecords) and calls to
// this result.
func (m *machine) absorb(sub *Result) {
	for _, im := range sub.Imports {
		if len(m.res.Imports) >= m.opts.MaxRecords {
			m.res.Truncated = true
			break
		}
		m.res.Imports = append(m.res.Imports, im)
	}
	for _, c := range sub.Calls {
		m.recordCall(c)
	}
}

// fold adds a nested stream's imports, calls and findings to this result.
func (m *machine) fold(sub *Result, label string) {
	m.absorb(sub)
	for _, f := range sub.Findings {
		f.Chain = append([]string{label}, f.Chain...)
		m.finding(f, "fold:"+label+":"+f.Code+":"+f.Text)
	}
}

func errorsIsTruncated(err error) bool { return errors.Is(err, ErrTruncated) }
