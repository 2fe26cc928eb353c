package finding

import (
	"errors"
	"fmt"
	"strings"
)

// Severity ranks how bad a finding is. Values are ordered, so policy can
// compare them directly: Info < Low < Medium < High < Critical.
//
// The zero value is deliberately not a valid severity: a finding whose
// severity was never set fails to marshal instead of silently reading as
// "info" and slipping under --fail-on.
type Severity int8

// The severities, lowest first.
const (
	Info Severity = iota + 1
	Low
	Medium
	High
	Critical
)

// ErrUnknownSeverity is wrapped by every error that ParseSeverity and
// UnmarshalText return for a name they do not know.
var ErrUnknownSeverity = errors.New("unknown severity")

// name returns the canonical name of a valid severity. A switch rather
// than a lookup table keeps the package free of mutable package state.
func (s Severity) name() string {
	switch s {
	case Info:
		return "info"
	case Low:
		return "low"
	case Medium:
		return "medium"
	case High:
		return "high"
	case Critical:
		return "critical"
	}
	return ""
}

// Severities returns every valid severity, lowest first. It returns a new
// slice on each call so callers may modify it.
func Severities() []Severity {
	return []Severity{Info, Low, Medium, High, Critical}
}

// Valid reports whether s is one of the named severities.
func (s Severity) Valid() bool {
	return s >= Info && s <= Critical
}

// String returns the lower-case name ("high"), or "Severity(N)" for an
// invalid value so that a bug shows up in output rather than hiding.
func (s Severity) String() string {
	if !s.Valid() {
		return fmt.Sprintf("Severity(%d)", int8(s))
	}
	return s.name()
}

// ParseSeverity parses a severity name. It ignores case and surrounding
// space because people type "--fail-on High".
func ParseSeverity(name string) (Severity, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, s := range Severities() {
		if s.name() == n {
			return s, nil
		}
	}
	return 0, fmt.Errorf("%w %q (want one of %s)", ErrUnknownSeverity, name, severityList())
}

func severityList() string {
	var names []string
	for _, s := range Severities() {
		names = append(names, s.name())
	}
	return strings.Join(names, ", ")
}

// MarshalText encodes s as its lower-case name. It fails for an invalid
// severity rather than writing a value no reader could parse back.
func (s Severity) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("marshaling severity: invalid value %d", int8(s))
	}
	return []byte(s.name()), nil
}

// UnmarshalText decodes a severity name as written by MarshalText.
func (s *Severity) UnmarshalText(text []byte) error {
	v, err := ParseSeverity(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// SeverityFrom converts a judge's severity (sas.Severity and the like,
// whose String is one of the five names) to a report severity. An unknown
// name maps to Critical: a conversion bug must never lower a verdict.
func SeverityFrom(s fmt.Stringer) Severity {
	v, err := ParseSeverity(s.String())
	if err != nil {
		return Critical
	}
	return v
}
