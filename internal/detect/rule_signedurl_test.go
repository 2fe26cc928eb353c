package detect

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/overshare/overshare/sas"
	"github.com/overshare/overshare/signedurl"
)

// hexSig and b64Sig make signature-shaped values at run time.
func hexSig(seed string) string {
	h := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(h[:])
}

func b64Sig(seed string) string {
	h := sha256.Sum256([]byte(seed))
	return url.QueryEscape(base64.StdEncoding.EncodeToString(h[:]))
}

type found struct {
	Rule     string
	Severity sas.Severity
	Text     string // the matched slice of the input
}

func detectAll(t *testing.T, text string) []found {
	t.Helper()
	d := New(Options{Now: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC), Policy: sas.DefaultPolicy()})
	var out []found
	for _, c := range d.Detect([]byte(text), "") {
		out = append(out, found{c.Rule, c.Severity, text[c.Start:c.End]})
	}
	return out
}

func TestSignedURLRules(t *testing.T) {
	keyID := "AKIA" + strings.Repeat("Q", 16)
	awsV4 := "https://models.s3.us-west-2.amazonaws.com/ckpt/resnet.pt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + keyID +
		"%2F20261128%2Fus-west-2%2Fs3%2Faws4_request&X-Amz-Date=20261128T110000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=" + hexSig("v4")
	awsV2 := "https://models.s3.amazonaws.com/ckpt/resnet.pt?AWSAccessKeyId=" + keyID + "&Expires=2556057600&Signature=" + b64Sig("v2")
	gcsV4 := "https://storage.googleapis.com/models/resnet.pt?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%40proj.iam.gserviceaccount.com%2F20261128%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20261128T110000Z&X-Goog-Expires=600&X-Goog-SignedHeaders=host&X-Goog-Signature=" + hexSig("gcs")
	sb := "SharedAccessSignature sr=https%3A%2F%2Fns.servicebus.windows.net%2Forders&sig=" + b64Sig("sb") + "&se=2556057600&skn=RootManageSharedAccessKey"

	tests := []struct {
		name string
		text string
		want []found
	}{
		{"aws v4 in markdown", "[weights](" + awsV4 + ").", []found{{"aws-presigned-url", sas.SeverityLow, awsV4}}},
		{"aws v2 far future", "curl '" + awsV2 + "'", []found{{"aws-presigned-url", sas.SeverityHigh, awsV2}}},
		{"gcs v4", `"url": "` + gcsV4 + `"`, []found{{"gcs-signed-url", sas.SeverityLow, gcsV4}}},
		{"service bus root policy", "Authorization: " + sb + "\n", []found{{"azure-servicebus-sas", sas.SeverityCritical, sb}}},
		// Not signed URLs.
		{"aws url without signature", "https://models.s3.amazonaws.com/ckpt/resnet.pt", nil},
		{"header name alone", "the X-Amz-Signature header carries the signature", nil},
		{"google id alone", "GoogleAccessId= is documented here", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := detectAll(t, tt.text)
			// The AWS key id inside a presigned URL is also an aws-access-key
			// candidate when that rule sees it; keep only this file's rules.
			var mine []found
			for _, f := range got {
				if f.Rule != "aws-access-key" {
					mine = append(mine, f)
				}
			}
			if diff := cmp.Diff(tt.want, mine); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := signedurl.Parse(awsV4); err != nil {
		t.Fatalf("fixture does not parse: %v", err)
	}
}

func TestSASAcrossConcatenatedLiterals(t *testing.T) {
	sig := b64Sig("concat")
	for _, text := range []string{
		"url = (\"https://acct.blob.core.windows.net/models?sv=2020-08-04&ss=b&srt=sco\"\n       \"&sp=rwdl&se=2051-01-01&sig=" + sig + "\")\n",
		"const u = 'https://acct.blob.core.windows.net/models?sv=2020-08-04' +\n  '&ss=b&srt=sco&sp=rwdl&se=2051-01-01' + '&sig=" + sig + "';\n",
		"$u = \"https://acct.blob.core.windows.net/models?sv=2020-08-04&ss=b\" . \"&srt=sco&sp=rwdl&se=2051-01-01&sig=" + sig + "\";\n",
	} {
		got := detectAll(t, text)
		if len(got) != 1 || got[0].Rule != "azure-sas" || got[0].Severity != sas.SeverityCritical {
			t.Errorf("%q: got %+v, want one critical azure-sas", text, got)
			continue
		}
		if !strings.HasPrefix(got[0].Text, "https://acct.blob") {
			t.Errorf("%q: match starts at %q, want the URL's start", text, got[0].Text)
		}
	}
}
