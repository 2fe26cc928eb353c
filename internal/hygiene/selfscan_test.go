package hygiene

import (
	"context"
	"testing"

	"github.com/overshare/overshare/internal/config"
	"github.com/overshare/overshare/internal/finding"
	"github.com/overshare/overshare/internal/scan"
)

// TestSelfScanClean scans this repository, history and work tree, with
// overshare itself and the repository's .overshare.toml, as "overshare
// scan" at its root does: nothing may reach high, and everything must be
// read. Test fixtures that look like credentials are made at run time or
// carry an inline allow marker.
func TestSelfScanClean(t *testing.T) {
	root := repoRoot(t)
	cfg, err := config.Find(root)
	if err != nil {
		t.Fatal(err)
	}
	res, err := scan.Run(context.Background(), scan.Options{Targets: []string{root}, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if res.Fragments == 0 {
		t.Fatal("the self-scan read nothing")
	}
	for _, f := range res.Findings {
		if f.Severity >= finding.High {
			t.Errorf("%s finding %s (%s) at %+v", f.Severity, f.Rule, f.Title, f.Locations[0])
		}
	}
	for _, e := range res.Errors {
		if e.Op != "shallow" {
			t.Errorf("self-scan could not read %s: %s %s", e.Path, e.Op, e.Err)
		}
	}
}
