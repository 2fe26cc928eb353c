package detect

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/overshare/overshare/pickle"
	"github.com/overshare/overshare/sas"
)

// The rules of model-file findings. Their severity follows the verdict:
// malicious is critical, suspicious medium, unknown low; safe files are
// not reported.
const (
	RulePickleCodeExecution    = "pickle-code-execution"
	RulePickleSuspiciousImport = "pickle-suspicious-import"
	RulePickleUnknown          = "pickle-unknown"
)

// LooksLikeModel reports, from its first bytes only, whether data may be a
// pickle or a model container (PyTorch zip, npy, compressed joblib, 7z):
// the cheap test that decides whether to run the pickle machine at all.
func LooksLikeModel(data []byte) bool {
	if len(data) < 2 {
		return false
	}
	switch {
	case data[0] == 0x80 && data[1] >= 1 && data[1] <= 5: // PROTO
		return true
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("\x93NUMPY")),
		bytes.HasPrefix(data, []byte("7z\xbc\xaf\x27\x1c")), bytes.HasPrefix(data, []byte("\x04\x22\x4d\x18")):
		return true
	case data[0] == 0x78 && (uint16(data[0])<<8|uint16(data[1]))%31 == 0: // zlib
		return true
	case data[0] == 'c':
		return protocol0Global(data)
	}
	return false
}

// protocol0Global matches the opening GLOBAL of a protocol 0 or 1 pickle:
// "c" module "\n" name "\n", both Python identifiers (dotted).
func protocol0Global(data []byte) bool {
	rest := data[1:min(len(data), 256)]
	for part := 0; part < 2; part++ {
		nl := bytes.IndexByte(rest, '\n')
		if nl <= 0 {
			return false
		}
		for _, c := range rest[:nl] {
			if !(c == '_' || c == '.' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
				return false
			}
		}
		rest = rest[nl+1:]
	}
	return true
}

// ModelFacts are the facts of a model-file finding.
type ModelFacts struct {
	Format   string               `json:"format"`
	Verdict  string               `json:"verdict"`
	Entries  []pickle.EntryResult `json:"entries,omitempty"`
	Findings []pickle.Finding     `json:"container_findings,omitempty"`
}

// Model judges data as a model file. ok is false when it is not one, or is
// one and safe.
func (d *Detector) Model(data []byte) (Candidate, bool) {
	res := pickle.ScanBytes(data, pickle.Options{Allow: d.pickleAllow})
	rule := ""
	sev := sas.SeverityInfo
	switch res.Verdict {
	case pickle.Malicious:
		rule, sev = RulePickleCodeExecution, sas.SeverityCritical
	case pickle.Suspicious:
		rule, sev = RulePickleSuspiciousImport, sas.SeverityMedium
	case pickle.Unknown:
		// Only a recognised model that could not be judged; plain zips,
		// tars and other bytes are not models, and neither is a 7z whose
		// members were all read and held none (one with a member that
		// could not be read is reported: it may hide one).
		if res.Format == pickle.FormatNotAModel || res.Format == pickle.FormatZip || res.Format == pickle.FormatTar ||
			res.Format == pickle.Format7z && len(res.Findings) == 0 {
			return Candidate{}, false
		}
		rule, sev = RulePickleUnknown, sas.SeverityLow
	default:
		return Candidate{}, false
	}
	if slices.Contains(d.disabled, rule) {
		return Candidate{}, false
	}
	c := Candidate{
		Rule:      rule,
		Start:     0,
		End:       len(data),
		WholeFile: true,
		Severity:  sev,
		Facts:     ModelFacts{Format: res.Format, Verdict: res.Verdict.String(), Entries: res.Entries, Findings: res.Findings},
	}
	var worst *pickle.Finding
	var names []string
	add := func(where string, f pickle.Finding) {
		fs := sas.SeverityInfo
		switch f.Verdict {
		case pickle.Malicious:
			fs = sas.SeverityCritical
		case pickle.Suspicious:
			fs = sas.SeverityMedium
		case pickle.Unknown:
			fs = sas.SeverityLow
		}
		text := f.Text
		if where != "" {
			text = where + ": " + text
		}
		text += fmt.Sprintf(" (offset %d)", f.Offset)
		if len(f.Evidence) > 0 {
			text += "; evidence: " + strings.Join(f.Evidence, "; ")
		}
		c.Reasons = append(c.Reasons, sas.Reason{Code: f.Code, Text: text, Severity: fs})
		names = append(names, f.Code+"\x00"+strings.Join(f.Evidence, "\x00")+"\x00"+strings.Join(f.Chain, "\x00"))
		if worst == nil || f.Verdict.Rank() > worst.Verdict.Rank() {
			g := f
			worst = &g
		}
	}
	for _, f := range res.Findings {
		add("", f)
	}
	for _, e := range res.Entries {
		for _, f := range e.Result.Findings {
			add(e.Name, f)
		}
		for _, im := range e.Result.Imports {
			names = append(names, im.Module+"."+im.Name)
		}
	}
	// The same payload in several files (or seen as a zip and as its
	// data.pkl entry) is one finding: identify it by what it does, not by
	// the bytes around it.
	slices.Sort(names)
	h := sha256.Sum256([]byte(res.Verdict.String() + "\x00" + strings.Join(slices.Compact(names), "\x00")))
	c.Secret = "pickle:" + hex.EncodeToString(h[:])
	c.Text = c.Secret
	what := map[pickle.Verdict]string{
		pickle.Malicious:  "runs code when loaded",
		pickle.Suspicious: "imports something no allowlist vouches for",
		pickle.Unknown:    "could not be judged",
	}[res.Verdict]
	c.Title = fmt.Sprintf("%s model file %s", res.Format, what)
	if worst != nil {
		c.Title += ": " + worst.Text
	}
	c.Remediation = sas.Remediation{
		Summary: "do not load this file: loading a pickle runs whatever it imports and calls",
		Steps: []string{
			"replace it with a copy from a trusted source and compare hashes; find who could write where it came from",
			"if it was shared through cloud storage, treat everyone who held a writable token for that storage as able to have planted it (overshare inspect the token)",
			"load models with torch.load(weights_only=True), or store weights as safetensors, which cannot run code",
		},
	}
	return c, true
}
