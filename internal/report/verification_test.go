package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/overshare/overshare/internal/finding"
)

// TestVerificationShown: every human-facing format shows a live check's
// result, and none shows the secret.
func TestVerificationShown(t *testing.T) {
	f := &finding.Finding{ID: "0123456789abcdef", Rule: "azure-sas", Severity: finding.Critical, Title: "t",
		Secret:       finding.NewSecret("supersecretsignaturevalue"),
		Locations:    []finding.Location{{Path: "a.txt", Line: 1}},
		Verification: &finding.Verification{Status: "valid", HTTPStatus: 200, Verdict: finding.VerdictLive, Detail: "the service accepted the token"}}
	for _, format := range []string{"text", "markdown", "sarif", "json"} {
		var buf bytes.Buffer
		h, err := New(format, &buf, Options{})
		if err != nil {
			t.Fatal(err)
		}
		h.Start(RunInfo{})
		h.Finding(f)
		if err := h.Flush(); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !strings.Contains(out, "valid") || !strings.Contains(out, "200") || !strings.Contains(out, "live") {
			t.Errorf("%s does not show the verification:\n%s", format, out)
		}
		if strings.Contains(out, "supersecretsignaturevalue") {
			t.Errorf("%s leaks the secret", format)
		}
	}
}
