package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/overshare/overshare/internal/finding"
	"github.com/overshare/overshare/internal/report"
	"github.com/overshare/overshare/sas"
)

const inspectLong = `Explain one shared access signature offline: what kind it is, which
account and resource it opens, every permission in words, when it starts
and expires, how long it lives and has left, its protocol and IP limits,
its stored policy, the severity with every reason, and how to revoke it.

TOKEN may be a full URL, a bare query (with or without '?'), a storage
connection string with SharedAccessSignature=, or the same text
percent-encoded, HTML-escaped (&amp;) or JSON-escaped (\u0026). Use '-'
to read it from standard input, which keeps it out of shell history.

Given the path of a file, inspect reads it as a model file (pickle,
PyTorch zip or legacy, TorchScript, npy/npz, joblib, compressed; found by
magic bytes, never by extension) and lists every import and call site
with its byte offset, the verdict (safe, suspicious, malicious, unknown)
and why. Nothing in the file is ever run.

The policy it is judged against comes from --config, else .overshare.toml
in the current directory, else the built-in defaults.

The signature is redacted unless --show-secrets is given. The exit code
follows --fail-on: 1 when the token's severity is at or above it.`

type inspectOptions struct {
	at string
}

func newInspectCmd(g *globalOptions) *cobra.Command {
	var opts inspectOptions
	cmd := &cobra.Command{
		Use:   "inspect TOKEN|URL|-|FILE",
		Short: "Explain one credential or model file offline: scope, permissions, lifetime, risk, how to revoke it",
		Long:  inspectLong,
		Example: `  overshare inspect 'https://acct.blob.core.windows.net/c?sv=...&sig=...'
  pbpaste | overshare inspect -
  overshare inspect --format json - < token.txt | jq .severity
  overshare inspect --at 2020-07-20 URL      # judged as of the day it leaked`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInspect(g, opts, args[0])
		},
	}
	cmd.Flags().StringVar(&opts.at, "at", "", "judge the token as of `TIME` (YYYY-MM-DD or RFC 3339) instead of now")
	return cmd
}

// readCredential returns the credential text from the argument, or from
// standard input for "-".
func readCredential(g *globalOptions, arg string) (string, error) {
	if arg != "-" {
		return strings.TrimSpace(arg), nil
	}
	data, err := io.ReadAll(io.LimitReader(g.stdin, 1<<20))
	if err != nil {
		return "", fmt.Errorf("reading standard input: %w", err)
	}
	s := strings.TrimSpace(string(data))
	if s == "" {
		return "", &UsageError{Err: fmt.Errorf("standard input is empty"), Hint: "pipe the token or URL in, or give it as the argument"}
	}
	return s, nil
}

// readToken reads a credential (the argument, or standard input for "-")
// and parses it as a SAS.
func readToken(g *globalOptions, arg string) (*sas.Token, error) {
	text, err := readCredential(g, arg)
	if err != nil {
		return nil, err
	}
	return parseToken(text)
}

// parseToken parses a credential and turns a parse failure into a usage
// error (exit 2) that names the bad field.
func parseToken(text string) (*sas.Token, error) {
	tok, err := sas.Parse(text)
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("cannot parse the token: %w", err),
			Hint: "give a SAS URL, a query such as 'sv=...&sig=...', or a connection string with SharedAccessSignature="}
	}
	return tok, nil
}

// clock returns the time to judge at: --at, or now.
func clock(at string) (time.Time, error) {
	if at == "" {
		return time.Now().UTC(), nil
	}
	if t, err := sas.ParseTime(at); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, at); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, usageErrorf("--at %q: want YYYY-MM-DD or an RFC 3339 time", at)
}

func runInspect(g *globalOptions, opts inspectOptions, arg string) error {
	if err := g.requireFormat("inspect", "text", "json"); err != nil {
		return err
	}
	if isFile(arg) {
		return runInspectModel(g, arg)
	}
	now, err := clock(opts.at)
	if err != nil {
		return err
	}
	cfg, err := g.loadConfig(".")
	if err != nil {
		return err
	}
	tok, err := readToken(g, arg)
	if err != nil {
		return err
	}
	a := sas.Assess(tok, cfg.Policy, now)
	f := sasFinding(tok, a, now)

	f.Secret = f.Secret.WithRaw(g.showSecrets)
	err = g.writeResult(f, func(w io.Writer) error { return writeInspectText(w, tok, a, now, g.showSecrets) })
	if err != nil {
		return err
	}
	if f.Severity >= g.failOn {
		return &FindingsError{Count: 1, FailOn: g.failOn}
	}
	return nil
}

// sasFinding is the report form of one judged token.
func sasFinding(tok *sas.Token, a sas.Assessment, now time.Time) *finding.Finding {
	f := &finding.Finding{
		ID:       finding.Fingerprint("azure-sas", tok.Signature()),
		Rule:     "azure-sas",
		Severity: finding.SeverityFrom(a.Severity),
		Title:    tok.Summary(),
		Secret:   finding.NewSecret(tok.Signature()),
		Token:    tok.Facts(now),
		Remediation: &finding.Remediation{
			Summary:     a.Remediation.Summary,
			Steps:       a.Remediation.Steps,
			AlsoRevokes: a.Remediation.AlsoRevokes,
		},
	}
	for _, r := range a.Reasons {
		f.Reasons = append(f.Reasons, finding.Reason{Code: r.Code, Text: r.Text, Severity: finding.SeverityFrom(r.Severity)})
	}
	return f
}

func writeInspectText(w io.Writer, tok *sas.Token, a sas.Assessment, now time.Time, show bool) error {
	var b strings.Builder
	row := func(label, value string) {
		fmt.Fprintf(&b, "  %-14s %s\n", label, report.Clean(value))
	}
	fmt.Fprintf(&b, "%s\n", report.Clean(tok.Summary()))
	fmt.Fprintf(&b, "Severity: %s\n\n", strings.ToUpper(a.Severity.String()))

	cred := tok.Redacted()
	if show {
		cred = tok.URL()
	}
	row("Token", cred)
	if len(tok.Encodings) > 0 {
		row("Found as", strings.Join(tok.Encodings, " inside ")+"-escaped text")
	}
	row("Kind", kindWords(tok))
	acct := tok.Account
	if acct == "" {
		acct = "unknown (no endpoint given)"
	}
	if tok.Cloud != "" {
		acct += " (" + tok.Cloud + " cloud)"
	}
	row("Account", acct)
	if tok.Endpoint != "" {
		row("Endpoint", tok.Endpoint)
	}
	row("Resource", resourceWords(tok))
	if tok.Permissions.Raw == "" {
		row("Permissions", "none in the token: stored policy "+tok.StoredPolicy+" sets them")
	} else {
		row("Permissions", tok.Permissions.Raw+"  ("+strings.Join(tok.Permissions.Class.Names(), ", ")+")")
		for _, p := range tok.Permissions.List {
			fmt.Fprintf(&b, "  %-14s   %c  %-17s %s\n", "", p.Letter, p.Name, p.Description)
		}
	}
	row("Start", timeWords(tok.Start, now, "none: valid from whenever it is used"))
	row("Expiry", timeWords(tok.Expiry, now, "none in the token: set by the stored policy"))
	if lt := tok.Lifetime(); lt > 0 {
		row("Lifetime", sas.HumanDuration(lt))
	}
	if left, ok := tok.TimeLeft(now); ok {
		if left > 0 {
			row("Time left", sas.HumanDuration(left))
		} else {
			row("Time left", "none: expired")
		}
	}
	if tok.Kind == sas.KindUserDelegation {
		row("Signed by", "Entra object "+tok.Get("skoid")+" in tenant "+tok.Get("sktid"))
		row("Key valid", timeWords(tok.KeyStart, now, "?")+" to "+timeWords(tok.KeyExpiry, now, "?"))
	}
	switch {
	case tok.Protocol == "https":
		row("Protocol", "https only")
	case tok.Protocol == "":
		row("Protocol", "https and plain http (spr absent)")
	default:
		row("Protocol", "https and plain http ("+tok.Protocol+")")
	}
	if tok.IPRange == "" {
		row("IP range", "any address")
	} else {
		row("IP range", tok.IPRange)
	}
	if tok.StoredPolicy == "" {
		row("Stored policy", "none")
	} else {
		row("Stored policy", tok.StoredPolicy)
	}
	row("Version", tok.Version+" (string-to-sign layout "+sas.Layout(tok)+")")

	fmt.Fprintf(&b, "\nWhy %s:\n", a.Severity)
	for _, r := range a.Reasons {
		fmt.Fprintf(&b, "  %-8s %s: %s\n", r.Severity, r.Code, report.Clean(r.Text))
	}
	fmt.Fprintf(&b, "\nHow to revoke it: %s\n", report.Clean(a.Remediation.Summary))
	for i, s := range a.Remediation.Steps {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, report.Clean(s))
	}
	if a.Remediation.AlsoRevokes != "" {
		fmt.Fprintf(&b, "  This also revokes %s.\n", report.Clean(a.Remediation.AlsoRevokes))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func kindWords(tok *sas.Token) string {
	switch tok.Kind {
	case sas.KindAccount:
		return "account SAS, signed with an account key"
	case sas.KindUserDelegation:
		return "user delegation SAS, signed with a user delegation key (Entra ID)"
	}
	if tok.StoredPolicy != "" {
		return fmt.Sprintf("%s service SAS, signed with an account key, bound to stored access policy %q", tok.Service, tok.StoredPolicy)
	}
	return fmt.Sprintf("%s service SAS, signed with an account key (ad hoc: no stored policy)", tok.Service)
}

func resourceWords(tok *sas.Token) string {
	if tok.Kind == sas.KindAccount {
		svcs := make([]string, len(tok.Services))
		for i, s := range tok.Services {
			svcs[i] = string(s)
		}
		return fmt.Sprintf("the whole account: services %s; resource types %s",
			strings.Join(svcs, ", "), strings.Join(tok.ResourceTypes, ", "))
	}
	name := tok.Path
	if tok.Service == sas.ServiceTable && tok.Get("tn") != "" {
		name = tok.Get("tn")
	}
	if name == "" {
		name = "(name not in the token)"
	}
	return fmt.Sprintf("%s %s", tok.Resource, name)
}

func timeWords(t *time.Time, now time.Time, absent string) string {
	if t == nil {
		return absent
	}
	s := t.Format(time.RFC3339)
	switch d := t.Sub(now); {
	case d > 0:
		s += " (in " + sas.HumanDuration(d) + ")"
	case d < 0:
		s += " (" + sas.HumanDuration(-d) + " ago)"
	}
	return s
}
