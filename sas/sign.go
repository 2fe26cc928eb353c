package sas

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors wrapped by *[SignError], for errors.Is.
var (
	// ErrUnsupportedLayout means no known string-to-sign layout fits the
	// token's kind, service and version (sv), or sv is malformed.
	ErrUnsupportedLayout = errors.New("no known string-to-sign layout")
	// ErrUnknownResource means the account name or resource path that the
	// string-to-sign needs is unknown, typically because the token was found
	// as a bare query without its URL.
	ErrUnknownResource = errors.New("account or resource path unknown")
	// ErrBadKey means a key is not valid base64.
	ErrBadKey = errors.New("key is not valid base64")
	// ErrNoSignature means a token carries no sig to check.
	ErrNoSignature = errors.New("token has no signature (sig)")
)

// SignError reports why the string-to-sign of a token cannot be built. It
// wraps [ErrUnsupportedLayout] or [ErrUnknownResource]. It never carries the
// signature.
type SignError struct {
	// Layout is the layout that was chosen, "" when none was.
	Layout string
	// Reason says in words what is missing or unsupported.
	Reason string
	Err    error
}

func (e *SignError) Error() string {
	if e.Layout != "" {
		return fmt.Sprintf("sas: string-to-sign %s: %s", e.Layout, e.Reason)
	}
	return "sas: string-to-sign: " + e.Reason
}

func (e *SignError) Unwrap() error { return e.Err }

// Slots of a layout that are not plain query parameters.
const (
	slotAccount  = "$account"  // the account name (account SAS)
	slotResource = "$resource" // the canonicalized resource
	slotSnapshot = "$snapshot" // signedSnapshotTime: snapshot for bs, versionid for bv
	slotSRH      = "$srh"      // canonical signed request headers
	slotSRQ      = "$srq"      // canonical signed request query parameters
	slotEmpty    = "$empty"    // an always-empty line (trailing newline, SDK blanks)
)

// stsLayout is one string-to-sign layout: a name for explanations and the
// ordered slots joined with "\n".
type stsLayout struct {
	name  string
	slots []string
}

// Layout names the string-to-sign layout [StringToSign] uses for t, for
// example "account-2020-12-06", "blob-2018-11-09", "table-2015-04-05" or
// "udk-2026-04-06". The name is the kind of token (account, blob, file,
// queue, table, udk for a blob/DFS user delegation SAS, file-udk, queue-udk)
// followed by the service version that introduced the layout. Layout returns
// "" when no known layout fits.
func Layout(t *Token) string {
	l, err := stsSelect(t)
	if err != nil {
		return ""
	}
	return l.name
}

// StringToSign returns the exact message the storage service signs for t:
// the fields of the layout chosen by the token's kind, service and version
// (sv, compared as YYYY-MM-DD strings), joined with "\n" (sas-spec §4).
// Every field is the literal URL-decoded value of its query parameter, never
// re-formatted; absent optional fields are empty lines.
//
// For a user delegation SAS of version 2026-04-06 or later that signs
// request headers (srh), the header values are not part of the token;
// StringToSign signs them as empty. Use [StringToSignWithHeaders] to supply
// them. Values of signed query parameters (srq) are taken from the token's
// own parameters.
//
// The error is a *[SignError] wrapping [ErrUnsupportedLayout] (no known
// layout for this kind, service and version) or [ErrUnknownResource] (the
// account or the resource path is unknown).
func StringToSign(t *Token) (string, error) {
	return StringToSignWithHeaders(t, nil)
}

// StringToSignWithHeaders is [StringToSign] with the values of the request
// headers named by srh (user delegation SAS, sv ≥ 2026-04-06). headers maps
// a header name to the value the request will carry; names are matched
// exactly first, then case-insensitively. A header named in srh but missing
// from the map is signed with an empty value. headers is ignored by every
// other layout.
func StringToSignWithHeaders(t *Token, headers map[string]string) (string, error) {
	if t == nil {
		return "", &SignError{Reason: "nil token", Err: ErrUnsupportedLayout}
	}
	l, err := stsSelect(t)
	if err != nil {
		return "", err
	}
	fields := make([]string, len(l.slots))
	for i, slot := range l.slots {
		switch slot {
		case slotAccount:
			if t.Account == "" {
				return "", &SignError{Layout: l.name, Reason: "account name unknown", Err: ErrUnknownResource}
			}
			fields[i] = t.Account
		case slotResource:
			res, err := stsCanonicalResource(t, stsVersion(t), stsService(t))
			if err != nil {
				err.Layout = l.name
				return "", err
			}
			fields[i] = res
		case slotSnapshot:
			switch t.Get("sr") {
			case "bs":
				fields[i] = t.Get("snapshot")
			case "bv":
				fields[i] = t.Get("versionid")
			}
		case slotSRH:
			fields[i] = stsCanonicalHeaders(t.Get("srh"), headers)
		case slotSRQ:
			fields[i] = stsCanonicalQuery(t, t.Get("srq"))
		case slotEmpty:
		default:
			fields[i] = t.Get(slot)
		}
	}
	return strings.Join(fields, "\n"), nil
}

// Sign returns base64std(HMAC-SHA256(key, stringToSign)): the sig of a token
// whose string-to-sign is stringToSign. key is the decoded account key or
// user delegation key value (see [DecodeKey]).
func Sign(key []byte, stringToSign string) string {
	return base64.StdEncoding.EncodeToString(stsMAC(key, stringToSign))
}

func stsMAC(key []byte, stringToSign string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(stringToSign))
	return h.Sum(nil)
}

// DecodeKey decodes an account key or a user delegation key value as shown
// by the portal, the CLI or a connection string (standard base64, padding
// optional; surrounding whitespace is ignored). The error wraps [ErrBadKey]
// and never repeats the key.
func DecodeKey(b64 string) ([]byte, error) {
	s := strings.TrimSpace(b64)
	if s == "" {
		return nil, fmt.Errorf("sas: decoding key: empty: %w", ErrBadKey)
	}
	enc := base64.StdEncoding
	if !strings.HasSuffix(s, "=") && len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	k, err := enc.DecodeString(s)
	if err != nil {
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("sas: decoding key: invalid base64 at byte %d of %d: %w", int64(ce), len(s), ErrBadKey)
		}
		return nil, fmt.Errorf("sas: decoding key: %w", ErrBadKey)
	}
	return k, nil
}

// stsVersion is the version the layout is chosen by: t.Version, or sv when a
// hand-built Token left Version empty.
func stsVersion(t *Token) string {
	if t.Version != "" {
		return t.Version
	}
	return t.Get("sv")
}

func stsValidVersion(v string) bool {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if i == 4 || i == 7 {
			continue
		}
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// stsKind is t.Kind, or the kind inferred from the fields as sas-spec §1
// classifies a token when a hand-built Token left it empty.
func stsKind(t *Token) Kind {
	if t.Kind != "" {
		return t.Kind
	}
	if _, ok := t.Lookup("skoid"); ok {
		return KindUserDelegation
	}
	_, ss := t.Lookup("ss")
	_, srt := t.Lookup("srt")
	if ss && srt {
		return KindAccount
	}
	return KindService
}

// stsService is the service whose layout signs the token: DFS signs as
// blob; an unknown service is inferred from sr and tn.
func stsService(t *Token) Service {
	switch t.Service {
	case ServiceDFS:
		return ServiceBlob
	case "":
	default:
		return t.Service
	}
	if _, ok := t.Lookup("tn"); ok {
		return ServiceTable
	}
	switch t.Get("sr") {
	case "b", "c", "bs", "bv", "d":
		return ServiceBlob
	case "f", "s":
		return ServiceFile
	}
	return ""
}

// stsSelect chooses the layout (sas-spec §4.0 dispatch).
func stsSelect(t *Token) (stsLayout, error) {
	if t == nil {
		return stsLayout{}, &SignError{Reason: "nil token", Err: ErrUnsupportedLayout}
	}
	v := stsVersion(t)
	if v != "" && !stsValidVersion(v) {
		return stsLayout{}, &SignError{Reason: fmt.Sprintf("sv %q is not a YYYY-MM-DD service version", v), Err: ErrUnsupportedLayout}
	}
	kind := stsKind(t)
	svc := stsService(t)
	unsupported := func(format string, args ...any) (stsLayout, error) {
		return stsLayout{}, &SignError{Reason: fmt.Sprintf(format, args...), Err: ErrUnsupportedLayout}
	}
	rsc := []string{"rscc", "rscd", "rsce", "rscl", "rsct"}
	join := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	head := []string{"sp", "st", "se", slotResource}

	switch kind {
	case KindAccount:
		base := []string{slotAccount, "sp", "ss", "srt", "st", "se", "sip", "spr", "sv"}
		switch {
		case v >= "2020-12-06":
			return stsLayout{"account-2020-12-06", join(base, []string{"ses", slotEmpty})}, nil
		case v >= "2015-04-05":
			return stsLayout{"account-2015-04-05", join(base, []string{slotEmpty})}, nil
		}
		return unsupported("account SAS needs sv 2015-04-05 or later, got %q", v)

	case KindService:
		switch svc {
		case ServiceBlob:
			switch {
			case v >= "2020-12-06":
				return stsLayout{"blob-2020-12-06", join(head, []string{"si", "sip", "spr", "sv", "sr", slotSnapshot, "ses"}, rsc)}, nil
			case v >= "2018-11-09":
				return stsLayout{"blob-2018-11-09", join(head, []string{"si", "sip", "spr", "sv", "sr", slotSnapshot}, rsc)}, nil
			case v >= "2015-04-05":
				return stsLayout{"blob-2015-04-05", join(head, []string{"si", "sip", "spr", "sv"}, rsc)}, nil
			case v >= "2013-08-15":
				return stsLayout{"blob-2013-08-15", join(head, []string{"si", "sv"}, rsc)}, nil
			case v >= "2012-02-12":
				return stsLayout{"blob-2012-02-12", join(head, []string{"si", "sv"})}, nil
			}
			// Before 2012-02-12 a SAS carried no sv and signed none.
			return stsLayout{"blob-pre-2012-02-12", join(head, []string{"si"})}, nil
		case ServiceFile:
			switch {
			case v >= "2015-04-05":
				return stsLayout{"file-2015-04-05", join(head, []string{"si", "sip", "spr", "sv"}, rsc)}, nil
			case v >= "2015-02-21":
				return stsLayout{"file-2015-02-21", join(head, []string{"si", "sv"}, rsc)}, nil
			}
			return unsupported("file SAS needs sv 2015-02-21 or later, got %q", v)
		case ServiceQueue:
			switch {
			case v >= "2015-04-05":
				return stsLayout{"queue-2015-04-05", join(head, []string{"si", "sip", "spr", "sv"})}, nil
			case v >= "2012-02-12":
				return stsLayout{"queue-2012-02-12", join(head, []string{"si", "sv"})}, nil
			}
			return unsupported("queue SAS needs sv 2012-02-12 or later, got %q", v)
		case ServiceTable:
			keys := []string{"spk", "srk", "epk", "erk"}
			switch {
			case v >= "2015-04-05":
				return stsLayout{"table-2015-04-05", join(head, []string{"si", "sip", "spr", "sv"}, keys)}, nil
			case v >= "2012-02-12":
				return stsLayout{"table-2012-02-12", join(head, []string{"si", "sv"}, keys)}, nil
			}
			return unsupported("table SAS needs sv 2012-02-12 or later, got %q", v)
		}
		return unsupported("service SAS for unknown service %q", string(t.Service))

	case KindUserDelegation:
		key := []string{"skoid", "sktid", "skt", "ske", "sks", "skv"}
		ids := []string{"saoid", "suoid", "scid"}
		delegated := []string{"skdutid", "sduoid"}
		switch svc {
		case ServiceBlob:
			tail := []string{"sip", "spr", "sv", "sr", slotSnapshot}
			switch {
			case v >= "2026-04-06":
				return stsLayout{"udk-2026-04-06", join(head, key, ids, delegated, tail, []string{"ses", slotSRH, slotSRQ}, rsc)}, nil
			case v >= "2025-07-05":
				return stsLayout{"udk-2025-07-05", join(head, key, ids, delegated, tail, []string{"ses"}, rsc)}, nil
			case v >= "2020-12-06":
				return stsLayout{"udk-2020-12-06", join(head, key, ids, tail, []string{"ses"}, rsc)}, nil
			case v >= "2020-02-10":
				return stsLayout{"udk-2020-02-10", join(head, key, ids, tail, rsc)}, nil
			case v >= "2018-11-09":
				return stsLayout{"udk-2018-11-09", join(head, key, tail, rsc)}, nil
			}
			return unsupported("user delegation SAS needs sv 2018-11-09 or later, got %q", v)
		case ServiceFile:
			// azfile SignWithUserDelegation (sas-spec §4.7): the snapshot
			// slot is always empty; ses is signed as given (the SDK never
			// sets it).
			if v >= "2025-07-05" {
				return stsLayout{"file-udk-2025-07-05", join(head, key, ids, delegated, []string{"sip", "spr", "sv", "sr", slotEmpty, "ses"}, rsc)}, nil
			}
			return unsupported("file user delegation SAS needs sv 2025-07-05 or later, got %q", v)
		case ServiceQueue:
			// azqueue SignWithUserDelegation (sas-spec §4.7).
			if v >= "2025-07-05" {
				return stsLayout{"queue-udk-2025-07-05", join(head, key, ids, delegated, []string{"sip", "spr", "sv"})}, nil
			}
			return unsupported("queue user delegation SAS needs sv 2025-07-05 or later, got %q", v)
		}
		return unsupported("no user delegation SAS layout for service %q", string(t.Service))
	}
	return unsupported("unknown token kind %q", string(kind))
}

// stsCanonicalResource builds the canonicalized resource: "/service/account/
// path", or "/account/path" before sv 2015-02-21. The path is the signed
// resource, which can be shorter than the URL path: a container (sr=c),
// share (sr=s) or queue SAS signs only the first segment, and a directory
// SAS (sr=d) the container plus sdd directory levels, whatever object the
// URL addresses inside them. Table names are lower-cased and taken from tn.
//
// Token.CanonicalResource signs the whole URL path; this is deliberately
// narrower (see the sas-spec §4.0 notes).
func stsCanonicalResource(t *Token, version string, svc Service) (string, *SignError) {
	if t.Account == "" {
		return "", &SignError{Reason: "account name unknown (token found without its URL)", Err: ErrUnknownResource}
	}
	// A trailing '/' is kept: it belongs to the blob name ("dir/"), and so
	// does a trailing '\', which signs as '/'.
	path := strings.ReplaceAll(strings.TrimLeft(t.Path, "/"), "\\", "/")
	first, _, _ := strings.Cut(path, "/")
	switch svc {
	case ServiceTable:
		name := t.Get("tn")
		if name == "" {
			// The URL may carry key predicates: "mytable(PartitionKey='p')".
			name, _, _ = strings.Cut(first, "(")
		}
		path = strings.ToLower(name)
	case ServiceQueue:
		// ".../myqueue/messages[/id]" signs as the queue.
		path = first
	case ServiceFile:
		if t.Get("sr") == "s" {
			path = first
		}
	case ServiceBlob:
		switch t.Get("sr") {
		case "c":
			path = first
		case "d":
			if depth, err := strconv.Atoi(t.Get("sdd")); err == nil && depth >= 0 {
				segs := strings.Split(path, "/")
				if len(segs) > depth+1 {
					path = strings.Join(segs[:depth+1], "/")
				}
			}
		}
	}
	if path == "" {
		return "", &SignError{Reason: "resource path unknown (token found without its URL)", Err: ErrUnknownResource}
	}
	res := "/" + t.Account + "/" + path
	if version < "2015-02-21" {
		return res, nil
	}
	return "/" + svc.signingService() + res, nil
}

// stsCanonicalHeaders renders srh: "name:value\n" per header, in srh order.
func stsCanonicalHeaders(names string, headers map[string]string) string {
	if names == "" {
		return ""
	}
	var b strings.Builder
	for _, name := range strings.Split(names, ",") {
		v, ok := headers[name]
		if !ok {
			for k, hv := range headers {
				if strings.EqualFold(k, name) {
					v = hv
					break
				}
			}
		}
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	return b.String()
}

// stsCanonicalQuery renders srq: "\nname:value" per parameter, in srq
// order, with the values of the token's own query parameters.
func stsCanonicalQuery(t *Token, names string) string {
	if names == "" {
		return ""
	}
	var b strings.Builder
	for _, name := range strings.Split(names, ",") {
		v, ok := "", false
		for _, p := range t.Params {
			if p.Key == name {
				v, ok = p.Value, true
				break
			}
		}
		if !ok {
			v = t.Get(name)
		}
		b.WriteByte('\n')
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(v)
	}
	return b.String()
}
