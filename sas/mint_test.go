package sas_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/overshare/overshare/sas"
)

type minter interface {
	Sign(key []byte) (string, error)
}

// TestMintKnownAnswers mints the sas-spec §5.1 vectors and checks the
// signature, the query layout and that the result parses and attributes.
func TestMintKnownAnswers(t *testing.T) {
	const st, se = "2025-01-01T00:00:00Z", "2030-01-01T00:00:00Z"
	tests := []struct {
		name      string
		values    minter
		endpoint  string // URL without the query
		wantQuery string // without sig
		wantSig   string
	}{
		{
			name: "KAT1 account",
			values: sas.AccountValues{Version: "2025-11-05", Services: "b", ResourceTypes: "sco", Permissions: "rwdlac",
				Start: st, Expiry: se, IPRange: "127.0.0.1-127.0.0.2", Protocol: "https,http", Account: "devstoreaccount1"},
			endpoint:  katBlob + "/",
			wantQuery: "sv=2025-11-05&ss=b&srt=sco&sp=rwdlac&st=2025-01-01T00%3A00%3A00Z&se=2030-01-01T00%3A00%3A00Z&sip=127.0.0.1-127.0.0.2&spr=https%2Chttp",
			wantSig:   "1L8/n9S3jZ+kuamEdntHv7lZVKYE+lKMNLvz9WBdWTs=",
		},
		{
			name: "K7 account 2019-12-12",
			values: sas.AccountValues{Version: "2019-12-12", Services: "btqf", ResourceTypes: "sco", Permissions: "rl",
				Start: st, Expiry: se, Protocol: "https", Account: "devstoreaccount1"},
			endpoint:  katBlob + "/",
			wantQuery: "sv=2019-12-12&ss=btqf&srt=sco&sp=rl&st=2025-01-01T00%3A00%3A00Z&se=2030-01-01T00%3A00%3A00Z&spr=https",
			wantSig:   "9KP+tZ374O8djSE/VUjkenVt7Xn6fjxz4aq4+eqQCA8=",
		},
		{
			name: "KAT2 blob",
			values: sas.ServiceValues{Version: "2025-11-05", Permissions: "rw", Start: st, Expiry: se, Protocol: "https", ContentType: "text/plain",
				Service: sas.ServiceBlob, Account: "devstoreaccount1", Path: "mycontainer/dir/hello.txt"},
			endpoint:  katBlob + "/mycontainer/dir/hello.txt",
			wantQuery: "sv=2025-11-05&sr=b&sp=rw&st=2025-01-01T00%3A00%3A00Z&se=2030-01-01T00%3A00%3A00Z&spr=https&rsct=text%2Fplain",
			wantSig:   "DDlWDc3eGoAVwm2L5ESP/ydQ/ZXFB9fKTq7AQzqCxuU=",
		},
		{
			name: "KAT3 container stored policy",
			values: sas.ServiceValues{Version: "2025-11-05", Identifier: "policy1", Service: sas.ServiceBlob, Account: "devstoreaccount1",
				Path: "mycontainer", Resource: sas.ResourceContainer},
			endpoint:  katBlob + "/mycontainer",
			wantQuery: "sv=2025-11-05&sr=c&si=policy1",
			wantSig:   "0qps7EYwIRrhLFEZy4leq3LSA3l6ZiB7QJckQ1oMOkY=",
		},
		{
			name: "KAT4 container",
			values: sas.ServiceValues{Version: "2025-11-05", Permissions: "rl", Expiry: se, Service: sas.ServiceBlob,
				Account: "devstoreaccount1", Path: "mycontainer"},
			endpoint:  katBlob + "/mycontainer",
			wantQuery: "sv=2025-11-05&sr=c&sp=rl&se=2030-01-01T00%3A00%3A00Z",
			wantSig:   "ssc4V+HlCXaOfkHTPp4dwaqceW/oGi5sXIZEWJYdslM=",
		},
		{
			name: "K5 blob 2015-04-05",
			values: sas.ServiceValues{Version: "2015-04-05", Permissions: "r", Start: st, Expiry: se, Service: sas.ServiceBlob,
				Account: "devstoreaccount1", Path: "mycontainer/hello.txt"},
			endpoint:  katBlob + "/mycontainer/hello.txt",
			wantQuery: "sv=2015-04-05&sr=b&sp=r&st=2025-01-01T00%3A00%3A00Z&se=2030-01-01T00%3A00%3A00Z",
			wantSig:   "k8dVyMdK9MP1J9zTXLodjWeMPg0BP3EEp9qfGoGCqkA=",
		},
		{
			name: "K6 blob 2018-11-09",
			values: sas.ServiceValues{Version: "2018-11-09", Permissions: "r", Start: st, Expiry: se, Service: sas.ServiceBlob,
				Account: "devstoreaccount1", Path: "mycontainer/hello.txt"},
			endpoint:  katBlob + "/mycontainer/hello.txt",
			wantQuery: "sv=2018-11-09&sr=b&sp=r&st=2025-01-01T00%3A00%3A00Z&se=2030-01-01T00%3A00%3A00Z",
			wantSig:   "5OIXlYHuI+GoVMTBsa9SybBsZTGP5KAE0VQC3Lm3ga4=",
		},
		{
			name:      "queue",
			values:    sas.ServiceValues{Version: "2025-11-05", Permissions: "r", Expiry: se, Service: sas.ServiceQueue, Account: "devstoreaccount1", Path: "myqueue"},
			endpoint:  katQueue + "/myqueue",
			wantQuery: "sv=2025-11-05&sp=r&se=2030-01-01T00%3A00%3A00Z",
			wantSig:   "pygCk221FtJqVMP3UGkDfQfDMeMsv9tp7pvzLXwdDzg=",
		},
		{
			name:      "table",
			values:    sas.ServiceValues{Version: "2025-11-05", Permissions: "r", Expiry: se, Service: sas.ServiceTable, Account: "devstoreaccount1", TableName: "mytable"},
			endpoint:  katTable + "/mytable",
			wantQuery: "sv=2025-11-05&tn=mytable&sp=r&se=2030-01-01T00%3A00%3A00Z",
			wantSig:   "fKMpNi3oK6sz5CRpN06kfW5dNe2ENX+/Ih9b3hypx4I=",
		},
	}
	key := katDevKey(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tt.values.Sign(key)
			if err != nil {
				t.Fatal(err)
			}
			rest, sig, ok := strings.Cut(q, "&sig=")
			if !ok || strings.Contains(sig, "&") {
				t.Fatalf("query %q: want sig last", q)
			}
			if diff := cmp.Diff(tt.wantQuery, rest); diff != "" {
				t.Errorf("query mismatch (-want +got):\n%s", diff)
			}
			if got, _ := url.QueryUnescape(sig); got != tt.wantSig {
				t.Errorf("sig = %q, want %q", got, tt.wantSig)
			}
			if _, err := url.ParseQuery(q); err != nil {
				t.Errorf("url.ParseQuery(%q): %v", q, err)
			}
			tok, err := sas.Parse(tt.endpoint + "?" + q)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			a, err := sas.Attribute(tok, []sas.Key{{Name: "dev", Value: key}})
			if err != nil {
				t.Fatal(err)
			}
			if a.SignedWith != "dev" {
				t.Errorf("Attribute = %+v, want dev", a)
			}
		})
	}
}

// TestMintRoundTrip mints every resource and checks Parse and Attribute
// read it back.
func TestMintRoundTrip(t *testing.T) {
	key1, key2, _ := attrKeys()
	keys := []sas.Key{{Name: "key1", Value: key1}, {Name: "key2", Value: key2}}
	base := sas.ServiceValues{Permissions: "r", Start: "2026-01-01T00:00Z", Expiry: "2026-01-02", Account: "acct",
		IPRange: "10.0.0.1-10.0.0.9", Protocol: "https,http"}
	tests := []struct {
		name     string
		edit     func(*sas.ServiceValues)
		endpoint string
		resource sas.Resource
		layout   string
	}{
		{"blob with every override", func(v *sas.ServiceValues) {
			v.Service, v.Path = sas.ServiceBlob, "c/a dir/ünï +x.txt"
			v.CacheControl, v.ContentDisposition, v.ContentEncoding, v.ContentLanguage, v.ContentType = "no-cache", "attachment; filename=\"a b\"", "gzip", "en", "text/plain; charset=utf-8"
			v.EncryptionScope = "scope1"
		}, "https://acct.blob.core.windows.net/c/a%20dir/%C3%BCn%C3%AF%20+x.txt", sas.ResourceBlob, "blob-2020-12-06"},
		{"snapshot", func(v *sas.ServiceValues) {
			v.Service, v.Path, v.Snapshot = sas.ServiceBlob, "c/b", "2025-03-04T05:06:07.1234567Z"
		}, "https://acct.blob.core.windows.net/c/b", sas.ResourceSnapshot, "blob-2020-12-06"},
		{"version", func(v *sas.ServiceValues) {
			v.Service, v.Path, v.VersionID, v.Version = sas.ServiceBlob, "c/b", "2025-03-04T05:06:07.1234567Z", "2019-12-12"
		}, "https://acct.blob.core.windows.net/c/b", sas.ResourceVersion, "blob-2018-11-09"},
		{"directory on dfs", func(v *sas.ServiceValues) {
			v.Service, v.Path, v.Resource, v.Permissions = sas.ServiceDFS, "fs/d1/d2", sas.ResourceDirectory, "rl"
		}, "https://acct.dfs.core.windows.net/fs/d1/d2", sas.ResourceDirectory, "blob-2020-12-06"},
		{"share", func(v *sas.ServiceValues) {
			v.Service, v.Path, v.Permissions = sas.ServiceFile, "share", "rl"
		}, "https://acct.file.core.windows.net/share", sas.ResourceShare, "file-2015-04-05"},
		{"file", func(v *sas.ServiceValues) {
			v.Service, v.Path, v.ContentType = sas.ServiceFile, "share/d/f.bin", "application/octet-stream"
		}, "https://acct.file.core.windows.net/share/d/f.bin", sas.ResourceFile, "file-2015-04-05"},
		{"queue", func(v *sas.ServiceValues) {
			v.Service, v.Path, v.Permissions = sas.ServiceQueue, "q1", "raup"
		}, "https://acct.queue.core.windows.net/q1/messages", sas.ResourceQueue, "queue-2015-04-05"},
		{"table with key range", func(v *sas.ServiceValues) {
			v.Service, v.TableName, v.Permissions = sas.ServiceTable, "MyTable", "raud"
			v.StartPK, v.StartRK, v.EndPK, v.EndRK = "a", "1", "z", "9"
		}, "https://acct.table.core.windows.net/MyTable()", sas.ResourceTable, "table-2015-04-05"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := base
			tt.edit(&v)
			signer := keys[i%2]
			q, err := v.Sign(signer.Value)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := sas.Parse(tt.endpoint + "?" + q)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tok.Resource != tt.resource {
				t.Errorf("Resource = %q, want %q", tok.Resource, tt.resource)
			}
			a, err := sas.Attribute(tok, keys)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(sas.Attribution{SignedWith: signer.Name, Layout: tt.layout, Checked: i%2 + 1}, a); diff != "" {
				t.Errorf("Attribute mismatch (-want +got):\n%s", diff)
			}
			for _, f := range []struct{ key, want string }{{"st", v.Start}, {"se", v.Expiry}, {"sp", v.Permissions}} {
				if got := tok.Get(f.key); got != f.want {
					t.Errorf("%s = %q, want %q (never re-formatted)", f.key, got, f.want)
				}
			}
		})
	}
}

func TestMintErrors(t *testing.T) {
	svc := func(edit func(*sas.ServiceValues)) minter {
		v := sas.ServiceValues{Version: "2025-11-05", Permissions: "r", Expiry: "2030-01-01", Service: sas.ServiceBlob, Account: "a", Path: "c/b"}
		edit(&v)
		return v
	}
	acct := func(edit func(*sas.AccountValues)) minter {
		v := sas.AccountValues{Version: "2025-11-05", Services: "b", ResourceTypes: "sco", Permissions: "r", Expiry: "2030-01-01", Account: "a"}
		edit(&v)
		return v
	}
	tests := []struct {
		name   string
		values minter
		field  string
		want   error
	}{
		{"legacy service version", svc(func(v *sas.ServiceValues) { v.Version = "2013-08-15" }), "sv", sas.ErrUnsupportedLayout},
		{"legacy account version", acct(func(v *sas.AccountValues) { v.Version = "2015-02-21" }), "sv", sas.ErrUnsupportedLayout},
		{"malformed version", svc(func(v *sas.ServiceValues) { v.Version = "latest" }), "sv", sas.ErrBadValue},
		{"no account", svc(func(v *sas.ServiceValues) { v.Account = "" }), "account", sas.ErrMissingField},
		{"no expiry without policy", svc(func(v *sas.ServiceValues) { v.Expiry = "" }), "sp/se", sas.ErrMissingField},
		{"no permissions without policy", svc(func(v *sas.ServiceValues) { v.Permissions = "" }), "sp/se", sas.ErrMissingField},
		{"unknown service", svc(func(v *sas.ServiceValues) { v.Service = "" }), "service", sas.ErrBadValue},
		{"no path", svc(func(v *sas.ServiceValues) { v.Path = "" }), "path", sas.ErrMissingField},
		{"container with a blob path", svc(func(v *sas.ServiceValues) { v.Resource = sas.ResourceContainer }), "path", sas.ErrBadValue},
		{"blob without a name", svc(func(v *sas.ServiceValues) { v.Path, v.Resource = "c", sas.ResourceBlob }), "path", sas.ErrBadValue},
		{"share on blob", svc(func(v *sas.ServiceValues) { v.Resource = sas.ResourceShare }), "resource", sas.ErrBadValue},
		{"snapshot without time", svc(func(v *sas.ServiceValues) { v.Resource = sas.ResourceSnapshot }), "snapshot", sas.ErrBadValue},
		{"snapshot time on a blob", svc(func(v *sas.ServiceValues) { v.Resource, v.Snapshot = sas.ResourceBlob, "2025-01-01T00:00:00.0000000Z" }), "snapshot", sas.ErrBadValue},
		{"version id on a blob", svc(func(v *sas.ServiceValues) { v.Resource, v.VersionID = sas.ResourceBlob, "x" }), "versionid", sas.ErrBadValue},
		{"version SAS before 2019-10-10", svc(func(v *sas.ServiceValues) { v.VersionID, v.Version = "x", "2018-11-09" }), "sv", sas.ErrBadValue},
		{"directory before 2020-02-10", svc(func(v *sas.ServiceValues) { v.Resource, v.Version = sas.ResourceDirectory, "2019-12-12" }), "sv", sas.ErrBadValue},
		{"bad protocol", svc(func(v *sas.ServiceValues) { v.Protocol = "http" }), "spr", sas.ErrBadValue},
		{"scope before 2020-12-06", svc(func(v *sas.ServiceValues) { v.EncryptionScope, v.Version = "s", "2020-10-02" }), "ses", sas.ErrBadValue},
		{"scope on a file", svc(func(v *sas.ServiceValues) { v.EncryptionScope, v.Service, v.Path = "s", sas.ServiceFile, "share/f" }), "ses", sas.ErrBadValue},
		{"overrides on a queue", svc(func(v *sas.ServiceValues) { v.Service, v.Path, v.ContentType = sas.ServiceQueue, "q", "text/plain" }), "rscc", sas.ErrBadValue},
		{"key range on a blob", svc(func(v *sas.ServiceValues) { v.StartPK = "a" }), "tn", sas.ErrBadValue},
		{"table without name", svc(func(v *sas.ServiceValues) { v.Service, v.Path = sas.ServiceTable, "" }), "tn", sas.ErrMissingField},
		{"account without ss", acct(func(v *sas.AccountValues) { v.Services = "" }), "ss", sas.ErrMissingField},
		{"account bad ss", acct(func(v *sas.AccountValues) { v.Services = "bx" }), "ss", sas.ErrBadValue},
		{"account bad srt", acct(func(v *sas.AccountValues) { v.ResourceTypes = "sco+" }), "srt", sas.ErrBadValue},
		{"account without srt", acct(func(v *sas.AccountValues) { v.ResourceTypes = "" }), "srt", sas.ErrMissingField},
		{"account without sp", acct(func(v *sas.AccountValues) { v.Permissions = "" }), "sp", sas.ErrMissingField},
		{"account without se", acct(func(v *sas.AccountValues) { v.Expiry = "" }), "se", sas.ErrMissingField},
		{"account without name", acct(func(v *sas.AccountValues) { v.Account = "" }), "account", sas.ErrMissingField},
		{"account scope before 2020-12-06", acct(func(v *sas.AccountValues) { v.EncryptionScope, v.Version = "s", "2019-12-12" }), "ses", sas.ErrBadValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tt.values.Sign([]byte("k"))
			if err == nil {
				t.Fatalf("Sign = %q, want an error", q)
			}
			var me *sas.MintError
			if !errors.As(err, &me) {
				t.Fatalf("error %v (%T) is not a *MintError", err, err)
			}
			if me.Field != tt.field || !errors.Is(err, tt.want) {
				t.Errorf("error %v: field %q, want %q wrapping %v", err, me.Field, tt.field, tt.want)
			}
		})
	}
}

func TestMintDefaults(t *testing.T) {
	q, err := sas.ServiceValues{Permissions: "r", Expiry: "2030-01-01", Service: sas.ServiceBlob, Account: "a", Path: "c"}.Sign([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(q, "sv=2025-11-05&sr=c&") {
		t.Errorf("query %q: want the default version 2025-11-05 and a container SAS", q)
	}
}
