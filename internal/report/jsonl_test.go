package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestJSONLStreams: every event is one complete line, written before the
// next event arrives.
func TestJSONLStreams(t *testing.T) {
	run, fs, errs := fixture()
	var buf bytes.Buffer
	h := NewJSONLHandler(&buf, Options{})
	if err := h.Start(run); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Errorf("Start wrote %q; jsonl has no header", buf.String())
	}
	lines := 0
	check := func(event string) {
		t.Helper()
		lines++
		out := buf.String()
		if strings.Count(out, "\n") != lines || !strings.HasSuffix(out, "\n") {
			t.Fatalf("after %s: want %d complete lines, got %q", event, lines, out)
		}
		last := out[strings.LastIndex(strings.TrimSuffix(out, "\n"), "\n")+1:]
		if !json.Valid([]byte(last)) {
			t.Errorf("after %s: last line is not JSON: %q", event, last)
		}
	}
	for _, f := range fs {
		if err := h.Finding(f); err != nil {
			t.Fatal(err)
		}
		check("finding " + f.ID)
	}
	for _, e := range errs {
		if err := h.Error(e); err != nil {
			t.Fatal(err)
		}
		check("error " + e.Path)
	}
	if err := h.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := h.Finding(fs[0]); err == nil {
		t.Errorf("Finding after Flush succeeded; want an error")
	}
}

// TestJSONLMatchesJSON: the finding lines are the json report's findings
// and the error lines its errors, for any ShowSecrets.
func TestJSONLMatchesJSON(t *testing.T) {
	run, fs, errs := fixture()
	for _, show := range []bool{false, true} {
		opts := Options{ShowSecrets: show}
		var doc struct {
			Findings []any `json:"findings"`
			Errors   []any `json:"errors"`
		}
		if err := json.Unmarshal(render(t, "json", opts, run, fs, errs), &doc); err != nil {
			t.Fatal(err)
		}
		var findings, errors []any
		for line := range strings.Lines(string(render(t, "jsonl", opts, run, fs, errs))) {
			var v map[string]any
			if err := json.Unmarshal([]byte(line), &v); err != nil {
				t.Fatalf("line is not a JSON object: %v: %q", err, line)
			}
			if e, ok := v["error"]; ok {
				if len(v) != 1 {
					t.Errorf("error line has more than the error key: %q", line)
				}
				errors = append(errors, e)
				continue
			}
			findings = append(findings, v)
		}
		// The json report sorts; compare as sets through the same sort.
		sortAny := func(xs []any) []any {
			s := make([]string, len(xs))
			for i, x := range xs {
				b, _ := json.Marshal(x)
				s[i] = string(b)
			}
			return toAny(sortedLines(strings.Join(s, "\n")))
		}
		if diff := cmp.Diff(sortAny(doc.Findings), sortAny(findings)); diff != "" {
			t.Errorf("ShowSecrets=%v: jsonl findings differ from json (-json +jsonl):\n%s", show, diff)
		}
		if diff := cmp.Diff(sortAny(doc.Errors), sortAny(errors)); diff != "" {
			t.Errorf("ShowSecrets=%v: jsonl errors differ from json (-json +jsonl):\n%s", show, diff)
		}
	}
}

func toAny(s string) []any {
	var out []any
	for line := range strings.SplitSeq(s, "\n") {
		out = append(out, line)
	}
	return out
}
