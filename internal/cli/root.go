package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// rootLong is the root help. The exit codes are the contract of
// design.md, word for word in meaning; scripts and CI gates depend on them.
const rootLong = `overshare finds leaked shared-access credentials (Azure SAS tokens first)
and tells what each one exposes, for how long, and how to revoke it.

Exit codes:
  0  nothing at or above --fail-on
  1  findings at or above --fail-on
  2  usage or configuration error
  3  the run could not finish or some inputs could not be read
     (and nothing reached --fail-on)

Errors go to standard error as "overshare: error: ..."; standard output
carries only the report.`

// newRootCmd builds the command tree for one Run.
//
// To add a command, create <name>.go with a constructor that takes the
// common options explicitly:
//
//	func newNameCmd(g *globalOptions) *cobra.Command {
//		var opts struct{ keysFile string } // command flags live here, not in globals
//		cmd := &cobra.Command{
//			Use:   "name ARG",
//			Short: "one line for the command list",
//			Args:  cobra.ExactArgs(1),
//			RunE: func(cmd *cobra.Command, args []string) error {
//				return runName(cmd.Context(), g, opts.keysFile, args[0])
//			},
//		}
//		cmd.Flags().StringVar(&opts.keysFile, "keys-file", "", "read keys from `FILE`")
//		return cmd
//	}
//
// then add newNameCmd(g) to root.AddCommand below, document the command in
// cmd/overshare/doc.go and give it a testdata/script/name.txtar. runName
// writes its report with g.openOutput and g.newHandler and returns a
// *UsageError for bad input, a *FindingsError when findings reach
// g.failOn and an *IncompleteError when inputs were skipped. Cobra's own
// argument and flag errors need no wrapping: Run turns every error raised
// before RunE starts into a usage error (exit 2).
func newRootCmd(g *globalOptions) *cobra.Command {
	root := &cobra.Command{
		Use:   "overshare",
		Short: "Find leaked shared-access credentials and say how bad each one is",
		Long:  rootLong,
		// Errors and usage are printed once, by Run, in our format.
		SilenceErrors: true,
		SilenceUsage:  true,
		// The root accepts any arguments so that an unknown command reaches
		// RunE and becomes a usage error with suggestions; otherwise cobra
		// would print help and exit 0 for some typos.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return unknownCommand(cmd, args[0])
		},
		// cobra applies this default only on its own unknown-command path,
		// which the root's RunE replaces.
		SuggestionsMinimumDistance: 2,
		CompletionOptions:          cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	g.register(root.PersistentFlags())
	root.AddCommand(
		newScanCmd(g),
		newBaselineCmd(g),
		newInspectCmd(g),
		newAttributeCmd(g),
		newVerifyCmd(g),
		newMintCmd(g),
		newRevokeCmd(g),
		newVersionCmd(g),
	)
	markStarted(root, g)

	// Cobra adds the help command only when executing, so it is not in the
	// tree markStarted just walked.
	help := newHelpCmd()
	markStarted(help, g)
	root.SetHelpCommand(help)
	return root
}

// markStarted wraps the RunE of every command in the tree to record that
// parsing is over and the command itself is running. Commands must use
// RunE, not Run, so that they can return errors at all.
func markStarted(c *cobra.Command, g *globalOptions) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			g.started = true
			return run(cmd, args)
		}
	}
	for _, sub := range c.Commands() {
		markStarted(sub, g)
	}
}

func unknownCommand(root *cobra.Command, name string) error {
	err := usageErrorf("unknown command %q", name)
	err.Hint = "run 'overshare help' for the list of commands"
	if s := root.SuggestionsFor(name); len(s) > 0 {
		err.Hint = fmt.Sprintf("did you mean 'overshare %s'? %s", strings.Join(s, "' or 'overshare "), err.Hint)
	}
	return err
}

// helpHint points at the help of the command where parsing failed.
func helpHint(c *cobra.Command) string {
	if c == nil || !c.HasParent() {
		return "run 'overshare help'"
	}
	path := strings.TrimPrefix(c.CommandPath(), c.Root().Name()+" ")
	return fmt.Sprintf("run 'overshare help %s'", path)
}
