package finding

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// fakeCredential is assembled at run time so this file does not look like
// a leaked key to overshare or any other scanner.
func fakeCredential() string {
	return "sv=2021-08-06&sig=" + strings.Repeat("Qx7", 12) + "%3D"
}

func TestRedact(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"a", "…"},
		{"abc", "…"},
		{"abcd", "a…"},
		{"abcdefgh", "ab…"},
		{"abcdefghijkl", "ab…l"},
		{"abcdefghijklmnop", "abc…p"},
		{"abcdefghijklmnopqrstuvwx", "abcd…wx"},
		{strings.Repeat("x", 100) + "yz", "xxxx…yz"},
		{"ünïcödé-sëcrèt-välüé", "ünïc…é"},
	}
	for _, tt := range tests {
		got := NewSecret(tt.in).Redacted()
		if got != tt.want {
			t.Errorf("Redacted(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRedactNeverShowsMoreThanAQuarter checks the property for every
// length up to 64, not only the examples above.
func TestRedactNeverShowsMoreThanAQuarter(t *testing.T) {
	for n := 0; n <= 64; n++ {
		raw := strings.Repeat("s", n)
		red := redact(raw)
		shown := utf8.RuneCountInString(strings.ReplaceAll(red, "…", ""))
		if shown > n/4 {
			t.Errorf("length %d: redacted %q shows %d characters, more than %d", n, red, shown, n/4)
		}
		if n > 0 && !strings.Contains(red, "…") {
			t.Errorf("length %d: redacted %q has no ellipsis", n, red)
		}
	}
}

func TestSecretNeverLeaksThroughFmt(t *testing.T) {
	raw := fakeCredential()
	s := NewSecret(raw)
	type exported struct {
		Name   string
		Secret Secret
	}
	type unexported struct {
		name   string
		secret Secret
	}
	type withPointer struct {
		S *Secret
	}
	values := map[string]any{
		"value":              s,
		"pointer":            &s,
		"with-raw":           s.WithRaw(true),
		"exported field":     exported{Name: "n", Secret: s},
		"unexported field":   unexported{name: "n", secret: s},
		"pointer to struct":  &unexported{name: "n", secret: s},
		"pointer field":      withPointer{S: &s},
		"slice":              []Secret{s, s},
		"map":                map[string]Secret{"k": s},
		"finding":            Finding{ID: "x", Severity: High, Secret: s},
		"wrapped in error":   fmt.Errorf("reading token %v: %w", s, errors.New("boom")),
		"joined errors":      errors.Join(fmt.Errorf("token %s", s), errors.New("other")),
		"any holding secret": any(s),
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%30s", "%-30v", "%.50s"}
	forbidden := []string{raw, hex.EncodeToString([]byte(raw)), strings.ToUpper(hex.EncodeToString([]byte(raw))), "Qx7Qx7"}
	for name, v := range values {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, v)
			for _, bad := range forbidden {
				if strings.Contains(out, bad) {
					t.Errorf("%s with %s leaked the secret: %s", name, verb, out)
				}
			}
		}
	}
	// Methods used directly, not through fmt.
	for name, out := range map[string]string{
		"String":   s.String(),
		"GoString": s.GoString(),
		"Error":    fmt.Errorf("x: %v", s).Error(),
	} {
		if strings.Contains(out, raw) {
			t.Errorf("%s leaked the secret: %s", name, out)
		}
	}
}

func TestSecretFormatShowsPreview(t *testing.T) {
	s := NewSecret(fakeCredential())
	tests := []struct {
		format string
		want   string
	}{
		{"%v", "sv=2…3D"},
		{"%s", "sv=2…3D"},
		{"%+v", "sv=2…3D"},
		{"%q", `"sv=2…3D"`},
		{"%#v", `finding.Secret{redacted:"sv=2…3D"}`},
		{"[%9s]", "[  sv=2…3D]"},
		{"[%-9v]", "[sv=2…3D  ]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf(tt.format, s); got != tt.want {
			t.Errorf("Sprintf(%q) = %q, want %q", tt.format, got, tt.want)
		}
	}
}

func TestSecretNeverLeaksThroughSlog(t *testing.T) {
	raw := fakeCredential()
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	logger.Info("found", "secret", NewSecret(raw))
	if strings.Contains(buf.String(), raw) {
		t.Errorf("slog output leaked the secret: %s", buf.String())
	}
	if !strings.Contains(buf.String(), "sv=2…3D") {
		t.Errorf("slog output lacks the redacted preview: %s", buf.String())
	}
}

func TestSecretJSON(t *testing.T) {
	raw := fakeCredential()
	sum := sha256.Sum256([]byte(raw))
	wantHash := hex.EncodeToString(sum[:])
	s := NewSecret(raw)

	decode := func(t *testing.T, v any) map[string]any {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		return m
	}

	got := decode(t, s)
	want := map[string]any{"redacted": "sv=2…3D", "sha256": wantHash}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("redacted JSON mismatch (-want +got):\n%s", diff)
	}

	got = decode(t, s.WithRaw(true))
	want = map[string]any{"redacted": "sv=2…3D", "sha256": wantHash, "raw": raw}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON with raw mismatch (-want +got):\n%s", diff)
	}

	// WithRaw must return a copy: the original stays redacted.
	if _, ok := decode(t, s)["raw"]; ok {
		t.Error("WithRaw(true) changed the original secret")
	}
	if _, ok := decode(t, s.WithRaw(true).WithRaw(false))["raw"]; ok {
		t.Error("WithRaw(false) still includes raw")
	}

	// Inside a struct, through a pointer and in a slice.
	type holder struct {
		S  Secret   `json:"s"`
		P  *Secret  `json:"p"`
		L  []Secret `json:"l"`
		un Secret
	}
	b, err := json.Marshal(holder{S: s, P: &s, L: []Secret{s}, un: s})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), raw) {
		t.Errorf("struct JSON leaked the secret: %s", b)
	}
	if strings.Count(string(b), wantHash) != 3 {
		t.Errorf("struct JSON should carry the hash three times: %s", b)
	}

	if b, err := json.Marshal(Secret{}); err != nil || string(b) != "null" {
		t.Errorf("zero Secret marshals to %s, %v; want null", b, err)
	}
}

func TestSecretRevealAndEqual(t *testing.T) {
	raw := fakeCredential()
	s := NewSecret(raw)
	if s.Reveal() != raw {
		t.Errorf("Reveal() = %q, want the raw value", s.Reveal())
	}
	if s.WithRaw(true).Reveal() != raw {
		t.Error("WithRaw changed the value")
	}
	if !s.Equal(NewSecret(raw)) || s.Equal(NewSecret(raw+"x")) {
		t.Error("Equal does not compare the held values")
	}
	if !(Secret{}).IsZero() || !NewSecret("").IsZero() || s.IsZero() {
		t.Error("IsZero is wrong")
	}
	if (Secret{}).Reveal() != "" || (Secret{}).SHA256() != "" {
		t.Error("zero Secret is not empty")
	}
}
