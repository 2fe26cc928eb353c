package signedurl

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFacts(t *testing.T) {
	tests := []struct {
		name, in, now string
		want          string // JSON
	}{
		{"S3 SigV4 with a session token, HTML-escaped",
			strings.ReplaceAll("https://b.s3.us-west-2.amazonaws.com/dir/k.txt?x-id=GetObject&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDT%2F20240101%2Fus-west-2%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-Security-Token=STOKEN&X-Amz-SignedHeaders=host&X-Amz-Signature=HEX64", "&", "&amp;"),
			"2024-01-01T00:30:00Z",
			`{"kind":"aws-sigv4","service":"s3","account":"b","endpoint":"https://b.s3.us-west-2.amazonaws.com","resource":"object","path":"dir/k.txt",
			  "start":"2024-01-01T00:00:00Z","expiry":"2024-01-01T01:00:00Z","expired":false,"lifetime_seconds":3600,"time_left_seconds":1800,"protocol":"https",
			  "host_style":"virtual-hosted","region":"us-west-2","algorithm":"AWS4-HMAC-SHA256","signer":"` + tempKeyID() + `","signer_type":"aws-temporary-key",
			  "session_token":true,"signed_headers":["host"],"access":"read","access_evidence":"x-id=GetObject","encodings":["html"]}`},
		{"S3 access point, expired",
			"https://reports-123456789012.s3-accesspoint.us-west-2.amazonaws.com/q1.csv?" + v4query("us-west-2"),
			"2024-02-01T00:00:00Z",
			`{"kind":"aws-sigv4","service":"s3","endpoint":"https://reports-123456789012.s3-accesspoint.us-west-2.amazonaws.com","resource":"object","path":"q1.csv",
			  "start":"2024-01-01T00:00:00Z","expiry":"2024-01-01T01:00:00Z","expired":true,"lifetime_seconds":3600,"time_left_seconds":0,"protocol":"https",
			  "host_style":"access-point","region":"us-west-2","access_point":"reports","aws_account_id":"123456789012","algorithm":"AWS4-HMAC-SHA256",
			  "signer":"` + longKeyID() + `","signer_type":"aws-long-term-key","signed_headers":["host"],"access":"unknown"}`},
		{"GCS V2 on a custom host",
			"https://cdn.example.org/files/a.bin?GoogleAccessId=sa%40proj-1.iam.gserviceaccount.com&Expires=1893456000&Signature=B64SB",
			"2029-12-31T00:00:00Z",
			`{"kind":"gcs-v2","service":"storage","endpoint":"https://cdn.example.org","resource":"path","path":"files/a.bin",
			  "expiry":"2030-01-01T00:00:00Z","expired":false,"time_left_seconds":86400,"protocol":"https","host_style":"custom",
			  "project":"proj-1","signer":"sa@proj-1.iam.gserviceaccount.com","signer_type":"service-account","access":"unknown"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := mustParse(t, fill(tc.in))
			got, err := json.Marshal(u.Facts(ts(t, tc.now)))
			if err != nil {
				t.Fatal(err)
			}
			var gotV, wantV any
			if err := json.Unmarshal(got, &gotV); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tc.want), &wantV); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantV, gotV); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if strings.Contains(string(got), u.Signature()) {
				t.Error("facts carry the signature")
			}
		})
	}
}

func TestSummary(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://research.s3.amazonaws.com/models/ckpt.pt?" + v4query("us-east-1"),
			`AWS S3 presigned URL (SigV4) for object "models/ckpt.pt" in bucket research, signed with ` + longKeyID() + ", until 2024-01-01"},
		{"https://storage.googleapis.com/b/?GoogleAccessId=sa%40p.iam.gserviceaccount.com&Expires=1893456000&Signature=B64SB",
			"Google Cloud Storage signed URL (V2) for bucket b, signed with sa@p.iam.gserviceaccount.com, until 2030-01-01"},
		{"SharedAccessSignature sr=https%3A%2F%2Fmyns.servicebus.windows.net%2Forders&sig=B64SB&se=1893456000&skn=RootManageSharedAccessKey",
			"Azure Service Bus / Event Hubs SAS token for orders in namespace myns (policy RootManageSharedAccessKey), until 2030-01-01"},
	}
	for _, tc := range tests {
		u := mustParse(t, fill(tc.in))
		if diff := cmp.Diff(tc.want, u.Summary()); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}
}
