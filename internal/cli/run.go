// Package cli is the overshare command line: one file per command, flags
// parsed into options structs and handed to the engine packages. [Run] is
// the whole program minus the process: main calls it with the real
// arguments and streams, tests call it in-process.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/overshare/overshare/internal/report"
)

// Run runs overshare with args (without the program name). The report
// goes to stdout (or --output); errors, hints and notes go to stderr, each
// line prefixed "overshare: ". The returned error is for [ExitCode]; Run
// has already printed it.
//
// Every call builds a fresh command tree, so calls share no state.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if args == nil {
		// cobra reads os.Args when given nil; a caller that passes no
		// arguments means none.
		args = []string{}
	}
	g := newGlobalOptions(stdin, stdout, stderr)
	root := newRootCmd(g)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)

	cmd, err := root.ExecuteContextC(ctx)
	err = classify(ctx, err, g.started, cmd)
	printError(stderr, err, g.quiet)
	return err
}

// classify gives errors that commands did not type themselves their
// meaning for the exit code.
func classify(ctx context.Context, err error, started bool, failed *cobra.Command) error {
	if err == nil {
		return nil
	}
	var ue *UsageError
	if !started && !errors.As(err, &ue) {
		// cobra and pflag report bad commands, flags and argument counts
		// as plain errors before the command runs; all are usage errors.
		return &UsageError{Err: err, Hint: helpHint(failed)}
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return &IncompleteError{Err: fmt.Errorf("interrupted: %w", err)}
	}
	return err
}

// printError writes err to stderr in the one format users and scripts
// see: "overshare: error: <msg>" then "overshare: hint: <hint>". Findings
// over --fail-on are a result, not a failure, so they get a plain note
// (suppressed by --quiet); the report itself lists them.
func printError(stderr io.Writer, err error, quiet bool) {
	if err == nil {
		return
	}
	var fe *FindingsError
	if errors.As(err, &fe) && err == error(fe) {
		if !quiet {
			fmt.Fprintf(stderr, "overshare: %s\n", report.Clean(fe.Error()))
		}
		return
	}
	// A joined error has one message per line; keep the prefix on each so
	// every line is recognisable, and escape the rest so a hostile file
	// name in a message cannot drive the terminal.
	for line := range strings.SplitSeq(err.Error(), "\n") {
		fmt.Fprintf(stderr, "overshare: error: %s\n", report.Clean(line))
	}
	if hint := hintOf(err); hint != "" {
		fmt.Fprintf(stderr, "overshare: hint: %s\n", report.Clean(hint))
	}
}
