package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/overshare/overshare/internal/report"
)

func newVersionCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version information",
		Long: `Print the version of overshare and of the Go toolchain that built it.
With --format json, print {"tool": {"name": "overshare", "version": ...}},
the same "tool" object that starts every JSON report.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVersion(g)
		},
	}
}

func runVersion(g *globalOptions) error {
	if err := g.requireFormat("version", "text", "json"); err != nil {
		return err
	}
	return g.writeResult(struct {
		Tool report.ToolInfo `json:"tool"`
	}{toolInfo()}, func(w io.Writer) error {
		_, err := fmt.Fprint(w, versionText())
		return err
	})
}

// toolInfo names this build. The version comes from the module version
// stamped by `go install module@version`; a build from a checkout is
// "(devel)".
func toolInfo() report.ToolInfo {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	return report.ToolInfo{Name: "overshare", Version: v}
}

func versionText() string {
	s := fmt.Sprintf("overshare %s\n%s %s/%s\n", toolInfo().Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return s
	}
	var rev, when, modified string
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value
		case "vcs.time":
			when = kv.Value
		case "vcs.modified":
			if kv.Value == "true" {
				modified = " (modified)"
			}
		}
	}
	if rev != "" {
		s += fmt.Sprintf("commit %s%s %s\n", rev, modified, when)
	}
	return s
}
