package cli

import (
	"errors"
	"fmt"

	"github.com/overshare/overshare/internal/finding"
)

// Exit codes. They are part of the command-line contract (design.md) and
// are documented in the root command's help.
const (
	// ExitOK: nothing at or above --fail-on.
	ExitOK = 0
	// ExitFindings: findings at or above --fail-on.
	ExitFindings = 1
	// ExitUsage: the command line or the configuration is wrong.
	ExitUsage = 2
	// ExitIncomplete: the run could not finish or some inputs could not be
	// read, and nothing reached --fail-on.
	ExitIncomplete = 3
)

// ExitCode maps the error returned by [Run] to the process exit code.
// It is the only place that decides exit codes.
//
// Precedence, when errors are joined (errors.Join): findings (1) win over
// a usage error (2), which wins over an incomplete run (3). Findings win
// because a CI gate must fail on a leaked credential even if another
// input could not be read; that is what "3 ... and nothing reached
// --fail-on" in the contract means.
//
// An error of no known type maps to 3, not 2. Exit 2 tells the user "your
// command line or configuration is wrong, fix it and retry"; every input
// and usage problem is reported as a [*UsageError] (cobra's own parse
// errors are converted in [Run]), so an unclassified error is something
// else going wrong — a write to the report failing, an interrupt, a bug —
// and the honest statement is 3: the run did not finish.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var fe *FindingsError
	if errors.As(err, &fe) {
		return ExitFindings
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitIncomplete
}

// UsageError is a wrong command line or configuration: exit code 2.
type UsageError struct {
	Err error
	// Hint tells the user how to fix it, e.g. "run 'overshare help scan'".
	Hint string
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }
func (e *UsageError) errorHint() string {
	return e.Hint
}

// usageErrorf returns a *UsageError with a formatted message. Add a hint
// with the Hint field or [WithHint].
func usageErrorf(format string, args ...any) *UsageError {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// FindingsError says that findings reached --fail-on: exit code 1. It is
// not a failure of the program; Run reports it as a note, not an error.
type FindingsError struct {
	// Count is the number of findings at or above FailOn.
	Count  int
	FailOn finding.Severity
}

func (e *FindingsError) Error() string {
	noun := "findings"
	if e.Count == 1 {
		noun = "finding"
	}
	return fmt.Sprintf("%d %s at or above --fail-on %s", e.Count, noun, e.FailOn)
}

// IncompleteError says the run did not cover everything: exit code 3.
// Either Err is the reason it stopped, or Unreadable inputs were skipped
// (each already reported in the output's errors).
type IncompleteError struct {
	Unreadable int
	Err        error
}

func (e *IncompleteError) Error() string {
	switch {
	case e.Err != nil && e.Unreadable > 0:
		return fmt.Sprintf("run incomplete: %v (and %d inputs could not be read)", e.Err, e.Unreadable)
	case e.Err != nil:
		return fmt.Sprintf("run incomplete: %v", e.Err)
	case e.Unreadable == 1:
		return "run incomplete: 1 input could not be read"
	}
	return fmt.Sprintf("run incomplete: %d inputs could not be read", e.Unreadable)
}

func (e *IncompleteError) Unwrap() error { return e.Err }

// WithHint annotates err with a hint that Run prints on its own line as
// "overshare: hint: ...". The error's type, message and exit code are
// unchanged. It returns nil for a nil err and err itself for an empty hint.
func WithHint(err error, hint string) error {
	if err == nil || hint == "" {
		return err
	}
	return &hintError{err: err, hint: hint}
}

type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string     { return e.err.Error() }
func (e *hintError) Unwrap() error     { return e.err }
func (e *hintError) errorHint() string { return e.hint }

// hintOf returns the outermost non-empty hint in err's chain: the caller
// that wrapped last knows most about what the user was doing.
func hintOf(err error) string {
	type hinter interface{ errorHint() string }
	for err != nil {
		if h, ok := err.(hinter); ok && h.errorHint() != "" {
			return h.errorHint()
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if h := hintOf(e); h != "" {
					return h
				}
			}
			return ""
		default:
			return ""
		}
	}
	return ""
}
