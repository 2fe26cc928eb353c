package sas

import (
	"net/url"
	"strings"
	"time"
)

// Kind is the kind of a SAS: who signed it and how it can be revoked.
type Kind string

// The kinds of SAS.
const (
	// KindAccount is an account SAS (ss and srt): signed with an account key,
	// revocable only by rotating that key.
	KindAccount Kind = "account"
	// KindService is a service SAS for one container, blob, directory, share,
	// file, queue or table; signed with an account key, optionally bound to a
	// stored access policy (si).
	KindService Kind = "service"
	// KindUserDelegation is a user delegation SAS (skoid and the other sk*
	// fields), signed with a user delegation key obtained through Entra ID.
	KindUserDelegation Kind = "user-delegation"
)

// Service is an Azure Storage service. DFS (Data Lake) endpoints sign as
// blob but are reported as dfs.
type Service string

// The storage services.
const (
	ServiceBlob  Service = "blob"
	ServiceDFS   Service = "dfs"
	ServiceFile  Service = "file"
	ServiceQueue Service = "queue"
	ServiceTable Service = "table"
)

// signingService is the service name used in the canonicalized resource.
func (s Service) signingService() string {
	if s == ServiceDFS {
		return string(ServiceBlob)
	}
	return string(s)
}

// Resource is what a token grants access to.
type Resource string

// The resources a SAS can be scoped to.
const (
	ResourceAccount   Resource = "account"
	ResourceContainer Resource = "container"
	ResourceBlob      Resource = "blob"
	ResourceSnapshot  Resource = "snapshot"
	ResourceVersion   Resource = "version"
	ResourceDirectory Resource = "directory"
	ResourceShare     Resource = "share"
	ResourceFile      Resource = "file"
	ResourceQueue     Resource = "queue"
	ResourceTable     Resource = "table"
)

// Form says in which textual form a token was found.
type Form string

// The textual forms Parse accepts.
const (
	FormURL              Form = "url"
	FormQuery            Form = "query"
	FormConnectionString Form = "connection-string"
)

// Param is one query parameter as it appeared in the token. Value is the
// URL-decoded literal value: exactly what the service signs, never
// re-formatted.
type Param struct {
	Key   string // decoded (SAS keys are matched case-insensitively)
	Raw   string // the escaped value as written in the query
	Value string // the decoded value

	text string // the whole key=value part exactly as written
}

// Token is a parsed shared access signature. It holds the literal values of
// every parameter (the signature is computed over them) and the facts derived
// from them. The zero value is not useful; build one with [Parse].
//
// A Token holds a live credential: its String method redacts the signature.
type Token struct {
	// Params lists every query parameter in order, SAS or not.
	Params []Param
	// Duplicates lists SAS keys (lower-cased) that occurred more than once;
	// the first occurrence is used, as the Go SDK does.
	Duplicates []string

	// Form is the textual form the token was found in, and Encodings the
	// escaping layers removed to reach it, outermost first (for example
	// "html", "json", "percent").
	Form      Form
	Encodings []string

	// Scheme, Host and Endpoint describe where the token is used. Endpoint is
	// the service endpoint including the account path segment for IP-style
	// (emulator) URLs, e.g. "http://127.0.0.1:10000/devstoreaccount1". They
	// are empty when the token was found without a URL.
	Scheme   string
	Host     string
	Endpoint string
	// IPStyle is true for emulator-style URLs where the account is the first
	// path segment.
	IPStyle bool
	// Cloud names the Azure cloud of the host ("public", "china",
	// "usgovernment", "germany"), "emulator" for Azurite-style hosts, or
	// "custom" for other hosts.
	Cloud string

	// Account is the storage account name ("" when unknown).
	Account string
	// Service is the service the token is used on: from the endpoint host,
	// else from the token's own fields (tn → table, sr=s/f → file ...).
	Service Service
	// Path is the URL-decoded resource path inside the account, without a
	// leading slash: "container", "container/dir/blob.txt", "queue", "".
	Path string

	Kind     Kind
	Resource Resource
	// Version is sv.
	Version string

	// Services and ResourceTypes are set for an account SAS (ss, srt).
	Services      []Service
	ResourceTypes []string

	Permissions Permissions

	// Start, Expiry, KeyStart and KeyExpiry are nil when the field is absent.
	Start, Expiry, KeyStart, KeyExpiry *time.Time

	// Protocol is spr as written ("" when absent, which the service treats as
	// "https,http").
	Protocol string
	// IPRange is sip as written.
	IPRange string
	// StoredPolicy is si.
	StoredPolicy string
}

// Get returns the decoded value of the first occurrence of a parameter,
// matching the key case-insensitively.
func (t *Token) Get(key string) string {
	v, _ := t.Lookup(key)
	return v
}

// Lookup is like Get and also reports whether the parameter was present.
func (t *Token) Lookup(key string) (string, bool) {
	for _, p := range t.Params {
		if strings.EqualFold(p.Key, key) {
			return p.Value, true
		}
	}
	return "", false
}

// Signature returns the decoded signature (sig). It is the secret part of the
// token.
func (t *Token) Signature() string { return t.Get("sig") }

// Query returns the token's query string exactly as written (parameters in
// their original order and escaping). It contains the live signature.
func (t *Token) Query() string {
	return t.render(false, false)
}

// URL returns the full URL (endpoint, path and query) when the endpoint is
// known, else the query alone. It contains the live signature.
func (t *Token) URL() string {
	return t.render(true, false)
}

// Redacted returns the URL or query with the signature replaced by "REDACTED".
func (t *Token) Redacted() string { return t.render(true, true) }

// String returns the redacted form, so that printing a Token never leaks it.
func (t *Token) String() string { return t.Redacted() }

// GoString redacts too, for %#v.
func (t *Token) GoString() string { return "sas.Token(" + t.Redacted() + ")" }

func (t *Token) render(withEndpoint, redact bool) string {
	var b strings.Builder
	if withEndpoint && t.Endpoint != "" {
		b.WriteString(strings.TrimSuffix(t.Endpoint, "/"))
		b.WriteByte('/')
		for i, seg := range strings.Split(t.Path, "/") {
			if i > 0 {
				b.WriteByte('/')
			}
			b.WriteString(url.PathEscape(seg))
		}
		b.WriteByte('?')
	}
	for i, p := range t.Params {
		if i > 0 {
			b.WriteByte('&')
		}
		switch {
		case redact && strings.EqualFold(p.Key, "sig"):
			b.WriteString(p.Key + "=REDACTED")
		case p.text != "":
			b.WriteString(p.text)
		default:
			b.WriteString(p.Key + "=" + p.Raw)
		}
	}
	return b.String()
}

// Lifetime is the validity window se − st. It is zero when either end is
// unknown (an absent st means "from whenever it is used").
func (t *Token) Lifetime() time.Duration {
	if t.Start == nil || t.Expiry == nil {
		return 0
	}
	return t.Expiry.Sub(*t.Start)
}

// Expired reports whether the token's expiry (or, for a user delegation
// SAS, its key's expiry) is before now.
func (t *Token) Expired(now time.Time) bool {
	if t.Expiry != nil && now.After(*t.Expiry) {
		return true
	}
	return t.KeyExpiry != nil && now.After(*t.KeyExpiry)
}

// NotYetValid reports whether the token's start (or its key's start) is after
// now.
func (t *Token) NotYetValid(now time.Time) bool {
	if t.Start != nil && now.Before(*t.Start) {
		return true
	}
	return t.KeyStart != nil && now.Before(*t.KeyStart)
}

// TimeLeft is how long the token stays usable from now: zero when expired,
// negative never. ok is false when the expiry is unknown (policy-bound
// tokens carry it in the stored policy).
func (t *Token) TimeLeft(now time.Time) (left time.Duration, ok bool) {
	end := t.Expiry
	if t.KeyExpiry != nil && (end == nil || t.KeyExpiry.Before(*end)) {
		end = t.KeyExpiry
	}
	if end == nil {
		return 0, false
	}
	if d := end.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}

// HTTPAllowed reports whether the token may be used over plain HTTP: spr
// absent or "https,http".
func (t *Token) HTTPAllowed() bool {
	return t.Protocol == "" || strings.Contains(t.Protocol, "http,") || strings.Contains(t.Protocol, ",http") || t.Protocol == "http"
}

// CanonicalResource is the resource part of the string-to-sign:
// "/blob/account/container/blob" (or "/account/..." before sv 2015-02-21),
// cut to what the token is scoped to (a container SAS on a blob URL signs
// the container). It is "" when it cannot be built.
func (t *Token) CanonicalResource() string {
	r, err := stsCanonicalResource(t, stsVersion(t), stsService(t))
	if err != nil {
		return ""
	}
	return r
}
