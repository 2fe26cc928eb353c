package report

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/overshare/overshare/internal/finding"
)

// gitHubMaxCommentChars is the longest comment body GitHub accepts.
const gitHubMaxCommentChars = 65536

const (
	// markdownMarker starts every markdown report; see MarkdownHandler.
	markdownMarker = "<!-- overshare report -->"

	// Bounds that keep one finding from crowding out the others.
	mdMaxField     = 300 // runes of any one title, path or reason
	mdMaxLocations = 10  // locations listed per finding
	mdMaxErrors    = 20  // scan errors listed
)

// MarkdownHandler writes a report that fits a pull-request comment: a
// heading with the counts by severity, a table with one row per finding
// (severity, rule, title, first location as path:line), then a collapsed
// <details> section per finding with its locations, reasons and
// remediation steps, then the scan errors. It buffers until Flush. The
// first line is the HTML comment "<!-- overshare report -->", invisible
// once rendered, by which a CI job can find the comment it posted on an
// earlier run and edit it instead of adding another.
//
// The raw secret is never printed, whatever [Options.ShowSecrets] says:
// a comment is read by everyone who can read the pull request. Only the
// redacted preview appears.
//
// Everything that comes from scanned input (titles, paths, authors,
// reasons) is escaped so that it cannot change the layout or reach
// anyone: control characters are escaped as in the text report, Markdown
// punctuation (including "|", which would split a table cell, and "`")
// is backslash-escaped, "<", ">" and "&" become entities so no HTML gets
// through, and "@name" and "#123" are broken with an empty HTML comment
// so that a file name cannot mention a user or team or cross-reference an
// issue from the bot's comment. Paths, rule IDs and commits are shown as
// code, where GitHub neither formats nor links.
//
// GitHub rejects a comment longer than 65,536 characters. When the report
// would be longer, the least severe findings are left out of the table
// and the details (findings are sorted worst first), and a line says how
// many; the heading still counts every finding. Each title, path and
// reason is cut to 300 characters, a finding lists at most 10 locations
// and the report at most 20 scan errors, so one pathological input
// cannot push the rest out. Lengths are counted in bytes, which is never
// less than GitHub's count of characters.
type MarkdownHandler struct {
	w io.Writer
	buffered
	limit   int
	flushed bool
}

// NewMarkdownHandler returns a handler that writes a Markdown report to w
// on Flush. It ignores opts: see [MarkdownHandler].
func NewMarkdownHandler(w io.Writer, opts Options) *MarkdownHandler {
	return &MarkdownHandler{w: w, limit: gitHubMaxCommentChars}
}

// Flush implements [Handler]: it writes the whole report.
func (h *MarkdownHandler) Flush() error {
	if h.flushed {
		return errFlushed("markdown")
	}
	h.flushed = true
	sortFindings(h.findings)
	sortErrors(h.errors)
	if _, err := io.WriteString(h.w, h.render()); err != nil {
		return fmt.Errorf("writing markdown report: %w", err)
	}
	return nil
}

const mdTableHeader = "| Severity | Rule | Finding | Location |\n|---|---|---|---|\n"

func (h *MarkdownHandler) render() string {
	head := markdownMarker + "\n## overshare: " + SummaryLine(h.summary) + "\n\n"
	if len(h.findings) == 0 {
		head += "No findings.\n\n"
	}
	tail := h.errorsSection() + h.footer()

	n := len(h.findings)
	rows := make([]string, n)
	details := make([]string, n)
	// upTo[k] is the length of the rows and details of the first k.
	upTo := make([]int, n+1)
	for i := range h.findings {
		rows[i] = mdRow(&h.findings[i])
		details[i] = mdDetails(&h.findings[i])
		upTo[i+1] = upTo[i] + len(rows[i]) + len(details[i])
	}
	// size(k) is the length of the report showing the first k findings.
	size := func(k int) int {
		total := len(head) + len(tail) + upTo[k]
		if k > 0 {
			total += len(mdTableHeader) + len("\n")
		}
		if k < n {
			total += len(mdMoreLine(n - k))
		}
		return total
	}
	k := n
	for k > 0 && size(k) > h.limit {
		k--
	}

	var b strings.Builder
	b.WriteString(head)
	if k > 0 {
		b.WriteString(mdTableHeader)
		for _, r := range rows[:k] {
			b.WriteString(r)
		}
		b.WriteString("\n")
	}
	if k < n {
		b.WriteString(mdMoreLine(n - k))
	}
	for _, d := range details[:k] {
		b.WriteString(d)
	}
	b.WriteString(tail)
	return b.String()
}

func mdMoreLine(n int) string {
	return fmt.Sprintf("**%s not shown**: a GitHub comment holds at most %d characters. "+
		"The json or text report lists every finding.\n\n", plural(n, "more finding"), gitHubMaxCommentChars)
}

func mdBadge(s finding.Severity) string {
	return "**" + strings.ToUpper(s.String()) + "**"
}

func mdRow(f *finding.Finding) string {
	loc := "—"
	if len(f.Locations) > 0 {
		if s := shortLocation(f.Locations[0]); s != "" {
			loc = mdCode(s, true)
		}
	}
	return "| " + mdBadge(f.Severity) + " | " + mdCode(f.Rule, true) + " | " + mdText(f.Title) + " | " + loc + " |\n"
}

// shortLocation is path:line, or the commit for a location with no path.
func shortLocation(l finding.Location) string {
	switch {
	case l.Path != "" && l.Line > 0:
		return fmt.Sprintf("%s:%d", l.Path, l.Line)
	case l.Path != "":
		return l.Path
	case l.Commit != "":
		return "commit " + shortCommit(l.Commit)
	}
	return ""
}

func mdDetails(f *finding.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<details>\n<summary><b>%s</b> %s</summary>\n\n",
		strings.ToUpper(f.Severity.String()), htmlText(f.Title))

	fmt.Fprintf(&b, "**Rule** %s · **ID** %s", mdCode(f.Rule, false), mdCode(f.ID, false))
	if !f.Secret.IsZero() {
		fmt.Fprintf(&b, " · **Secret** %s (redacted)", mdCode(f.Secret.Redacted(), false))
	}
	b.WriteString("\n\n")

	var where []string
	for i, l := range f.Locations {
		if i == mdMaxLocations {
			where = append(where, fmt.Sprintf("… and %d more", len(f.Locations)-mdMaxLocations))
			break
		}
		where = append(where, mdLocation(l))
	}
	if f.FirstSeen != nil {
		where = append(where, "introduced in "+mdLocation(*f.FirstSeen))
	}
	if f.LastSeen != nil {
		where = append(where, "last seen in "+mdLocation(*f.LastSeen))
	}
	if v := f.Verification; v != nil {
		b.WriteString("**Checked live** " + verificationLine(v, mdText) + "\n\n")
	}
	if len(where) > 0 {
		b.WriteString("**Where**\n\n")
		for _, w := range where {
			b.WriteString("- " + w + "\n")
		}
		b.WriteString("\n")
	}

	if len(f.Reasons) > 0 {
		fmt.Fprintf(&b, "**Why %s**\n\n", f.Severity)
		for _, r := range f.Reasons {
			fmt.Fprintf(&b, "- %s: %s\n", mdCode(r.Code, false), mdText(r.Text))
		}
		b.WriteString("\n")
	}

	if r := f.Remediation; r != nil {
		fmt.Fprintf(&b, "**What to do:** %s\n\n", mdText(r.Summary))
		for i, step := range r.Steps {
			fmt.Fprintf(&b, "%d. %s\n", i+1, mdText(step))
		}
		if len(r.Steps) > 0 {
			b.WriteString("\n")
		}
		if r.AlsoRevokes != "" {
			fmt.Fprintf(&b, "This also revokes %s.\n\n", mdText(strings.TrimRight(r.AlsoRevokes, ".")))
		}
	}
	b.WriteString("</details>\n\n")
	return b.String()
}

// mdLocation renders a location as code, then its git facts; a location
// with no path (first_seen) starts with the commit.
func mdLocation(l finding.Location) string {
	var parts []string
	if l.Path != "" {
		p := l.Path
		if l.Line > 0 {
			p += fmt.Sprintf(":%d", l.Line)
			if l.Column > 0 {
				p += fmt.Sprintf(":%d", l.Column)
			}
		}
		parts = append(parts, mdCode(p, false))
	}
	parts = append(parts, gitFacts(l, func(s string) string { return mdCode(s, false) }, mdText,
		"**not at HEAD** (deleted, but still in history)")...)
	if len(parts) > 1 && l.Path != "" {
		return parts[0] + " — " + strings.Join(parts[1:], ", ")
	}
	return strings.Join(parts, ", ")
}

func (h *MarkdownHandler) errorsSection() string {
	if len(h.errors) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<details>\n<summary>%s could not be read</summary>\n\n", plural(len(h.errors), "input"))
	for i, e := range h.errors {
		if i == mdMaxErrors {
			fmt.Fprintf(&b, "- … and %d more\n", len(h.errors)-mdMaxErrors)
			break
		}
		path := "(no path)"
		if e.Path != "" {
			path = mdCode(e.Path, false)
		}
		fmt.Fprintf(&b, "- %s: %s\n", path, mdText(e.Err))
	}
	b.WriteString("\n</details>\n\n")
	return b.String()
}

func (h *MarkdownHandler) footer() string {
	by := htmlText(cmp.Or(h.run.Tool.Name, "overshare"))
	if v := h.run.Tool.Version; v != "" {
		by += " " + htmlText(v)
	}
	if rv := h.run.Tool.RulesVersion; rv != "" {
		by += ", rules " + htmlText(rv)
	}
	return "<sub>Found by " + by + ". Secrets are redacted; the json report has every detail.</sub>\n"
}

// mdText escapes untrusted text for Markdown outside code: in a table
// cell, a list item or a paragraph. See [MarkdownHandler].
func mdText(s string) string {
	return escapeUntrusted(s, false)
}

// htmlText escapes untrusted text inside an HTML block (<summary>), where
// GitHub does not apply Markdown, so only HTML is escaped.
func htmlText(s string) string {
	return escapeUntrusted(s, true)
}

func escapeUntrusted(s string, html bool) string {
	s = truncateRunes(Clean(s), mdMaxField)
	var b strings.Builder
	prev := ' ' // the start counts as a boundary
	for i, r := range s {
		_, width := utf8.DecodeRuneInString(s[i:])
		next, _ := utf8.DecodeRuneInString(s[i+width:])
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '"' && html:
			b.WriteString("&quot;")
		case !html && strings.ContainsRune("\\`*_[]|~$", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '@' && !isWordRune(prev) && isWordRune(next),
			r == '#' && unicode.IsDigit(next):
			// GitHub links @user, @org/team, #123 and owner/repo#123
			// in the rendered text. An empty comment splits the text
			// node, which stops the link and the notification, and
			// renders as nothing.
			b.WriteRune(r)
			b.WriteString("<!-- -->")
		default:
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// mdCode renders s as a code span, with a fence longer than any run of
// backticks in s. In a table cell "|" must still be escaped: GitHub splits
// cells before it parses code spans.
func mdCode(s string, inTable bool) string {
	s = truncateRunes(Clean(s), mdMaxField)
	if s == "" {
		return ""
	}
	if inTable {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		// CommonMark strips one space from each end, so a padded span
		// shows s exactly, and a backtick at an end cannot join the fence.
		s = " " + s + " "
	}
	return fence + s + fence
}

// truncateRunes cuts s to at most n runes, ending it with "…" if cut.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
