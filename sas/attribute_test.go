package sas_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/overshare/overshare/sas"
)

// attrKeys are two account keys made at run time; neither is real.
func attrKeys() (key1, key2, rotated []byte) {
	mk := func(seed byte) []byte {
		b := make([]byte, 64)
		for i := range b {
			b[i] = seed + byte(i*7)
		}
		return b
	}
	return mk(1), mk(2), mk(3)
}

// attrMint mints a blob SAS URL signed with key.
func attrMint(t *testing.T, key []byte) string {
	t.Helper()
	q, err := sas.ServiceValues{
		Version: "2025-11-05", Permissions: "rw", Start: "2025-01-01T00:00:00Z", Expiry: "2030-01-01T00:00:00Z",
		Protocol: "https", Service: sas.ServiceBlob, Account: "acct", Path: "c/dir/b.txt", Resource: sas.ResourceBlob,
	}.Sign(key)
	if err != nil {
		t.Fatal(err)
	}
	return "https://acct.blob.core.windows.net/c/dir/b.txt?" + q
}

// attrTamper flips one bit of the decoded signature.
func attrTamper(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	sig, err := base64.StdEncoding.DecodeString(q.Get("sig"))
	if err != nil {
		t.Fatal(err)
	}
	sig[5] ^= 0x10
	q.Set("sig", base64.StdEncoding.EncodeToString(sig))
	u.RawQuery = q.Encode()
	return u.String()
}

func TestAttribute(t *testing.T) {
	key1, key2, rotated := attrKeys()
	given := []sas.Key{{Name: "key1", Value: key1}, {Name: "key2", Value: key2}}
	tests := []struct {
		name string
		url  string
		keys []sas.Key
		want sas.Attribution
	}{
		{"signed with key1", attrMint(t, key1), given, sas.Attribution{SignedWith: "key1", Layout: "blob-2020-12-06", Checked: 1}},
		{"signed with key2", attrMint(t, key2), given, sas.Attribution{SignedWith: "key2", Layout: "blob-2020-12-06", Checked: 2}},
		{"tampered signature", attrTamper(t, attrMint(t, key1)), given, sas.Attribution{SignedWith: sas.NoMatch, Layout: "blob-2020-12-06", Checked: 2}},
		{"rotated key", attrMint(t, rotated), given, sas.Attribution{SignedWith: sas.NoMatch, Layout: "blob-2020-12-06", Checked: 2}},
		{"no keys", attrMint(t, key1), nil, sas.Attribution{SignedWith: sas.NoMatch, Layout: "blob-2020-12-06"}},
		{
			"unnamed keys are named by position", attrMint(t, key2),
			[]sas.Key{{Value: key1}, {Value: key2}},
			sas.Attribution{SignedWith: "key2", Layout: "blob-2020-12-06", Checked: 2},
		},
		{
			"custom names", attrMint(t, key2),
			[]sas.Key{{Name: "old", Value: key1}, {Name: "prod-secondary", Value: key2}},
			sas.Attribution{SignedWith: "prod-secondary", Layout: "blob-2020-12-06", Checked: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := sas.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			got, err := sas.Attribute(tok, tt.keys)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Attribute mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAttributeUnescapedPlus checks a sig whose '+' was written unescaped
// and so form-decodes to a space (sas-spec §11).
func TestAttributeUnescapedPlus(t *testing.T) {
	const sig = "1L8/n9S3jZ+kuamEdntHv7lZVKYE+lKMNLvz9WBdWTs=" // KAT1 (sas-spec §5.1)
	query := "se=2030-01-01T00%3A00%3A00Z&sip=127.0.0.1-127.0.0.2&sp=rwdlac&spr=https%2Chttp&srt=sco&ss=b&st=2025-01-01T00%3A00%3A00Z&sv=2025-11-05"
	raw := katBlob + "/?" + query + "&" + "sig=" + sig
	want := sas.Attribution{SignedWith: "dev", Layout: "account-2020-12-06", Checked: 1}
	keys := []sas.Key{{Name: "dev", Value: katDevKey(t)}}

	tok, err := sas.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sas.Attribute(tok, keys)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Attribute via Parse mismatch (-want +got):\n%s", diff)
	}

	// A hand-built token keeps the spaces: Attribute must read them as '+'.
	manual := katManualToken(t, katBlob+"/?"+query+"&"+"sig="+strings.ReplaceAll(url.QueryEscape(sig), "%2B", "+"))
	if v := manual.Get("sig"); !strings.Contains(v, " ") {
		t.Fatalf("test setup: sig %q has no space", v)
	}
	got, err = sas.Attribute(manual, keys)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Attribute of a sig with spaces mismatch (-want +got):\n%s", diff)
	}
}

func TestAttributeErrors(t *testing.T) {
	key1, _, _ := attrKeys()
	keys := []sas.Key{{Name: "key1", Value: key1}}

	noSig := stsToken(sas.KindService, sas.ServiceBlob, "acct", "c", "sv=2025-11-05&sr=c&sp=r&se=2030-01-01")
	if _, err := sas.Attribute(noSig, keys); !errors.Is(err, sas.ErrNoSignature) {
		t.Errorf("no sig: error = %v, want ErrNoSignature", err)
	}

	// Found as a bare query: the account and path are unknown.
	_, query, _ := strings.Cut(attrMint(t, key1), "?")
	tok, err := sas.Parse(query)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sas.Attribute(tok, keys)
	var se *sas.SignError
	if !errors.As(err, &se) || !errors.Is(err, sas.ErrUnknownResource) {
		t.Errorf("bare query: error = %v, want a *SignError wrapping ErrUnknownResource", err)
	}

	if _, err := sas.Attribute(nil, keys); !errors.As(err, &se) {
		t.Errorf("nil token: error = %v, want a *SignError", err)
	}

	garbage := stsToken(sas.KindService, sas.ServiceBlob, "acct", "c", "sv=2025-11-05&sr=c&sp=r&se=2030-01-01&sig=%21%21not-base64")
	got, err := sas.Attribute(garbage, keys)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sas.Attribution{SignedWith: sas.NoMatch, Layout: "blob-2020-12-06", Checked: 1}, got); diff != "" {
		t.Errorf("undecodable sig mismatch (-want +got):\n%s", diff)
	}
}

func TestKeyRedacts(t *testing.T) {
	k := sas.Key{Name: "key1", Value: []byte("super secret key bytes")}
	b64 := base64.StdEncoding.EncodeToString(k.Value)
	js, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k), fmt.Sprintf("%v", []sas.Key{k}), string(js),
	} {
		if strings.Contains(s, "secret") || strings.Contains(s, b64) || !strings.Contains(s, "key1") {
			t.Errorf("%q: want the name and not the value", s)
		}
	}
}
