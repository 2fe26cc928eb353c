package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/overshare/overshare/sas"
)

func TestParse(t *testing.T) {
	c, err := Parse("x.toml", []byte(`
[policy]
max_lifetime = "30d"
allow_account_sas = true
require_https = false
require_ip_range = true
forbidden_permissions = ["delete", "permanent-delete"]

[policy.severity]
no-ip-restriction = "info"
long-lived = "critical"
`))
	if err != nil {
		t.Fatal(err)
	}
	want := sas.Policy{
		MaxLifetime:          30 * 24 * time.Hour,
		AllowAccountSAS:      true,
		RequireHTTPS:         false,
		RequireIPRange:       true,
		ForbiddenPermissions: []string{"delete", "permanent-delete"},
		Overrides: map[string]sas.Severity{
			sas.ReasonNoIPRestriction: sas.SeverityInfo,
			sas.ReasonLongLived:       sas.SeverityCritical,
		},
	}
	if diff := cmp.Diff(want, c.Policy); diff != "" {
		t.Errorf("policy (-want +got):\n%s", diff)
	}
}

func TestParseKeepsDefaultsForAbsentKeys(t *testing.T) {
	c, err := Parse("x.toml", []byte("[policy]\nrequire_ip_range = true\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := sas.DefaultPolicy()
	want.RequireIPRange = true
	if diff := cmp.Diff(want, c.Policy); diff != "" {
		t.Errorf("policy (-want +got):\n%s", diff)
	}
}

func TestParseErrorsNameTheKey(t *testing.T) {
	tests := []struct{ name, text, key, msg string }{
		{"unknown key", "[policy]\nmax_lifetme = \"7d\"\n", "policy.max_lifetme", "unknown key"},
		{"bad duration", "[policy]\nmax_lifetime = \"a week\"\n", "policy.max_lifetime", "invalid duration"},
		{"negative days", "[policy]\nmax_lifetime = \"-1d\"\n", "policy.max_lifetime", "invalid duration"},
		{"unknown permission", "[policy]\nforbidden_permissions = [\"nuke\"]\n", "policy.forbidden_permissions", `unknown permission "nuke"`},
		{"bad severity", "[policy.severity]\nlong-lived = \"severe\"\n", "policy.severity.long-lived", "unknown severity"},
		{"wrong type", "[policy]\nallow_account_sas = \"yes\"\n", "", "allow_account_sas"},
		{"not toml", "[policy\n", "", "x.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.toml", []byte(tt.text))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error = %v, want *Error", err)
			}
			if ce.Key != tt.key {
				t.Errorf("Key = %q, want %q (%v)", ce.Key, tt.key, err)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "x.toml: ") {
				t.Errorf("message %q lacks %q or the file name", err, tt.msg)
			}
		})
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	c, err := Find(dir)
	if err != nil || c.Path != "" {
		t.Fatalf("Find(empty dir) = %+v, %v; want defaults", c, err)
	}
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte("[policy]\nmax_lifetime = \"1h\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != path || c.Policy.MaxLifetime != time.Hour {
		t.Errorf("Find = %+v", c)
	}
	if _, err := Load(filepath.Join(dir, "missing.toml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) error = %v, want fs.ErrNotExist", err)
	}
}

func TestIgnoreAndRules(t *testing.T) {
	c, err := Parse("x.toml", []byte(`
[ignore]
paths = ["testdata/**", "*.md", "docs/*/secret.txt"]
fingerprints = ["0123456789abcdef"]
[rules]
disabled = ["aws-access-key"]
`))
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{
		"testdata/a/b.txt":           true,
		"testdata":                   true,
		"src/testdata/x":             false,
		"README.md":                  true,
		"deep/dir/NOTES.md":          true,
		"docs/v1/secret.txt":         true,
		"docs/v1/v2/secret.txt":      false,
		"archive.md!inner/file.txt":  true,
		"main.go":                    false,
		"testdata.zip!inner/key.pem": false,
	} {
		if got := c.IgnorePath(path); got != want {
			t.Errorf("IgnorePath(%q) = %v, want %v", path, got, want)
		}
	}
	if !c.IgnoreFingerprint("0123456789abcdef") || c.IgnoreFingerprint("fedcba9876543210") {
		t.Error("IgnoreFingerprint wrong")
	}
	if diff := cmp.Diff([]string{"aws-access-key"}, c.DisabledRules); diff != "" {
		t.Errorf("DisabledRules (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"[ignore]\npaths = [\"[\"]\n", "[ignore]\nfingerprints = [\"not hex!\"]\n"} {
		if _, err := Parse("x.toml", []byte(bad)); err == nil {
			t.Errorf("Parse(%q) accepted a bad value", bad)
		}
	}
}

func TestCheckReasonCodes(t *testing.T) {
	c, err := Parse("x.toml", []byte("[policy.severity]\nlong-lived = \"low\"\nscary = \"high\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = c.CheckReasonCodes([]string{"long-lived", "expired"})
	var ce *Error
	if !errors.As(err, &ce) || ce.Key != "policy.severity.scary" || !strings.Contains(err.Error(), "unknown reason code") {
		t.Errorf("CheckReasonCodes = %v, want an error naming policy.severity.scary", err)
	}
	if err := c.CheckReasonCodes([]string{"long-lived", "scary"}); err != nil {
		t.Errorf("CheckReasonCodes with both known = %v", err)
	}
}
