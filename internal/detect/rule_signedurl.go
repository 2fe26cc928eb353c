package detect

import (
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/overshare/overshare/signedurl"
)

// SignedURLRule finds URLs and tokens signed in a scheme package signedurl
// parses: AWS presigned URLs (SigV4, SigV2), GCS signed URLs (V4, V2), and
// Service Bus / Event Hubs / IoT Hub SAS tokens. One rule value per rule id.
type SignedURLRule struct {
	id      string
	anchors [][]byte
	kinds   []signedurl.Kind
}

// AWSPresignedRule finds AWS S3 presigned URLs.
func AWSPresignedRule() SignedURLRule {
	return SignedURLRule{id: "aws-presigned-url",
		anchors: lits("X-Amz-Signature", "x-amz-signature", "X-AMZ-SIGNATURE", "AWSAccessKeyId="),
		kinds:   []signedurl.Kind{signedurl.KindAWSSigV4, signedurl.KindAWSSigV2}}
}

// GCSSignedRule finds Google Cloud Storage signed URLs.
func GCSSignedRule() SignedURLRule {
	return SignedURLRule{id: "gcs-signed-url",
		anchors: lits("X-Goog-Signature", "x-goog-signature", "GoogleAccessId="),
		kinds:   []signedurl.Kind{signedurl.KindGCSV4, signedurl.KindGCSV2}}
}

// ServiceBusSASRule finds Service Bus, Event Hubs and IoT Hub SAS tokens.
func ServiceBusSASRule() SignedURLRule {
	return SignedURLRule{id: "azure-servicebus-sas",
		anchors: lits("SharedAccessSignature sr=", "SharedAccessSignature%20sr", "SharedAccessSignature+sr="),
		kinds:   []signedurl.Kind{signedurl.KindServiceBus}}
}

// ID implements Rule.
func (r SignedURLRule) ID() string { return r.id }

// Anchors implements Rule.
func (r SignedURLRule) Anchors() [][]byte { return r.anchors }

// Find implements Rule.
func (r SignedURLRule) Find(data []byte, hits []int, ctx *Context) []Candidate {
	var out []Candidate
	lastEnd := -1
	for _, at := range hits {
		if at < lastEnd {
			continue
		}
		s, e := r.bounds(data, at)
		if s >= e {
			continue
		}
		u, err := signedurl.Parse(string(data[s:e]))
		if err != nil || !r.accepts(u.Kind) {
			continue
		}
		a := signedurl.Assess(u, ctx.Policy, ctx.Now)
		c := Candidate{
			Rule: r.id, Start: s, End: e,
			Secret: u.Signature(), Text: u.Text(), Title: u.Summary(),
			Severity: a.Severity, Reasons: a.Reasons, Remediation: a.Remediation,
			Facts: u.Facts(ctx.Now), Encodings: u.Encodings,
		}
		if !signatureShaped(u.Signature()) {
			asKnownExample(&c, "the signature is a placeholder, not an HMAC or RSA signature: an example or a redacted URL")
			c.Secret = c.Text
		}
		out = append(out, c)
		lastEnd = e
	}
	return out
}

func (r SignedURLRule) accepts(k signedurl.Kind) bool {
	for _, x := range r.kinds {
		if x == k {
			return true
		}
	}
	return false
}

// bounds finds the text of the signed URL or token around the anchor.
func (r SignedURLRule) bounds(data []byte, at int) (int, int) {
	if r.id == "azure-servicebus-sas" {
		// "SharedAccessSignature sr=...&sig=...": the token starts at the
		// anchor and runs to the end of the URL bytes after its space.
		_, e := span(data, at+len("SharedAccessSignature "))
		return at, trimTail(data, at, e)
	}
	s, e := span(data, at)
	e = trimTail(data, s, e)
	// Start at the scheme when there is one; a URL written without it
	// ("bucket.s3.amazonaws.com/k?...") keeps its host, which signedurl
	// reads too.
	if locs := schemeStart.FindAllIndex(data[s:at], -1); len(locs) > 0 {
		s += locs[len(locs)-1][0]
	}
	return s, e
}

// signatureShaped reports whether sig decodes, as hex or base64, to at least
// the 20 bytes of the shortest real signature (HMAC-SHA1, AWS SigV2).
func signatureShaped(sig string) bool {
	if b, err := hex.DecodeString(sig); err == nil {
		return len(b) >= 20
	}
	s := strings.TrimRight(strings.ReplaceAll(sig, " ", "+"), "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return len(b) >= 20
		}
	}
	return false
}
