package pickle

import (
	"encoding/binary"
	"math/rand"
	"testing"
)

// torchStateDict is shaped like torch.save(model.state_dict()) data.pkl
// (protocol 2, persistent storages, _rebuild_tensor_v2, memoized globals).
func torchStateDict(tensors int) []byte {
	p := newPW(2).global("collections", "OrderedDict").put(0).tuple(0).reduce().put(1).mark()
	for i := 0; i < tensors; i++ {
		p.binstr("layer" + string(rune('a'+i%26)) + ".weight")
		if i == 0 {
			p.global("torch._utils", "_rebuild_tensor_v2").put(2)
		} else {
			p.get(2)
		}
		p.mark() // arguments of _rebuild_tensor_v2
		p.mark().binstr("storage")
		if i == 0 {
			p.global("torch", "FloatStorage").put(3)
		} else {
			p.get(3)
		}
		p.binstr("0").binstr("cpu").int(4).op(opTUPLE).op(opBINPERSID)
		p.int(0).int(2).int(2).tuple(2).int(2).int(1).tuple(2).op(opNEWFALSE).get(0).tuple(0).reduce()
		p.op(opTUPLE).reduce() // MARK storage offset size stride requires_grad hooks TUPLE
	}
	p.op(opSETITEMS)
	// _metadata attribute via BUILD-free dict, as torch writes it
	return p.stop()
}

func TestBenign(t *testing.T) {
	dtype := newPW(2).global("numpy", "dtype").str("f8").op(opNEWFALSE, opNEWTRUE).tuple(3).reduce().
		mark().int(3).str("<").op(opNONE, opNONE, opNONE).int(-1).int(-1).int(0).op(opTUPLE).op(opBUILD)
	_ = dtype
	npArray := newPW(2).global("numpy.core.multiarray", "_reconstruct").global("numpy", "ndarray").int(0).tuple(1).bytes([]byte("b")).tuple(3).reduce().
		mark().int(1).int(3).tuple(1).
		global("numpy", "dtype").str("f8").op(opNEWFALSE, opNEWTRUE).tuple(3).reduce().
		mark().int(3).str("<").op(opNONE, opNONE, opNONE).int(-1).int(-1).int(0).op(opTUPLE).op(opBUILD).
		op(opNEWFALSE).bytes(make([]byte, 24)).op(opTUPLE).op(opBUILD).stop()
	dt := make([]byte, 10)
	rows := []sample{
		{name: "ordereddict", want: Safe, data: newPW(2).global("collections", "OrderedDict").tuple(0).reduce().mark().str("a").int(1).str("b").int(2).op(opSETITEMS).stop()},
		{name: "counter", want: Safe, data: newPW(4).sglobal("collections", "Counter").op(opEMPTY_DICT).str("x").int(3).op(opSETITEM).tuple(1).reduce().stop()},
		{name: "datetime", want: Safe, data: newPW(3).global("datetime", "datetime").bytes(dt).tuple(1).reduce().stop()},
		{name: "datetime_proto0", want: Safe, data: (&pw{}).global("datetime", "datetime").mark().text("\x07\xe8\x01\x01\x00\x00\x00\x00\x00\x00").op(opTUPLE).reduce().stop()},
		{name: "numpy_reconstruct", want: Safe, data: npArray},
		{name: "torch_state_dict", want: Safe, data: torchStateDict(5)},
		{name: "plain_list_proto0", want: Safe, data: (&pw{}).raw("(lp0\nI1\naI2\naS'x'\np1\na.").b},
		{name: "plain_dict_proto4", want: Safe, data: framed(newPW(4).op(opEMPTY_DICT).memoize().mark().str("k").memoize().str("v").memoize().str("n").op(opNONE).op(opSETITEMS).stop())},
		{name: "plain_str_proto5", want: Safe, data: newPW(5).str("hello").stop()},
		{name: "set_frozenset_bytearray_proto5", want: Safe, data: newPW(5).op(opEMPTY_SET).mark().int(1).op(opADDITEMS).mark().int(2).op(opFROZENSET).op(opBYTEARRAY8, 1, 0, 0, 0, 0, 0, 0, 0, 'x').tuple(3).stop()},
		{name: "int_long_forms", want: Safe, data: (&pw{}).raw("(I00\nI01\nI-5\nL123L\nL99999999999999999999999\nF1.5\nt.").b},
		{name: "unicode_text", want: Safe, data: (&pw{}).raw("V\\u00e9t\\u00e9\n.").b},
		{name: "stacked_benign", want: Safe, data: append(newPW(2).int(1).stop(), newPW(2).int(2).stop()...)},
		{name: "random_bytes", want: Unknown, data: randomBytes(1, 4096)},
		{name: "empty", want: Unknown, data: nil},
		{name: "png_header", want: Unknown, data: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")},
		{name: "truncated_benign_list", want: Unknown, data: newPW(2).op(opEMPTY_LIST).mark().int(1).b},
		{name: "unknown_class_is_suspicious", want: Suspicious, data: newPW(2).global("mypkg.models", "Net").tuple(0).op(opNEWOBJ).op(opEMPTY_DICT).op(opBUILD).stop()},
		{name: "user_allowlist", want: Safe, data: newPW(2).global("mypkg.models", "Net").tuple(0).op(opNEWOBJ).stop()},
	}
	for _, s := range rows {
		t.Run(s.name, func(t *testing.T) {
			if s.name == "user_allowlist" {
				r := Scan(s.data, Options{Allow: []string{"mypkg.models.Net"}})
				if r.Verdict != Safe {
					t.Fatalf("verdict %v: %s", r.Verdict, dumpFindings(r))
				}
				return
			}
			check(t, s)
		})
	}
	// The user allowlist never overrides a gadget.
	if r := Scan(osSystem(), Options{Allow: []string{"os.system"}}); r.Verdict != Malicious {
		t.Errorf("allowlisted os.system: %v", r.Verdict)
	}
}

// framed wraps the body of a protocol-4 pickle (after PROTO) in one FRAME.
func framed(b []byte) []byte {
	body := b[2:]
	out := append([]byte{}, b[:2]...)
	out = append(out, opFRAME)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(body)))
	return append(out, body...)
}

func randomBytes(seed int64, n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

func TestRandomBytesNeverSafe(t *testing.T) {
	for seed := int64(0); seed < 500; seed++ {
		r := Scan(randomBytes(seed, 256), Options{})
		if r.Verdict == Safe {
			t.Errorf("seed %d: random bytes judged safe", seed)
		}
	}
}

func TestTruncatedEverywhere(t *testing.T) {
	full := torchStateDict(3)
	for i := 0; i < len(full); i++ {
		r := Scan(full[:i], Options{})
		if r.Verdict == Safe {
			t.Fatalf("prefix %d judged safe", i)
		}
		if i > 0 && r.Err == nil {
			t.Fatalf("prefix %d: no error", i)
		}
	}
}

func TestBounded(t *testing.T) {
	t.Run("memo_bomb", func(t *testing.T) {
		p := newPW(4).op(opNONE)
		for i := 0; i < 5000; i++ {
			p.op(opLONG_BINPUT)
			p.b = binary.LittleEndian.AppendUint32(p.b, uint32(i*100000))
		}
		r := Scan(p.stop(), Options{MaxMemo: 1000})
		if r.Err == nil || r.Verdict == Safe {
			t.Fatalf("memo bomb: err %v verdict %v", r.Err, r.Verdict)
		}
	})
	t.Run("huge_sparse_put", func(t *testing.T) {
		r := Scan(newPW(2).op(opNONE).op(opLONG_BINPUT, 0xff, 0xff, 0xff, 0x7f).stop(), Options{})
		if r.Verdict != Safe {
			t.Fatalf("verdict %v err %v", r.Verdict, r.Err)
		}
	})
	t.Run("billion_laughs", func(t *testing.T) {
		p := newPW(4).op(opEMPTY_LIST).memoize()
		for i := 0; i < 30; i++ {
			p.mark()
			for j := 0; j < 10; j++ {
				p.get(0)
			}
			p.op(opLIST).memoize()
		}
		r := Scan(p.stop(), Options{})
		if r.Verdict != Safe {
			t.Fatalf("verdict %v err %v %s", r.Verdict, r.Err, dumpFindings(r))
		}
	})
	t.Run("deep_nesting", func(t *testing.T) {
		p := newPW(2)
		for i := 0; i < 200000; i++ {
			p.op(opEMPTY_LIST)
		}
		for i := 0; i < 199999; i++ {
			p.op(opAPPEND)
		}
		r := Scan(p.stop(), Options{})
		if r.Verdict != Safe {
			t.Fatalf("verdict %v err %v", r.Verdict, r.Err)
		}
	})
	t.Run("materialised_limit", func(t *testing.T) {
		p := newPW(2).mark()
		for i := 0; i < 10000; i++ {
			p.op(opNONE)
		}
		r := Scan(p.op(opTUPLE).stop(), Options{MaxMaterialized: 1000})
		if r.Verdict != Suspicious || r.Err == nil {
			t.Fatalf("verdict %v err %v", r.Verdict, r.Err)
		}
	})
	t.Run("many_marks", func(t *testing.T) {
		p := newPW(2)
		for i := 0; i < 100000; i++ {
			p.mark()
		}
		r := Scan(p.b, Options{})
		if r.Verdict == Safe {
			t.Fatal("safe")
		}
	})
}
