package detect

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// awsID builds a key id with the given prefix from a seed.
func awsID(prefix, seed string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := seedBytes(seed, 16)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

// awsSecret is a 40-character secret access key from a seed.
func awsSecret(seed string) string {
	for i := 0; ; i++ {
		s := randB64(seed+strings.Repeat("'", i), 30)
		if mixedCase(s) {
			return s
		}
	}
}

func TestAWSKeyRule(t *testing.T) {
	id := awsID("AKIA", "aws-1")
	tmp := awsID("ASIA", "aws-2")
	secret := awsSecret("aws-1")
	example := "AKIA" + "IOSFODNN7" + "EXAMPLE"
	exampleSecret := "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"

	facts := func(id, kind string, secret, session bool) AWSKeyFacts {
		return AWSKeyFacts{KeyID: id, Kind: kind, HasSecret: secret, HasSessionToken: session}
	}
	const rule = "aws-access-key"
	tests := []struct {
		name string
		data string
		want []outcome
	}{
		{"credentials file", "[default]\naws_access_key_id = " + id + "\naws_secret_access_key = " + secret + "\n",
			[]outcome{{rule, "critical", ReasonAWSLongTerm, facts(id, "long-term", true, false), ""}}},
		{"env", "export AWS_ACCESS_KEY_ID=" + id + "\nexport AWS_SECRET_ACCESS_KEY=" + secret + "\n",
			[]outcome{{rule, "critical", ReasonAWSLongTerm, facts(id, "long-term", true, false), ""}}},
		{"json", `{"AccessKeyId": "` + id + `", "SecretAccessKey": "` + secret + `"}`,
			[]outcome{{rule, "critical", ReasonAWSLongTerm, facts(id, "long-term", true, false), ""}}},
		{"csv", "User name,Access key ID,Secret access key\nci," + id + "," + secret + "\n",
			[]outcome{{rule, "critical", ReasonAWSLongTerm, facts(id, "long-term", true, false), ""}}},
		{"constructor", `new BasicAWSCredentials("` + id + `", "` + secret + `");`,
			[]outcome{{rule, "critical", ReasonAWSLongTerm, facts(id, "long-term", true, false), ""}}},
		{"temporary with session token", "AWS_ACCESS_KEY_ID=" + tmp + "\nAWS_SECRET_ACCESS_KEY=" + secret + "\nAWS_SESSION_TOKEN=" + randB64("tok", 120) + "\n",
			[]outcome{{rule, "high", ReasonAWSTemporary, facts(tmp, "temporary", true, true), ""}}},
		{"temporary without session token", "aws_access_key_id=" + tmp + "\naws_secret_access_key=" + secret + "\n",
			[]outcome{{rule, "high", ReasonAWSTemporary, facts(tmp, "temporary", true, false), ""}}},
		{"ABIA is temporary", "key " + awsID("ABIA", "abia") + " secret_key: " + secret,
			[]outcome{{rule, "high", ReasonAWSTemporary, facts(awsID("ABIA", "abia"), "temporary", true, false), ""}}},
		{"ACCA is treated as long-term", "key " + awsID("ACCA", "acca") + " secret_key: " + secret,
			[]outcome{{rule, "critical", ReasonAWSLongTerm, facts(awsID("ACCA", "acca"), "long-term", true, false), ""}}},
		{"key id alone", "access key: " + id + "\n",
			[]outcome{{rule, "low", ReasonAWSKeyIDOnly, facts(id, "long-term", false, false), ""}}},
		{"hex digest on the line is not a secret", "deploy " + id + " at " + strings.Repeat("0a1b2c3d4e", 4) + "\n",
			[]outcome{{rule, "low", ReasonAWSKeyIDOnly, facts(id, "long-term", false, false), ""}}},
		{"documentation example", "aws_access_key_id = " + example + "\naws_secret_access_key = " + exampleSecret + "\n",
			[]outcome{{rule, "info", ReasonKnownExample, facts(example, "long-term", true, false), ""}}},
		{"documentation example id alone", "AWS_ACCESS_KEY_ID=" + example,
			[]outcome{{rule, "info", ReasonKnownExample, facts(example, "long-term", false, false), ""}}},

		// Not reported.
		{"presigned URL credential", "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + id + "%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=00", nil},
		{"SigV2 presigned URL", "https://b.s3.amazonaws.com/k?AWSAccessKeyId=" + id + "&Expires=1700000000&Signature=abc", nil},
		{"inside a longer word", "X" + id, nil},
		{"too long", id + "Q", nil},
		{"lower case", strings.ToLower(id), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := outcomes(runRule(t, AWSKeyRule{}, tt.data, ""))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestAWSKeyRemediation(t *testing.T) {
	id := awsID("AKIA", "rem")
	cs := runRule(t, AWSKeyRule{}, "aws_access_key_id="+id+"\naws_secret_access_key="+awsSecret("rem"), "")
	if len(cs) != 1 {
		t.Fatalf("%d candidates", len(cs))
	}
	steps := strings.Join(cs[0].Remediation.Steps, "\n")
	for _, want := range []string{
		"aws iam update-access-key --user-name USER --access-key-id " + id + " --status Inactive",
		"aws iam delete-access-key --user-name USER --access-key-id " + id,
		"CloudTrail",
	} {
		if !strings.Contains(steps, want) {
			t.Errorf("remediation lacks %q:\n%s", want, steps)
		}
	}
	if cs[0].Secret == id {
		t.Error("a paired key's secret should be the secret access key")
	}
}
