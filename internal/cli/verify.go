package cli

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/overshare/overshare/internal/azure"
	"github.com/overshare/overshare/sas"
)

const verifyLong = `Ask Azure Storage whether a SAS token is live, without reading or changing
a byte of the owner's data.

Offline first: an expired or not-yet-valid token costs no request, and
with --keys-file a signature that matches neither key is bad-signature
without a request. Then the least request that answers: a list with
maxresults=1 for account and container tokens, a HEAD for a blob, a peek
for a queue, a one-row query for a table. Never a blob body, never a
write, never a delete.

The status is one of: valid, expired, not-yet-valid, bad-signature
(tampered, or its key was rotated), policy-revoked (its stored access
policy is gone), ip-restricted, protocol-mismatch, key-auth-disabled,
account-not-found, permission-mismatch (the signature is accepted, the
probe is not allowed: the token is live for what it grants), unreachable,
and rejected (any other error from the service). Each comes with the
HTTP status and the service's error code. The emulator Azurite answers a
bad signature and a deleted stored policy alike; --keys-file tells them
apart.

--blast-radius lists, when the token can list blobs, its containers, blob
count, total bytes and sensitive objects by name (disk images, database
backups, keys and credentials, .env, pickles and checkpoints), bounded by
--max-list and --time-budget. It lists only; it reads no blob. --deep
also reads the first 64 bytes of up to 50 model files (a ranged GET) and
says whether they are pickles, which anyone with a write token could have
replaced.

Only Azure storage hosts are contacted (*.blob, dfs, file, queue, table
.core.windows.net and the sovereign clouds); a token pointing anywhere
else, or at a private or loopback address, is refused. --endpoint names
another host explicitly (an Azurite emulator, a proxy you trust).
Redirects are never followed.

--policies --account-url URL --keys-file F audits the account instead of
a token: it lists every container (List Containers, with the first key
of --keys-file) and its stored access policies with permissions, start
and expiry, and judges each like a token: no expiry is high, write, add
or create is medium, delete or privileged letters are high, an expiry
further away than the policy maximum (7 days) raises one level, an
expired policy is info. Reason codes: policy-read-only, policy-write,
policy-delete, policy-privileged, policy-no-permissions,
policy-no-expiry, policy-far-expiry, policy-expired,
policy-not-yet-valid. It reads only.

Exit codes: 0 whatever the status (read it from the output, "status" in
--format json); 2 for a usage error or a refused host; 3 when the service
is unreachable.`

type verifyOptions struct {
	endpoint    string
	keysFile    string
	blastRadius bool
	deep        bool
	maxList     int
	budget      time.Duration
	timeout     time.Duration
	policies    bool
	accountURL  string
}

func newVerifyCmd(g *globalOptions) *cobra.Command {
	var opts verifyOptions
	cmd := &cobra.Command{
		Use:   "verify [--endpoint HOST] [--keys-file F] [--blast-radius] TOKEN|URL|-",
		Short: "Ask the service whether a token is live, read-only; with --blast-radius, what it exposes",
		Long:  verifyLong,
		Example: `  overshare verify 'https://acct.blob.core.windows.net/c?sv=...&sig=...'
  overshare verify --format json --blast-radius - < token.txt
  overshare verify --endpoint 127.0.0.1:10000 --keys-file keys.txt 'http://127.0.0.1:10000/acct/c?...'
  overshare verify --policies --account-url https://acct.blob.core.windows.net --keys-file keys.txt`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.policies {
				return runPolicies(cmd, g, opts, args)
			}
			if len(args) != 1 {
				return &UsageError{Err: fmt.Errorf("verify needs one TOKEN|URL|- (or --policies with --account-url)"), Hint: "run 'overshare help verify'"}
			}
			return runVerify(cmd, g, opts, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.endpoint, "endpoint", "", "send requests to `HOST[:PORT]` (or http(s)://HOST[:PORT]) instead of the token's host; allows non-Azure and loopback hosts")
	f.StringVar(&opts.keysFile, "keys-file", "", "check the signature offline against the account keys in `FILE` ('-' for standard input)")
	f.BoolVar(&opts.blastRadius, "blast-radius", false, "when the token can list, count its containers, blobs and bytes and name sensitive objects (list only)")
	f.BoolVar(&opts.deep, "deep", false, "with --blast-radius and a token that can read: read the first 64 bytes of up to 50 model files (a ranged GET) to say whether they are pickles")
	f.IntVar(&opts.maxList, "max-list", 5000, "list at most `N` containers and blobs for --blast-radius")
	f.DurationVar(&opts.budget, "time-budget", time.Minute, "stop listing for --blast-radius after `DURATION`")
	f.DurationVar(&opts.timeout, "timeout", 15*time.Second, "give up on each request after `DURATION`")
	f.BoolVar(&opts.policies, "policies", false, "instead of a token, list and judge every container's stored access policies (needs --account-url and --keys-file)")
	f.StringVar(&opts.accountURL, "account-url", "", "with --policies, the account's blob endpoint `URL`")
	return cmd
}

// verifyResult is the JSON output of verify.
type verifyResult struct {
	azure.Result
	Token sas.Facts `json:"token"`
}

func runVerify(cmd *cobra.Command, g *globalOptions, opts verifyOptions, arg string) error {
	if err := g.requireFormat("verify", "text", "json"); err != nil {
		return err
	}
	if opts.deep && !opts.blastRadius {
		return usageErrorf("--deep reads model files found by --blast-radius: give both")
	}
	if opts.maxList < 1 {
		return usageErrorf("--max-list %d: want at least 1", opts.maxList)
	}
	if opts.keysFile == "-" && arg == "-" {
		return usageErrorf("the keys and the token cannot both come from standard input")
	}
	aopts := azure.Options{Endpoint: opts.endpoint, Timeout: opts.timeout,
		BlastRadius: opts.blastRadius, Deep: opts.deep, MaxList: opts.maxList, Budget: opts.budget}
	if opts.keysFile != "" {
		keys, err := readKeys(opts.keysFile, g.stdin)
		if err != nil {
			return err
		}
		aopts.Keys = keys.keys
	}
	tok, err := readToken(g, arg)
	if err != nil {
		return err
	}
	if opts.blastRadius && g.showProgress() {
		aopts.Progress = func(n int) { fmt.Fprintf(g.stderr, "\rovershare: listed %d blobs", n) }
	}
	res, err := azure.Verify(cmd.Context(), tok, aopts)
	if aopts.Progress != nil && opts.blastRadius {
		fmt.Fprintln(g.stderr)
	}
	if err != nil {
		var ee *azure.EndpointError
		switch {
		case errors.As(err, &ee):
			return &UsageError{Err: err, Hint: "verify talks only to Azure storage endpoints; --endpoint HOST[:PORT] names another host explicitly"}
		case errors.Is(err, azure.ErrNoURL):
			return &UsageError{Err: err, Hint: "give the full URL the token was used with"}
		}
		return &IncompleteError{Err: err}
	}
	out := verifyResult{Result: res, Token: tok.Facts(res.Checked)}
	if err := g.writeResult(out, func(w io.Writer) error { return writeVerifyText(w, tok, res) }); err != nil {
		return err
	}
	if res.Status == azure.Unreachable {
		return &IncompleteError{Err: errors.New("the service did not answer: " + res.Detail)}
	}
	return nil
}

func writeVerifyText(w io.Writer, tok *sas.Token, res azure.Result) error {
	ew := &errWriter{w: w}
	ew.printf("status: %s\n  %s\n", res.Status, res.Detail)
	if res.HTTPStatus != 0 {
		ew.printf("  service answered %d %s\n", res.HTTPStatus, res.ErrorCode)
	}
	if res.ServiceDetail != "" {
		ew.printf("  service detail: %s\n", res.ServiceDetail)
	}
	if res.SignedWith != "" {
		ew.printf("  signed with: %s\n", res.SignedWith)
	}
	ew.printf("  token: %s\n", tok.Summary())
	for _, r := range res.Requests {
		if r.Error != "" {
			ew.printf("  request: %s %s -> %s\n", r.Method, r.URL, r.Error)
		} else {
			ew.printf("  request: %s %s -> %d\n", r.Method, r.URL, r.Status)
		}
	}
	if e := res.Exposure; e != nil {
		ew.printf("exposure: %d containers, %d blobs, %d bytes", e.Containers, e.Blobs, e.Bytes)
		if e.Truncated {
			ew.printf(" (at least: %s)", e.TruncatedReason)
		}
		ew.printf("\n")
		for _, s := range e.Sensitive {
			if s.Content != "" {
				ew.printf("  sensitive: %s (%s; first bytes: %s)\n", s.Path, s.Reason, s.Content)
				continue
			}
			ew.printf("  sensitive: %s (%s)\n", s.Path, s.Reason)
		}
	}
	return ew.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
