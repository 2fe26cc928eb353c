package signedurl

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// unsignedPayload is the payload hash of every presigned S3 request: the
// body is not part of the signature.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// AWSV4CanonicalRequest returns the canonical request of an
// AWS4-HMAC-SHA256 presigned URL as it would be sent with method, following
// the SigV4 query-string presign rules:
//
//	METHOD
//	/URI-encoded/path
//	sorted, URI-encoded query without X-Amz-Signature
//	host:HOST
//	(empty line)
//	host
//	UNSIGNED-PAYLOAD
//
// It fails (wrapping [ErrCannotVerify]) when the URL has no host, signs
// headers other than host (their values are not in the URL), or is not an
// AWS4-HMAC-SHA256 URL.
func AWSV4CanonicalRequest(u *URL, method string) (string, error) {
	if u.Algorithm != algAWS4HMAC || (u.Kind != KindAWSSigV4 && u.Kind != KindGCSV4) {
		return "", fmt.Errorf("signedurl: %w: only %s URLs can be recomputed, not %s %s", ErrCannotVerify, algAWS4HMAC, u.Kind, u.Algorithm)
	}
	if u.Host == "" {
		return "", fmt.Errorf("signedurl: %w: the URL has no host, and the host is signed", ErrCannotVerify)
	}
	if method == "" || strings.ContainsAny(method, " \n") {
		return "", fmt.Errorf("signedurl: %w: want an HTTP method such as GET or PUT", ErrCannotVerify)
	}
	if extra := slices.DeleteFunc(slices.Clone(u.SignedHeaders), func(h string) bool { return strings.EqualFold(h, "host") }); len(extra) > 0 {
		return "", fmt.Errorf("signedurl: %w: X-Amz-SignedHeaders also signs %s, whose values are not in the URL", ErrCannotVerify, strings.Join(extra, ", "))
	}

	type kv struct{ k, v string }
	var query []kv
	for _, p := range u.Params {
		if strings.EqualFold(p.Key, "X-Amz-Signature") {
			continue
		}
		query = append(query, kv{awsEscape(p.Key, true), awsEscape(p.Value, true)})
	}
	slices.SortFunc(query, func(a, b kv) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	pairs := make([]string, len(query))
	for i, q := range query {
		pairs[i] = q.k + "=" + q.v
	}
	payload := unsignedPayload
	if v, ok := u.Lookup("X-Amz-Content-Sha256"); ok && v != "" {
		payload = v
	}
	return strings.Join([]string{
		strings.ToUpper(method),
		"/" + awsEscape(u.Path, false),
		strings.Join(pairs, "&"),
		"host:" + hostHeader(u) + "\n",
		"host",
		payload,
	}, "\n"), nil
}

// AWSV4StringToSign returns the string-to-sign of an AWS4-HMAC-SHA256
// presigned URL sent with method: the algorithm, X-Amz-Date, the
// credential scope and the hex SHA-256 of [AWSV4CanonicalRequest].
func AWSV4StringToSign(u *URL, method string) (string, error) {
	cr, err := AWSV4CanonicalRequest(u, method)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(cr))
	return strings.Join([]string{algAWS4HMAC, u.Get("X-Amz-Date"), credentialScope(u), hex.EncodeToString(sum[:])}, "\n"), nil
}

// credentialScope is DATE/REGION/SERVICE/aws4_request as written in
// X-Amz-Credential.
func credentialScope(u *URL) string {
	parts := strings.Split(u.Get("X-Amz-Credential"), "/")
	return strings.Join(parts[len(parts)-4:], "/")
}

// SignAWSV4 returns the hex signature an AWS4-HMAC-SHA256 presigned URL
// would carry if secretKey signed it for method. The URL's own signature
// is ignored.
func SignAWSV4(u *URL, secretKey, method string) (string, error) {
	sts, err := AWSV4StringToSign(u, method)
	if err != nil {
		return "", err
	}
	scope := strings.Split(credentialScope(u), "/")
	k := hmacSHA256([]byte("AWS4"+secretKey), scope[0])
	for _, part := range scope[1:] {
		k = hmacSHA256(k, part)
	}
	return hex.EncodeToString(hmacSHA256(k, sts)), nil
}

// VerifyAWSV4 reports whether secretKey signed the AWS4-HMAC-SHA256
// presigned URL u for method (GET, PUT, HEAD, DELETE, POST). It answers
// only whether the signature matches, not whether the URL is still valid:
// see [URL.Expired].
func VerifyAWSV4(u *URL, secretKey, method string) (bool, error) {
	got, err := SignAWSV4(u, secretKey, method)
	if err != nil {
		return false, err
	}
	want, err := hex.DecodeString(strings.ToLower(u.Signature()))
	if err != nil {
		return false, fmt.Errorf("signedurl: %w: X-Amz-Signature is not hexadecimal", ErrCannotVerify)
	}
	g, _ := hex.DecodeString(got)
	return hmac.Equal(want, g), nil
}

// AWSV4Method finds the HTTP method an AWS4-HMAC-SHA256 presigned URL was
// signed for, given the secret key: GET or HEAD (read), PUT or POST
// (write), DELETE. It returns "" when secretKey signs it for none of them
// (a wrong key, or an edited URL).
func AWSV4Method(u *URL, secretKey string) (string, error) {
	for _, m := range []string{"GET", "PUT", "HEAD", "DELETE", "POST"} {
		ok, err := VerifyAWSV4(u, secretKey, m)
		if err != nil {
			return "", err
		}
		if ok {
			return m, nil
		}
	}
	return "", nil
}

func hmacSHA256(key []byte, msg string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msg))
	return mac.Sum(nil)
}

// awsEscape is SigV4's URI encoding: every byte except A-Z a-z 0-9 - . _ ~
// as %XX in upper case; '/' kept when encoding a path.
func awsEscape(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		case c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// hostHeader is the Host header a client sends for the URL: lower case,
// without the scheme's default port.
func hostHeader(u *URL) string {
	h := strings.ToLower(u.Host)
	if strings.HasSuffix(h, ":443") && (u.Scheme == "https" || u.Scheme == "") || strings.HasSuffix(h, ":80") && u.Scheme == "http" {
		h = h[:strings.LastIndexByte(h, ':')]
	}
	return h
}
