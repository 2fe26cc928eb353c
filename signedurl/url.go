package signedurl

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/overshare/overshare/sas"
)

// Kind names the signing scheme of a [URL].
type Kind string

// The kinds of signed URL and token.
const (
	// KindAWSSigV4 is an AWS Signature Version 4 presigned URL
	// (X-Amz-Algorithm, X-Amz-Credential, ...), valid for at most 7 days.
	KindAWSSigV4 Kind = "aws-sigv4"
	// KindAWSSigV2 is a legacy AWS Signature Version 2 presigned URL
	// (AWSAccessKeyId, Expires, Signature): an absolute expiry, no cap.
	KindAWSSigV2 Kind = "aws-sigv2"
	// KindGCSV4 is a Google Cloud Storage V4 signed URL (X-Goog-*), or an
	// AWS-style V4 URL signed with a GCS HMAC key, valid for at most 7 days.
	KindGCSV4 Kind = "gcs-v4"
	// KindGCSV2 is a legacy Google Cloud Storage V2 signed URL
	// (GoogleAccessId, Expires, Signature): an absolute expiry, no cap.
	KindGCSV2 Kind = "gcs-v2"
	// KindServiceBus is an Azure Service Bus, Event Hubs, Relay or IoT Hub
	// SAS token (sr, sig, se, skn).
	KindServiceBus Kind = "servicebus-sas"
)

// Form says in which textual form a credential was found.
type Form string

// The textual forms Parse accepts.
const (
	// FormURL is a URL with a host, with or without a scheme.
	FormURL Form = "url"
	// FormQuery is a bare query, with or without a leading "?".
	FormQuery Form = "query"
	// FormToken is a Service Bus token: "SharedAccessSignature sr=...".
	FormToken Form = "token"
	// FormConnectionString is a Service Bus connection string with
	// SharedAccessSignature=.
	FormConnectionString Form = "connection-string"
)

// HostStyle says how the bucket (or namespace) is named in the URL.
type HostStyle string

// The host styles.
const (
	// HostVirtual names the bucket in the host: bucket.s3.amazonaws.com,
	// bucket.storage.googleapis.com.
	HostVirtual HostStyle = "virtual-hosted"
	// HostPath names the bucket in the first path segment:
	// s3.us-east-1.amazonaws.com/bucket/key, storage.googleapis.com/bucket/o.
	HostPath HostStyle = "path"
	// HostAccessPoint is an S3 access point or multi-region access point:
	// the bucket behind it is not in the URL.
	HostAccessPoint HostStyle = "access-point"
	// HostNamespace is a Service Bus, Event Hubs or IoT Hub namespace host.
	HostNamespace HostStyle = "namespace"
	// HostCustom is any other host (a CDN or CNAME, an S3-compatible
	// service): the bucket is not known.
	HostCustom HostStyle = "custom"
)

// SignerType says what kind of credential signed a [URL].
type SignerType string

// The signer types.
const (
	// SignerAWSLongTerm is an IAM user's access key (AKIA...): it works until
	// someone deactivates it.
	SignerAWSLongTerm SignerType = "aws-long-term-key"
	// SignerAWSTemporary is a temporary STS access key (ASIA...): the URL
	// stops working when the session ends, whatever its own expiry says.
	SignerAWSTemporary SignerType = "aws-temporary-key"
	// SignerAccessKey is an access key in no AWS format, as issued by
	// S3-compatible services (MinIO, Ceph, R2 ...).
	SignerAccessKey SignerType = "access-key"
	// SignerGCSServiceAccount is a Google service account, named by its
	// e-mail address; it signed with one of its private keys.
	SignerGCSServiceAccount SignerType = "service-account"
	// SignerGCSHMAC is a Cloud Storage HMAC key (GOOG1...).
	SignerGCSHMAC SignerType = "hmac-key"
	// SignerPolicy is a Service Bus, Event Hubs or IoT Hub shared access
	// policy (skn).
	SignerPolicy SignerType = "shared-access-policy"
	// SignerEntityKey means a Service Bus-style token names no policy: it
	// was signed with the key of the entity itself (an IoT Hub device key).
	SignerEntityKey SignerType = "entity-key"
)

// Param is one query parameter as written: the same type as
// [sas.Param], split by [sas.SplitQuery].
type Param = sas.Param

// URL is a parsed presigned URL, signed URL or Service Bus token. It holds
// the live signature: String, GoString and MarshalJSON redact it; use
// [URL.Signature] or [URL.Text] to reveal it. Build one with [Parse].
type URL struct {
	Kind Kind
	Form Form
	// Encodings lists the escaping layers Parse removed, outermost first
	// ("html", "json", "percent").
	Encodings []string

	// Scheme is "https", "http", "sb", ... ("" when not written). Host is
	// the host as written, with any port. Both are empty for a bare query.
	Scheme string
	Host   string
	// HostStyle says where the bucket or namespace is named.
	HostStyle HostStyle
	// Path is the URL-decoded request path without its leading slash (for a
	// Service Bus token: the path of the resource URI in sr).
	Path string

	// Bucket and Object are the bucket (S3, GCS) and the object key inside
	// it; empty when unknown (custom hosts, access points, bare queries).
	Bucket, Object string
	// AccessPoint and AccountID are set for S3 access point hosts
	// (NAME-ACCOUNTID.s3-accesspoint.REGION.amazonaws.com).
	AccessPoint, AccountID string
	// Namespace and Entity are the Service Bus / Event Hubs / IoT Hub
	// namespace (or hub) and the entity path inside it ("" for a token
	// valid for the whole namespace).
	Namespace, Entity string

	// Service is the signed-for service: "s3" (or another AWS service from
	// the credential scope), "storage" for GCS, "servicebus" (Service Bus,
	// Event Hubs and Relay share the host suffix), "iothub", or "".
	Service string
	// Region is the region of the credential scope or of the host
	// ("auto" for most GCS URLs).
	Region string
	// Algorithm is X-Amz-Algorithm / X-Goog-Algorithm for V4 kinds.
	Algorithm string

	// Signer is the access key id, the service account e-mail, the HMAC
	// access id, or the Service Bus policy name. An access key id is not
	// secret by itself but names an IAM user or role and its account.
	Signer     string
	SignerType SignerType
	// Project is the Google Cloud project named in a service account
	// e-mail (NAME@PROJECT.iam.gserviceaccount.com), if any.
	Project string

	// SignedAt is when a V4 URL was signed (X-Amz-Date, X-Goog-Date); nil
	// for V2 and Service Bus, which carry only their expiry.
	SignedAt *time.Time
	// Expiry is when the signature stops being accepted.
	Expiry *time.Time
	// Lifetime is Expiry − SignedAt for V4 kinds, 0 when unknown.
	Lifetime time.Duration
	// ExpiresSeconds is X-Amz-Expires / X-Goog-Expires as written.
	ExpiresSeconds int64

	// SessionToken is true when the URL carries an STS session token
	// (X-Amz-Security-Token): it was signed with temporary credentials.
	SessionToken bool
	// SignedHeaders lists X-Amz-SignedHeaders / X-Goog-SignedHeaders.
	SignedHeaders []string

	// Params lists every query parameter (or token field) in order, the
	// signature and any session token included: print the URL, not them.
	Params []Param
	// Duplicates lists parameter names (lower-cased) that occurred more
	// than once; the first occurrence is used.
	Duplicates []string

	prefix, suffix string // the text around the parameters, for Text
}

// Get returns the decoded value of the first parameter named key,
// matched case-insensitively.
func (u *URL) Get(key string) string {
	v, _ := u.Lookup(key)
	return v
}

// Lookup is like Get and also reports whether the parameter is present.
func (u *URL) Lookup(key string) (string, bool) {
	if p := u.param(key); p != nil {
		return p.Value, true
	}
	return "", false
}

func (u *URL) param(key string) *Param {
	for i := range u.Params {
		if strings.EqualFold(u.Params[i].Key, key) {
			return &u.Params[i]
		}
	}
	return nil
}

// Signature returns the decoded signature: the secret part.
func (u *URL) Signature() string {
	for _, p := range u.Params {
		if isSignatureKey(p.Key) {
			return p.Value
		}
	}
	return ""
}

// Endpoint is scheme://host, or the host alone when no scheme was written.
func (u *URL) Endpoint() string {
	if u.Host == "" {
		return ""
	}
	if u.Scheme == "" {
		return u.Host
	}
	return u.Scheme + "://" + u.Host
}

// Text returns the credential as parsed, after removing the escaping
// layers listed in Encodings (and any #fragment): the URL, query, token or
// connection string with its live signature. Parse(u.Text()) yields the
// same URL, less the Encodings.
func (u *URL) Text() string { return u.render(false) }

// Redacted returns Text with the signature and any session token replaced
// by "REDACTED".
func (u *URL) Redacted() string { return u.render(true) }

// String returns the redacted form, so that printing a URL never leaks it.
func (u *URL) String() string { return u.Redacted() }

// GoString redacts too, for %#v.
func (u *URL) GoString() string { return "signedurl.URL(" + u.Redacted() + ")" }

// MarshalJSON renders the kind and the redacted text, never the signature.
func (u *URL) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Kind     Kind   `json:"kind"`
		Redacted string `json:"redacted"`
	}{u.Kind, u.Redacted()})
}

func (u *URL) render(redact bool) string {
	var b strings.Builder
	b.WriteString(u.prefix)
	for i, p := range u.Params {
		if i > 0 {
			b.WriteByte('&')
		}
		if redact && isSecretKey(p.Key) {
			b.WriteString(p.RawKey() + "=REDACTED")
			continue
		}
		b.WriteString(p.Text())
	}
	b.WriteString(u.suffix)
	return b.String()
}

// Expired reports whether the expiry is before now.
func (u *URL) Expired(now time.Time) bool {
	return u.Expiry != nil && now.After(*u.Expiry)
}

// NotYetValid reports whether a V4 URL was signed after now (servers
// refuse a signing time in the future).
func (u *URL) NotYetValid(now time.Time) bool {
	return u.SignedAt != nil && now.Before(*u.SignedAt)
}

// TimeLeft is how long the signature stays valid from now: zero when
// expired, never negative. ok is false when the expiry is unknown.
func (u *URL) TimeLeft(now time.Time) (left time.Duration, ok bool) {
	if u.Expiry == nil {
		return 0, false
	}
	return max(u.Expiry.Sub(now), 0), true
}

// Resource names what the credential is scoped to: "object", "bucket",
// "service" (an S3 or GCS request on no bucket), "path" (a path on a host
// that does not name its bucket), "request" (a presigned request to an AWS
// service other than S3), "entity" or "namespace"; "" for a bare query.
func (u *URL) Resource() string {
	switch u.Kind {
	case KindServiceBus:
		if u.Entity == "" {
			return "namespace"
		}
		return "entity"
	}
	switch {
	case u.Service != "" && u.Service != "s3" && u.Service != "storage" && !strings.HasPrefix(u.Service, "s3"):
		return "request"
	case u.Object != "":
		return "object"
	case u.Bucket != "" || u.AccessPoint != "":
		return "bucket"
	case u.HostStyle == HostPath:
		return "service"
	case u.Host != "":
		return "path"
	}
	return ""
}

func isSignatureKey(k string) bool {
	switch strings.ToLower(k) {
	case "x-amz-signature", "x-goog-signature", "signature", "sig":
		return true
	}
	return false
}

// isSecretKey reports whether a parameter's value must never be printed:
// the signature, or an STS session token.
func isSecretKey(k string) bool {
	return isSignatureKey(k) || strings.EqualFold(k, "x-amz-security-token")
}

// Summary is the one line a person reads first: kind, what it reaches, who
// signed it and until when, e.g. "AWS S3 presigned URL (SigV4) for object
// models/ckpt.pt in bucket research, signed with AKIA..., until
// 2024-01-08". It carries no secret.
func (u *URL) Summary() string {
	var s string
	switch u.Kind {
	case KindServiceBus:
		what := "Azure Service Bus / Event Hubs SAS token"
		if u.Service == "iothub" {
			what = "Azure IoT Hub SAS token"
		}
		s = what + " for " + scopeWords(u)
		if u.Signer != "" {
			s += " (policy " + u.Signer + ")"
		}
	default:
		prefix := "AWS "
		if u.Kind == KindGCSV4 || u.Kind == KindGCSV2 {
			prefix = "Google "
		}
		s = prefix + kindWords(u)
		switch r := u.Resource(); r {
		case "object", "path":
			s += " for " + objectWords(u)
		case "bucket":
			s += " for " + bucketWords(u)
		case "request":
			s += " for a " + u.Service + " request to " + u.Host
		case "service":
			s += " for the " + u.Host + " endpoint"
		}
		s += ", signed with " + u.Signer
	}
	if u.Expiry != nil {
		s += ", until " + u.Expiry.Format("2006-01-02")
	}
	return s
}
