package sas

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
)

// NoMatch is [Attribution.SignedWith] when none of the given keys signed
// the token.
const NoMatch = "none"

// Key is a named signing key: an account key ("key1", "key2") or a user
// delegation key value, decoded (see [DecodeKey]). Its String, GoString and
// MarshalJSON never show the value.
type Key struct {
	// Name identifies the key in results; an empty Name is reported as
	// "key1", "key2", ... by its position.
	Name  string
	Value []byte
}

func (k Key) String() string { return "sas.Key(" + k.Name + ", REDACTED)" }

// GoString redacts too, for %#v.
func (k Key) GoString() string { return k.String() }

// MarshalJSON writes the name only.
func (k Key) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}{k.Name, "REDACTED"})
}

// Attribution says which key signed a token.
type Attribution struct {
	// SignedWith is the Name of the key whose signature matches the token's
	// sig, or [NoMatch].
	SignedWith string
	// Layout is the string-to-sign layout used (see [Layout]).
	Layout string
	// Checked is how many keys were compared.
	Checked int
}

// Attribute finds which of keys signed t: it computes the signature over
// [StringToSign] with each key in turn and compares it with the token's sig
// as decoded bytes, in constant time. A sig in which an unescaped '+' was
// form-decoded to a space is read with the space as '+'.
//
// For an account or service SAS the keys are account keys; for a user
// delegation SAS they are user delegation key values (the key's Value field
// from Get User Delegation Key, decoded). A user delegation SAS that signs
// request headers (srh) cannot be attributed offline, because the header
// values are not in the token; it is reported as [NoMatch].
//
// The error is non-nil only when t has no sig ([ErrNoSignature]) or its
// string-to-sign cannot be built (a *[SignError]); when no key matches,
// SignedWith is [NoMatch].
func Attribute(t *Token, keys []Key) (Attribution, error) {
	if t == nil {
		return Attribution{}, &SignError{Reason: "nil token", Err: ErrUnsupportedLayout}
	}
	sig, ok := t.Lookup("sig")
	if !ok || sig == "" {
		return Attribution{}, ErrNoSignature
	}
	sts, err := StringToSign(t)
	if err != nil {
		return Attribution{}, err
	}
	a := Attribution{SignedWith: NoMatch, Layout: Layout(t)}
	want := attrDecodeSig(sig)
	for i, k := range keys {
		a.Checked++
		got := stsMAC(k.Value, sts)
		if want != nil && hmac.Equal(got, want) {
			a.SignedWith = k.Name
			if a.SignedWith == "" {
				a.SignedWith = "key" + strconv.Itoa(i+1)
			}
			break
		}
	}
	return a, nil
}

// attrDecodeSig decodes a sig leniently (spaces read as '+', padding
// optional); nil when it is not base64 at all.
func attrDecodeSig(sig string) []byte {
	s := strings.ReplaceAll(strings.TrimSpace(sig), " ", "+")
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b
	}
	if b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err == nil {
		return b
	}
	return nil
}

// AzuriteUserDelegationKey returns the user delegation key that the Azurite
// emulator derives for t's sk* fields (sas-spec §9.2): HMAC-SHA256 keyed
// with "azurite-user-delegation-signing-seed-v1" over skoid, sktid, skt, ske,
// "b" and skv joined with "\n". Azurite issues and checks user delegation
// keys this way, so tests can mint and verify user delegation SAS offline.
// It is only meaningful for the emulator: real Azure keys are random.
func AzuriteUserDelegationKey(t *Token) []byte {
	if t == nil {
		return nil
	}
	msg := strings.Join([]string{t.Get("skoid"), t.Get("sktid"), t.Get("skt"), t.Get("ske"), "b", t.Get("skv")}, "\n")
	h := hmac.New(sha256.New, []byte("azurite-user-delegation-signing-seed-v1"))
	h.Write([]byte(msg))
	return h.Sum(nil)
}
