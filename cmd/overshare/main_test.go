package main

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/overshare/overshare/internal/scripttest"
)

// TestMain runs the real main as "overshare" in the scripts, so they test
// what internal/cli's scripts cannot: that main passes the arguments
// through and turns the error into the process exit code.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"overshare": main})
}

func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": scripttest.ExitCode,
		},
	})
}
