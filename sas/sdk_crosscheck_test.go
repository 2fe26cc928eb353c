package sas_test

// Randomized cross-check against the official Azure SDK for Go (azblob
// v1.8.3): tokens minted by the SDK must parse back to what was minted, and
// Attribute must name the key that signed them. The SDK signs with its
// newest layout whatever Version says (sas-spec §0.3), so Version is left at
// its default.

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	azsas "github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/service"
	"github.com/google/go-cmp/cmp"

	"github.com/overshare/overshare/sas"
)

// xcFacts are the facts compared between what the SDK minted and what
// Parse and Attribute report.
type xcFacts struct {
	Kind        sas.Kind
	Service     sas.Service
	Resource    sas.Resource
	Version     string
	Account     string
	Path        string
	Permissions string
	Start       string
	Expiry      string
	StartTime   *time.Time
	ExpiryTime  *time.Time
	IPRange     string
	Protocol    string
	Policy      string
	Snapshot    string
	VersionID   string
	Layout      string
	SignedWith  string
}

func xcGot(tok *sas.Token, keys []sas.Key) (xcFacts, error) {
	a, err := sas.Attribute(tok, keys)
	if err != nil {
		return xcFacts{}, err
	}
	return xcFacts{
		Kind:        tok.Kind,
		Service:     tok.Service,
		Resource:    tok.Resource,
		Version:     tok.Version,
		Account:     tok.Account,
		Path:        tok.Path,
		Permissions: tok.Permissions.Raw,
		Start:       tok.Get("st"),
		Expiry:      tok.Get("se"),
		StartTime:   tok.Start,
		ExpiryTime:  tok.Expiry,
		IPRange:     tok.IPRange,
		Protocol:    tok.Protocol,
		Policy:      tok.StoredPolicy,
		Snapshot:    tok.Get("snapshot"),
		VersionID:   tok.Get("versionid"),
		Layout:      a.Layout,
		SignedWith:  a.SignedWith,
	}, nil
}

// xcRand wraps the seeded generator with the value makers.
type xcRand struct{ *rand.Rand }

func (r xcRand) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return b
}

func (r xcRand) pick(s []string) string { return s[r.IntN(len(s))] }

// bools sets each bool field of the struct p points to at random, with at
// least one set.
func (r xcRand) bools(p any) {
	v := reflect.ValueOf(p).Elem()
	for {
		set := false
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).Kind() == reflect.Bool {
				on := r.IntN(3) == 0
				v.Field(i).SetBool(on)
				set = set || on
			}
		}
		if set {
			return
		}
	}
}

func (r xcRand) lowerName(min, max int) string {
	const first = "abcdefghijklmnopqrstuvwxyz0123456789"
	const rest = first + "-"
	n := min + r.IntN(max-min+1)
	b := []byte{first[r.IntN(len(first))]}
	for len(b) < n-1 {
		b = append(b, rest[r.IntN(len(rest))])
	}
	return string(append(b, first[r.IntN(len(first))]))
}

// segment is one blob path segment with spaces, unicode and characters that
// need escaping.
func (r xcRand) segment() string {
	pieces := []string{"a", "B", "z", "0", "9", "-", "_", ".txt", " ", "  ", "é", "日本", "🙂", "ü", "+", "%", "%20",
		"#", "?", "&", "=", ";", ",", "'", "(", ")", "~", "!", "$", "@", ":", "[", "]", "\\", "*"}
	var b strings.Builder
	b.WriteString(r.pick([]string{"f", "Dir", "ß", "x y", "0"}))
	for n := r.IntN(6); n > 0; n-- {
		b.WriteString(r.pick(pieces))
	}
	return b.String()
}

func (r xcRand) blobName() string {
	segs := make([]string, 1+r.IntN(4))
	for i := range segs {
		segs[i] = r.segment()
	}
	return strings.Join(segs, "/")
}

func (r xcRand) dirName() string {
	segs := make([]string, 1+r.IntN(3))
	for i := range segs {
		segs[i] = r.pick([]string{"d", "dir one", "sub", "日本", "x+y"}) + r.lowerName(3, 5)
	}
	return strings.Join(segs, "/")
}

// times returns an optional start and an expiry, second precision, in a
// random zone (the SDK signs them in UTC).
func (r xcRand) times() (start, expiry time.Time) {
	zones := []*time.Location{time.UTC, time.FixedZone("plus", 5*3600+30*60), time.FixedZone("minus", -8*3600)}
	base := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(90*365*24*time.Hour/time.Second))) * time.Second)
	expiry = base.Add(time.Duration(1+r.Int64N(int64(10*365*24*time.Hour/time.Second))) * time.Second).In(zones[r.IntN(len(zones))])
	if r.IntN(4) > 0 {
		start = base.In(zones[r.IntN(len(zones))])
	}
	return start, expiry
}

func (r xcRand) ipRange() azsas.IPRange {
	if r.IntN(2) == 0 {
		return azsas.IPRange{}
	}
	a := net.IPv4(byte(1+r.IntN(223)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))).To4()
	if r.IntN(2) == 0 {
		return azsas.IPRange{Start: a}
	}
	b := make(net.IP, 4)
	copy(b, a)
	b[3] = a[3] + byte(r.IntN(int(255-a[3])+1))
	return azsas.IPRange{Start: a, End: b}
}

func (r xcRand) protocol() azsas.Protocol {
	return azsas.Protocol(r.pick([]string{"", string(azsas.ProtocolHTTPS), string(azsas.ProtocolHTTPSandHTTP)}))
}

func (r xcRand) text() string {
	if r.IntN(3) > 0 {
		return ""
	}
	return r.pick([]string{"no-cache", "attachment; filename=\"a b.txt\"", "gzip", "en-US", "text/plain; charset=utf-8", "ünï cödé +/=&"})
}

func xcEscapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

func xcTimeString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(azsas.TimeFormat)
}

func xcTimePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

const xcTokens = 600

func TestSDKCrossCheckSharedKey(t *testing.T) {
	r := xcRand{rand.New(rand.NewPCG(20261128, 1))}
	keys := []sas.Key{{Name: "key1", Value: r.bytes(64)}, {Name: "key2", Value: r.bytes(64)}}
	counts := map[sas.Resource]int{}
	failures, checked := 0, 0
	for i := 0; i < xcTokens && failures < 20; i++ {
		account := r.lowerName(3, 24)
		signer := keys[r.IntN(2)]
		cred, err := service.NewSharedKeyCredential(account, base64.StdEncoding.EncodeToString(signer.Value))
		if err != nil {
			t.Fatal(err)
		}
		start, expiry := r.times()
		ipr, proto := r.ipRange(), r.protocol()

		want := xcFacts{
			Kind:       sas.KindService,
			Service:    sas.ServiceBlob,
			Version:    azsas.Version,
			Account:    account,
			Start:      xcTimeString(start),
			Expiry:     xcTimeString(expiry),
			StartTime:  xcTimePtr(start),
			ExpiryTime: xcTimePtr(expiry),
			IPRange:    ipr.String(),
			Protocol:   string(proto),
			Layout:     "blob-2020-12-06",
			SignedWith: signer.Name,
		}
		host := "blob"
		extra := url.Values{}
		var qp azsas.QueryParameters
		switch which := r.IntN(6); which {
		case 0: // account SAS
			var perms azsas.AccountPermissions
			r.bools(&perms)
			var rt azsas.AccountResourceTypes
			r.bools(&rt)
			want.Kind, want.Resource, want.Layout = sas.KindAccount, sas.ResourceAccount, "account-2020-12-06"
			qp, err = azsas.AccountSignatureValues{
				Protocol: proto, StartTime: start, ExpiryTime: expiry, Permissions: perms.String(),
				IPRange: ipr, ResourceTypes: rt.String(),
			}.SignWithSharedKey(cred)
		default:
			container := r.lowerName(3, 63)
			v := azsas.BlobSignatureValues{
				Protocol: proto, StartTime: start, ExpiryTime: expiry, IPRange: ipr, ContainerName: container,
				CacheControl: r.text(), ContentDisposition: r.text(), ContentEncoding: r.text(),
				ContentLanguage: r.text(), ContentType: r.text(),
			}
			if r.IntN(8) == 0 {
				v.EncryptionScope = "scope-" + r.lowerName(3, 8)
			}
			if r.IntN(6) == 0 {
				v.Identifier = "policy " + r.lowerName(3, 10)
				want.Policy = v.Identifier
			}
			switch which {
			case 1:
				var p azsas.ContainerPermissions
				r.bools(&p)
				v.Permissions = p.String()
				want.Resource, want.Path = sas.ResourceContainer, container
			case 2, 3, 4:
				var p azsas.BlobPermissions
				r.bools(&p)
				v.Permissions = p.String()
				v.BlobName = r.blobName()
				want.Resource, want.Path = sas.ResourceBlob, container+"/"+v.BlobName
				switch which {
				case 3:
					v.SnapshotTime = time.Date(2020+r.IntN(10), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1e7)*100, time.UTC)
					want.Resource, want.Snapshot = sas.ResourceSnapshot, v.SnapshotTime.Format("2006-01-02T15:04:05.0000000Z07:00")
					extra.Set("snapshot", want.Snapshot)
				case 4:
					v.BlobVersion = time.Date(2020+r.IntN(10), 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(1e16))).Format("2006-01-02T15:04:05.0000000Z")
					want.Resource, want.VersionID = sas.ResourceVersion, v.BlobVersion
					extra.Set("versionid", v.BlobVersion)
				}
			case 5:
				// The SDK signs a directory SAS with BlobPermissions.
				var p azsas.BlobPermissions
				r.bools(&p)
				v.Permissions = p.String()
				v.Directory = r.dirName()
				want.Resource, want.Path = sas.ResourceDirectory, container+"/"+v.Directory
			}
			if which != 3 && which != 4 && r.IntN(3) == 0 {
				host, want.Service = "dfs", sas.ServiceDFS
			}
			if v.Identifier != "" && r.IntN(2) == 0 {
				// The stored policy supplies permissions and expiry.
				v.Permissions, v.ExpiryTime = "", time.Time{}
				want.Expiry, want.ExpiryTime = "", nil
			}
			qp, err = v.SignWithSharedKey(cred)
		}
		if err != nil {
			t.Fatalf("token %d: SDK: %v", i, err)
		}
		// The SDK re-orders the letters; the token carries its order.
		want.Permissions = qp.Permissions()
		counts[want.Resource]++

		query := qp.Encode()
		if len(extra) > 0 {
			if r.IntN(2) == 0 {
				query = extra.Encode() + "&" + query
			} else {
				query += "&" + extra.Encode()
			}
		}
		raw := "https://" + account + "." + host + ".core.windows.net/" + xcEscapePath(want.Path) + "?" + query
		tok, err := sas.Parse(raw)
		if err != nil {
			failures++
			t.Errorf("token %d: Parse(%s): %v", i, raw, err)
			continue
		}
		got, err := xcGot(tok, keys)
		if err != nil {
			failures++
			t.Errorf("token %d: Attribute(%s): %v", i, raw, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			failures++
			t.Errorf("token %d: %s\n(-want +got):\n%s", i, raw, diff)
			continue
		}
		checked++
	}
	t.Logf("cross-checked %d of %d SDK-minted tokens: %v", checked, xcTokens, counts)
}

// xcTransport answers every request with a user delegation key, so that
// service.Client.GetUserDelegationCredential (the SDK's only way to build
// a user delegation credential) runs without a network.
type xcTransport struct{ body string }

func (x *xcTransport) Do(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/xml"}},
		Body:       io.NopCloser(strings.NewReader(x.body)),
		Request:    req,
	}, nil
}

type xcTokenCredential struct{}

func (xcTokenCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "test", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

const xcUDKTokens = 200

func TestSDKCrossCheckUserDelegation(t *testing.T) {
	r := xcRand{rand.New(rand.NewPCG(20261128, 2))}
	failures, checked, withHeaders := 0, 0, 0
	for i := 0; i < xcUDKTokens && failures < 20; i++ {
		account := r.lowerName(3, 24)
		value := r.bytes(32)
		kst, kse := r.times()
		if kst.IsZero() {
			kst = kse.Add(-time.Hour)
		}
		oid, tid := fmt.Sprintf("%08x-1111-2222-3333-%012x", r.Uint32(), r.Uint64()&0xffffffffffff), fmt.Sprintf("%08x-aaaa-bbbb-cccc-%012x", r.Uint32(), r.Uint64()&0xffffffffffff)
		skv := r.pick([]string{"2025-11-05", "2026-12-06", "2020-02-10"})
		delegatedTID := ""
		if r.IntN(3) == 0 {
			delegatedTID = fmt.Sprintf("%08x-dddd-eeee-ffff-000000000000", r.Uint32())
		}
		body := "<?xml version=\"1.0\" encoding=\"utf-8\"?><UserDelegationKey>" +
			"<SignedOid>" + oid + "</SignedOid><SignedTid>" + tid + "</SignedTid>" +
			"<SignedStart>" + kst.UTC().Format(time.RFC3339) + "</SignedStart><SignedExpiry>" + kse.UTC().Format(time.RFC3339) + "</SignedExpiry>" +
			"<SignedService>b</SignedService><SignedVersion>" + skv + "</SignedVersion>"
		if delegatedTID != "" {
			body += "<SignedDelegatedUserTid>" + delegatedTID + "</SignedDelegatedUserTid>"
		}
		body += "<Value>" + base64.StdEncoding.EncodeToString(value) + "</Value></UserDelegationKey>"
		client, err := service.NewClient("https://"+account+".blob.core.windows.net/", xcTokenCredential{}, &service.ClientOptions{
			ClientOptions: azcore.ClientOptions{Transport: &xcTransport{body: body}, Retry: policy.RetryOptions{MaxRetries: -1}},
		})
		if err != nil {
			t.Fatal(err)
		}
		s, e := kst.UTC().Format(azsas.TimeFormat), kse.UTC().Format(azsas.TimeFormat)
		cred, err := client.GetUserDelegationCredential(context.Background(), service.KeyInfo{Start: &s, Expiry: &e}, nil)
		if err != nil {
			t.Fatalf("token %d: GetUserDelegationCredential: %v", i, err)
		}

		start, expiry := r.times()
		container := r.lowerName(3, 63)
		v := azsas.BlobSignatureValues{
			Protocol: r.protocol(), StartTime: start, ExpiryTime: expiry, IPRange: r.ipRange(), ContainerName: container,
			ContentType: r.text(), CacheControl: r.text(),
		}
		path := container
		if r.IntN(4) > 0 {
			var p azsas.BlobPermissions
			r.bools(&p)
			v.Permissions = p.String()
			v.BlobName = r.blobName()
			path += "/" + v.BlobName
		} else {
			var p azsas.ContainerPermissions
			r.bools(&p)
			v.Permissions = p.String()
		}
		if r.IntN(3) == 0 {
			v.CorrelationID = fmt.Sprintf("%08x-0000-0000-0000-000000000000", r.Uint32())
		}
		switch r.IntN(3) {
		case 0:
			v.AuthorizedObjectID = fmt.Sprintf("%08x-5555-5555-5555-555555555555", r.Uint32())
		case 1:
			v.UnauthorizedObjectID = fmt.Sprintf("%08x-6666-6666-6666-666666666666", r.Uint32())
		}
		if r.IntN(3) == 0 {
			v.SignedDelegatedUserObjectID = fmt.Sprintf("%08x-7777-7777-7777-777777777777", r.Uint32())
		}
		extra := url.Values{}
		if r.IntN(2) == 0 {
			v.SignedRequestQueryParameters = map[string]string{}
			for n := 1 + r.IntN(3); n > 0; n-- {
				name := r.pick([]string{"comp", "restype", "x-custom", "timeout", "tag"})
				val := r.pick([]string{"list", "container", "30", "a b", "ünï+/="})
				v.SignedRequestQueryParameters[name] = val
				extra.Set(name, val)
			}
		}
		var headers map[string]string
		if r.IntN(3) == 0 {
			headers = map[string]string{}
			for n := 1 + r.IntN(2); n > 0; n-- {
				headers[r.pick([]string{"x-ms-range", "x-ms-client-request-id", "If-Match"})] = r.pick([]string{"bytes=0-99", "abc", "\"0x8D\""})
			}
			v.SignedRequestHeaders = headers
			withHeaders++
		}
		qp, err := v.SignWithUserDelegation(cred)
		if err != nil {
			t.Fatalf("token %d: SDK: %v", i, err)
		}
		query := qp.Encode()
		if len(extra) > 0 {
			query += "&" + extra.Encode()
		}
		raw := "https://" + account + ".blob.core.windows.net/" + xcEscapePath(path) + "?" + query
		tok, err := sas.Parse(raw)
		if err != nil {
			failures++
			t.Errorf("token %d: Parse(%s): %v", i, raw, err)
			continue
		}
		wantRes := sas.ResourceContainer
		if v.BlobName != "" {
			wantRes = sas.ResourceBlob
		}
		type udkFacts struct {
			Kind                       sas.Kind
			Resource                   sas.Resource
			Account, Path, Version     string
			Permissions                string
			KeyStart, KeyExpiry        *time.Time
			Layout, Signature          string
			SignedWith                 string
			SKOID, SKTID, SKV, SKDUTID string
		}
		want := udkFacts{
			Kind: sas.KindUserDelegation, Resource: wantRes, Account: account, Path: path, Version: azsas.Version,
			Permissions: qp.Permissions(), KeyStart: xcTimePtr(kst), KeyExpiry: xcTimePtr(kse),
			Layout: "udk-2026-04-06", Signature: qp.Signature(), SignedWith: "udk",
			SKOID: oid, SKTID: tid, SKV: skv, SKDUTID: delegatedTID,
		}
		if len(headers) > 0 {
			// The header values are not in the token: offline attribution
			// cannot match.
			want.SignedWith = sas.NoMatch
		}
		sts, err := sas.StringToSignWithHeaders(tok, headers)
		if err != nil {
			failures++
			t.Errorf("token %d: StringToSignWithHeaders: %v", i, err)
			continue
		}
		a, err := sas.Attribute(tok, []sas.Key{{Name: "other", Value: r.bytes(32)}, {Name: "udk", Value: value}})
		if err != nil {
			failures++
			t.Errorf("token %d: Attribute: %v", i, err)
			continue
		}
		got := udkFacts{
			Kind: tok.Kind, Resource: tok.Resource, Account: tok.Account, Path: tok.Path, Version: tok.Version,
			Permissions: tok.Permissions.Raw, KeyStart: tok.KeyStart, KeyExpiry: tok.KeyExpiry,
			Layout: a.Layout, Signature: sas.Sign(value, sts), SignedWith: a.SignedWith,
			SKOID: tok.Get("skoid"), SKTID: tok.Get("sktid"), SKV: tok.Get("skv"), SKDUTID: tok.Get("skdutid"),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			failures++
			t.Errorf("token %d: %s\n(-want +got):\n%s", i, raw, diff)
			continue
		}
		checked++
	}
	t.Logf("cross-checked %d of %d SDK-minted user delegation tokens (%d signing request headers)", checked, xcUDKTokens, withHeaders)
}

// TestSDKOnlyPermissionLetters pins tokens the Go SDK mints that the docs
// do not describe: letters its BlobPermissions emits that the docs do not
// list for the resource (l on a blob, x, y, t and i on a directory), and a
// blob name that ends in a slash. A scanner must still
// parse and attribute such tokens: they are what leaks.
func TestSDKOnlyPermissionLetters(t *testing.T) {
	key := bytesOf(0x42, 64)
	cred, err := service.NewSharedKeyCredential("acct", base64.StdEncoding.EncodeToString(key))
	if err != nil {
		t.Fatal(err)
	}
	expiry := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, path string
		values     azsas.BlobSignatureValues
		extra      string
	}{
		{
			name: "blob with l", path: "c/b.txt",
			values: azsas.BlobSignatureValues{ContainerName: "c", BlobName: "b.txt", Permissions: (&azsas.BlobPermissions{Read: true, List: true}).String()},
		},
		{
			name: "snapshot with l", path: "c/b.txt", extra: "snapshot=2025-01-01T00%3A00%3A00.0000000Z",
			values: azsas.BlobSignatureValues{ContainerName: "c", BlobName: "b.txt", SnapshotTime: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
				Permissions: (&azsas.BlobPermissions{Read: true, List: true}).String()},
		},
		{
			name: "directory with x, y, t and i", path: "c/d1/d2",
			values: azsas.BlobSignatureValues{ContainerName: "c", Directory: "d1/d2",
				Permissions: (&azsas.BlobPermissions{Read: true, DeletePreviousVersion: true, PermanentDelete: true, Tag: true, SetImmutabilityPolicy: true}).String()},
		},
		{
			name: "blob name ending in a slash", path: "c/dir/",
			values: azsas.BlobSignatureValues{ContainerName: "c", BlobName: "dir/", Permissions: "r"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.values.ExpiryTime = expiry
			qp, err := tt.values.SignWithSharedKey(cred)
			if err != nil {
				t.Fatal(err)
			}
			raw := "https://acct.blob.core.windows.net/" + tt.path + "?" + qp.Encode()
			if tt.extra != "" {
				raw += "&" + tt.extra
			}
			tok, err := sas.Parse(raw)
			if err != nil {
				t.Fatalf("Parse(%s): %v", raw, err)
			}
			a, err := sas.Attribute(tok, []sas.Key{{Name: "key1", Value: key}})
			if err != nil {
				t.Fatal(err)
			}
			if a.SignedWith != "key1" {
				t.Errorf("Attribute(%s) = %q, want key1 (path %q, canonical %q)", raw, a.SignedWith, tok.Path, tok.CanonicalResource())
			}
		})
	}
}

func bytesOf(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}
