package azure

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/overshare/overshare/sas"
)

func ownerOf(t *testing.T, az *azurite, keyIndex int) Owner {
	t.Helper()
	names := []string{"key1", "key2"}
	return Owner{AccountURL: az.AccountURL(), Endpoint: az.Host,
		Key: sas.Key{Name: names[keyIndex], Value: key(t, az.Keys[keyIndex])}}
}

// send makes one plain request with a SAS URL and returns the status.
func send(t *testing.T, method, u string, body string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPut {
		req.Header.Set("x-ms-blob-type", "BlockBlob")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func setACL(t *testing.T, az *azurite, ctr string, public *container.PublicAccessType, policies map[string]*container.AccessPolicy) {
	t.Helper()
	cc := ownerClient(t, az).ServiceClient().NewContainerClient(ctr)
	var acl []*container.SignedIdentifier
	for id, ap := range policies {
		acl = append(acl, &container.SignedIdentifier{ID: to.Ptr(id), AccessPolicy: ap})
	}
	if _, err := cc.SetAccessPolicy(testContext(t), &container.SetAccessPolicyOptions{Access: public, ContainerACL: acl}); err != nil {
		t.Fatalf("setting the ACL of %s: %v", ctr, err)
	}
}

func getPolicies(t *testing.T, az *azurite, ctr string) (container.GetAccessPolicyResponse, []string) {
	t.Helper()
	r, err := ownerClient(t, az).ServiceClient().NewContainerClient(ctr).GetAccessPolicy(testContext(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := policyIDs(r.SignedIdentifiers)
	slices.Sort(ids)
	return r, ids
}

func readPolicy(h time.Duration) *container.AccessPolicy {
	return &container.AccessPolicy{Permission: to.Ptr("r"), Expiry: to.Ptr(time.Now().UTC().Add(h).Truncate(time.Second))}
}

// A minted read-only blob token reads the blob and can neither write nor
// delete it; the policy is added next to the container's existing one.
// (The container stays private: with public access, Azurite would answer
// the GET anonymously. TestRevokeExecuteAzurite checks that the public
// access level survives the read-modify-write.)
func TestMintAzurite(t *testing.T) {
	az := startAzurite(t)
	ctr := newContainer(t, az, map[string]int{"a.txt": 5})
	setACL(t, az, ctr, nil, map[string]*container.AccessPolicy{"existing": readPolicy(time.Hour)})
	ctx := testContext(t)

	m, err := Mint(ctx, MintRequest{Owner: ownerOf(t, az, 0), Container: ctr, Blob: "a.txt", Permissions: "r", AllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.Policy, "os-") || len(m.Policy) != 15 {
		t.Errorf("policy Id %q, want os- and 12 hex digits", m.Policy)
	}
	if d := time.Until(m.Expiry); d < 55*time.Minute || d > 61*time.Minute {
		t.Errorf("expiry %s is %s away, want the default 1h", m.Expiry, d)
	}
	tok, err := sas.Parse(m.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"sp", "se", "st"} {
		if _, ok := tok.Lookup(p); ok {
			t.Errorf("minted token carries %s; it must come from the policy", p)
		}
	}
	if tok.StoredPolicy != m.Policy || tok.Resource != sas.ResourceBlob {
		t.Errorf("token si=%q resource=%s, want si=%q resource=b", tok.StoredPolicy, tok.Resource, m.Policy)
	}

	if got := send(t, http.MethodGet, m.URL, ""); got != http.StatusOK {
		t.Errorf("GET with the minted read token: %d, want 200", got)
	}
	if got := send(t, http.MethodPut, m.URL, "overwritten"); got != http.StatusForbidden {
		t.Errorf("PUT with the minted read token: %d, want 403", got)
	}
	if got := send(t, http.MethodDelete, m.URL, ""); got != http.StatusForbidden {
		t.Errorf("DELETE with the minted read token: %d, want 403", got)
	}
	other := strings.Replace(m.URL, "/a.txt?", "/b.txt?", 1)
	if got := send(t, http.MethodPut, other, "new"); got != http.StatusForbidden {
		t.Errorf("PUT of another blob with the minted read token: %d, want 403", got)
	}

	r, ids := getPolicies(t, az, ctr)
	if want := []string{"existing", m.Policy}; !slices.Equal(ids, want) && !slices.Equal(ids, []string{m.Policy, "existing"}) {
		t.Errorf("policies after mint: %v, want %v", ids, want)
	}
	if r.BlobPublicAccess != nil && *r.BlobPublicAccess != "" {
		t.Errorf("public access after mint: %v, want none (kept private)", *r.BlobPublicAccess)
	}
	for _, si := range r.SignedIdentifiers {
		if *si.ID == m.Policy && (si.AccessPolicy == nil || *si.AccessPolicy.Permission != "r") {
			t.Errorf("minted policy holds %+v, want permission r", si.AccessPolicy)
		}
	}

	// Without AllowHTTP the token is https only, which Azurite over http
	// refuses: proof that spr=https is signed in.
	m2, err := Mint(ctx, MintRequest{Owner: ownerOf(t, az, 0), Container: ctr, Permissions: "rl"})
	if err != nil {
		t.Fatal(err)
	}
	tok2, _ := sas.Parse(m2.URL)
	if tok2.Protocol != "https" {
		t.Errorf("spr=%q, want https", tok2.Protocol)
	}
	res, err := Verify(ctx, tok2, Options{Endpoint: az.Host})
	if err != nil || res.Status != ProtocolMismatch {
		t.Errorf("https-only token over http: %s %v, want protocol-mismatch", res.Status, err)
	}
}

func TestMintRefuses(t *testing.T) {
	ctx := context.Background()
	nowhere := Owner{AccountURL: "http://" + closedPort(t) + "/acct", Endpoint: closedPort(t), Key: sas.Key{Name: "key1", Value: []byte("k")}}
	_, err := Mint(ctx, MintRequest{Owner: nowhere, Container: "c", Permissions: "r", Expires: 8 * 24 * time.Hour})
	if !errors.Is(err, ErrExpiryTooLong) {
		t.Errorf("8 days without force: %v, want ErrExpiryTooLong (and no request)", err)
	}
	if _, err := CheckMintExpiry(8*24*time.Hour, true); err != nil {
		t.Errorf("8 days with force: %v", err)
	}
	if _, err := Mint(ctx, MintRequest{Owner: Owner{AccountURL: "http://127.0.0.1:1/acct", Key: nowhere.Key}, Container: "c", Permissions: "r", AllowHTTP: true}); err == nil || !strings.Contains(err.Error(), "endpoint") {
		t.Errorf("allow-http without endpoint: %v, want a refusal", err)
	}
	if _, err := Mint(ctx, MintRequest{Owner: Owner{AccountURL: "http://127.0.0.1:1/acct", Key: nowhere.Key}, Container: "c", Permissions: "r"}); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("loopback account without endpoint: %v, want a refusal", err)
	}
	for _, sp := range []string{"", "rq", "r!"} {
		if _, err := Mint(ctx, MintRequest{Owner: nowhere, Container: "c", Permissions: sp}); err == nil {
			t.Errorf("permissions %q: accepted", sp)
		}
	}
	if got, err := CanonicalPermissions("lwr", false); err != nil || got != "rwl" {
		t.Errorf("CanonicalPermissions(lwr) = %q, %v; want rwl", got, err)
	}

	az := startAzurite(t)
	ctr := newContainer(t, az, nil)
	five := map[string]*container.AccessPolicy{}
	for _, id := range []string{"p1", "p2", "p3", "p4", "p5"} {
		five[id] = readPolicy(time.Hour)
	}
	setACL(t, az, ctr, nil, five)
	_, err = Mint(testContext(t), MintRequest{Owner: ownerOf(t, az, 0), Container: ctr, Permissions: "r", AllowHTTP: true})
	var le *PolicyLimitError
	if !errors.As(err, &le) || len(le.IDs) != 5 {
		t.Fatalf("sixth policy: %v, want a PolicyLimitError naming the five", err)
	}
	for _, id := range []string{"p1", "p2", "p3", "p4", "p5"} {
		if !strings.Contains(err.Error(), id) {
			t.Errorf("error %q does not name %s", err, id)
		}
	}
	if _, ids := getPolicies(t, az, ctr); len(ids) != 5 {
		t.Errorf("policies after the refusal: %v, want the five untouched", ids)
	}
}
