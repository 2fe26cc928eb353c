// Package detect finds shared-access credentials in bytes and judges each
// one.
//
// A [Detector] runs in three steps over one fragment of bytes:
//
//  1. A prefilter looks for literal anchors ("sig=", "AccountKey=",
//     "X-Amz-Signature", "PRIVATE KEY", and their escaped and base64 forms).
//     Text with no anchor costs no regular-expression work at all.
//  2. Each [Rule] whose anchors occur extracts candidates around them, using
//     the decoders (percent, HTML entities, JSON/JS escapes, base64 blocks,
//     quoted and concatenated strings) with offsets mapped back to the
//     original bytes.
//  3. Each candidate is parsed and judged by the pure packages (sas,
//     signedurl) or by the rule itself, and known public examples (the
//     emulator's development key, documentation samples, placeholders) are
//     lowered to info with a reason.
//
// Rules are values in a list built by [DefaultRules]: no registration, no
// globals.
package detect

import (
	"slices"
	"time"

	"github.com/overshare/overshare/sas"
)

// Candidate is one credential found in a fragment, judged.
type Candidate struct {
	// Rule is the rule id, e.g. "azure-sas", "azure-storage-key".
	Rule string
	// Start and End are the byte range, in the fragment as given to Detect,
	// of the text the credential was found in (for a decoded credential,
	// the whole encoded block).
	Start, End int
	// Secret is the secret material that identifies this credential across
	// places (a SAS signature, a key, a private key body). Findings are
	// deduplicated on (Rule, Secret).
	Secret string
	// Text is the credential as found, decoded (it contains the secret).
	Text string
	// Title is one line a person understands.
	Title    string
	Severity sas.Severity
	Reasons  []sas.Reason
	// Remediation says what to do; Revocation may be empty for rules
	// without a revocation model.
	Remediation sas.Remediation
	// Facts are the parsed, non-secret facts (a sas.Facts, a
	// signedurl.Facts, or a rule's own struct); nil when the rule has none.
	Facts any
	// Encodings lists the escaping layers removed to reach the credential,
	// outermost first ("base64", "percent", "json", "html").
	Encodings []string
	// WholeFile is set for a finding about a whole binary file (a model
	// file): it has no line or column, and no inline allow marker applies.
	WholeFile bool
}

// Context is what a rule may use besides the bytes: the judging clock and
// policy, and lazily computed facts about the whole fragment.
type Context struct {
	Now    time.Time
	Policy sas.Policy
	// Path is the fragment's display path (for path rules such as PKCS#12
	// files); it may be empty.
	Path string

	data      []byte
	endpoints []endpoint
	indexed   bool
}

// Rule finds one kind of credential.
type Rule interface {
	// ID is the stable rule id used in reports and configuration.
	ID() string
	// Anchors are literal byte strings that every match of this rule
	// contains (in the original, undecoded text); the rule runs only on
	// fragments that contain one. List case variants explicitly. A rule
	// with no anchors runs on every fragment (keep such rules cheap).
	Anchors() [][]byte
	// Find returns the candidates in data. hits are the offsets of this
	// rule's anchors in data, sorted.
	Find(data []byte, hits []int, ctx *Context) []Candidate
}

// Options configure a Detector.
type Options struct {
	// Rules to run; nil means DefaultRules().
	Rules []Rule
	// Disabled lists rule ids to skip.
	Disabled []string
	// Now is the judging clock; zero means time.Now() at each Detect call.
	Now    time.Time
	Policy sas.Policy
	// MaxDecodeDepth bounds nested decoding (base64 inside base64 ...).
	// Zero means 2.
	MaxDecodeDepth int
	// PickleAllow lists extra "module.name" globals a repository vouches
	// for in its model files.
	PickleAllow []string
}

// Detector runs rules over fragments. It is safe for concurrent use.
type Detector struct {
	rules []Rule
	// patterns are every rule's anchors and their base64 forms, in one
	// matcher: one pass over the bytes finds them all.
	patterns []anchor
	match    *matcher
	// anchored[i]: rules[i] has anchors (a rule without runs on every
	// fragment).
	anchored []bool
	now      time.Time
	policy   sas.Policy
	maxDepth int

	pickleAllow []string
	disabled    []string
}

type anchor struct {
	rule   int  // index into rules
	base64 bool // the anchor's base64 form: decode the enclosing block
}

// New builds a Detector.
func New(opts Options) *Detector {
	rules := opts.Rules
	if rules == nil {
		rules = DefaultRules()
	}
	d := &Detector{now: opts.Now, policy: opts.Policy, maxDepth: opts.MaxDecodeDepth,
		pickleAllow: opts.PickleAllow, disabled: opts.Disabled}
	if d.maxDepth == 0 {
		d.maxDepth = 2
	}
	for _, r := range rules {
		if slices.Contains(opts.Disabled, r.ID()) {
			continue
		}
		d.rules = append(d.rules, r)
	}
	var lits [][]byte
	for i, r := range d.rules {
		d.anchored = append(d.anchored, len(r.Anchors()) > 0)
		for _, a := range r.Anchors() {
			lits = append(lits, a)
			d.patterns = append(d.patterns, anchor{rule: i})
			for _, enc := range base64Forms(a) {
				lits = append(lits, enc)
				d.patterns = append(d.patterns, anchor{rule: i, base64: true})
			}
		}
	}
	d.match = newMatcher(lits)
	return d
}

// Rules returns the ids of the rules this detector runs, model-file rules
// included.
func (d *Detector) Rules() []string { return ruleIDs(d.rules) }

// KnownRules returns the ids of every rule of [DefaultRules], model-file
// rules included, without building a Detector.
func KnownRules() []string { return ruleIDs(DefaultRules()) }

func ruleIDs(rules []Rule) []string {
	ids := []string{RulePickleCodeExecution, RulePickleSuspiciousImport, RulePickleUnknown}
	for _, r := range rules {
		ids = append(ids, r.ID())
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Detect returns the candidates in data, sorted by offset. path is the
// fragment's display path, used by path rules; it may be empty.
func (d *Detector) Detect(data []byte, path string) []Candidate {
	now := d.now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	return d.detect(data, path, now, 0)
}

func (d *Detector) detect(data []byte, path string, now time.Time, depth int) []Candidate {
	ctx := &Context{Now: now, Policy: d.policy, Path: path, data: data}
	hits := make([][]int, len(d.rules))
	var b64hits []int
	d.match.find(data, func(p, at int) {
		if a := d.patterns[p]; a.base64 {
			b64hits = append(b64hits, at)
		} else {
			hits[a.rule] = append(hits[a.rule], at)
		}
	})
	var out []Candidate
	for i, r := range d.rules {
		if len(hits[i]) == 0 && d.anchored[i] {
			continue
		}
		h := hits[i]
		slices.Sort(h)
		out = append(out, r.Find(data, slices.Compact(h), ctx)...)
	}
	if depth < d.maxDepth && len(b64hits) > 0 {
		out = append(out, d.detectBase64(data, b64hits, path, now, depth)...)
	}
	slices.SortStableFunc(out, func(a, b Candidate) int { return a.Start - b.Start })
	return dedupOverlaps(out)
}

// dedupOverlaps drops a candidate that has the same rule and secret as an
// earlier one overlapping it (the same credential reached through two
// anchors, or through its plain and its base64 form). c is sorted by Start,
// so an overlap with any earlier candidate of the same key is an overlap
// with the furthest End seen for that key.
func dedupOverlaps(c []Candidate) []Candidate {
	type key struct{ rule, secret string }
	maxEnd := map[key]int{}
	out := c[:0]
	for _, x := range c {
		k := key{x.Rule, x.Secret}
		if end, ok := maxEnd[k]; ok && x.Start < end {
			continue
		}
		maxEnd[k] = max(maxEnd[k], x.End)
		out = append(out, x)
	}
	return out
}
