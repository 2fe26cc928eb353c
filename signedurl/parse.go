package signedurl

import (
	"errors"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/overshare/overshare/sas"
)

// Parse parses a presigned or signed URL, a bare query, a Service Bus token
// or a Service Bus connection string (SharedAccessSignature=). The text may
// be HTML-escaped (&amp;), JSON-escaped (\u0026, \/) or percent-encoded as
// a whole, once or twice; Parse removes those layers and records them in
// [URL.Encodings].
//
// Every error is a *[ParseError] naming the field and wrapping one of
// [ErrNotSigned], [ErrUnsupported], [ErrMissingField], [ErrBadValue] or
// [ErrInvalidEscape].
func Parse(s string) (*URL, error) {
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "\"'`"))
	if s == "" {
		return nil, fieldError("input", "", ErrNotSigned, "empty")
	}
	if !utf8.ValidString(s) {
		return nil, fieldError("input", "", ErrNotSigned, "not UTF-8 text")
	}
	s, layers, err := unwrap(s)
	if err != nil {
		return nil, err
	}
	if len(layers) > 0 {
		// An escaped layer may have hidden quotes (&quot;, \u0022) or
		// bytes that are not UTF-8 (%80).
		s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "\"'`"))
		if !utf8.ValidString(s) {
			return nil, fieldError("input", "", ErrNotSigned, "not UTF-8 text once unescaped")
		}
	}
	u := &URL{Encodings: layers}
	if loc := sbTokenStart.FindStringSubmatchIndex(s); loc != nil {
		err = parseServiceBusText(u, s, loc)
	} else {
		err = parseURLText(u, s)
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

var (
	htmlEntity = regexp.MustCompile(`(?i)&(amp|quot|apos|lt|gt|#0*(38|34|39)|#x0*(26|22|27));`)
	jsonEscape = regexp.MustCompile(`\\u[0-9a-fA-F]{4}|\\/`)
	// escapedKey finds a signature's parameter name followed by an escaped
	// '=': the whole text is percent-encoded.
	escapedKey = regexp.MustCompile(`(?i)(x-amz-signature|x-goog-signature|signature|sig|x-amz-credential|x-goog-credential|awsaccesskeyid|googleaccessid)%(25)*3D`)
	rawKey     = regexp.MustCompile(`(?i)(^|[?&;\s])(x-amz-signature|x-goog-signature|signature|sig)=`)
	// sbTokenStart finds a Service Bus token; its group starts the fields.
	// A '+' may stand for the space when the token went through form
	// encoding.
	sbTokenStart = regexp.MustCompile(`(?i)sharedaccesssignature[\s+]+((?:sr|sig|se|skn)=)`)
)

// unwrap removes escaping layers: HTML entities, JSON/JS escapes, and
// whole-text percent-encoding (as when a URL is embedded in another URL's
// query), at most four in all.
func unwrap(s string) (string, []string, error) {
	var layers []string
	for range 4 {
		switch {
		case htmlEntity.MatchString(s):
			s = html.UnescapeString(s)
			layers = append(layers, "html")
		case jsonEscape.MatchString(s):
			s = jsonEscape.ReplaceAllStringFunc(s, func(m string) string {
				if m == `\/` {
					return "/"
				}
				r, _ := strconv.ParseUint(m[2:], 16, 32)
				return string(rune(r))
			})
			layers = append(layers, "json")
		case escapedKey.MatchString(s) && !rawKey.MatchString(s):
			d, err := url.PathUnescape(s)
			if err != nil {
				return "", nil, fieldError("input", "", ErrInvalidEscape, "the text is percent-encoded but holds a malformed escape")
			}
			s = d
			layers = append(layers, "percent")
		default:
			return s, layers, nil
		}
	}
	return s, layers, nil
}

// splitParams splits a query (or token fields) at '&' with
// [sas.SplitQuery], recording duplicated names.
func splitParams(u *URL, query string) error {
	params, err := sas.SplitQuery(query)
	if err != nil {
		var pe *sas.ParseError
		if errors.As(err, &pe) {
			detail := strings.TrimPrefix(pe.Err.Error(), sas.ErrInvalidEscape.Error())
			return &ParseError{Field: pe.Field, Value: pe.Value, Err: fmt.Errorf("%w%s", ErrInvalidEscape, detail)}
		}
		return err
	}
	seen := map[string]bool{}
	for _, p := range params {
		lk := strings.ToLower(p.Key)
		if seen[lk] && !contains(u.Duplicates, lk) {
			u.Duplicates = append(u.Duplicates, lk)
		}
		seen[lk] = true
	}
	u.Params = append(u.Params, params...)
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hasScheme(s string) bool {
	i := strings.Index(s, "://")
	if i <= 0 {
		return false
	}
	for _, c := range s[:i] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// parseURLText parses a URL (with or without scheme) or a bare query.
func parseURLText(u *URL, s string) error {
	var head, query string
	switch {
	case hasScheme(s):
		u.Form = FormURL
		head, query, _ = strings.Cut(s, "?")
		u.prefix = head + "?"
	case strings.Contains(s, "?") && !strings.HasPrefix(s, "?") && looksLikeHost(s[:strings.Index(s, "?")]):
		// host[:port]/path?query without a scheme, as in an RDS IAM
		// authentication token.
		u.Form = FormURL
		head, query, _ = strings.Cut(s, "?")
		u.prefix = head + "?"
	default:
		u.Form = FormQuery
		query = s
		if strings.HasPrefix(query, "?") {
			query = query[1:]
			u.prefix = "?"
		}
	}
	if i := strings.IndexByte(query, '#'); i >= 0 {
		query = query[:i]
	}
	if strings.ContainsAny(query, " \t\r\n") {
		return fieldError("input", "", ErrNotSigned, "the query holds whitespace")
	}
	if err := splitParams(u, query); err != nil {
		return err
	}
	if head != "" {
		if err := parseHead(u, head); err != nil {
			return err
		}
	}
	has := func(k string) bool { _, ok := u.Lookup(k); return ok }
	switch {
	case has("X-Amz-Algorithm") || has("X-Amz-Credential") || has("X-Amz-Signature"):
		return parseV4(u, amzV4())
	case has("X-Goog-Algorithm") || has("X-Goog-Credential") || has("X-Goog-Signature"):
		return parseV4(u, googV4())
	case has("GoogleAccessId"):
		return parseV2(u, KindGCSV2, "GoogleAccessId")
	case has("AWSAccessKeyId"):
		return parseV2(u, KindAWSSigV2, "AWSAccessKeyId")
	case has("Key-Pair-Id"):
		return fieldError("Key-Pair-Id", "", ErrUnsupported, "a CloudFront signed URL")
	case has("sig") && has("sr") && has("se") && !has("sv"):
		return parseServiceBusFields(u)
	case has("sig") && (has("sv") || has("sp")):
		return fieldError("sig", "", ErrUnsupported, "an Azure Storage SAS: use package sas")
	case has("Signature") && has("Expires"):
		field := "AWSAccessKeyId"
		if strings.Contains(strings.ToLower(u.Host), "googleapis") {
			field = "GoogleAccessId"
		}
		return fieldError(field, "", ErrMissingField, "Signature and Expires need AWSAccessKeyId (S3) or GoogleAccessId (Cloud Storage)")
	}
	return fieldError("input", "", ErrNotSigned, "")
}

func looksLikeHost(head string) bool {
	host, _, _ := strings.Cut(head, "/")
	if host == "" || !strings.Contains(host, ".") {
		return false
	}
	for _, c := range host {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == ':' || c == '_') {
			return false
		}
	}
	return true
}

// parseHead parses "scheme://host/path" or "host/path".
func parseHead(u *URL, head string) error {
	rest := head
	if hasScheme(head) {
		i := strings.Index(head, "://")
		u.Scheme = strings.ToLower(head[:i])
		rest = head[i+3:]
	}
	authority, rawPath, _ := strings.Cut(rest, "/")
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		authority = authority[at+1:]
	}
	if authority == "" {
		return fieldError("host", "", ErrBadValue, "the URL has no host")
	}
	if strings.ContainsAny(authority, " \t\r\n\\") {
		return fieldError("host", authority, ErrBadValue, "not a host name")
	}
	u.Host = authority
	p, err := url.PathUnescape(rawPath)
	if err != nil {
		return fieldError("path", rawPath, ErrInvalidEscape, "")
	}
	u.Path = p
	return nil
}

// hostname is the host without port, lower-cased.
func hostname(host string) string {
	h := strings.ToLower(host)
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i > 0 {
			return h[:i+1]
		}
		return h
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	return strings.TrimSuffix(h, ".")
}

// maxUnix is 9999-12-31T23:59:59Z: later times do not render as RFC 3339.
const maxUnix = 253402300799

func parseUnix(field, v string) (*time.Time, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > maxUnix || strings.HasPrefix(v, "+") {
		return nil, fieldError(field, v, ErrBadValue, "want a Unix time in seconds")
	}
	t := time.Unix(n, 0).UTC()
	return &t, nil
}

// required returns the decoded value of a parameter, or an error naming it.
func required(u *URL, field string) (string, error) {
	v, ok := u.Lookup(field)
	if !ok || v == "" {
		return "", fieldError(field, "", ErrMissingField, "")
	}
	return v, nil
}
