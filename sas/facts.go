package sas

import (
	"fmt"
	"strings"
	"time"
)

// Facts are the parsed, non-secret facts of a token, in the shape of the
// "token" object of overshare's JSON report. They never carry the
// signature.
type Facts struct {
	Kind          Kind       `json:"kind"`
	Service       Service    `json:"service,omitempty"`
	Version       string     `json:"version"`
	Account       string     `json:"account,omitempty"`
	Cloud         string     `json:"cloud,omitempty"`
	Endpoint      string     `json:"endpoint,omitempty"`
	Resource      Resource   `json:"resource"`
	Path          string     `json:"path,omitempty"`
	Services      []Service  `json:"services,omitempty"`
	ResourceTypes []string   `json:"resource_types,omitempty"`
	SP            string     `json:"sp"`
	Permissions   []string   `json:"permissions"`
	Capabilities  []string   `json:"capabilities"`
	Start         *time.Time `json:"start,omitempty"`
	Expiry        *time.Time `json:"expiry,omitempty"`
	Expired       bool       `json:"expired"`
	NotYetValid   bool       `json:"not_yet_valid,omitempty"`
	// LifetimeSeconds is se − st; absent when either is unknown.
	LifetimeSeconds *int64 `json:"lifetime_seconds,omitempty"`
	// TimeLeftSeconds is how long the token stays usable from the judging
	// clock; absent when the expiry is unknown.
	TimeLeftSeconds *int64 `json:"time_left_seconds,omitempty"`
	// Protocol is "https" or "https,http" (spr absent means the latter).
	Protocol     string `json:"protocol"`
	IPRange      string `json:"ip_range,omitempty"`
	StoredPolicy string `json:"stored_policy,omitempty"`
	// SignedWith is the name of the key that signed the token ("key1",
	// "key2", "none"); set by the caller after [Attribute], absent
	// otherwise.
	SignedWith string `json:"signed_with,omitempty"`

	// User delegation fields.
	KeyObjectID string     `json:"key_object_id,omitempty"`
	KeyTenantID string     `json:"key_tenant_id,omitempty"`
	KeyStart    *time.Time `json:"key_start,omitempty"`
	KeyExpiry   *time.Time `json:"key_expiry,omitempty"`

	Encodings  []string `json:"encodings,omitempty"`
	Duplicates []string `json:"duplicate_parameters,omitempty"`
}

// Facts returns the token's facts as judged at now.
func (t *Token) Facts(now time.Time) Facts {
	f := Facts{
		Kind: t.Kind, Service: t.Service, Version: t.Version, Account: t.Account,
		Cloud: t.Cloud, Endpoint: t.Endpoint, Resource: t.Resource, Path: t.Path,
		Services: t.Services, ResourceTypes: t.ResourceTypes,
		SP: t.Permissions.Raw, Permissions: t.Permissions.Names(),
		Capabilities: t.Permissions.Class.Names(),
		Start:        t.Start, Expiry: t.Expiry,
		Expired: t.Expired(now), NotYetValid: t.NotYetValid(now),
		Protocol: "https,http", IPRange: t.IPRange, StoredPolicy: t.StoredPolicy,
		KeyObjectID: t.Get("skoid"), KeyTenantID: t.Get("sktid"),
		KeyStart: t.KeyStart, KeyExpiry: t.KeyExpiry,
		Encodings: t.Encodings, Duplicates: t.Duplicates,
	}
	if f.Capabilities == nil {
		f.Capabilities = []string{}
	}
	if t.Protocol == "https" {
		f.Protocol = "https"
	}
	if t.Start != nil && t.Expiry != nil {
		s := int64(t.Lifetime() / time.Second)
		f.LifetimeSeconds = &s
	}
	if left, ok := t.TimeLeft(now); ok {
		s := int64(left / time.Second)
		f.TimeLeftSeconds = &s
	}
	return f
}

// Summary is the one line a person reads first: kind, scope, account,
// permissions and expiry, e.g. "Azure account SAS for the whole account in
// acct: read, list, until 2030-01-01". It carries no secret.
func (t *Token) Summary() string {
	scope := t.Path
	switch {
	case t.Kind == KindAccount:
		scope = "the whole account"
	case scope == "":
		scope = string(t.Resource)
	}
	acct := t.Account
	if acct == "" {
		acct = "an unknown account"
	}
	perms := strings.Join(t.Permissions.Names(), ", ")
	if perms == "" {
		perms = "permissions from stored policy " + t.StoredPolicy
	}
	s := fmt.Sprintf("Azure %s SAS for %s in %s: %s", t.Kind, scope, acct, perms)
	if t.Expiry != nil {
		s += ", until " + t.Expiry.Format("2006-01-02")
	}
	return s
}
