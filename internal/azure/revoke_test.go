package azure

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/overshare/overshare/sas"
)

// Deleting the policy of a minted token revokes it (verify says
// policy-revoked) and leaves the container's other policies alone.
func TestRevokeExecuteAzurite(t *testing.T) {
	az := startAzurite(t)
	ctr := newContainer(t, az, map[string]int{"a.txt": 1})
	// Blob-level public access: anonymous reads of blobs, but not the
	// listing verify probes with, so the SAS is what answers.
	setACL(t, az, ctr, to.Ptr(container.PublicAccessTypeBlob), map[string]*container.AccessPolicy{"keep-me": readPolicy(time.Hour)})
	ctx := testContext(t)
	owner := ownerOf(t, az, 0)
	withKeys := Options{Endpoint: az.Host, Keys: accountKeys(t, az)}

	m1, err := Mint(ctx, MintRequest{Owner: owner, Container: ctr, Permissions: "rl", AllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	m2, err := Mint(ctx, MintRequest{Owner: owner, Container: ctr, Permissions: "rl", AllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	tok1, _ := sas.Parse(m1.URL)
	tok2, _ := sas.Parse(m2.URL)
	for _, tok := range []*sas.Token{tok1, tok2} {
		if res, err := Verify(ctx, tok, withKeys); err != nil || res.Status != Valid {
			t.Fatalf("before revoking: %s %v (%s)", res.Status, err, res.Detail)
		}
	}

	plan := PlanRevoke(tok1, accountKeys(t, az), nil)
	if plan.Kind != RevokeKindStoredPolicy || plan.Policy != m1.Policy || plan.Container != ctr || plan.SignedWith != "key1" {
		t.Errorf("plan: %+v, want stored-policy %s on %s signed with key1", plan, m1.Policy, ctr)
	}
	if !strings.Contains(strings.Join(plan.Warnings, " "), "never re-create") {
		t.Errorf("plan warnings %q do not warn against re-creating the Id", plan.Warnings)
	}

	left, err := DeletePolicy(ctx, owner, ctr, m1.Policy)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(left)
	want := []string{"keep-me", m2.Policy}
	slices.Sort(want)
	r, ids := getPolicies(t, az, ctr)
	if !slices.Equal(left, want) || !slices.Equal(ids, want) {
		t.Errorf("policies left: returned %v, on the service %v; want %v", left, ids, want)
	}
	if r.BlobPublicAccess == nil || *r.BlobPublicAccess != container.PublicAccessTypeBlob {
		t.Errorf("public access after mint and revoke: %v, want blob (kept)", r.BlobPublicAccess)
	}
	if res, err := Verify(ctx, tok1, withKeys); err != nil || res.Status != PolicyRevoked {
		t.Errorf("revoked token: %s %v (%s), want policy-revoked", res.Status, err, res.Detail)
	}
	if res, err := Verify(ctx, tok2, withKeys); err != nil || res.Status != Valid {
		t.Errorf("the other minted token: %s %v (%s), want valid", res.Status, err, res.Detail)
	}
	if _, err := DeletePolicy(ctx, owner, ctr, m1.Policy); err == nil || !strings.Contains(err.Error(), "already revoked") {
		t.Errorf("deleting it again: %v, want an error saying it is gone", err)
	}
}

// A key-signed token's plan names the key that signed it, the matching
// az command, and the inventory's other live key-signed tokens of the
// same account.
func TestPlanRevokeKeySigned(t *testing.T) {
	az := &azurite{URL: "http://127.0.0.1:10000", Account: "oversharetest", Keys: [2]string{randomKey(), randomKey()}}
	az.Host = "127.0.0.1:10000"
	keys := accountKeys(t, az)
	inv := []InventoryEntry{
		{KnownToken: KnownToken{ID: "f1", Kind: "service", Path: "c1"}, Account: "oversharetest"},
		{KnownToken: KnownToken{ID: "f2", Kind: "account"}, Account: "OverShareTest"},
		{KnownToken: KnownToken{ID: "f3", Kind: "service", StoredPolicy: "p"}, Account: "oversharetest"},
		{KnownToken: KnownToken{ID: "f4", Kind: "service"}, Account: "oversharetest", Expired: true},
		{KnownToken: KnownToken{ID: "f5", Kind: "service"}, Account: "someoneelse"},
		{KnownToken: KnownToken{ID: "f6", Kind: "user-delegation"}, Account: "oversharetest"},
	}
	for i, wantKey := range []string{"key1", "key2"} {
		tok := serviceToken(t, az, az.Keys[i], sas.ServiceValues{Path: "c", Permissions: "r", Expiry: hours(1)})
		p := PlanRevoke(tok, keys, inv)
		if p.Kind != RevokeKindKeySigned || p.SignedWith != wantKey {
			t.Errorf("%s: kind %s signed_with %s", wantKey, p.Kind, p.SignedWith)
		}
		azKey := map[string]string{"key1": "primary", "key2": "secondary"}[wantKey]
		if len(p.Commands) != 1 || p.Commands[0] != "az storage account keys renew --account-name oversharetest --key "+azKey {
			t.Errorf("%s: commands %q", wantKey, p.Commands)
		}
		var got []string
		for _, k := range p.AlsoRevokes {
			got = append(got, k.ID)
		}
		if !slices.Equal(got, []string{"f1", "f2", "f3"}) {
			t.Errorf("%s: also revokes %v, want f1 f2 f3 (same account, live, key-signed)", wantKey, got)
		}
	}
	acct, err := (sas.AccountValues{Account: az.Account, Services: "b", ResourceTypes: "sco", Permissions: "rl", Expiry: hours(1)}).Sign(key(t, az.Keys[1]))
	if err != nil {
		t.Fatal(err)
	}
	atok, _ := sas.Parse(az.AccountURL() + "/?" + acct)
	if p := PlanRevoke(atok, keys, nil); p.SignedWith != "key2" || !strings.Contains(p.Action, "rotate key2") {
		t.Errorf("account SAS: %+v", p)
	}
	stale := serviceToken(t, az, randomKey(), sas.ServiceValues{Path: "c", Permissions: "r", Expiry: hours(1)})
	if p := PlanRevoke(stale, keys, inv); p.SignedWith != sas.NoMatch || len(p.Commands) != 0 || len(p.AlsoRevokes) != 0 {
		t.Errorf("token of a rotated key: %+v", p)
	}
	if p := PlanRevoke(stale, nil, nil); p.SignedWith != "" || len(p.Commands) != 2 {
		t.Errorf("no keys: %+v, want both rotation commands", p)
	}
}

// The audit lists every container's policies with a verdict each.
func TestAuditPoliciesAzurite(t *testing.T) {
	az := startAzurite(t)
	ctr := newContainer(t, az, nil)
	now := time.Now().UTC()
	in := func(d time.Duration) *time.Time { return to.Ptr(now.Add(d).Truncate(time.Second)) }
	setACL(t, az, ctr, nil, map[string]*container.AccessPolicy{
		"read-1h":   {Permission: to.Ptr("r"), Expiry: in(time.Hour)},
		"read-30d":  {Permission: to.Ptr("rl"), Expiry: in(30 * 24 * time.Hour)},
		"no-expiry": {Permission: to.Ptr("r"), Start: in(-time.Hour)},
		"add-1h":    {Permission: to.Ptr("ac"), Expiry: in(time.Hour)},
		"delete-1h": {Permission: to.Ptr("rd"), Expiry: in(time.Hour)},
	})
	got, err := AuditPolicies(testContext(t), ownerOf(t, az, 1), sas.DefaultPolicy(), now)
	if err != nil {
		t.Fatal(err)
	}
	var mine *ContainerPolicies
	for i := range got {
		if got[i].Container == ctr {
			mine = &got[i]
		}
	}
	if mine == nil {
		t.Fatalf("container %s not in the audit: %+v", ctr, got)
	}
	want := map[string]struct {
		sev  sas.Severity
		code string
	}{
		"read-1h":   {sas.SeverityLow, PolicyReasonReadOnly},
		"read-30d":  {sas.SeverityMedium, PolicyReasonFarExpiry},
		"no-expiry": {sas.SeverityHigh, PolicyReasonNoExpiry},
		"add-1h":    {sas.SeverityMedium, PolicyReasonWrite},
		"delete-1h": {sas.SeverityHigh, PolicyReasonDelete},
	}
	if len(mine.Policies) != len(want) {
		t.Errorf("policies: %+v, want %d", mine.Policies, len(want))
	}
	for _, p := range mine.Policies {
		w, ok := want[p.ID]
		if !ok {
			t.Errorf("unexpected policy %s", p.ID)
			continue
		}
		var codes []string
		for _, r := range p.Reasons {
			codes = append(codes, r.Code)
		}
		if p.Severity != w.sev || !slices.Contains(codes, w.code) {
			t.Errorf("%s: %s %v, want %s with %s", p.ID, p.Severity, codes, w.sev, w.code)
		}
	}
}

func TestJudgePolicyExpired(t *testing.T) {
	now := time.Now().UTC()
	past := now.Add(-time.Hour)
	sev, reasons := JudgePolicy(StoredPolicy{ID: "old", Permissions: "rwd", Expiry: &past}, sas.DefaultPolicy(), now)
	if sev != sas.SeverityInfo || reasons[len(reasons)-1].Code != PolicyReasonExpired {
		t.Errorf("expired policy: %s %+v, want info with policy-expired", sev, reasons)
	}
}
