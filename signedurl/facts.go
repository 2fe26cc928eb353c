package signedurl

import "time"

// Facts are the non-secret facts of a signed URL or token, in the shape of
// the "token" object of overshare's JSON report: the fields that
// [sas.Facts] also has carry the same JSON names and meaning (account is
// the bucket or namespace, path the object or entity, start the signing
// time), and the rest are specific to signed URLs.
type Facts struct {
	Kind     Kind   `json:"kind"`
	Service  string `json:"service,omitempty"`
	Account  string `json:"account,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
	// Resource is [URL.Resource]: object, bucket, service, path, request,
	// entity or namespace.
	Resource string `json:"resource,omitempty"`
	Path     string `json:"path,omitempty"`

	Start           *time.Time `json:"start,omitempty"`
	Expiry          *time.Time `json:"expiry,omitempty"`
	Expired         bool       `json:"expired"`
	NotYetValid     bool       `json:"not_yet_valid,omitempty"`
	LifetimeSeconds *int64     `json:"lifetime_seconds,omitempty"`
	TimeLeftSeconds *int64     `json:"time_left_seconds,omitempty"`
	// Protocol is the URL's scheme when it is http or https.
	Protocol string `json:"protocol,omitempty"`

	HostStyle   HostStyle `json:"host_style,omitempty"`
	Region      string    `json:"region,omitempty"`
	AccessPoint string    `json:"access_point,omitempty"`
	// AccountID is the AWS account named by an access point host.
	AccountID string `json:"aws_account_id,omitempty"`
	Project   string `json:"project,omitempty"`

	Algorithm  string     `json:"algorithm,omitempty"`
	Signer     string     `json:"signer,omitempty"`
	SignerType SignerType `json:"signer_type,omitempty"`
	// SessionToken is true when the URL carries an STS session token.
	SessionToken  bool     `json:"session_token,omitempty"`
	SignedHeaders []string `json:"signed_headers,omitempty"`
	// Access is what the URL was signed to do as far as it shows, and
	// AccessEvidence why (see [URL.Access]).
	Access         Access `json:"access"`
	AccessEvidence string `json:"access_evidence,omitempty"`

	Encodings  []string `json:"encodings,omitempty"`
	Duplicates []string `json:"duplicate_parameters,omitempty"`
}

// Facts returns the URL's facts as judged at now.
func (u *URL) Facts(now time.Time) Facts {
	f := Facts{
		Kind: u.Kind, Service: u.Service, Endpoint: u.Endpoint(), Resource: u.Resource(),
		Start: u.SignedAt, Expiry: u.Expiry, Expired: u.Expired(now), NotYetValid: u.NotYetValid(now),
		HostStyle: u.HostStyle, Region: u.Region, AccessPoint: u.AccessPoint, AccountID: u.AccountID,
		Project: u.Project, Algorithm: u.Algorithm, Signer: u.Signer, SignerType: u.SignerType,
		SessionToken: u.SessionToken, SignedHeaders: u.SignedHeaders,
		Encodings: u.Encodings, Duplicates: u.Duplicates,
	}
	f.Access, f.AccessEvidence = u.Access()
	switch u.Kind {
	case KindServiceBus:
		f.Account, f.Path = u.Namespace, u.Entity
	default:
		f.Account, f.Path = u.Bucket, u.Object
		if u.Bucket == "" && u.Object == "" {
			f.Path = u.Path
		}
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		f.Protocol = u.Scheme
	}
	if u.SignedAt != nil && u.Expiry != nil {
		s := int64(u.Lifetime / time.Second)
		f.LifetimeSeconds = &s
	}
	if left, ok := u.TimeLeft(now); ok {
		s := int64(left / time.Second)
		f.TimeLeftSeconds = &s
	}
	return f
}
