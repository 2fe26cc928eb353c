package sas

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// mintDefaultVersion is the sv used when a caller leaves Version empty. It is
// the version of the known-answer vectors (sas-spec §5), accepted by real
// Azure and by Azurite 3.37.0 without --skipApiVersionCheck.
const mintDefaultVersion = "2025-11-05"

// mintMinVersion is the oldest version minted: older layouts carry no spr
// or sip and are for judging found tokens only (sas-spec §4.5).
const mintMinVersion = "2015-04-05"

// MintError reports a signing value that cannot be minted. It wraps
// [ErrMissingField], [ErrBadValue] or [ErrUnsupportedLayout].
type MintError struct {
	Field  string // the query parameter or struct field at fault
	Reason string
	Err    error
}

func (e *MintError) Error() string {
	return fmt.Sprintf("sas: mint: %s: %s", e.Field, e.Reason)
}

func (e *MintError) Unwrap() error { return e.Err }

func mintErr(field string, sentinel error, format string, args ...any) *MintError {
	return &MintError{Field: field, Reason: fmt.Sprintf(format, args...), Err: sentinel}
}

// ServiceValues are the signing values of a service SAS for one container,
// blob, blob snapshot, blob version, directory, share, file, queue or table.
//
// Every string is signed exactly as given: times are formatted by the
// caller (for example "2030-01-01T00:00:00Z") and never re-formatted, and
// Permissions is signed in the order written (mint in the documented order,
// see [ParsePermissions]).
type ServiceValues struct {
	// Version is sv; empty means 2025-11-05. Versions before 2015-04-05 are
	// refused.
	Version string
	// Permissions (sp), Start (st), Expiry (se), IPRange (sip: "a.b.c.d" or
	// "a.b.c.d-e.f.g.h"), Protocol (spr: "https" or "https,http") and
	// Identifier (si, a stored access policy). Permissions and Expiry may be
	// empty only when Identifier names a policy that supplies them.
	Permissions, Start, Expiry, IPRange, Protocol, Identifier string
	// EncryptionScope (ses) is signed by blob SAS from 2020-12-06 on.
	EncryptionScope string
	// Response header overrides (rscc, rscd, rsce, rscl, rsct); blob and
	// file only.
	CacheControl, ContentDisposition, ContentEncoding, ContentLanguage, ContentType string

	Service Service
	Account string
	// Path is the resource path inside the account, without a leading
	// slash: "container", "container/dir/blob.txt", "share/file", "queue".
	// For a table it may be empty when TableName is set.
	Path string
	// Resource is what the SAS is scoped to; empty means: snapshot when
	// Snapshot is set, version when VersionID is set, else container, share,
	// queue or table for a one-segment Path and blob or file for a longer
	// one.
	Resource Resource
	// Snapshot (the snapshot query parameter) and VersionID (versionid) name
	// the blob snapshot or version of a ResourceSnapshot or ResourceVersion
	// SAS; they are signed and included in the query.
	Snapshot, VersionID string
	// TableName (tn) and the table key range (spk, srk, epk, erk); table only.
	TableName, StartPK, StartRK, EndPK, EndRK string
}

// AccountValues are the signing values of an account SAS. Every string is
// signed exactly as given, as for [ServiceValues].
type AccountValues struct {
	// Version is sv; empty means 2025-11-05. Versions before 2015-04-05 are
	// refused.
	Version string
	// Services (ss: letters of b, f, q, t), ResourceTypes (srt: letters of
	// s, c, o), Permissions (sp), Start (st), Expiry (se), IPRange (sip),
	// Protocol (spr) and EncryptionScope (ses, sv ≥ 2020-12-06).
	Services, ResourceTypes, Permissions, Start, Expiry, IPRange, Protocol, EncryptionScope string
	Account                                                                                 string
}

// Sign signs the values with key (a decoded account key, see [DecodeKey])
// and returns the SAS query string, without a leading "?". Values are
// escaped as url.Values.Encode escapes them (so Parse and url.ParseQuery
// read them back), parameters come in a fixed order (sv, ss, srt, sp, st,
// se, sip, spr, ses) with empty ones left out, and sig is last.
//
// The signature is computed by [StringToSign] over a [Token] built from the
// values, so minting and verifying share one code path.
func (v AccountValues) Sign(key []byte) (string, error) {
	version, err := mintVersion(v.Version)
	if err != nil {
		return "", err
	}
	switch {
	case v.Account == "":
		return "", mintErr("account", ErrMissingField, "the account name is required")
	case v.Services == "":
		return "", mintErr("ss", ErrMissingField, "an account SAS needs services (ss)")
	case v.ResourceTypes == "":
		return "", mintErr("srt", ErrMissingField, "an account SAS needs resource types (srt)")
	case v.Permissions == "":
		return "", mintErr("sp", ErrMissingField, "an account SAS needs permissions (sp)")
	case v.Expiry == "":
		return "", mintErr("se", ErrMissingField, "an account SAS needs an expiry (se)")
	}
	if strings.Trim(v.Services, "bfqt") != "" {
		return "", mintErr("ss", ErrBadValue, "%q: want letters of b, f, q, t", v.Services)
	}
	if strings.Trim(v.ResourceTypes, "sco") != "" {
		return "", mintErr("srt", ErrBadValue, "%q: want letters of s, c, o", v.ResourceTypes)
	}
	if err := mintCheckCommon(version, v.Protocol, v.EncryptionScope, true); err != nil {
		return "", err
	}
	t := &Token{Kind: KindAccount, Resource: ResourceAccount, Version: version, Account: v.Account}
	mintAdd(t, "sv", version)
	mintAdd(t, "ss", v.Services)
	mintAdd(t, "srt", v.ResourceTypes)
	mintAdd(t, "sp", v.Permissions)
	mintAdd(t, "st", v.Start)
	mintAdd(t, "se", v.Expiry)
	mintAdd(t, "sip", v.IPRange)
	mintAdd(t, "spr", v.Protocol)
	mintAdd(t, "ses", v.EncryptionScope)
	return mintFinish(t, key)
}

// Sign signs the values with key (a decoded account key, see [DecodeKey])
// and returns the SAS query string, without a leading "?". Values are
// escaped as url.Values.Encode escapes them, parameters come in a fixed
// order (sv, tn, sr, sdd, snapshot or versionid, sp, st, se, sip, spr, si,
// ses, rscc, rscd, rsce, rscl, rsct, spk, srk, epk, erk) with empty ones
// left out, and sig is last. For a snapshot or version SAS the query
// includes snapshot= or versionid=, so appending it to the blob URL
// addresses the right object.
//
// The signature is computed by [StringToSign] over a [Token] built from the
// values, so minting and verifying share one code path.
func (v ServiceValues) Sign(key []byte) (string, error) {
	t, err := v.token()
	if err != nil {
		return "", err
	}
	return mintFinish(t, key)
}

func (v ServiceValues) token() (*Token, error) {
	version, err := mintVersion(v.Version)
	if err != nil {
		return nil, err
	}
	if v.Account == "" {
		return nil, mintErr("account", ErrMissingField, "the account name is required")
	}
	if v.Identifier == "" && (v.Permissions == "" || v.Expiry == "") {
		return nil, mintErr("sp/se", ErrMissingField, "permissions and expiry are required unless a stored access policy (si) supplies them")
	}
	svc := v.Service
	switch svc {
	case ServiceBlob, ServiceDFS, ServiceFile, ServiceQueue, ServiceTable:
	default:
		return nil, mintErr("service", ErrBadValue, "%q: want blob, dfs, file, queue or table", string(svc))
	}
	isBlob := svc == ServiceBlob || svc == ServiceDFS
	if err := mintCheckCommon(version, v.Protocol, v.EncryptionScope, isBlob); err != nil {
		return nil, err
	}
	path := strings.Trim(v.Path, "/")
	if svc == ServiceTable {
		if v.TableName == "" && path == "" {
			return nil, mintErr("tn", ErrMissingField, "a table SAS needs the table name")
		}
		if path == "" {
			path = v.TableName
		}
	} else if path == "" {
		return nil, mintErr("path", ErrMissingField, "the resource path is required")
	}
	segments := len(strings.Split(path, "/"))

	res := v.Resource
	if res == "" {
		res = mintInferResource(svc, segments, v.Snapshot, v.VersionID)
	}
	sr, ok := mintResourceCode(svc, res)
	if !ok {
		return nil, mintErr("resource", ErrBadValue, "resource %q does not exist on service %q", string(res), string(svc))
	}
	switch res {
	case ResourceContainer, ResourceShare, ResourceQueue:
		if segments != 1 {
			return nil, mintErr("path", ErrBadValue, "a %s SAS names one path segment, got %q", res, path)
		}
	case ResourceBlob, ResourceSnapshot, ResourceVersion, ResourceDirectory, ResourceFile:
		if segments < 2 {
			return nil, mintErr("path", ErrBadValue, "a %s SAS needs the container or share and a name, got %q", res, path)
		}
	}
	if (res == ResourceSnapshot) != (v.Snapshot != "") {
		return nil, mintErr("snapshot", ErrBadValue, "Snapshot is set exactly for a snapshot SAS")
	}
	if (res == ResourceVersion) != (v.VersionID != "") {
		return nil, mintErr("versionid", ErrBadValue, "VersionID is set exactly for a version SAS")
	}
	for _, need := range []struct {
		res     Resource
		version string
	}{{ResourceSnapshot, "2018-11-09"}, {ResourceVersion, "2019-10-10"}, {ResourceDirectory, "2020-02-10"}} {
		if res == need.res && version < need.version {
			return nil, mintErr("sv", ErrBadValue, "a %s SAS needs sv %s or later, got %s", res, need.version, version)
		}
	}
	if !isBlob && svc != ServiceFile {
		if v.CacheControl+v.ContentDisposition+v.ContentEncoding+v.ContentLanguage+v.ContentType != "" {
			return nil, mintErr("rscc", ErrBadValue, "response header overrides are signed only by blob and file SAS")
		}
	}
	if svc != ServiceTable && v.TableName+v.StartPK+v.StartRK+v.EndPK+v.EndRK != "" {
		return nil, mintErr("tn", ErrBadValue, "table name and key ranges belong to a table SAS")
	}

	t := &Token{Kind: KindService, Service: svc, Resource: res, Version: version, Account: v.Account, Path: path}
	mintAdd(t, "sv", version)
	if svc == ServiceTable {
		tn := v.TableName
		if tn == "" {
			tn = path
		}
		mintAdd(t, "tn", tn)
	}
	mintAdd(t, "sr", sr)
	if res == ResourceDirectory {
		mintAdd(t, "sdd", strconv.Itoa(segments-1))
	}
	mintAdd(t, "snapshot", v.Snapshot)
	mintAdd(t, "versionid", v.VersionID)
	mintAdd(t, "sp", v.Permissions)
	mintAdd(t, "st", v.Start)
	mintAdd(t, "se", v.Expiry)
	mintAdd(t, "sip", v.IPRange)
	mintAdd(t, "spr", v.Protocol)
	mintAdd(t, "si", v.Identifier)
	mintAdd(t, "ses", v.EncryptionScope)
	mintAdd(t, "rscc", v.CacheControl)
	mintAdd(t, "rscd", v.ContentDisposition)
	mintAdd(t, "rsce", v.ContentEncoding)
	mintAdd(t, "rscl", v.ContentLanguage)
	mintAdd(t, "rsct", v.ContentType)
	mintAdd(t, "spk", v.StartPK)
	mintAdd(t, "srk", v.StartRK)
	mintAdd(t, "epk", v.EndPK)
	mintAdd(t, "erk", v.EndRK)
	return t, nil
}

func mintVersion(v string) (string, error) {
	if v == "" {
		return mintDefaultVersion, nil
	}
	if !stsValidVersion(v) {
		return "", mintErr("sv", ErrBadValue, "%q is not a YYYY-MM-DD service version", v)
	}
	if v < mintMinVersion {
		return "", mintErr("sv", ErrUnsupportedLayout, "minting sv %s is refused: layouts before %s are for judging found tokens only", v, mintMinVersion)
	}
	return v, nil
}

func mintCheckCommon(version, protocol, scope string, scopeSigned bool) error {
	switch protocol {
	case "", "https", "https,http":
	default:
		return mintErr("spr", ErrBadValue, `%q: want "https" or "https,http"`, protocol)
	}
	if scope != "" {
		if !scopeSigned {
			return mintErr("ses", ErrBadValue, "an encryption scope is signed only by blob and account SAS")
		}
		if version < "2020-12-06" {
			return mintErr("ses", ErrBadValue, "an encryption scope needs sv 2020-12-06 or later, got %s", version)
		}
	}
	return nil
}

func mintInferResource(svc Service, segments int, snapshot, versionID string) Resource {
	switch svc {
	case ServiceBlob, ServiceDFS:
		switch {
		case snapshot != "":
			return ResourceSnapshot
		case versionID != "":
			return ResourceVersion
		case segments == 1:
			return ResourceContainer
		}
		return ResourceBlob
	case ServiceFile:
		if segments == 1 {
			return ResourceShare
		}
		return ResourceFile
	case ServiceQueue:
		return ResourceQueue
	case ServiceTable:
		return ResourceTable
	}
	return ""
}

// mintResourceCode is the sr value for a resource on a service ("" for
// queue and table, which carry no sr).
func mintResourceCode(svc Service, res Resource) (string, bool) {
	switch svc {
	case ServiceBlob, ServiceDFS:
		code, ok := map[Resource]string{ResourceContainer: "c", ResourceBlob: "b", ResourceSnapshot: "bs", ResourceVersion: "bv", ResourceDirectory: "d"}[res]
		return code, ok
	case ServiceFile:
		code, ok := map[Resource]string{ResourceShare: "s", ResourceFile: "f"}[res]
		return code, ok
	case ServiceQueue:
		return "", res == ResourceQueue
	case ServiceTable:
		return "", res == ResourceTable
	}
	return "", false
}

// mintAdd appends a parameter unless its value is empty.
func mintAdd(t *Token, key, value string) {
	if value == "" {
		return
	}
	t.Params = append(t.Params, Param{Key: key, Raw: url.QueryEscape(value), Value: value})
}

func mintFinish(t *Token, key []byte) (string, error) {
	sts, err := StringToSign(t)
	if err != nil {
		return "", err
	}
	sig := Sign(key, sts)
	t.Params = append(t.Params, Param{Key: "sig", Raw: url.QueryEscape(sig), Value: sig})
	var b strings.Builder
	for i, p := range t.Params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.Key + "=" + p.Raw)
	}
	return b.String(), nil
}
