package finding

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFingerprint(t *testing.T) {
	tests := []struct {
		rule, secret, want string
	}{
		// Pinned values: a change here changes every finding ID users have
		// in baselines, so it must be deliberate.
		{"azure-sas", "example-secret", "66ad47042a6b5656"},
		{"azure-storage-key", "example-secret", "e593d661ec3dff95"},
	}
	for _, tt := range tests {
		if got := Fingerprint(tt.rule, tt.secret); got != tt.want {
			t.Errorf("Fingerprint(%q, %q) = %q, want %q", tt.rule, tt.secret, got, tt.want)
		}
		if got := Fingerprint(tt.rule, tt.secret); got != tt.want {
			t.Errorf("Fingerprint(%q, %q) is not stable: %q", tt.rule, tt.secret, got)
		}
	}
	if Fingerprint("ab", "c") == Fingerprint("a", "bc") {
		t.Error("Fingerprint does not separate rule from secret")
	}
	if Fingerprint("azure-sas", "a") == Fingerprint("azure-sas", "b") {
		t.Error("Fingerprint ignores the secret")
	}
}

func TestFindingJSON(t *testing.T) {
	date := time.Date(2020, 6, 24, 10, 0, 0, 0, time.UTC)
	no := false
	type tokenFacts struct {
		Kind   string `json:"kind"`
		Expiry string `json:"expiry"`
	}
	f := Finding{
		ID:       Fingerprint("azure-sas", "example-secret"),
		Rule:     "azure-sas",
		Severity: Critical,
		Title:    "Account SAS with write and delete, valid until 2051",
		Secret:   NewSecret("example-secret"),
		Locations: []Location{
			{Path: "README.md", Line: 3, Column: 7, Commit: "abc123", Author: "Alice", Date: &date, InHead: &no},
			{Path: "notes.txt"},
		},
		FirstSeen:   &Location{Commit: "abc123", Date: &date},
		Token:       tokenFacts{Kind: "account", Expiry: "2051-10-06T00:00:00Z"},
		Reasons:     []Reason{{Code: "account-scope", Text: "covers the whole account"}},
		Remediation: &Remediation{Summary: "rotate key1", Steps: []string{"rotate", "re-issue"}, AlsoRevokes: "every SAS signed with key1"},
	}
	got, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
	"id": "66ad47042a6b5656",
	"rule": "azure-sas",
	"severity": "critical",
	"title": "Account SAS with write and delete, valid until 2051",
	"secret": {"redacted": "ex…t", "sha256": "7fccb1e7c6b606c58525851cc1bfe1bdeed2251a07fefc0e269e1382d3c97406"},
	"locations": [
		{"path": "README.md", "line": 3, "column": 7, "commit": "abc123", "author": "Alice", "date": "2020-06-24T10:00:00Z", "in_head": false},
		{"path": "notes.txt"}
	],
	"first_seen": {"commit": "abc123", "date": "2020-06-24T10:00:00Z"},
	"token": {"kind": "account", "expiry": "2051-10-06T00:00:00Z"},
	"reasons": [{"code": "account-scope", "text": "covers the whole account"}],
	"remediation": {"summary": "rotate key1", "steps": ["rotate", "re-issue"], "also_revokes": "every SAS signed with key1"}
}`
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(want)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(compact.String(), string(got)); diff != "" {
		t.Errorf("Finding JSON mismatch (-want +got):\n%s", diff)
	}
}

func TestFindingJSONOmitsEmpty(t *testing.T) {
	got, err := json.Marshal(Finding{ID: "i", Rule: "r", Severity: Low, Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"i","rule":"r","severity":"low","title":"t"}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
