package report

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/overshare/overshare/internal/finding"
)

// tableRows returns the lines of the findings table, without its header.
func tableRows(md string) []string {
	var rows []string
	for line := range strings.SplitSeq(md, "\n") {
		if strings.HasPrefix(line, "| **") {
			rows = append(rows, line)
		}
	}
	return rows
}

// cellSeparators counts the "|" that GFM reads as cell borders: those not
// escaped with a backslash.
func cellSeparators(row string) int {
	n := 0
	for i := 0; i < len(row); i++ {
		switch row[i] {
		case '\\':
			i++ // skip the escaped character
		case '|':
			n++
		}
	}
	return n
}

func TestMarkdownEscapesUntrustedText(t *testing.T) {
	run, fs, errs := fixture()
	md := string(render(t, "markdown", Options{}, run, fs, errs))

	rows := tableRows(md)
	if len(rows) != len(fs) {
		t.Fatalf("table has %d rows, want %d:\n%s", len(rows), len(fs), md)
	}
	for _, row := range rows {
		if n := cellSeparators(row); n != 5 {
			t.Errorf("row has %d cell borders, want 5 (4 cells): %s", n, row)
		}
	}
	for _, bad := range []string{"<script>", "</script>", "\x1b", "@security-team", "#12 ", "[audit logs](", "*maximum*"} {
		if strings.Contains(md, bad) {
			t.Errorf("markdown contains unescaped %q", bad)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;",
		"a\\|b",                    // pipe escaped in the title cell
		"``web/a\\|b `x`.html:2``", // code span with a longer fence
		"@<!-- -->security-team",   // mention broken
		"#<!-- -->12",              // issue reference broken
		"`evil\\x1b[2Jname\\n.txt:1`",
		"**CRITICAL**", "**INFO**",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if !strings.HasPrefix(md, markdownMarker+"\n## overshare: 8 findings (1 critical, 3 high, 2 medium, 1 low, 1 info), 2 errors\n") {
		t.Errorf("markdown does not start with the marker and counts:\n%s", md[:200])
	}
}

func TestMarkdownEscapeFunctions(t *testing.T) {
	tests := []struct {
		in, text, html, code string
	}{
		{"plain", "plain", "plain", "`plain`"},
		{"a|b", `a\|b`, "a|b", "`a|b`"},
		{"x <b>&</b>", `x &lt;b&gt;&amp;&lt;/b&gt;`, `x &lt;b&gt;&amp;&lt;/b&gt;`, "`x <b>&</b>`"},
		{"`tick`", "\\`tick\\`", "`tick`", "`` `tick` ``"},
		{"a``b", "a\\`\\`b", "a``b", "```a``b```"},
		{"*_[x]_*~$", `\*\_\[x\]\_\*\~\$`, "*_[x]_*~$", "`*_[x]_*~$`"},
		{"line\nbreak", `line\\nbreak`, `line\nbreak`, "`line\\nbreak`"},
		{"@octocat and @org/team", "@<!-- -->octocat and @<!-- -->org/team", "@<!-- -->octocat and @<!-- -->org/team", "`@octocat and @org/team`"},
		{"r@example.com", "r@example.com", "r@example.com", "`r@example.com`"},
		{"fixes #1, o/r#2, #x", `fixes #<!-- -->1, o/r#<!-- -->2, #x`, `fixes #<!-- -->1, o/r#<!-- -->2, #x`, "`fixes #1, o/r#2, #x`"},
		{`say "hi"`, `say "hi"`, `say &quot;hi&quot;`, "`say \"hi\"`"},
	}
	for _, tt := range tests {
		if got := mdText(tt.in); got != tt.text {
			t.Errorf("mdText(%q) = %q, want %q", tt.in, got, tt.text)
		}
		if got := htmlText(tt.in); got != tt.html {
			t.Errorf("htmlText(%q) = %q, want %q", tt.in, got, tt.html)
		}
		if got := mdCode(tt.in, false); got != tt.code {
			t.Errorf("mdCode(%q) = %q, want %q", tt.in, got, tt.code)
		}
	}
	if got, want := mdCode("a|b", true), "`a\\|b`"; got != want {
		t.Errorf("mdCode in a table = %q, want %q", got, want)
	}
	long := strings.Repeat("x", 1000)
	if got := mdText(long); len([]rune(got)) != mdMaxField || !strings.HasSuffix(got, "…") {
		t.Errorf("mdText does not cut a long field to %d runes", mdMaxField)
	}
}

// TestMarkdownFitsAComment: a run too big for one comment is cut, worst
// findings kept, and says how many it left out.
func TestMarkdownFitsAComment(t *testing.T) {
	run, _, _ := fixture()
	const n = 1500
	var fs []*finding.Finding
	for i := range n {
		secret := fmt.Sprintf("fake-secret-for-markdown-limit-%05d", i)
		f := &finding.Finding{
			ID:       finding.Fingerprint("azure-sas", secret),
			Rule:     "azure-sas",
			Severity: finding.Severities()[i%5],
			Title:    fmt.Sprintf("Finding %d with a reasonably long title that takes room in the table <and> | pipes", i),
			Secret:   finding.NewSecret(secret),
			Reasons:  []finding.Reason{{Code: "r", Text: strings.Repeat("why ", 20)}},
		}
		for j := range 15 { // more than mdMaxLocations
			f.Locations = append(f.Locations, finding.Location{Path: fmt.Sprintf("dir/file%d.txt", j), Line: j + 1})
		}
		fs = append(fs, f)
	}
	errs := make([]ScanError, 50)
	for i := range errs {
		errs[i] = ScanError{Path: fmt.Sprintf("unreadable/%d", i), Err: "permission denied"}
	}
	md := string(render(t, "markdown", Options{}, run, fs, errs))
	if len(md) > gitHubMaxCommentChars {
		t.Fatalf("markdown is %d bytes, over GitHub's %d", len(md), gitHubMaxCommentChars)
	}
	if len(md) < gitHubMaxCommentChars*9/10 {
		t.Errorf("markdown is %d bytes: the cut wastes most of the room", len(md))
	}
	rows := tableRows(md)
	shown := len(rows)
	if shown == 0 || shown == n {
		t.Fatalf("%d of %d findings shown; want a cut", shown, n)
	}
	if want := fmt.Sprintf("**%d more findings not shown**", n-shown); !strings.Contains(md, want) {
		t.Errorf("markdown lacks %q", want)
	}
	if got := strings.Count(md, "<details>\n<summary><b>"); got != shown {
		t.Errorf("%d details sections for %d table rows", got, shown)
	}
	// The worst are kept: every shown row is critical (300 of them exist).
	if !strings.HasPrefix(rows[len(rows)-1], "| **CRITICAL**") {
		t.Errorf("last shown row is not critical: %s", rows[len(rows)-1])
	}
	if !strings.Contains(md, "## overshare: 1500 findings (300 critical, 300 high, 300 medium, 300 low, 300 info), 50 errors") {
		t.Errorf("heading does not count every finding")
	}
	if !strings.Contains(md, "… and 5 more\n") || !strings.Contains(md, "… and 30 more\n") {
		t.Errorf("locations or errors are not capped")
	}
}

func TestMarkdownLimitEdge(t *testing.T) {
	run, fs, errs := fixture()
	// With no room for any finding, the report is the heading, the
	// "not shown" line, the errors and the footer.
	var buf bytes.Buffer
	h := NewMarkdownHandler(&buf, Options{})
	h.limit = 10
	h.Start(run)
	for _, f := range fs {
		h.Finding(f)
	}
	for _, e := range errs {
		h.Error(e)
	}
	if err := h.Flush(); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	if len(tableRows(md)) != 0 || !strings.Contains(md, "**8 more findings not shown**") {
		t.Errorf("over-small limit: want no rows and 8 not shown:\n%s", md)
	}
}

// FuzzMarkdownEscape: whatever the input, escaped text stays on one line
// and lets no HTML, table border, mention or issue reference through, and
// a code span is closed by the fence that opened it.
func FuzzMarkdownEscape(f *testing.F) {
	for _, s := range []string{"", "a|b", "<script>", "`x`", "@team", "x #1", "a\nb", "\xff\xfe", "\u202e", "&lt;", "\\|", "``` ``"} {
		f.Add(s)
	}
	mention := regexp.MustCompile(`(^|[^\pL\pN_])@[\pL\pN_]|#\pN`)
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{mdText(s), htmlText(s)} {
			if strings.ContainsAny(strings.ReplaceAll(out, "<!-- -->", ""), "<>\n\r") {
				t.Errorf("escaped %q = %q: contains markup or a line break", s, out)
			}
			if mention.MatchString(out) {
				t.Errorf("escaped %q = %q: a mention or reference survives", s, out)
			}
		}
		if n := cellSeparators(mdText(s)); n != 0 {
			t.Errorf("mdText(%q) = %q has %d table borders", s, mdText(s), n)
		}
		code := mdCode(s, false)
		if code == "" {
			return
		}
		fence := code[:strings.IndexFunc(code, func(r rune) bool { return r != '`' })]
		inner := strings.TrimSuffix(strings.TrimPrefix(code, fence), fence)
		if !strings.HasSuffix(code, fence) || len(code) < 2*len(fence) || strings.ContainsAny(code, "\n\r") {
			t.Errorf("mdCode(%q) = %q: not one balanced code span", s, code)
		}
		for _, run := range regexp.MustCompile("`+").FindAllString(inner, -1) {
			if len(run) == len(fence) {
				t.Errorf("mdCode(%q) = %q: the fence appears inside", s, code)
			}
		}
	})
}
