// Package sas parses, judges, verifies and mints Azure Storage shared access
// signatures (SAS).
//
// Everything here is pure: bytes in, typed results out, no network, no
// files, no global state.
//
//   - [Parse] turns any textual form of a SAS (a URL on any endpoint and
//     cloud, an emulator URL, a bare query, a connection string, the same
//     percent-, HTML- or JSON-escaped) into a [Token] that keeps every
//     literal value, because the signature is computed over them.
//   - The Token says what it is: its [Kind] (account, service, user
//     delegation), [Service], [Resource], [Permissions] decoded per kind
//     (p is Process on a queue but Permissions on a blob) into capability
//     [Class]es, and its times.
//   - [Assess] judges it against a [Policy] at an injected time: what it can
//     do, to how much, for how long, and whether it can be taken back. Every
//     [Reason] has a stable code; the [Remediation] is specific to the kind
//     (rotate the signing key, delete the stored policy and never re-create
//     its Id, or revoke the user delegation keys).
//   - [StringToSign] rebuilds the exact message the service signs for the
//     token's kind, service and version (sv); [Sign] computes a signature;
//     [Attribute] tells which of a set of account keys (or user delegation
//     keys) signed a token.
//   - [ServiceValues] and [AccountValues] mint new tokens through the same
//     string-to-sign code that verifies them.
//
// A Token and a [Key] hold live credentials: their String, GoString and
// JSON forms redact them.
package sas
