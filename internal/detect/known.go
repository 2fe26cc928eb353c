package detect

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/overshare/overshare/sas"
)

// ReasonKnownExample is the reason code of a credential recognised as a
// public example: it is reported at info, never above.
const ReasonKnownExample = "known-example"

// emulatorAccount is the built-in account of the Azure Storage emulator
// (Azurite); its key is published in Microsoft's documentation.
const emulatorAccount = "devstoreaccount1"

// docSignatures are SHA-256 digests of signatures that appear in Microsoft's
// documentation samples (sas-spec §11). Digests rather than the values, so
// that this file carries nothing that looks like a token.
var docSignatures = map[string]string{
	"233aa6a8e0ce8a2512195a92ea149f50b86d0117efa4fdf321a6bacbd141edf9": "the service SAS example of Microsoft's create-service-sas page",
}

// knownSAS says whether a parsed SAS is a public example, and why.
// placeholder is true when the signature is no signature at all, so that
// it cannot identify the token.
func knownSAS(tok *sas.Token) (why string, placeholder, ok bool) {
	sig := tok.Signature()
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(raw) != sha256.Size {
		return "the signature is a placeholder, not a 32-byte HMAC in base64: an example or a redacted token", true, true
	}
	if strings.EqualFold(tok.Account, emulatorAccount) {
		return "devstoreaccount1 is the storage emulator's built-in account, whose key is published: a development token", false, true
	}
	h := sha256.Sum256([]byte(sig))
	if doc, ok := docSignatures[hex.EncodeToString(h[:])]; ok {
		return "the signature is from " + doc, false, true
	}
	return "", false, false
}

// asKnownExample lowers a candidate to info with the reason first.
func asKnownExample(c *Candidate, why string) {
	c.Severity = sas.SeverityInfo
	c.Reasons = append([]sas.Reason{{Code: ReasonKnownExample, Text: why, Severity: sas.SeverityInfo}}, c.Reasons...)
}
