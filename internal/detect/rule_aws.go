package detect

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/overshare/overshare/sas"
)

// AWSKeyRule finds AWS access key ids (AKIA..., ASIA..., ABIA..., ACCA...)
// and pairs each with the 40-character secret access key written near it:
// after a label (aws_secret_access_key, SecretAccessKey, secretKey, ...)
// within a few lines, or unlabelled on the same line (credentials.csv,
// constructor arguments, aws configure commands).
//
// A key id inside a presigned URL (X-Amz-Credential=, AWSAccessKeyId=) is
// left to the signed-URL rules: it is public by design there.
type AWSKeyRule struct{}

// ID implements Rule.
func (AWSKeyRule) ID() string { return "aws-access-key" }

// Anchors implements Rule.
func (AWSKeyRule) Anchors() [][]byte { return lits("AKIA", "ASIA", "ABIA", "ACCA") }

// The reason codes of the AWS rule.
const (
	ReasonAWSLongTerm  = "aws-long-term-key"
	ReasonAWSTemporary = "aws-temporary-key"
	ReasonAWSKeyIDOnly = "aws-key-id-only"
)

// AWSKeyFacts are the non-secret facts of an AWS access key.
type AWSKeyFacts struct {
	KeyID string `json:"key_id"`
	// Kind is long-term (AKIA, ACCA) or temporary (ASIA, ABIA).
	Kind string `json:"kind"`
	// HasSecret says the secret access key was found with it;
	// HasSessionToken that a session token was too.
	HasSecret       bool `json:"has_secret"`
	HasSessionToken bool `json:"has_session_token,omitempty"`
}

var (
	awsSecretLabel = regexp.MustCompile(`(?i:secret[_.-]?access[_.-]?key|secret[_.-]?key|aws[_.-]?secret)[\s"'\[\](){}:=,>|]{1,8}([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`)
	awsSession     = regexp.MustCompile(`(?i:session[_.-]?token|security[_.-]?token)`)
)

func upperDigit(c byte) bool { return 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' }

func alnum(c byte) bool { return upperDigit(c) || 'a' <= c && c <= 'z' }

// How far from a key id its secret is looked for.
const awsWindow = 800

// Find implements Rule.
func (AWSKeyRule) Find(data []byte, hits []int, ctx *Context) []Candidate {
	var ids []int
	for _, at := range hits {
		end := at + 20
		if end > len(data) || at > 0 && alnum(data[at-1]) || end < len(data) && alnum(data[end]) {
			continue
		}
		ok := true
		for _, c := range data[at+4 : end] {
			ok = ok && upperDigit(c)
		}
		if ok && !inPresignedURL(data, at) {
			ids = append(ids, at)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	secrets := newNearby(data, ids, awsWindow, awsWindow, awsSecretLabel)
	sessions := newNearby(data, ids, awsWindow, awsWindow, awsSession)
	var out []Candidate
	for _, at := range ids {
		secret := secrets.nearest(at)
		if secret == "" {
			secret = bareSecretOnLine(data, at)
		}
		c := judgeAWSKey(string(data[at:at+20]), secret, sessions.any(at))
		c.Start, c.End = at, at+20
		out = append(out, c)
	}
	applyOverrides(out, ctx.Policy)
	return out
}

// inPresignedURL says whether the key id at at is the credential of a
// presigned URL.
func inPresignedURL(data []byte, at int) bool {
	before := strings.ToLower(string(data[max(0, at-20):at]))
	return strings.HasSuffix(before, "credential=") || strings.HasSuffix(before, "credential%3d") ||
		strings.HasSuffix(before, "accesskeyid=") || strings.HasSuffix(before, "accesskeyid%3d")
}

// bareSecretOnLine finds an unlabelled secret access key on the key id's
// line, near it: a 40-character token of mixed case and digits.
func bareSecretOnLine(data []byte, at int) string {
	ls, le := max(0, at-200), min(len(data), at+220)
	if i := bytes.LastIndexByte(data[ls:at], '\n'); i >= 0 {
		ls += i + 1
	}
	if i := bytes.IndexByte(data[at:le], '\n'); i >= 0 {
		le = at + i
	}
	for i := ls; i < le; {
		if !stdBase64Byte(data[i]) {
			i++
			continue
		}
		j := i
		for j < le && stdBase64Byte(data[j]) {
			j++
		}
		if j-i == 40 && (j == len(data) || data[j] != '=') {
			if tok := string(data[i:j]); mixedCase(tok) {
				return tok
			}
		}
		i = j
	}
	return ""
}

// mixedCase says whether s has upper and lower case letters and a digit,
// as 30 random bytes in base64 do (and hex digests and words do not).
func mixedCase(s string) bool {
	var up, low, dig bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		up = up || 'A' <= c && c <= 'Z'
		low = low || 'a' <= c && c <= 'z'
		dig = dig || '0' <= c && c <= '9'
	}
	return up && low && dig
}

// judgeAWSKey judges a key id with the secret found near it ("" if none),
// and whether a session token is written near it.
func judgeAWSKey(id, secret string, session bool) Candidate {
	temporary := strings.HasPrefix(id, "ASIA") || strings.HasPrefix(id, "ABIA")
	facts := AWSKeyFacts{KeyID: id, Kind: "long-term"}
	if temporary {
		facts.Kind = "temporary"
	}
	if secret != "" && !strings.Contains(secret, "EXAMPLE") && placeholder(secret) {
		secret = ""
	}
	facts.HasSecret = secret != ""
	facts.HasSessionToken = session && secret != ""
	c := Candidate{Rule: "aws-access-key", Secret: id, Text: id}
	switch {
	case secret == "":
		c.Title = "AWS access key id " + id + " without its secret"
		c.Severity = sas.SeverityLow
		c.Reasons = []sas.Reason{{Code: ReasonAWSKeyIDOnly, Severity: sas.SeverityLow,
			Text: "an access key id alone does not authenticate, but it names the AWS account and principal, and its secret may be elsewhere (other files, history, logs)"}}
		c.Remediation = sas.Remediation{
			Summary: "look for the secret access key of " + id + " elsewhere; if it may have leaked too, deactivate the key",
			Steps: []string{
				"aws sts get-access-key-info --access-key-id " + id + " (names the account); aws iam get-access-key-last-used --access-key-id " + id + " (names the user, from that account)",
				"search the repository history, CI logs and other files for the secret",
			},
		}
	case temporary:
		c.Secret = secret
		c.Text = id + ":" + secret
		c.Title = "AWS temporary credentials " + id + " with their secret"
		c.Severity = sas.SeverityHigh
		text := "temporary (STS) credentials with their secret access key: usable until they expire (up to 36 hours) together with their session token"
		if facts.HasSessionToken {
			text += ", which is written nearby"
		} else {
			text += ", which was not found nearby"
		}
		c.Reasons = []sas.Reason{{Code: ReasonAWSTemporary, Severity: sas.SeverityHigh, Text: text}}
		c.Remediation = sas.Remediation{
			Revocation: sas.RevokeRotateKey,
			Summary:    "revoke the active sessions of the role that issued " + id + ": temporary credentials cannot be deactivated one by one",
			Steps: []string{
				"find the role: CloudTrail events with access key id " + id + " (aws sts get-access-key-info --access-key-id " + id + " names the account)",
				"revoke its sessions: IAM console, Roles, ROLE, Revoke active sessions (it attaches the AWSRevokeOlderSessions policy, denying every token issued before now)",
				"review CloudTrail for what was done with the credentials",
			},
			AlsoRevokes: "every session of that role issued before the revocation",
		}
	default:
		c.Secret = secret
		c.Text = id + ":" + secret
		c.Title = "AWS access key " + id + " with its secret"
		c.Severity = sas.SeverityCritical
		c.Reasons = []sas.Reason{{Code: ReasonAWSLongTerm, Severity: sas.SeverityCritical,
			Text: "a long-term access key with its secret: it acts as its IAM user, with every permission the user has, until the key is deactivated"}}
		c.Remediation = sas.Remediation{
			Revocation: sas.RevokeRotateKey,
			Summary:    "deactivate access key " + id + " now, then delete it",
			Steps: []string{
				"find the user: aws iam get-access-key-last-used --access-key-id " + id,
				"aws iam update-access-key --user-name USER --access-key-id " + id + " --status Inactive",
				"move its clients to a new key, or better to roles with temporary credentials (IAM Identity Center, OIDC federation for CI), then aws iam delete-access-key --user-name USER --access-key-id " + id,
				"review CloudTrail for calls made with " + id + " since it leaked",
			},
			AlsoRevokes: "every client using this key",
		}
	}
	c.Facts = facts
	if strings.HasSuffix(id, "EXAMPLE") || strings.Contains(secret, "EXAMPLE") {
		c.Remediation = sas.Remediation{Summary: "nothing to revoke: AWS's documentation example"}
		asKnownExample(&c, "AWS's documentation example credentials (the key id ends in EXAMPLE)")
	}
	return c
}
