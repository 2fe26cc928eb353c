package signedurl

import (
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
)

// sbKey is a made-up policy key in the shape Azure shows (base64 of 32
// bytes), made at run time.
func sbKey() string {
	h := sha256.Sum256([]byte("overshare servicebus test key"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// TestVerifyServiceBusVectors checks tokens whose signatures were computed
// by an independent implementation (Python's hmac and urllib, following
// Microsoft's published samples) with sbKey: the JavaScript sample's
// encodeURIComponent (upper-case escapes), Azure's Go/Python SDK spelling
// (lower-case), and an IoT Hub device token, whose key is base64-decoded
// before use.
func TestVerifyServiceBusVectors(t *testing.T) {
	key := []byte(sbKey())
	deviceKey, err := base64.StdEncoding.DecodeString(sbKey())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, sr, sig string
		key           []byte
	}{
		{"upper-case escapes", "https%3A%2F%2Fmyns.servicebus.windows.net%2Forders", "fcBdg9DBgiojDKuhLwqTWmsMEd/FmF9B6LrWHEt7DYU=", key}, // overshare:allow (made-up key)
		{"lower-case escapes", "https%3a%2f%2fmyns.servicebus.windows.net%2forders", "y0wVTlDqUeiNJw5t8dY6+25zkwJ/yH7mpEYLzLmmJDw=", key}, // overshare:allow (made-up key)
		{"IoT Hub device", "myhub.azure-devices.net%2Fdevices%2Fdev1", "IhEdEafo59KQnPS8s9bRrpQq/wnqIM9k4Jr2mTpxfQ0=", deviceKey},         // overshare:allow (made-up key)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := "SharedAccessSignature sr=" + tc.sr + "&" + "sig=" + url.QueryEscape(tc.sig) + "&se=1893456000&skn=RootManageSharedAccessKey"
			u := mustParse(t, tok)
			if ok, err := VerifyServiceBus(u, tc.key); err != nil || !ok {
				t.Errorf("VerifyServiceBus = %v, %v; want true", ok, err)
			}
			if ok, _ := VerifyServiceBus(u, []byte("another key")); ok {
				t.Error("VerifyServiceBus accepts another key")
			}
			later := mustParse(t, strings.Replace(tok, "se=1893456000", "se=1893456001", 1))
			if ok, _ := VerifyServiceBus(later, tc.key); ok {
				t.Error("VerifyServiceBus accepts a token whose expiry was edited")
			}
		})
	}
	// SignServiceBus spells the resource in lower case, as Azure's Go SDK.
	if got := SignServiceBus(key, "https://myns.servicebus.windows.net/orders", 1893456000); got != tests[1].sig {
		t.Errorf("SignServiceBus = %s, want the lower-case vector", got)
	}
}

func TestServiceBusTokenRoundTrip(t *testing.T) {
	key := []byte(sbKey())
	for _, tc := range []struct {
		keyName, resource string
		entity            string
	}{
		{RootPolicy, "sb://myns.servicebus.windows.net/", ""},
		{"listen", "https://myns.servicebus.windows.net/Topic/Subscriptions/S1", "topic/subscriptions/s1"},
		{"", "myhub.azure-devices.net/devices/dev 1", "devices/dev 1"},
	} {
		tok := ServiceBusToken(tc.keyName, key, tc.resource, 1893456000)
		u := mustParse(t, tok)
		if u.Signer != tc.keyName || u.Entity != tc.entity || u.Expiry.Unix() != 1893456000 {
			t.Errorf("%s: signer %q entity %q expiry %v", tok, u.Signer, u.Entity, u.Expiry)
		}
		if ok, err := VerifyServiceBus(u, key); err != nil || !ok {
			t.Errorf("%s: VerifyServiceBus = %v, %v", u.Redacted(), ok, err)
		}
		if got := SignServiceBus(key, tc.resource, 1893456000); got != u.Signature() {
			t.Errorf("%s: SignServiceBus differs from the token's signature", u.Redacted())
		}
		// The same token in a connection string verifies too.
		cs := mustParse(t, "Endpoint=sb://myns.servicebus.windows.net/;SharedAccessSignature="+tok+";EntityPath=x")
		if ok, _ := VerifyServiceBus(cs, key); !ok || cs.Form != FormConnectionString {
			t.Errorf("connection string: verify %v, form %s", ok, cs.Form)
		}
	}
}
