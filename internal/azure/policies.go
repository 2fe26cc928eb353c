package azure

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/service"

	"github.com/overshare/overshare/sas"
)

// MaxPolicies is how many stored access policies a container may hold
// (sas-spec §6.1); the service refuses a sixth with 400.
const MaxPolicies = 5

// Owner is the account owner's access to an account's blob service with
// a shared key: for managing stored access policies and listing
// containers. Unlike [Verify], it writes (the container ACL), and only
// where a command says so.
type Owner struct {
	// AccountURL is the blob service URL of the account:
	// https://ACCOUNT.blob.core.windows.net, or IP-style
	// http://HOST:PORT/ACCOUNT for an emulator.
	AccountURL string
	// Endpoint, as in [Options], sends the requests to another host and
	// lifts the Azure-only and public-address rules.
	Endpoint string
	// Key authorizes the requests (and signs minted tokens).
	Key sas.Key
	// Timeout bounds each request; zero means 15 s.
	Timeout time.Duration
}

// account describes where an Owner's requests go.
type account struct {
	name    string
	url     string // the account URL as the user gave it, without a trailing slash
	service string // where requests go: target base, with the account segment for IP-style URLs
	target  target
}

// resolve checks the account URL and decides where requests go, with the
// same host rules as Verify.
func (o Owner) resolve() (account, error) {
	raw := strings.TrimRight(strings.TrimSpace(o.AccountURL), "/")
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.RawQuery != "" {
		return account{}, fmt.Errorf("account URL %q: want https://ACCOUNT.blob.core.windows.net (or http://HOST:PORT/ACCOUNT for an emulator)", o.AccountURL)
	}
	host := u.Hostname()
	a := account{url: raw}
	prefix := ""
	if IsStorageHost(host) {
		a.name, _, _ = strings.Cut(strings.ToLower(host), ".")
		if !strings.HasPrefix(strings.ToLower(host), a.name+".blob.") {
			return account{}, fmt.Errorf("account URL %q: want the blob service endpoint (ACCOUNT.blob....)", o.AccountURL)
		}
		if p := strings.Trim(u.Path, "/"); p != "" {
			return account{}, fmt.Errorf("account URL %q: want the account's endpoint without a path", o.AccountURL)
		}
	} else {
		p := strings.Trim(u.Path, "/")
		if p == "" || strings.Contains(p, "/") {
			return account{}, fmt.Errorf("account URL %q: a host that is not *.blob.core.windows.net needs the account as its only path segment (http://HOST:PORT/ACCOUNT)", o.AccountURL)
		}
		a.name = p
		prefix = "/" + url.PathEscape(p)
	}
	tg, err := resolveTarget(u.Scheme, u.Host, prefix, o.Endpoint)
	if err != nil {
		return account{}, err
	}
	a.target, a.service = tg, tg.base
	return a, nil
}

// serviceClient is azblob's service client with a shared key, sending
// through overshare's HTTP client (no redirects, no proxy, the address
// rules of the target).
func (o Owner) serviceClient(a account) (*service.Client, error) {
	if len(o.Key.Value) == 0 {
		return nil, errors.New("no account key given")
	}
	cred, err := service.NewSharedKeyCredential(a.name, encodeKey(o.Key.Value))
	if err != nil {
		return nil, err
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	opts := &service.ClientOptions{ClientOptions: azcore.ClientOptions{
		Transport: newClient(a.target, timeout),
		Retry:     policy.RetryOptions{MaxRetries: -1},
		Telemetry: policy.TelemetryOptions{ApplicationID: "overshare"},
	}}
	return service.NewClientWithSharedKeyCredential(a.service+"/", cred, opts)
}

func (o Owner) containerClient(container string) (*container.Client, account, error) {
	a, err := o.resolve()
	if err != nil {
		return nil, a, err
	}
	if container == "" || strings.ContainsAny(container, "/?#") {
		return nil, a, fmt.Errorf("container %q: want a container name", container)
	}
	sc, err := o.serviceClient(a)
	if err != nil {
		return nil, a, err
	}
	return sc.NewContainerClient(container), a, nil
}

// StoredPolicy is one stored access policy (signed identifier) of a
// container.
type StoredPolicy struct {
	ID          string     `json:"id"`
	Permissions string     `json:"permissions,omitempty"`
	Start       *time.Time `json:"start,omitempty"`
	Expiry      *time.Time `json:"expiry,omitempty"`
}

// containerACL is a container's ACL as read, for read-modify-write.
type containerACL struct {
	public       *container.PublicAccessType
	lastModified *time.Time
	ids          []*container.SignedIdentifier
}

func getACL(ctx context.Context, cc *container.Client) (containerACL, error) {
	r, err := cc.GetAccessPolicy(ctx, nil)
	if err != nil {
		return containerACL{}, fmt.Errorf("reading the ACL of container %s: %w", cc.URL(), serviceError(err))
	}
	return containerACL{public: r.BlobPublicAccess, lastModified: r.LastModified, ids: r.SignedIdentifiers}, nil
}

// putACL writes ids as the container's whole ACL, keeping its public
// access level (omitting the header would make the container private),
// and only if the container was not modified since it was read.
func putACL(ctx context.Context, cc *container.Client, acl containerACL, ids []*container.SignedIdentifier) error {
	opts := &container.SetAccessPolicyOptions{Access: acl.public, ContainerACL: ids}
	if acl.lastModified != nil {
		lm := *acl.lastModified
		opts.AccessConditions = &container.AccessConditions{ModifiedAccessConditions: &container.ModifiedAccessConditions{IfUnmodifiedSince: &lm}}
	}
	if ids == nil {
		opts.ContainerACL = []*container.SignedIdentifier{}
	}
	if _, err := cc.SetAccessPolicy(ctx, opts); err != nil {
		return fmt.Errorf("writing the ACL of container %s: %w", cc.URL(), serviceError(err))
	}
	return nil
}

func policyIDs(ids []*container.SignedIdentifier) []string {
	out := make([]string, 0, len(ids))
	for _, si := range ids {
		if si != nil && si.ID != nil {
			out = append(out, *si.ID)
		}
	}
	return out
}

func toStoredPolicy(si *container.SignedIdentifier) StoredPolicy {
	p := StoredPolicy{}
	if si.ID != nil {
		p.ID = *si.ID
	}
	if ap := si.AccessPolicy; ap != nil {
		if ap.Permission != nil {
			p.Permissions = *ap.Permission
		}
		if ap.Start != nil && !ap.Start.IsZero() {
			t := ap.Start.UTC()
			p.Start = &t
		}
		if ap.Expiry != nil && !ap.Expiry.IsZero() {
			t := ap.Expiry.UTC()
			p.Expiry = &t
		}
	}
	return p
}

// newPolicyID returns a fresh policy Id: "os-" and 12 random hex digits.
// Ids are never reused, because re-creating a deleted Id revives every
// token that named it (sas-spec §6.2).
func newPolicyID() (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "os-" + hex.EncodeToString(b), nil
}

// ServiceError is an error answer of the service to an owner request.
type ServiceError struct {
	HTTPStatus int
	Code       string
	Err        error
}

func (e *ServiceError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("the service answered %d %s", e.HTTPStatus, e.Code)
	}
	return fmt.Sprintf("the service answered %d", e.HTTPStatus)
}

func (e *ServiceError) Unwrap() error { return e.Err }

// serviceError shortens the SDK's multi-line response errors, and keeps
// transport errors (which may carry the URL) to their cause.
func serviceError(err error) error {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return &ServiceError{HTTPStatus: re.StatusCode, Code: re.ErrorCode, Err: err}
	}
	var ee *EndpointError
	if errors.As(err, &ee) {
		return ee
	}
	return errors.New(errText(err))
}

// ContainerPolicies is one container's stored access policies, judged.
type ContainerPolicies struct {
	Container    string         `json:"container"`
	PublicAccess string         `json:"public_access,omitempty"`
	Policies     []PolicyReport `json:"policies"`
	Error        string         `json:"error,omitempty"`
}

// PolicyReport is one stored access policy and its verdict.
type PolicyReport struct {
	StoredPolicy
	Severity sas.Severity `json:"severity"`
	Reasons  []sas.Reason `json:"reasons"`
}

// The reason codes of a stored access policy's verdict.
const (
	PolicyReasonNoExpiry   = "policy-no-expiry"
	PolicyReasonFarExpiry  = "policy-far-expiry"
	PolicyReasonExpired    = "policy-expired"
	PolicyReasonWrite      = "policy-write"
	PolicyReasonDelete     = "policy-delete"
	PolicyReasonPrivileged = "policy-privileged"
	PolicyReasonReadOnly   = "policy-read-only"
	PolicyReasonNoPerms    = "policy-no-permissions"
	PolicyReasonFarStart   = "policy-not-yet-valid"
)

// JudgePolicy judges a stored access policy like a token bound to it
// alone: every SAS naming it gets its permissions on the whole container
// (or one blob of it) until its expiry.
//
//   - read or list only: low; any write, create or add: medium; delete or
//     privileged letters: high (policy-read-only, policy-write,
//     policy-delete, policy-privileged);
//   - no expiry: high (policy-no-expiry): tokens naming it live until the
//     policy is changed;
//   - expiry further away than p.MaxLifetime: one level up
//     (policy-far-expiry);
//   - expired: info, whatever it grants (policy-expired): it can be pruned.
func JudgePolicy(sp StoredPolicy, p sas.Policy, now time.Time) (sas.Severity, []sas.Reason) {
	var reasons []sas.Reason
	add := func(code string, sev sas.Severity, format string, args ...any) {
		if o, ok := p.Overrides[code]; ok {
			sev = o
		}
		reasons = append(reasons, sas.Reason{Code: code, Text: fmt.Sprintf(format, args...), Severity: sev})
	}
	perms, _ := sas.ParsePermissions(sp.Permissions, sas.KindService, sas.ServiceBlob, sas.ResourceContainer)
	base := sas.SeverityLow
	switch {
	case sp.Permissions == "":
		base = sas.SeverityInfo
		add(PolicyReasonNoPerms, base, "grants no permissions itself: a token naming it must carry sp")
	case perms.Class&(sas.ClassDestructive|sas.ClassPrivileged) != 0:
		base = sas.SeverityHigh
		code := PolicyReasonDelete
		if perms.Class&sas.ClassPrivileged != 0 && perms.Class&sas.ClassDestructive == 0 {
			code = PolicyReasonPrivileged
		}
		add(code, base, "grants %s (%s) to every token naming it", strings.Join(perms.Names(), ", "), sp.Permissions)
	case perms.Class&sas.ClassWrite != 0:
		base = sas.SeverityMedium
		add(PolicyReasonWrite, base, "grants %s (%s) to every token naming it", strings.Join(perms.Names(), ", "), sp.Permissions)
	default:
		add(PolicyReasonReadOnly, base, "grants %s (%s) only", strings.Join(perms.Names(), ", "), sp.Permissions)
	}
	switch {
	case sp.Expiry == nil:
		add(PolicyReasonNoExpiry, sas.SeverityHigh, "no expiry: every token naming it works until the policy is changed or deleted")
	case !sp.Expiry.After(now):
		add(PolicyReasonExpired, sas.SeverityInfo, "expired %s: tokens naming it no longer work; delete it to free one of the %d slots", sp.Expiry.Format(time.RFC3339), MaxPolicies)
	case p.MaxLifetime > 0 && sp.Expiry.Sub(now) > p.MaxLifetime:
		add(PolicyReasonFarExpiry, min(base+1, sas.SeverityCritical), "expires %s, %s from now; policy allows at most %s",
			sp.Expiry.Format(time.RFC3339), sas.HumanDuration(sp.Expiry.Sub(now)), sas.HumanDuration(p.MaxLifetime))
	}
	if sp.Start != nil && sp.Start.After(now) {
		add(PolicyReasonFarStart, sas.SeverityInfo, "not valid before %s", sp.Start.Format(time.RFC3339))
	}
	sev := sas.SeverityInfo
	for _, r := range reasons {
		sev = max(sev, r.Severity)
	}
	if sp.Expiry != nil && !sp.Expiry.After(now) {
		sev = sas.SeverityInfo
	}
	return sev, reasons
}

// AuditPolicies lists every container of the account and its stored
// access policies, each judged with [JudgePolicy]. It reads only: List
// Containers and Get Container ACL. A container whose ACL cannot be read
// is reported with its error; the error return is for the listing.
func AuditPolicies(ctx context.Context, o Owner, p sas.Policy, now time.Time) ([]ContainerPolicies, error) {
	a, err := o.resolve()
	if err != nil {
		return nil, err
	}
	sc, err := o.serviceClient(a)
	if err != nil {
		return nil, err
	}
	if now.IsZero() {
		now = time.Now().UTC()
	}
	out := []ContainerPolicies{}
	pager := sc.NewListContainersPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("listing the containers of %s: %w", a.name, serviceError(err))
		}
		for _, it := range page.ContainerItems {
			if it == nil || it.Name == nil {
				continue
			}
			cp := ContainerPolicies{Container: *it.Name, Policies: []PolicyReport{}}
			acl, err := getACL(ctx, sc.NewContainerClient(*it.Name))
			if err != nil {
				cp.Error = err.Error()
				out = append(out, cp)
				continue
			}
			if acl.public != nil {
				cp.PublicAccess = string(*acl.public)
			}
			for _, si := range acl.ids {
				if si == nil {
					continue
				}
				sp := toStoredPolicy(si)
				sev, reasons := JudgePolicy(sp, p, now)
				cp.Policies = append(cp.Policies, PolicyReport{StoredPolicy: sp, Severity: sev, Reasons: reasons})
			}
			out = append(out, cp)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Container < out[j].Container })
	return out, nil
}
