// Package report renders findings. Each output format is a [Handler]
// that the engine feeds one event at a time; the engine never imports a
// format. Formats that must see every finding before writing (grouped
// text, one JSON document, SARIF, Markdown) buffer and write on
// [Handler.Flush]; jsonl streams.
//
// The formats, as [New] names them:
//
//   - text: for people at a terminal ([TextHandler]).
//   - json: the canonical report, one document that starts by recording
//     how the run was made ([RunInfo]) so that any other format can be
//     rendered from a saved JSON report ([JSONHandler]).
//   - jsonl: one line per finding, written as it is found. Each line is the
//     object of the json report's "findings" array; a scan error is a line
//     {"error": {"path": ..., "error": ...}}. Finding lines carry no type
//     tag, so they match the json report exactly, and jq filters on
//     finding fields skip error lines by themselves
//     (`jq -c 'select(.severity == "critical")'`); `select(.error)` picks
//     the errors ([JSONLHandler]).
//   - sarif: SARIF 2.1.0 for GitHub code scanning, within GitHub's limits
//     (25,000 results per run, 10 MB gzip per upload) ([SARIFHandler]).
//   - markdown: a pull-request comment, cut to GitHub's 65,536-character
//     limit ([MarkdownHandler]).
//
// Redaction is the same everywhere: a finding's secret is shown as its
// redacted preview, and text, json and jsonl add the raw value only with
// [Options.ShowSecrets]. sarif and markdown never print it, because they
// are made to be uploaded or posted where others read them.
package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/overshare/overshare/internal/finding"
)

// SchemaVersion is the version of the JSON report layout. It changes when
// a field is renamed or removed, not when one is added.
const SchemaVersion = 1

// Handler receives the events of one run, in order: Start once, then any
// number of Finding and Error calls, then Flush once. A Handler need not
// be safe for concurrent use; the engine serialises calls.
type Handler interface {
	// Start records how the run was made.
	Start(RunInfo) error
	// Finding reports one finding. Handlers may keep f (a shallow copy);
	// the engine must not change a finding after handing it over.
	Finding(f *finding.Finding) error
	// Error reports an input that could not be read or scanned; the run
	// goes on.
	Error(ScanError) error
	// Flush writes anything buffered. Nothing may be written after it.
	Flush() error
}

// RunInfo records how a run was made. In JSON it is the "tool" object,
// the first thing in the report.
type RunInfo struct {
	Tool ToolInfo
	// Command is the subcommand, e.g. "scan".
	Command string
	// Args are the command's positional arguments (targets).
	Args []string
	// Options are the effective option values by flag name, e.g.
	// "fail-on": "high". A map, so JSON writes it sorted.
	Options map[string]string
}

// ToolInfo names the program that wrote a report.
type ToolInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// RulesVersion identifies the detection rules, which can change
	// findings without a change of tool version. Empty until rules exist.
	RulesVersion string `json:"rules_version,omitempty"`
}

// ScanError is one input that could not be read or scanned.
type ScanError struct {
	Path string `json:"path"`
	Err  string `json:"error"`
}

// Options are the choices that change how every format renders.
type Options struct {
	// ShowSecrets includes the raw credential (--show-secrets) in the
	// text, json and jsonl formats. sarif and markdown ignore it.
	ShowSecrets bool
	// Color enables ANSI colour in text output. The caller decides: set it
	// only when the writer is a terminal.
	Color bool
}

// FormatError is returned by [New] for a format it cannot write.
type FormatError struct {
	Format string
	// Planned is true for a format that is part of the CLI contract but
	// has no handler yet, false for a name that is not a format at all.
	Planned bool
}

func (e *FormatError) Error() string {
	if e.Planned {
		return fmt.Sprintf("output format %q is not implemented yet (implemented: %s)", e.Format, strings.Join(Formats(), ", "))
	}
	return fmt.Sprintf("unknown output format %q (implemented: %s)", e.Format, strings.Join(Formats(), ", "))
}

// Formats returns the formats [New] accepts, in the order to show users.
func Formats() []string {
	return []string{"text", "json", "jsonl", "sarif", "markdown"}
}

// PlannedFormats returns formats in the command-line contract that have
// no handler yet. Every format of the contract has one now, so it is
// empty; it stays so that a format can be announced before it is built.
func PlannedFormats() []string {
	return nil
}

// New returns the handler for format, writing to w.
func New(format string, w io.Writer, opts Options) (Handler, error) {
	switch format {
	case "text":
		return NewTextHandler(w, opts), nil
	case "json":
		return NewJSONHandler(w, opts), nil
	case "jsonl":
		return NewJSONLHandler(w, opts), nil
	case "sarif":
		return NewSARIFHandler(w, opts), nil
	case "markdown":
		return NewMarkdownHandler(w, opts), nil
	}
	return nil, &FormatError{Format: format, Planned: slices.Contains(PlannedFormats(), format)}
}

// Summary counts a run's results. The CLI also uses it to decide the exit
// code, so the number in the report and the exit code cannot disagree.
type Summary struct {
	Findings   int            `json:"findings"`
	BySeverity SeverityCounts `json:"by_severity"`
	Errors     int            `json:"errors"`
}

// SeverityCounts counts findings per severity. A struct rather than a map
// so that JSON lists them worst first and always has every key.
type SeverityCounts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Info     int `json:"info"`
}

// Add counts one finding.
func (s *Summary) Add(f *finding.Finding) {
	s.Findings++
	if p := s.BySeverity.slot(f.Severity); p != nil {
		*p++
	}
}

// AddError counts one scan error.
func (s *Summary) AddError() { s.Errors++ }

// Count returns the number of findings of severity sev.
func (s *Summary) Count(sev finding.Severity) int {
	if p := s.BySeverity.slot(sev); p != nil {
		return *p
	}
	return 0
}

// AtLeast returns the number of findings at or above floor, the count
// that --fail-on acts on.
func (s *Summary) AtLeast(floor finding.Severity) int {
	n := 0
	for _, sev := range finding.Severities() {
		if sev >= floor {
			n += s.Count(sev)
		}
	}
	return n
}

func (c *SeverityCounts) slot(sev finding.Severity) *int {
	switch sev {
	case finding.Critical:
		return &c.Critical
	case finding.High:
		return &c.High
	case finding.Medium:
		return &c.Medium
	case finding.Low:
		return &c.Low
	case finding.Info:
		return &c.Info
	}
	return nil
}

// sortFindings puts findings in report order: worst first, then by rule
// and ID. The engine scans concurrently, so arrival order is not stable;
// reports must be, for diffs and golden files.
func sortFindings(fs []finding.Finding) {
	slices.SortStableFunc(fs, func(a, b finding.Finding) int {
		return cmp.Or(
			cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.ID, b.ID),
		)
	})
}

func sortErrors(es []ScanError) {
	slices.SortStableFunc(es, func(a, b ScanError) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Err, b.Err))
	})
}

// buffered collects a run for the handlers that can only render once they
// have seen everything (SARIF, markdown). It implements Start, Finding and
// Error of [Handler]; the embedding handler adds Flush.
type buffered struct {
	run      RunInfo
	findings []finding.Finding
	errors   []ScanError
	summary  Summary
}

// Start implements [Handler].
func (b *buffered) Start(run RunInfo) error {
	b.run = run
	return nil
}

// Finding implements [Handler].
func (b *buffered) Finding(f *finding.Finding) error {
	b.findings = append(b.findings, *f)
	b.summary.Add(f)
	return nil
}

// Error implements [Handler].
func (b *buffered) Error(e ScanError) error {
	b.errors = append(b.errors, e)
	b.summary.AddError()
	return nil
}

// gitFacts lists a location's git facts in words: commit (through code,
// for the format's escaping), author (through text), date, and whether it
// is still at HEAD (notAtHead is the wording for "no").
func gitFacts(l finding.Location, code, text func(string) string, notAtHead string) []string {
	var parts []string
	if l.Commit != "" {
		parts = append(parts, "commit "+code(shortCommit(l.Commit)))
	}
	if l.Author != "" {
		parts = append(parts, text(l.Author))
	}
	if l.Date != nil {
		parts = append(parts, l.Date.UTC().Format(time.DateOnly))
	}
	if l.InHead != nil {
		if *l.InHead {
			parts = append(parts, "still at HEAD")
		} else {
			parts = append(parts, notAtHead)
		}
	}
	return parts
}

// verificationLine renders a live check's result in one line:
// "valid (HTTP 200), live: the service accepted the token".
func verificationLine(v *finding.Verification, esc func(string) string) string {
	line := esc(v.Status)
	if v.HTTPStatus != 0 {
		line += fmt.Sprintf(" (HTTP %d", v.HTTPStatus)
		if v.ErrorCode != "" {
			line += " " + esc(v.ErrorCode)
		}
		line += ")"
	}
	line += ", " + esc(v.Verdict)
	if v.Detail != "" {
		line += ": " + esc(v.Detail)
	}
	return line
}
