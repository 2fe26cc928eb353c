package sas

import (
	"testing"
	"time"
)

// BenchmarkParseAssess measures what the scanner pays per SAS candidate:
// parse one realistic account SAS URL and judge it.
func BenchmarkParseAssess(b *testing.B) {
	in := withSig("https://acct.blob.core.windows.net/models/resnet18.ckpt?sv=2020-08-04&ss=bfqt&srt=sco&sp=rwdlacupitfx&se=2051-10-06T07:00:00Z&st=2021-10-05T15:00:00Z&spr=https,http&sig=SIG")
	p := DefaultPolicy()
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		tok, err := Parse(in)
		if err != nil {
			b.Fatal(err)
		}
		if Assess(tok, p, now).Severity != SeverityCritical {
			b.Fatal("wrong verdict")
		}
	}
}

// BenchmarkParseEscaped measures the slowest common form: JSON-escaped text.
func BenchmarkParseEscaped(b *testing.B) {
	in := withSig(`https:\/\/acct.blob.core.windows.net\/c\/b.txt?sv=2025-11-05\u0026sp=r\u0026se=2030-01-01T00:00:00Z\u0026sr=b\u0026sig=SIG`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}
