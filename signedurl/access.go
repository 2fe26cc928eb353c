package signedurl

import (
	"strings"
)

// Access is what a URL was signed to do, as far as the URL shows it.
type Access string

// The accesses.
const (
	// AccessUnknown: the HTTP method is signed but not written in the URL.
	AccessUnknown Access = "unknown"
	AccessRead    Access = "read"
	AccessList    Access = "list"
	AccessWrite   Access = "write"
	AccessDelete  Access = "delete"
)

// Access infers what the URL was signed to do from what it carries, and
// says on what evidence. The method itself is never in a presigned URL;
// the evidence is the AWS SDK's x-id operation name, multipart upload
// parameters, response-* overrides (only GET honours them), list
// parameters on a bucket, and signed headers that only uploads send
// (x-amz-acl, x-amz-meta-*, content-md5, x-goog-resumable ...). A Service
// Bus token's rights come from its policy, so its access is unknown.
func (u *URL) Access() (Access, string) {
	if u.Kind == KindServiceBus {
		return AccessUnknown, ""
	}
	if op, ok := u.Lookup("x-id"); ok {
		if a := operationAccess(op); a != AccessUnknown {
			return a, "x-id=" + op
		}
	}
	if _, ok := u.Lookup("uploadId"); ok {
		return AccessWrite, "uploadId: a multipart upload"
	}
	if _, ok := u.Lookup("uploads"); ok {
		return AccessWrite, "uploads: starts a multipart upload"
	}
	for _, h := range u.SignedHeaders {
		if writeHeader(h) {
			return AccessWrite, "signed header " + h + ", which only uploads send"
		}
	}
	for _, p := range u.Params {
		if k := strings.ToLower(p.Key); strings.HasPrefix(k, "response-content-") || k == "response-cache-control" || k == "response-expires" {
			return AccessRead, p.Key + ": only a GET honours response overrides"
		}
	}
	if u.Object == "" && (u.Bucket != "" || u.AccessPoint != "") {
		for _, k := range []string{"list-type", "prefix", "delimiter", "max-keys", "continuation-token", "marker"} {
			if _, ok := u.Lookup(k); ok {
				return AccessList, k + " on a bucket"
			}
		}
	}
	return AccessUnknown, ""
}

// operationAccess classifies the S3 operation names the AWS SDKs write in
// x-id.
func operationAccess(op string) Access {
	switch {
	case strings.HasPrefix(op, "Get"), strings.HasPrefix(op, "Head"), op == "SelectObjectContent":
		return AccessRead
	case strings.HasPrefix(op, "List"):
		return AccessList
	case strings.HasPrefix(op, "Delete"), op == "AbortMultipartUpload":
		return AccessDelete
	case strings.HasPrefix(op, "Put"), strings.HasPrefix(op, "Upload"), strings.HasPrefix(op, "Create"),
		op == "CompleteMultipartUpload", op == "CopyObject", op == "RestoreObject", op == "WriteGetObjectResponse":
		return AccessWrite
	}
	return AccessUnknown
}

// writeHeader reports whether a signed header is one only uploads send.
// The SSE-C key headers and x-amz-checksum-mode also go with a GET, so they
// prove nothing.
func writeHeader(h string) bool {
	h = strings.ToLower(h)
	switch h {
	case "content-md5", "x-amz-acl", "x-amz-storage-class", "x-amz-tagging", "x-amz-copy-source",
		"x-amz-website-redirect-location", "x-amz-object-lock-mode", "x-goog-resumable", "x-goog-acl",
		"x-goog-content-length-range", "x-goog-storage-class":
		return true
	case "x-amz-checksum-mode":
		return false
	}
	if strings.HasPrefix(h, "x-amz-server-side-encryption") && !strings.Contains(h, "-customer-") {
		return true
	}
	for _, prefix := range []string{"x-amz-meta-", "x-amz-checksum-", "x-amz-grant-", "x-goog-meta-"} {
		if strings.HasPrefix(h, prefix) {
			return true
		}
	}
	return false
}
