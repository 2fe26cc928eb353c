package cli

import (
	"crypto/sha512"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testKey is a 64-byte key made at run time, as base64.
func testKey(name string) string {
	k := sha512.Sum512([]byte(name))
	return base64.StdEncoding.EncodeToString(k[:])
}

func TestParseKeys(t *testing.T) {
	k1, k2 := testKey("one"), testKey("two")
	tests := []struct {
		name    string
		text    string
		names   []string
		account string
	}{
		{"lines", "# keys of acct\nkey1=" + k1 + "\n\nkey2 = " + k2 + "\n", []string{"key1", "key2"}, ""},
		{"connection string", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + k1 + ";EndpointSuffix=core.windows.net",
			[]string{"connection-string"}, "acct"},
		{"az storage account keys list", `[{"creationTime": "2024-01-01T00:00:00Z", "keyName": "key1", "permissions": "FULL", "value": "` + k1 +
			`"}, {"keyName": "key2", "permissions": "FULL", "value": "` + k2 + `"}]`, []string{"key1", "key2"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ak, err := parseKeys([]byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, k := range ak.keys {
				names = append(names, k.Name)
				if len(k.Value) != 64 {
					t.Errorf("key %s decoded to %d bytes, want 64", k.Name, len(k.Value))
				}
			}
			if diff := cmp.Diff(tt.names, names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if ak.account != tt.account {
				t.Errorf("account = %q, want %q", ak.account, tt.account)
			}
		})
	}
}

func TestParseKeysErrorsNeverShowTheKey(t *testing.T) {
	k1 := testKey("one")
	bad := k1[:20] + "!" + k1[21:]
	for _, text := range []string{
		"key1=" + bad,
		"AccountName=a;AccountKey=" + bad,
		`[{"keyName": "key1", "value": "` + bad + `"}]`,
		"just-a-line-without-equals",
		"",
		"AccountName=a;BlobEndpoint=https://a.blob.core.windows.net/",
	} {
		_, err := parseKeys([]byte(text))
		if err == nil {
			t.Errorf("parseKeys(%q) accepted bad input", text)
			continue
		}
		if strings.Contains(err.Error(), k1[:12]) {
			t.Errorf("error %q repeats key material", err)
		}
	}
}
