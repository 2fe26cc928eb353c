package cli

import (
	"errors"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/overshare/overshare/internal/azure"
)

// policiesResult is the JSON output of verify --policies.
type policiesResult struct {
	Account    string                    `json:"account_url"`
	Checked    time.Time                 `json:"checked_at"`
	Containers []azure.ContainerPolicies `json:"containers"`
}

// runPolicies is verify --policies: the stored access policy audit.
func runPolicies(cmd *cobra.Command, g *globalOptions, opts verifyOptions, args []string) error {
	if err := g.requireFormat("verify", "text", "json"); err != nil {
		return err
	}
	switch {
	case len(args) > 0:
		return usageErrorf("verify --policies audits an account and takes no token")
	case opts.accountURL == "":
		return &UsageError{Err: errors.New("--policies needs --account-url"), Hint: "e.g. --account-url https://ACCOUNT.blob.core.windows.net"}
	case opts.keysFile == "":
		return &UsageError{Err: errors.New("--policies needs --keys-file: listing containers and reading their ACLs takes the account key")}
	}
	ak, err := readKeys(opts.keysFile, g.stdin)
	if err != nil {
		return err
	}
	cfg, err := g.loadConfig(".")
	if err != nil {
		return err
	}
	pol := cfg.Policy
	now := time.Now().UTC()
	got, err := azure.AuditPolicies(cmd.Context(), azure.Owner{AccountURL: opts.accountURL, Endpoint: opts.endpoint,
		Key: ak.keys[0], Timeout: opts.timeout}, pol, now)
	if err != nil {
		return ownerError(err, "verify")
	}
	out := policiesResult{Account: opts.accountURL, Checked: now, Containers: got}
	return g.writeResult(out, func(w io.Writer) error {
		ew := &errWriter{w: w}
		n := 0
		for _, c := range got {
			n += len(c.Policies)
		}
		ew.printf("%d containers, %d stored access policies\n", len(got), n)
		for _, c := range got {
			ew.printf("container %s", c.Container)
			if c.PublicAccess != "" {
				ew.printf(" (public access: %s)", c.PublicAccess)
			}
			switch {
			case c.Error != "":
				ew.printf(": %s\n", c.Error)
				continue
			case len(c.Policies) == 0:
				ew.printf(": no stored access policies\n")
				continue
			}
			ew.printf("\n")
			for _, p := range c.Policies {
				ew.printf("  %s %s: permissions %q, start %s, expiry %s\n", strings.ToUpper(p.Severity.String()), p.ID, p.Permissions, when(p.Start), when(p.Expiry))
				for _, r := range p.Reasons {
					ew.printf("    %s [%s]: %s\n", r.Severity, r.Code, r.Text)
				}
			}
		}
		return ew.err
	})
}

func when(t *time.Time) string {
	if t == nil {
		return "none"
	}
	return t.Format(time.RFC3339)
}
