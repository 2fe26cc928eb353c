package sas_test

import (
	"fmt"
	"strings"

	"github.com/overshare/overshare/sas"
)

func ExampleSign() {
	// The string-to-sign of a read-only container SAS (layout
	// blob-2020-12-06), signed with a made-up key.
	sts := "rl\n\n2030-01-01T00:00:00Z\n/blob/myaccount/mycontainer\n\n\n\n2025-11-05\nc\n\n\n\n\n\n\n"
	fmt.Println(sas.Sign([]byte("not a real account key"), sts))
	// Output: lPvp/XMMC8hiQoiGhP+9cTZ2Lqm6OWWOciqMD6/U5Tw=
}

func ExampleAttribute() {
	// The storage emulator's well-known development key, assembled at run
	// time so that this file does not look like a leaked key.
	devKey, err := sas.DecodeKey(strings.Join([]string{
		"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1",
		"OUzFT50uSRZ6IFsuFq2UVErCz4I6tq",
		"/K1SZFPTOtr/KBHBeksoGMGw==",
	}, ""))
	if err != nil {
		fmt.Println(err)
		return
	}
	// A container SAS found in a repository (sas-spec §5.1 KAT4).
	found := "https://devstoreaccount1.blob.core.windows.net/mycontainer?sp=rl&se=2030-01-01T00%3A00%3A00Z&sr=c&sv=2025-11-05" +
		"&" + "sig=" + "ssc4V%2BHlCXaOfkHTPp4dwaqceW%2FoGi5sXIZEWJYdslM%3D"
	tok, err := sas.Parse(found)
	if err != nil {
		fmt.Println(err)
		return
	}
	a, err := sas.Attribute(tok, []sas.Key{
		{Name: "key1", Value: []byte("the other account key")},
		{Name: "key2", Value: devKey},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("signed with %s (layout %s, %d keys checked)\n", a.SignedWith, a.Layout, a.Checked)
	// Output: signed with key2 (layout blob-2020-12-06, 2 keys checked)
}

func ExampleAccountValues_Sign() {
	key := []byte("not a real account key")
	query, err := sas.AccountValues{
		Version:       "2025-11-05",
		Services:      "b",
		ResourceTypes: "co",
		Permissions:   "rl",
		Start:         "2026-01-01T00:00:00Z",
		Expiry:        "2026-01-01T08:00:00Z",
		Protocol:      "https",
		Account:       "myaccount",
	}.Sign(key)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Print the query without its signature, then check the signature.
	fields, _, _ := strings.Cut(query, "&"+"sig=")
	fmt.Println(fields)
	tok, err := sas.Parse("https://myaccount.blob.core.windows.net/?" + query)
	if err != nil {
		fmt.Println(err)
		return
	}
	a, err := sas.Attribute(tok, []sas.Key{{Name: "key1", Value: key}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("signed with", a.SignedWith)
	// Output:
	// sv=2025-11-05&ss=b&srt=co&sp=rl&st=2026-01-01T00%3A00%3A00Z&se=2026-01-01T08%3A00%3A00Z&spr=https
	// signed with key1
}

func ExampleServiceValues_Sign() {
	key := []byte("not a real account key")
	query, err := sas.ServiceValues{
		Permissions: "r",
		Expiry:      "2026-01-01T08:00:00Z",
		Protocol:    "https",
		Service:     sas.ServiceBlob,
		Account:     "myaccount",
		Path:        "models/checkpoint.pt",
	}.Sign(key)
	if err != nil {
		fmt.Println(err)
		return
	}
	fields, _, _ := strings.Cut(query, "&"+"sig=")
	fmt.Println(fields)
	// Output: sv=2025-11-05&sr=b&sp=r&se=2026-01-01T08%3A00%3A00Z&spr=https
}

func ExampleStringToSign() {
	tok, err := sas.Parse("https://myaccount.queue.core.windows.net/orders/messages?sv=2025-11-05&sp=p&se=2026-01-01&" + "sig=" + "AAAA")
	if err != nil {
		fmt.Println(err)
		return
	}
	sts, err := sas.StringToSign(tok)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sas.Layout(tok))
	fmt.Printf("%q\n", sts)
	// Output:
	// queue-2015-04-05
	// "p\n\n2026-01-01\n/queue/myaccount/orders\n\n\n\n2025-11-05"
}
