package cli_test

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/overshare/overshare/internal/cli"
	"github.com/overshare/overshare/internal/scripttest"
	"github.com/overshare/overshare/sas"
)

// TestMain lets the test binary double as the overshare command: scripts
// run "overshare", which re-executes this binary, which calls cli.Run
// with the real streams and exits with cli.ExitCode, as main does.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"overshare": func() {
			err := cli.Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
			os.Exit(cli.ExitCode(err))
		},
	})
}

func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": scripttest.ExitCode,
			"genkeys":  cmdGenKeys,
			"signsas":  cmdSignSAS,
		},
	})
}

// cmdGenKeys implements "genkeys FILE NAME...": write NAME=BASE64 lines of
// 64-byte keys derived from the names, so that scripts carry no key
// material and runs are reproducible.
func cmdGenKeys(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: genkeys FILE NAME...")
	}
	var b strings.Builder
	for _, name := range args[1:] {
		k := sha512.Sum512([]byte("overshare test key " + name))
		fmt.Fprintf(&b, "%s=%s\n", name, base64.StdEncoding.EncodeToString(k[:]))
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(b.String()), 0o600))
}

// cmdSignSAS implements "signsas KEYSFILE NAME OUTFILE URL": sign URL (whose
// sig, if any, is a placeholder) with the key NAME from KEYSFILE and write
// the signed URL to OUTFILE and to $SIGNED. Tokens are thus made at run
// time, never committed.
func cmdSignSAS(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: signsas KEYSFILE NAME OUTFILE URL")
	}
	var key []byte
	for _, line := range strings.Split(ts.ReadFile(args[0]), "\n") {
		if name, value, ok := strings.Cut(line, "="); ok && name == args[1] {
			k, err := sas.DecodeKey(value)
			ts.Check(err)
			key = k
		}
	}
	if key == nil {
		ts.Fatalf("signsas: no key %q in %s", args[1], args[0])
	}
	unsigned := args[3]
	if !strings.Contains(unsigned, "sig=") {
		unsigned += "&sig=placeholder"
	}
	tok, err := sas.Parse(unsigned)
	ts.Check(err)
	sts, err := sas.StringToSign(tok)
	ts.Check(err)
	sig := strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(sas.Sign(key, sts))
	var parts []string
	for _, p := range strings.Split(tok.URL()[strings.Index(tok.URL(), "?")+1:], "&") {
		if strings.HasPrefix(p, "sig=") {
			p = "sig=" + sig
		}
		parts = append(parts, p)
	}
	base := tok.URL()[:strings.Index(tok.URL(), "?")+1]
	signed := base + strings.Join(parts, "&")
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(signed+"\n"), 0o600))
	ts.Setenv("SIGNED", signed)
}
