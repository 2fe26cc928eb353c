package sas

import (
	"errors"
	"strings"
	"testing"
)

// parseSeeds are the token shapes of sas-spec §5 and §11, with signatures
// made at run time.
func parseSeeds() []string {
	seeds := []string{
		"https://myaccount.blob.core.windows.net/sascontainer/sasblob.txt?sv=2019-02-02&st=2019-04-29T22%3A18%3A26Z&se=2019-04-30T02%3A23%3A26Z&sr=b&sp=rw&sip=168.1.5.60-168.1.5.70&spr=https&sig=SIG",
		"https://myaccount.blob.core.windows.net/?restype=service&comp=properties&sv=2019-02-02&ss=bf&srt=s&st=2019-08-01T22%3A18%3A26Z&se=2019-08-10T02%3A23%3A26Z&sr=b&sp=rw&sip=168.1.5.60-168.1.5.70&spr=https&sig=F%6GSIG%4B",
		"se=2019-07-27&sp=r&sv=2018-11-09&sr=c&skoid=<skoid>&sktid=<sktid>&skt=2019-07-26T18%3A01%3A22Z&ske=2019-07-27T00%3A00%3A00Z&sks=b&skv=2018-11-09&sig=<signature>",
		"se=2030-01-01T00%3A00%3A00Z&sig=SIG&sip=127.0.0.1-127.0.0.2&sp=rwdlac&spr=https%2Chttp&srt=sco&ss=b&st=2025-01-01T00%3A00%3A00Z&sv=2025-11-05",
		"rsct=text%2Fplain&se=2030-01-01T00%3A00%3A00Z&sig=SIG&sp=rw&spr=https&sr=b&st=2025-01-01T00%3A00%3A00Z&sv=2025-11-05",
		"si=policy1&sig=SIG&sr=c&sv=2025-11-05",
		"sv=2019-12-12&ss=btqf&srt=sco&spr=https&st=2025-01-01T00%3A00%3A00Z&se=2030-01-01T00%3A00%3A00Z&sp=rl&sig=SIG",
		"http://127.0.0.1:10000/devstoreaccount1/mycontainer/hello.txt?sv=2025-11-05&se=2030-01-01T00%3A00%3A00Z&skoid=11111111-1111-1111-1111-111111111111&sktid=22222222-2222-2222-2222-222222222222&skt=2025-01-01T00%3A00%3A00Z&ske=2030-01-01T00%3A00%3A00Z&sks=b&skv=2025-11-05&sr=b&sp=r&sig=SIG",
		"https://acct.queue.core.windows.net/myqueue?sv=2025-11-05&sp=r&se=2030-01-01T00:00:00Z&sig=SIG",
		"https://acct.table.core.windows.net/mytable?sv=2025-11-05&tn=mytable&sp=r&se=2030-01-01T00:00:00Z&spk=a&epk=b&sig=SIG",
		"BlobEndpoint=https://a.blob.core.windows.net/;QueueEndpoint=https://a.queue.core.windows.net/;SharedAccessSignature=sv=2020-08-04&ss=bq&srt=sco&sp=rl&se=2030-01-01&sig=SIG",
		"https://a.blob.core.windows.net/c/b?sv=2020-08-04&sr=bs&snapshot=2021-01-05T22%3A15%3A33.0012348Z&sp=r&se=2030-01-01&sig=SIG",
		"https://a.blob.core.windows.net/c/b?sv=2020-08-04&sr=bv&versionid=2021-01-05T22%3A15%3A33.0012348Z&sp=rx&se=2030-01-01&sig=SIG",
		"https://a.dfs.core.windows.net/c/d1/d2?sv=2020-08-04&sr=d&sdd=2&sp=racwdlmeop&se=2030-01-01&sig=SIG",
		"https://a.file.core.windows.net/share/dir/f.txt?sv=2020-08-04&sr=f&sp=rcwd&se=2030-01-01&sig=SIG",
	}
	for i, s := range seeds {
		seeds[i] = withSig(s)
	}
	return seeds
}

func TestParseSeedsNotEmpty(t *testing.T) {
	ok := 0
	for _, s := range parseSeeds() {
		if _, err := Parse(s); err == nil {
			ok++
		}
	}
	// Two seeds are deliberately invalid (the documentation's bad escapes
	// and placeholder user delegation fields parse, the escapes do not).
	if ok < len(parseSeeds())-1 {
		t.Errorf("only %d of %d seeds parse", ok, len(parseSeeds()))
	}
}

// FuzzParse checks that Parse never panics, fails only with *ParseError, and
// that what it accepts survives a round trip through Token.URL.
func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds() {
		f.Add(s)
		f.Add(strings.ReplaceAll(s, "&", "&amp;"))
		f.Add(strings.ReplaceAll(s, "&", `\u0026`))
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T %v is not a *ParseError", s, err, err)
			}
			return
		}
		if tok.Kind == "" || tok.Version == "" || tok.Signature() == "" {
			t.Fatalf("Parse(%q) accepted an incomplete token: %+v", s, summarize(tok))
		}
		red := tok.Redacted()
		if _, q, ok := strings.Cut(red, "?"); ok && tok.Endpoint != "" {
			red = q
		}
		for _, part := range strings.Split(red, "&") {
			k, v, _ := strings.Cut(part, "=")
			if strings.EqualFold(k, "sig") && v != "REDACTED" {
				t.Fatalf("Redacted() %q leaks the signature of %q", tok.Redacted(), s)
			}
		}
		back, err := Parse(tok.URL())
		if err != nil {
			t.Fatalf("Parse(%q) ok but its URL %q fails: %v", s, tok.URL(), err)
		}
		a, b := summarize(tok), summarize(back)
		if a.Kind != b.Kind || a.Resource != b.Resource || a.Perms != b.Perms || a.Version != b.Version || tok.Signature() != back.Signature() {
			t.Fatalf("round trip of %q changed the token:\n%+v\n%+v", s, a, b)
		}
	})
}
