package signedurl

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/overshare/overshare/sas"
)

func defaultPolicy() sas.Policy { return sas.DefaultPolicy() }

// verdict is the comparable part of an Assessment: the severity, each
// reason as "code:severity", and the revocation.
type verdict struct {
	Severity   sas.Severity
	Reasons    []string
	Revocation sas.Revocation
}

func verdictOf(a sas.Assessment) verdict {
	v := verdict{Severity: a.Severity, Revocation: a.Remediation.Revocation}
	for _, r := range a.Reasons {
		v.Reasons = append(v.Reasons, r.Code+":"+r.Severity.String())
	}
	return v
}

func TestAssess(t *testing.T) {
	const (
		signedAt = "2024-01-01T00:00:00Z"
		halfHour = "2024-01-01T00:30:00Z"
	)
	week := strings.Replace(v4query("us-east-1"), "X-Amz-Expires=3600", "X-Amz-Expires=604800", 1)
	sbTok := func(sr, skn, se string) string {
		return "SharedAccessSignature sr=" + sr + "&sig=B64SB&se=" + se + "&skn=" + skn
	}
	tests := []struct {
		name   string
		in     string
		now    string
		policy func(*sas.Policy)
		want   verdict
		steps  []string // substrings the remediation must contain
	}{
		{name: "SigV4 long-term key, one object, half an hour left",
			in: "https://b.s3.amazonaws.com/k.txt?" + v4query("us-east-1"), now: halfHour,
			want: verdict{sas.SeverityLow, []string{"scope-object:low", "long-term-key:low", "method-unknown:info", "signer-exposed:info"}, RevokeDeactivateAccessKey},
			steps: []string{
				"aws iam get-access-key-last-used --access-key-id " + longKeyID(),
				"aws iam update-access-key --access-key-id " + longKeyID() + " --status Inactive --user-name USER",
				"s3:authType is REST-QUERY-STRING",
			}},
		{name: "SigV4 long-term key, one object, seven days left",
			in: "https://b.s3.amazonaws.com/k.txt?" + week, now: signedAt,
			want: verdict{sas.SeverityMedium, []string{"scope-object:low", "long-term-key:medium", "method-unknown:info", "signer-exposed:info"}, RevokeDeactivateAccessKey}},
		{name: "SigV4 PUT (x-id), seven days",
			in: "https://b.s3.amazonaws.com/k.txt?x-id=PutObject&" + week, now: signedAt,
			want: verdict{sas.SeverityHigh, []string{"scope-object:medium", "long-term-key:high", "signer-exposed:info"}, RevokeDeactivateAccessKey}},
		{name: "SigV4 bucket listing, seven days",
			in: "https://s3.amazonaws.com/b?list-type=2&prefix=&" + week, now: signedAt,
			want: verdict{sas.SeverityHigh, []string{"scope-bucket:medium", "long-term-key:high", "signer-exposed:info"}, RevokeDeactivateAccessKey}},
		{name: "SigV4 temporary credentials",
			in: "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDT%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=43200&X-Amz-Security-Token=STOKEN&X-Amz-SignedHeaders=host&X-Amz-Signature=HEX64", now: halfHour,
			want: verdict{sas.SeverityLow, []string{"scope-object:low", "temporary-credentials:info", "method-unknown:info", "signer-exposed:info"}, RevokeSessions},
			steps: []string{
				"aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=" + tempKeyID(),
				`"aws:TokenIssueTime":"2024-01-01T00:30:00Z"`,
				"aws iam put-role-policy --role-name ROLE --policy-name AWSRevokeOlderSessions",
			}},
		{name: "SigV4 expired",
			in: "https://b.s3.amazonaws.com/k.txt?x-id=PutObject&" + week, now: "2024-03-01T00:00:00Z",
			want:  verdict{sas.SeverityLow, []string{"scope-object:medium", "expired:info", "signer-exposed:info"}, sas.RevokeNothingExpiredAlready},
			steps: []string{"bucket b and signer " + longKeyID()}},
		{name: "SigV4 expires past the 7-day maximum",
			in: "https://b.s3.amazonaws.com/k.txt?" + strings.Replace(v4query("us-east-1"), "X-Amz-Expires=3600", "X-Amz-Expires=31536000", 1), now: halfHour,
			want: verdict{sas.SeverityLow, []string{"scope-object:low", "long-term-key:medium", "expires-over-maximum:info", "method-unknown:info", "signer-exposed:info"}, RevokeDeactivateAccessKey}},
		{name: "SigV4 over http, repeated parameter, signed in the future",
			in: "http://b.s3.amazonaws.com/k.txt?" + strings.Replace(v4query("us-east-1"), "X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=host&x-amz-signedheaders=host", 1), now: "2023-12-31T00:00:00Z",
			want: verdict{sas.SeverityMedium, []string{"scope-object:low", "long-term-key:medium", "not-yet-valid:info", "method-unknown:info", "signer-exposed:info", "http-url:low", "duplicate-parameters:medium"}, RevokeDeactivateAccessKey}},
		{name: "SigV4 judged against a 10-minute policy",
			in: "https://b.s3.amazonaws.com/k.txt?" + v4query("us-east-1"), now: halfHour,
			policy: func(p *sas.Policy) { p.MaxLifetime = 10 * time.Minute },
			want:   verdict{sas.SeverityMedium, []string{"scope-object:low", "long-term-key:low", "long-lived:medium", "method-unknown:info", "signer-exposed:info"}, RevokeDeactivateAccessKey}},
		{name: "policy override",
			in: "https://b.s3.amazonaws.com/k.txt?" + v4query("us-east-1"), now: halfHour,
			policy: func(p *sas.Policy) { p.Overrides = map[string]sas.Severity{ReasonMethodUnknown: sas.SeverityHigh} },
			want:   verdict{sas.SeverityHigh, []string{"scope-object:low", "long-term-key:low", "method-unknown:high", "signer-exposed:info"}, RevokeDeactivateAccessKey}},
		{name: "RDS IAM token",
			in: "mydb.c9akciq32.rds.us-east-1.amazonaws.com:5432/?Action=connect&DBUser=app&" + strings.Replace(v4query("us-east-1"), "s3%2F", "rds-db%2F", 1), now: halfHour,
			want: verdict{sas.SeverityMedium, []string{"scope-request:medium", "long-term-key:medium", "method-unknown:info", "signer-exposed:info"}, RevokeDeactivateAccessKey}},
		{name: "S3-compatible service",
			in: "https://minio.internal:9000/b/k?" + strings.Replace(week, "AKIDL", "minioadmin", 1), now: signedAt,
			want:  verdict{sas.SeverityMedium, []string{"scope-object:low", "long-term-key:medium", "method-unknown:info"}, RevokeDeactivateAccessKey},
			steps: []string{"mc admin user svcacct disable ALIAS minioadmin"}},
		{name: "SigV2 valid until 2050",
			in: "https://legacy.s3.amazonaws.com/backup.tar?AWSAccessKeyId=AKIDL&Expires=2524608000&Signature=B64V2", now: signedAt,
			want: verdict{sas.SeverityHigh, []string{"scope-object:low", "long-term-key:medium", "legacy-signature:medium", "long-lived:high", "method-unknown:info", "signer-exposed:info"}, RevokeDeactivateAccessKey}},
		{name: "GCS V4 service account, seven days",
			in: "https://storage.googleapis.com/my-bucket/data.csv?" + strings.Replace(goog4q, "SIGNER", "sa%40p.iam.gserviceaccount.com", 1), now: signedAt,
			want: verdict{sas.SeverityMedium, []string{"scope-object:low", "long-term-key:medium", "method-unknown:info", "signer-exposed:info"}, RevokeServiceAccountKey},
			steps: []string{
				"gcloud iam service-accounts keys list --iam-account sa@p.iam.gserviceaccount.com --managed-by user",
				"gcloud iam service-accounts keys delete KEY_ID --iam-account sa@p.iam.gserviceaccount.com",
				"gcloud storage buckets remove-iam-policy-binding gs://my-bucket --member=serviceAccount:sa@p.iam.gserviceaccount.com",
			}},
		{name: "GCS V4 HMAC resumable upload",
			in: "https://b.storage.googleapis.com/o?" + strings.NewReplacer("SIGNER", "HMACID", "GOOG4-RSA-SHA256", "GOOG4-HMAC-SHA256", "HEX512", "HEX64", "SignedHeaders=host", "SignedHeaders=host%3Bx-goog-resumable").Replace(goog4q), now: "2024-01-07T12:00:00Z",
			want:  verdict{sas.SeverityMedium, []string{"scope-object:medium", "long-term-key:medium", "signer-exposed:info"}, RevokeHMACKey},
			steps: []string{"gcloud storage hmac update " + hmacID() + " --deactivate", "gcloud storage hmac delete " + hmacID()}},
		{name: "GCS V2 valid until 2030",
			in: "https://storage.googleapis.com/b/report.pdf?GoogleAccessId=my-app%40appspot.gserviceaccount.com&Expires=1893456000&Signature=B64SB", now: signedAt,
			want: verdict{sas.SeverityHigh, []string{"scope-object:low", "long-term-key:medium", "legacy-signature:medium", "long-lived:high", "method-unknown:info", "signer-exposed:info"}, RevokeServiceAccountKey}},
		{name: "Service Bus root policy, whole namespace, until 2030",
			in: sbTok("sb%3a%2f%2fmyns.servicebus.windows.net%2f", RootPolicy, "1893456000"), now: signedAt,
			want: verdict{sas.SeverityCritical, []string{"scope-namespace:high", "namespace-root-policy:high", "long-lived:critical", "revocable-only-by-key-regeneration:medium"}, RevokeRegeneratePolicyKey},
			steps: []string{
				"az servicebus namespace authorization-rule keys renew --resource-group RG --namespace-name myns --name RootManageSharedAccessKey --key PrimaryKey",
				"az eventhubs namespace authorization-rule keys renew --resource-group RG --namespace-name myns --name RootManageSharedAccessKey --key PrimaryKey",
				"--disable-local-auth true",
			}},
		{name: "Service Bus root policy, one queue, one hour",
			in: sbTok("https%3A%2F%2Fmyns.servicebus.windows.net%2Forders", RootPolicy, "1704070800"), now: signedAt,
			want:  verdict{sas.SeverityHigh, []string{"scope-entity:medium", "namespace-root-policy:high", "revocable-only-by-key-regeneration:low"}, RevokeRegeneratePolicyKey},
			steps: []string{"--queue-name orders --name RootManageSharedAccessKey --key PrimaryKey"}},
		{name: "Service Bus send policy, one queue, one hour",
			in: sbTok("https%3A%2F%2Fmyns.servicebus.windows.net%2Forders", "send", "1704070800"), now: signedAt,
			want: verdict{sas.SeverityMedium, []string{"scope-entity:medium", "revocable-only-by-key-regeneration:low"}, RevokeRegeneratePolicyKey}},
		{name: "Service Bus send policy, whole namespace, one year",
			in: sbTok("https%3A%2F%2Fmyns.servicebus.windows.net%2F", "send", "1735689600"), now: signedAt,
			want: verdict{sas.SeverityCritical, []string{"scope-namespace:high", "long-lived:critical", "revocable-only-by-key-regeneration:medium"}, RevokeRegeneratePolicyKey}},
		{name: "Service Bus expired",
			in: sbTok("https%3A%2F%2Fmyns.servicebus.windows.net%2F", RootPolicy, "1704070800"), now: "2025-01-01T00:00:00Z",
			want:  verdict{sas.SeverityLow, []string{"scope-namespace:high", "namespace-root-policy:high", "expired:info"}, sas.RevokeNothingExpiredAlready},
			steps: []string{"namespace myns and policy RootManageSharedAccessKey"}},
		{name: "IoT Hub device token",
			in: "SharedAccessSignature sr=myhub.azure-devices.net%2Fdevices%2Fdev1&sig=B64SB&se=1704070800", now: signedAt,
			want:  verdict{sas.SeverityMedium, []string{"scope-entity:medium", "revocable-only-by-key-regeneration:low"}, RevokeRegeneratePolicyKey},
			steps: []string{"az iot hub device-identity renew-key --hub-name myhub --device-id dev1 --key-type primary"}},
		{name: "IoT Hub owner policy",
			in: sbTok("myhub.azure-devices.net", "iothubowner", "1704070800"), now: signedAt,
			want:  verdict{sas.SeverityHigh, []string{"scope-namespace:high", "namespace-root-policy:high", "revocable-only-by-key-regeneration:low"}, RevokeRegeneratePolicyKey},
			steps: []string{"az iot hub policy renew-key --hub-name myhub --name iothubowner --renew-key primary"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := mustParse(t, fill(tc.in))
			p := defaultPolicy()
			if tc.policy != nil {
				tc.policy(&p)
			}
			a := Assess(u, p, ts(t, tc.now))
			if diff := cmp.Diff(tc.want, verdictOf(a)); diff != "" {
				t.Errorf("(-want +got):\n%s\nreasons:\n%s", diff, reasonTexts(a))
			}
			all := a.Remediation.Summary + "\n" + strings.Join(a.Remediation.Steps, "\n")
			for _, s := range tc.steps {
				if !strings.Contains(all, s) {
					t.Errorf("remediation lacks %q:\n%s", s, all)
				}
			}
			if a.Remediation.Summary == "" || len(a.Remediation.Steps) == 0 {
				t.Errorf("empty remediation: %+v", a.Remediation)
			}
			for _, r := range a.Reasons {
				if r.Text == "" || !contains(ReasonCodes(), r.Code) {
					t.Errorf("reason %+v has no text or an unlisted code", r)
				}
			}
			if sig := u.Signature(); strings.Contains(reasonTexts(a)+all, sig) {
				t.Errorf("the assessment repeats the signature")
			}
		})
	}
}

func reasonTexts(a sas.Assessment) string {
	var b strings.Builder
	for _, r := range a.Reasons {
		b.WriteString("  " + r.Code + " (" + r.Severity.String() + "): " + r.Text + "\n")
	}
	return b.String()
}

func TestReasonCodesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range ReasonCodes() {
		if seen[c] {
			t.Errorf("reason code %q listed twice", c)
		}
		seen[c] = true
	}
}

func TestAccess(t *testing.T) {
	tests := []struct {
		in   string
		want Access
	}{
		{"https://b.s3.amazonaws.com/k?" + v4query("us-east-1"), AccessUnknown},
		{"https://b.s3.amazonaws.com/k?x-id=GetObject&" + v4query("us-east-1"), AccessRead},
		{"https://b.s3.amazonaws.com/k?x-id=DeleteObject&" + v4query("us-east-1"), AccessDelete},
		{"https://b.s3.amazonaws.com/k?partNumber=1&uploadId=abc&" + v4query("us-east-1"), AccessWrite},
		{"https://b.s3.amazonaws.com/k?response-content-disposition=attachment&" + v4query("us-east-1"), AccessRead},
		{"https://b.s3.amazonaws.com/?list-type=2&" + v4query("us-east-1"), AccessList},
		{"https://b.s3.amazonaws.com/k?" + strings.Replace(v4query("us-east-1"), "SignedHeaders=host", "SignedHeaders=host%3Bx-amz-acl", 1), AccessWrite},
		{"https://b.s3.amazonaws.com/k?" + strings.Replace(v4query("us-east-1"), "SignedHeaders=host", "SignedHeaders=host%3Bx-amz-server-side-encryption-customer-algorithm", 1), AccessUnknown},
		{"SharedAccessSignature sr=https%3A%2F%2Fmyns.servicebus.windows.net%2Fq&sig=B64SB&se=1893456000&skn=p", AccessUnknown},
	}
	for _, tc := range tests {
		u := mustParse(t, fill(tc.in))
		if got, ev := u.Access(); got != tc.want {
			t.Errorf("%s: Access() = %s (%s), want %s", u.Redacted(), got, ev, tc.want)
		}
	}
}
