package detect

import (
	"bytes"
	"errors"
	"regexp"
	"strings"

	"github.com/overshare/overshare/sas"
)

// SASRule finds Azure Storage SAS tokens in every form sas.Parse reads, and
// joins a token found without its URL to the storage endpoint written
// nearest to it in the same text (..._SAS_URL= and ..._SAS_TOKEN= lines).
type SASRule struct{}

// ID implements Rule.
func (SASRule) ID() string { return "azure-sas" }

// Anchors implements Rule: sig= in plain, percent-encoded (once and twice)
// and JSON-escaped forms. HTML-escaped text keeps "sig=" as is.
func (SASRule) Anchors() [][]byte {
	return lits("sig=", "SIG=", "Sig=", "sig%3D", "sig%3d", "SIG%3D", "sig%253D", "sig%253d", `sig\u003d`, `sig\u003D`)
}

func lits(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, x := range s {
		out[i] = []byte(x)
	}
	return out
}

// Find implements Rule.
func (r SASRule) Find(data []byte, hits []int, ctx *Context) []Candidate {
	var out []Candidate
	lastEnd := -1
	for _, at := range hits {
		if at < lastEnd {
			continue // the same token, reached by another anchor
		}
		s, e := span(data, at)
		var text string
		if ls := literalStart(data, s); ls < s || e < len(data) && (data[e] == '"' || data[e] == '\'') {
			// A string split across literals: "https://...?sv=..." + "&sig=...".
			j, end := joinLiterals(data, ls)
			ja := j.at(at)
			js := sasStart(j.text, 0, ja)
			je := trimTail(j.text, js, len(j.text))
			if js >= je {
				continue
			}
			text, s, e = string(j.text[js:je]), j.orig[js], end
		} else {
			e = trimTail(data, s, e)
			s = sasStart(data, s, at)
			if s >= e {
				continue
			}
			text = string(data[s:e])
		}
		c, ok := r.candidate(text, ctx, at)
		if !ok {
			continue
		}
		c.Start, c.End = s, e
		lastEnd = e
		out = append(out, c)
	}
	return out
}

var schemeStart = regexp.MustCompile(`(?i)https?(://|:\\/\\/|%3A%2F%2F|%253A%252F%252F)`)

var connStringKeys = regexp.MustCompile(`(?i)(DefaultEndpointsProtocol|BlobEndpoint|QueueEndpoint|FileEndpoint|TableEndpoint|AccountName|SharedAccessSignature|EndpointSuffix)=`)

// sasStart finds where the credential that contains the anchor at begins,
// within the run of URL bytes that starts at s: the URL's scheme, the
// connection string's first key, the query after '?', or the first
// parameter after a VARIABLE= assignment.
func sasStart(data []byte, s, at int) int {
	region := data[s:at]
	if bytes.Contains(bytes.ToLower(region), []byte("sharedaccesssignature=")) {
		if loc := connStringKeys.FindIndex(region); loc != nil {
			return s + loc[0]
		}
	}
	if locs := schemeStart.FindAllIndex(region, -1); len(locs) > 0 {
		return s + locs[len(locs)-1][0]
	}
	if q := bytes.LastIndexByte(region, '?'); q >= 0 {
		return s + q + 1
	}
	// VARIABLE=sp=r&...: drop the assignment when what follows it is a
	// parameter.
	first := region
	if amp := bytes.IndexByte(first, '&'); amp >= 0 {
		first = first[:amp]
	}
	if eq := bytes.IndexByte(first, '='); eq >= 0 && bytes.Count(first, []byte("=")) >= 2 {
		return s + eq + 1
	}
	return s
}

// candidate parses and judges one piece of text.
func (SASRule) candidate(text string, ctx *Context, at int) (Candidate, bool) {
	tok, err := sas.Parse(text)
	if err == nil && tok.Endpoint == "" {
		if ep, ok := ctx.nearestEndpoint(at); ok {
			if joined, err := sas.Parse(ep + "?" + tok.Query()); err == nil {
				tok = joined
			}
		}
	}
	if err != nil {
		var pe *sas.ParseError
		if errors.Is(err, sas.ErrNotSAS) || !errors.As(err, &pe) {
			return Candidate{}, false
		}
		return malformedSAS(text, pe)
	}
	a := sas.Assess(tok, ctx.Policy, ctx.Now)
	c := Candidate{
		Rule:        "azure-sas",
		Secret:      tok.Signature(),
		Text:        tok.URL(),
		Title:       tok.Summary(),
		Severity:    a.Severity,
		Reasons:     a.Reasons,
		Remediation: a.Remediation,
		Facts:       tok.Facts(ctx.Now),
		Encodings:   tok.Encodings,
	}
	if why, placeholder, ok := knownSAS(tok); ok {
		asKnownExample(&c, why)
		if placeholder {
			// Every placeholder token shares its "signature"; the whole
			// token tells them apart.
			c.Secret = c.Text
		}
	}
	return c, true
}

// ReasonMalformed is the reason code of a SAS-shaped string the service
// would reject.
const ReasonMalformed = "malformed"

// malformedSAS reports a token the parser rejects at info, when its
// signature looks real: a typo in a real token still leaks its signature
// and account, and the service would reject it as written. Tokens without
// a real-looking signature are not reported.
func malformedSAS(text string, pe *sas.ParseError) (Candidate, bool) {
	sig, hasSV := "", false
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == '&' || r == '?' }) {
		k, v, _ := strings.Cut(part, "=")
		switch strings.ToLower(k) {
		case "sig":
			sig = v
		case "sv":
			hasSV = true
		}
	}
	// Without sv it is no storage SAS at all (Service Bus tokens and other
	// schemes also carry sig=); other rules judge those.
	if !hasSV || len(sig) < 40 || pe.Field == "sig" && !errors.Is(pe, sas.ErrInvalidEscape) {
		return Candidate{}, false
	}
	return Candidate{
		Rule:     "azure-sas",
		Secret:   sig,
		Text:     text,
		Title:    "Azure SAS the service would reject as written: " + pe.Error(),
		Severity: sas.SeverityInfo,
		Reasons: []sas.Reason{{Code: ReasonMalformed, Severity: sas.SeverityInfo,
			Text: "does not parse (" + pe.Error() + "); the service rejects it as written, but it shows a signature and how tokens are made here"}},
		Remediation: sas.Remediation{Summary: "remove it; if it is a real token with a typo, judge the corrected token with overshare inspect",
			Steps: []string{"overshare inspect '<corrected token>'"}},
	}, true
}

// endpoint is a storage endpoint URL written without a SAS.
type endpoint struct {
	start int
	url   string
}

// endpointURL matches a storage endpoint URL at the start of its input.
var endpointURL = regexp.MustCompile(`^(?i)https?://(?:[a-z0-9-]+\.(?:blob|dfs|file|queue|table)\.core\.(?:windows\.net|chinacloudapi\.cn|usgovcloudapi\.net|cloudapi\.de)|(?:127\.0\.0\.1|localhost):1000[0-2]/[a-z0-9]+)(?:/[^\s"'<>?#\\;]*)?`)

// endpointURLs returns the [start, end) of every storage endpoint URL in
// data. It looks for "://" and tries the pattern only where "http" or
// "https" precedes it: running the pattern over a whole file costs more
// than everything else the scan does with it.
func endpointURLs(data []byte) [][2]int {
	var out [][2]int
	for i := 0; i < len(data); {
		k := bytes.Index(data[i:], []byte("://"))
		if k < 0 {
			break
		}
		k += i
		i = k + 3
		start := -1
		switch {
		case k >= 5 && hasFoldPrefix(data[k-5:], "https"):
			start = k - 5
		case k >= 4 && hasFoldPrefix(data[k-4:], "http"):
			start = k - 4
		}
		if start < 0 {
			continue
		}
		if loc := endpointURL.FindIndex(data[start:]); loc != nil {
			out = append(out, [2]int{start, start + loc[1]})
			i = max(i, start+loc[1])
		}
	}
	return out
}

// nearestEndpoint returns the storage endpoint URL written closest to at,
// not followed by a query of its own.
func (ctx *Context) nearestEndpoint(at int) (string, bool) {
	if !ctx.indexed {
		ctx.indexed = true
		for _, loc := range endpointURLs(ctx.data) {
			if loc[1] < len(ctx.data) && ctx.data[loc[1]] == '?' {
				continue
			}
			ctx.endpoints = append(ctx.endpoints, endpoint{start: loc[0], url: strings.TrimRight(string(ctx.data[loc[0]:loc[1]]), ".,)")})
		}
	}
	best, bestDist := "", -1
	for _, ep := range ctx.endpoints {
		d := ep.start - at
		if d < 0 {
			d = -d
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = ep.url, d
		}
	}
	return best, bestDist >= 0
}
