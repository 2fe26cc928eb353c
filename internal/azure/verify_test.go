package azure

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/google/go-cmp/cmp"

	"github.com/overshare/overshare/sas"
)

const timeFmt = "2006-01-02T15:04:05Z"

// ownerClient is the account owner's client (shared key), used only by the
// tests to set up and inspect the account.
func ownerClient(t *testing.T, az *azurite) *azblob.Client {
	t.Helper()
	cred, err := azblob.NewSharedKeyCredential(az.Account, az.Keys[0])
	if err != nil {
		t.Fatal(err)
	}
	c, err := azblob.NewClientWithSharedKeyCredential(az.AccountURL()+"/", cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newContainer creates a container named after the test with the given
// blobs (name → size).
func newContainer(t *testing.T, az *azurite, blobs map[string]int) string {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 50 {
		name = name[:50]
	}
	// Unique per call, so that -count=N runs on one Azurite do not collide.
	name = strings.Trim(name, "-") + "-" + strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36)
	ctx := testContext(t)
	c := ownerClient(t, az)
	if _, err := c.CreateContainer(ctx, name, nil); err != nil {
		t.Fatalf("creating container %s: %v", name, err)
	}
	for b, size := range blobs {
		if _, err := c.UploadBuffer(ctx, name, b, make([]byte, size), nil); err != nil {
			t.Fatalf("uploading %s: %v", b, err)
		}
	}
	return name
}

func key(t *testing.T, b64 string) []byte {
	t.Helper()
	k, err := sas.DecodeKey(b64)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func accountKeys(t *testing.T, az *azurite) []sas.Key {
	return []sas.Key{{Name: "key1", Value: key(t, az.Keys[0])}, {Name: "key2", Value: key(t, az.Keys[1])}}
}

// serviceToken mints a service SAS for path in az's account, signed with
// signKey, and parses it.
func serviceToken(t *testing.T, az *azurite, signKey string, v sas.ServiceValues) *sas.Token {
	t.Helper()
	v.Service, v.Account = sas.ServiceBlob, az.Account
	q, err := v.Sign(key(t, signKey))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := sas.Parse(az.AccountURL() + "/" + v.Path + "?" + q)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func hours(h int) string { return time.Now().UTC().Add(time.Duration(h) * time.Hour).Format(timeFmt) }

func TestVerifyAzurite(t *testing.T) {
	az := startAzurite(t)
	ctr := newContainer(t, az, map[string]int{"a.txt": 3})
	k1, k2 := az.Keys[0], az.Keys[1]
	opts := Options{Endpoint: az.Host}
	withKeys := Options{Endpoint: az.Host, Keys: accountKeys(t, az)}

	tamper := func(tok *sas.Token) *sas.Token {
		s := tok.URL()
		i := strings.Index(s, "sig=") + len("sig=")
		for i < len(s) && s[i] == '%' { // change a letter, not an escape
			i += 3
		}
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		out, err := sas.Parse(s[:i] + string(c) + s[i+1:])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	tests := []struct {
		name     string
		tok      *sas.Token
		opts     Options
		want     Status
		wantCode string
		wantReqs int
	}{
		{"container list valid", serviceToken(t, az, k1, sas.ServiceValues{Path: ctr, Permissions: "rl", Expiry: hours(1)}),
			opts, Valid, "", 1},
		{"signed with key2 is valid", serviceToken(t, az, k2, sas.ServiceValues{Path: ctr, Permissions: "rl", Expiry: hours(1)}),
			withKeys, Valid, "", 1},
		{"blob head valid", serviceToken(t, az, k1, sas.ServiceValues{Path: ctr + "/a.txt", Permissions: "r", Expiry: hours(1)}),
			opts, Valid, "", 1},
		{"missing blob: token accepted", serviceToken(t, az, k1, sas.ServiceValues{Path: ctr + "/nope.txt", Permissions: "r", Expiry: hours(1)}),
			opts, Valid, "BlobNotFound", 1},
		{"expired offline", serviceToken(t, az, k1, sas.ServiceValues{Path: ctr, Permissions: "rl", Start: hours(-3), Expiry: hours(-2)}),
			opts, Expired, "", 0},
		{"not yet valid offline", serviceToken(t, az, k1, sas.ServiceValues{Path: ctr, Permissions: "rl", Start: hours(2), Expiry: hours(3)}),
			opts, NotYetValid, "", 0},
		{"tampered sig, no keys: service says", tamper(serviceToken(t, az, k1, sas.ServiceValues{Path: ctr, Permissions: "rl", Expiry: hours(1)})),
			opts, BadSignature, "AuthorizationFailure", 1},
		{"tampered sig, keys: offline", tamper(serviceToken(t, az, k1, sas.ServiceValues{Path: ctr, Permissions: "rl", Expiry: hours(1)})),
			withKeys, BadSignature, "", 0},
		{"rotated key: signature checks with a stale key, service refuses",
			serviceToken(t, az, randomKey(), sas.ServiceValues{Path: ctr, Permissions: "rl", Expiry: hours(1)}),
			Options{Endpoint: az.Host}, BadSignature, "AuthorizationFailure", 1},
		{"https only over http", serviceToken(t, az, k1, sas.ServiceValues{Path: ctr, Permissions: "rl", Expiry: hours(1), Protocol: "https"}),
			opts, ProtocolMismatch, "AuthorizationProtocolMismatch", 1},
		{"container token without l", serviceToken(t, az, k1, sas.ServiceValues{Path: ctr, Permissions: "r", Expiry: hours(1)}),
			opts, PermissionMismatch, "AuthorizationPermissionMismatch", 1},
		{"closed port", serviceToken(t, az, k1, sas.ServiceValues{Path: ctr, Permissions: "rl", Expiry: hours(1)}),
			Options{Endpoint: closedPort(t)}, Unreachable, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Verify(testContext(t), tt.tok, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := struct {
				Status Status
				Code   string
				Reqs   int
			}{res.Status, res.ErrorCode, len(res.Requests)}
			want := struct {
				Status Status
				Code   string
				Reqs   int
			}{tt.want, tt.wantCode, tt.wantReqs}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("(-want +got)\n%s\ndetail: %s\nrequests: %+v", d, res.Detail, res.Requests)
			}
			for _, r := range res.Requests {
				if strings.Contains(r.URL, tt.tok.Signature()) || !strings.Contains(r.URL, "sig=REDACTED") {
					t.Errorf("request URL not redacted: %s", r.URL)
				}
				if r.Method != "GET" && r.Method != "HEAD" {
					t.Errorf("request %s %s: only GET and HEAD are allowed", r.Method, r.URL)
				}
			}
		})
	}
}

func TestVerifyAzuriteAccountSAS(t *testing.T) {
	az := startAzurite(t)
	newContainer(t, az, nil)
	q, err := sas.AccountValues{Account: az.Account, Services: "b", ResourceTypes: "sco", Permissions: "rl", Expiry: hours(1)}.Sign(key(t, az.Keys[0]))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := sas.Parse(az.AccountURL() + "?" + q)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Verify(testContext(t), tok, Options{Endpoint: az.Host})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != Valid || res.Operation != "list-containers" || !strings.Contains(res.Requests[0].URL, "comp=list&maxresults=1") {
		t.Errorf("got %s via %s %+v, want valid via list-containers maxresults=1", res.Status, res.Operation, res.Requests)
	}
}

// TestVerifyAzuritePolicyRevoked: a token bound to a stored access policy
// works; once the owner deletes the policy (Set Container ACL with shared
// key), Azurite answers the same AuthorizationFailure as for a bad
// signature, and the keys tell the two apart.
func TestVerifyAzuritePolicyRevoked(t *testing.T) {
	az := startAzurite(t)
	ctr := newContainer(t, az, map[string]int{"x": 1})
	ctx := testContext(t)
	cc := ownerClient(t, az).ServiceClient().NewContainerClient(ctr)
	setPolicies := func(ids ...string) {
		t.Helper()
		var acl []*container.SignedIdentifier
		for _, id := range ids {
			acl = append(acl, &container.SignedIdentifier{ID: to.Ptr(id), AccessPolicy: &container.AccessPolicy{
				Permission: to.Ptr("rl"), Expiry: to.Ptr(time.Now().UTC().Add(time.Hour).Truncate(time.Second))}})
		}
		if _, err := cc.SetAccessPolicy(ctx, &container.SetAccessPolicyOptions{ContainerACL: acl}); err != nil {
			t.Fatalf("setting the container ACL: %v", err)
		}
	}
	setPolicies("overshare-test-policy")
	tok := serviceToken(t, az, az.Keys[0], sas.ServiceValues{Path: ctr, Identifier: "overshare-test-policy"})
	withKeys := Options{Endpoint: az.Host, Keys: accountKeys(t, az)}

	res, err := Verify(ctx, tok, withKeys)
	if err != nil || res.Status != Valid {
		t.Fatalf("with the policy: %s %v (%s), want valid", res.Status, err, res.Detail)
	}
	setPolicies()
	res, err = Verify(ctx, tok, withKeys)
	if err != nil || res.Status != PolicyRevoked || res.SignedWith != "key1" {
		t.Errorf("policy deleted, keys given: %s signed_with=%s %v (%s), want policy-revoked signed_with=key1", res.Status, res.SignedWith, err, res.Detail)
	}
	res, err = Verify(ctx, tok, Options{Endpoint: az.Host})
	if err != nil || res.Status != BadSignature || !strings.Contains(res.Detail, "--keys-file") {
		t.Errorf("policy deleted, no keys: %s %v (%s), want bad-signature that asks for keys", res.Status, err, res.Detail)
	}
}

// listing is what the account holds: every container's blobs with ETag,
// size and last-modified time, plus the containers' ACLs.
func listing(t *testing.T, az *azurite) string {
	t.Helper()
	ctx := testContext(t)
	c := ownerClient(t, az)
	var b strings.Builder
	cp := c.NewListContainersPager(nil)
	for cp.More() {
		page, err := cp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ci := range page.ContainerItems {
			fmt.Fprintf(&b, "container %s etag=%s modified=%s\n", *ci.Name, *ci.Properties.ETag, ci.Properties.LastModified)
			bp := c.NewListBlobsFlatPager(*ci.Name, &azblob.ListBlobsFlatOptions{Include: azblob.ListBlobsInclude{Metadata: true, Snapshots: true}})
			for bp.More() {
				bpage, err := bp.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, bi := range bpage.Segment.BlobItems {
					fmt.Fprintf(&b, "  %s etag=%s len=%d modified=%s\n", *bi.Name, *bi.Properties.ETag, *bi.Properties.ContentLength, bi.Properties.LastModified)
				}
			}
		}
	}
	return b.String()
}

// TestBlastRadiusAzurite: the counts equal what was uploaded, sensitive
// names are reported, --max-list bounds the listing, and a token with
// write and delete leaves the account exactly as it was.
func TestBlastRadiusAzurite(t *testing.T) {
	az := startAzurite(t)
	blobs := map[string]int{
		"readme.txt":                10,
		"backups/prod.bak":          100,
		"vm/os.vhd":                 512,
		"models/model.pkl":          7,
		"models/weights.pt":         8,
		"deploy/.env":               3,
		"home/.ssh/id_rsa":          4,
		"data/2024/part-0001.csv":   20,
		"data/2024/part-0002.csv":   21,
		"certs/site.pfx":            5,
		"notes/sql-is-not-a-suffix": 1,
	}
	ctr := newContainer(t, az, blobs)
	var wantBytes int64
	for _, n := range blobs {
		wantBytes += int64(n)
	}
	// Write and delete: the worst case for a probe that must change nothing.
	tok := serviceToken(t, az, az.Keys[0], sas.ServiceValues{Path: ctr, Permissions: "racwdl", Expiry: hours(1)})

	before := listing(t, az)
	var progress []int
	res, err := Verify(testContext(t), tok, Options{Endpoint: az.Host, BlastRadius: true, Progress: func(n int) { progress = append(progress, n) }})
	if err != nil || res.Status != Valid || res.Exposure == nil {
		t.Fatalf("got %+v %v, want valid with exposure", res, err)
	}
	want := &Exposure{Containers: 1, Blobs: len(blobs), Bytes: wantBytes, Sensitive: []Sensitive{
		{Path: ctr + "/backups/prod.bak", Reason: "database backup"},
		{Path: ctr + "/certs/site.pfx", Reason: "key and certificate bundle"},
		{Path: ctr + "/deploy/.env", Reason: "environment file (credentials)"},
		{Path: ctr + "/home/.ssh/id_rsa", Reason: "SSH private key"},
		{Path: ctr + "/models/model.pkl", Reason: "pickle (runs code when loaded)"},
		{Path: ctr + "/models/weights.pt", Reason: "PyTorch checkpoint (pickle)"},
		{Path: ctr + "/vm/os.vhd", Reason: "disk image"},
	}}
	if d := cmp.Diff(want, res.Exposure); d != "" {
		t.Errorf("exposure (-want +got)\n%s", d)
	}
	if len(progress) == 0 || progress[len(progress)-1] != len(blobs) {
		t.Errorf("progress calls %v, want the last to be %d", progress, len(blobs))
	}
	for _, r := range res.Requests {
		if r.Method != "GET" || !strings.Contains(r.URL, "comp=list") {
			t.Errorf("request %s %s: blast radius may only list", r.Method, r.URL)
		}
	}

	// Bounded: --max-list 4 lists at most 4 entries (1 container + 3 blobs).
	res, err = Verify(testContext(t), tok, Options{Endpoint: az.Host, BlastRadius: true, MaxList: 4})
	if err != nil || res.Exposure == nil || !res.Exposure.Truncated || res.Exposure.Blobs != 3 {
		t.Errorf("max-list 4: %+v %v, want 3 blobs and truncated", res.Exposure, err)
	}

	if after := listing(t, az); after != before {
		t.Errorf("the account changed after verify and blast radius:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestBlastRadiusAzuriteAccountSAS(t *testing.T) {
	az := startAzurite(t)
	ctr := newContainer(t, az, map[string]int{"one": 1, "two.key": 2})
	q, err := sas.AccountValues{Account: az.Account, Services: "b", ResourceTypes: "sco", Permissions: "rwdl", Expiry: hours(1)}.Sign(key(t, az.Keys[1]))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := sas.Parse(az.AccountURL() + "?" + q)
	if err != nil {
		t.Fatal(err)
	}
	before := listing(t, az)
	res, err := Verify(testContext(t), tok, Options{Endpoint: az.Host, BlastRadius: true})
	if err != nil || res.Exposure == nil {
		t.Fatalf("got %+v %v", res, err)
	}
	// Other tests' containers share the account; this one's must be seen.
	found := false
	for _, s := range res.Exposure.Sensitive {
		found = found || s.Path == ctr+"/two.key"
	}
	if res.Exposure.Containers < 1 || res.Exposure.Blobs < 2 || !found {
		t.Errorf("exposure %+v: want at least this test's container, 2 blobs and %s/two.key", res.Exposure, ctr)
	}
	if after := listing(t, az); after != before {
		t.Errorf("the account changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestVerifyRefusesOtherHosts: without --endpoint, only Azure storage hosts
// are contacted; loopback and private addresses are refused before any
// request.
func TestVerifyRefusesOtherHosts(t *testing.T) {
	for _, u := range []string{
		"http://127.0.0.1:10000/devstoreaccount1/c?sv=2021-06-08&sr=c&sp=rl&se=2099-01-01&sig=AAAA",
		"https://10.1.2.3/c?sv=2021-06-08&sr=c&sp=rl&se=2099-01-01&sig=AAAA",
		"https://example.com/c?sv=2021-06-08&sr=c&sp=rl&se=2099-01-01&sig=AAAA",
		"https://acct.blob.core.windows.net.evil.example/c?sv=2021-06-08&sr=c&sp=rl&se=2099-01-01&sig=AAAA",
	} {
		tok, err := sas.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Verify(context.Background(), tok, Options{})
		var ee *EndpointError
		if !errors.As(err, &ee) || len(res.Requests) != 0 {
			t.Errorf("%s: got %v with %d requests, want an *EndpointError and none", u, err, len(res.Requests))
		}
	}
}

func TestIsStorageHost(t *testing.T) {
	for host, want := range map[string]bool{
		"acct.blob.core.windows.net":             true,
		"acct.dfs.core.windows.net":              true,
		"acct.queue.core.chinacloudapi.cn":       true,
		"acct.table.core.usgovcloudapi.net":      true,
		"ACCT.FILE.CORE.WINDOWS.NET.":            true,
		"acct.web.core.windows.net":              false,
		"blob.core.windows.net":                  false,
		"a.b.blob.core.windows.net":              false,
		"acct.privatelink.blob.core.windows.net": false,
		"core.windows.net.evil.example":          false,
		"127.0.0.1":                              false,
	} {
		if got := IsStorageHost(host); got != want {
			t.Errorf("IsStorageHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestSensitiveReason(t *testing.T) {
	for name, want := range map[string]string{
		"a/b/disk.VHDX":   "disk image",
		"db.bacpac":       "database backup",
		"x/id_ed25519":    "SSH private key",
		".env.production": "environment file (credentials)",
		"ckpt/model.ckpt": "model checkpoint",
		"m.joblib":        "joblib model (pickle)",
		"photo.jpg":       "",
		"sql/readme.md":   "",
		"aws/credentials": "credentials file",
	} {
		if got := SensitiveReason(name); got != want {
			t.Errorf("SensitiveReason(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestDeepAzurite: --deep reads only the first bytes of model-named blobs
// (ranged GETs of 64 bytes) and says what they are; nothing else is read
// and the account is unchanged.
func TestDeepAzurite(t *testing.T) {
	az := startAzurite(t)
	ctr := newContainer(t, az, map[string]int{"notes.txt": 5})
	ctx := testContext(t)
	c := ownerClient(t, az)
	big := append([]byte("\x80\x04\x95"), make([]byte, 4096)...)
	for name, data := range map[string][]byte{
		"models/model.pkl":         big,
		"models/weights.pt":        append([]byte("PK\x03\x04"), make([]byte, 100)...),
		"models/w.safetensors.bin": append([]byte{8, 0, 0, 0, 0, 0, 0, 0}, []byte("{}      ")...),
	} {
		if _, err := c.UploadBuffer(ctx, ctr, name, data, nil); err != nil {
			t.Fatal(err)
		}
	}
	tok := serviceToken(t, az, az.Keys[0], sas.ServiceValues{Path: ctr, Permissions: "rl", Expiry: hours(1)})
	before := listing(t, az)
	res, err := Verify(ctx, tok, Options{Endpoint: az.Host, BlastRadius: true, Deep: true})
	if err != nil || res.Exposure == nil {
		t.Fatalf("%+v %v", res, err)
	}
	got := map[string]string{}
	for _, s := range res.Exposure.Sensitive {
		got[strings.TrimPrefix(s.Path, ctr+"/")] = s.Content
	}
	want := map[string]string{
		"models/model.pkl":         "pickle (protocol 4): runs code when loaded",
		"models/weights.pt":        "zip (a PyTorch checkpoint holds pickles)",
		"models/w.safetensors.bin": "safetensors (cannot run code)",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("contents (-want +got)\n%s", d)
	}
	ranged := 0
	for _, r := range res.Requests {
		if !strings.Contains(r.URL, "comp=list") {
			ranged++
		}
		if r.Method != "GET" {
			t.Errorf("request %s %s", r.Method, r.URL)
		}
	}
	if ranged != 3 {
		t.Errorf("%d non-list requests, want exactly 3 ranged reads", ranged)
	}
	if after := listing(t, az); after != before {
		t.Error("the account changed")
	}
	// Without read permission nothing is read.
	tok = serviceToken(t, az, az.Keys[0], sas.ServiceValues{Path: ctr, Permissions: "l", Expiry: hours(1)})
	res, _ = Verify(ctx, tok, Options{Endpoint: az.Host, BlastRadius: true, Deep: true})
	for _, s := range res.Exposure.Sensitive {
		if s.Content != "" {
			t.Errorf("%s read without r permission: %q", s.Path, s.Content)
		}
	}
}
