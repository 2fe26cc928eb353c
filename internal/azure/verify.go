// Package azure makes live, read-only checks against Azure Storage with a
// shared access signature: is the token valid now, and what does it
// expose. Every check is offline first (an expired token costs no
// request), then the least request that answers the question (a list with
// maxresults=1, a HEAD, a queue peek, a one-row table query). It never
// reads a blob body, never writes and never deletes.
//
// It talks only to Azure storage endpoints unless the caller names another
// host explicitly ([Options].Endpoint), refuses private and loopback
// addresses otherwise, and never follows redirects.
package azure

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/overshare/overshare/sas"
)

// Status is the answer of a verification.
type Status string

// The statuses. Each comes with its evidence in [Result]: the HTTP status
// and the service's error code, or the offline fact it rests on.
const (
	// Valid: the service accepted the token.
	Valid Status = "valid"
	// Expired: se (or a user delegation key's ske) is past; no request made.
	Expired Status = "expired"
	// NotYetValid: st (or skt) is in the future; no request made.
	NotYetValid Status = "not-yet-valid"
	// BadSignature: the signature matches none of the given keys (offline),
	// or the service rejects it: tampered, or signed with a rotated key.
	BadSignature Status = "bad-signature"
	// PolicyRevoked: the token names a stored access policy (si), its
	// signature checks out against the given keys, and the service rejects
	// it: the policy was deleted or changed.
	PolicyRevoked Status = "policy-revoked"
	// IPRestricted: the caller's address is outside sip.
	IPRestricted Status = "ip-restricted"
	// ProtocolMismatch: spr=https used over http.
	ProtocolMismatch Status = "protocol-mismatch"
	// KeyAuthDisabled: the account forbids shared-key authorization, which
	// kills every key-signed SAS.
	KeyAuthDisabled Status = "key-auth-disabled"
	// AccountNotFound: the account's host name does not exist.
	AccountNotFound Status = "account-not-found"
	// PermissionMismatch: the signature is accepted but the token does not
	// grant the probe operation (permissions, services or resource types).
	// The token is live for what it does grant.
	PermissionMismatch Status = "permission-mismatch"
	// Unreachable: no answer from the service (connection refused, timeout).
	Unreachable Status = "unreachable"
	// Rejected: the service answered with an error none of the above
	// explains; http_status and error_code say what it was.
	Rejected Status = "rejected"
)

// Options tune one verification. The zero value verifies against the
// token's own Azure endpoint with no keys.
type Options struct {
	// Endpoint is HOST[:PORT] or http(s)://HOST[:PORT] to send requests to
	// instead of the token's host. Naming it lifts the Azure-only and
	// public-address rules: it is how tests reach Azurite on 127.0.0.1.
	Endpoint string
	// Keys are the account keys (or user delegation key values) to check
	// the signature against offline. With keys, a signature that matches
	// none is bad-signature without a request, and a stored-policy token
	// the service rejects can be told apart as policy-revoked.
	Keys []sas.Key
	// Now is the time to judge expiry at; zero means time.Now.
	Now time.Time
	// Timeout bounds each request; zero means 15 s.
	Timeout time.Duration

	// BlastRadius lists what the token can see when it can list blobs.
	BlastRadius bool
	// MaxList bounds the blobs and containers listed; zero means 5000.
	MaxList int
	// Budget bounds the time spent listing; zero means 60 s.
	Budget time.Duration
	// Progress, if set, is called after each listing page with the number
	// of blobs listed so far.
	Progress func(blobs int)
	// Deep, with BlastRadius, reads the first 64 bytes of up to DeepMax
	// model-named blobs (a ranged GET) to tell whether they are pickles.
	Deep    bool
	DeepMax int
}

// Request is one HTTP request made, for the record. The URL has its
// signature redacted.
type Request struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	Status int    `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Result is the answer of [Verify].
type Result struct {
	Status     Status `json:"status"`
	HTTPStatus int    `json:"http_status,omitempty"`
	ErrorCode  string `json:"error_code,omitempty"`
	// Detail says in words what the evidence means.
	Detail string `json:"detail"`
	// ServiceDetail is the service's AuthenticationErrorDetail, when given.
	ServiceDetail string `json:"service_detail,omitempty"`
	// SignedWith names the key that signed the token when keys were given
	// ("none" when none did).
	SignedWith string `json:"signed_with,omitempty"`
	// Operation is the probe sent, e.g. "list-blobs" or "get-blob-properties".
	Operation string     `json:"operation,omitempty"`
	Requests  []Request  `json:"requests"`
	Exposure  *Exposure  `json:"exposure,omitempty"`
	Checked   time.Time  `json:"checked_at"`
	Token     *sas.Facts `json:"token,omitempty"`
}

// ErrNoURL is returned when the token carries no endpoint to ask.
var ErrNoURL = errors.New("the token carries no URL (endpoint and path), so there is nothing to ask")

// Verify answers whether tok is live and, with opts.BlastRadius, what it
// exposes. The error is non-nil only when no answer can be sought: the
// token has no URL ([ErrNoURL]), or its host is refused (*[EndpointError]).
// Everything the service or the network says is in the Result.
func Verify(ctx context.Context, tok *sas.Token, opts Options) (Result, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	res := Result{Requests: []Request{}, Checked: now}

	// Offline first: these cost no request.
	if tok.Expired(now) {
		res.Status = Expired
		res.Detail = "the token's expiry is past; no request was made"
		return res, nil
	}
	if tok.NotYetValid(now) {
		res.Status = NotYetValid
		res.Detail = "the token's start is in the future; no request was made"
		return res, nil
	}
	if len(opts.Keys) > 0 && tok.Kind != sas.KindUserDelegation {
		if at, err := sas.Attribute(tok, opts.Keys); err == nil {
			res.SignedWith = at.SignedWith
			if at.SignedWith == sas.NoMatch {
				res.Status = BadSignature
				res.Detail = fmt.Sprintf("the signature matches none of the %d keys given: tampered, or signed with a key since rotated; no request was made", at.Checked)
				return res, nil
			}
		}
	}

	if tok.Endpoint == "" {
		return res, ErrNoURL
	}
	prefix := ""
	if tok.IPStyle && tok.Account != "" {
		prefix = "/" + url.PathEscape(tok.Account)
	}
	tg, err := resolveTarget(tok.Scheme, tok.Host, prefix, opts.Endpoint)
	if err != nil {
		return res, err
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	c := &caller{client: newClient(tg, timeout), target: tg, tok: tok, res: &res}

	p := chooseProbe(tok)
	res.Operation = p.op
	resp, err := c.do(ctx, p.method, p.path, p.query, p.headers)
	if err != nil {
		var ee *EndpointError
		if errors.As(err, &ee) {
			return res, ee
		}
		if contextDone(ctx) {
			return res, ctx.Err()
		}
		res.Status = Unreachable
		res.Detail = "no answer from the service: " + errText(err)
		if !tg.explicit && dnsNotFound(err) {
			res.Status = AccountNotFound
			res.Detail = fmt.Sprintf("the host %s does not exist: the storage account was deleted or never existed", tg.host)
		}
		return res, nil
	}
	res.HTTPStatus = resp.status
	res.ErrorCode = resp.code
	res.ServiceDetail = resp.detail
	classify(&res, tok, resp)

	if opts.BlastRadius && res.Status == Valid && res.HTTPStatus < 300 {
		if exp, ok := blastRadius(ctx, c, tok, opts); ok {
			res.Exposure = exp
		}
	}
	return res, nil
}

// probe is the one request that answers "is it live".
type probe struct {
	op      string
	method  string
	path    string // inside the account, without leading slash
	query   string // operation parameters, appended to the token's
	headers map[string]string
}

// chooseProbe picks the least request for the token's scope: list with
// maxresults=1 for account and container tokens, HEAD for a blob, peek for
// a queue, a one-row query for a table.
func chooseProbe(tok *sas.Token) probe {
	svc := tok.Service
	if tok.Kind == sas.KindAccount {
		if svc == "" {
			svc = sas.ServiceBlob
			if len(tok.Services) > 0 && !hasService(tok.Services, sas.ServiceBlob) {
				svc = tok.Services[0]
			}
		}
		switch svc {
		case sas.ServiceTable:
			return probe{op: "query-tables", method: "GET", path: "Tables", query: "$top=1", headers: tableHeaders}
		case sas.ServiceQueue:
			return probe{op: "list-queues", method: "GET", query: "comp=list&maxresults=1"}
		case sas.ServiceFile:
			return probe{op: "list-shares", method: "GET", query: "comp=list&maxresults=1"}
		}
		return probe{op: "list-containers", method: "GET", query: "comp=list&maxresults=1"}
	}
	switch tok.Resource {
	case sas.ResourceContainer:
		return probe{op: "list-blobs", method: "GET", path: firstSegment(tok.Path), query: "restype=container&comp=list&maxresults=1"}
	case sas.ResourceShare:
		return probe{op: "list-files", method: "GET", path: firstSegment(tok.Path), query: "restype=directory&comp=list&maxresults=1"}
	case sas.ResourceQueue:
		return probe{op: "peek-messages", method: "GET", path: firstSegment(tok.Path) + "/messages", query: "peekonly=true&numofmessages=1"}
	case sas.ResourceTable:
		table := tok.Get("tn")
		if table == "" {
			table = strings.TrimSuffix(firstSegment(tok.Path), "()")
		}
		return probe{op: "query-entities", method: "GET", path: table + "()", query: "$top=1", headers: tableHeaders}
	}
	// Blob, snapshot, version, directory, file: properties only, no body.
	return probe{op: "get-properties", method: "HEAD", path: tok.Path}
}

var tableHeaders = map[string]string{"Accept": "application/json;odata=nometadata", "DataServiceVersion": "3.0"}

func hasService(list []sas.Service, s sas.Service) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func firstSegment(p string) string {
	s, _, _ := strings.Cut(p, "/")
	return s
}

// operationParams are query parameters of a copied request URL that are
// not part of the SAS; they are dropped so the probe's own do not repeat.
var operationParams = map[string]bool{
	"comp": true, "restype": true, "maxresults": true, "marker": true, "prefix": true,
	"include": true, "delimiter": true, "peekonly": true, "numofmessages": true,
	"$top": true, "$filter": true, "$select": true, "timeout": true,
}

// caller sends requests with the token and records them.
type caller struct {
	client *http.Client
	target target
	tok    *sas.Token
	res    *Result
}

type response struct {
	status int
	code   string
	detail string
	body   []byte // only for successful GETs the caller parses (listings)
}

const maxBody = 1 << 20

// do sends one request: the token's SAS parameters plus query, on path.
// Error bodies are read (bounded) for the code; success bodies are read
// only by callers that parse listings, never blob content.
func (c *caller) do(ctx context.Context, method, path, query string, headers map[string]string) (*response, error) {
	resp, err := c.send(ctx, method, path, query, headers)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := &response{status: resp.StatusCode, code: resp.Header.Get("x-ms-error-code")}
	if resp.StatusCode >= 300 || method == "GET" {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		if resp.StatusCode >= 300 {
			code, detail := parseError(body)
			if out.code == "" {
				out.code = code
			}
			out.detail = detail
		} else {
			out.body = body
		}
	}
	return out, nil
}

// peekSize is how many bytes --deep reads of a blob: enough for any magic
// number, never enough to be the owner's data.
const peekSize = 64

// peek reads the first peekSize bytes of a blob with a ranged GET. If the
// service ignores the range and sends the whole blob, no more than
// peekSize bytes are read before the connection is closed.
func (c *caller) peek(ctx context.Context, path string) ([]byte, int, error) {
	resp, err := c.send(ctx, "GET", path, "", map[string]string{
		"Range": "bytes=0-" + strconv.Itoa(peekSize-1), "x-ms-range": "bytes=0-" + strconv.Itoa(peekSize-1)})
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return nil, resp.StatusCode, nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, peekSize))
	return b, resp.StatusCode, err
}

// send sends one request and records it; the caller reads and closes the
// body.
func (c *caller) send(ctx context.Context, method, path, query string, headers map[string]string) (*http.Response, error) {
	var qs []string
	for _, p := range c.tok.Params {
		if operationParams[strings.ToLower(p.Key)] {
			continue
		}
		qs = append(qs, url.QueryEscape(p.Key)+"="+p.Raw)
	}
	if query != "" {
		qs = append(qs, query)
	}
	u := c.target.base + "/" + escapePath(path) + "?" + strings.Join(qs, "&")
	rec := Request{Method: method, URL: redact(u)}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		rec.Error = err.Error()
		c.res.Requests = append(c.res.Requests, rec)
		return nil, err
	}
	req.Header.Set("User-Agent", "overshare-verify")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		rec.Error = errText(err)
		c.res.Requests = append(c.res.Requests, rec)
		return nil, err
	}
	rec.Status = resp.StatusCode
	c.res.Requests = append(c.res.Requests, rec)
	return resp, nil
}

func escapePath(p string) string {
	if p == "" {
		return ""
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// redact replaces the value of sig in a URL.
func redact(u string) string {
	base, query, ok := strings.Cut(u, "?")
	if !ok {
		return u
	}
	parts := strings.Split(query, "&")
	for i, p := range parts {
		if k, _, _ := strings.Cut(p, "="); strings.EqualFold(k, "sig") {
			parts[i] = k + "=REDACTED"
		}
	}
	return base + "?" + strings.Join(parts, "&")
}

// errText is err's message without the URL (which carries the signature)
// that net/http puts in a *url.Error.
func errText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// parseError reads the code and authentication detail from an XML (blob,
// queue, file) or JSON (table, dfs) error body.
func parseError(body []byte) (code, detail string) {
	var x struct {
		Code   string `xml:"Code"`
		Detail string `xml:"AuthenticationErrorDetail"`
	}
	if xml.Unmarshal(body, &x) == nil && x.Code != "" {
		return x.Code, x.Detail
	}
	var j struct {
		OData struct {
			Code string `json:"code"`
		} `json:"odata.error"`
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &j) == nil {
		if j.OData.Code != "" {
			return j.OData.Code, ""
		}
		return j.Error.Code, ""
	}
	return "", ""
}

// classify turns the service's answer into a status. Real Azure answers
// an authentication failure with AuthenticationFailed and a detail text;
// Azurite answers bad signature, expired and missing policy alike with
// AuthorizationFailure (sas-spec §9.2, §10.3). The offline facts (times
// checked, signature attributed) tell the cases apart where the service
// does not.
func classify(res *Result, tok *sas.Token, r *response) {
	switch {
	case r.status >= 200 && r.status < 300:
		res.Status = Valid
		res.Detail = "the service accepted the token"
		return
	case r.status == http.StatusNotFound && (r.code == "" || strings.HasSuffix(r.code, "NotFound") && r.code != "AccountNotFound"):
		// Authorization comes before the lookup: a 404 means the token was
		// accepted and the resource is gone.
		res.Status = Valid
		res.Detail = "the service accepted the token, but the resource it names does not exist (" + r.code + ")"
		return
	}
	switch r.code {
	case "AuthorizationPermissionMismatch", "AuthorizationServiceMismatch", "AuthorizationResourceTypeMismatch":
		res.Status = PermissionMismatch
		res.Detail = "the signature is accepted, but the token does not allow the probe (" + r.code + "); it is live for what it does grant"
		return
	case "AuthorizationProtocolMismatch":
		res.Status = ProtocolMismatch
		res.Detail = "the token requires https (spr) and was used over http"
		return
	case "AuthorizationSourceIPMismatch":
		res.Status = IPRestricted
		res.Detail = "the token is bound to addresses (sip) that exclude this one; it may be live from there"
		return
	case "KeyBasedAuthenticationNotPermitted":
		res.Status = KeyAuthDisabled
		res.Detail = "the account forbids shared-key authorization, so no key-signed SAS works"
		return
	case "AccountNotFound", "InvalidAccountName":
		res.Status = AccountNotFound
		res.Detail = "the service does not know the account"
		return
	case "AuthenticationFailed", "AuthorizationFailure":
		authFailure(res, tok, r)
		return
	}
	res.Status = Rejected
	res.Detail = fmt.Sprintf("the service refused the request with %d %s", r.status, r.code)
}

func authFailure(res *Result, tok *sas.Token, r *response) {
	d := strings.ToLower(r.detail)
	switch {
	case strings.Contains(d, "not valid in the specified time frame"):
		// The clock disagrees with ours, or the stored policy's window is over.
		res.Status = Expired
		res.Detail = "the service says the token is outside its validity window"
		if tok.StoredPolicy != "" {
			res.Detail += " (the stored policy " + tok.StoredPolicy + " may set it)"
		}
		return
	case strings.Contains(d, "signature did not match"):
		res.Status = BadSignature
		res.Detail = "the service says the signature does not match: tampered, or signed with a key since rotated"
		if tok.StoredPolicy != "" && res.SignedWith != "" && res.SignedWith != sas.NoMatch {
			res.Status = PolicyRevoked
			res.Detail = fmt.Sprintf("the signature checks out with %s, yet the service rejects it: the stored policy %q was deleted or changed", res.SignedWith, tok.StoredPolicy)
		}
		return
	}
	signedOK := res.SignedWith != "" && res.SignedWith != sas.NoMatch
	switch {
	case tok.StoredPolicy != "" && signedOK:
		res.Status = PolicyRevoked
		res.Detail = fmt.Sprintf("the signature checks out with %s and the token is within its dates, yet the service rejects it: the stored policy %q was deleted or changed", res.SignedWith, tok.StoredPolicy)
	case signedOK:
		res.Status = BadSignature
		res.Detail = fmt.Sprintf("the signature checks out with the %s given, yet the service rejects it: that key has been rotated", res.SignedWith)
	case tok.StoredPolicy != "":
		res.Status = BadSignature
		res.Detail = fmt.Sprintf("the service rejects the token: a bad signature, a rotated key, or a deleted stored policy %q; give --keys-file to tell them apart", tok.StoredPolicy)
	default:
		res.Status = BadSignature
		res.Detail = "the service rejects the token although it is within its dates: tampered, or signed with a key since rotated"
	}
}
