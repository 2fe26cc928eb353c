package signedurl

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// v4Spec names the parameters of one V4 dialect.
type v4Spec struct {
	prefix     string // "X-Amz-" or "X-Goog-"
	terminator string // "aws4_request" or "goog4_request"
	algorithms []string
}

func amzV4() v4Spec {
	return v4Spec{"X-Amz-", "aws4_request", []string{algAWS4HMAC, algAWS4ECDSA}}
}

func googV4() v4Spec {
	return v4Spec{"X-Goog-", "goog4_request", []string{"GOOG4-RSA-SHA256", "GOOG4-HMAC-SHA256"}}
}

const (
	algAWS4HMAC  = "AWS4-HMAC-SHA256"
	algAWS4ECDSA = "AWS4-ECDSA-P256-SHA256" // SigV4a, multi-region access points
)

// maxV4Expires is the longest X-Amz-Expires / X-Goog-Expires that S3 and
// Cloud Storage accept: 7 days.
const maxV4Expires = 604800

// parseV4 parses the V4 fields shared by AWS and GCS, then the host.
func parseV4(u *URL, spec v4Spec) error {
	f := func(name string) string { return spec.prefix + name }

	alg, err := required(u, f("Algorithm"))
	if err != nil {
		return err
	}
	if !contains(spec.algorithms, alg) {
		return fieldError(f("Algorithm"), alg, ErrBadValue, "want %s", strings.Join(spec.algorithms, " or "))
	}
	u.Algorithm = alg

	cred, err := required(u, f("Credential"))
	if err != nil {
		return err
	}
	// SIGNER/DATE/REGION/SERVICE/TERMINATOR; SigV4a has no region.
	parts := strings.Split(cred, "/")
	scopeLen := 4
	if alg == algAWS4ECDSA {
		scopeLen = 3
	}
	if len(parts) < scopeLen+1 || parts[len(parts)-1] != spec.terminator {
		return fieldError(f("Credential"), cred, ErrBadValue, "want SIGNER/YYYYMMDD/REGION/SERVICE/%s", spec.terminator)
	}
	scope := parts[len(parts)-scopeLen:]
	u.Signer = strings.Join(parts[:len(parts)-scopeLen], "/")
	if u.Signer == "" {
		return fieldError(f("Credential"), cred, ErrBadValue, "no access key id or signer")
	}
	if _, err := time.Parse("20060102", scope[0]); err != nil || len(scope[0]) != 8 {
		return fieldError(f("Credential"), cred, ErrBadValue, "the scope date is not YYYYMMDD")
	}
	if scopeLen == 4 {
		u.Region, u.Service = scope[1], scope[2]
	} else {
		u.Service = scope[1]
		u.Region = u.Get("X-Amz-Region-Set")
	}
	if u.Service == "" {
		return fieldError(f("Credential"), cred, ErrBadValue, "no service in the scope")
	}

	date, err := required(u, f("Date"))
	if err != nil {
		return err
	}
	signed, err := time.Parse("20060102T150405Z", date)
	if err != nil || len(date) != 16 {
		return fieldError(f("Date"), date, ErrBadValue, "want YYYYMMDDThhmmssZ")
	}
	u.SignedAt = &signed

	exp, err := required(u, f("Expires"))
	if err != nil {
		return err
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || n < 1 || strings.HasPrefix(exp, "+") || signed.Unix()+n > maxUnix {
		return fieldError(f("Expires"), exp, ErrBadValue, "want a number of seconds from 1 to %d", maxV4Expires)
	}
	u.ExpiresSeconds = n
	u.Lifetime = time.Duration(n) * time.Second
	end := signed.Add(u.Lifetime)
	u.Expiry = &end

	sh, err := required(u, f("SignedHeaders"))
	if err != nil {
		return err
	}
	for _, h := range strings.Split(sh, ";") {
		if h == "" || strings.ContainsAny(h, " :\t") {
			return fieldError(f("SignedHeaders"), sh, ErrBadValue, "want header names separated by ';'")
		}
		u.SignedHeaders = append(u.SignedHeaders, h)
	}

	sig, err := required(u, f("Signature"))
	if err != nil {
		return err
	}
	if _, err := hex.DecodeString(sig); err != nil {
		return fieldError(f("Signature"), "", ErrBadValue, "not hexadecimal")
	}
	if strings.HasSuffix(alg, "HMAC-SHA256") && len(sig) != 64 {
		return fieldError(f("Signature"), "", ErrBadValue, "an HMAC-SHA256 signature has 64 hex digits, not %d", len(sig))
	}

	if tok, ok := u.Lookup("X-Amz-Security-Token"); ok && tok != "" {
		u.SessionToken = true
	}

	u.Kind = KindAWSSigV4
	if spec.prefix == "X-Goog-" {
		u.Kind = KindGCSV4
	}
	classifyHost(u)
	if u.Kind == KindAWSSigV4 && (u.Service == "storage" || strings.HasPrefix(u.Signer, "GOOG")) {
		// Cloud Storage's XML API accepts AWS-style V4 signatures made
		// with its HMAC keys.
		u.Kind = KindGCSV4
	}
	u.SignerType = signerType(u)
	return nil
}

// parseV2 parses a legacy V2 URL: ID, Expires (absolute) and a base64
// Signature.
func parseV2(u *URL, kind Kind, idField string) error {
	id, err := required(u, idField)
	if err != nil {
		return err
	}
	u.Signer = id
	exp, err := required(u, "Expires")
	if err != nil {
		return err
	}
	if u.Expiry, err = parseUnix("Expires", exp); err != nil {
		return err
	}
	sig, err := required(u, "Signature")
	if err != nil {
		return err
	}
	if !isBase64(sig) {
		return fieldError("Signature", "", ErrBadValue, "not base64")
	}
	if tok, ok := u.Lookup("x-amz-security-token"); ok && tok != "" {
		u.SessionToken = true
	}
	u.Kind = kind
	classifyHost(u)
	if kind == KindAWSSigV2 && u.Service == "" {
		u.Service = "s3"
	}
	if kind == KindGCSV2 && u.Service == "" {
		u.Service = "storage"
	}
	u.SignerType = signerType(u)
	return nil
}

func isBase64(s string) bool {
	if s == "" {
		return false
	}
	_, err := base64.StdEncoding.DecodeString(s)
	return err == nil
}

func signerType(u *URL) SignerType {
	s := u.Signer
	switch {
	case u.Kind == KindGCSV4 || u.Kind == KindGCSV2:
		if local, domain, ok := strings.Cut(s, "@"); ok {
			switch {
			case strings.HasSuffix(domain, ".iam.gserviceaccount.com"):
				u.Project = strings.TrimSuffix(domain, ".iam.gserviceaccount.com")
			case domain == "appspot.gserviceaccount.com":
				u.Project = local // the App Engine default service account
			}
			return SignerGCSServiceAccount
		}
		if strings.HasPrefix(s, "GOOG") {
			return SignerGCSHMAC
		}
		return SignerAccessKey
	case strings.HasPrefix(s, "AKIA") && isAWSKeyID(s):
		return SignerAWSLongTerm
	case strings.HasPrefix(s, "ASIA") && isAWSKeyID(s):
		return SignerAWSTemporary
	}
	return SignerAccessKey
}

// isAWSKeyID reports whether s has the shape of an AWS access key id: 16 to
// 128 upper-case letters and digits.
func isAWSKeyID(s string) bool {
	if len(s) < 16 || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
