package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/overshare/overshare/internal/azure"
	"github.com/overshare/overshare/sas"
)

const revokeLong = `Say exactly what revoking a SAS takes and what else it breaks, and for a
token bound to a stored access policy, do it with --execute.

  - A service SAS bound to a stored access policy (si): deleting that
    policy on its container revokes it, and every other token naming the
    policy, and nothing else. --execute deletes exactly that policy
    (read-modify-write of the container ACL: the other policies and the
    public access level are kept; the first key of --keys-file authorizes
    it). Never re-create a policy with the same Id: that revives every
    token that names it. Changes take up to 30 s to apply.
  - A SAS signed with an account key and bound to no policy (an ad-hoc
    service SAS or an account SAS): rotating the key that signed it is the
    only revocation. revoke names that key (from --keys-file), prints the
    Azure CLI command, and with --inventory REPORT.json (the JSON report
    of 'overshare scan --format json') lists every other live key-signed
    token of the same account that rotation may also kill. The report's
    secrets are redacted, so it cannot say which of the two keys signed
    each of them: rotating one key kills those it signed, at most all.
  - A user delegation SAS: revoking the account's user delegation keys
    (Azure CLI), which revokes every user delegation SAS of the account.

Only --execute changes anything, and only a stored access policy; key
rotation and delegation-key revocation are for the Azure CLI.

Exit codes: 0 done or explained; 2 for a usage error or a refused host;
3 when --execute could not reach the service or was refused.`

type revokeOptions struct {
	keysFile  string
	inventory string
	execute   bool
	endpoint  string
	timeout   time.Duration
}

func newRevokeCmd(g *globalOptions) *cobra.Command {
	var opts revokeOptions
	cmd := &cobra.Command{
		Use:   "revoke --keys-file F [--execute] [--inventory REPORT.json] [--endpoint HOST] TOKEN|URL|-",
		Short: "Say what revoking a token takes and breaks; delete its stored access policy with --execute",
		Long:  revokeLong,
		Example: `  overshare revoke --keys-file keys.txt --inventory report.json - < token.txt
  overshare revoke --keys-file keys.txt --execute 'https://acct.blob.core.windows.net/c?si=os-...&sig=...'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRevoke(cmd, g, opts, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.keysFile, "keys-file", "", "the account keys, from `FILE` ('-' for standard input)")
	f.StringVar(&opts.inventory, "inventory", "", "a JSON scan report (`REPORT.json`) listing other known tokens")
	f.BoolVar(&opts.execute, "execute", false, "delete the token's stored access policy (policy-bound tokens only)")
	f.StringVar(&opts.endpoint, "endpoint", "", "send requests to `HOST[:PORT]` (or http(s)://HOST[:PORT]) instead of the token's host; allows non-Azure and loopback hosts")
	f.DurationVar(&opts.timeout, "timeout", 15*time.Second, "give up on each request after `DURATION`")
	return cmd
}

func runRevoke(cmd *cobra.Command, g *globalOptions, opts revokeOptions, arg string) error {
	if err := g.requireFormat("revoke", "text", "json"); err != nil {
		return err
	}
	if opts.keysFile == "" {
		return &UsageError{Err: errors.New("--keys-file is required: revoke names the key that signed the token, and --execute writes the container ACL"),
			Hint: "write key1=BASE64 and key2=BASE64 to a file, or save 'az storage account keys list' JSON"}
	}
	if opts.keysFile == "-" && arg == "-" {
		return usageErrorf("the keys and the token cannot both come from standard input")
	}
	var inv []azure.InventoryEntry
	if opts.inventory != "" {
		var err error
		if inv, err = readInventory(opts.inventory); err != nil {
			return err
		}
	}
	ak, err := readKeys(opts.keysFile, g.stdin)
	if err != nil {
		return err
	}
	tok, err := readToken(g, arg)
	if err != nil {
		return err
	}
	plan := azure.PlanRevoke(tok, ak.keys, inv)
	if opts.execute {
		if plan.Kind != azure.RevokeKindStoredPolicy {
			return &UsageError{Err: fmt.Errorf("--execute deletes a stored access policy, and this %s token is bound to none", plan.Kind),
				Hint: "run without --execute to see how to revoke it: " + plan.Action}
		}
		if tok.Endpoint == "" {
			return &UsageError{Err: azure.ErrNoURL, Hint: "give the full URL the token was used with"}
		}
		left, err := azure.DeletePolicy(cmd.Context(), azure.Owner{AccountURL: tok.Endpoint, Endpoint: opts.endpoint,
			Key: ak.keys[0], Timeout: opts.timeout}, plan.Container, plan.Policy)
		if err != nil {
			return ownerError(err, "revoke")
		}
		plan.Executed, plan.RemainingPolicies = true, left
		if plan.RemainingPolicies == nil {
			plan.RemainingPolicies = []string{}
		}
	}
	return g.writeResult(plan, func(w io.Writer) error { return writeRevokeText(w, tok, plan) })
}

func writeRevokeText(w io.Writer, tok *sas.Token, p azure.RevokePlan) error {
	ew := &errWriter{w: w}
	ew.printf("%s token: %s\n", p.Kind, tok.Summary())
	if p.SignedWith != "" {
		ew.printf("  signed with: %s\n", p.SignedWith)
	}
	if p.Executed {
		ew.printf("done: deleted stored access policy %s on container %s; policies left: %s\n", p.Policy, p.Container, strings.Join(p.RemainingPolicies, ", "))
		ew.printf("  tokens naming it stop working within 30 s\n")
	} else {
		ew.printf("to revoke: %s\n", p.Action)
		if p.Kind == azure.RevokeKindStoredPolicy {
			ew.printf("  run again with --execute to delete the policy\n")
		}
	}
	for _, c := range p.Commands {
		ew.printf("  $ %s\n", c)
	}
	for _, s := range p.Warnings {
		ew.printf("warning: %s\n", s)
	}
	if p.AlsoRevokesNote != "" {
		ew.printf("also revokes: %s\n", p.AlsoRevokesNote)
	}
	for _, k := range p.AlsoRevokes {
		ew.printf("  %s %s", k.ID, k.Kind)
		if k.Path != "" {
			ew.printf(" %s", k.Path)
		}
		if k.StoredPolicy != "" {
			ew.printf(" (policy %s)", k.StoredPolicy)
		}
		if k.Location != "" {
			ew.printf(" at %s", k.Location)
		}
		ew.printf("\n")
	}
	return ew.err
}

// readInventory reads the azure-sas findings of a JSON scan report.
func readInventory(path string) ([]azure.InventoryEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("--inventory: %w", err)}
	}
	var report struct {
		Findings *[]struct {
			ID        string `json:"id"`
			Rule      string `json:"rule"`
			Locations []struct {
				Path   string `json:"path"`
				Line   int    `json:"line"`
				Commit string `json:"commit"`
			} `json:"locations"`
			Token *struct {
				Kind         string `json:"kind"`
				Account      string `json:"account"`
				Resource     string `json:"resource"`
				Path         string `json:"path"`
				StoredPolicy string `json:"stored_policy"`
				Expired      bool   `json:"expired"`
			} `json:"token"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(data, &report); err != nil || report.Findings == nil {
		if err == nil {
			err = errors.New(`no "findings"`)
		}
		return nil, &UsageError{Err: fmt.Errorf("--inventory %s: %w", path, err), Hint: "give the report of 'overshare scan --format json'"}
	}
	var out []azure.InventoryEntry
	for _, f := range *report.Findings {
		if f.Rule != "azure-sas" || f.Token == nil {
			continue
		}
		e := azure.InventoryEntry{KnownToken: azure.KnownToken{ID: f.ID, Kind: f.Token.Kind, Resource: f.Token.Resource,
			Path: f.Token.Path, StoredPolicy: f.Token.StoredPolicy}, Account: f.Token.Account, Expired: f.Token.Expired}
		if len(f.Locations) > 0 {
			l := f.Locations[0]
			e.Location = l.Path
			if l.Line > 0 {
				e.Location += fmt.Sprintf(":%d", l.Line)
			}
			if l.Commit != "" {
				e.Location += " @" + l.Commit[:min(len(l.Commit), 12)]
			}
		}
		out = append(out, e)
	}
	return out, nil
}
