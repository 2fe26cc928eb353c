// Overshare finds leaked shared-access credentials, Azure SAS tokens
// first, and tells what each one exposes, for how long, and how to revoke
// it.
//
// It is built around a real incident: a research repository published an
// Azure account SAS URL meant to share one folder of model files. The
// token covered the whole storage account (38 TB), allowed overwrite and
// delete, was valid until 2051, and could be revoked only by rotating the
// account key that signed it.
//
// Usage:
//
//	overshare <command> [flags] [arguments]
//
// # Commands
//
//	scan [TARGET...]
//	    Find shared-access credentials in directories, files, archives
//	    (zip, tar, 7z, gzip, bzip2, xz, zstd, nested) and git repositories
//	    (the full history of every ref, each blob read once; findings
//	    attributed to the commits that carry them, with whether they are
//	    still at HEAD), or "-" for standard input. One finding per
//	    secret, with every location. --since-commit REV scans only what
//	    later commits introduced; --baseline FILE reports only what an
//	    earlier report did not have.
//
//	baseline [TARGET...]
//	    Write the current findings to .overshare-baseline.json (or
//	    --output) for scan --baseline.
//
//	inspect TOKEN|URL|-|FILE
//	    Explain one credential offline: its kind, scope, permissions,
//	    lifetime, risk and how to revoke it. "-" reads it from standard
//	    input, which keeps it out of the shell history and process list.
//	    Given a file, explain it as a model file: every import and call
//	    site with its offset, the verdict and why.
//
//	attribute --keys-file FILE TOKEN|URL
//	    Say which account key (key1 or key2) signed a SAS, so you know
//	    which key to rotate. Keys are read from FILE, never taken from
//	    the command line, where they would land in the shell history.
//
//	verify [--endpoint HOST] [--keys-file FILE] [--blast-radius] TOKEN|URL|-
//	    Ask Azure Storage whether a SAS is live, read-only. Offline first
//	    (expired, not yet valid, and with keys a signature that matches
//	    neither key cost no request), then the least request: a list with
//	    maxresults=1 for account and container tokens, a HEAD for a blob,
//	    a peek for a queue, a one-row query for a table. The status is
//	    valid, expired, not-yet-valid, bad-signature, policy-revoked,
//	    ip-restricted, protocol-mismatch, key-auth-disabled,
//	    account-not-found, permission-mismatch, unreachable or rejected,
//	    with the HTTP status and the service's error code. --blast-radius
//	    lists what a listing token sees (containers, blobs, bytes,
//	    sensitive names), bounded by --max-list and --time-budget; it
//	    never reads a blob, except that --deep reads the first 64 bytes
//	    of up to 50 model files to say whether they are pickles. Only Azure storage hosts are contacted and
//	    private addresses are refused unless --endpoint names the host
//	    (e.g. an Azurite emulator); redirects are never followed. Exit 0
//	    whatever the status, 2 for usage errors and refused hosts, 3 when
//	    the service is unreachable.
//
//	verify --policies --account-url URL --keys-file FILE [--endpoint HOST]
//	    Audit an account's stored access policies: list every container
//	    and its policies (permissions, start, expiry) and judge each like
//	    a token: no expiry high, write/add/create medium, delete high, an
//	    expiry beyond the policy maximum one level up, expired info. It
//	    reads only (List Containers, Get Container ACL, with the key).
//
//	mint --account-url URL --keys-file FILE --container C [--blob B] --permissions LETTERS [--expires 1h] [--ip RANGE]
//	    Mint a least-privilege service SAS: one container or blob, https
//	    only, the permissions given, default 1h (over 7 days refused
//	    unless --force), bound to a new stored access policy (Id os- and
//	    12 hex digits) that mint adds to the container by read-modify-write
//	    of its ACL, keeping the other policies and the public access
//	    level; a sixth policy is refused. The token carries si and no
//	    sp/st/se. Prints the URL and how to revoke it; --format json:
//	    {"url", "policy", "expiry", ...}. --allow-http (only with
//	    --endpoint) is for the Azurite emulator, which serves http only.
//	    --account-sas mints an account SAS for the blob service instead,
//	    offline, only when .overshare.toml sets allow_account_sas, and
//	    says that revoking it early means rotating the signing key.
//
//	revoke --keys-file FILE [--execute] [--inventory REPORT.json] TOKEN|URL|-
//	    Say what revoking a SAS takes and what else it breaks: for a
//	    policy-bound token, deleting its policy (--execute deletes exactly
//	    that policy, keeping the others; never re-create the same Id); for
//	    a key-signed token, the key that signed it, the
//	    "az storage account keys renew" command, and from --inventory (a
//	    JSON scan report) the other live key-signed tokens of the account
//	    that rotation may kill; for a user delegation token,
//	    "az storage account revoke-delegation-keys". --format json:
//	    kind, action, signed_with, commands, also_revokes, executed.
//
//	version
//	    Print the version of overshare and of the Go toolchain that built
//	    it. With --format json: {"tool": {"name": "overshare", "version": ...}}.
//
//	help [COMMAND]
//	    Show help for overshare or for one command. "overshare COMMAND -h"
//	    does the same.
//
// # Common flags
//
// These apply to every command and may appear before or after it.
//
//	--format FORMAT     report format: text (default), json, jsonl, sarif
//	                    (2.1.0, for GitHub code scanning) or markdown (for a
//	                    pull-request comment). inspect, attribute,
//	                    verify, mint, revoke and version print text or json only.
//	--output FILE       write the report to FILE instead of standard output.
//	--config FILE       settings file (TOML) instead of .overshare.toml;
//	                    see "Configuration" below.
//	--fail-on SEVERITY  exit 1 when a finding is at or above SEVERITY:
//	                    info, low, medium, high (default) or critical.
//	--show-secrets      print credentials in full; by default only a
//	                    redacted preview and a SHA-256 are shown.
//	--progress WHEN     progress on standard error: auto (default: if it
//	                    is a terminal), always or never.
//	-q, --quiet         print nothing on standard error except errors.
//
// Standard output carries only the report. Errors go to standard error as
// "overshare: error: ...", followed by "overshare: hint: ..." where a hint
// helps.
//
// # Exit codes
//
//	0  nothing at or above --fail-on
//	1  findings at or above --fail-on
//	2  usage or configuration error
//	3  the run could not finish or some inputs could not be read
//	   (and nothing reached --fail-on)
//
// Findings outrank an incomplete run: a CI gate fails with 1 on a leaked
// credential even when another input could not be read.
//
// # Configuration
//
// .overshare.toml at the first target's root (scan) or in the current
// directory (inspect), or the file given with --config. Every key is
// checked; an unknown one is an error.
//
//	[policy]
//	max_lifetime = "7d"
//	allow_account_sas = false
//	require_https = true
//	require_ip_range = false
//	forbidden_permissions = ["permanent-delete"]
//	[policy.severity]
//	no-ip-restriction = "info"
//	[ignore]
//	paths = ["testdata/**"]
//	fingerprints = ["0123456789abcdef"]
//	[rules]
//	disabled = ["aws-access-key"]
//	[pickle]
//	allow = ["mylab.config.Settings"]
//
// A line that contains "overshare:allow" is never reported.
//
// # Examples
//
// Scan a repository, its whole history included, for GitHub code scanning:
//
//	overshare scan --format sarif --output overshare.sarif .
//
// Explain a SAS URL found in a chat log, reading it from standard input:
//
//	printf '%s' "$SAS_URL" | overshare inspect -
//
// The same as JSON, for a ticket or a script:
//
//	overshare inspect --format json "$SAS_URL" > sas.json
//
// Find out which account key to rotate:
//
//	overshare attribute --keys-file keys.txt "$SAS_URL"
//
// Ask the service whether a leaked token still works, and what it exposes:
//
//	overshare verify --blast-radius --format json "$SAS_URL"
//
// Check the version in a bug report:
//
//	overshare version --format json
package main
