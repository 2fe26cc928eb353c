package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/overshare/overshare/internal/finding"
)

func TestExitCode(t *testing.T) {
	findings := &FindingsError{Count: 2, FailOn: finding.High}
	usage := usageErrorf("bad flag")
	incomplete := &IncompleteError{Unreadable: 1}
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"findings", findings, 1},
		{"findings wrapped", fmt.Errorf("scanning: %w", findings), 1},
		{"findings with hint", WithHint(findings, "see the report"), 1},
		{"usage", usage, 2},
		{"usage wrapped", fmt.Errorf("parsing: %w", usage), 2},
		{"usage with hint", WithHint(usage, "run help"), 2},
		{"incomplete", incomplete, 3},
		{"incomplete with cause", &IncompleteError{Err: context.Canceled}, 3},
		{"unclassified", errors.New("writing report: disk full"), 3},
		{"context canceled", context.Canceled, 3},
		{"findings outrank incomplete", errors.Join(incomplete, findings), 1},
		{"findings outrank usage", errors.Join(usage, findings), 1},
		{"usage outranks incomplete", errors.Join(incomplete, usage), 2},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("%s: ExitCode(%v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestWithHint(t *testing.T) {
	base := errors.New("boom")
	if WithHint(nil, "h") != nil {
		t.Error("WithHint(nil) is not nil")
	}
	if WithHint(base, "") != base {
		t.Error("WithHint with an empty hint does not return err unchanged")
	}
	h := WithHint(base, "try again")
	if !errors.Is(h, base) || h.Error() != "boom" {
		t.Errorf("WithHint changed the error: %v", h)
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"none", base, ""},
		{"direct", h, "try again"},
		{"wrapped", fmt.Errorf("ctx: %w", h), "try again"},
		{"usage field", &UsageError{Err: base, Hint: "fix the flag"}, "fix the flag"},
		{"outermost wins", WithHint(&UsageError{Err: base, Hint: "inner"}, "outer"), "outer"},
		{"empty usage hint falls through", &UsageError{Err: h}, "try again"},
		{"joined", errors.Join(base, h), "try again"},
	}
	for _, tt := range tests {
		if got := hintOf(tt.err); got != tt.want {
			t.Errorf("%s: hintOf = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&FindingsError{Count: 1, FailOn: finding.Critical}, "1 finding at or above --fail-on critical"},
		{&FindingsError{Count: 3, FailOn: finding.High}, "3 findings at or above --fail-on high"},
		{&IncompleteError{Unreadable: 1}, "run incomplete: 1 input could not be read"},
		{&IncompleteError{Unreadable: 4}, "run incomplete: 4 inputs could not be read"},
		{&IncompleteError{Err: context.Canceled}, "run incomplete: context canceled"},
		{&IncompleteError{Err: context.Canceled, Unreadable: 2}, "run incomplete: context canceled (and 2 inputs could not be read)"},
		{usageErrorf("bad %s", "thing"), "bad thing"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestPrintError(t *testing.T) {
	findings := &FindingsError{Count: 2, FailOn: finding.High}
	tests := []struct {
		name  string
		err   error
		quiet bool
		want  string
	}{
		{"nil", nil, false, ""},
		{"plain", errors.New("reading x: denied"), false, "overshare: error: reading x: denied\n"},
		{"usage with hint", &UsageError{Err: errors.New("bad"), Hint: "run 'overshare help'"}, false,
			"overshare: error: bad\novershare: hint: run 'overshare help'\n"},
		{"findings are a note", findings, false, "overshare: 2 findings at or above --fail-on high\n"},
		{"findings note is quiet", findings, true, ""},
		{"quiet keeps errors", errors.New("bad"), true, "overshare: error: bad\n"},
		{"joined keeps the prefix on each line", errors.Join(&IncompleteError{Unreadable: 1}, findings), false,
			"overshare: error: run incomplete: 1 input could not be read\novershare: error: 2 findings at or above --fail-on high\n"},
		{"control characters escaped", fmt.Errorf("reading %s: denied", "evil\x1b[2J\rname"), false,
			`overshare: error: reading evil\x1b[2J\rname: denied` + "\n"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		printError(&buf, tt.err, tt.quiet)
		if diff := cmp.Diff(tt.want, buf.String()); diff != "" {
			t.Errorf("%s: stderr mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestClassify(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	parseErr := errors.New("unknown flag: --x")

	// Before the command starts, any error is a usage error with a hint.
	err := classify(context.Background(), parseErr, false, nil)
	var ue *UsageError
	if !errors.As(err, &ue) || ue.Hint != "run 'overshare help'" || !errors.Is(err, parseErr) {
		t.Errorf("parse error classified as %#v", err)
	}
	// A usage error keeps its own hint.
	own := &UsageError{Err: parseErr, Hint: "mine"}
	if got := classify(context.Background(), own, false, nil); got != error(own) {
		t.Errorf("usage error replaced: %#v", got)
	}
	// Once the command runs, errors keep their meaning.
	if got := classify(context.Background(), parseErr, true, nil); got != parseErr {
		t.Errorf("runtime error changed: %#v", got)
	}
	// An interrupt is an incomplete run.
	got := classify(ctx, fmt.Errorf("scanning: %w", context.Canceled), true, nil)
	var ie *IncompleteError
	if !errors.As(got, &ie) || ExitCode(got) != ExitIncomplete || got.Error() != "run incomplete: interrupted: scanning: context canceled" {
		t.Errorf("interrupt classified as %v", got)
	}
}
