package report

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
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
	if buf.Len() != 0 {
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

// TestSecretsOnlyWhenAsked checks the property the golden files show: the
// raw secret appears in exactly the outputs made with ShowSecrets.
func TestSecretsOnlyWhenAsked(t *testing.T) {
	run, fs, errs := fixture()
	raw := fs[2].Secret.Reveal()
	for _, format := range Formats() {
		for _, show := range []bool{false, true} {
			out := string(render(t, format, Options{ShowSecrets: show}, run, fs, errs))
			if got := strings.Contains(out, raw); got != show {
				t.Errorf("format %s, ShowSecrets=%v: output contains raw secret = %v", format, show, got)
			}
			if !show && !strings.Contains(out, fs[2].Secret.Redacted()) {
				t.Errorf("format %s: output lacks the redacted preview", format)
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
		a := render(t, format, Options{}, run, fs, errs)
		b := render(t, format, Options{}, run, reversed, revErrs)
		if diff := cmp.Diff(string(a), string(b)); diff != "" {
			t.Errorf("format %s depends on arrival order (-forward +reversed):\n%s", format, diff)
		}
	}
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
	tests := []struct {
		format  string
		planned bool
		msg     string
	}{
		{"sarif", true, `output format "sarif" is not implemented yet (implemented: text, json)`},
		{"jsonl", true, `output format "jsonl" is not implemented yet (implemented: text, json)`},
		{"markdown", true, `output format "markdown" is not implemented yet (implemented: text, json)`},
		{"xml", false, `unknown output format "xml" (implemented: text, json)`},
		{"", false, `unknown output format "" (implemented: text, json)`},
		{"JSON", false, `unknown output format "JSON" (implemented: text, json)`},
	}
	for _, tt := range tests {
		h, err := New(tt.format, &bytes.Buffer{}, Options{})
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("New(%q) = %v, %v; want a *FormatError", tt.format, h, err)
			continue
		}
		if fe.Planned != tt.planned || fe.Format != tt.format {
			t.Errorf("New(%q) error = %+v, want Planned=%v", tt.format, fe, tt.planned)
		}
		if err.Error() != tt.msg {
			t.Errorf("New(%q) error text = %q, want %q", tt.format, err.Error(), tt.msg)
		}
	}
	for _, format := range Formats() {
		if _, err := New(format, &bytes.Buffer{}, Options{}); err != nil {
			t.Errorf("New(%q) = %v; every listed format must be constructible", format, err)
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
