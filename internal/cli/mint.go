package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/overshare/overshare/internal/azure"
	"github.com/overshare/overshare/sas"
)

const mintLong = `Make the token a careful owner would share: a service SAS for one
container or one blob, https only, with only the permissions given, for a
short time (default 1h; over 7 days refused unless --force), bound to a
stored access policy so that it can be revoked without rotating a key.

mint adds a new stored access policy to the container (read-modify-write
of the container ACL: the other policies and the container's public
access level are kept) with a fresh random Id (os- and 12 hex digits),
holding the permissions, a start 5 minutes back (for clock skew) and the
expiry. The token names the policy (si) and carries no sp, st or se: what
it grants and until when is decided on the service, and deleting the
policy revokes it ('overshare revoke --execute'). A container holds at
most 5 policies; mint refuses a sixth and names the existing ones.

The token is signed, and the ACL written, with the first key of
--keys-file (or the one named by --key). Keys are never taken from the
command line.

--allow-http leaves spr out so the token also works over plain http. It
is accepted only with --endpoint and is meant for the Azurite emulator,
which serves http only: real Azure tokens must be https only.

Exit codes: 0 minted; 2 for a usage error, a refused host or a container
that already has 5 policies; 3 when the service cannot be reached or
refuses the owner request.`

type mintOptions struct {
	accountURL  string
	keysFile    string
	keyName     string
	container   string
	blob        string
	permissions string
	expires     daysDuration
	ip          string
	endpoint    string
	allowHTTP   bool
	force       bool
	accountSAS  bool
	timeout     time.Duration
}

func newMintCmd(g *globalOptions) *cobra.Command {
	var opts mintOptions
	cmd := &cobra.Command{
		Use:   "mint --account-url URL --keys-file F --container C [--blob B] --permissions r [--expires 1h] [--ip RANGE]",
		Short: "Mint a least-privilege, revocable service SAS bound to a new stored access policy",
		Long:  mintLong,
		Example: `  overshare mint --account-url https://acct.blob.core.windows.net --keys-file keys.txt \
      --container models --blob v1/model.safetensors --permissions r --expires 2h
  overshare mint --endpoint 127.0.0.1:10000 --allow-http --account-url http://127.0.0.1:10000/acct \
      --keys-file keys.txt --container c --permissions rl --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMint(cmd, g, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.accountURL, "account-url", "", "the account's blob endpoint `URL` (https://ACCOUNT.blob.core.windows.net, or http://HOST:PORT/ACCOUNT for an emulator)")
	f.StringVar(&opts.keysFile, "keys-file", "", "read the account keys from `FILE` ('-' for standard input)")
	f.StringVar(&opts.keyName, "key", "", "sign with the key `NAME` from --keys-file (default: the first)")
	f.StringVar(&opts.container, "container", "", "the `CONTAINER` to share (and to hold the stored access policy)")
	f.StringVar(&opts.blob, "blob", "", "share only the blob `NAME` in the container")
	f.StringVar(&opts.permissions, "permissions", "", "the permission `LETTERS` to grant, e.g. r, rl (blob SAS letters)")
	opts.expires = daysDuration(azure.DefaultMintExpiry)
	f.Var(&opts.expires, "expires", "how long the token lasts, as a `DURATION` (30m, 2h, 3d); over 7d needs --force")
	f.StringVar(&opts.ip, "ip", "", "allow only the address or `RANGE` a.b.c.d[-e.f.g.h] (sip)")
	f.StringVar(&opts.endpoint, "endpoint", "", "send requests to `HOST[:PORT]` (or http(s)://HOST[:PORT]) instead of the account URL's host; allows non-Azure and loopback hosts")
	f.BoolVar(&opts.allowHTTP, "allow-http", false, "for the Azurite emulator only (needs --endpoint): let the token work over http")
	f.BoolVar(&opts.force, "force", false, "allow --expires over 7 days")
	f.BoolVar(&opts.accountSAS, "account-sas", false, "mint an account SAS for the blob service instead (no stored policy possible; only if .overshare.toml sets allow_account_sas)")
	f.DurationVar(&opts.timeout, "timeout", 15*time.Second, "give up on each request after `DURATION`")
	return cmd
}

// mintResult is the JSON output of mint.
type mintResult struct {
	*azure.Minted
	Revoke string `json:"revoke"`
}

func runMint(cmd *cobra.Command, g *globalOptions, opts mintOptions) error {
	if err := g.requireFormat("mint", "text", "json"); err != nil {
		return err
	}
	hint := "run 'overshare help mint'"
	switch {
	case opts.accountURL == "":
		return &UsageError{Err: errors.New("--account-url is required"), Hint: hint}
	case opts.container == "" && !opts.accountSAS:
		return &UsageError{Err: errors.New("--container is required"), Hint: hint}
	case opts.permissions == "":
		return &UsageError{Err: errors.New("--permissions is required"), Hint: "grant the fewest letters that do the job, e.g. --permissions r"}
	}
	d, err := azure.CheckMintExpiry(time.Duration(opts.expires), opts.force)
	if err != nil {
		if errors.Is(err, azure.ErrExpiryTooLong) {
			return &UsageError{Err: fmt.Errorf("--expires %s: %w", opts.expires.String(), err),
				Hint: "share for as short a time as will do; --force allows it if you must"}
		}
		return &UsageError{Err: fmt.Errorf("--expires: %w", err)}
	}
	if opts.accountSAS {
		return runMintAccountSAS(g, opts, d)
	}
	if _, err := azure.CanonicalPermissions(opts.permissions, opts.blob != ""); err != nil {
		return &UsageError{Err: fmt.Errorf("--permissions %q: %w", opts.permissions, err)}
	}
	if opts.allowHTTP && opts.endpoint == "" {
		return &UsageError{Err: errors.New("--allow-http needs --endpoint"), Hint: "--allow-http is for the Azurite emulator, named with --endpoint; tokens for Azure are https only"}
	}
	if opts.keysFile == "" {
		return &UsageError{Err: errors.New("--keys-file is required: mint signs with an account key and writes the container ACL"),
			Hint: "write key1=BASE64 (and key2=BASE64) to a file, or save 'az storage account keys list' JSON"}
	}
	key, err := pickKey(g, opts.keysFile, opts.keyName)
	if err != nil {
		return err
	}
	m, err := azure.Mint(cmd.Context(), azure.MintRequest{
		Owner:     azure.Owner{AccountURL: opts.accountURL, Endpoint: opts.endpoint, Key: key, Timeout: opts.timeout},
		Container: opts.container, Blob: opts.blob, Permissions: opts.permissions,
		Expires: d, Force: opts.force, IPRange: opts.ip, AllowHTTP: opts.allowHTTP,
	})
	if err != nil {
		return ownerError(err, "mint")
	}
	ep := ""
	if opts.endpoint != "" {
		ep = " --endpoint " + opts.endpoint
	}
	revoke := fmt.Sprintf("overshare revoke --keys-file %s%s --execute URL   (deletes stored access policy %s on container %s)", opts.keysFile, ep, m.Policy, m.Container)
	out := mintResult{Minted: m, Revoke: revoke}
	return g.writeResult(out, func(w io.Writer) error {
		ew := &errWriter{w: w}
		ew.printf("%s\n", m.URL)
		ew.printf("  grants %s on %s until %s, through stored access policy %s on container %s (signed with %s)\n",
			m.Permissions, strings.TrimSuffix(m.Container+"/"+m.Blob, "/"), m.Expiry.Format(time.RFC3339), m.Policy, m.Container, m.SignedWith)
		ew.printf("  to revoke it: %s\n", revoke)
		ew.printf("  never re-create a policy with the Id %s once deleted: that would revive the token\n", m.Policy)
		return ew.err
	})
}

// runMintAccountSAS mints an account SAS offline, when the policy allows
// it: the kind of token the incident leaked, so the output says plainly
// what revoking it will cost.
func runMintAccountSAS(g *globalOptions, opts mintOptions, d time.Duration) error {
	cfg, err := g.loadConfig(".")
	if err != nil {
		return err
	}
	if opts.keysFile == "" {
		return &UsageError{Err: errors.New("--keys-file is required: an account SAS is signed with an account key")}
	}
	if opts.container != "" || opts.blob != "" {
		return usageErrorf("--account-sas covers the whole blob service: drop --container and --blob, or drop --account-sas for a service SAS bound to a stored policy")
	}
	key, err := pickKey(g, opts.keysFile, opts.keyName)
	if err != nil {
		return err
	}
	m, err := azure.MintAccountSAS(azure.MintRequest{
		Owner:       azure.Owner{AccountURL: opts.accountURL, Endpoint: opts.endpoint, Key: key},
		Permissions: opts.permissions, Expires: d, Force: opts.force, IPRange: opts.ip, AllowHTTP: opts.allowHTTP,
	}, cfg.Policy.AllowAccountSAS)
	if err != nil {
		if errors.Is(err, azure.ErrAccountSASNotAllowed) {
			return &UsageError{Err: err, Hint: "share one container or blob with a service SAS bound to a stored policy (drop --account-sas)"}
		}
		return &UsageError{Err: err}
	}
	revoke := fmt.Sprintf("rotate %s of account %s (az storage account keys renew --account-name %s --key %s): it also revokes every other token signed with it",
		key.Name, m.Account, m.Account, map[bool]string{true: "secondary", false: "primary"}[key.Name == "key2"])
	out := mintResult{Minted: m, Revoke: revoke}
	return g.writeResult(out, func(w io.Writer) error {
		ew := &errWriter{w: w}
		ew.printf("%s\n", m.URL)
		ew.printf("  account SAS: grants %s on every blob of %s until %s (signed with %s); no stored policy can hold it\n",
			m.Permissions, m.Account, m.Expiry.Format(time.RFC3339), m.SignedWith)
		ew.printf("  to revoke it before it expires: %s\n", revoke)
		return ew.err
	})
}

// pickKey reads the keys file and returns the key named name, or the first.
func pickKey(g *globalOptions, path, name string) (sas.Key, error) {
	ak, err := readKeys(path, g.stdin)
	if err != nil {
		return sas.Key{}, err
	}
	if name == "" {
		return ak.keys[0], nil
	}
	var names []string
	for _, k := range ak.keys {
		if k.Name == name {
			return k, nil
		}
		names = append(names, k.Name)
	}
	return sas.Key{}, &UsageError{Err: fmt.Errorf("--key %s: not in --keys-file (it has %s)", name, strings.Join(names, ", "))}
}

// ownerError classifies an error of an owner request: a refused host or a
// full policy list is a usage error (exit 2), anything else an incomplete
// run (exit 3).
func ownerError(err error, command string) error {
	var ee *azure.EndpointError
	var le *azure.PolicyLimitError
	switch {
	case errors.As(err, &ee):
		return &UsageError{Err: err, Hint: command + " talks only to Azure storage endpoints; --endpoint HOST[:PORT] names another host explicitly"}
	case errors.As(err, &le):
		return &UsageError{Err: err, Hint: "delete a policy no token needs any more ('overshare revoke --execute' with a token that names it), or reuse one"}
	case strings.Contains(err.Error(), "account URL"):
		return &UsageError{Err: err}
	}
	return &IncompleteError{Err: err}
}

// daysDuration is a time.Duration flag that also accepts whole days ("3d").
type daysDuration time.Duration

func (d *daysDuration) String() string {
	v := time.Duration(*d)
	if v > 0 && v%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(v/(24*time.Hour)), 10) + "d"
	}
	return v.String()
}

func (d *daysDuration) Type() string { return "duration" }

func (d *daysDuration) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return fmt.Errorf("want a duration such as 30m, 2h or 3d")
		}
		*d = daysDuration(time.Duration(days) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("want a duration such as 30m, 2h or 3d")
	}
	*d = daysDuration(v)
	return nil
}
