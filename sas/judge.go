package sas

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Severity ranks how dangerous a token is.
type Severity int

// The severities, in increasing order.
const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < SeverityInfo || s > SeverityCritical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity parses a severity name (info, low, medium, high, critical).
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(name, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want info, low, medium, high or critical)", name)
}

// MarshalText renders the severity name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

func (s Severity) raise() Severity { return min(s+1, SeverityCritical) }

// Reason explains one part of a verdict. Code is stable and machine-readable
// (policies override severities by code); Text is a sentence for people.
type Reason struct {
	Code     string   `json:"code"`
	Text     string   `json:"text"`
	Severity Severity `json:"severity"`
}

// The reason codes Assess can return.
const (
	ReasonScopeAccount            = "scope-account"
	ReasonScopeContainer          = "scope-container"
	ReasonScopeObject             = "scope-object"
	ReasonLongLived               = "long-lived"
	ReasonExpired                 = "expired"
	ReasonNotYetValid             = "not-yet-valid"
	ReasonAccountSASDisallowed    = "account-sas-disallowed"
	ReasonForbiddenPermission     = "forbidden-permission"
	ReasonHTTPAllowed             = "http-allowed"
	ReasonNoIPRestriction         = "no-ip-restriction"
	ReasonKeyRotationOnly         = "revocable-only-by-key-rotation"
	ReasonStoredPolicy            = "stored-policy"
	ReasonPolicySuppliesFields    = "policy-supplies-fields"
	ReasonUserDelegation          = "user-delegation"
	ReasonExpiryAfterKeyExpiry    = "expiry-after-key-expiry"
	ReasonNonCanonicalPermissions = "non-canonical-permissions"
	ReasonDuplicatePermissions    = "duplicate-permissions"
	ReasonDuplicateParameters     = "duplicate-parameters"
	ReasonLegacyVersion           = "legacy-version"
	ReasonNoStart                 = "no-start"
	ReasonCorrelationID           = "correlation-id"
	ReasonUserBound               = "user-bound"
)

// ReasonCodes lists every reason code Assess can return, for validating
// policy overrides.
func ReasonCodes() []string {
	return []string{
		ReasonScopeAccount, ReasonScopeContainer, ReasonScopeObject, ReasonLongLived,
		ReasonExpired, ReasonNotYetValid, ReasonAccountSASDisallowed, ReasonForbiddenPermission,
		ReasonHTTPAllowed, ReasonNoIPRestriction, ReasonKeyRotationOnly, ReasonStoredPolicy,
		ReasonPolicySuppliesFields, ReasonUserDelegation, ReasonExpiryAfterKeyExpiry,
		ReasonNonCanonicalPermissions, ReasonDuplicatePermissions, ReasonDuplicateParameters,
		ReasonLegacyVersion, ReasonNoStart, ReasonCorrelationID, ReasonUserBound,
	}
}

// PermissionNames lists every permission name a token can carry, for
// validating policies.
func PermissionNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, table := range []map[byte]letterInfo{blobLetters, accountLetters, fileLetters, queueLetters, tableLetters} {
		for _, info := range table {
			if !seen[info.name] {
				seen[info.name] = true
				out = append(out, info.name)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Policy is what an organisation accepts. Start from [DefaultPolicy]; the
// CLI overrides it from .overshare.toml.
type Policy struct {
	// MaxLifetime is the longest a token may stay usable; longer raises the
	// verdict one level (default 7 days, as Azure's own SAS expiration policy
	// recommends).
	MaxLifetime time.Duration
	// AllowAccountSAS accepts account SAS tokens (default false).
	AllowAccountSAS bool
	// RequireHTTPS flags tokens usable over plain HTTP (default true).
	RequireHTTPS bool
	// RequireIPRange flags tokens without sip at medium instead of low.
	RequireIPRange bool
	// ForbiddenPermissions lists permission names (design.md names: delete,
	// permanent-delete, ...) that must never appear; each one found is high.
	ForbiddenPermissions []string
	// Overrides sets the severity of a reason by its code.
	Overrides map[string]Severity
}

// DefaultPolicy is the policy used when none is configured.
func DefaultPolicy() Policy {
	return Policy{
		MaxLifetime:          7 * 24 * time.Hour,
		RequireHTTPS:         true,
		ForbiddenPermissions: []string{"permanent-delete"},
	}
}

// Revocation names how a token can be taken back.
type Revocation string

// The ways to revoke a SAS.
const (
	RevokeRotateKey             Revocation = "rotate-key"
	RevokeDeletePolicy          Revocation = "delete-policy"
	RevokeUserDelegationKeys    Revocation = "revoke-user-delegation-keys"
	RevokeNothingExpiredAlready Revocation = "none-expired"
)

// Remediation says what to do about one token.
type Remediation struct {
	Revocation Revocation `json:"revocation"`
	Summary    string     `json:"summary"`
	Steps      []string   `json:"steps"`
	// AlsoRevokes says what else the revocation breaks.
	AlsoRevokes string `json:"also_revokes,omitempty"`
}

// Assessment is the verdict on one token.
type Assessment struct {
	Severity    Severity    `json:"severity"`
	Reasons     []Reason    `json:"reasons"`
	Remediation Remediation `json:"remediation"`
}

// Assess judges a token: what it can do, to how much, for how long, and
// whether it can be taken back, in that order. now is the clock, injected so
// that verdicts are reproducible.
//
// The verdict is the highest severity among the reasons, capped at low when
// the token has expired (the disclosure is historic; the account name and
// signing habits still leaked).
func Assess(t *Token, p Policy, now time.Time) Assessment {
	a := Assessment{}
	add := func(code string, sev Severity, format string, args ...any) {
		if o, ok := p.Overrides[code]; ok {
			sev = o
		}
		a.Reasons = append(a.Reasons, Reason{Code: code, Text: fmt.Sprintf(format, args...), Severity: sev})
	}

	expired := t.Expired(now)
	left, leftKnown := t.TimeLeft(now)
	caps := t.Permissions.Class
	what := capabilityWords(t)

	// 1. What it can do, to how much.
	var base Severity
	switch {
	case t.Kind == KindAccount:
		base = SeverityHigh
		add(ReasonScopeAccount, base, "account SAS for the %s service%s: %s every %s in account %s, not one resource",
			joinWords(serviceNames(t.Services)), plural(len(t.Services)), what, joinWords(t.ResourceTypes), accountName(t))
	case t.Resource == ResourceBlob || t.Resource == ResourceFile || t.Resource == ResourceSnapshot || t.Resource == ResourceVersion:
		base = SeverityLow
		if caps&(ClassWrite|ClassDestructive|ClassPrivileged) != 0 {
			base = SeverityMedium
		}
		add(ReasonScopeObject, base, "%s SAS for %s: %s this one %s", t.Service, resourceName(t), what, t.Resource)
	default:
		base = SeverityMedium
		if caps&(ClassWrite|ClassDestructive|ClassPrivileged) != 0 {
			base = SeverityHigh
		}
		add(ReasonScopeContainer, base, "%s SAS for the %s %s: %s everything in it", t.Service, t.Resource, resourceName(t), what)
	}

	// 2. For how long.
	switch {
	case expired:
		end := t.Expiry
		if t.KeyExpiry != nil && (end == nil || t.KeyExpiry.Before(*end)) {
			end = t.KeyExpiry
		}
		add(ReasonExpired, SeverityInfo, "expired %s (%s ago): it no longer grants access (verdict capped at low), but it shows the account name and how its tokens are signed",
			end.Format(time.RFC3339), humanDuration(now.Sub(*end)))
	case leftKnown && p.MaxLifetime > 0 && left > p.MaxLifetime:
		add(ReasonLongLived, base.raise(), "usable for another %s, until %s; policy allows at most %s",
			humanDuration(left), t.Expiry.Format(time.RFC3339), humanDuration(p.MaxLifetime))
	}
	if t.NotYetValid(now) && t.Start != nil {
		add(ReasonNotYetValid, SeverityInfo, "not valid before %s", t.Start.Format(time.RFC3339))
	}
	if t.Kind == KindUserDelegation && t.Expiry != nil && t.KeyExpiry != nil && t.Expiry.After(*t.KeyExpiry) {
		add(ReasonExpiryAfterKeyExpiry, SeverityLow, "expiry %s is after its user delegation key expires (%s): the token stops working at the earlier time",
			t.Expiry.Format(time.RFC3339), t.KeyExpiry.Format(time.RFC3339))
	}
	if _, ok := t.Lookup("st"); !ok && !expired {
		add(ReasonNoStart, SeverityInfo, "no start time: valid from whenever it is used")
	}

	// 3. Policy and hygiene.
	if t.Kind == KindAccount && !p.AllowAccountSAS {
		add(ReasonAccountSASDisallowed, SeverityHigh, "policy does not allow account SAS; share one container or blob with a service SAS instead")
	}
	for _, name := range p.ForbiddenPermissions {
		if slices.Contains(t.Permissions.Names(), name) {
			add(ReasonForbiddenPermission, SeverityHigh, "grants %q, which policy forbids", name)
		}
	}
	if p.RequireHTTPS && t.HTTPAllowed() {
		add(ReasonHTTPAllowed, SeverityMedium, "usable over plain HTTP (spr=%s): the token can be read off the wire", protocolWords(t))
	}
	if t.IPRange == "" {
		sev := SeverityLow
		if p.RequireIPRange {
			sev = SeverityMedium
		}
		add(ReasonNoIPRestriction, sev, "no IP restriction (sip): anyone who has the token can use it from anywhere")
	}
	if !t.Permissions.Canonical && t.Permissions.Raw != "" {
		add(ReasonNonCanonicalPermissions, SeverityLow, "permissions %q are not in any documented order: the token was probably edited by hand", t.Permissions.Raw)
	}
	if len(t.Permissions.Duplicates) > 0 {
		add(ReasonDuplicatePermissions, SeverityLow, "permission letters repeated: %q", string(t.Permissions.Duplicates))
	}
	if len(t.Duplicates) > 0 {
		add(ReasonDuplicateParameters, SeverityMedium, "parameters repeated: %s; services and tools may read different values", strings.Join(t.Duplicates, ", "))
	}
	if t.Version < "2015-04-05" {
		add(ReasonLegacyVersion, SeverityLow, "service version %s predates 2015-04-05: no protocol or IP restriction is possible", t.Version)
	}
	if t.Get("scid") != "" {
		add(ReasonCorrelationID, SeverityInfo, "carries a correlation id (scid) that appears in the account's logs")
	}
	if t.Get("sduoid") != "" {
		add(ReasonUserBound, SeverityInfo, "bound to one user (sduoid): the caller must also present that user's bearer token")
	}

	// 4. Whether it can be taken back.
	switch {
	case t.Kind == KindUserDelegation:
		add(ReasonUserDelegation, SeverityInfo, "user delegation SAS signed by Entra object %s: revocable by revoking the account's user delegation keys", t.Get("skoid"))
	case t.StoredPolicy != "":
		add(ReasonStoredPolicy, SeverityInfo, "bound to stored access policy %q: deleting that policy revokes it", t.StoredPolicy)
		var from []string
		for _, f := range []string{"sp", "st", "se"} {
			if _, ok := t.Lookup(f); !ok {
				from = append(from, f)
			}
		}
		if len(from) > 0 {
			add(ReasonPolicySuppliesFields, SeverityInfo, "%s come from the stored policy, so what the token can do and for how long is decided on the service, not in the token", strings.Join(from, ", "))
		}
	case !expired:
		sev := SeverityMedium
		if leftKnown && left <= 24*time.Hour {
			sev = SeverityLow
		}
		add(ReasonKeyRotationOnly, sev, "signed directly with an account key and bound to no stored policy: the only way to revoke it before it expires is to rotate that key")
	}

	for _, r := range a.Reasons {
		a.Severity = max(a.Severity, r.Severity)
	}
	if expired {
		a.Severity = min(a.Severity, SeverityLow)
	}
	a.Remediation = remediate(t, expired)
	return a
}

func remediate(t *Token, expired bool) Remediation {
	acct := accountName(t)
	replace := fmt.Sprintf("share only what is needed with a service SAS: https only, the fewest permissions, a short expiry, bound to a stored access policy "+
		"(overshare mint --account-url https://%[1]s.blob.core.windows.net --keys-file KEYS --container NAME --permissions r --expires 1d)", acct)
	if expired {
		r := Remediation{
			Revocation: RevokeNothingExpiredAlready,
			Summary:    "expired: nothing to revoke for this token",
			Steps: []string{
				"remove it from the repository and its history anyway: it names the account and shows how its tokens are made",
				"check that no token still in use was minted the same way (" + string(t.Kind) + " SAS, permissions " + t.Permissions.Raw + ")",
			},
		}
		if t.Kind == KindUserDelegation {
			r.Steps = r.Steps[:1]
		}
		return r
	}
	switch {
	case t.Kind == KindUserDelegation:
		return Remediation{
			Revocation: RevokeUserDelegationKeys,
			Summary:    "revoke the account's user delegation keys",
			Steps: []string{
				fmt.Sprintf("az storage account revoke-delegation-keys --name %s --resource-group RESOURCE_GROUP", acct),
				fmt.Sprintf("or remove the role assignment of object %s that let it request the key", t.Get("skoid")),
				"then " + replace,
			},
			AlsoRevokes: "every user delegation SAS issued for the account, not only this one",
		}
	case t.StoredPolicy != "":
		return Remediation{
			Revocation: RevokeDeletePolicy,
			Summary:    fmt.Sprintf("delete stored access policy %q on %s %s", t.StoredPolicy, t.Resource, containerOf(t)),
			Steps: []string{
				fmt.Sprintf("overshare revoke --execute '<token>' or: az storage %s policy delete --account-name %s --%s-name %s --name %s",
					azNoun(t), acct, azNoun(t), containerOf(t), t.StoredPolicy),
				fmt.Sprintf("never re-create a policy named %q: every old token bound to that name would work again; use a new Id", t.StoredPolicy),
				"policy changes can take up to 30 seconds to take effect",
			},
			AlsoRevokes: fmt.Sprintf("every other token bound to policy %q", t.StoredPolicy),
		}
	default:
		what := "account SAS"
		if t.Kind == KindService {
			what = "ad-hoc service SAS"
		}
		return Remediation{
			Revocation: RevokeRotateKey,
			Summary:    fmt.Sprintf("rotate the account key of %s that signed this %s: it is the only way to revoke it", acct, what),
			Steps: []string{
				"find which key signed it: overshare attribute --keys-file KEYS '<token>'",
				fmt.Sprintf("az storage account keys renew --account-name %s --key primary|secondary (key1 is primary, key2 secondary)", acct),
				"then " + replace,
				"to stop all key-signed tokens at once, disable shared key access (allowSharedKeyAccess=false) and use user delegation SAS",
			},
			AlsoRevokes: "every other SAS signed with the same key, and every client using that key or a connection string with it",
		}
	}
}

func azNoun(t *Token) string {
	switch t.Service {
	case ServiceFile:
		return "share"
	case ServiceQueue:
		return "queue"
	case ServiceTable:
		return "table"
	}
	return "container"
}

// containerOf is the first path segment: the container, share, queue or
// table that carries a stored policy.
func containerOf(t *Token) string {
	if t.Service == ServiceTable {
		if tn := t.Get("tn"); tn != "" {
			return tn
		}
	}
	c, _, _ := strings.Cut(t.Path, "/")
	if c == "" {
		return "NAME"
	}
	return c
}

func accountName(t *Token) string {
	if t.Account == "" {
		return "ACCOUNT"
	}
	return t.Account
}

func resourceName(t *Token) string {
	if t.Service == ServiceTable && t.Get("tn") != "" {
		return t.Get("tn")
	}
	if t.Path == "" {
		return "(path unknown)"
	}
	return t.Path
}

func serviceNames(s []Service) []string {
	names := make([]string, len(s))
	for i, x := range s {
		names[i] = string(x)
	}
	return names
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// joinWords joins "a", "b", "c" as "a, b and c".
func joinWords(w []string) string {
	switch len(w) {
	case 0:
		return ""
	case 1:
		return w[0]
	}
	return strings.Join(w[:len(w)-1], ", ") + " and " + w[len(w)-1]
}

func protocolWords(t *Token) string {
	if t.Protocol == "" {
		return "absent, meaning https,http"
	}
	return t.Protocol
}

// capabilityWords says what the token can do, e.g. "can read, list, write
// and delete".
func capabilityWords(t *Token) string {
	c := t.Permissions.Class
	if t.Permissions.Raw == "" {
		return "can do whatever its stored policy allows to"
	}
	var verbs []string
	if c&ClassRead != 0 {
		verbs = append(verbs, "read")
	}
	if c&ClassEnumerate != 0 {
		verbs = append(verbs, "list")
	}
	if c&ClassWrite != 0 {
		verbs = append(verbs, "write")
	}
	if c&ClassDestructive != 0 {
		verbs = append(verbs, "overwrite or delete")
	}
	if t.Permissions.Has('o') || (t.Permissions.Has('p') && t.Kind != KindAccount && t.Service != ServiceQueue) {
		verbs = append(verbs, "change ACLs and ownership of")
	}
	if t.Permissions.Has('i') {
		verbs = append(verbs, "put immutability locks on")
	}
	if len(verbs) == 0 {
		return "can use"
	}
	return "can " + joinWords(verbs)
}

// humanDuration renders a duration the way people read lifetimes: "25 years",
// "3 days", "45 minutes".
func humanDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	const day = 24 * time.Hour
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d >= 2*365*day:
		return plural(int64(d/(365*day)), "year")
	case d >= 60*day:
		return plural(int64(d/(30*day)), "month")
	case d >= 2*day:
		return plural(int64(d/day), "day")
	case d >= 2*time.Hour:
		return plural(int64(d/time.Hour), "hour")
	case d >= 2*time.Minute:
		return plural(int64(d/time.Minute), "minute")
	}
	return plural(int64(d/time.Second), "second")
}

// HumanDuration renders a duration as a person reads a lifetime ("25
// years", "3 days").
func HumanDuration(d time.Duration) string { return humanDuration(d) }
