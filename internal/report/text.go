package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/overshare/overshare/internal/finding"
)

// TextHandler writes a report for people: findings grouped by severity,
// worst first (info findings in two lines each: where, and why they are
// only info), then the scan errors, then a one-line summary. It buffers
// until Flush because grouping needs every finding.
//
// Every string that came from scanned input (paths, authors, titles built
// from token fields) is printed with control characters escaped: a file
// name must not be able to move the cursor or recolour a terminal.
type TextHandler struct {
	w        io.Writer
	opts     Options
	findings []finding.Finding
	errors   []ScanError
	summary  Summary
	flushed  bool
}

// NewTextHandler returns a handler that writes the text report to w.
func NewTextHandler(w io.Writer, opts Options) *TextHandler {
	return &TextHandler{w: w, opts: opts}
}

// Start implements [Handler]. The text report does not repeat how the run
// was made; that is what the JSON report is for.
func (h *TextHandler) Start(RunInfo) error { return nil }

// Finding implements [Handler].
func (h *TextHandler) Finding(f *finding.Finding) error {
	h.findings = append(h.findings, *f)
	h.summary.Add(f)
	return nil
}

// Error implements [Handler].
func (h *TextHandler) Error(e ScanError) error {
	h.errors = append(h.errors, e)
	h.summary.AddError()
	return nil
}

const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
)

func severityColor(s finding.Severity) string {
	switch s {
	case finding.Critical:
		return "\x1b[1;31m"
	case finding.High:
		return "\x1b[31m"
	case finding.Medium:
		return "\x1b[33m"
	case finding.Low:
		return "\x1b[36m"
	}
	return "\x1b[2m"
}

func (h *TextHandler) paint(color, s string) string {
	if !h.opts.Color {
		return s
	}
	return color + s + ansiReset
}

// Flush implements [Handler]: it writes the whole report.
func (h *TextHandler) Flush() error {
	if h.flushed {
		return fmt.Errorf("writing text report: already flushed")
	}
	h.flushed = true
	sortFindings(h.findings)
	sortErrors(h.errors)

	bw := bufio.NewWriter(h.w)
	var current finding.Severity
	for i := range h.findings {
		f := &h.findings[i]
		if f.Severity != current {
			current = f.Severity
			header := fmt.Sprintf("%s (%d)", strings.ToUpper(current.String()), h.summary.Count(current))
			if current == finding.Info {
				header += ": one line each (--format json has every detail)"
			}
			fmt.Fprintf(bw, "%s\n\n", h.paint(severityColor(current), header))
		}
		h.writeFinding(bw, f)
	}
	if current == finding.Info {
		fmt.Fprintln(bw)
	}
	if len(h.errors) > 0 {
		fmt.Fprintf(bw, "%s\n", h.paint(ansiBold, fmt.Sprintf("ERRORS (%d)", len(h.errors))))
		for _, e := range h.errors {
			fmt.Fprintf(bw, "  %s: %s\n", Clean(e.Path), Clean(e.Err))
		}
		fmt.Fprintln(bw)
	}
	fmt.Fprintln(bw, SummaryLine(h.summary))
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing text report: %w", err)
	}
	return nil
}

// maxTextLocations is how many locations the text report lists per
// finding before it counts the rest.
const maxTextLocations = 5

// field labels are padded to one width so values line up.
const labelWidth = 13

func writeField(w io.Writer, label string, lines ...string) {
	for i, line := range lines {
		if i == 0 {
			fmt.Fprintf(w, "    %-*s%s\n", labelWidth, label+":", line)
			continue
		}
		fmt.Fprintf(w, "    %-*s%s\n", labelWidth, "", line)
	}
}

func (h *TextHandler) writeFinding(w io.Writer, f *finding.Finding) {
	if f.Severity == finding.Info {
		h.writeInfo(w, f)
		return
	}
	fmt.Fprintf(w, "  %s\n", h.paint(ansiBold, Clean(f.Title)))
	writeField(w, "rule", Clean(f.Rule))
	writeField(w, "id", Clean(f.ID))
	if !f.Secret.IsZero() {
		secret := f.Secret.Redacted()
		if h.opts.ShowSecrets {
			secret = f.Secret.Reveal()
		}
		writeField(w, "secret", Clean(secret))
	}
	// A token copied into forty commits is one finding; the text shows the
	// first few places and counts the rest (the JSON report has them all).
	for i, loc := range f.Locations {
		if i == maxTextLocations && len(f.Locations) > maxTextLocations+1 {
			writeField(w, "location", fmt.Sprintf("... and %d more (--format json lists every one)", len(f.Locations)-i))
			break
		}
		writeField(w, "location", formatLocation(loc))
	}
	if f.FirstSeen != nil {
		writeField(w, "introduced", formatLocation(*f.FirstSeen))
	}
	if f.LastSeen != nil {
		writeField(w, "last seen", formatLocation(*f.LastSeen))
	}
	if v := f.Verification; v != nil {
		writeField(w, "verified", verificationLine(v, Clean))
	}
	if len(f.Reasons) > 0 {
		var lines []string
		for _, r := range f.Reasons {
			line := Clean(r.Code) + ": " + Clean(r.Text)
			if r.Severity.Valid() {
				line = fmt.Sprintf("%-8s %s", r.Severity, line)
			}
			lines = append(lines, line)
		}
		writeField(w, "reasons", lines...)
	}
	if r := f.Remediation; r != nil {
		lines := []string{Clean(r.Summary)}
		for i, step := range r.Steps {
			lines = append(lines, fmt.Sprintf("%d. %s", i+1, Clean(step)))
		}
		if r.AlsoRevokes != "" {
			lines = append(lines, "also revokes: "+Clean(r.AlsoRevokes))
		}
		writeField(w, "remediation", lines...)
	}
	fmt.Fprintln(w)
}

// writeInfo writes an info finding (a documentation example, a
// placeholder, the emulator's well-known key) in two lines: what it is,
// where, and why it is no more than info. A repository's tests and docs
// can hold dozens; the full record is in the JSON report.
func (h *TextHandler) writeInfo(w io.Writer, f *finding.Finding) {
	fmt.Fprintf(w, "  %s\n", Clean(f.Title))
	var parts []string
	if len(f.Locations) > 0 {
		where := Clean(shortLocation(f.Locations[0]))
		if n := len(f.Locations) - 1; n > 0 {
			where += fmt.Sprintf(" and %d more", n)
		}
		parts = append(parts, where)
	}
	if len(f.Reasons) > 0 {
		parts = append(parts, Clean(f.Reasons[0].Code)+": "+Clean(f.Reasons[0].Text))
	}
	if !f.Secret.IsZero() {
		secret := f.Secret.Redacted()
		if h.opts.ShowSecrets {
			secret = f.Secret.Reveal()
		}
		parts = append(parts, "secret "+Clean(secret))
	}
	parts = append(parts, "id "+Clean(f.ID))
	fmt.Fprintf(w, "    %s\n", strings.Join(parts, "; "))
}

// formatLocation renders path:line:column, then the git facts in
// parentheses; a location with no path (first_seen) is just the facts.
func formatLocation(l finding.Location) string {
	var b strings.Builder
	b.WriteString(Clean(l.Path))
	if l.Line > 0 {
		fmt.Fprintf(&b, ":%d", l.Line)
		if l.Column > 0 {
			fmt.Fprintf(&b, ":%d", l.Column)
		}
	}
	git := gitFacts(l, Clean, Clean, "not at HEAD")
	switch {
	case len(git) == 0:
	case b.Len() == 0:
		b.WriteString(strings.Join(git, ", "))
	default:
		b.WriteString(" (" + strings.Join(git, ", ") + ")")
	}
	return b.String()
}

// SummaryLine returns the closing line of the text report, e.g.
// "3 findings (1 critical, 2 high), 0 errors".
func SummaryLine(s Summary) string {
	var b strings.Builder
	b.WriteString(plural(s.Findings, "finding"))
	var parts []string
	sevs := finding.Severities()
	for i := len(sevs) - 1; i >= 0; i-- {
		if n := s.Count(sevs[i]); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sevs[i]))
		}
	}
	if len(parts) > 0 {
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	b.WriteString(", " + plural(s.Errors, "error"))
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// Clean escapes control characters (including newlines and ESC) and
// invalid UTF-8 so untrusted text stays on its line and cannot drive the
// terminal. Printable text, including non-ASCII, is left alone.
func Clean(s string) string {
	if !strings.ContainsFunc(s, needsEscape) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == unicode.ReplacementChar && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case needsEscape(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return r == unicode.ReplacementChar || unicode.IsControl(r) ||
		unicode.Is(unicode.Bidi_Control, r)
}
