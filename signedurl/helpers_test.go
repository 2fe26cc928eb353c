package signedurl

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Test fixtures never hold a literal that looks like a live credential:
// fill replaces placeholders with values made at run time.
//
//	AKIDL  a long-term AWS access key id (AKIA...)
//	AKIDT  a temporary AWS access key id (ASIA...)
//	HMACID a Cloud Storage HMAC access id (GOOG1...)
//	HEX64  a 64-digit hex signature (SigV4, GCS HMAC)
//	HEX512 a 512-digit hex signature (GCS RSA)
//	B64V2  a base64 HMAC-SHA1-sized signature, query-escaped (SigV2)
//	B64SB  a base64 HMAC-SHA256-sized signature, query-escaped (Service Bus)
//	STOKEN an STS session token, query-escaped
func fill(s string) string {
	r := strings.NewReplacer(
		"AKIDL", longKeyID(),
		"AKIDT", tempKeyID(),
		"HMACID", hmacID(),
		"HEX512", strings.Repeat(hexSig("rsa"), 8),
		"HEX64", hexSig(s),
		"B64V2", url.QueryEscape(b64Sig1(s)),
		"B64SB", url.QueryEscape(b64Sig256(s)),
		"STOKEN", url.QueryEscape(sessionToken()),
	)
	return r.Replace(s)
}

func longKeyID() string    { return "AKIA" + "OVERSHARETEST001" }
func tempKeyID() string    { return "ASIA" + "OVERSHARETEST002" }
func hmacID() string       { return "GOOG1" + "EOVERSHARETESTHMACACCESSID0000000000000000000000000000000" }
func sessionToken() string { return "IQoJb3JpZ2luX2VjE" + "/overshare+test=token" }

func hexSig(seed string) string {
	h := sha256.Sum256([]byte("hex " + seed))
	return hex.EncodeToString(h[:])
}

func b64Sig1(seed string) string {
	h := sha1.Sum([]byte("b64 " + seed))
	return base64.StdEncoding.EncodeToString(h[:])
}

func b64Sig256(seed string) string {
	h := sha256.Sum256([]byte("b64 " + seed))
	return base64.StdEncoding.EncodeToString(h[:])
}

func mustParse(t testing.TB, s string) *URL {
	t.Helper()
	u, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return u
}

func ts(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
