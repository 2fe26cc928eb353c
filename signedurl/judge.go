package signedurl

import (
	"fmt"
	"strings"
	"time"

	"github.com/overshare/overshare/sas"
)

// The reason codes Assess can return. Codes that mean the same as in
// package sas have the same value, so that one policy override covers
// both.
const (
	ReasonScopeObject          = sas.ReasonScopeObject // one object, or one path on a custom host
	ReasonScopeBucket          = "scope-bucket"
	ReasonScopeService         = "scope-service"   // the S3 or GCS endpoint itself: no bucket
	ReasonScopeRequest         = "scope-request"   // a presigned request to another AWS service
	ReasonScopeUnknown         = "scope-unknown"   // a bare query: bucket and object unknown
	ReasonScopeEntity          = "scope-entity"    // one Service Bus queue, topic, event hub, device ...
	ReasonScopeNamespace       = "scope-namespace" // a whole Service Bus / Event Hubs namespace or IoT hub
	ReasonMethodUnknown        = "method-unknown"
	ReasonLongLived            = sas.ReasonLongLived
	ReasonExpired              = sas.ReasonExpired
	ReasonNotYetValid          = sas.ReasonNotYetValid
	ReasonExpiresOverMaximum   = "expires-over-maximum"
	ReasonLongTermKey          = "long-term-key"
	ReasonTemporaryCredentials = "temporary-credentials"
	ReasonSignerExposed        = "signer-exposed"
	ReasonLegacySignature      = "legacy-signature"
	ReasonNamespaceRootPolicy  = "namespace-root-policy"
	ReasonKeyRegenerationOnly  = "revocable-only-by-key-regeneration"
	ReasonHTTPURL              = "http-url"
	ReasonDuplicateParameters  = sas.ReasonDuplicateParameters
)

// ReasonCodes lists every reason code Assess can return, for validating
// policy overrides.
func ReasonCodes() []string {
	return []string{
		ReasonScopeObject, ReasonScopeBucket, ReasonScopeService, ReasonScopeRequest, ReasonScopeUnknown,
		ReasonScopeEntity, ReasonScopeNamespace, ReasonMethodUnknown, ReasonLongLived, ReasonExpired,
		ReasonNotYetValid, ReasonExpiresOverMaximum, ReasonLongTermKey, ReasonTemporaryCredentials,
		ReasonSignerExposed, ReasonLegacySignature, ReasonNamespaceRootPolicy, ReasonKeyRegenerationOnly,
		ReasonHTTPURL, ReasonDuplicateParameters,
	}
}

// The ways to take a signed URL or token back, beside
// [sas.RevokeNothingExpiredAlready].
const (
	// RevokeDeactivateAccessKey: deactivate the AWS (or S3-compatible)
	// access key that signed it.
	RevokeDeactivateAccessKey sas.Revocation = "deactivate-access-key"
	// RevokeSessions: revoke the sessions of the role whose temporary
	// credentials signed it.
	RevokeSessions sas.Revocation = "revoke-sessions"
	// RevokeHMACKey: deactivate and delete the Cloud Storage HMAC key.
	RevokeHMACKey sas.Revocation = "deactivate-hmac-key"
	// RevokeServiceAccountKey: delete the service account key that signed
	// it, or remove the account's access to the bucket.
	RevokeServiceAccountKey sas.Revocation = "delete-service-account-key"
	// RevokeRegeneratePolicyKey: regenerate the key of the Service Bus,
	// Event Hubs or IoT Hub shared access policy.
	RevokeRegeneratePolicyKey sas.Revocation = "regenerate-policy-key"
)

// Assess judges a signed URL or token: what it can do, to how much, for how
// long, and whether it can be taken back, in that order (see the package
// documentation for the model). now is the clock, injected so that verdicts
// are reproducible. Of p, MaxLifetime, RequireHTTPS and Overrides apply.
func Assess(u *URL, p sas.Policy, now time.Time) sas.Assessment {
	var a sas.Assessment
	add := func(code string, sev sas.Severity, format string, args ...any) {
		if o, ok := p.Overrides[code]; ok {
			sev = o
		}
		a.Reasons = append(a.Reasons, sas.Reason{Code: code, Text: fmt.Sprintf(format, args...), Severity: sev})
	}
	worst := func() sas.Severity {
		s := sas.SeverityInfo
		for _, r := range a.Reasons {
			s = max(s, r.Severity)
		}
		return s
	}
	expired := u.Expired(now)
	left, leftKnown := u.TimeLeft(now)
	dayOrLess := leftKnown && left <= 24*time.Hour
	overMax := (u.Kind == KindAWSSigV4 || u.Kind == KindGCSV4) && u.ExpiresSeconds > maxV4Expires

	// 1. What it can do, to how much.
	level := assessScope(u, add)

	// ... raised by the credential that signed it.
	raised := raise(level)
	switch {
	case u.Kind == KindServiceBus:
		if isRootPolicy(u) {
			level = max(level, sas.SeverityHigh)
			add(ReasonNamespaceRootPolicy, level, "signed with %s, the %s's built-in policy with every right (%s): whoever holds the token acts as the owner of %s",
				u.Signer, hubWord(u), rootRights(u), scopeWords(u))
		}
	case u.SignerType == SignerAWSTemporary:
		text := "signed with temporary STS credentials (%s): the URL stops working when that session ends, which can be before its own expiry"
		if !u.SessionToken {
			text += "; it carries no X-Amz-Security-Token, so S3 rejects it as written"
		}
		add(ReasonTemporaryCredentials, sas.SeverityInfo, text, u.Signer)
	case !expired:
		sev := raised
		if dayOrLess {
			sev = level
		}
		add(ReasonLongTermKey, sev, "%s: it cannot be revoked by itself, only by %s, which also stops everything else that uses %s",
			signerWords(u), revokeWords(u), pronoun(u))
	}
	switch u.Kind {
	case KindAWSSigV2:
		add(ReasonLegacySignature, raised, "legacy AWS Signature Version 2 (HMAC-SHA1), which S3 has deprecated: its Expires is an absolute time with no 7-day cap, so it can stay valid for years")
	case KindGCSV2:
		add(ReasonLegacySignature, raised, "legacy Cloud Storage V2 signature: its Expires is an absolute time with no 7-day cap, so it can stay valid for years")
	}

	// 2. For how long.
	switch {
	case expired:
		add(ReasonExpired, sas.SeverityInfo, "expired %s (%s ago): it no longer grants access (verdict capped at low), but it still names %s",
			u.Expiry.Format(time.RFC3339), sas.HumanDuration(now.Sub(*u.Expiry)), namesWords(u))
	case overMax:
		add(ReasonExpiresOverMaximum, sas.SeverityInfo, "expires after %s, above the 7-day (604800 s) maximum of V4 signatures: S3 and Cloud Storage refuse it (verdict capped at low)",
			sas.HumanDuration(u.Lifetime))
	case leftKnown && p.MaxLifetime > 0 && left > p.MaxLifetime:
		add(ReasonLongLived, raise(worst()), "usable for another %s, until %s; policy allows at most %s",
			sas.HumanDuration(left), u.Expiry.Format(time.RFC3339), sas.HumanDuration(p.MaxLifetime))
	}
	if u.NotYetValid(now) {
		add(ReasonNotYetValid, sas.SeverityInfo, "signed at %s, after the judging time: a clock was wrong, or the URL was made to be used later", u.SignedAt.Format(time.RFC3339))
	}

	// 3. Hygiene and what else leaked.
	if u.Kind != KindServiceBus {
		if access, _ := u.Access(); access == AccessUnknown {
			add(ReasonMethodUnknown, sas.SeverityInfo, "the HTTP method is signed but not written in the URL: a GET presign reads, a PUT presign overwrites, a DELETE presign deletes; it cannot be told offline without the signing key, so it is judged as a read")
		}
	}
	if text := exposedWords(u); text != "" {
		add(ReasonSignerExposed, sas.SeverityInfo, "%s", text)
	}
	if p.RequireHTTPS && u.Scheme == "http" {
		add(ReasonHTTPURL, sas.SeverityLow, "written as a plain http:// URL: it, signature included, may have crossed networks unencrypted")
	}
	if len(u.Duplicates) > 0 {
		add(ReasonDuplicateParameters, sas.SeverityMedium, "parameters repeated: %s; servers and tools may read different values", strings.Join(u.Duplicates, ", "))
	}

	// 4. Whether it can be taken back.
	if u.Kind == KindServiceBus && !expired {
		sev := sas.SeverityMedium
		if dayOrLess {
			sev = sas.SeverityLow
		}
		add(ReasonKeyRegenerationOnly, sev, "a SAS token cannot be revoked by itself: the only way before it expires is to regenerate %s, which breaks every client using that key",
			signingKeyWords(u))
	}

	a.Severity = worst()
	if expired || overMax {
		a.Severity = min(a.Severity, sas.SeverityLow)
	}
	a.Remediation = remediate(u, expired, now)
	return a
}

func raise(s sas.Severity) sas.Severity { return min(s+1, sas.SeverityCritical) }

// assessScope adds the reason for what the credential reaches and returns
// its severity.
func assessScope(u *URL, add func(string, sas.Severity, string, ...any)) sas.Severity {
	if u.Kind == KindServiceBus {
		rights := fmt.Sprintf("with the rights of shared access policy %q", u.Signer)
		switch {
		case u.Signer == "":
			rights = "with the rights of the entity itself (the token names no policy: it was signed with the entity's or device's own key)"
		case !isRootPolicy(u):
			rights += " (some of Manage, Send and Listen: the token does not say which)"
		}
		if u.Entity == "" {
			add(ReasonScopeNamespace, sas.SeverityHigh, "token for the whole %s %s: it works on every entity in it, %s", hubWord(u), nsName(u), rights)
			return sas.SeverityHigh
		}
		add(ReasonScopeEntity, sas.SeverityMedium, "token for %s in %s %s (and anything below that path), %s", u.Entity, hubWord(u), nsName(u), rights)
		return sas.SeverityMedium
	}
	access, evidence := u.Access()
	what := accessWords(access, evidence)
	writes := access == AccessWrite || access == AccessDelete
	switch u.Resource() {
	case "object", "path":
		sev := sas.SeverityLow
		if writes {
			sev = sas.SeverityMedium
		}
		add(ReasonScopeObject, sev, "%s for %s, only this object: %s", kindWords(u), objectWords(u), what)
		return sev
	case "bucket":
		sev := sas.SeverityMedium
		if writes {
			sev = sas.SeverityHigh
		}
		add(ReasonScopeBucket, sev, "%s for %s itself, not one object (a listing of every object, or a bucket-level change): %s", kindWords(u), bucketWords(u), what)
		return sev
	case "service":
		add(ReasonScopeService, sas.SeverityMedium, "%s for the %s endpoint itself, with no bucket: for example a listing of every bucket of the account", kindWords(u), u.Host)
		return sas.SeverityMedium
	case "request":
		add(ReasonScopeRequest, sas.SeverityMedium, "presigned request for AWS service %q on %s: what it does depends on the signed request (rds-db is a database login, sts an identity check, execute-api an API call)", u.Service, endpointWords(u))
		return sas.SeverityMedium
	}
	add(ReasonScopeUnknown, sas.SeverityLow, "%s found without its URL: the bucket and object are unknown (judged as one object); %s", kindWords(u), what)
	return sas.SeverityLow
}

func isRootPolicy(u *URL) bool {
	return strings.EqualFold(u.Signer, RootPolicy) || u.Service == "iothub" && strings.EqualFold(u.Signer, IoTHubOwnerPolicy)
}

func rootRights(u *URL) string {
	if u.Service == "iothub" {
		return "registry read and write, service connect, device connect"
	}
	return "Manage, Send and Listen"
}

func hubWord(u *URL) string {
	if u.Service == "iothub" {
		return "IoT hub"
	}
	return "namespace"
}

func nsName(u *URL) string {
	if u.Namespace != "" {
		return u.Namespace
	}
	return u.Host
}

func scopeWords(u *URL) string {
	if u.Entity == "" {
		return hubWord(u) + " " + nsName(u)
	}
	return u.Entity + " in " + hubWord(u) + " " + nsName(u)
}

func signingKeyWords(u *URL) string {
	if u.Signer == "" {
		return "the entity's (or device's) own key that signed it"
	}
	return fmt.Sprintf("the key of shared access policy %q that signed it", u.Signer)
}

func accessWords(a Access, evidence string) string {
	var w string
	switch a {
	case AccessRead:
		w = "reads it"
	case AccessList:
		w = "lists it"
	case AccessWrite:
		w = "writes or overwrites it"
	case AccessDelete:
		w = "deletes it"
	default:
		return "presumably reads it (the method is not written in the URL)"
	}
	return w + " (" + evidence + ")"
}

func kindWords(u *URL) string {
	switch u.Kind {
	case KindAWSSigV4:
		return "S3 presigned URL (SigV4)"
	case KindAWSSigV2:
		return "S3 presigned URL (SigV2)"
	case KindGCSV4:
		return "Cloud Storage signed URL (V4)"
	case KindGCSV2:
		return "Cloud Storage signed URL (V2)"
	}
	return string(u.Kind)
}

func bucketWords(u *URL) string {
	switch {
	case u.Bucket != "":
		return "bucket " + u.Bucket
	case u.AccessPoint != "":
		return "access point " + u.AccessPoint
	}
	return "the bucket"
}

func objectWords(u *URL) string {
	if u.Object != "" {
		return fmt.Sprintf("object %q in %s", u.Object, bucketWords(u))
	}
	return fmt.Sprintf("path %q on %s (the bucket behind this host is unknown)", "/"+u.Path, u.Host)
}

func endpointWords(u *URL) string {
	if u.Host == "" {
		return "an unknown host"
	}
	return u.Host
}

func signerWords(u *URL) string {
	switch u.SignerType {
	case SignerAWSLongTerm:
		return "signed with " + u.Signer + ", the long-term access key of an IAM user"
	case SignerGCSHMAC:
		return "signed with Cloud Storage HMAC key " + u.Signer
	case SignerGCSServiceAccount:
		return "signed by service account " + u.Signer + " with one of its keys"
	}
	return "signed with access key " + u.Signer
}

func revokeWords(u *URL) string {
	switch u.SignerType {
	case SignerGCSHMAC:
		return "deactivating that HMAC key"
	case SignerGCSServiceAccount:
		return "deleting the signing key or removing the account's access to the bucket"
	}
	return "deactivating that key"
}

func pronoun(u *URL) string {
	if u.SignerType == SignerGCSServiceAccount {
		return "them"
	}
	return "it"
}

// exposedWords says what the signer's name gives away.
func exposedWords(u *URL) string {
	switch u.SignerType {
	case SignerAWSLongTerm, SignerAWSTemporary:
		return fmt.Sprintf("names access key id %s: not secret by itself, but 'aws sts get-access-key-info --access-key-id %s' tells anyone which AWS account it belongs to", u.Signer, u.Signer)
	case SignerGCSServiceAccount:
		if u.Project != "" {
			return fmt.Sprintf("names service account %s of project %s", u.Signer, u.Project)
		}
		return "names service account " + u.Signer
	case SignerGCSHMAC:
		return "names HMAC access id " + u.Signer
	}
	return ""
}

// namesWords lists what an expired credential still gives away.
func namesWords(u *URL) string {
	var parts []string
	switch {
	case u.Kind == KindServiceBus:
		parts = append(parts, hubWord(u)+" "+nsName(u))
		if u.Signer != "" {
			parts = append(parts, "policy "+u.Signer)
		}
	default:
		if u.Bucket != "" {
			parts = append(parts, "bucket "+u.Bucket)
		} else if u.Host != "" {
			parts = append(parts, "host "+u.Host)
		}
		parts = append(parts, "signer "+u.Signer)
	}
	return strings.Join(parts, " and ")
}
