package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/overshare/overshare/internal/finding"
)

// JSONLHandler writes JSON Lines: one compact JSON object per line,
// written as each event arrives, so a consumer sees a finding the moment
// the engine reports it and a run that is killed half-way still leaves
// whole lines behind.
//
// A finding line is exactly the object the json report puts in its
// "findings" array, with the same redaction: "secret" holds the redacted
// preview and the SHA-256, plus "raw" only with [Options.ShowSecrets].
// A scan error is one line of its own, {"error": {"path": ..., "error":
// ...}}, the object of the json report's "errors" array under an "error"
// key. A finding never has a top-level "error" key, so the two kinds are
// told apart without a type field that would make finding lines differ
// from the json report, and filters on finding fields skip error lines by
// themselves:
//
//	overshare scan --format jsonl . | jq -c 'select(.severity == "critical")'
//	overshare scan --format jsonl . | jq -r 'select(.id) | .id'
//	overshare scan --format jsonl . | jq -r 'select(.error) | .error.path'
//
// There is no header or summary line: every line is a result, so
// `wc -l` and `jq -s length` count results. How the run was made and the
// summary are in the json report. Lines come in arrival order, which is
// not stable across runs (the engine scans concurrently); sort when
// comparing.
type JSONLHandler struct {
	w       io.Writer
	opts    Options
	buf     bytes.Buffer
	flushed bool
}

// NewJSONLHandler returns a handler that streams JSON Lines to w.
func NewJSONLHandler(w io.Writer, opts Options) *JSONLHandler {
	return &JSONLHandler{w: w, opts: opts}
}

// Start implements [Handler]. JSON Lines carries no run header.
func (h *JSONLHandler) Start(RunInfo) error { return nil }

// Finding implements [Handler]: it writes the finding's line at once.
func (h *JSONLHandler) Finding(f *finding.Finding) error {
	c := *f
	c.Secret = c.Secret.WithRaw(h.opts.ShowSecrets)
	return h.writeLine(c)
}

// Error implements [Handler]: it writes {"error": {...}} at once.
func (h *JSONLHandler) Error(e ScanError) error {
	return h.writeLine(struct {
		Error ScanError `json:"error"`
	}{e})
}

// Flush implements [Handler]. Every line is already written; Flush only
// closes the handler.
func (h *JSONLHandler) Flush() error {
	if h.flushed {
		return errFlushed("jsonl")
	}
	h.flushed = true
	return nil
}

// writeLine encodes v and hands the whole line to w in one Write, so that
// a reader of a pipe never sees half a line from us.
func (h *JSONLHandler) writeLine(v any) error {
	if h.flushed {
		return errFlushed("jsonl")
	}
	h.buf.Reset()
	enc := json.NewEncoder(&h.buf)
	// As in the json report: "<" in an author's address stays readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // Encode ends the line with \n
		return fmt.Errorf("writing jsonl report: %w", err)
	}
	if _, err := h.w.Write(h.buf.Bytes()); err != nil {
		return fmt.Errorf("writing jsonl report: %w", err)
	}
	return nil
}

// errFlushed is the error for an event that arrives after Flush: a bug in
// the caller, reported rather than written after the end of the report.
func errFlushed(format string) error {
	return fmt.Errorf("writing %s report: already flushed", format)
}
