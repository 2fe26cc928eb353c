package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/overshare/overshare/sas"
)

const attributeLong = `Say which account key signed a SAS: key1, key2, or neither.

Neither means the token was tampered with, or it was signed by a key that
has since been rotated (so it no longer works). Knowing the key matters
because rotating it is the only way to revoke a key-signed account or
ad-hoc service SAS, and rotation also kills every other token signed with
that key.

Keys are read from --keys-file, never from the command line:
  key1=BASE64 and key2=BASE64 lines (# comments allowed);
  a storage connection string (its AccountKey is reported as
  "connection-string");
  the JSON printed by 'az storage account keys list'.
Use --keys-file - to read the keys from standard input. For a user
delegation SAS, the keys are user delegation key values.

The token must carry its URL (the account name and the resource path are
signed), unless --account names the account of an account SAS given as a
bare query, or the keys come from a connection string that names it.

Exit code 0 whether or not a key matched; read the answer from the output
("signed_with" in --format json).`

type attributeOptions struct {
	keysFile string
	account  string
}

func newAttributeCmd(g *globalOptions) *cobra.Command {
	var opts attributeOptions
	cmd := &cobra.Command{
		Use:   "attribute --keys-file FILE TOKEN|URL|-",
		Short: "Say which account key (key1 or key2) signed a token",
		Long:  attributeLong,
		Example: `  overshare attribute --keys-file keys.txt 'https://acct.blob.core.windows.net/c?sv=...&sig=...'
  az storage account keys list -n acct | overshare attribute --keys-file - URL`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAttribute(g, opts, args[0])
		},
	}
	cmd.Flags().StringVar(&opts.keysFile, "keys-file", "", "read the account keys from `FILE` ('-' for standard input)")
	cmd.Flags().StringVar(&opts.account, "account", "", "the storage account `NAME`, when the token does not carry its URL")
	return cmd
}

// attributeResult is the JSON output of attribute.
type attributeResult struct {
	SignedWith string    `json:"signed_with"`
	Layout     string    `json:"layout"`
	Checked    int       `json:"keys_checked"`
	Account    string    `json:"account"`
	Kind       sas.Kind  `json:"kind"`
	Facts      sas.Facts `json:"token"`
	Meaning    string    `json:"meaning"`
}

func runAttribute(g *globalOptions, opts attributeOptions, arg string) error {
	if err := g.requireFormat("attribute", "text", "json"); err != nil {
		return err
	}
	if opts.keysFile == "" {
		return &UsageError{Err: errors.New("--keys-file is required"),
			Hint: "put key1=BASE64 and key2=BASE64 lines in a file; keys are never taken from the command line"}
	}
	if opts.keysFile == "-" && arg == "-" {
		return usageErrorf("the keys and the token cannot both come from standard input")
	}
	keys, err := readKeys(opts.keysFile, g.stdin)
	if err != nil {
		return err
	}
	tok, err := readToken(g, arg)
	if err != nil {
		return err
	}
	switch {
	case tok.Account != "":
	case opts.account != "":
		tok.Account = opts.account
	case keys.account != "":
		tok.Account = keys.account
	default:
		return &UsageError{Err: errors.New("the token does not name its storage account, which is signed"),
			Hint: "give the full URL, or --account NAME"}
	}
	if tok.Kind != sas.KindAccount && tok.Path == "" && tok.Service != sas.ServiceTable {
		return &UsageError{Err: fmt.Errorf("a %s SAS signs the path of its %s, and the token carries no URL", tok.Service, tok.Resource),
			Hint: "give the full URL the token was used with"}
	}
	at, err := sas.Attribute(tok, keys.keys)
	if err != nil {
		return &UsageError{Err: fmt.Errorf("cannot compute the signature: %w", err)}
	}
	res := attributeResult{
		SignedWith: at.SignedWith, Layout: at.Layout, Checked: at.Checked,
		Account: tok.Account, Kind: tok.Kind,
	}
	now, _ := clock("")
	res.Facts = tok.Facts(now)
	res.Facts.SignedWith = at.SignedWith
	if at.SignedWith == sas.NoMatch {
		res.Meaning = fmt.Sprintf("none of the %d keys signed it: the token was tampered with, or its key was rotated and it no longer works", at.Checked)
	} else {
		res.Meaning = fmt.Sprintf("signed with %s: rotating %s revokes it, and every other token signed with %s", at.SignedWith, at.SignedWith, at.SignedWith)
		if tok.Kind == sas.KindUserDelegation {
			res.Meaning = fmt.Sprintf("signed with user delegation key %s: revoking the account's user delegation keys revokes it", at.SignedWith)
		}
	}

	return g.writeResult(res, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "signed with: %s\n  %s\n  account %s, %s SAS, string-to-sign layout %s, %d keys checked\n",
			res.SignedWith, res.Meaning, res.Account, res.Kind, res.Layout, res.Checked)
		return err
	})
}
