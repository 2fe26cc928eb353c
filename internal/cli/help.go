package cli

import (
	"strings"

	"github.com/spf13/cobra"
)

// newHelpCmd replaces cobra's help command, which prints "Unknown help
// topic" and exits 0 for a typo; ours makes that a usage error.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "Show help for a command",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			target, rest, err := root.Find(args)
			switch {
			case err != nil || (target == root && len(args) > 0):
				return unknownCommand(root, args[0])
			case len(rest) > 0:
				e := usageErrorf("no help topic %q", strings.Join(args, " "))
				e.Hint = helpHint(target)
				return e
			}
			return target.Help()
		},
	}
}
