package azure_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"

	"github.com/overshare/overshare/internal/azure"
	"github.com/overshare/overshare/internal/cli"
	"github.com/overshare/overshare/sas"
)

func newKey(t *testing.T) string {
	b := make([]byte, 64)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func decode(t *testing.T, b64 string) []byte {
	t.Helper()
	k, err := sas.DecodeKey(b64)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// owner is the account owner's client signed with key b64.
func owner(t *testing.T, az *azure.Azurite, b64 string) *azblob.Client {
	t.Helper()
	cred, err := azblob.NewSharedKeyCredential(az.Account, b64)
	if err != nil {
		t.Fatal(err)
	}
	c, err := azblob.NewClientWithSharedKeyCredential(az.AccountURL()+"/", cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// containerURL makes a container SAS URL (read, list, one hour) signed
// with b64.
func containerURL(t *testing.T, az *azure.Azurite, ctr, b64 string) string {
	t.Helper()
	v := sas.ServiceValues{Service: sas.ServiceBlob, Account: az.Account, Path: ctr, Permissions: "rl",
		Expiry: time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04:05Z")}
	q, err := v.Sign(decode(t, b64))
	if err != nil {
		t.Fatal(err)
	}
	return az.AccountURL() + "/" + ctr + "?" + q
}

// tamper changes one base64 letter of the signature, outside any %XX
// escape, so that it still decodes to 32 bytes (a well-formed but wrong
// signature, not a placeholder).
func tamper(u string) string {
	i := strings.Index(u, "sig=") + len("sig=")
	for i < len(u) && u[i] == '%' {
		i += 3
	}
	c := byte('A')
	if u[i] == 'A' {
		c = 'B'
	}
	return u[:i] + string(c) + u[i+1:]
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := cli.Run(ctx(t), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestScanVerifyAzurite(t *testing.T) {
	az := azure.StartAzurite(t)
	ctr := "scan-verify-" + strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36)
	if _, err := owner(t, az, az.Keys[0]).CreateContainer(ctx(t), ctr, nil); err != nil {
		t.Fatal(err)
	}
	good := containerURL(t, az, ctr, az.Keys[0])
	bad := tamper(containerURL(t, az, ctr, az.Keys[1]))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "settings.env"), []byte("GOOD_URL="+good+"\nBAD_URL="+bad+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	out, stderr, err := run(t, "scan", "--format", "json", "--progress", "never", "--verify", "--endpoint", az.Host, dir)
	var fe *cli.FindingsError
	if err != nil && !errors.As(err, &fe) {
		t.Fatalf("scan --verify: %v\n%s", err, stderr)
	}
	var rep struct {
		Findings []struct {
			Rule         string `json:"rule"`
			Severity     string `json:"severity"`
			Verification *struct {
				Status     string `json:"status"`
				HTTPStatus int    `json:"http_status"`
				ErrorCode  string `json:"error_code"`
				Verdict    string `json:"verdict"`
			} `json:"verification"`
			Reasons []struct {
				Code string `json:"code"`
			} `json:"reasons"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, f := range rep.Findings {
		if f.Rule != "azure-sas" {
			continue
		}
		if f.Verification == nil {
			t.Fatalf("an azure-sas finding has no verification:\n%s", out)
		}
		v := f.Verification
		got[v.Status] = f.Severity
		switch v.Status {
		case "valid":
			if v.HTTPStatus != 200 || v.Verdict != "live" {
				t.Errorf("valid: %+v", v)
			}
		case "bad-signature":
			if v.HTTPStatus != 403 || v.ErrorCode == "" || v.Verdict != "dead" || f.Severity != "low" {
				t.Errorf("bad-signature: %+v, severity %s", v, f.Severity)
			}
		}
	}
	if _, ok := got["valid"]; !ok {
		t.Errorf("no finding verified valid: %v\n%s", got, out)
	}
	if _, ok := got["bad-signature"]; !ok {
		t.Errorf("no finding verified bad-signature: %v\n%s", got, out)
	}
	for _, u := range []string{good, bad} {
		sig := u[strings.Index(u, "sig=")+4:]
		if strings.Contains(out, sig) {
			t.Errorf("the report carries a signature")
		}
	}

	text, _, _ := run(t, "scan", "--progress", "never", "--verify", "--endpoint", az.Host, dir)
	if !strings.Contains(text, "verified") || !strings.Contains(text, "valid (HTTP 200") || !strings.Contains(text, "bad-signature (HTTP 403") {
		t.Errorf("text report lacks the verification lines:\n%s", text)
	}

	// Without --endpoint, a loopback token is not contacted.
	out, _, _ = run(t, "scan", "--format", "json", "--progress", "never", "--verify", dir)
	if strings.Contains(out, `"status": "valid"`) || !strings.Contains(out, `"status": "skipped"`) || !strings.Contains(out, "refusing to contact") {
		t.Errorf("without --endpoint, loopback tokens must be skipped:\n%s", out)
	}
}

// A key-rotated token: Azurite restarted on the same data with key1
// replaced answers bad-signature, and attribute names the old key.
func TestKeyRotationAzurite(t *testing.T) {
	loc := t.TempDir()
	k1, k2 := newKey(t), newKey(t)
	az1 := azure.StartAzuriteWith(t, azure.AzuriteConfig{Location: loc, Keys: [2]string{k1, k2}})
	const ctr = "rotated"
	if _, err := owner(t, az1, k1).CreateContainer(ctx(t), ctr, nil); err != nil {
		t.Fatal(err)
	}
	u := containerURL(t, az1, ctr, k1)
	tok, err := sas.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	res, err := azure.Verify(ctx(t), tok, azure.Options{Endpoint: az1.Host})
	if err != nil || res.Status != azure.Valid {
		t.Fatalf("before rotation: %v %+v", err, res)
	}
	az1.Stop()

	k1new := newKey(t)
	az2 := azure.StartAzuriteWith(t, azure.AzuriteConfig{Location: loc, Keys: [2]string{k1new, k2}})
	// The data survived the restart: the container is still there.
	if _, err := owner(t, az2, k2).ServiceClient().NewContainerClient(ctr).GetProperties(ctx(t), nil); err != nil {
		t.Fatalf("the container did not survive the restart: %v", err)
	}
	res, err = azure.Verify(ctx(t), tok, azure.Options{Endpoint: az2.Host})
	if err != nil || res.Status != azure.BadSignature {
		t.Fatalf("after rotation: %v %+v; want bad-signature", err, res)
	}
	oldKeys := []sas.Key{{Name: "key1", Value: decode(t, k1)}, {Name: "key2", Value: decode(t, k2)}}
	newKeys := []sas.Key{{Name: "key1", Value: decode(t, k1new)}, {Name: "key2", Value: decode(t, k2)}}
	if at, err := sas.Attribute(tok, oldKeys); err != nil || at.SignedWith != "key1" {
		t.Errorf("Attribute(old keys) = %+v, %v; want key1", at, err)
	}
	if at, err := sas.Attribute(tok, newKeys); err != nil || at.SignedWith != sas.NoMatch {
		t.Errorf("Attribute(new keys) = %+v, %v; want none", at, err)
	}
	// With the new keys, verify tells rotation apart offline.
	if res, err := azure.Verify(ctx(t), tok, azure.Options{Endpoint: az2.Host, Keys: newKeys}); err != nil || res.Status != azure.BadSignature || len(res.Requests) != 0 {
		t.Errorf("verify with the new keys: %v %+v; want bad-signature without a request", err, res)
	}

	old := filepath.Join(t.TempDir(), "old.txt")
	if err := os.WriteFile(old, []byte("key1="+k1+"\nkey2="+k2+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := run(t, "attribute", "--keys-file", old, u)
	if err != nil || !strings.Contains(out, "signed with: key1") {
		t.Errorf("attribute --keys-file old.txt: %v\n%s%s", err, out, stderr)
	}
	out, stderr, err = run(t, "verify", "--endpoint", az2.Host, u)
	if err != nil || !strings.Contains(out, "status: bad-signature") {
		t.Errorf("verify after rotation: %v\n%s%s", err, out, stderr)
	}
}
