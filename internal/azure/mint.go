package azure

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/overshare/overshare/sas"
)

// DefaultMintExpiry is how long a minted token lives unless told otherwise.
const DefaultMintExpiry = time.Hour

// MaxMintExpiry is the longest expiry minted without Force: Azure's own
// SAS expiration policy recommends at most 7 days.
const MaxMintExpiry = 7 * 24 * time.Hour

// blobPermissionOrder is the documented order of blob and container
// permission letters; minted policies list their letters in it.
const blobPermissionOrder = "racwdxyltfmeopi"

// MintRequest says what token to mint.
type MintRequest struct {
	Owner
	Container string
	// Blob, if set, scopes the token to one blob; else the container.
	Blob string
	// Permissions are the letters to grant (blob service SAS letters).
	Permissions string
	// Expires is how long from now the policy lasts; zero means
	// DefaultMintExpiry. Over MaxMintExpiry needs Force.
	Expires time.Duration
	Force   bool
	// IPRange is sip: "a.b.c.d" or "a.b.c.d-e.f.g.h".
	IPRange string
	// AllowHTTP leaves spr out (https and http). Only for an emulator
	// named with Endpoint: Azurite serves http only and answers an
	// https-only token with AuthorizationProtocolMismatch.
	AllowHTTP bool
	// Now is the clock; zero means time.Now.
	Now time.Time
}

// Minted is a minted token and the policy it is bound to.
type Minted struct {
	URL         string    `json:"url"`
	Policy      string    `json:"policy"`
	Expiry      time.Time `json:"expiry"`
	Start       time.Time `json:"start"`
	Permissions string    `json:"permissions"`
	Account     string    `json:"account"`
	Container   string    `json:"container"`
	Blob        string    `json:"blob,omitempty"`
	SignedWith  string    `json:"signed_with"`
	// Policies are the container's policy Ids after minting.
	Policies []string `json:"policies"`
}

// PolicyLimitError is the refusal to add a sixth stored access policy.
type PolicyLimitError struct {
	Container string
	IDs       []string
}

func (e *PolicyLimitError) Error() string {
	return fmt.Sprintf("container %s already has %d stored access policies (%s), the most Azure allows", e.Container, len(e.IDs), strings.Join(e.IDs, ", "))
}

// ErrExpiryTooLong is returned for an expiry over MaxMintExpiry without Force.
var ErrExpiryTooLong = errors.New("expiry over 7 days")

// CanonicalPermissions checks sp as blob service SAS letters and returns
// them deduplicated in the documented order.
func CanonicalPermissions(sp string, blob bool) (string, error) {
	if sp == "" {
		return "", errors.New("no permissions given")
	}
	res := sas.ResourceContainer
	if blob {
		res = sas.ResourceBlob
	}
	if _, err := sas.ParsePermissions(sp, sas.KindService, sas.ServiceBlob, res); err != nil {
		return "", err
	}
	var b strings.Builder
	for _, c := range blobPermissionOrder {
		if strings.ContainsRune(sp, c) {
			b.WriteRune(c)
		}
	}
	for _, c := range sp {
		if !strings.ContainsRune(blobPermissionOrder, c) {
			return "", fmt.Errorf("permission %q is not a blob permission", c)
		}
	}
	return b.String(), nil
}

// CheckMintExpiry applies the expiry rules: default 1 h, positive, over 7
// days only with force.
func CheckMintExpiry(d time.Duration, force bool) (time.Duration, error) {
	switch {
	case d == 0:
		return DefaultMintExpiry, nil
	case d < time.Minute:
		return 0, fmt.Errorf("expiry %s: want at least 1m", d)
	case d > MaxMintExpiry && !force:
		return 0, fmt.Errorf("%w (%s)", ErrExpiryTooLong, sas.HumanDuration(d))
	}
	return d, nil
}

func checkIPRange(r string) error {
	if r == "" {
		return nil
	}
	lo, hi, isRange := strings.Cut(r, "-")
	parts := []string{lo}
	if isRange {
		parts = append(parts, hi)
	}
	for _, s := range parts {
		if ip := net.ParseIP(s); ip == nil || ip.To4() == nil {
			return fmt.Errorf("IP range %q: want a.b.c.d or a.b.c.d-e.f.g.h", r)
		}
	}
	return nil
}

// Mint creates a stored access policy on the container holding the
// permissions and expiry (read-modify-write of the container ACL, a fresh
// Id, at most [MaxPolicies]) and returns a service SAS bound to it: https
// only, carrying si and no sp, st or se, so that deleting the policy
// revokes it.
func Mint(ctx context.Context, r MintRequest) (*Minted, error) {
	start, expiry, err := r.window()
	if err != nil {
		return nil, err
	}
	perms, err := CanonicalPermissions(r.Permissions, r.Blob != "")
	if err != nil {
		return nil, err
	}
	cc, a, err := r.containerClient(r.Container)
	if err != nil {
		return nil, err
	}
	acl, err := getACL(ctx, cc)
	if err != nil {
		return nil, err
	}
	ids := policyIDs(acl.ids)
	if len(acl.ids) >= MaxPolicies {
		return nil, &PolicyLimitError{Container: r.Container, IDs: ids}
	}
	id, err := newPolicyID()
	if err != nil {
		return nil, err
	}
	for contains(ids, id) { // 48 random bits: never in practice
		if id, err = newPolicyID(); err != nil {
			return nil, err
		}
	}
	newACL := append(append([]*container.SignedIdentifier{}, acl.ids...), &container.SignedIdentifier{
		ID:           &id,
		AccessPolicy: &container.AccessPolicy{Permission: &perms, Start: &start, Expiry: &expiry},
	})
	if err := putACL(ctx, cc, acl, newACL); err != nil {
		return nil, err
	}

	path := r.Container
	if r.Blob != "" {
		path += "/" + strings.TrimLeft(r.Blob, "/")
	}
	v := sas.ServiceValues{Identifier: id, IPRange: r.IPRange, Protocol: "https",
		Service: sas.ServiceBlob, Account: a.name, Path: path}
	if r.AllowHTTP {
		v.Protocol = ""
	}
	q, err := v.Sign(r.Key.Value)
	if err != nil {
		return nil, fmt.Errorf("signing: %w (the policy %s was created on %s and should be deleted)", err, id, r.Container)
	}
	return &Minted{
		URL: a.url + "/" + escapePath(path) + "?" + q, Policy: id, Expiry: expiry, Start: start,
		Permissions: perms, Account: a.name, Container: r.Container, Blob: r.Blob,
		SignedWith: r.Key.Name, Policies: append(ids, id),
	}, nil
}

// window checks what every mint checks (expiry, IP range, http only for an
// emulator) and returns the token's start and expiry. The start is a little
// in the past so that a clock slightly ahead of the service's does not make
// a fresh token not-yet-valid.
func (r MintRequest) window() (start, expiry time.Time, err error) {
	now := r.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	d, err := CheckMintExpiry(r.Expires, r.Force)
	if err != nil {
		return start, expiry, err
	}
	if err := checkIPRange(r.IPRange); err != nil {
		return start, expiry, err
	}
	if r.AllowHTTP && r.Endpoint == "" {
		return start, expiry, errors.New("http is allowed only for an emulator named with an endpoint")
	}
	return now.Add(-5 * time.Minute).Truncate(time.Second).UTC(), now.Add(d).Truncate(time.Second).UTC(), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func encodeKey(k []byte) string { return base64.StdEncoding.EncodeToString(k) }

// ErrAccountSASNotAllowed means the policy forbids account SAS.
var ErrAccountSASNotAllowed = errors.New("the policy does not allow account SAS (allow_account_sas in .overshare.toml)")

// MintAccountSAS signs an account SAS for the blob service offline: the
// one kind of token that cannot be bound to a stored policy, so revoking
// it early means rotating the key that signed it. It is minted only when
// allowed is true (the policy's allow_account_sas); the resource types are
// the fewest the permissions need (o, and c when listing), https only,
// with the same expiry rules as Mint.
func MintAccountSAS(r MintRequest, allowed bool) (*Minted, error) {
	if !allowed {
		return nil, ErrAccountSASNotAllowed
	}
	start, expiry, err := r.window()
	if err != nil {
		return nil, err
	}
	if _, err := sas.ParsePermissions(r.Permissions, sas.KindAccount, sas.ServiceBlob, sas.ResourceAccount); err != nil {
		return nil, err
	}
	a, err := r.resolve()
	if err != nil {
		return nil, err
	}
	srt := "o"
	if strings.ContainsAny(r.Permissions, "l") {
		srt = "co"
	}
	v := sas.AccountValues{Account: a.name, Services: "b", ResourceTypes: srt, Permissions: r.Permissions,
		Start: start.Format(time.RFC3339), Expiry: expiry.Format(time.RFC3339), IPRange: r.IPRange, Protocol: "https"}
	if r.AllowHTTP {
		v.Protocol = ""
	}
	q, err := v.Sign(r.Key.Value)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	return &Minted{URL: a.url + "/?" + q, Expiry: expiry, Start: start, Permissions: r.Permissions,
		Account: a.name, SignedWith: r.Key.Name}, nil
}
