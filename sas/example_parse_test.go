package sas_test

import (
	"fmt"
	"time"

	"github.com/overshare/overshare/sas"
)

func ExampleParse() {
	// The signature is a placeholder; Parse does not check it.
	tok, err := sas.Parse("https://acct.blob.core.windows.net/models/resnet.ckpt?sv=2025-11-05&sp=rw&se=2030-01-01T00:00Z&sr=b&spr=https&sig=REDACTED")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.Kind, tok.Service, tok.Resource, tok.Account, tok.Path)
	fmt.Println(tok.Permissions.Names(), tok.Permissions.Class)
	fmt.Println(tok.Get("se"), tok.Expiry.Format(time.RFC3339))
	// Output:
	// service blob blob acct models/resnet.ckpt
	// [read write] read,write,destructive
	// 2030-01-01T00:00Z 2030-01-01T00:00:00Z
}

func ExampleParse_error() {
	_, err := sas.Parse("sv=2025-11-05&sp=rqx&sr=c&se=2030-01-01&sig=REDACTED")
	fmt.Println(err)
	// Output:
	// sas: sp="rqx": unknown permission "q" for a container SAS (valid: racwdxyltfmeopi)
}

func ExampleAssess() {
	// The shape of the token in the incident: an account SAS for every
	// service with write and delete, valid for decades, over http too.
	tok, _ := sas.Parse("https://acct.blob.core.windows.net/?sv=2020-08-04&ss=bfqt&srt=sco&sp=rwdlacup&se=2051-10-06&spr=https,http&sig=REDACTED")
	now := time.Date(2023, 6, 22, 0, 0, 0, 0, time.UTC)
	a := sas.Assess(tok, sas.DefaultPolicy(), now)
	fmt.Println(a.Severity)
	for _, r := range a.Reasons {
		fmt.Println(r.Severity, r.Code)
	}
	fmt.Println(a.Remediation.Revocation)
	// Output:
	// critical
	// high scope-account
	// critical long-lived
	// info no-start
	// high account-sas-disallowed
	// medium http-allowed
	// low no-ip-restriction
	// medium revocable-only-by-key-rotation
	// rotate-key
}
