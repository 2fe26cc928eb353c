package pickle

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
)

// importName records a find_class(module, name) and returns the global.
func (m *machine) importName(op byte, start int, module, name string, dynamic bool) val {
	orig := ""
	if !dynamic && m.proto < 3 {
		if mm, nn := fixImports(module, name); mm != module || nn != name {
			orig = module + " " + name
			module, name = mm, nn
		}
	}
	var j judgement
	if dynamic {
		j = judgement{verdict: Malicious, code: "dynamic-import", reason: "module or name is computed at load time, not a constant"}
		if op == opEXT1 || op == opEXT2 || op == opEXT4 {
			j = judgement{verdict: Malicious, code: "ext-unregistered", reason: "extension code not registered in this stream: resolved through the loader's copyreg registry"}
		}
	} else {
		key := module + "\x00" + name
		var ok bool
		if j, ok = m.cache[key]; !ok {
			j = classify(module, name, m.user)
			m.cache[key] = j
		}
	}
	m.imports++
	off := m.base + int64(start)
	opname := opNames[op]
	g := globRec{module: module, name: name, imp: -1, j: j, dynamic: dynamic, off: off}
	if len(m.res.Imports) < m.opts.MaxRecords {
		g.imp = len(m.res.Imports)
		m.res.Imports = append(m.res.Imports, Import{Module: module, Name: name, Offset: off, Opcode: opname,
			Dynamic: dynamic, Original: orig, Verdict: j.verdict, Tier: j.tier, Reason: j.reason})
	} else {
		m.res.Truncated = true
	}
	if j.verdict != Safe {
		chain := []string{opAt(opname, off, module+"."+name)}
		if orig != "" {
			chain[0] = opAt(opname, off, strings.Replace(orig, " ", ".", 1)+" → "+module+"."+name+" (Python 2 name mapping, protocol < 3)")
		}
		if j.chain != "" && j.chain != module+"."+name {
			chain = append(chain, "resolves to "+j.chain)
		}
		text := opname + " " + module + "." + name + ": " + j.reason
		m.finding(Finding{Verdict: j.verdict, Code: j.code, Text: text, Offset: off, Chain: chain}, j.code+":"+module+"."+name)
	}
	m.globs = append(m.globs, g)
	m.charge(4)
	return val{k: kGlobal, x: int32(len(m.globs) - 1)}
}

// loaderSinks get their string/bytes arguments scanned as payloads.
var loaderSinks = setOf("pickle.loads", "pickle._loads", "_pickle.loads", "dill.loads", "cloudpickle.loads",
	"torch.load", "torch.serialization.load", "torch.storage._load_from_bytes", "marshal.loads",
	"builtins.exec", "builtins.eval", "builtins.compile", "numpy.loads", "joblib.load", "types.FunctionType",
	"types.CodeType", "yaml.load", "yaml.unsafe_load", "os.system", "os.popen", "subprocess.Popen",
	"subprocess.run", "subprocess.call", "subprocess.check_output", "subprocess.check_call", "subprocess.getoutput",
	"subprocess.getstatusoutput", "pty.spawn", "posix.system", "nt.system", "runpy._run_code", "code.InteractiveInterpreter.runsource")

// call models a call site: REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST.
func (m *machine) call(op string, start int, fn, args val) val {
	m.calls++
	off := m.base + int64(start)
	o := objRec{callee: fn, args: args, op: op, off: off}
	var v Verdict
	var chain []string
	target := "" // what is really called, when the machine can tell
	argv := m.items(args)
	switch fn.k {
	case kGlobal:
		g := m.globs[fn.x]
		target = g.module + "." + g.name
		v = g.j.verdict
		if g.isModule {
			v = worse(Suspicious, v)
		}
		if v != Safe {
			chain = append(chain, opAt(opNames[m.data[int(g.off-m.base)]], g.off, target))
		}
	case kObject:
		p := m.objs[fn.x]
		chain = append(chain, p.chain...)
		v = worse(Suspicious, p.verdict)
		switch {
		case p.wraps != "" && strings.HasPrefix(p.wraps, "attrgetter:"):
			// attrgetter('system')(module) is getattr(module, 'system').
			if len(argv) > 0 {
				target = m.nameOf(argv[0]) + "." + strings.TrimPrefix(p.wraps, "attrgetter:")
				o.resolved = target
			}
		case p.wraps != "":
			target = p.wraps
		case p.resolved != "" && !strings.HasPrefix(p.resolved, "<"):
			target = p.resolved
		}
		if target != "" {
			v = worse(v, m.judgeDotted(target))
		}
	default:
		v = Suspicious
		target = "<" + m.render(fn, 1) + ">"
	}
	desc := m.describe(fn, 2)
	// Semantics of the gadgets that build names at load time.
	switch target {
	case "builtins.getattr":
		if len(argv) >= 2 {
			if attr, ok := m.constStr(argv[1]); ok {
				o.resolved = m.nameOf(argv[0]) + "." + attr
				if dangerousAttrs[attr] {
					v = Malicious
				}
				v = worse(v, m.judgeDotted(o.resolved))
			} else {
				o.resolved = m.nameOf(argv[0]) + ".<dynamic>"
			}
		}
	case "builtins.__import__", "importlib.import_module", "importlib.__import__", "_frozen_importlib._gcd_import", "importlib._bootstrap._gcd_import":
		if len(argv) >= 1 {
			if mod, ok := m.constStr(argv[0]); ok {
				o.resolved = mod
			}
		}
	case "pkgutil.resolve_name", "pydoc.locate":
		if len(argv) >= 1 {
			if n, ok := m.constStr(argv[0]); ok {
				o.resolved = strings.Replace(n, ":", ".", 1)
				v = worse(v, m.judgeDotted(o.resolved))
			}
		}
	case "operator.attrgetter", "_operator.attrgetter":
		if len(argv) >= 1 {
			if n, ok := m.constStr(argv[0]); ok {
				o.wraps = "attrgetter:" + n
			}
		}
	case "functools.partial", "functools.partialmethod":
		if len(argv) >= 1 {
			o.wraps = m.nameOf(argv[0])
			v = worse(v, m.judgeDotted(o.wraps))
			if argv[0].k == kObject {
				v = worse(v, m.objs[argv[0].x].verdict)
			}
		}
	case "copyreg.add_extension", "copy_reg.add_extension":
		if len(argv) >= 3 {
			mod, ok1 := m.constStr(argv[0])
			nm, ok2 := m.constStr(argv[1])
			if ok1 && ok2 && argv[2].k == kInt {
				if m.ext == nil {
					m.ext = map[int64][2]string{}
				}
				m.ext[int64(argv[2].x)] = [2]string{mod, nm}
			}
		}
	case "builtins.dict.get", "builtins.dict.__getitem__", "operator.getitem", "_operator.getitem":
		if len(argv) >= 2 {
			if k, ok := m.constStr(argv[1]); ok {
				base := m.nameOf(argv[0])
				if strings.HasSuffix(base, "__builtins__") {
					base = "builtins"
				}
				o.resolved = base + "." + k
				v = worse(v, m.judgeDotted(o.resolved))
			}
		}
	}
	m.objs = append(m.objs, o)
	m.charge(4)
	res := val{k: kObject, x: int32(len(m.objs) - 1)}

	// Pure decoders with constant arguments: keep the decoded bytes so that a
	// later pickle.loads(...) of them is scanned.
	if dec, ok := m.pureDecode(target, argv); ok {
		v = worse(v, Safe)
		res = m.pushDecodedVal(kBytes, string(dec))
		m.objs[len(m.objs)-1].verdict = v
	}

	var evidence []string
	if v != Safe {
		callDesc := desc + "(" + m.renderList(argv, 2) + ")"
		chain = append(chain, opAt(op, off, callDesc))
		if target != "" && target != desc && !strings.HasPrefix(target, "<") {
			chain = append(chain, "calls "+target)
		}
		evidence = m.evidence(argv)
		if loaderSinks[target] || (v == Malicious && target != "") {
			for _, a := range argv {
				if b, ok := m.bytesOf(a); ok && a.k != kBigInt && len(b) > 0 {
					evidence = append(evidence, m.nestedEvidence(b, off, target)...)
				}
			}
		}
	}
	if v != Safe {
		o2 := &m.objs[len(m.objs)-1]
		o2.chain = chain
	}
	m.objs[len(m.objs)-1].verdict = v
	m.recordCall(Call{Callable: desc, Offset: off, Opcode: op, Args: m.renderIf(v, args), Verdict: v})
	if v != Safe {
		what := desc
		if target != "" && target != desc {
			what = desc + " → " + target
		}
		code := "call-unknown"
		if v == Malicious {
			code = "call-dangerous"
		}
		if op == "NEWOBJ" || op == "NEWOBJ_EX" {
			code = strings.Replace(code, "call-", "construct-", 1)
		}
		m.finding(Finding{Verdict: v, Code: code, Text: op + " calls " + what, Offset: off, Chain: chain, Evidence: evidence}, code+":"+what)
	}
	return res
}

// methodCall is APPEND/SETITEM/ADDITEMS/BUILD on something that is not a
// plain container: the object's own method is called.
func (m *machine) methodCall(op string, start int, target val, method string, args val) {
	m.calls++
	v := Suspicious
	var chain []string
	switch target.k {
	case kGlobal:
		g := m.globs[target.x]
		v = worse(v, g.j.verdict)
		chain = append(chain, opAt(opNames[m.data[int(g.off-m.base)]], g.off, g.module+"."+g.name))
	case kObject:
		o := m.objs[target.x]
		v = worse(v, o.verdict)
		chain = append(chain, o.chain...)
	}
	desc := m.describe(target, 2) + "." + method
	off := m.base + int64(start)
	chain = append(chain, opAt(op, off, desc))
	m.recordCall(Call{Callable: desc, Offset: off, Opcode: op, Args: m.renderIf(v, args), Verdict: v})
	m.finding(Finding{Verdict: v, Code: "method-call", Text: op + " calls " + desc + " on an object that is not a plain container",
		Offset: off, Chain: chain, Evidence: m.evidence(m.items(args))}, "method-call:"+desc)
}

// judgeDotted classifies a dotted name reached at load time ("os.system",
// "numpy.__builtins__.exec").
func (m *machine) judgeDotted(full string) Verdict {
	if full == "" || strings.HasPrefix(full, "<") {
		return Suspicious
	}
	for _, p := range strings.Split(full, ".") {
		if dangerousAttrs[p] || p == "<dynamic>" {
			return Malicious
		}
	}
	i := strings.LastIndexByte(full, '.')
	if i < 0 {
		if g, ok := gadgets[full]; ok && g.names == nil {
			return Malicious
		}
		return Suspicious
	}
	// Try every split: module path, attribute path.
	parts := strings.Split(full, ".")
	best := Suspicious
	for k := 1; k < len(parts); k++ {
		j := classify(strings.Join(parts[:k], "."), strings.Join(parts[k:], "."), m.user)
		if j.verdict == Malicious {
			return Malicious
		}
		if k == len(parts)-1 && j.verdict == Safe {
			best = Safe
		}
	}
	return best
}

// nameOf is the dotted name a value stands for, when it is a global, a
// module or a resolved object; otherwise a description.
func (m *machine) nameOf(v val) string {
	switch v.k {
	case kGlobal:
		g := m.globs[v.x]
		return g.module + "." + g.name
	case kObject:
		if r := m.objs[v.x].resolved; r != "" {
			return r
		}
	case kStr:
		s, _ := m.constStr(v)
		return "<str " + strconv.Quote(clip(s, 40)) + ">"
	}
	return "<" + m.describe(v, 1) + ">"
}

func (m *machine) pureDecode(target string, argv []val) ([]byte, bool) {
	if len(argv) == 0 {
		return nil, false
	}
	b, ok := m.bytesOf(argv[0])
	if !ok || argv[0].k == kBigInt {
		return nil, false
	}
	switch target {
	case "base64.b64decode", "base64.standard_b64decode", "base64.decodebytes", "binascii.a2b_base64":
		if d, ok := decodeB64(b); ok {
			return d, true
		}
	case "base64.urlsafe_b64decode":
		if d, err := base64.URLEncoding.DecodeString(string(b)); err == nil {
			return d, true
		}
	case "_codecs.encode", "codecs.encode":
		// torch/numpy protocol 2: _codecs.encode('\x80...', 'latin1').
		if len(argv) >= 2 {
			if enc, ok := m.constStr(argv[1]); ok && (enc == "latin1" || enc == "latin-1" || enc == "iso-8859-1") {
				out := make([]byte, 0, len(b))
				for _, r := range string(b) {
					if r > 0xff {
						return nil, false
					}
					out = append(out, byte(r))
				}
				return out, true
			}
		}
	case "builtins.bytes.fromhex", "binascii.unhexlify", "binascii.a2b_hex":
		if d, err := hex.DecodeString(strings.ReplaceAll(string(b), " ", "")); err == nil {
			return d, true
		}
	}
	return nil, false
}

func decodeB64(b []byte) ([]byte, bool) {
	s := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' {
			return -1
		}
		return r
	}, string(b))
	if d, err := base64.StdEncoding.DecodeString(s); err == nil {
		return d, true
	}
	if d, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err == nil {
		return d, true
	}
	return nil, false
}

func (m *machine) recordCall(c Call) {
	if len(m.res.Calls) < m.opts.MaxRecords {
		m.res.Calls = append(m.res.Calls, c)
	} else {
		m.res.Truncated = true
	}
}

// finding records f, folding repeats with the same key into a count.
func (m *machine) finding(f Finding, key string) {
	if i, ok := m.findKeys[key]; ok {
		m.res.Findings[i].Count++
		return
	}
	if len(m.res.Findings) >= m.opts.MaxRecords {
		m.res.Truncated = true
		if f.Verdict.Rank() > m.res.Verdict.Rank() || m.res.Verdict == Unknown {
			// Keep the verdict honest even when the record is dropped.
			m.res.Findings[len(m.res.Findings)-1] = f
		}
		return
	}
	m.findKeys[key] = len(m.res.Findings)
	m.res.Findings = append(m.res.Findings, f)
}

// ---- rendering ----

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (m *machine) renderIf(v Verdict, args val) []string {
	if v == Safe {
		return nil
	}
	return m.renderArgs(args)
}

func (m *machine) renderArgs(args val) []string {
	it := m.items(args)
	if args.k != kTuple {
		return []string{m.render(args, 3)}
	}
	out := make([]string, 0, len(it))
	for _, a := range it {
		out = append(out, m.render(a, 3))
	}
	if n := m.contLen(args); n > len(it) {
		out = append(out, "… "+strconv.Itoa(n-len(it))+" more")
	}
	return out
}

func (m *machine) renderList(it []val, depth int) string {
	parts := make([]string, 0, len(it))
	for i, a := range it {
		if i == 8 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, m.render(a, depth))
	}
	return strings.Join(parts, ", ")
}

// render is a Python-like repr of a symbolic value, bounded in size.
func (m *machine) render(v val, depth int) string {
	switch v.k {
	case kNone:
		return "None"
	case kBool:
		if v.x != 0 {
			return "True"
		}
		return "False"
	case kInt:
		return strconv.Itoa(int(v.x))
	case kBigInt:
		b, _ := m.bytesOf(v)
		return clip(string(b), 60)
	case kFloat:
		return "<float>"
	case kStr:
		b, _ := m.bytesOf(v)
		return strconv.Quote(clip(string(b), 300))
	case kBytes, kByteArray:
		b, _ := m.bytesOf(v)
		s := strconv.Quote(clip(string(b), 120))
		if v.k == kByteArray {
			return "bytearray(b" + s + ")"
		}
		return "b" + s
	case kBuffer:
		return "<out-of-band buffer>"
	case kGlobal, kObject:
		return m.describe(v, depth)
	}
	if depth <= 0 {
		return "…"
	}
	it := m.items(v)
	n := m.contLen(v)
	var sb strings.Builder
	open, close := map[kind][2]string{kTuple: {"(", ")"}, kList: {"[", "]"}, kDict: {"{", "}"}, kSet: {"{", "}"}, kFrozenSet: {"frozenset({", "})"}}[v.k][0],
		map[kind][2]string{kTuple: {"(", ")"}, kList: {"[", "]"}, kDict: {"{", "}"}, kSet: {"{", "}"}, kFrozenSet: {"frozenset({", "})"}}[v.k][1]
	sb.WriteString(open)
	for i, a := range it {
		if i >= 8 {
			sb.WriteString(", …")
			break
		}
		if i > 0 {
			if v.k == kDict && i%2 == 1 {
				sb.WriteString(": ")
			} else {
				sb.WriteString(", ")
			}
		}
		sb.WriteString(m.render(a, depth-1))
	}
	if n > len(it) && len(it) < 8 {
		sb.WriteString(", …")
	}
	if v.k == kTuple && n == 1 {
		sb.WriteString(",")
	}
	sb.WriteString(close)
	return sb.String()
}

// describe names a callable or object: "os.system",
// "builtins.getattr(<module os>, 'system')".
func (m *machine) describe(v val, depth int) string {
	switch v.k {
	case kGlobal:
		g := m.globs[v.x]
		return g.module + "." + g.name
	case kObject:
		o := m.objs[v.x]
		if o.resolved != "" && !strings.HasPrefix(o.resolved, "<") {
			return o.resolved
		}
		if o.op == "BINPERSID" || o.op == "PERSID" {
			return "persistent_load(" + m.render(o.args, 1) + ")"
		}
		if depth <= 0 {
			return "<call result>"
		}
		return m.describe(o.callee, depth-1) + "(" + m.renderList(m.items(o.args), depth-1) + ")"
	}
	return m.render(v, depth)
}

// evidence collects the string constants handed to a call (commands,
// source code, paths) and the URLs in them.
func (m *machine) evidence(argv []val) []string {
	var out []string
	var walk func(v val, d int)
	walk = func(v val, d int) {
		if len(out) >= 16 {
			return
		}
		switch v.k {
		case kStr, kBytes, kByteArray:
			b, _ := m.bytesOf(v)
			s := string(b)
			if printableRatio(b, v.k == kStr) > 0.9 && len(s) > 0 {
				out = append(out, clip(s, 300))
			}
			out = append(out, urlsIn(s)...)
		case kTuple, kList, kDict, kSet, kFrozenSet:
			if d > 0 {
				for _, a := range m.items(v) {
					walk(a, d-1)
				}
			}
		}
	}
	for _, a := range argv {
		walk(a, 3)
	}
	return out
}

func printableRatio(b []byte, text bool) float64 {
	if len(b) == 0 {
		return 0
	}
	n := 0
	for _, c := range b {
		if c >= 0x20 && c < 0x7f || c == '\n' || c == '\t' || (text && c >= 0x80) {
			n++
		}
	}
	return float64(n) / float64(len(b))
}

func urlsIn(s string) []string {
	var out []string
	for _, scheme := range []string{"http://", "https://", "ftp://", "file://", "s3://", "gs://"} {
		for i := 0; ; {
			j := strings.Index(s[i:], scheme)
			if j < 0 {
				break
			}
			start := i + j
			end := start
			for end < len(s) && s[end] > ' ' && s[end] != '\'' && s[end] != '"' && s[end] != '`' && s[end] != ')' {
				end++
			}
			out = append(out, "url: "+clip(s[start:end], 200))
			i = end
			if len(out) > 8 {
				return out
			}
		}
	}
	return out
}
