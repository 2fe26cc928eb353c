package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/overshare/overshare/internal/finding"
	"github.com/overshare/overshare/internal/report"
	"github.com/overshare/overshare/pickle"
)

// isFile reports whether arg names a regular file, which inspect reads as
// a model file rather than as a token.
func isFile(arg string) bool {
	if arg == "-" || strings.Contains(arg, "?") || strings.Contains(arg, "=") {
		return false
	}
	fi, err := os.Stat(arg)
	return err == nil && fi.Mode().IsRegular()
}

// modelReport is the JSON form of inspect on a model file.
type modelReport struct {
	Path     string `json:"path"`
	Severity string `json:"severity"`
	*pickle.FileResult
	Error string `json:"error,omitempty"`
}

func runInspectModel(g *globalOptions, path string) error {
	cfg, err := g.loadConfig(".")
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return &UsageError{Err: fmt.Errorf("reading %s: %w", path, err)}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	res := pickle.ScanFile(f, fi.Size(), pickle.Options{Allow: cfg.PickleAllow})
	sev := modelSeverity(res)
	rep := modelReport{Path: path, Severity: sev.String(), FileResult: res}
	if res.Err != nil {
		rep.Error = res.Err.Error()
	}
	if err := g.writeResult(rep, func(w io.Writer) error { return writeModelText(w, path, res, sev) }); err != nil {
		return err
	}
	if sev >= g.failOn {
		return &FindingsError{Count: 1, FailOn: g.failOn}
	}
	return nil
}

// modelSeverity maps a verdict to a severity as scan does: malicious is
// critical, suspicious medium, unknown low, safe info.
func modelSeverity(res *pickle.FileResult) finding.Severity {
	switch res.Verdict {
	case pickle.Malicious:
		return finding.Critical
	case pickle.Suspicious:
		return finding.Medium
	case pickle.Unknown:
		return finding.Low
	}
	return finding.Info
}

func writeModelText(w io.Writer, path string, res *pickle.FileResult, sev finding.Severity) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s, verdict %s (severity %s)\n", report.Clean(path), res.Format, strings.ToUpper(res.Verdict.String()), sev)
	if res.Err != nil {
		fmt.Fprintf(&b, "  error: %s\n", report.Clean(res.Err.Error()))
	}
	for _, f := range res.Findings {
		fmt.Fprintf(&b, "  %-10s %s: %s\n", f.Verdict, f.Code, report.Clean(f.Text))
	}
	for _, e := range res.Entries {
		name := e.Name
		if name == "" {
			name = "(the file)"
		}
		r := e.Result
		fmt.Fprintf(&b, "\n  pickle %s at offset %d: protocol %d, %d pickle(s), verdict %s\n", report.Clean(name), e.Offset, r.Protocol, r.Pickles, r.Verdict)
		for _, im := range r.Imports {
			fmt.Fprintf(&b, "    import  @%-8d %-10s %s.%s (%s)", im.Offset, im.Verdict, report.Clean(im.Module), report.Clean(im.Name), im.Opcode)
			if im.Reason != "" {
				fmt.Fprintf(&b, ": %s", report.Clean(im.Reason))
			}
			b.WriteString("\n")
		}
		for _, c := range r.Calls {
			fmt.Fprintf(&b, "    call    @%-8d %-10s %s (%s)", c.Offset, c.Verdict, report.Clean(c.Callable), c.Opcode)
			if len(c.Args) > 0 {
				fmt.Fprintf(&b, " args %s", report.Clean(strings.Join(c.Args, ", ")))
			}
			b.WriteString("\n")
		}
		for _, f := range r.Findings {
			fmt.Fprintf(&b, "    %-10s %s @%d: %s\n", f.Verdict, f.Code, f.Offset, report.Clean(f.Text))
			if len(f.Chain) > 0 {
				fmt.Fprintf(&b, "               chain: %s\n", report.Clean(strings.Join(f.Chain, " -> ")))
			}
			for _, ev := range f.Evidence {
				fmt.Fprintf(&b, "               evidence: %s\n", report.Clean(ev))
			}
		}
	}
	if res.Verdict == pickle.Malicious {
		b.WriteString("\nDo not load this file: loading it runs the calls above. Load models with torch.load(weights_only=True) or use safetensors.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
