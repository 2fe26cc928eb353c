// Package scan is the engine: it reads targets through internal/source,
// runs the detector on every fragment while reading, and folds the
// candidates into findings — one per secret, with every place it was seen,
// attributed to git commits where the bytes came from history.
//
// The engine never imports an output package: it returns a [Result] that
// the caller hands to a report handler.
package scan

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/overshare/overshare/internal/config"
	"github.com/overshare/overshare/internal/detect"
	"github.com/overshare/overshare/internal/finding"
	"github.com/overshare/overshare/internal/source"
)

// AllowMarker on the same line as a credential suppresses it.
const AllowMarker = "overshare:allow"

// Options configure one scan.
type Options struct {
	Targets []string
	Source  source.Options
	// Now is the judging clock (zero: time.Now()).
	Now    time.Time
	Config *config.Config
	// Baseline holds finding ids to leave out (from an earlier report).
	Baseline map[string]bool
	// Progress, when set, is called from one goroutine about every
	// ProgressEvery with the running totals, and once at the end.
	Progress      func(Progress)
	ProgressEvery time.Duration

	// Verify, when set, is called after the scan once per distinct finding
	// of a verifiable rule ([VerifiableRules]) with the credential's text as
	// found (it contains the secret: the engine keeps it only for this call
	// and never puts it in a finding). A non-nil answer is attached to the
	// finding and judged by [ApplyVerification]. Calls run on
	// VerifyWorkers goroutines (0: 4) within VerifyBudget (0: 2 minutes);
	// findings not reached in time are marked skipped.
	Verify        func(ctx context.Context, rule, text string) *finding.Verification
	VerifyWorkers int
	VerifyBudget  time.Duration
}

// VerifiableRules are the rules whose findings Options.Verify is asked
// about.
var VerifiableRules = map[string]bool{"azure-sas": true}

// Progress is the running state of a scan.
type Progress struct {
	Fragments int64
	Bytes     int64
	Findings  int64
	Elapsed   time.Duration
	Done      bool
	// TotalBytes is what the current git history source will read in all,
	// when it has finished listing it (0 otherwise); TotalBytesDone is how
	// much of that is read. Together they give the time left.
	TotalBytes, TotalBytesDone int64
}

// totaler is implemented by sources that know how much they will read.
type totaler interface {
	Totals() (n, bytes int64, final bool)
}

// Error is an input that could not be read; the scan went on without it.
type Error struct {
	Path string `json:"path"`
	Op   string `json:"op,omitempty"`
	Err  string `json:"error"`
}

// Result is what a scan found.
type Result struct {
	Findings []*finding.Finding
	Errors   []Error
	// Suppressed counts candidates left out by an inline allow marker, an
	// ignored path or fingerprint, or the baseline.
	Suppressed int
	// Fragments and Bytes are how much was read.
	Fragments, Bytes int64
}

// occurrence is one candidate seen in one fragment.
type occurrence struct {
	cand   detect.Candidate
	path   string
	blob   string
	entry  string // path inside an archive stored in a git blob
	line   int
	column int
}

// TargetError is a target that cannot be scanned at all (it does not exist,
// or is not a file, directory or repository): a usage problem.
type TargetError struct {
	Target string
	Err    error
}

func (e *TargetError) Error() string {
	if strings.Contains(e.Err.Error(), e.Target) {
		return e.Err.Error() // the source already names it
	}
	return fmt.Sprintf("%s: %v", e.Target, e.Err)
}
func (e *TargetError) Unwrap() error { return e.Err }

// Run scans every target.
func Run(ctx context.Context, opts Options) (*Result, error) {
	cfg := opts.Config
	if cfg == nil {
		cfg = config.Default()
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	det := detect.New(detect.Options{Now: now, Policy: cfg.Policy, Disabled: cfg.DisabledRules, PickleAllow: cfg.PickleAllow})

	sources := make([]source.Source, 0, len(opts.Targets))
	for _, t := range opts.Targets {
		src, err := source.Open(t, opts.Source)
		if err != nil {
			return nil, &TargetError{Target: t, Err: err}
		}
		sources = append(sources, src)
	}

	var (
		mu         sync.Mutex
		occs       []occurrence
		errs       []Error
		suppressed int
		fragments  atomic.Int64
		nbytes     atomic.Int64
		nfound     atomic.Int64
	)
	report := func(e source.Error) {
		mu.Lock()
		errs = append(errs, Error{Path: e.Path, Op: e.Op, Err: errString(e.Err)})
		mu.Unlock()
	}
	found := func(f *source.Fragment) error {
		var cands []detect.Candidate
		if detect.LooksLikeModel(f.Data) {
			if c, ok := det.Model(f.Data); ok {
				cands = append(cands, c)
			}
		}
		if f.Archive == "" {
			// An archive's entries come as fragments of their own.
			cands = append(cands, det.Detect(f.Data, f.Path)...)
		}
		if len(cands) == 0 {
			return nil
		}
		local := make([]occurrence, 0, len(cands))
		skipped := 0
		pos := lines{data: f.Data}
		for _, c := range cands {
			o := occurrence{cand: c, path: f.Path, blob: f.Blob, entry: f.Entry}
			if !c.WholeFile {
				var ls, le int
				o.line, o.column, ls, le = pos.position(c.Start)
				if bytes.Contains(f.Data[ls:le], []byte(AllowMarker)) {
					skipped++
					continue
				}
			}
			local = append(local, o)
		}
		nfound.Add(int64(len(local)))
		mu.Lock()
		occs = append(occs, local...)
		suppressed += skipped
		mu.Unlock()
		return nil
	}

	// Ignore globs are written relative to the target's root.
	ignored := func(target, path string) bool {
		prefix := strings.TrimSuffix(filepath.ToSlash(target), "/") + "/"
		return cfg.IgnorePath(strings.TrimPrefix(filepath.ToSlash(path), prefix))
	}
	emitFor := func(target string) source.Emit {
		return func(f *source.Fragment) error {
			fragments.Add(1)
			nbytes.Add(int64(len(f.Data)))
			if ignored(target, f.Path) {
				return nil
			}
			return found(f)
		}
	}
	// What cannot be read at an ignored path does not matter either: it
	// does not make the run incomplete.
	reportFor := func(target string) source.Report {
		return func(e source.Error) {
			if e.Path != "" && ignored(target, e.Path) {
				return
			}
			report(e)
		}
	}
	var current atomic.Pointer[currentSource]
	stopProgress := startProgress(opts, &fragments, &nbytes, &nfound, &current)
	var runErr error
	for i, src := range sources {
		cs := &currentSource{src: src, startBytes: nbytes.Load()}
		current.Store(cs)
		if err := src.Scan(ctx, emitFor(opts.Targets[i]), reportFor(opts.Targets[i])); err != nil {
			if ctx.Err() != nil {
				runErr = ctx.Err()
				break
			}
			report(source.Error{Path: describe(src), Op: "scan", Err: err})
		}
	}
	stopProgress()

	res := &Result{Errors: errs, Fragments: fragments.Load(), Bytes: nbytes.Load()}
	var texts map[string]string
	res.Findings, res.Suppressed, texts = fold(occs, sources, cfg, opts.Baseline)
	res.Suppressed += suppressed
	if opts.Verify != nil && runErr == nil {
		verifyAll(ctx, opts, res.Findings, texts)
	}
	clear(texts)
	sort.Slice(res.Errors, func(i, j int) bool {
		if res.Errors[i].Path != res.Errors[j].Path {
			return res.Errors[i].Path < res.Errors[j].Path
		}
		return res.Errors[i].Op < res.Errors[j].Op
	})
	return res, runErr
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func describe(src source.Source) string {
	if s, ok := src.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", src)
}

// origins is implemented by sources that can attribute a git blob to the
// commits that carry it.
type origins interface {
	Origins(blob string) []source.Origin
}

// fold turns occurrences into findings: one per (rule, secret), with every
// location, git origins expanded, and config/baseline filters applied.
//
// texts maps each finding id to the text of the candidate the finding was
// made from (the credential, for verification only).
func fold(occs []occurrence, sources []source.Source, cfg *config.Config, baseline map[string]bool) ([]*finding.Finding, int, map[string]string) {
	type group struct {
		f    *finding.Finding
		seen map[string]bool
	}
	texts := map[string]string{}
	groups := map[string]*group{}
	var order []string
	suppressed := 0
	for _, o := range occs {
		id := finding.Fingerprint(o.cand.Rule, o.cand.Secret)
		if cfg.IgnoreFingerprint(id) || baseline[id] {
			suppressed++
			continue
		}
		g, ok := groups[id]
		if !ok {
			g = &group{f: newFinding(id, o.cand), seen: map[string]bool{}}
			texts[id] = o.cand.Text
			groups[id] = g
			order = append(order, id)
		} else if sev := finding.SeverityFrom(o.cand.Severity); sev > g.f.Severity {
			// The same secret judged higher elsewhere (say, joined to its
			// endpoint there): keep the most informed verdict.
			keep := g.f.Locations
			g.f = newFinding(id, o.cand)
			g.f.Locations = keep
			texts[id] = o.cand.Text
		}
		for _, loc := range locationsOf(o, sources) {
			key := fmt.Sprintf("%s\x00%d\x00%d\x00%s", loc.Path, loc.Line, loc.Column, loc.Commit)
			if g.seen[key] {
				continue
			}
			g.seen[key] = true
			g.f.Locations = append(g.f.Locations, loc)
		}
	}
	out := make([]*finding.Finding, 0, len(order))
	for _, id := range order {
		f := groups[id].f
		finishHistory(f)
		out = append(out, f)
	}
	sortFindings(out)
	return out, suppressed, texts
}

// sortFindings orders findings by severity (highest first), rule and id.
func sortFindings(out []*finding.Finding) {
	slices.SortStableFunc(out, func(a, b *finding.Finding) int {
		if a.Severity != b.Severity {
			return int(b.Severity) - int(a.Severity)
		}
		if a.Rule != b.Rule {
			return strings.Compare(a.Rule, b.Rule)
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// locationsOf expands one occurrence into report locations: one per commit
// and path carrying the blob for git history, else the file itself.
func locationsOf(o occurrence, sources []source.Source) []finding.Location {
	if o.blob != "" {
		for _, src := range sources {
			g, ok := src.(origins)
			if !ok {
				continue
			}
			ors := g.Origins(o.blob)
			if len(ors) == 0 {
				continue
			}
			locs := make([]finding.Location, 0, len(ors))
			for _, or := range ors {
				date := or.Date
				inHead := or.InHead
				path := or.Path
				if o.entry != "" {
					path += "!" + o.entry
				}
				locs = append(locs, finding.Location{Path: path, Line: o.line, Column: o.column,
					Commit: or.Commit, Author: or.Author, Date: &date, InHead: &inHead})
			}
			return locs
		}
	}
	return []finding.Location{{Path: o.path, Line: o.line, Column: o.column}}
}

// ReasonRemovedFromHead is added when a secret is only in history.
const ReasonRemovedFromHead = "removed-from-head"

// finishHistory sorts locations and sets first/last seen for git history.
func finishHistory(f *finding.Finding) {
	slices.SortStableFunc(f.Locations, func(a, b finding.Location) int {
		switch {
		case a.Date != nil && b.Date != nil && !a.Date.Equal(*b.Date):
			return a.Date.Compare(*b.Date)
		case a.Path != b.Path:
			return strings.Compare(a.Path, b.Path)
		case a.Line != b.Line:
			return a.Line - b.Line
		}
		return strings.Compare(a.Commit, b.Commit)
	})
	var git []finding.Location
	inHead := false
	for _, l := range f.Locations {
		if l.Commit != "" {
			git = append(git, l)
			if l.InHead != nil && *l.InHead {
				inHead = true
			}
		}
	}
	if len(git) == 0 {
		return
	}
	first, last := git[0], git[len(git)-1]
	f.FirstSeen, f.LastSeen = &first, &last
	if !inHead && len(git) == len(f.Locations) {
		f.Reasons = append(f.Reasons, finding.Reason{Code: ReasonRemovedFromHead, Severity: finding.Info,
			Text: fmt.Sprintf("no longer at HEAD, but still in the history since commit %s (%s): deleting it did not un-leak it; anyone with a clone has it",
				short(first.Commit), first.Date.Format("2006-01-02"))})
	}
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

func newFinding(id string, c detect.Candidate) *finding.Finding {
	f := &finding.Finding{
		ID:       id,
		Rule:     c.Rule,
		Severity: finding.SeverityFrom(c.Severity),
		Title:    c.Title,
		Secret:   finding.NewSecret(c.Secret),
		Token:    c.Facts,
	}
	for _, r := range c.Reasons {
		f.Reasons = append(f.Reasons, finding.Reason{Code: r.Code, Text: r.Text, Severity: finding.SeverityFrom(r.Severity)})
	}
	if c.Remediation.Summary != "" {
		f.Remediation = &finding.Remediation{Summary: c.Remediation.Summary, Steps: c.Remediation.Steps, AlsoRevokes: c.Remediation.AlsoRevokes}
	}
	return f
}

// lines tells the line of offsets in one fragment, counting newlines only
// once when the offsets come in increasing order (as candidates do).
type lines struct {
	data      []byte
	off, line int // line is the 1-based line holding off
}

// position returns the 1-based line and column (in bytes) of offset at,
// and the bounds of that line.
func (l *lines) position(at int) (line, col, start, end int) {
	if at < l.off || l.line == 0 {
		l.off, l.line = 0, 1
	}
	l.line += bytes.Count(l.data[l.off:at], []byte{'\n'})
	l.off = at
	start = bytes.LastIndexByte(l.data[:at], '\n') + 1
	end = len(l.data)
	if e := bytes.IndexByte(l.data[at:], '\n'); e >= 0 {
		end = at + e
	}
	return l.line, at - start + 1, start, end
}

// currentSource is the source being read, for the progress's totals.
type currentSource struct {
	src        source.Source
	startBytes int64
}

func startProgress(opts Options, fragments, nbytes, nfound *atomic.Int64, current *atomic.Pointer[currentSource]) (stop func()) {
	if opts.Progress == nil {
		return func() {}
	}
	every := opts.ProgressEvery
	if every <= 0 {
		every = 200 * time.Millisecond
	}
	start := time.Now()
	snapshot := func(done bool) Progress {
		p := Progress{Fragments: fragments.Load(), Bytes: nbytes.Load(), Findings: nfound.Load(), Elapsed: time.Since(start), Done: done}
		if cs := current.Load(); cs != nil {
			if t, ok := cs.src.(totaler); ok {
				if _, total, final := t.Totals(); final {
					p.TotalBytes, p.TotalBytesDone = total, min(total, p.Bytes-cs.startBytes)
				}
			}
		}
		return p
	}
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				opts.Progress(snapshot(true))
				return
			case <-t.C:
				opts.Progress(snapshot(false))
			}
		}
	}()
	return func() {
		close(quit)
		<-finished
	}
}

// The reason codes [ApplyVerification] adds.
const (
	ReasonVerifiedLive = "verified-live"
	ReasonVerifiedDead = "verified-dead"
)

// verifyAll asks opts.Verify about every verifiable finding, on a few
// goroutines and within the time budget.
func verifyAll(ctx context.Context, opts Options, findings []*finding.Finding, texts map[string]string) {
	workers := opts.VerifyWorkers
	if workers <= 0 {
		workers = 4
	}
	budget := opts.VerifyBudget
	if budget <= 0 {
		budget = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	jobs := make(chan *finding.Finding)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				var v *finding.Verification
				if ctx.Err() == nil {
					v = opts.Verify(ctx, f.Rule, texts[f.ID])
				}
				if v == nil && ctx.Err() != nil {
					v = &finding.Verification{Status: "skipped", Verdict: finding.VerdictUnknown,
						Detail: "not checked: the verification time budget (" + budget.String() + ") ran out"}
				}
				if v != nil {
					ApplyVerification(f, v)
				}
			}
		}()
	}
	for _, f := range findings {
		if VerifiableRules[f.Rule] {
			jobs <- f
		}
	}
	close(jobs)
	wg.Wait()
	// Severities may have changed: keep the report's order.
	sortFindings(findings)
}

// ApplyVerification attaches v to f and judges it. A live credential keeps
// its severity and gains the reason verified-live (the service accepted it
// just now). A dead one (expired, rotated key, tampered, deleted policy,
// account gone) gains verified-dead and is lowered to low at most: it
// grants nothing today, but it still shows how tokens are made here and a
// signature that no longer works can come back if the key is restored. An
// unknown verdict changes nothing but the attached evidence.
func ApplyVerification(f *finding.Finding, v *finding.Verification) {
	f.Verification = v
	evidence := v.Status
	if v.HTTPStatus != 0 {
		evidence += fmt.Sprintf(", HTTP %d", v.HTTPStatus)
	}
	if v.ErrorCode != "" {
		evidence += " " + v.ErrorCode
	}
	switch v.Verdict {
	case finding.VerdictLive:
		f.Reasons = append(f.Reasons, finding.Reason{Code: ReasonVerifiedLive, Severity: f.Severity,
			Text: "the service accepted it just now (" + evidence + "): it is live"})
	case finding.VerdictDead:
		f.Reasons = append(f.Reasons, finding.Reason{Code: ReasonVerifiedDead, Severity: finding.Low,
			Text: "the service no longer accepts it (" + evidence + "); severity lowered to low at most"})
		if f.Severity > finding.Low {
			f.Severity = finding.Low
		}
	}
}
