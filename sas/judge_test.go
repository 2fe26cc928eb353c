package sas

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// judgeNow is the injected clock for verdicts in these tests.
var judgeNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func codes(a Assessment) []string {
	var out []string
	for _, r := range a.Reasons {
		out = append(out, r.Code)
	}
	return out
}

func TestAssess(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		now        time.Time
		policy     func(*Policy)
		want       Severity
		wantCodes  []string // must all be present
		notCodes   []string // must all be absent
		revocation Revocation
	}{
		{
			// The incident's shape: account SAS, every service, write and
			// delete, valid for decades, https and http, no IP limit.
			name:       "incident token",
			in:         "https://acct.blob.core.windows.net/?sv=2020-08-04&ss=bfqt&srt=sco&sp=rwdlacupitfx&se=2051-10-06T07:00:00Z&st=2021-10-05T15:00:00Z&spr=https,http&sig=SIG",
			want:       SeverityCritical,
			wantCodes:  []string{ReasonScopeAccount, ReasonLongLived, ReasonAccountSASDisallowed, ReasonHTTPAllowed, ReasonNoIPRestriction, ReasonKeyRotationOnly},
			revocation: RevokeRotateKey,
		},
		{
			name:       "expired read-only single blob",
			in:         "https://acct.blob.core.windows.net/c/model.ckpt?sv=2020-08-04&sp=r&st=2024-01-01T00:00:00Z&se=2024-01-02T00:00:00Z&sr=b&spr=https&sig=SIG",
			want:       SeverityLow,
			wantCodes:  []string{ReasonScopeObject, ReasonExpired},
			notCodes:   []string{ReasonLongLived, ReasonKeyRotationOnly, ReasonHTTPAllowed},
			revocation: RevokeNothingExpiredAlready,
		},
		{
			name:       "expired account SAS with delete is capped at low",
			in:         "https://acct.blob.core.windows.net/?sv=2020-08-04&ss=b&srt=sco&sp=rwd&se=2021-01-01&sig=SIG",
			want:       SeverityLow,
			wantCodes:  []string{ReasonScopeAccount, ReasonExpired},
			revocation: RevokeNothingExpiredAlready,
		},
		{
			name:       "short read-only blob SAS, https, one hour left",
			in:         "https://acct.blob.core.windows.net/c/b.txt?sv=2025-11-05&sp=r&st=2026-11-28T11:00:00Z&se=2026-11-28T13:00:00Z&sr=b&spr=https&sip=1.2.3.4&sig=SIG",
			want:       SeverityLow,
			wantCodes:  []string{ReasonScopeObject, ReasonKeyRotationOnly},
			notCodes:   []string{ReasonLongLived, ReasonNoIPRestriction, ReasonHTTPAllowed},
			revocation: RevokeRotateKey,
		},
		{
			name:      "read-only blob SAS valid for a year is medium",
			in:        "https://acct.blob.core.windows.net/c/b.txt?sv=2025-11-05&sp=r&st=2026-11-01&se=2027-11-01&sr=b&spr=https&sig=SIG",
			want:      SeverityMedium,
			wantCodes: []string{ReasonLongLived, ReasonKeyRotationOnly},
		},
		{
			name:      "container write for a day is high",
			in:        "https://acct.blob.core.windows.net/c?sv=2025-11-05&sp=racwl&se=2026-11-29T12:00:00Z&sr=c&spr=https&sig=SIG",
			want:      SeverityHigh,
			wantCodes: []string{ReasonScopeContainer},
			notCodes:  []string{ReasonLongLived},
		},
		{
			name:      "container write for a month is critical",
			in:        "https://acct.blob.core.windows.net/c?sv=2025-11-05&sp=racwl&se=2026-12-28&sr=c&spr=https&sig=SIG",
			want:      SeverityCritical,
			wantCodes: []string{ReasonScopeContainer, ReasonLongLived},
		},
		{
			name:       "policy-bound container token",
			in:         "https://acct.blob.core.windows.net/c?sv=2025-11-05&si=share-2026-11&sr=c&spr=https&sig=SIG",
			want:       SeverityMedium,
			wantCodes:  []string{ReasonStoredPolicy, ReasonPolicySuppliesFields},
			notCodes:   []string{ReasonKeyRotationOnly},
			revocation: RevokeDeletePolicy,
		},
		{
			name:       "user delegation SAS",
			in:         "https://acct.blob.core.windows.net/c/b?sv=2025-11-05&sp=r&st=2026-11-28T11:00:00Z&se=2026-11-28T13:00:00Z&sr=b&spr=https&skoid=11111111-1111-1111-1111-111111111111&sktid=22222222-2222-2222-2222-222222222222&skt=2026-11-28T00:00:00Z&ske=2026-11-29T00:00:00Z&sks=b&skv=2025-11-05&sig=SIG",
			want:       SeverityLow,
			wantCodes:  []string{ReasonUserDelegation},
			notCodes:   []string{ReasonKeyRotationOnly},
			revocation: RevokeUserDelegationKeys,
		},
		{
			name:      "user delegation SAS outliving its key",
			in:        "https://acct.blob.core.windows.net/c/b?sv=2025-11-05&sp=r&se=2026-12-01&sr=b&spr=https&skoid=1&sktid=2&skt=2026-11-28T00:00:00Z&ske=2026-11-29T00:00:00Z&sks=b&skv=2025-11-05&sig=SIG",
			want:      SeverityLow,
			wantCodes: []string{ReasonExpiryAfterKeyExpiry},
		},
		{
			name:      "account SAS allowed by policy is still high",
			in:        "https://acct.blob.core.windows.net/?sv=2020-08-04&ss=b&srt=o&sp=r&se=2026-11-29&spr=https&sip=1.2.3.4&sig=SIG",
			policy:    func(p *Policy) { p.AllowAccountSAS = true },
			want:      SeverityHigh,
			wantCodes: []string{ReasonScopeAccount},
			notCodes:  []string{ReasonAccountSASDisallowed},
		},
		{
			name:      "policy override lowers a reason",
			in:        "https://acct.blob.core.windows.net/c/b.txt?sv=2025-11-05&sp=r&se=2026-11-28T13:00:00Z&sr=b&sig=SIG",
			policy:    func(p *Policy) { p.Overrides = map[string]Severity{ReasonHTTPAllowed: SeverityInfo} },
			want:      SeverityLow,
			wantCodes: []string{ReasonHTTPAllowed},
		},
		{
			name:      "forbidden permission",
			in:        "https://acct.blob.core.windows.net/c/b.txt?sv=2025-11-05&sp=rd&se=2026-11-28T13:00:00Z&sr=b&spr=https&sig=SIG",
			policy:    func(p *Policy) { p.ForbiddenPermissions = []string{"delete"} },
			want:      SeverityHigh,
			wantCodes: []string{ReasonForbiddenPermission},
		},
		{
			name:      "hand-edited permissions and duplicate keys",
			in:        "https://acct.blob.core.windows.net/c/b.txt?sv=2025-11-05&sp=wrr&se=2026-11-28T13:00:00Z&sr=b&sr=c&spr=https&sig=SIG",
			want:      SeverityMedium,
			wantCodes: []string{ReasonNonCanonicalPermissions, ReasonDuplicatePermissions, ReasonDuplicateParameters},
		},
		{
			name:      "not yet valid",
			in:        "https://acct.blob.core.windows.net/c/b.txt?sv=2025-11-05&sp=r&st=2027-01-01&se=2027-01-02&sr=b&spr=https&sig=SIG",
			want:      SeverityMedium,
			wantCodes: []string{ReasonNotYetValid},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := Parse(withSig(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			p := DefaultPolicy()
			if tt.policy != nil {
				tt.policy(&p)
			}
			now := tt.now
			if now.IsZero() {
				now = judgeNow
			}
			a := Assess(tok, p, now)
			if a.Severity != tt.want {
				t.Errorf("Severity = %s, want %s; reasons:\n%s", a.Severity, tt.want, reasonLines(a))
			}
			got := codes(a)
			for _, c := range tt.wantCodes {
				if !strings.Contains(strings.Join(got, " ")+" ", c+" ") {
					t.Errorf("reason %q missing; got %v", c, got)
				}
			}
			for _, c := range tt.notCodes {
				if strings.Contains(strings.Join(got, " ")+" ", c+" ") {
					t.Errorf("reason %q present; got %v", c, got)
				}
			}
			if tt.revocation != "" && a.Remediation.Revocation != tt.revocation {
				t.Errorf("Revocation = %s, want %s", a.Remediation.Revocation, tt.revocation)
			}
			for _, r := range a.Reasons {
				if r.Text == "" || strings.Contains(r.Text, "%!") {
					t.Errorf("reason %s has a bad text %q", r.Code, r.Text)
				}
			}
			if a.Remediation.Summary == "" || len(a.Remediation.Steps) == 0 {
				t.Errorf("remediation is empty: %+v", a.Remediation)
			}
		})
	}
}

func reasonLines(a Assessment) string {
	var b strings.Builder
	for _, r := range a.Reasons {
		b.WriteString("  [" + r.Severity.String() + "] " + r.Code + ": " + r.Text + "\n")
	}
	return b.String()
}

func TestRemediationIsSpecificToTheKind(t *testing.T) {
	account, _ := Parse(withSig("https://acct.blob.core.windows.net/?sv=2020-08-04&ss=b&srt=sco&sp=rwd&se=2030-01-01&sig=SIG"))
	policy, _ := Parse(withSig("https://acct.blob.core.windows.net/models?sv=2025-11-05&si=p1&sr=c&sig=SIG"))
	udk, _ := Parse(withSig("https://acct.blob.core.windows.net/c/b?sv=2025-11-05&sp=r&se=2030-01-01&sr=b&skoid=o&sktid=t&skt=2026-11-28&ske=2030-01-01&sks=b&skv=2025-11-05&sig=SIG"))

	ra := Assess(account, DefaultPolicy(), judgeNow).Remediation
	if !strings.Contains(ra.Summary, "rotate the account key of acct") || !strings.Contains(ra.AlsoRevokes, "every other SAS signed with the same key") {
		t.Errorf("account SAS remediation does not say key rotation and its side effects: %+v", ra)
	}
	rp := Assess(policy, DefaultPolicy(), judgeNow).Remediation
	if !strings.Contains(rp.Summary, `delete stored access policy "p1" on container models`) {
		t.Errorf("policy SAS remediation summary = %q", rp.Summary)
	}
	if !strings.Contains(strings.Join(rp.Steps, "\n"), `never re-create a policy named "p1"`) {
		t.Errorf("policy SAS remediation does not warn about re-creating the Id: %q", rp.Steps)
	}
	ru := Assess(udk, DefaultPolicy(), judgeNow).Remediation
	if !strings.Contains(strings.Join(ru.Steps, "\n"), "az storage account revoke-delegation-keys --name acct") {
		t.Errorf("user delegation remediation = %+v", ru)
	}
}

func TestSeverityText(t *testing.T) {
	for s := SeverityInfo; s <= SeverityCritical; s++ {
		b, err := s.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Severity
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("round trip of %s gave %s, %v", s, back, err)
		}
	}
	if _, err := ParseSeverity("severe"); err == nil {
		t.Error("ParseSeverity accepted an unknown name")
	}
}

// peerCase is one row of shared/testdata/peer-cases.jsonl.
type peerCase struct {
	Label    string `json:"label"`
	Tool     string `json:"tool"`
	Rule     string `json:"rule"`
	Sample   string `json:"sample"`
	Category string `json:"category"`
	Note     string `json:"note"`
}

// peerCasesPath finds shared/testdata/peer-cases.jsonl beside the checkout.
func peerCasesPath(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "..", "shared", "testdata", "peer-cases.jsonl")
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			if _, err := os.Stat(p); err != nil {
				t.Fatalf("peer cases not found beside the checkout at %s: %v", p, err)
			}
			return p
		}
		if filepath.Dir(d) == d {
			t.Fatal("go.mod not found above the test directory")
		}
	}
}

func loadPeerCases(t *testing.T) []peerCase {
	t.Helper()
	f, err := os.Open(peerCasesPath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []peerCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r peerCase
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("peer case %d: %v", len(rows), err)
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

var (
	assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	urlField   = regexp.MustCompile(`https?://\S+`)
)

// candidateFromSample pulls the SAS out of a peer's sample the simple way:
// the whitespace-separated field that has sig= (or the query-looking field),
// without a leading VARIABLE= assignment, joined to a bare endpoint URL in
// the same sample. The scanner's detector does this for real; here it only
// gets the text to the parser.
func candidateFromSample(s string) string {
	var tokenField, endpoint string
	for _, f := range strings.Fields(s) {
		u := urlField.FindString(f)
		switch {
		case u != "" && strings.Contains(u, "?"):
			return u
		case u != "":
			endpoint = u
		case strings.Contains(f, "="):
			tokenField = f
			if m := assignment.FindString(f); m != "" && strings.Contains(f[len(m):], "=") {
				tokenField = f[len(m):]
			}
		}
	}
	if endpoint != "" && tokenField != "" {
		return endpoint + "?" + tokenField
	}
	return tokenField
}

// TestPeerCases runs every peer case labelled azure-sas, and the real
// incident token, through Parse and Assess. Each row carries the verdict
// overshare should reach, with a comment where it disagrees with the peer.
func TestPeerCases(t *testing.T) {
	type verdict struct {
		err      error    // a parse error wrapping this sentinel, or nil
		severity Severity // when err is nil
		kind     Kind
	}
	// Keyed by the row's index in peer-cases.jsonl. All the peers' tokens
	// expired in 2025, so at judgeNow they are historic: low.
	want := map[int]verdict{
		0: {severity: SeverityLow, kind: KindService},
		1: {severity: SeverityLow, kind: KindService},
		2: {severity: SeverityLow, kind: KindService},
		3: {severity: SeverityLow, kind: KindService},
		4: {severity: SeverityLow, kind: KindService},
		5: {severity: SeverityLow, kind: KindService},
		6: {severity: SeverityLow, kind: KindService}, // lower-case %3a escapes
		7: {severity: SeverityLow, kind: KindService},
		// TruffleHog's false positives are not SAS tokens to us either:
		8:  {err: ErrNotSAS},            // a plain list query
		9:  {err: ErrMissingField},      // no sig
		10: {err: ErrUnknownPermission}, // q is no container permission
		11: {err: ErrBadValue},          // sip=168.1.6 is no address
		// security-utilities' LooseSasSecret matches a lone signature-shaped
		// value. Row 131 is labelled a true positive there, but it carries no
		// token around it: there is nothing to parse or judge, only a string
		// that looks like a signature. The scanner reports such loose
		// signatures on their own rule; the SAS parser rightly refuses.
		131: {err: ErrNotSAS},
		132: {err: ErrNotSAS},
		133: {err: ErrNotSAS},
		// The real token from the incident repository, expired in 2021.
		134: {severity: SeverityLow, kind: KindAccount},
	}
	rows := loadPeerCases(t)
	seen := 0
	for i, row := range rows {
		if row.Category != "azure-sas" && row.Tool != "realworld" {
			continue
		}
		seen++
		w, ok := want[i]
		if !ok {
			t.Errorf("row %d (%s %s: %s) has no expected verdict in this table", i, row.Tool, row.Label, row.Note)
			continue
		}
		tok, err := Parse(candidateFromSample(row.Sample))
		if w.err != nil {
			if !errors.Is(err, w.err) {
				t.Errorf("row %d (%s): Parse error = %v, want %v", i, row.Note, err, w.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("row %d (%s): Parse: %v", i, row.Note, err)
			continue
		}
		a := Assess(tok, DefaultPolicy(), judgeNow)
		if diff := cmp.Diff([]any{w.severity, w.kind}, []any{a.Severity, tok.Kind}); diff != "" {
			t.Errorf("row %d (%s) verdict (-want +got):\n%s%s", i, row.Note, diff, reasonLines(a))
		}
	}
	if seen != len(want) {
		t.Errorf("checked %d azure-sas/realworld rows, the table expects %d", seen, len(want))
	}
}

// TestIncidentTokenWhenLive judges the real incident token at a time when it
// was still valid: the whole account, list and delete-version, over a year.
func TestIncidentTokenWhenLive(t *testing.T) {
	rows := loadPeerCases(t)
	var sample string
	for _, r := range rows {
		if r.Tool == "realworld" {
			sample = r.Sample
		}
	}
	if sample == "" {
		t.Fatal("no realworld row in peer cases")
	}
	tok, err := Parse(sample)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2020, 7, 20, 0, 0, 0, 0, time.UTC) // the day it was committed
	a := Assess(tok, DefaultPolicy(), at)
	if a.Severity != SeverityCritical {
		t.Errorf("live incident token: severity %s, want critical\n%s", a.Severity, reasonLines(a))
	}
	if tok.Account != "robustnessws4285631339" || tok.Kind != KindAccount || !tok.Permissions.Has('x') {
		t.Errorf("incident token parsed as %+v", summarize(tok))
	}
	if a.Remediation.Revocation != RevokeRotateKey {
		t.Errorf("revocation = %s, want rotate-key", a.Remediation.Revocation)
	}
}
