package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/overshare/overshare/internal/config"
	"github.com/overshare/overshare/internal/detect"
	"github.com/overshare/overshare/internal/finding"
	"github.com/overshare/overshare/internal/report"
)

// globalOptions holds the common flags and the process's streams. Run
// makes one per call and passes it explicitly to every command
// constructor, so nothing is shared between calls or held in globals.
type globalOptions struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	format      string
	output      string
	config      string
	failOn      finding.Severity
	showSecrets bool
	progress    string
	quiet       bool

	// started is set when a command's own RunE begins. An error returned
	// before that came from parsing the command line (cobra or pflag) and
	// is a usage error; see Run.
	started bool
}

func newGlobalOptions(stdin io.Reader, stdout, stderr io.Writer) *globalOptions {
	return &globalOptions{
		stdin:    stdin,
		stdout:   stdout,
		stderr:   stderr,
		format:   "text",
		failOn:   finding.High,
		progress: "auto",
	}
}

// register adds the common flags to fs (the root's persistent flags).
func (g *globalOptions) register(fs *pflag.FlagSet) {
	fs.Var(&choiceValue{target: &g.format, typ: "format", check: checkFormat}, "format", formatUsage())
	fs.StringVar(&g.output, "output", "", "write the report to `FILE` instead of standard output")
	fs.StringVar(&g.config, "config", "", "read settings from `FILE` instead of .overshare.toml")
	fs.Var((*severityValue)(&g.failOn), "fail-on", "exit 1 when a finding is at or above `SEVERITY`: info, low, medium, high, critical")
	fs.BoolVar(&g.showSecrets, "show-secrets", false, "print credentials in full instead of redacted")
	fs.Var(&choiceValue{target: &g.progress, typ: "when", check: checkProgress}, "progress",
		"`WHEN` to show progress on standard error: auto (if it is a terminal), always or never")
	fs.BoolVarP(&g.quiet, "quiet", "q", false, "print nothing on standard error except errors")
}

// formatUsage is the --format help: the formats report can write, and
// those announced but not built yet, if any.
func formatUsage() string {
	usage := "output `FORMAT`: " + strings.Join(report.Formats(), ", ")
	if planned := report.PlannedFormats(); len(planned) > 0 {
		usage += " (" + strings.Join(planned, ", ") + " are planned)"
	}
	return usage
}

func checkFormat(v string) error {
	if slices.Contains(report.Formats(), v) {
		return nil
	}
	return &report.FormatError{Format: v, Planned: slices.Contains(report.PlannedFormats(), v)}
}

func checkProgress(v string) error {
	switch v {
	case "auto", "always", "never":
		return nil
	}
	return fmt.Errorf("want auto, always or never")
}

// requireFormat refuses a --format the command cannot print, rather than
// printing something else under its name.
func (g *globalOptions) requireFormat(command string, formats ...string) error {
	if slices.Contains(formats, g.format) {
		return nil
	}
	return &UsageError{Err: fmt.Errorf("--format %s: %s prints %s only", g.format, command, strings.Join(formats, " or ")),
		Hint: "the report formats jsonl, sarif and markdown are for scan"}
}

// loadConfig reads --config, else .overshare.toml in dir, else defaults.
func (g *globalOptions) loadConfig(dir string) (*config.Config, error) {
	var c *config.Config
	var err error
	if g.config != "" {
		c, err = config.Load(g.config)
	} else {
		c, err = config.Find(dir)
	}
	if err == nil {
		err = c.CheckReasonCodes(detect.ReasonCodes())
	}
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("configuration: %w", err),
			Hint: "the keys of .overshare.toml are listed in the README under Configuration"}
	}
	return c, nil
}

// writeResult writes one command's result to the output: v as indented
// JSON with --format json, else what text writes.
func (g *globalOptions) writeResult(v any, text func(io.Writer) error) error {
	w, done, err := g.openOutput()
	if err != nil {
		return err
	}
	if g.format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		err = enc.Encode(v)
	} else {
		err = text(w)
	}
	if err != nil {
		done()
		return fmt.Errorf("writing the result: %w", err)
	}
	return done()
}

// openOutput returns the writer for the report: standard output, or the
// --output file. Call done when the report is written; its error matters,
// because a file's last write can fail on close.
func (g *globalOptions) openOutput() (w io.Writer, done func() error, err error) {
	if g.output == "" || g.output == "-" {
		return g.stdout, func() error { return nil }, nil
	}
	f, err := os.Create(g.output)
	if err != nil {
		return nil, nil, &UsageError{Err: fmt.Errorf("--output: %w", err)}
	}
	return f, func() error {
		if err := f.Close(); err != nil {
			return fmt.Errorf("writing report to %s: %w", g.output, err)
		}
		return nil
	}, nil
}

// newHandler returns the report handler for --format writing to w.
func (g *globalOptions) newHandler(w io.Writer) (report.Handler, error) {
	h, err := report.New(g.format, w, report.Options{
		ShowSecrets: g.showSecrets,
		Color:       useColor(w),
	})
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("--format: %w", err)}
	}
	return h, nil
}

// runInfo records how this run was made, for the head of the report.
func (g *globalOptions) runInfo(command string, args []string) report.RunInfo {
	opts := map[string]string{
		"format":       g.format,
		"fail-on":      g.failOn.String(),
		"show-secrets": strconv.FormatBool(g.showSecrets),
		"progress":     g.progress,
		"quiet":        strconv.FormatBool(g.quiet),
	}
	if g.output != "" {
		opts["output"] = g.output
	}
	if g.config != "" {
		opts["config"] = g.config
	}
	return report.RunInfo{Tool: toolInfo(), Command: command, Args: args, Options: opts}
}

// useColor reports whether w is a terminal that wants colour. It checks
// for a character device with the standard library rather than adding a
// dependency; the one false positive, /dev/null, is never read. NO_COLOR
// (https://no-color.org) and TERM=dumb turn colour off.
func useColor(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	if _, set := os.LookupEnv("NO_COLOR"); set || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// choiceValue is a string flag restricted by check, so a bad value is
// refused while the command line is parsed, with the flag's name.
type choiceValue struct {
	target *string
	typ    string
	check  func(string) error
}

func (v *choiceValue) String() string { return *v.target }
func (v *choiceValue) Type() string   { return v.typ }
func (v *choiceValue) Set(s string) error {
	if err := v.check(s); err != nil {
		return err
	}
	*v.target = s
	return nil
}

// severityValue is a flag holding a finding.Severity.
type severityValue finding.Severity

func (v *severityValue) String() string { return finding.Severity(*v).String() }
func (v *severityValue) Type() string   { return "severity" }
func (v *severityValue) Set(s string) error {
	sev, err := finding.ParseSeverity(s)
	if err != nil {
		return err
	}
	*v = severityValue(sev)
	return nil
}
