// Package finding defines what overshare reports: a [Finding] with its
// [Severity], the [Location]s where it was seen, the [Reason]s for its
// severity and its [Remediation], and the redacting [Secret] type that
// holds the credential itself.
//
// The JSON encoding of these types is the canonical output contract
// (design.md, "Finding (JSON)"); the field tags here are that contract.
package finding

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Finding is one credential (or one risky file or setting) found by a rule.
// The same secret seen in many places is one Finding with many Locations.
type Finding struct {
	// ID is Fingerprint(Rule, secret): stable across runs, so baselines and
	// the service can recognise a finding they have seen before.
	ID       string   `json:"id"`
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	// Title is one line a person understands.
	Title     string     `json:"title"`
	Secret    Secret     `json:"secret,omitzero"`
	Locations []Location `json:"locations,omitempty"`
	// FirstSeen and LastSeen are set for git history: the commit that
	// introduced the secret and the last commit that still carried it.
	FirstSeen *Location `json:"first_seen,omitempty"`
	LastSeen  *Location `json:"last_seen,omitempty"`
	// Token holds the parsed facts of a shared-access credential (for a
	// SAS, the fields listed in design.md). It is typed any so that the
	// detector attaches its own struct without this package importing it;
	// it must be JSON-marshalable and must not carry the signature or any
	// other secret material.
	Token       any          `json:"token,omitempty"`
	Reasons     []Reason     `json:"reasons,omitempty"`
	Remediation *Remediation `json:"remediation,omitempty"`
	// Verification is the answer of a live, read-only check of the
	// credential (scan --verify); nil when it was not checked.
	Verification *Verification `json:"verification,omitempty"`
}

// The verdicts of a [Verification].
const (
	VerdictLive    = "live"    // the service accepted the credential
	VerdictDead    = "dead"    // expired, revoked, rotated or tampered
	VerdictUnknown = "unknown" // no answer, refused, or not checked
)

// Verification is what the service said about a credential when asked.
// It carries evidence only, never the credential.
type Verification struct {
	// Status is the verifier's status, e.g. "valid", "bad-signature",
	// "expired", "unreachable", or "skipped" when no request was sought.
	Status     string `json:"status"`
	HTTPStatus int    `json:"http_status,omitempty"`
	ErrorCode  string `json:"error_code,omitempty"`
	// Verdict is VerdictLive, VerdictDead or VerdictUnknown.
	Verdict string `json:"verdict"`
	Detail  string `json:"detail,omitempty"`
}

// Reason says why a finding has its severity. Code is stable and
// machine-readable (policy keys on it); Text is for people.
type Reason struct {
	Code string `json:"code"`
	Text string `json:"text"`
	// Severity is this reason's own weight, when the judge gives one; the
	// finding's severity is derived from its reasons.
	Severity Severity `json:"severity,omitzero"`
}

// Location is one place a secret was seen. Line and Column are 1-based;
// zero means unknown. The git fields are empty outside git history.
type Location struct {
	Path   string     `json:"path,omitempty"`
	Line   int        `json:"line,omitempty"`
	Column int        `json:"column,omitempty"`
	Commit string     `json:"commit,omitempty"`
	Author string     `json:"author,omitempty"`
	Date   *time.Time `json:"date,omitempty"`
	// InHead is nil when unknown (not a git scan), otherwise whether the
	// secret is still present at HEAD. A pointer, because "false" is the
	// important answer and must not be dropped by omitempty.
	InHead *bool `json:"in_head,omitempty"`
}

// Remediation says what to do about one credential.
type Remediation struct {
	// Summary is the one action that closes the exposure, e.g. "rotate
	// key1 of storage account X".
	Summary string `json:"summary"`
	// Steps are the concrete steps, in order.
	Steps []string `json:"steps,omitempty"`
	// AlsoRevokes says what else the action takes down, because the
	// cheapest revocation is often not free: rotating an account key
	// invalidates every SAS signed with it, not just the leaked one.
	AlsoRevokes string `json:"also_revokes,omitempty"`
}

// Fingerprint returns the stable ID of the (rule, secret) pair: the first
// 16 hex digits of SHA-256(rule, NUL, secret). The NUL keeps ("ab", "c")
// and ("a", "bc") apart; the rule is included so one string matched by
// two rules stays two findings.
func Fingerprint(rule, secret string) string {
	h := sha256.New()
	h.Write([]byte(rule))
	h.Write([]byte{0})
	h.Write([]byte(secret))
	return hex.EncodeToString(h.Sum(nil))[:16]
}
