package signedurl_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/overshare/overshare/sas"
	"github.com/overshare/overshare/signedurl"
)

// madeUpSignature stands in for a real signature, so that these examples
// carry nothing that looks like a live credential.
func madeUpSignature() string {
	h := sha256.Sum256([]byte("not a real signature"))
	return hex.EncodeToString(h[:])
}

func ExampleParse() {
	found := "https://research-models.s3.us-west-2.amazonaws.com/checkpoints/model.pt" +
		"?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
		"&X-Amz-Credential=" + "AKIA" + "OVERSHARETEST001" + "%2F20240101%2Fus-west-2%2Fs3%2Faws4_request" +
		"&X-Amz-Date=20240101T000000Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host" +
		"&X-Amz-" + "Signature=" + madeUpSignature()
	u, err := signedurl.Parse(found)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.Kind, u.HostStyle)
	fmt.Println("bucket:", u.Bucket, "object:", u.Object, "region:", u.Region)
	fmt.Println("signed with:", u.SignerType, "session token:", u.SessionToken)
	fmt.Println("expires:", u.Expiry.Format(time.RFC3339), "after", u.Lifetime)
	fmt.Println(strings.HasSuffix(u.String(), "X-Amz-Signature=REDACTED"))
	// Output:
	// aws-sigv4 virtual-hosted
	// bucket: research-models object: checkpoints/model.pt region: us-west-2
	// signed with: aws-long-term-key session token: false
	// expires: 2024-01-08T00:00:00Z after 168h0m0s
	// true
}

func ExampleAssess() {
	// A legacy SigV2 URL valid until 2050, HTML-escaped in a web page.
	found := "https://backups.s3.amazonaws.com/db.tar.gz?AWSAccessKeyId=" + "AKIA" + "OVERSHARETEST001" +
		"&amp;Expires=2524608000&amp;" + "Signature=" + "bm90IGEgcmVhbCBzaWduYXR1cmU%3D"
	u, err := signedurl.Parse(found)
	if err != nil {
		fmt.Println(err)
		return
	}
	a := signedurl.Assess(u, sas.DefaultPolicy(), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println(a.Severity)
	for _, r := range a.Reasons {
		fmt.Printf("%s (%s)\n", r.Code, r.Severity)
	}
	fmt.Println(a.Remediation.Revocation)
	// Output:
	// high
	// scope-object (low)
	// long-term-key (medium)
	// legacy-signature (medium)
	// long-lived (high)
	// method-unknown (info)
	// signer-exposed (info)
	// deactivate-access-key
}

func ExampleURL_Facts() {
	u, err := signedurl.Parse("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessSignature=" +
		signedurl.ServiceBusToken("RootManageSharedAccessKey", []byte("not a real key"), "sb://contoso.servicebus.windows.net/", 1893456000))
	if err != nil {
		fmt.Println(err)
		return
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(u.Facts(time.Date(2029, 12, 31, 0, 0, 0, 0, time.UTC))); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {
	//   "kind": "servicebus-sas",
	//   "service": "servicebus",
	//   "account": "contoso",
	//   "endpoint": "sb://contoso.servicebus.windows.net",
	//   "resource": "namespace",
	//   "expiry": "2030-01-01T00:00:00Z",
	//   "expired": false,
	//   "time_left_seconds": 86400,
	//   "host_style": "namespace",
	//   "signer": "RootManageSharedAccessKey",
	//   "signer_type": "shared-access-policy",
	//   "access": "unknown"
	// }
}

func ExampleServiceBusToken() {
	key := []byte("not a real policy key")
	tok := signedurl.ServiceBusToken("send-only", key, "https://contoso.servicebus.windows.net/orders", 1893456000)

	u, err := signedurl.Parse(tok)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u) // printing a URL redacts it
	ok, err := signedurl.VerifyServiceBus(u, key)
	fmt.Println(u.Namespace, u.Entity, ok, err)
	ok, err = signedurl.VerifyServiceBus(u, []byte("another key"))
	fmt.Println(ok, err)
	// Output:
	// SharedAccessSignature sr=https%3a%2f%2fcontoso.servicebus.windows.net%2forders&sig=REDACTED&se=1893456000&skn=send-only
	// contoso orders true <nil>
	// false <nil>
}

func ExampleAWSV4Method() {
	// The AWS documentation's presigned-URL example and its public
	// example key pair, assembled at run time.
	found := "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
		"&X-Amz-Credential=" + "AKIA" + "IOSFODNN7EXAMPLE" + "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
		"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
		"&X-Amz-" + "Signature=" + "aeeed9bbccd4d02ee5c0109b86d8" + "6835f995330da4c265957d157751f604d404" // overshare:allow (AWS documentation example)
	secret := strings.Join([]string{"wJalrXUtnFEMI", "K7MDENG", "bPxRfiCYEXAMPLEKEY"}, "/")
	u, err := signedurl.Parse(found)
	if err != nil {
		fmt.Println(err)
		return
	}
	method, err := signedurl.AWSV4Method(u, secret)
	fmt.Println(method, err)
	// Output: GET <nil>
}
