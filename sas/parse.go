package sas

import (
	"html"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// sasKeys are the query parameters that belong to a SAS (lower-case). Other
// parameters (comp, restype, timeout, snapshot, versionid ...) may be mixed
// in and are kept but not treated as SAS fields.
var sasKeys = map[string]bool{
	"sv": true, "ss": true, "srt": true, "sp": true, "st": true, "se": true,
	"sip": true, "spr": true, "si": true, "sr": true, "sdd": true, "sig": true,
	"ses": true, "rscc": true, "rscd": true, "rsce": true, "rscl": true,
	"rsct": true, "tn": true, "spk": true, "srk": true, "epk": true, "erk": true,
	"skoid": true, "sktid": true, "skt": true, "ske": true, "sks": true,
	"skv": true, "saoid": true, "suoid": true, "scid": true, "skdutid": true,
	"sduoid": true, "srh": true, "srq": true,
}

// Parse parses anything that carries an Azure Storage SAS: a full URL on any
// endpoint (public and sovereign clouds, custom domains, emulator IP-style
// and product-style URLs), a bare query with or without a leading "?", or a
// connection string with SharedAccessSignature=. The same text may be
// percent-encoded once or twice, HTML-escaped (&amp;) or JSON-escaped
// (\u0026, \/); Parse removes those layers and records them in
// [Token.Encodings].
//
// Every error is a *[ParseError] naming the bad field and wrapping one of the
// sentinel errors ([ErrNotSAS], [ErrMissingField], [ErrInvalidEscape],
// [ErrBadTime], [ErrUnknownPermission], [ErrBadValue]).
func Parse(s string) (*Token, error) {
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "\"'`"))
	if !utf8.ValidString(s) {
		return nil, &ParseError{Field: "input", Err: ErrNotSAS}
	}
	tok := &Token{}
	s, tok.Encodings = unwrap(s)

	var rawURL, query string
	switch {
	case isConnectionString(s):
		tok.Form = FormConnectionString
		var err error
		rawURL, query, tok.Account, err = splitConnectionString(s)
		if err != nil {
			return nil, err
		}
	case hasScheme(s):
		tok.Form = FormURL
		rawURL, query, _ = strings.Cut(s, "?")
		rawURL, _, _ = strings.Cut(rawURL, "#")
		query, _, _ = strings.Cut(query, "#")
	default:
		tok.Form = FormQuery
		query = strings.TrimPrefix(s, "?")
	}

	if err := parseQuery(tok, query); err != nil {
		return nil, err
	}
	if rawURL != "" {
		if err := parseEndpoint(tok, rawURL); err != nil {
			return nil, err
		}
	}
	if err := classify(tok); err != nil {
		return nil, err
	}
	return tok, nil
}

func hasScheme(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")
}

var (
	jsonEscape    = regexp.MustCompile(`\\u[0-9a-fA-F]{4}|\\/`)
	percentLayer  = regexp.MustCompile(`(?i)(^|%(25)?26|%(25)?3F)(sv|sig|se|sp|sr|ss|srt|st|spr|sip|si|tn|skoid)%(25)?3D`)
	htmlAmpersand = regexp.MustCompile(`(?i)&(amp|#0*38|#x0*26);`)
)

// unwrap removes escaping layers around a SAS: HTML entities, JSON/JS
// escapes, and whole-text percent-encoding (at most twice, as seen when a URL
// is embedded in another URL's query).
func unwrap(s string) (string, []string) {
	var layers []string
	for range 4 {
		// Cheap byte checks first: most tokens carry no escaping at all.
		switch {
		case strings.IndexByte(s, ';') >= 0 && htmlAmpersand.MatchString(s):
			s = html.UnescapeString(s)
			layers = append(layers, "html")
		case strings.IndexByte(s, '\\') >= 0 && jsonEscape.MatchString(s):
			s = jsonEscape.ReplaceAllStringFunc(s, func(m string) string {
				if m == `\/` {
					return "/"
				}
				r, err := strconv.ParseUint(m[2:], 16, 32)
				if err != nil {
					return m
				}
				return string(rune(r))
			})
			layers = append(layers, "json")
		case strings.IndexByte(s, '%') >= 0 && !strings.Contains(s, "&") && percentLayer.MatchString(s) && !strings.Contains(strings.ToLower(s), "sig="):
			u, err := url.PathUnescape(s)
			if err != nil {
				return s, layers
			}
			s = u
			layers = append(layers, "percent")
		default:
			return s, layers
		}
	}
	return s, layers
}

func isConnectionString(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "sharedaccesssignature") &&
		(strings.Contains(l, "endpoint=") || strings.Contains(l, "accountname="))
}

// splitConnectionString extracts the endpoint URL and the SAS query from a
// storage connection string. The first endpoint written wins; without one,
// the blob endpoint is built from AccountName and EndpointSuffix.
func splitConnectionString(s string) (endpoint, query, account string, err error) {
	proto, suffix := "https", "core.windows.net"
	var sig string
	var haveSig bool
	for _, part := range strings.Split(s, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch strings.ToLower(k) {
		case "sharedaccesssignature":
			sig, haveSig = v, v != ""
		case "blobendpoint", "fileendpoint", "queueendpoint", "tableendpoint":
			if endpoint == "" {
				endpoint = v
			}
		case "accountname":
			account = v
		case "defaultendpointsprotocol":
			proto = v
		case "endpointsuffix":
			suffix = v
		}
	}
	if !haveSig {
		return "", "", "", fieldError("SharedAccessSignature", "", ErrMissingField, "")
	}
	if endpoint == "" && account != "" {
		endpoint = proto + "://" + account + ".blob." + suffix
	}
	return endpoint, strings.TrimPrefix(sig, "?"), account, nil
}

// SplitQuery splits a query string at '&' into its parameters, keeping
// each raw value and decoding it as url.ParseQuery would (form decoding),
// but reporting a bad escape as a *[ParseError] naming its field. In a
// signature parameter ("sig", "signature") a space can only have been an
// unescaped '+' (base64 has no spaces) and is turned back. Empty parts are
// dropped. Package signedurl splits its queries with it too.
func SplitQuery(query string) ([]Param, error) {
	var params []Param
	for _, part := range strings.Split(query, "&") {
		if part == "" {
			continue
		}
		k, raw, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, fieldError(k, "", ErrInvalidEscape, "in parameter name")
		}
		val, err := url.QueryUnescape(raw)
		if err != nil {
			pe := fieldError(key, raw, ErrInvalidEscape, "%s", badEscape(raw))
			if isSignatureKey(key) {
				pe.Value = ""
			}
			return nil, pe
		}
		if isSignatureKey(key) {
			val = strings.ReplaceAll(val, " ", "+")
		}
		params = append(params, Param{Key: key, Raw: raw, Value: val, text: part})
	}
	return params, nil
}

func isSignatureKey(k string) bool {
	return strings.EqualFold(k, "sig") || strings.EqualFold(k, "signature")
}

// Text is the parameter exactly as written: key=value, escapes included.
func (p Param) Text() string {
	if p.text != "" {
		return p.text
	}
	return p.Key + "=" + p.Raw
}

// RawKey is the parameter's name as written, escapes included.
func (p Param) RawKey() string {
	k, _, _ := strings.Cut(p.Text(), "=")
	return k
}

// parseQuery reads the SAS parameters of a query: duplicates of SAS keys
// are recorded, and sig and sv must be there.
func parseQuery(tok *Token, query string) error {
	params, err := SplitQuery(query)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, p := range params {
		lk := strings.ToLower(p.Key)
		if sasKeys[lk] {
			if p.Value == "" && (lk == "sig" || lk == "sv") {
				// An empty required value is as good as absent.
				continue
			}
			if seen[lk] && !containsString(tok.Duplicates, lk) {
				tok.Duplicates = append(tok.Duplicates, lk)
			}
			seen[lk] = true
		}
		tok.Params = append(tok.Params, p)
	}
	if !seen["sig"] {
		if !seen["sv"] && !seen["se"] && !seen["sp"] {
			return &ParseError{Field: "sig", Err: ErrNotSAS}
		}
		return fieldError("sig", "", ErrMissingField, "")
	}
	if !seen["sv"] {
		return fieldError("sv", "", ErrMissingField, "")
	}
	return nil
}

func badEscape(raw string) string {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '%' {
			continue
		}
		if i+2 >= len(raw) || !isHex(raw[i+1]) || !isHex(raw[i+2]) {
			end := min(i+3, len(raw))
			return strconv.Quote(raw[i:end]) + " at offset " + strconv.Itoa(i)
		}
		i += 2
	}
	return "malformed escape"
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cloudSuffixes maps the storage DNS suffixes to their cloud.
var cloudSuffixes = []struct{ suffix, cloud string }{
	{"core.windows.net", "public"},
	{"core.chinacloudapi.cn", "china"},
	{"core.usgovcloudapi.net", "usgovernment"},
	{"core.cloudapi.de", "germany"},
}

// emulatorPorts are Azurite's default ports per service.
var emulatorPorts = map[string]Service{"10000": ServiceBlob, "10001": ServiceQueue, "10002": ServiceTable}

func serviceLabel(l string) (Service, bool) {
	switch Service(l) {
	case ServiceBlob, ServiceDFS, ServiceFile, ServiceQueue, ServiceTable:
		return Service(l), true
	}
	return "", false
}

func parseEndpoint(tok *Token, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (!strings.EqualFold(u.Scheme, "https") && !strings.EqualFold(u.Scheme, "http")) {
		return fieldError("endpoint", "", ErrBadValue, "not an http or https URL")
	}
	tok.Scheme = strings.ToLower(u.Scheme)
	tok.Host = strings.ToLower(u.Host)
	host := strings.ToLower(u.Hostname())
	path := strings.TrimPrefix(u.Path, "/")
	labels := strings.Split(host, ".")

	switch {
	case cloudOf(host) != "":
		tok.Cloud = cloudOf(host)
		if len(labels) >= 2 {
			tok.Account = strings.TrimSuffix(labels[0], "-secondary")
			for _, l := range labels[1:] {
				if svc, ok := serviceLabel(l); ok {
					tok.Service = svc
					break
				}
			}
		}
	case net.ParseIP(host) != nil || host == "localhost" || strings.HasSuffix(host, ".localhost") && len(labels) == 1:
		// Emulator IP-style: http://127.0.0.1:10000/account/container/blob
		tok.Cloud = "emulator"
		tok.IPStyle = true
		tok.Service = emulatorPorts[u.Port()]
		acct, rest, _ := strings.Cut(path, "/")
		tok.Account, path = acct, rest
	case strings.HasSuffix(host, ".localhost") && len(labels) >= 3:
		// Emulator product-style: http://account.blob.localhost:10000/container
		tok.Cloud = "emulator"
		tok.Account = labels[0]
		tok.Service, _ = serviceLabel(labels[1])
	default:
		// Custom domains do not name the account; a connection string's
		// AccountName= may have set it already.
		tok.Cloud = "custom"
		for _, l := range labels {
			if svc, ok := serviceLabel(l); ok {
				tok.Service = svc
				break
			}
		}
	}
	tok.Path = path
	tok.Endpoint = tok.Scheme + "://" + tok.Host
	if tok.IPStyle && tok.Account != "" {
		tok.Endpoint += "/" + tok.Account
	}
	return nil
}

func cloudOf(host string) string {
	for _, c := range cloudSuffixes {
		if strings.HasSuffix(host, "."+c.suffix) {
			return c.cloud
		}
	}
	return ""
}

var versionForm = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// classify derives kind, service, resource, permissions and times from the
// parameters, validating each field.
func classify(tok *Token) error {
	tok.Version = tok.Get("sv")
	if _, err := time.Parse("2006-01-02", tok.Version); err != nil || !versionForm.MatchString(tok.Version) {
		return fieldError("sv", tok.Version, ErrBadValue, "want a service version YYYY-MM-DD")
	}
	_, hasSS := tok.Lookup("ss")
	_, hasSRT := tok.Lookup("srt")
	sr := tok.Get("sr")
	_, hasSKOID := tok.Lookup("skoid")
	tok.StoredPolicy = tok.Get("si")

	switch {
	case hasSKOID:
		tok.Kind = KindUserDelegation
		for _, f := range []string{"sktid", "skt", "ske", "sks", "skv"} {
			if _, ok := tok.Lookup(f); !ok {
				return fieldError(f, "", ErrMissingField, "a user delegation SAS carries skoid, sktid, skt, ske, sks and skv")
			}
		}
		if tok.StoredPolicy != "" {
			return fieldError("si", tok.StoredPolicy, ErrBadValue, "a user delegation SAS cannot use a stored access policy")
		}
	case hasSS || hasSRT:
		tok.Kind = KindAccount
		if !hasSS {
			return fieldError("ss", "", ErrMissingField, "an account SAS needs ss with srt")
		}
		if !hasSRT {
			return fieldError("srt", "", ErrMissingField, "an account SAS needs srt with ss")
		}
	default:
		tok.Kind = KindService
	}

	if err := classifyResource(tok, sr); err != nil {
		return err
	}
	switch tok.Resource {
	case ResourceBlob, ResourceSnapshot, ResourceVersion, ResourceFile:
		// Object names may end in a slash, and it is signed.
	default:
		tok.Path = strings.TrimSuffix(tok.Path, "/")
	}
	if tok.Kind == KindAccount {
		if err := parseAccountScope(tok); err != nil {
			return err
		}
	}

	sp := tok.Get("sp")
	if sp == "" && tok.StoredPolicy == "" {
		return fieldError("sp", "", ErrMissingField, "sp is required unless a stored access policy (si) supplies it")
	}
	perms, err := ParsePermissions(sp, tok.Kind, tok.Service, tok.Resource)
	if err != nil {
		return err
	}
	tok.Permissions = perms

	if tok.Start, err = parseTimeField(tok, "st"); err != nil {
		return err
	}
	if tok.Expiry, err = parseTimeField(tok, "se"); err != nil {
		return err
	}
	if tok.Expiry == nil && tok.StoredPolicy == "" {
		return fieldError("se", "", ErrMissingField, "se is required unless a stored access policy (si) supplies it")
	}
	if tok.KeyStart, err = parseTimeField(tok, "skt"); err != nil {
		return err
	}
	if tok.KeyExpiry, err = parseTimeField(tok, "ske"); err != nil {
		return err
	}

	if spr, ok := tok.Lookup("spr"); ok {
		switch spr {
		case "https", "https,http", "http,https":
			tok.Protocol = spr
		default:
			return fieldError("spr", spr, ErrBadValue, `want "https" or "https,http"`)
		}
	}
	if sip, ok := tok.Lookup("sip"); ok {
		if err := checkIPRange(sip); err != nil {
			return err
		}
		tok.IPRange = sip
	}
	if sdd, ok := tok.Lookup("sdd"); ok {
		if n, err := strconv.Atoi(sdd); err != nil || n < 0 {
			return fieldError("sdd", sdd, ErrBadValue, "want a non-negative directory depth")
		}
	}
	return nil
}

// The sr values and the resources they name.
var (
	blobResources = map[string]Resource{"b": ResourceBlob, "c": ResourceContainer,
		"bs": ResourceSnapshot, "bv": ResourceVersion, "d": ResourceDirectory}
	fileResources = map[string]Resource{"f": ResourceFile, "s": ResourceShare}
)

func classifyResource(tok *Token, sr string) error {
	_, hasTN := tok.Lookup("tn")
	switch tok.Kind {
	case KindAccount:
		tok.Resource = ResourceAccount
		return nil
	}
	switch sr {
	case "b", "c", "bs", "bv", "d":
		if tok.Service != ServiceDFS {
			tok.Service = ServiceBlob
		}
		tok.Resource = blobResources[sr]
	case "f", "s":
		tok.Service = ServiceFile
		tok.Resource = fileResources[sr]
	case "":
		switch {
		case hasTN:
			tok.Service, tok.Resource = ServiceTable, ResourceTable
		case tok.Service == ServiceTable:
			tok.Resource = ResourceTable
		default:
			// A queue SAS carries no sr; nothing else may omit it.
			tok.Service, tok.Resource = ServiceQueue, ResourceQueue
		}
	default:
		return fieldError("sr", sr, ErrBadValue, "want b, c, bs, bv, d (blob) or f, s (file)")
	}
	if tok.Resource == ResourceSnapshot {
		if _, ok := tok.Lookup("snapshot"); !ok {
			return fieldError("snapshot", "", ErrMissingField, "sr=bs needs the snapshot parameter")
		}
	}
	if tok.Resource == ResourceVersion {
		if _, ok := tok.Lookup("versionid"); !ok {
			return fieldError("versionid", "", ErrMissingField, "sr=bv needs the versionid parameter")
		}
	}
	return nil
}

func parseAccountScope(tok *Token) error {
	ss := tok.Get("ss")
	if ss == "" {
		return fieldError("ss", "", ErrMissingField, "")
	}
	for i := 0; i < len(ss); i++ {
		svc := accountServiceLetter(ss[i])
		if svc == "" {
			return fieldError("ss", ss, ErrBadValue, "unknown service %q (want b, f, q, t)", string(ss[i]))
		}
		if !containsService(tok.Services, svc) {
			tok.Services = append(tok.Services, svc)
		}
	}
	srt := tok.Get("srt")
	if srt == "" {
		return fieldError("srt", "", ErrMissingField, "")
	}
	for i := 0; i < len(srt); i++ {
		rt := resourceTypeLetter(srt[i])
		if rt == "" {
			return fieldError("srt", srt, ErrBadValue, "unknown resource type %q (want s, c, o)", string(srt[i]))
		}
		if !containsString(tok.ResourceTypes, rt) {
			tok.ResourceTypes = append(tok.ResourceTypes, rt)
		}
	}
	if tok.Service == "" && len(tok.Services) == 1 {
		tok.Service = tok.Services[0]
	}
	return nil
}

func accountServiceLetter(c byte) Service {
	switch c {
	case 'b':
		return ServiceBlob
	case 'f':
		return ServiceFile
	case 'q':
		return ServiceQueue
	case 't':
		return ServiceTable
	}
	return ""
}

func resourceTypeLetter(c byte) string {
	switch c {
	case 's':
		return "service"
	case 'c':
		return "container"
	case 'o':
		return "object"
	}
	return ""
}

func containsService(list []Service, s Service) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkIPRange validates sip: one address or an inclusive range "a-b".
func checkIPRange(sip string) error {
	lo, hi, isRange := strings.Cut(sip, "-")
	a, err := netip.ParseAddr(lo)
	if err != nil {
		return fieldError("sip", sip, ErrBadValue, "want an IP address or a range a.b.c.d-e.f.g.h")
	}
	if isRange {
		b, err := netip.ParseAddr(hi)
		if err != nil || b.Is4() != a.Is4() || b.Less(a) {
			return fieldError("sip", sip, ErrBadValue, "want an IP address or an ascending range a.b.c.d-e.f.g.h")
		}
	}
	return nil
}
