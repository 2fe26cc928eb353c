package pickle

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// GGUF files (llama.cpp) hold no pickle, but their tokenizer.chat_template
// is a Jinja2 template that llama-cpp-python, vLLM, SGLang and others
// render, some without a sandbox (CVE-2024-34359, CVE-2026-5760). The
// key/value section is parsed with strict bounds; tensor data is never read.

// FormatGGUF is reported in [FileResult.Format] for GGUF files.
const FormatGGUF = "gguf"

const (
	maxGGUFKVs      = 1 << 20
	maxGGUFKey      = 1 << 16
	maxGGUFString   = 256 << 20
	maxGGUFTemplate = 16 << 20
)

// ggufEscapes are Jinja2 sandbox escapes and code-execution gadgets.
var ggufEscapes = []string{
	"__class__", "__mro__", "__subclasses__", "__globals__", "__builtins__", "__import__",
	"__init__", "os.popen", "popen", "subprocess", "eval(", "exec(", "cycler", "joiner",
	"namespace.__init__", "lipsum", "self._TemplateReference", "request.application",
}

// ggufObfuscation hides attribute names from plain string matching.
var ggufObfuscation = []string{"|attr(", "| attr(", "\\x5f", "\\u005f", "\\137"}

type ggufReader struct {
	br  *bufio.Reader
	pos int64
	end int64
	err error
}

func (g *ggufReader) fail(format string, a ...any) {
	if g.err == nil {
		g.err = fmt.Errorf("offset %d: %s", g.pos, fmt.Sprintf(format, a...))
	}
}

func (g *ggufReader) bytes(n int64) []byte {
	if g.err != nil {
		return nil
	}
	if n < 0 || n > g.end-g.pos {
		g.fail("%d bytes needed, %d left", n, g.end-g.pos)
		return nil
	}
	b := make([]byte, n)
	k, _ := io.ReadFull(g.br, b)
	g.pos += int64(k)
	if int64(k) < n {
		g.fail("file ends early")
		return nil
	}
	return b
}

func (g *ggufReader) skip(n int64) {
	if g.err != nil {
		return
	}
	if n < 0 || n > g.end-g.pos {
		g.fail("%d bytes needed, %d left", n, g.end-g.pos)
		return
	}
	k, _ := g.br.Discard(int(n))
	g.pos += int64(k)
	if int64(k) < n {
		g.fail("file ends early")
	}
}

func (g *ggufReader) u32() uint32 {
	b := g.bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (g *ggufReader) u64() uint64 {
	b := g.bytes(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

// strLen reads a string length and checks it against max and the file.
func (g *ggufReader) strLen(max int64) int64 {
	n := g.u64()
	if g.err == nil && (n > uint64(max) || int64(n) > g.end-g.pos) {
		g.fail("string length %d out of bounds", n)
		return 0
	}
	return int64(n)
}

var ggufScalarSize = map[uint32]int64{0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

// value skips (or, for want, returns) a value of type t.
func (g *ggufReader) value(t uint32, want bool, inArray bool) (string, bool) {
	if sz, ok := ggufScalarSize[t]; ok {
		g.skip(sz)
		return "", false
	}
	switch t {
	case 8:
		n := g.strLen(maxGGUFString)
		if want && n <= maxGGUFTemplate {
			return string(g.bytes(n)), true
		}
		g.skip(n)
	case 9:
		if inArray {
			g.fail("nested array")
			return "", false
		}
		et := g.u32()
		n := g.u64()
		if g.err != nil {
			return "", false
		}
		min := ggufScalarSize[et]
		if et == 8 {
			min = 8
		} else if min == 0 {
			g.fail("array of unknown type %d", et)
			return "", false
		}
		if n > uint64(g.end-g.pos)/uint64(min) {
			g.fail("array length %d out of bounds", n)
			return "", false
		}
		if et != 8 {
			g.skip(int64(n) * min)
			return "", false
		}
		for i := uint64(0); i < n && g.err == nil; i++ {
			g.value(et, false, true)
		}
	default:
		g.fail("unknown value type %d", t)
	}
	return "", false
}

func (fs *fileScanner) scanGGUF(r io.ReaderAt, size int64, name string, base int64) string {
	g := &ggufReader{br: bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 1<<16), end: size}
	g.skip(4)
	ver := g.u32()
	if g.err == nil && ver != 2 && ver != 3 {
		g.fail("unsupported GGUF version %d", ver)
	}
	g.u64() // tensor count
	nkv := g.u64()
	if g.err == nil && (nkv > maxGGUFKVs || nkv > uint64(size-g.pos)/12) {
		g.fail("key/value count %d out of bounds", nkv)
	}
	for i := uint64(0); i < nkv && g.err == nil; i++ {
		kl := g.strLen(maxGGUFKey)
		key := string(g.bytes(kl))
		t := g.u32()
		tmpl := key == "tokenizer.chat_template" || strings.HasPrefix(key, "tokenizer.chat_template.")
		at := base + g.pos
		s, ok := g.value(t, tmpl, false)
		if tmpl && ok {
			fs.judgeChatTemplate(s, joinName(name, key), at)
		} else if tmpl && g.err == nil {
			fs.finding(Finding{Verdict: Suspicious, Code: "gguf-chat-template", Offset: at,
				Text: fmt.Sprintf("%s: %s is not a string of at most %d bytes: not judged", orFile(name), key, maxGGUFTemplate)})
		}
	}
	fs.charge(g.pos, base)
	if g.err != nil {
		fs.finding(Finding{Verdict: Suspicious, Code: "gguf-malformed", Offset: base,
			Text: fmt.Sprintf("%s: malformed GGUF key/value section: %v", orFile(name), g.err)})
		return FormatGGUF
	}
	fs.judged = true
	return FormatGGUF
}

func (fs *fileScanner) judgeChatTemplate(s, label string, off int64) {
	for _, list := range []struct {
		pats []string
		v    Verdict
		what string
	}{{ggufEscapes, Malicious, "a Jinja2 sandbox escape"}, {ggufObfuscation, Suspicious, "obfuscated attribute access"}} {
		var ev []string
		for _, p := range list.pats {
			if i := strings.Index(s, p); i >= 0 {
				a, b := max(0, i-40), min(len(s), i+len(p)+40)
				ev = append(ev, fmt.Sprintf("%s: %q", p, s[a:b]))
			}
		}
		if len(ev) > 0 {
			fs.finding(Finding{Verdict: list.v, Code: "gguf-chat-template", Offset: off, Evidence: ev,
				Text: fmt.Sprintf("%s: chat template holds %s", label, list.what)})
			return
		}
	}
}
