package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/overshare/overshare/internal/finding"
)

func TestTextCapsLocations(t *testing.T) {
	f := &finding.Finding{ID: "0123456789abcdef", Rule: "azure-sas", Severity: finding.High, Title: "t",
		Reasons: []finding.Reason{{Code: "long-lived", Text: "x", Severity: finding.Critical}}}
	for i := 1; i <= 40; i++ {
		f.Locations = append(f.Locations, finding.Location{Path: fmt.Sprintf("f%02d.txt", i), Line: i})
	}
	var buf bytes.Buffer
	h := NewTextHandler(&buf, Options{})
	if err := h.Start(RunInfo{}); err != nil {
		t.Fatal(err)
	}
	if err := h.Finding(f); err != nil {
		t.Fatal(err)
	}
	if err := h.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "f05.txt:5") || strings.Contains(out, "f06.txt") {
		t.Errorf("want the first 5 locations only:\n%s", out)
	}
	if !strings.Contains(out, "... and 35 more (--format json lists every one)") {
		t.Errorf("want a count of the rest:\n%s", out)
	}
	if !strings.Contains(out, "critical long-lived: x") {
		t.Errorf("want each reason's severity:\n%s", out)
	}
}
