package pickle

import (
	"errors"
	"strconv"
	"strings"
)

// Scan runs the static pickle machine over data, which may hold several
// pickles one after the other (as pickle.load called in a loop, or legacy
// torch.save, reads them). It never executes anything and never panics;
// the Result always carries a verdict.
func Scan(data []byte, opts Options) *Result {
	return scan(data, 0, opts.withDefaults(), 0)
}

func scan(data []byte, base int64, opts Options, depth int) *Result {
	return scanStream(data, base, opts, depth, streamCfg{})
}

// streamCfg adapts the stream driver to a container format.
type streamCfg struct {
	// maxPickles stops after that many complete pickles (0: no limit), as
	// legacy torch.load does before the raw storages.
	maxPickles int
	// afterBuild is installed in the machine (see machine.afterBuild).
	afterBuild func(m *machine) func(start, pos int, inst, state val) (int, *ParseError)
}

func scanStream(data []byte, base int64, opts Options, depth int, cfg streamCfg) *Result {
	res := &Result{}
	if int64(len(data)) >= 1<<31 {
		res.Err = &ParseError{Offset: base, Msg: "input larger than 2 GiB", Kind: ErrLimit}
		res.Findings = []Finding{{Verdict: Suspicious, Code: "resource-limit", Text: "pickle stream larger than 2 GiB was not scanned", Offset: base}}
		res.Verdict = Suspicious
		return res
	}
	m := newMachine(data, base, opts, depth, res)
	if cfg.afterBuild != nil {
		m.afterBuild = cfg.afterBuild(m)
	}
	pos := 0
	for pos < len(data) && (cfg.maxPickles == 0 || res.Pickles < cfg.maxPickles) {
		nImports, nCalls, nFindings := len(res.Imports), len(res.Calls), len(res.Findings)
		end, perr := m.runOne(pos)
		if perr == nil {
			res.Pickles++
			res.End = base + int64(end)
			pos = end
			continue
		}
		res.Err = perr
		failedAt := perr.Offset
		if m.stopNote != "" {
			m.finding(Finding{Verdict: Suspicious, Code: "container-not-modelled", Text: m.stopNote, Offset: failedAt}, "container-not-modelled")
			break
		}
		if m.imports == 0 && !errors.Is(perr, ErrLimit) {
			// Without an import the partial stream reached no Python code
			// (persistent_load or a method of a constant at most, which
			// fail): it is data that is not a pickle, not an attack.
			m.dropFindings(nFindings)
			res.Calls = res.Calls[:nCalls]
			m.calls = 0
		}
		switch {
		case errors.Is(perr, ErrLimit):
			m.finding(Finding{Verdict: Suspicious, Code: "resource-limit", Text: "scan stopped at a memory guard: " + perr.Msg,
				Offset: failedAt}, "resource-limit")
		case m.calls > 0:
			m.finding(Finding{Verdict: Malicious, Code: "parse-error-after-call",
				Text:   "the stream breaks after a call site: the unpickler has already run the call when it fails (" + perr.Msg + ")",
				Offset: failedAt, Chain: []string{opAt("error", failedAt, perr.Msg)}}, "parse-error-after-call")
		case res.Pickles > 0 && len(res.Imports) == nImports && len(res.Calls) == nCalls:
			m.finding(Finding{Verdict: Unknown, Code: "trailing-data",
				Text:   "bytes after the last complete pickle are not a pickle (" + perr.Msg + ")",
				Offset: base + int64(pos)}, "trailing-data")
		case res.Pickles == 0 && int64(pos)+base == failedAt:
			m.finding(Finding{Verdict: Unknown, Code: "not-a-pickle", Text: "not a pickle: " + perr.Msg, Offset: failedAt}, "not-a-pickle")
		default:
			m.finding(Finding{Verdict: Unknown, Code: "malformed", Text: "incomplete or malformed pickle: " + perr.Msg, Offset: failedAt}, "malformed")
		}
		break
	}
	if len(data) == 0 {
		m.finding(Finding{Verdict: Unknown, Code: "not-a-pickle", Text: "empty input"}, "not-a-pickle")
	}
	v := Unknown
	if res.Pickles > 0 {
		v = Safe
	}
	for _, f := range res.Findings {
		v = worse(v, f.Verdict)
	}
	res.Verdict = v
	return res
}

func (m *machine) dropFindings(n int) {
	if n >= len(m.res.Findings) {
		return
	}
	for k, i := range m.findKeys {
		if i >= n {
			delete(m.findKeys, k)
		}
	}
	m.res.Findings = m.res.Findings[:n]
}

// looksLikePickle is a cheap test for constants worth a nested scan.
func looksLikePickle(b []byte) bool {
	return len(b) >= 4 && b[0] == opPROTO && b[1] <= HighestProtocol && b[len(b)-1] == opSTOP
}

// maybeNested scans a string or bytes constant that is itself a pickle, or
// base64 of one.
func (m *machine) maybeNested(b []byte, off int64, start int, _ bool, _ string) {
	if looksLikePickle(b) {
		m.subScan(b, off, "nested pickle in constant @"+strconv.FormatInt(off, 10), false)
		return
	}
	// base64 of "\x80\x0N" begins "gA".
	if len(b) >= 12 && b[0] == 'g' && b[1] == 'A' {
		if d, ok := decodeB64(b); ok && looksLikePickle(d) {
			m.subScan(d, off, "base64 pickle in constant @"+strconv.FormatInt(off, 10), false)
		}
	}
}

// nestedEvidence scans the string/bytes argument of a loader or command
// sink: a second-stage pickle (raw, base64), marshalled code, or source.
func (m *machine) nestedEvidence(b []byte, off int64, sink string) []string {
	var ev []string
	label := "argument of " + sink + " @" + strconv.FormatInt(off, 10)
	if m.depth < m.opts.MaxDepth {
		switch {
		case strings.HasPrefix(sink, "marshal.") || strings.HasPrefix(sink, "types.") || isMarshalCode(b):
			if isMarshalCode(b) {
				ev = append(ev, "marshalled code object; names and constants: "+strings.Join(printableRuns(b, 3, 12), " "))
			}
		case strings.Contains(sink, "load") || strings.HasPrefix(sink, "pickle") || strings.HasPrefix(sink, "_pickle"):
			if sub := m.subScan(b, off, "second-stage pickle, "+label, true); sub != nil {
				ev = append(ev, "second-stage pickle: "+sub.Verdict.String()+", "+strconv.Itoa(len(sub.Imports))+" imports")
			} else if d, ok := decodeB64(b); ok {
				if sub := m.subScan(d, off, "base64 second-stage pickle, "+label, true); sub != nil {
					ev = append(ev, "base64 second-stage pickle: "+sub.Verdict.String())
				}
			}
		}
	}
	return ev
}

func isMarshalCode(b []byte) bool {
	return len(b) > 16 && (b[0] == 0xe3 || b[0] == 0x63)
}

func printableRuns(b []byte, min, max int) []string {
	var out []string
	start := -1
	for i := 0; i <= len(b); i++ {
		if i < len(b) && b[i] >= 0x20 && b[i] < 0x7f {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= min {
			out = append(out, strconv.Quote(clip(string(b[start:i]), 120)))
			if len(out) >= max {
				return out
			}
		}
		start = -1
	}
	return out
}

// subScan scans a nested payload and folds its findings into this result.
// Unforced scans (constants that merely look like pickles) only report
// complete pickles or malicious content, so raw tensor bytes that happen to
// begin with 0x80 do not raise false alarms.
func (m *machine) subScan(b []byte, off int64, label string, forced bool) *Result {
	key := string(b)
	if prev, ok := m.nested[key]; ok {
		return prev
	}
	sub := scan(b, off, m.opts, m.depth+1)
	if m.nested == nil {
		m.nested = map[string]*Result{}
	}
	m.nested[key] = nil
	if !forced && sub.Verdict != Malicious && sub.Pickles == 0 {
		return nil
	}
	if forced && sub.Pickles == 0 && len(sub.Imports) == 0 && len(sub.Calls) == 0 {
		return nil
	}
	for _, f := range sub.Findings {
		if f.Code == "trailing-data" || f.Code == "not-a-pickle" {
			continue
		}
		f.Chain = append([]string{label}, f.Chain...)
		f.Text = "nested: " + f.Text
		m.finding(f, "nested:"+label+":"+f.Code+":"+f.Text)
	}
	m.absorb(sub)
	m.nested[key] = sub
	if sub.Verdict != Safe && sub.Verdict != Unknown {
		m.finding(Finding{Verdict: sub.Verdict, Code: "nested-payload", Text: label + " is " + sub.Verdict.String(), Offset: off,
			Chain: []string{label}}, "nested-payload:"+label)
	}
	return sub
}
