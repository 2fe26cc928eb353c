package scan

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/overshare/overshare/internal/finding"
)

func TestVerifyOncePerFindingAndAttached(t *testing.T) {
	dir := t.TempDir()
	live := token("live", "sv=2020-08-04&ss=b&srt=sco&sp=rwd&se=2051-01-01")
	dead := token("dead", "sv=2020-08-04&ss=b&srt=sco&sp=rwd&se=2051-01-01")
	quiet := token("quiet", "sv=2020-08-04&ss=b&srt=sco&sp=rwd&se=2051-01-01")
	k := sha512.Sum512([]byte("key"))
	key := base64.StdEncoding.EncodeToString(k[:])
	write(t, dir, "a.txt", "url="+live+"\nother="+dead+"\n")
	write(t, dir, "b.txt", "again "+live+"\n")
	write(t, dir, "c.txt", "x="+quiet+"\n")
	write(t, dir, "d.txt", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey="+key+";EndpointSuffix=core.windows.net\n")

	var mu sync.Mutex
	calls := map[string]int{}
	verify := func(ctx context.Context, rule, text string) *finding.Verification {
		mu.Lock()
		defer mu.Unlock()
		if rule != "azure-sas" {
			t.Errorf("Verify called for rule %s", rule)
		}
		calls[text]++
		switch {
		case carries(text, live):
			return &finding.Verification{Status: "valid", HTTPStatus: 200, Verdict: finding.VerdictLive}
		case carries(text, dead):
			return &finding.Verification{Status: "bad-signature", HTTPStatus: 403, ErrorCode: "AuthorizationFailure", Verdict: finding.VerdictDead}
		}
		return nil
	}
	res := run(t, Options{Targets: []string{dir}, Verify: verify})

	sasFindings := 0
	others := 0
	for _, f := range res.Findings {
		if f.Rule != "azure-sas" {
			others++
			if f.Verification != nil {
				t.Errorf("%s finding has a verification", f.Rule)
			}
			continue
		}
		sasFindings++
		data, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{live, dead, quiet} {
			if carries(string(data), tok) {
				t.Errorf("finding JSON carries a signature: %s", data)
			}
		}
		switch {
		case len(f.Locations) == 2: // live, seen twice
			if f.Verification == nil || f.Verification.Status != "valid" || f.Verification.HTTPStatus != 200 {
				t.Errorf("live finding verification = %+v", f.Verification)
			}
			if f.Severity != finding.Critical || !hasReason(f, ReasonVerifiedLive) {
				t.Errorf("live finding: severity %s, reasons %+v; want critical with verified-live", f.Severity, f.Reasons)
			}
			if !strings.Contains(string(data), `"verification":{"status":"valid","http_status":200,"verdict":"live"}`) {
				t.Errorf("JSON lacks the verification object: %s", data)
			}
		case f.Locations[0].Path == filepath.Join(dir, "c.txt"): // verifier said nothing
			if f.Verification != nil || f.Severity != finding.Critical {
				t.Errorf("unverified finding changed: %+v, %s", f.Verification, f.Severity)
			}
		default: // dead
			if f.Verification == nil || f.Verification.Status != "bad-signature" || f.Verification.ErrorCode != "AuthorizationFailure" {
				t.Errorf("dead finding verification = %+v", f.Verification)
			}
			if f.Severity != finding.Low || !hasReason(f, ReasonVerifiedDead) {
				t.Errorf("dead finding: severity %s, reasons %+v; want low with verified-dead", f.Severity, f.Reasons)
			}
		}
	}
	if sasFindings != 3 || others == 0 {
		t.Fatalf("got %d azure-sas and %d other findings, want 3 and some", sasFindings, others)
	}
	if len(calls) != 3 {
		t.Errorf("Verify called for %d distinct texts, want 3", len(calls))
	}
	for text, n := range calls {
		if n != 1 {
			t.Errorf("Verify called %d times for one finding, want once", n)
		}
		if !strings.Contains(text, "sig=") {
			t.Errorf("Verify was given %q, want the token's text", text)
		}
	}
	// Severities changed: the report is still sorted highest first.
	for i := 1; i < len(res.Findings); i++ {
		if res.Findings[i].Severity > res.Findings[i-1].Severity {
			t.Errorf("findings out of order after verification")
		}
	}
}

func TestVerifyBudgetMarksSkipped(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.txt", token("x", "sv=2020-08-04&ss=b&srt=sco&sp=rwd&se=2051-01-01")+"\n")
	verify := func(ctx context.Context, rule, text string) *finding.Verification {
		<-ctx.Done()
		return nil
	}
	res := run(t, Options{Targets: []string{dir}, Verify: verify, VerifyBudget: 10e6})
	if len(res.Findings) != 1 || res.Findings[0].Verification == nil || res.Findings[0].Verification.Status != "skipped" {
		t.Fatalf("want one finding marked skipped, got %+v", res.Findings)
	}
}

func hasReason(f *finding.Finding, code string) bool {
	for _, r := range f.Reasons {
		if r.Code == code {
			return true
		}
	}
	return false
}

// carries reports whether s holds tok's signature, escaped or not.
func carries(s, tok string) bool {
	raw := tok[strings.Index(tok, "sig=")+4:]
	return strings.Contains(s, raw) || strings.Contains(s, sigOf(tok))
}
