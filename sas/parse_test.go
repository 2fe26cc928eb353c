package sas

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeSig is a well-formed signature computed at run time, so that this file
// carries no literal that looks like a live token.
func fakeSig(seed string) string {
	h := sha256.Sum256([]byte(seed))
	return base64.StdEncoding.EncodeToString(h[:])
}

// withSig replaces the placeholder SIG in s with an escaped fake signature.
func withSig(s string) string {
	return strings.ReplaceAll(s, "SIG", url.QueryEscape(fakeSig(s)))
}

func mustTime(t *testing.T, s string) *time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return &v
}

// parsed is the comparable subset of a Token.
type parsed struct {
	Form          Form
	Encodings     []string
	Cloud         string
	Endpoint      string
	Account       string
	Service       Service
	Path          string
	Kind          Kind
	Resource      Resource
	Version       string
	Services      []Service
	ResourceTypes []string
	Perms         string
	PermNames     []string
	Canonical     bool
	Protocol      string
	IPRange       string
	StoredPolicy  string
	Duplicates    []string
}

func summarize(tok *Token) parsed {
	return parsed{
		Form: tok.Form, Encodings: tok.Encodings, Cloud: tok.Cloud, Endpoint: tok.Endpoint,
		Account: tok.Account, Service: tok.Service, Path: tok.Path, Kind: tok.Kind,
		Resource: tok.Resource, Version: tok.Version, Services: tok.Services,
		ResourceTypes: tok.ResourceTypes, Perms: tok.Permissions.Raw,
		PermNames: tok.Permissions.Names(), Canonical: tok.Permissions.Canonical,
		Protocol: tok.Protocol, IPRange: tok.IPRange, StoredPolicy: tok.StoredPolicy,
		Duplicates: tok.Duplicates,
	}
}

func TestParseForms(t *testing.T) {
	blobQuery := "sv=2020-08-04&sp=rl&se=2030-01-01T00%3A00%3A00Z&sr=c&spr=https&sig=SIG"
	containerTok := parsed{
		Account: "acct", Service: ServiceBlob, Path: "data", Kind: KindService,
		Resource: ResourceContainer, Version: "2020-08-04", Perms: "rl",
		PermNames: []string{"read", "list"}, Canonical: true, Protocol: "https",
	}
	with := func(p parsed, f func(*parsed)) parsed { f(&p); return p }
	tests := []struct {
		name string
		in   string
		want parsed
	}{
		{"public blob URL", "https://acct.blob.core.windows.net/data?" + blobQuery,
			with(containerTok, func(p *parsed) {
				p.Form, p.Cloud, p.Endpoint = FormURL, "public", "https://acct.blob.core.windows.net"
			})},
		{"upper-case scheme and host", "HTTPS://ACCT.BLOB.CORE.WINDOWS.NET/data?" + blobQuery,
			with(containerTok, func(p *parsed) {
				p.Form, p.Cloud, p.Endpoint = FormURL, "public", "https://acct.blob.core.windows.net"
			})},
		{"china cloud", "https://acct.blob.core.chinacloudapi.cn/data?" + blobQuery,
			with(containerTok, func(p *parsed) {
				p.Form, p.Cloud, p.Endpoint = FormURL, "china", "https://acct.blob.core.chinacloudapi.cn"
			})},
		{"us government cloud", "https://acct.blob.core.usgovcloudapi.net/data?" + blobQuery,
			with(containerTok, func(p *parsed) {
				p.Form, p.Cloud, p.Endpoint = FormURL, "usgovernment", "https://acct.blob.core.usgovcloudapi.net"
			})},
		{"germany cloud", "https://acct.blob.core.cloudapi.de/data?" + blobQuery,
			with(containerTok, func(p *parsed) {
				p.Form, p.Cloud, p.Endpoint = FormURL, "germany", "https://acct.blob.core.cloudapi.de"
			})},
		{"secondary endpoint", "https://acct-secondary.blob.core.windows.net/data?" + blobQuery,
			with(containerTok, func(p *parsed) {
				p.Form, p.Cloud, p.Endpoint = FormURL, "public", "https://acct-secondary.blob.core.windows.net"
			})},
		{"dfs endpoint", "https://acct.dfs.core.windows.net/data?" + blobQuery,
			with(containerTok, func(p *parsed) {
				p.Form, p.Cloud, p.Endpoint, p.Service = FormURL, "public", "https://acct.dfs.core.windows.net", ServiceDFS
			})},
		{"custom domain", "https://files.example.com/data?" + blobQuery,
			with(containerTok, func(p *parsed) {
				p.Form, p.Cloud, p.Endpoint, p.Account = FormURL, "custom", "https://files.example.com", ""
			})},
		{"azurite IP style", "http://127.0.0.1:10000/acct/data?" + blobQuery,
			with(containerTok, func(p *parsed) {
				p.Form, p.Cloud, p.Endpoint = FormURL, "emulator", "http://127.0.0.1:10000/acct"
			})},
		{"azurite product style", "http://acct.blob.localhost:10000/data?" + blobQuery,
			with(containerTok, func(p *parsed) {
				p.Form, p.Cloud, p.Endpoint = FormURL, "emulator", "http://acct.blob.localhost:10000"
			})},
		{"bare query", blobQuery,
			with(containerTok, func(p *parsed) { p.Form, p.Account, p.Path = FormQuery, "", "" })},
		{"query with ?", "?" + blobQuery,
			with(containerTok, func(p *parsed) { p.Form, p.Account, p.Path = FormQuery, "", "" })},
		{"percent-encoded once", url.QueryEscape("https://acct.blob.core.windows.net/data?" + blobQuery),
			with(containerTok, func(p *parsed) {
				p.Form, p.Cloud, p.Endpoint, p.Encodings = FormURL, "public", "https://acct.blob.core.windows.net", []string{"percent"}
			})},
		{"percent-encoded twice", url.QueryEscape(url.QueryEscape("https://acct.blob.core.windows.net/data?" + blobQuery)),
			with(containerTok, func(p *parsed) {
				p.Form, p.Cloud, p.Endpoint, p.Encodings = FormURL, "public", "https://acct.blob.core.windows.net", []string{"percent", "percent"}
			})},
		{"html-escaped", strings.ReplaceAll("https://acct.blob.core.windows.net/data?"+blobQuery, "&", "&amp;"),
			with(containerTok, func(p *parsed) {
				p.Form, p.Cloud, p.Endpoint, p.Encodings = FormURL, "public", "https://acct.blob.core.windows.net", []string{"html"}
			})},
		{"json-escaped", strings.NewReplacer("&", `\u0026`, "/", `\/`).Replace("https://acct.blob.core.windows.net/data?" + blobQuery),
			with(containerTok, func(p *parsed) {
				p.Form, p.Cloud, p.Endpoint, p.Encodings = FormURL, "public", "https://acct.blob.core.windows.net", []string{"json"}
			})},
		{"quoted", `"https://acct.blob.core.windows.net/data?` + blobQuery + `"`,
			with(containerTok, func(p *parsed) {
				p.Form, p.Cloud, p.Endpoint = FormURL, "public", "https://acct.blob.core.windows.net"
			})},
		{"connection string with BlobEndpoint",
			"BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2020-08-04&ss=bfqt&srt=sco&sp=rwdlacup&se=2030-01-01&spr=https&sig=SIG",
			parsed{Form: FormConnectionString, Cloud: "public", Endpoint: "https://acct.blob.core.windows.net", Account: "acct",
				Service: ServiceBlob, Kind: KindAccount, Resource: ResourceAccount, Version: "2020-08-04",
				Services: []Service{ServiceBlob, ServiceFile, ServiceQueue, ServiceTable}, ResourceTypes: []string{"service", "container", "object"},
				Perms: "rwdlacup", PermNames: []string{"read", "write", "delete", "list", "add", "create", "update", "process"},
				Canonical: true, Protocol: "https"}},
		{"connection string with AccountName only",
			"AccountName=acct;SharedAccessSignature=?sv=2020-08-04&tn=Orders&sp=raud&se=2030-01-01&sig=SIG;EndpointSuffix=core.chinacloudapi.cn",
			parsed{Form: FormConnectionString, Cloud: "china", Endpoint: "https://acct.blob.core.chinacloudapi.cn", Account: "acct",
				Service: ServiceTable, Kind: KindService, Resource: ResourceTable, Version: "2020-08-04",
				Perms: "raud", PermNames: []string{"read", "add", "update", "delete"}, Canonical: true}},
		{"queue SAS has no sr", "https://acct.queue.core.windows.net/jobs?sv=2020-08-04&sp=raup&se=2030-01-01&sig=SIG",
			parsed{Form: FormURL, Cloud: "public", Endpoint: "https://acct.queue.core.windows.net", Account: "acct", Path: "jobs",
				Service: ServiceQueue, Kind: KindService, Resource: ResourceQueue, Version: "2020-08-04",
				Perms: "raup", PermNames: []string{"read", "add", "update", "process"}, Canonical: true}},
		{"file share SAS", "https://acct.file.core.windows.net/share?sv=2020-08-04&sr=s&sp=rcwdl&se=2030-01-01&sig=SIG",
			parsed{Form: FormURL, Cloud: "public", Endpoint: "https://acct.file.core.windows.net", Account: "acct", Path: "share",
				Service: ServiceFile, Kind: KindService, Resource: ResourceShare, Version: "2020-08-04",
				Perms: "rcwdl", PermNames: []string{"read", "create", "write", "delete", "list"}, Canonical: true}},
		{"stored policy without sp and se", "https://acct.blob.core.windows.net/c?sv=2025-11-05&si=policy1&sr=c&sig=SIG",
			parsed{Form: FormURL, Cloud: "public", Endpoint: "https://acct.blob.core.windows.net", Account: "acct", Path: "c",
				Service: ServiceBlob, Kind: KindService, Resource: ResourceContainer, Version: "2025-11-05", StoredPolicy: "policy1",
				PermNames: []string{}, Canonical: true}},
		{"non-canonical order and duplicates", "https://acct.blob.core.windows.net/c/b?sv=2025-11-05&sp=wrr&se=2030-01-01&sr=b&sr=c&sig=SIG",
			parsed{Form: FormURL, Cloud: "public", Endpoint: "https://acct.blob.core.windows.net", Account: "acct", Path: "c/b",
				Service: ServiceBlob, Kind: KindService, Resource: ResourceBlob, Version: "2025-11-05",
				Perms: "wrr", PermNames: []string{"write", "read"}, Duplicates: []string{"sr"}}},
		{"escaped blob path", "https://acct.blob.core.windows.net/c/dir%20one/%E2%9C%93.bin?sv=2025-11-05&sp=r&se=2030-01-01&sr=b&sig=SIG",
			parsed{Form: FormURL, Cloud: "public", Endpoint: "https://acct.blob.core.windows.net", Account: "acct", Path: "c/dir one/✓.bin",
				Service: ServiceBlob, Kind: KindService, Resource: ResourceBlob, Version: "2025-11-05",
				Perms: "r", PermNames: []string{"read"}, Canonical: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := Parse(withSig(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, summarize(tok)); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
			if tok.Signature() == "" || strings.Contains(tok.Signature(), " ") {
				t.Errorf("signature %q not decoded", tok.Signature())
			}
		})
	}
}

func TestParseKeepsLiteralValues(t *testing.T) {
	// The signature is computed over the literal decoded values: a time
	// written without seconds must stay without seconds.
	tok, err := Parse(withSig("sv=2025-11-05&sp=r&se=2030-01-01T00%3A00Z&st=2025-01-01T00:00:00.1234567%2B02:00&sr=c&rscd=attachment%3B+filename%3Dx&sig=SIG"))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"se":   "2030-01-01T00:00Z",
		"st":   "2025-01-01T00:00:00.1234567+02:00",
		"rscd": "attachment; filename=x",
	} {
		if got := tok.Get(key); got != want {
			t.Errorf("Get(%q) = %q, want %q", key, got, want)
		}
	}
	if diff := cmp.Diff(mustTime(t, "2030-01-01T00:00:00Z"), tok.Expiry); diff != "" {
		t.Errorf("Expiry (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(mustTime(t, "2024-12-31T22:00:00.1234567Z"), tok.Start); diff != "" {
		t.Errorf("Start (-want +got):\n%s", diff)
	}
}

func TestParseSignatureWithUnescapedPlus(t *testing.T) {
	sig := "ab+cd/ef=="
	tok, err := Parse("sv=2025-11-05&sp=r&se=2030-01-01&sr=c&sig=" + sig)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Signature() != sig {
		t.Errorf("Signature() = %q, want %q", tok.Signature(), sig)
	}
}

func TestParseUserDelegation(t *testing.T) {
	in := withSig("se=2019-07-27&sp=r&sv=2018-11-09&sr=c&skoid=11111111-1111-1111-1111-111111111111&sktid=22222222-2222-2222-2222-222222222222&skt=2019-07-26T18%3A01%3A22Z&ske=2019-07-27T00%3A00%3A00Z&sks=b&skv=2018-11-09&sig=SIG")
	tok, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Kind != KindUserDelegation || tok.Resource != ResourceContainer {
		t.Errorf("kind/resource = %s/%s, want user-delegation/container", tok.Kind, tok.Resource)
	}
	if diff := cmp.Diff(mustTime(t, "2019-07-27T00:00:00Z"), tok.KeyExpiry); diff != "" {
		t.Errorf("KeyExpiry (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(mustTime(t, "2019-07-27T00:00:00Z"), tok.Expiry); diff != "" {
		t.Errorf("Expiry (date only) (-want +got):\n%s", diff)
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		field     string
		sentinel  error
		noMessage string // must not appear in the message
	}{
		// Microsoft's own documented account SAS example has invalid escapes
		// (%6G, %4B) in its signature.
		{"invalid escape in sig", "https://myaccount.blob.core.windows.net/?restype=service&comp=properties&sv=2019-02-02&ss=bf&srt=s&se=2019-08-10T02%3A23%3A26Z&sp=rw&sig=F%6GRVAZ5Cdj2Pw4tgU7IlSTkWgn7bUkkAg8P6HESXwmf%4B",
			"sig", ErrInvalidEscape, "RVAZ5Cdj"},
		{"invalid escape in se", "sv=2020-08-04&sp=r&sr=c&se=2030%ZZ&sig=SIG", "se", ErrInvalidEscape, ""},
		{"missing sig", "sv=2020-08-04&sp=r&sr=c&se=2030-01-01", "sig", ErrMissingField, ""},
		{"missing sv", "sp=r&sr=c&se=2030-01-01&sig=SIG", "sv", ErrMissingField, ""},
		{"no SAS at all", "comp=list&restype=container&maxresults=100", "sig", ErrNotSAS, ""},
		{"bad date", "sv=2020-08-04&sp=r&sr=c&se=2030-13-01&sig=SIG", "se", ErrBadTime, ""},
		{"bad date form", "sv=2020-08-04&sp=r&sr=c&se=01/02/2030&sig=SIG", "se", ErrBadTime, ""},
		{"too many fractional digits", "sv=2020-08-04&sp=r&sr=c&se=2030-01-01T00:00:00.12345678Z&sig=SIG", "se", ErrBadTime, ""},
		{"bad start", "sv=2020-08-04&sp=r&sr=c&st=yesterday&se=2030-01-01&sig=SIG", "st", ErrBadTime, ""},
		{"unknown sp letter", "sv=2020-08-04&sp=rqx&sr=c&se=2030-01-01&sig=SIG", "sp", ErrUnknownPermission, ""},
		{"blob letter on a queue", "https://a.queue.core.windows.net/q?sv=2020-08-04&sp=rl&se=2030-01-01&sig=SIG", "sp", ErrUnknownPermission, ""},
		{"missing sp", "sv=2020-08-04&sr=c&se=2030-01-01&sig=SIG", "sp", ErrMissingField, ""},
		{"missing se", "sv=2020-08-04&sr=c&sp=r&sig=SIG", "se", ErrMissingField, ""},
		{"bad ip", "sv=2020-08-04&sp=r&sr=c&se=2030-01-01&sip=168.1.6&sig=SIG", "sip", ErrBadValue, ""},
		{"descending ip range", "sv=2020-08-04&sp=r&sr=c&se=2030-01-01&sip=10.0.0.9-10.0.0.1&sig=SIG", "sip", ErrBadValue, ""},
		{"bad protocol", "sv=2020-08-04&sp=r&sr=c&se=2030-01-01&spr=http&sig=SIG", "spr", ErrBadValue, ""},
		{"bad sr", "sv=2020-08-04&sp=r&sr=x&se=2030-01-01&sig=SIG", "sr", ErrBadValue, ""},
		{"bad sv", "sv=latest&sp=r&sr=c&se=2030-01-01&sig=SIG", "sv", ErrBadValue, ""},
		{"ss without srt", "sv=2020-08-04&ss=b&sp=r&se=2030-01-01&sig=SIG", "srt", ErrMissingField, ""},
		{"unknown service", "sv=2020-08-04&ss=bx&srt=s&sp=r&se=2030-01-01&sig=SIG", "ss", ErrBadValue, ""},
		{"unknown resource type", "sv=2020-08-04&ss=b&srt=z&sp=r&se=2030-01-01&sig=SIG", "srt", ErrBadValue, ""},
		{"incomplete user delegation", "sv=2020-08-04&sp=r&sr=c&se=2030-01-01&skoid=x&sig=SIG", "sktid", ErrMissingField, ""},
		{"snapshot SAS without snapshot", "sv=2020-08-04&sp=r&sr=bs&se=2030-01-01&sig=SIG", "snapshot", ErrMissingField, ""},
		{"connection string without SAS", "BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature", "SharedAccessSignature", ErrMissingField, ""},
		{"empty", "", "sig", ErrNotSAS, ""},
		{"invalid utf-8", "sv=2020\xff", "input", ErrNotSAS, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(withSig(tt.in))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want *ParseError", err)
			}
			if pe.Field != tt.field {
				t.Errorf("Field = %q, want %q (error: %v)", pe.Field, tt.field, err)
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("error %v does not wrap %v", err, tt.sentinel)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("message %q does not name the field %q", err, tt.field)
			}
			if tt.noMessage != "" && strings.Contains(err.Error(), tt.noMessage) {
				t.Errorf("message %q repeats the signature", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("message %q is not one line", err)
			}
		})
	}
}

func TestParseTimeForms(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2030-01-02", "2030-01-02T00:00:00Z"},
		{"2030-01-02T03:04Z", "2030-01-02T03:04:00Z"},
		{"2030-01-02T03:04:05Z", "2030-01-02T03:04:05Z"},
		{"2030-01-02T03:04:05.1Z", "2030-01-02T03:04:05.1Z"},
		{"2030-01-02T03:04:05.1234567Z", "2030-01-02T03:04:05.1234567Z"},
		{"2030-01-02T03:04:05-05:00", "2030-01-02T08:04:05Z"},
		{"2030-01-02T03:04+01:30", "2030-01-02T01:34:00Z"},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", tt.in, err)
			continue
		}
		if got.Format(time.RFC3339Nano) != tt.want {
			t.Errorf("ParseTime(%q) = %s, want %s", tt.in, got.Format(time.RFC3339Nano), tt.want)
		}
	}
	for _, bad := range []string{"", "2030", "2030-01-02T03Z", "2030-01-02T03:04", "2030-01-02 03:04Z", "2030-02-30", "2030-01-02T25:00Z", "2030-01-02T03:04:05,1Z"} {
		if _, err := ParseTime(bad); !errors.Is(err, ErrBadTime) {
			t.Errorf("ParseTime(%q) error = %v, want ErrBadTime", bad, err)
		}
	}
}

func TestPermissionsByContext(t *testing.T) {
	tests := []struct {
		sp    string
		kind  Kind
		svc   Service
		res   Resource
		names []string
		class Class
	}{
		// p is Permissions (ACLs) on a blob but Process on accounts and queues.
		{"p", KindService, ServiceBlob, ResourceBlob, []string{"permissions"}, ClassWrite | ClassPrivileged},
		{"p", KindAccount, ServiceBlob, ResourceAccount, []string{"process"}, ClassRead | ClassDestructive},
		{"p", KindService, ServiceQueue, ResourceQueue, []string{"process"}, ClassRead | ClassDestructive},
		{"f", KindService, ServiceBlob, ResourceContainer, []string{"filter"}, ClassEnumerate},
		{"t", KindAccount, ServiceBlob, ResourceAccount, []string{"tags"}, ClassWrite},
		{"rwdlacupitfxy", KindAccount, ServiceBlob, ResourceAccount,
			[]string{"read", "write", "delete", "list", "add", "create", "update", "process", "set-immutability", "tags", "filter", "delete-version", "permanent-delete"},
			ClassRead | ClassEnumerate | ClassWrite | ClassDestructive | ClassPrivileged},
		{"ud", KindService, ServiceTable, ResourceTable, []string{"update", "delete"}, ClassWrite | ClassDestructive},
		{"rl", KindService, ServiceFile, ResourceShare, []string{"read", "list"}, ClassRead | ClassEnumerate},
	}
	for _, tt := range tests {
		p, err := ParsePermissions(tt.sp, tt.kind, tt.svc, tt.res)
		if err != nil {
			t.Errorf("ParsePermissions(%q, %s %s): %v", tt.sp, tt.kind, tt.res, err)
			continue
		}
		if diff := cmp.Diff(tt.names, p.Names()); diff != "" {
			t.Errorf("ParsePermissions(%q, %s %s) names (-want +got):\n%s", tt.sp, tt.kind, tt.res, diff)
		}
		if p.Class != tt.class {
			t.Errorf("ParsePermissions(%q, %s %s) class = %s, want %s", tt.sp, tt.kind, tt.res, p.Class, tt.class)
		}
	}
	// l is not a file permission, u not a blob one, d not a queue one.
	for _, c := range []struct {
		sp  string
		svc Service
		res Resource
	}{{"rl", ServiceFile, ResourceFile}, {"ru", ServiceBlob, ResourceBlob}, {"rd", ServiceQueue, ResourceQueue}} {
		if _, err := ParsePermissions(c.sp, KindService, c.svc, c.res); !errors.Is(err, ErrUnknownPermission) {
			t.Errorf("ParsePermissions(%q, %s) error = %v, want ErrUnknownPermission", c.sp, c.res, err)
		}
	}
}

func TestPermissionOrder(t *testing.T) {
	for _, tt := range []struct {
		sp        string
		kind      Kind
		res       Resource
		canonical bool
	}{
		{"racwdxltfmeopi", KindService, ResourceContainer, true}, // Go SDK container order
		{"racwdxltmeiyf", KindService, ResourceContainer, true},  // JS SDK container order
		{"rwdxylacupfti", KindAccount, ResourceAccount, true},    // Go SDK account order
		{"rwdxftlacupiy", KindAccount, ResourceAccount, true},    // JS SDK account order
		{"rwdlacup", KindAccount, ResourceAccount, true},         // 2015 documentation order
		{"wr", KindService, ResourceBlob, false},
		{"lr", KindService, ResourceContainer, false},
	} {
		p, err := ParsePermissions(tt.sp, tt.kind, ServiceBlob, tt.res)
		if err != nil {
			t.Fatal(err)
		}
		if p.Canonical != tt.canonical {
			t.Errorf("ParsePermissions(%q).Canonical = %v, want %v", tt.sp, p.Canonical, tt.canonical)
		}
	}
}

func TestTokenRedacts(t *testing.T) {
	in := withSig("https://acct.blob.core.windows.net/c/b.txt?sv=2020-08-04&sp=r&se=2030-01-01&sr=b&sig=SIG")
	tok, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	sig := url.QueryEscape(tok.Signature())
	for _, s := range []string{tok.String(), tok.Redacted(), tok.GoString()} {
		if strings.Contains(s, sig) || strings.Contains(s, tok.Signature()) {
			t.Errorf("%q leaks the signature", s)
		}
		if !strings.Contains(s, "sig=REDACTED") {
			t.Errorf("%q does not show the redaction", s)
		}
	}
	if tok.URL() != in {
		t.Errorf("URL() = %q, want the input %q", tok.URL(), in)
	}
}

func TestTokenTimes(t *testing.T) {
	tok, err := Parse(withSig("sv=2020-08-04&sp=r&sr=c&st=2030-01-01T00:00:00Z&se=2030-01-08T00:00:00Z&sig=SIG"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tok.Lifetime(), 7*24*time.Hour; got != want {
		t.Errorf("Lifetime() = %v, want %v", got, want)
	}
	before := time.Date(2029, 12, 31, 0, 0, 0, 0, time.UTC)
	during := time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC)
	after := time.Date(2030, 1, 9, 0, 0, 0, 0, time.UTC)
	if !tok.NotYetValid(before) || tok.NotYetValid(during) {
		t.Error("NotYetValid wrong")
	}
	if tok.Expired(during) || !tok.Expired(after) {
		t.Error("Expired wrong")
	}
	if left, ok := tok.TimeLeft(during); !ok || left != 24*time.Hour {
		t.Errorf("TimeLeft(during) = %v, %v; want 24h, true", left, ok)
	}
	if left, ok := tok.TimeLeft(after); !ok || left != 0 {
		t.Errorf("TimeLeft(after) = %v, %v; want 0, true", left, ok)
	}
}
