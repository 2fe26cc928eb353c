// Package signedurl parses and judges the other clouds' shared-access
// signatures: AWS S3 presigned URLs (SigV4 and the legacy SigV2), Google
// Cloud Storage signed URLs (V4 and V2), and Azure Service Bus, Event Hubs
// and IoT Hub SAS tokens (SharedAccessSignature sr=...&sig=...&se=...&skn=...).
//
// It is the sibling of package [github.com/overshare/overshare/sas] and
// returns the same verdict shape, [sas.Assessment], so that a scanner can
// treat every leaked shared-access credential alike. Like sas it is pure: no
// I/O, no network, no package state.
//
// # Using it
//
// [Parse] accepts a full URL, a bare query, a Service Bus token or a Service
// Bus connection string, also when HTML-, JSON- or percent-escaped. [Assess]
// judges the result against a [sas.Policy]; [URL.Facts] gives the non-secret
// facts in the shape of the "token" object of overshare's JSON report.
// [VerifyAWSV4] and [VerifyServiceBus] check a signature offline when the
// signing key is known; [SignServiceBus] and [ServiceBusToken] make tokens.
//
// # What can and cannot be known offline
//
// A presigned URL does not say which HTTP method it was signed for: the
// method is part of the signed canonical request but is not written in the
// URL. A GET presign reads an object, a PUT presign overwrites it. Unless the
// URL carries a hint (the AWS SDK's x-id=PutObject, a multipart uploadId, a
// signed x-amz-acl header), Assess assumes a read of one object and says so
// in a reason with code [ReasonMethodUnknown]. With the secret key,
// [AWSV4Method] finds the method.
//
// Likewise a Service Bus token names its shared access policy (skn) but not
// the rights (Manage, Send, Listen) of that policy; only the namespace's
// default policy, RootManageSharedAccessKey, is known to hold all three.
//
// # Severity
//
// The model follows sas: first what the credential can do and to how much
// (one object is low, a bucket or a Service Bus entity medium, a whole
// namespace high); a long-term signing key or a legacy V2 signature raises
// that one level (unless under a day is left); a remaining lifetime above
// [sas.Policy.MaxLifetime] raises it one more; an expired credential, or a
// V4 URL whose expiry is past the 7-day maximum that servers enforce, is
// capped at low. Every reason carries a stable code (the Reason* constants)
// that [sas.Policy.Overrides] can re-grade. Of sas.Policy only MaxLifetime,
// RequireHTTPS and Overrides apply here.
//
// # Secrets
//
// A [URL] holds a live credential. Its String, GoString and MarshalJSON
// redact the signature and any session token; [URL.Signature] and
// [URL.Text] are the only accessors that reveal them, and errors never
// repeat a signature.
package signedurl
