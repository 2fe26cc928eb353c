package report

import (
	"bytes"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/overshare/overshare/internal/finding"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

type sasFacts struct {
	Kind        string   `json:"kind"`
	Account     string   `json:"account"`
	Services    []string `json:"services"`
	Permissions []string `json:"permissions"`
	Expiry      string   `json:"expiry"`
}

// fixture is one run's events, deliberately out of report order so the
// golden files also prove that handlers sort.
func fixture() (RunInfo, []*finding.Finding, []ScanError) {
	day := func(y int, m time.Month, d int) *time.Time {
		t := time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
		return &t
	}
	yes, no := true, false
	// Fake values: they look like no real credential format, so the
	// golden files cannot trip a secret scanner.
	sasSecret := "fake-account-sas-for-golden-tests-0001"
	keySecret := "fake-storage-key-for-golden-tests-0002"
	connSecret := "fake-connection-string-for-golden-tests-0003"
	oldSecret := "fake-expired-sas-for-golden-tests-0004"
	urlSecret := "fake-presigned-url-for-golden-tests-0005"
	histSecret := "fake-history-sas-for-golden-tests-0006"
	keyFileSecret := "fake-private-key-for-golden-tests-0007"
	gcsSecret := "fake-gcs-signed-url-for-golden-tests-0008"

	run := RunInfo{
		Tool:    ToolInfo{Name: "overshare", Version: "v0.0.0-test", RulesVersion: "test"},
		Command: "scan",
		Args:    []string{"./repo"},
		Options: map[string]string{"fail-on": "high", "format": "json", "show-secrets": "false"},
	}
	findings := []*finding.Finding{
		{
			ID:       finding.Fingerprint("azure-sas", oldSecret),
			Rule:     "azure-sas",
			Severity: finding.Low,
			Title:    "Expired read-only service SAS for one blob",
			Secret:   finding.NewSecret(oldSecret),
			Locations: []finding.Location{
				{Path: "docs/old.md", Line: 4, Column: 1},
			},
			Reasons: []finding.Reason{{Code: "expired", Text: "expired on 2021-01-01"}},
		},
		{
			ID:       finding.Fingerprint("azure-storage-key", keySecret),
			Rule:     "azure-storage-key",
			Severity: finding.High,
			Title:    "Storage account key",
			Secret:   finding.NewSecret(keySecret),
			Locations: []finding.Location{
				// A hostile file name: the text report must escape it.
				{Path: "evil\x1b[2Jname\n.txt", Line: 1, Column: 9},
			},
			Reasons:     []finding.Reason{{Code: "account-key", Text: "full control of the account"}},
			Remediation: &finding.Remediation{Summary: "rotate the key", AlsoRevokes: "every SAS signed with this key"},
		},
		{
			ID:       finding.Fingerprint("azure-sas", sasSecret),
			Rule:     "azure-sas",
			Severity: finding.Critical,
			Title:    "Account SAS with write and delete on every service, valid until 2051",
			Secret:   finding.NewSecret(sasSecret),
			Locations: []finding.Location{
				{Path: "README.md", Line: 12, Column: 30, Commit: "2f0c1e8d9a7b6c5d4e3f", Author: "Researcher <r@example.com>", Date: day(2020, time.June, 24), InHead: &yes},
				{Path: "notebooks/load.py", Line: 3, Column: 11, Commit: "9a8b7c6d5e4f", Author: "Researcher <r@example.com>", Date: day(2021, time.March, 2), InHead: &no},
			},
			FirstSeen: &finding.Location{Commit: "2f0c1e8d9a7b6c5d4e3f", Date: day(2020, time.June, 24)},
			LastSeen:  &finding.Location{Commit: "HEAD"},
			Token: sasFacts{
				Kind: "account", Account: "examplestore", Services: []string{"blob", "file", "queue", "table"},
				Permissions: []string{"read", "write", "delete", "list"}, Expiry: "2051-10-06T00:00:00Z",
			},
			Reasons: []finding.Reason{
				{Code: "account-scope", Text: "covers every container of the account"},
				{Code: "write-delete", Text: "can overwrite and delete data"},
				{Code: "long-lived", Text: "valid for 31 years"},
			},
			Remediation: &finding.Remediation{
				Summary:     "rotate the account key that signed it (key1 of examplestore)",
				Steps:       []string{"regenerate key1", "re-issue the SAS tokens still needed, from key2 or a stored access policy"},
				AlsoRevokes: "every SAS signed with key1",
			},
		},
		{
			ID:        finding.Fingerprint("azure-connection-string", connSecret),
			Rule:      "azure-connection-string",
			Severity:  finding.High,
			Title:     "Storage connection string with account key",
			Secret:    finding.NewSecret(connSecret),
			Locations: []finding.Location{{Path: "app/settings.json", Line: 7, Column: 22}},
		},
		{
			// A member of an archive: SARIF reports it on the archive.
			ID:        finding.Fingerprint("aws-presigned-url", urlSecret),
			Rule:      "aws-presigned-url",
			Severity:  finding.Medium,
			Title:     "Presigned S3 PUT URL for bucket example-exports, valid 7 days",
			Secret:    finding.NewSecret(urlSecret),
			Locations: []finding.Location{{Path: "models/bundle.zip!config/settings.yaml", Line: 3, Column: 5}},
			Reasons:   []finding.Reason{{Code: "write", Text: "allows uploading objects"}},
			Remediation: &finding.Remediation{
				Summary: "deactivate the IAM access key that signed it",
			},
		},
		{
			// Seen only in git history: deleted from HEAD, still leaked.
			ID:       finding.Fingerprint("azure-sas", histSecret),
			Rule:     "azure-sas",
			Severity: finding.High,
			Title:    "Service SAS with write on container backups, deleted from HEAD",
			Secret:   finding.NewSecret(histSecret),
			Locations: []finding.Location{
				{Path: "scripts/upload.sh", Line: 8, Column: 14, Commit: "5e4f3a2b1c0d9e8f7a6b5c4d", Author: "Intern <intern@example.com>", Date: day(2019, time.November, 5), InHead: &no},
			},
			FirstSeen: &finding.Location{Commit: "5e4f3a2b1c0d9e8f7a6b5c4d", Date: day(2019, time.November, 5)},
			LastSeen:  &finding.Location{Commit: "7d6c5b4a3f2e1d0c", Date: day(2019, time.December, 1)},
			Reasons: []finding.Reason{
				{Code: "write", Text: "can overwrite blobs in container backups"},
				{Code: "history-only", Text: "removed from HEAD, still in history"},
			},
			Remediation: &finding.Remediation{
				Summary: "rotate key2 of examplestore",
				Steps:   []string{"regenerate key2", "clean the history only after revoking: the token is public already"},
			},
		},
		{
			// No location at all (read from standard input, say).
			ID:       finding.Fingerprint("private-key", keyFileSecret),
			Rule:     "private-key",
			Severity: finding.Info,
			Title:    "Encrypted private key (passphrase protected)",
			Secret:   finding.NewSecret(keyFileSecret),
			Reasons:  []finding.Reason{{Code: "encrypted", Text: "protected by a passphrase"}},
		},
		{
			// Markup in every field that reaches a Markdown table or HTML.
			ID:        finding.Fingerprint("gcs-signed-url", gcsSecret),
			Rule:      "gcs-signed-url",
			Severity:  finding.Medium,
			Title:     "GCS signed URL for bucket a|b <script>alert(1)</script>",
			Secret:    finding.NewSecret(gcsSecret),
			Locations: []finding.Location{{Path: "web/a|b `x`.html", Line: 2, Column: 1}},
			Reasons:   []finding.Reason{{Code: "long-lived", Text: "valid for `7 days` | the *maximum*"}},
			Remediation: &finding.Remediation{
				Summary: "delete HMAC key #12 of the service account",
				Steps:   []string{"ask @security-team to rotate it", "check the [audit logs](https://example.com)"},
			},
		},
	}
	errs := []ScanError{
		{Path: "vendor/blob.bin", Err: "reading file: permission denied"},
		{Path: "archive.zip", Err: "opening zip: not a valid zip file"},
	}
	return run, findings, errs
}

func render(t *testing.T, format string, opts Options, run RunInfo, fs []*finding.Finding, errs []ScanError) []byte {
	t.Helper()
	var buf bytes.Buffer
	h, err := New(format, &buf, opts)
	if err != nil {
		t.Fatalf("New(%q): %v", format, err)
	}
	if err := h.Start(run); err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if err := h.Finding(f); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range errs {
		if err := h.Error(e); err != nil {
			t.Fatal(err)
		}
	}
	if !streams(format) && buf.Len() != 0 {
		t.Errorf("%s handler wrote before Flush: %q", format, buf.String())
	}
	if err := h.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := h.Flush(); err == nil {
		t.Errorf("%s handler: second Flush succeeded; want an error", format)
	}
	return buf.Bytes()
}

// streams reports whether format writes as events arrive rather than on
// Flush.
func streams(format string) bool { return format == "jsonl" }

// revealsRaw reports whether format prints the raw secret when asked to;
// sarif and markdown never do.
func revealsRaw(format string) bool {
	switch format {
	case "text", "json", "jsonl":
		return true
	}
	return false
}

// secrets returns the raw and redacted secrets of fs.
func secrets(fs []*finding.Finding) (raw, redacted []string) {
	for _, f := range fs {
		if !f.Secret.IsZero() {
			raw = append(raw, f.Secret.Reveal())
			redacted = append(redacted, f.Secret.Redacted())
		}
	}
	return raw, redacted
}

func TestGolden(t *testing.T) {
	run, fs, errs := fixture()
	tests := []struct {
		name   string
		format string
		opts   Options
		empty  bool
	}{
		{name: "text", format: "text"},
		{name: "text-color", format: "text", opts: Options{Color: true}},
		{name: "text-show-secrets", format: "text", opts: Options{ShowSecrets: true}},
		{name: "text-empty", format: "text", empty: true},
		{name: "json", format: "json"},
		{name: "json-show-secrets", format: "json", opts: Options{ShowSecrets: true}},
		{name: "json-empty", format: "json", empty: true},
		{name: "jsonl", format: "jsonl"},
		{name: "jsonl-show-secrets", format: "jsonl", opts: Options{ShowSecrets: true}},
		{name: "jsonl-empty", format: "jsonl", empty: true},
		{name: "sarif", format: "sarif"},
		{name: "sarif-empty", format: "sarif", empty: true},
		{name: "markdown", format: "markdown"},
		{name: "markdown-empty", format: "markdown", empty: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, e := fs, errs
			if tt.empty {
				f, e = nil, nil
			}
			got := render(t, tt.format, tt.opts, run, f, e)
			path := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
			}
		})
	}
}

// TestSecretsOnlyWhenAsked checks the property the golden files show: a
// raw secret appears in exactly the outputs made with ShowSecrets by a
// format that may reveal it, and the redacted preview appears otherwise.
func TestSecretsOnlyWhenAsked(t *testing.T) {
	run, fs, errs := fixture()
	raw, redacted := secrets(fs)
	for _, format := range Formats() {
		for _, show := range []bool{false, true} {
			out := string(render(t, format, Options{ShowSecrets: show}, run, fs, errs))
			for i := range raw {
				want := show && revealsRaw(format)
				if got := strings.Contains(out, raw[i]); got != want {
					t.Errorf("format %s, ShowSecrets=%v: output contains raw secret %d = %v, want %v", format, show, i, got, want)
				}
				if !show && !strings.Contains(out, redacted[i]) {
					t.Errorf("format %s: output lacks the redacted preview of secret %d", format, i)
				}
			}
		}
	}
}

// TestNoRawSecretsProperty renders random runs, with secrets of random
// length and hostile paths and titles, in every format: a raw secret
// appears only with ShowSecrets, only in formats that may reveal it, and
// then for every finding that has one.
func TestNoRawSecretsProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
	run, _, _ := fixture()
	for iter := range 200 {
		var fs []*finding.Finding
		for range rng.IntN(6) {
			var sb strings.Builder
			sb.WriteString("RAW!")
			for range 12 + rng.IntN(60) {
				sb.WriteByte(alphabet[rng.IntN(len(alphabet))])
			}
			secret := sb.String()
			rule := pick("azure-sas", "azure-storage-key", "aws-presigned-url", "private-key", "posture/public-access", "new-rule")
			f := &finding.Finding{
				ID:       finding.Fingerprint(rule, secret),
				Rule:     rule,
				Severity: finding.Severities()[rng.IntN(5)],
				Title:    pick("t", "a|b <i>x</i>", "line\nbreak\x1b[2J", "@team #1 `code`", ""),
				Secret:   finding.NewSecret(secret),
			}
			for range rng.IntN(4) {
				l := finding.Location{
					Path: pick("a.txt", "dir/x y.md", "a.zip!b/c.txt", "-", "", "/abs/p", "ü/%41?#"),
					Line: rng.IntN(3), Column: rng.IntN(3),
				}
				if rng.IntN(2) == 0 {
					in := rng.IntN(2) == 0
					l.Commit, l.InHead = "0123456789abcdef", &in
				}
				f.Locations = append(f.Locations, l)
			}
			fs = append(fs, f)
		}
		raw, _ := secrets(fs)
		for _, format := range Formats() {
			for _, show := range []bool{false, true} {
				out := string(render(t, format, Options{ShowSecrets: show}, run, fs, nil))
				for _, r := range raw {
					if got, want := strings.Contains(out, r), show && revealsRaw(format); got != want {
						t.Fatalf("iteration %d, format %s, ShowSecrets=%v: raw secret present = %v, want %v\n%s", iter, format, show, got, want, out)
					}
				}
			}
		}
	}
}

func TestOrderIndependent(t *testing.T) {
	run, fs, errs := fixture()
	reversed := make([]*finding.Finding, len(fs))
	for i, f := range fs {
		reversed[len(fs)-1-i] = f
	}
	revErrs := []ScanError{errs[1], errs[0]}
	for _, format := range Formats() {
		a := string(render(t, format, Options{}, run, fs, errs))
		b := string(render(t, format, Options{}, run, reversed, revErrs))
		if streams(format) {
			// A stream keeps arrival order; the set of lines must match.
			a, b = sortedLines(a), sortedLines(b)
		}
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("format %s depends on arrival order (-forward +reversed):\n%s", format, diff)
		}
	}
}

func sortedLines(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func TestTextHasNoColorUnlessAsked(t *testing.T) {
	run, fs, errs := fixture()
	plain := string(render(t, "text", Options{}, run, fs, errs))
	if strings.Contains(plain, "\x1b") {
		t.Errorf("text output without Color contains an escape byte:\n%q", plain)
	}
	colored := string(render(t, "text", Options{Color: true}, run, fs, errs))
	if !strings.Contains(colored, "\x1b[1;31mCRITICAL (1)\x1b[0m") {
		t.Errorf("text output with Color lacks the coloured critical header:\n%q", colored)
	}
}

func TestNewFormatErrors(t *testing.T) {
	const implemented = "(implemented: text, json, jsonl, sarif, markdown)"
	tests := []struct {
		format string
		msg    string
	}{
		{"xml", `unknown output format "xml" ` + implemented},
		{"", `unknown output format "" ` + implemented},
		{"JSON", `unknown output format "JSON" ` + implemented},
		{"md", `unknown output format "md" ` + implemented},
	}
	for _, tt := range tests {
		h, err := New(tt.format, &bytes.Buffer{}, Options{})
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("New(%q) = %v, %v; want a *FormatError", tt.format, h, err)
			continue
		}
		if fe.Planned || fe.Format != tt.format {
			t.Errorf("New(%q) error = %+v, want Planned=false", tt.format, fe)
		}
		if err.Error() != tt.msg {
			t.Errorf("New(%q) error text = %q, want %q", tt.format, err.Error(), tt.msg)
		}
	}
	// No format is planned now; the message for one that is stays.
	planned := &FormatError{Format: "html", Planned: true}
	if got, want := planned.Error(), `output format "html" is not implemented yet `+implemented; got != want {
		t.Errorf("planned FormatError = %q, want %q", got, want)
	}
	for _, format := range Formats() {
		if slices.Contains(PlannedFormats(), format) {
			t.Errorf("format %q is both implemented and planned", format)
		}
		if _, err := New(format, &bytes.Buffer{}, Options{}); err != nil {
			t.Errorf("New(%q) = %v; every listed format must be constructible", format, err)
		}
	}
}

// TestSecretFormatsIgnoreShowSecrets: sarif and markdown are the same
// whether or not secrets were asked for.
func TestSecretFormatsIgnoreShowSecrets(t *testing.T) {
	run, fs, errs := fixture()
	for _, format := range Formats() {
		if revealsRaw(format) {
			continue
		}
		a := render(t, format, Options{}, run, fs, errs)
		b := render(t, format, Options{ShowSecrets: true, Color: true}, run, fs, errs)
		if diff := cmp.Diff(string(a), string(b)); diff != "" {
			t.Errorf("format %s changes with ShowSecrets or Color (-without +with):\n%s", format, diff)
		}
	}
}

func TestSummary(t *testing.T) {
	var s Summary
	for _, sev := range []finding.Severity{finding.Critical, finding.High, finding.High, finding.Low, finding.Info} {
		s.Add(&finding.Finding{Severity: sev})
	}
	s.AddError()
	want := Summary{Findings: 5, Errors: 1, BySeverity: SeverityCounts{Critical: 1, High: 2, Low: 1, Info: 1}}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("Summary mismatch (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		floor finding.Severity
		want  int
	}{
		{finding.Critical, 1}, {finding.High, 3}, {finding.Medium, 3}, {finding.Low, 4}, {finding.Info, 5},
	} {
		if got := s.AtLeast(tt.floor); got != tt.want {
			t.Errorf("AtLeast(%v) = %d, want %d", tt.floor, got, tt.want)
		}
	}
	for _, tt := range []struct {
		s    Summary
		want string
	}{
		{Summary{}, "0 findings, 0 errors"},
		{s, "5 findings (1 critical, 2 high, 1 low, 1 info), 1 error"},
		{Summary{Findings: 1, BySeverity: SeverityCounts{Medium: 1}, Errors: 2}, "1 finding (1 medium), 2 errors"},
	} {
		if got := SummaryLine(tt.s); got != tt.want {
			t.Errorf("SummaryLine = %q, want %q", got, tt.want)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain/path.txt", "plain/path.txt"},
		{"ünïcode ok", "ünïcode ok"},
		{"a\nb", `a\nb`},
		{"a\x1b[31mred", `a\x1b[31mred`},
		{"tab\there", `tab\there`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"rtl\u202eoverride", `rtl\u202eoverride`},
		{"c1\u009bcsi", `c1\u009bcsi`},
	}
	for _, tt := range tests {
		if got := Clean(tt.in); got != tt.want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
