package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/overshare/overshare/internal/finding"
	"github.com/overshare/overshare/internal/report"
)

func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = Run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

// cobra reads os.Args when its argument list is nil. This test points
// os.Args at an unknown command (not parallel: it changes process state),
// so it fails if Run lets cobra fall back to it.
func TestRunNilArgsMeansNoArgs(t *testing.T) {
	saved := os.Args
	t.Cleanup(func() { os.Args = saved })
	os.Args = []string{"overshare", "nosuchcommand"}

	var out, errOut bytes.Buffer
	err := Run(context.Background(), nil, strings.NewReader(""), &out, &errOut)
	if err != nil {
		t.Fatalf("Run(nil args) = %v; stderr: %s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "Exit codes:") {
		t.Errorf("Run(nil args) did not print the root help:\n%s", out.String())
	}
}

// Each Run builds its own command tree: a flag set in one call must not
// leak into the next.
func TestRunSharesNoState(t *testing.T) {
	if out, _, err := run(t, "version", "--format", "json"); err != nil || !strings.HasPrefix(out, "{") {
		t.Fatalf("first run: %q, %v", out, err)
	}
	out, _, err := run(t, "version")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "overshare ") {
		t.Errorf("second run inherited --format json from the first:\n%s", out)
	}
}

func TestVersionJSON(t *testing.T) {
	out, stderr, err := run(t, "version", "--format", "json")
	if err != nil || stderr != "" {
		t.Fatalf("version --format json: %v, stderr %q", err, stderr)
	}
	var got map[string]map[string]string
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not the expected JSON: %v\n%s", err, out)
	}
	want := map[string]map[string]string{"tool": {"name": "overshare", "version": toolInfo().Version}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("version JSON mismatch (-want +got):\n%s", diff)
	}
}

func TestRunReturnsTypedUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"nosuch"},
		{"--format", "xml", "version"},
		{"--fail-on", "x", "version"},
		{"version", "extra"},
		{"help", "nosuch"},
		{"--config", "missing.toml", "inspect", "sv=2025-11-05&sp=r&sr=c&se=2030-01-01&sig=REDACTED"},
	} {
		_, stderr, err := run(t, args...)
		if ExitCode(err) != ExitUsage {
			t.Errorf("%q: ExitCode = %d (%v), want %d", args, ExitCode(err), err, ExitUsage)
		}
		if strings.Count(stderr, "overshare: error: ") != 1 || !strings.Contains(stderr, "overshare: hint: ") {
			t.Errorf("%q: stderr should have one error line and a hint:\n%s", args, stderr)
		}
	}
}

func TestGlobalOptionsOutput(t *testing.T) {
	g := newGlobalOptions(strings.NewReader(""), io.Discard, io.Discard)
	g.output = filepath.Join(t.TempDir(), "report.json")
	g.format = "json"
	w, done, err := g.openOutput()
	if err != nil {
		t.Fatal(err)
	}
	h, err := g.newHandler(w)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(g.runInfo("scan", []string{"."})); err != nil {
		t.Fatal(err)
	}
	if err := h.Finding(&finding.Finding{ID: "1", Rule: "azure-sas", Severity: finding.High, Title: "t"}); err != nil {
		t.Fatal(err)
	}
	if err := h.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := done(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(g.output)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Tool struct {
			Name    string            `json:"name"`
			Command string            `json:"command"`
			Args    []string          `json:"args"`
			Options map[string]string `json:"options"`
		} `json:"tool"`
		Summary report.Summary `json:"summary"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	wantOpts := map[string]string{
		"format": "json", "fail-on": "high", "show-secrets": "false",
		"progress": "auto", "quiet": "false", "output": g.output,
	}
	if diff := cmp.Diff(wantOpts, got.Tool.Options); diff != "" {
		t.Errorf("recorded options mismatch (-want +got):\n%s", diff)
	}
	if got.Tool.Name != "overshare" || got.Tool.Command != "scan" || !cmp.Equal(got.Tool.Args, []string{"."}) {
		t.Errorf("run info not recorded: %+v", got.Tool)
	}
	if got.Summary.Findings != 1 || got.Summary.BySeverity.High != 1 {
		t.Errorf("summary = %+v, want one high finding", got.Summary)
	}
}

func TestUseColor(t *testing.T) {
	if useColor(&bytes.Buffer{}) {
		t.Error("a buffer is not a terminal")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if useColor(w) {
		t.Error("a pipe is not a terminal")
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if useColor(f) {
		t.Error("a regular file is not a terminal")
	}
}
