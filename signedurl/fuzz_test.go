package signedurl

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// parseSeeds are one of every form Parse accepts, and a few it refuses,
// with signatures made at run time.
func parseSeeds() []string {
	seeds := []string{
		"https://my-bucket.s3.amazonaws.com/models/ckpt.pt?" + v4query("us-east-1"),
		"https://s3.us-west-2.amazonaws.com/b/dir/a%20b.txt?x-id=PutObject&" + v4query("us-west-2"),
		"https://b.s3-us-west-2.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDT%2F20240101%2Fus-west-2%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=604800&X-Amz-Security-Token=STOKEN&X-Amz-SignedHeaders=host&X-Amz-Signature=HEX64",
		"https://reports-123456789012.s3-accesspoint.us-west-2.amazonaws.com/q1.csv?" + v4query("us-west-2"),
		"https://cnbucket.s3.cn-north-1.amazonaws.com.cn/k?" + v4query("cn-north-1"),
		"mydb.c9akciq32.rds.us-east-1.amazonaws.com:5432/?Action=connect&DBUser=app&" + strings.Replace(v4query("us-east-1"), "s3%2F", "rds-db%2F", 1),
		"?" + v4query("eu-west-1"),
		"https://legacy.s3.amazonaws.com/backup.tar?AWSAccessKeyId=AKIDL&Expires=2524608000&Signature=B64V2",
		"https://storage.googleapis.com/my-bucket/data.csv?" + strings.Replace(goog4q, "SIGNER", "sa%40p.iam.gserviceaccount.com", 1),
		"https://b.storage.googleapis.com/o?" + strings.NewReplacer("SIGNER", "HMACID", "GOOG4-RSA-SHA256", "GOOG4-HMAC-SHA256", "HEX512", "HEX64").Replace(goog4q),
		"https://storage.googleapis.com/b/report.pdf?GoogleAccessId=my-app%40appspot.gserviceaccount.com&Expires=1893456000&Signature=B64SB",
		"SharedAccessSignature sr=https%3A%2F%2Fmyns.servicebus.windows.net%2Forders&sig=B64SB&se=1893456000&skn=RootManageSharedAccessKey",
		"Endpoint=sb://myns.servicebus.windows.net/;SharedAccessSignature=SharedAccessSignature sr=sb%3a%2f%2fmyns.servicebus.windows.net%2f&sig=B64SB&se=1893456000&skn=send;EntityPath=orders",
		"SharedAccessSignature sr=myhub.azure-devices.net%2Fdevices%2Fdev1&sig=B64SB&se=1893456000",
		"https://a.blob.core.windows.net/c?sv=2020-08-04&sp=r&se=2030-01-01&sr=c&sig=B64SB", // overshare:allow (a placeholder, filled at run time)
		"https://d111111abcdef8.cloudfront.net/x.jpg?Expires=1893456000&Signature=B64V2&Key-Pair-Id=K2JCJMDEHXQW5F",
	}
	for i, s := range seeds {
		seeds[i] = fill(s)
	}
	return seeds
}

func TestParseSeedsNotEmpty(t *testing.T) {
	seeds := parseSeeds()
	ok := 0
	for _, s := range seeds {
		if _, err := Parse(s); err == nil {
			ok++
		}
	}
	// The last two seeds are signed in schemes Parse refuses.
	if len(seeds) == 0 || ok != len(seeds)-2 {
		t.Errorf("%d of %d seeds parse, want all but 2", ok, len(seeds))
	}
}

// FuzzParse checks that Parse never panics, fails only with a *ParseError,
// never leaks the signature through Redacted, and that what it accepts
// survives a round trip through Text.
func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds() {
		f.Add(s)
		f.Add(strings.ReplaceAll(s, "&", "&amp;"))
		f.Add(strings.ReplaceAll(s, "&", `\u0026`))
		f.Add(url.QueryEscape(s))
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T %v is not a *ParseError", s, err, err)
			}
			return
		}
		if u.Kind == "" || u.Signature() == "" || u.Expiry == nil {
			t.Fatalf("Parse(%q) accepted an incomplete credential: %+v", s, summarize(u))
		}
		for _, p := range u.Params {
			if isSecretKey(p.Key) && p.Value != "" && strings.Contains(u.Redacted(), p.Text()) {
				t.Fatalf("Redacted() %q leaks %s of %q", u.Redacted(), p.Key, s)
			}
		}
		back, err := Parse(u.Text())
		if err != nil {
			t.Fatalf("Parse(%q) ok but its Text %q fails: %v", s, u.Text(), err)
		}
		a, b := summarize(u), summarize(back)
		if a.Kind != b.Kind || a.Signer != b.Signer || a.Expiry != b.Expiry || a.Bucket != b.Bucket ||
			a.Object != b.Object || a.Entity != b.Entity || u.Signature() != back.Signature() {
			t.Fatalf("round trip of %q changed it:\n%+v\n%+v", s, a, b)
		}
		// Judging never panics either.
		_ = u.Facts(*u.Expiry)
		_ = Assess(u, defaultPolicy(), *u.Expiry)
	})
}
