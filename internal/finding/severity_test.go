package finding

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSeverity(t *testing.T) {
	tests := []struct {
		in      string
		want    Severity
		wantErr bool
	}{
		{in: "info", want: Info},
		{in: "low", want: Low},
		{in: "medium", want: Medium},
		{in: "high", want: High},
		{in: "critical", want: Critical},
		{in: "HIGH", want: High},
		{in: " Critical\n", want: Critical},
		{in: "", wantErr: true},
		{in: "severe", wantErr: true},
		{in: "hi", wantErr: true},
		{in: "Severity(4)", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseSeverity(tt.in)
		if tt.wantErr {
			if !errors.Is(err, ErrUnknownSeverity) {
				t.Errorf("ParseSeverity(%q) error = %v, want one wrapping ErrUnknownSeverity", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSeverity(%q) unexpected error: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseSeverity(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseSeverityErrorListsNames(t *testing.T) {
	_, err := ParseSeverity("severe")
	want := `unknown severity "severe" (want one of info, low, medium, high, critical)`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestSeverityOrder(t *testing.T) {
	got := Severities()
	var names []string
	for i, s := range got {
		names = append(names, s.String())
		if i > 0 && !(got[i-1] < s) {
			t.Errorf("%v is not below %v", got[i-1], s)
		}
	}
	if diff := cmp.Diff([]string{"info", "low", "medium", "high", "critical"}, names); diff != "" {
		t.Errorf("Severities() names mismatch (-want +got):\n%s", diff)
	}
	if !(Info < Low && Low < Medium && Medium < High && High < Critical) {
		t.Error("constants are not ordered Info < Low < Medium < High < Critical")
	}
	if Severity(0).Valid() || Severity(6).Valid() {
		t.Error("out-of-range severities report Valid")
	}
	if got, want := Severity(0).String(), "Severity(0)"; got != want {
		t.Errorf("Severity(0).String() = %q, want %q", got, want)
	}
}

func TestSeverityJSON(t *testing.T) {
	type doc struct {
		S Severity `json:"s"`
	}
	for _, s := range Severities() {
		b, err := json.Marshal(doc{S: s})
		if err != nil {
			t.Fatalf("marshal %v: %v", s, err)
		}
		if want := `{"s":"` + s.String() + `"}`; string(b) != want {
			t.Errorf("marshal %v = %s, want %s", s, b, want)
		}
		var back doc
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if back.S != s {
			t.Errorf("round trip of %v gave %v", s, back.S)
		}
	}
	if _, err := json.Marshal(doc{}); err == nil {
		t.Error("marshaling the zero Severity succeeded; want an error so unset severities cannot pass as info")
	}
	var d doc
	if err := json.Unmarshal([]byte(`{"s":"bogus"}`), &d); !errors.Is(err, ErrUnknownSeverity) {
		t.Errorf("unmarshal of unknown name: error = %v, want ErrUnknownSeverity", err)
	}
}
