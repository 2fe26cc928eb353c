package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/overshare/overshare/internal/finding"
)

// JSONHandler writes one JSON document on Flush:
//
//	{"tool": {...}, "findings": [...], "errors": [...], "summary": {...}}
//
// It buffers because a JSON document cannot be closed before the run
// ends; jsonl is the streaming form. Findings are sorted worst first and
// errors by path, so the same inputs give byte-identical reports.
type JSONHandler struct {
	w       io.Writer
	opts    Options
	report  jsonReport
	flushed bool
}

type jsonTool struct {
	Name          string            `json:"name"`
	Version       string            `json:"version"`
	RulesVersion  string            `json:"rules_version,omitempty"`
	SchemaVersion int               `json:"schema_version"`
	Command       string            `json:"command,omitempty"`
	Args          []string          `json:"args,omitempty"`
	Options       map[string]string `json:"options,omitempty"`
}

type jsonReport struct {
	Tool     jsonTool          `json:"tool"`
	Findings []finding.Finding `json:"findings"`
	Errors   []ScanError       `json:"errors"`
	Summary  Summary           `json:"summary"`
}

// NewJSONHandler returns a handler that writes the canonical JSON report
// to w.
func NewJSONHandler(w io.Writer, opts Options) *JSONHandler {
	return &JSONHandler{
		w:    w,
		opts: opts,
		// Non-nil so that an empty run writes [] rather than null: readers
		// should not need a special case for "nothing found".
		report: jsonReport{Findings: []finding.Finding{}, Errors: []ScanError{}},
	}
}

// Start implements [Handler].
func (h *JSONHandler) Start(run RunInfo) error {
	h.report.Tool = jsonTool{
		Name:          run.Tool.Name,
		Version:       run.Tool.Version,
		RulesVersion:  run.Tool.RulesVersion,
		SchemaVersion: SchemaVersion,
		Command:       run.Command,
		Args:          run.Args,
		Options:       run.Options,
	}
	return nil
}

// Finding implements [Handler].
func (h *JSONHandler) Finding(f *finding.Finding) error {
	c := *f
	c.Secret = c.Secret.WithRaw(h.opts.ShowSecrets)
	h.report.Findings = append(h.report.Findings, c)
	h.report.Summary.Add(f)
	return nil
}

// Error implements [Handler].
func (h *JSONHandler) Error(e ScanError) error {
	h.report.Errors = append(h.report.Errors, e)
	h.report.Summary.AddError()
	return nil
}

// Flush implements [Handler]: it writes the report, indented.
func (h *JSONHandler) Flush() error {
	if h.flushed {
		return fmt.Errorf("writing json report: already flushed")
	}
	h.flushed = true
	sortFindings(h.report.Findings)
	sortErrors(h.report.Errors)
	enc := json.NewEncoder(h.w)
	enc.SetIndent("", "  ")
	// Reports are read by people and tools, not embedded in HTML; "<" in
	// an author's address should stay readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(h.report); err != nil {
		return fmt.Errorf("writing json report: %w", err)
	}
	return nil
}
