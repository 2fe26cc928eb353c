package finding

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
)

// Secret holds a live credential and keeps it out of every output path
// that is not an explicit request for it: String, GoString, Format (all
// verbs, including %#v), MarshalJSON and slog all see only a redacted
// preview and the SHA-256. Only [Secret.Reveal] returns the value.
//
// The value is reachable only through a closure, on purpose. When fmt
// prints a struct that holds a Secret in an unexported field it cannot
// call Secret's methods and falls back to reflection; a string or a
// pointer would then be printed (a pointer's target is, under a wrong verb
// such as %s), while a func prints as an address whatever the verb.
//
// The zero Secret is empty; it marshals to JSON null.
type Secret struct {
	v func() secretValue
}

type secretValue struct {
	raw     string
	showRaw bool // set by WithRaw: MarshalJSON then adds "raw"
}

// NewSecret wraps a credential.
func NewSecret(raw string) Secret {
	return newSecret(secretValue{raw: raw})
}

func newSecret(v secretValue) Secret {
	return Secret{v: func() secretValue { return v }}
}

func (s Secret) value() secretValue {
	if s.v == nil {
		return secretValue{}
	}
	return s.v()
}

// Reveal returns the credential. Call it only to use the credential or
// when the user asked to see it (--show-secrets).
func (s Secret) Reveal() string {
	return s.value().raw
}

// IsZero reports whether s holds no credential. encoding/json's omitzero
// uses it, so an empty secret field disappears from the output.
func (s Secret) IsZero() bool {
	return s.value().raw == ""
}

// Equal reports whether s and o hold the same credential, in constant
// time. It also lets go-cmp compare values that contain a Secret.
func (s Secret) Equal(o Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s.Reveal()), []byte(o.Reveal())) == 1
}

// WithRaw returns a copy of s whose MarshalJSON includes the raw value
// when show is true. s itself is not changed, so a finding shared between
// outputs cannot start leaking in one because another asked for raw.
func (s Secret) WithRaw(show bool) Secret {
	if s.v == nil {
		return s
	}
	v := s.value()
	v.showRaw = show
	return newSecret(v)
}

// SHA256 returns the hex SHA-256 of the credential: enough to match the
// same secret across reports and against a known value, without holding it.
func (s Secret) SHA256() string {
	if s.IsZero() {
		return ""
	}
	sum := sha256.Sum256([]byte(s.Reveal()))
	return hex.EncodeToString(sum[:])
}

// Redacted returns a preview a person can recognise: at most the first 4
// and last 2 characters around "…", and never more than a quarter of the
// secret's characters in total, so short secrets reveal less (a secret of
// fewer than 4 characters shows only "…").
func (s Secret) Redacted() string {
	return redact(s.Reveal())
}

func redact(raw string) string {
	r := []rune(raw)
	n := len(r)
	if n == 0 {
		return ""
	}
	budget := n / 4
	tail := min(2, budget/3)
	head := min(4, budget-tail)
	return string(r[:head]) + "…" + string(r[n-tail:])
}

// String returns the redacted preview.
func (s Secret) String() string {
	return s.Redacted()
}

// GoString redacts too, so %#v in a debug print is safe.
func (s Secret) GoString() string {
	return "finding.Secret{redacted:" + strconv.Quote(s.Redacted()) + "}"
}

// Format applies every verb, width and flag to the redacted preview;
// %#v prints GoString. Implementing Format means fmt never looks at the
// value through reflection.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), s.Redacted())
}

// LogValue keeps structured logs redacted.
func (s Secret) LogValue() slog.Value {
	return slog.StringValue(s.Redacted())
}

type secretJSON struct {
	Redacted string `json:"redacted"`
	SHA256   string `json:"sha256"`
	Raw      string `json:"raw,omitempty"`
}

// MarshalJSON writes {"redacted": ..., "sha256": ...}, plus "raw" only
// for a copy made with WithRaw(true).
func (s Secret) MarshalJSON() ([]byte, error) {
	if s.IsZero() {
		return []byte("null"), nil
	}
	out := secretJSON{Redacted: s.Redacted(), SHA256: s.SHA256()}
	if v := s.value(); v.showRaw {
		out.Raw = v.raw
	}
	return json.Marshal(out)
}
