package azure

import (
	"testing"

	"github.com/overshare/overshare/sas"
)

// TestClassifyAzureAndAzurite maps the errors real Azure words (sas-spec
// §10.3, bodies as the service sends them) and those Azurite words (§9.2)
// to statuses, with and without keys.
func TestClassifyAzureAndAzurite(t *testing.T) {
	azureBody := func(code, detail string) []byte {
		return []byte(`<?xml version="1.0" encoding="utf-8"?><Error><Code>` + code + `</Code><Message>Server failed to authenticate the request.
RequestId:2c25ad7c-a01e-0004-04a3-56c77b000000
Time:2020-07-10T10:16:22.8096444Z</Message><AuthenticationErrorDetail>` + detail + `</AuthenticationErrorDetail></Error>`)
	}
	plain, err := sas.Parse("https://acct.blob.core.windows.net/c?sv=2025-11-05&sr=c&sp=rl&se=2030-01-01&sig=REDACTED")
	if err != nil {
		t.Fatal(err)
	}
	policy, err := sas.Parse("https://acct.blob.core.windows.net/c?sv=2025-11-05&sr=c&si=p1&sig=REDACTED")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		tok        *sas.Token
		signedWith string
		status     int
		code       string
		body       []byte
		want       Status
	}{
		{"azure expired", plain, "", 403, "AuthenticationFailed", azureBody("AuthenticationFailed", "Signature not valid in the specified time frame: Start [Thu, 09 Jul 2020 10:11:03 GMT] - Expiry [Thu, 09 Jul 2020 18:11:03 GMT] - Current [Fri, 10 Jul 2020 10:16:22 GMT]"), Expired},
		{"azure bad signature", plain, "", 403, "AuthenticationFailed", azureBody("AuthenticationFailed", "Signature did not match. String to sign used was rl\n..."), BadSignature},
		{"azure policy gone, signature good", policy, "key1", 403, "AuthenticationFailed", azureBody("AuthenticationFailed", "Signature did not match. String to sign used was ..."), PolicyRevoked},
		{"azure shared key disabled", plain, "", 403, "KeyBasedAuthenticationNotPermitted", azureBody("KeyBasedAuthenticationNotPermitted", ""), KeyAuthDisabled},
		{"azure ip", plain, "", 403, "AuthorizationSourceIPMismatch", azureBody("AuthorizationSourceIPMismatch", ""), IPRestricted},
		{"azurite generic, no keys", plain, "", 403, "AuthorizationFailure", nil, BadSignature},
		{"azurite generic, policy token signed with key1", policy, "key1", 403, "AuthorizationFailure", nil, PolicyRevoked},
		{"azurite generic, policy token, no keys", policy, "", 403, "AuthorizationFailure", nil, BadSignature},
		{"permission", plain, "", 403, "AuthorizationPermissionMismatch", nil, PermissionMismatch},
		{"resource gone", plain, "", 404, "ContainerNotFound", nil, Valid},
		{"account gone", plain, "", 404, "AccountNotFound", nil, AccountNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &response{status: tt.status, code: tt.code}
			if tt.body != nil {
				_, r.detail = parseError(tt.body)
			}
			res := &Result{SignedWith: tt.signedWith}
			classify(res, tt.tok, r)
			if res.Status != tt.want {
				t.Errorf("status %s (%s), want %s", res.Status, res.Detail, tt.want)
			}
		})
	}
}
