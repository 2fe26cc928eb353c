package signedurl

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The AWS documentation's presigned-URL example ("Authenticating Requests:
// Using Query Parameters (AWS Signature Version 4)", Amazon S3 API
// Reference): GET examplebucket/test.txt, us-east-1, signed 2013-05-24 for
// 86400 seconds with the documentation's public example key pair. The
// values are assembled at run time so that this file does not look like a
// leaked credential.
var (
	docAccessKeyID = "AKIA" + "IOSFODNN7" + "EXAMPLE"
	docSecretKey   = strings.Join([]string{"wJalrXUtnFEMI", "K7MDENG", "bPxRfiCYEXAMPLEKEY"}, "/")
	docSignature   = "aeeed9bbccd4d02ee5c0109b86d8" + "6835f995330da4c265957d157751f604d404" // overshare:allow (AWS documentation example)
)

func docURL() string {
	return "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
		"&X-Amz-Credential=" + docAccessKeyID + "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
		"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
		"&X-Amz-" + "Signature=" + docSignature
}

func TestAWSV4DocumentationExample(t *testing.T) {
	u, err := Parse(docURL())
	if err != nil {
		t.Fatal(err)
	}
	cr, err := AWSV4CanonicalRequest(u, "GET")
	if err != nil {
		t.Fatal(err)
	}
	wantCR := "GET\n/test.txt\n" +
		"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + docAccessKeyID + "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\n" +
		"host:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"
	if diff := cmp.Diff(wantCR, cr); diff != "" {
		t.Errorf("canonical request (-want +got):\n%s", diff)
	}
	sts, err := AWSV4StringToSign(u, "GET")
	if err != nil {
		t.Fatal(err)
	}
	// The documentation prints this string-to-sign.
	wantSTS := "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04"
	if diff := cmp.Diff(wantSTS, sts); diff != "" {
		t.Errorf("string to sign (-want +got):\n%s", diff)
	}
	sig, err := SignAWSV4(u, docSecretKey, "GET")
	if err != nil {
		t.Fatal(err)
	}
	if sig != docSignature {
		t.Errorf("SignAWSV4 = %s, want the documented signature", sig)
	}
	for _, tc := range []struct {
		key, method string
		want        bool
	}{
		{docSecretKey, "GET", true},
		{docSecretKey, "get", true},
		{docSecretKey, "PUT", false},
		{docSecretKey + "x", "GET", false},
	} {
		ok, err := VerifyAWSV4(u, tc.key, tc.method)
		if err != nil || ok != tc.want {
			t.Errorf("VerifyAWSV4(key %d chars, %s) = %v, %v; want %v", len(tc.key), tc.method, ok, err, tc.want)
		}
	}
	m, err := AWSV4Method(u, docSecretKey)
	if err != nil || m != "GET" {
		t.Errorf("AWSV4Method = %q, %v; want GET", m, err)
	}
	m, err = AWSV4Method(u, "not the key")
	if err != nil || m != "" {
		t.Errorf("AWSV4Method(wrong key) = %q, %v; want \"\"", m, err)
	}
}

// botocoreVectors were made with botocore 1.43 (generate_presigned_url with
// signature_version s3v4, the clock fixed at 2024-01-01T00:00:00Z) and a
// made-up secret key, testKey. They cover what the documentation example
// does not: a region, escaped and non-ASCII keys, path style on the global
// endpoint, a session token, a response override and a PUT.
func testKey() string {
	return "069a237dfc54a9e5ad23fc3f6586b807b64b1533" // sha256("overshare sigv4 test key")[:40], made up // overshare:allow
}

func TestAWSV4BotocoreVectors(t *testing.T) {
	long, temp := "AKIA"+"TESTKEYID0000001", "ASIA"+"TESTKEYID0000001"
	sig := "&X-Amz-" + "Signature="
	tests := []struct {
		url, method string
	}{
		{"https://my-bucket.s3.us-west-2.amazonaws.com/dir/file%20name%2Bplus%20%C3%BC.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + long + "%2F20240101%2Fus-west-2%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host" +
			sig + "bb170ba65d030e87c34934f87bfac963fdbea37766a4ed045920fe3f6985e58d", "GET"}, // overshare:allow
		{"https://s3.eu-central-1.amazonaws.com/data/models/ckpt.pt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + temp + "%2F20240101%2Feu-central-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Security-Token=" + "FwoGZXIvYXdzEXAMPLETOKEN%2Fwith%2Bslash%3D" +
			sig + "46045c6897797ee80495dacb1d55a6cf2a51b5c6dac6298c52ade6c96ef0ef40", "PUT"}, // overshare:allow
		{"https://s3.amazonaws.com/b/a~b%28c%29%2A%21%27.txt?response-content-disposition=attachment%3B%20filename%3Dx.txt&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + long + "%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host" +
			sig + "cab38af7dea6bae56f1049f528070788b093716fca1a147cb9e4a9f3cc29433d", "GET"}, // overshare:allow
	}
	for _, tc := range tests {
		u, err := Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		m, err := AWSV4Method(u, testKey())
		if err != nil || m != tc.method {
			t.Errorf("%s: AWSV4Method = %q, %v; want %s", u.Redacted(), m, err, tc.method)
		}
	}
}

func TestAWSV4CannotVerify(t *testing.T) {
	key := testKey()
	base := "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + "AKIA" + "TESTKEYID0000001%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=60"
	sig := "&X-Amz-" + "Signature=" + strings.Repeat("ab", 32)
	tests := map[string]string{
		"no host":       base + "&X-Amz-SignedHeaders=host" + sig,
		"extra headers": "https://b.s3.amazonaws.com/k?" + base + "&X-Amz-SignedHeaders=content-type%3Bhost" + sig,
		"gcs rsa":       "https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%40p.iam.gserviceaccount.com%2F20240101%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20240101T000000Z&X-Goog-Expires=60&X-Goog-SignedHeaders=host&X-Goog-" + "Signature=" + strings.Repeat("ab", 256),
		"servicebus":    ServiceBusToken("p", []byte("k"), "sb://ns.servicebus.windows.net/q", 2000000000),
	}
	for name, s := range tests {
		u, err := Parse(s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := VerifyAWSV4(u, key, "GET"); !errors.Is(err, ErrCannotVerify) {
			t.Errorf("%s: VerifyAWSV4 error = %v, want ErrCannotVerify", name, err)
		}
	}
	u, err := Parse("https://b.s3.amazonaws.com/k?" + base + "&X-Amz-SignedHeaders=host" + sig)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyAWSV4(u, key, ""); !errors.Is(err, ErrCannotVerify) {
		t.Errorf("VerifyAWSV4 with no method: error = %v, want ErrCannotVerify", err)
	}
	if _, err := VerifyServiceBus(u, []byte(key)); !errors.Is(err, ErrCannotVerify) {
		t.Errorf("VerifyServiceBus(S3 URL) error = %v, want ErrCannotVerify", err)
	}
}
