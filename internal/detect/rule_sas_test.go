package detect

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// endpointURLs finds what the pattern, run over the whole text, finds.
func TestEndpointURLsAgreeWithRegexp(t *testing.T) {
	whole := regexp.MustCompile(strings.TrimPrefix(endpointURL.String(), "^"))
	pieces := []string{
		"https://acct.blob.core.windows.net/c/b.txt", "HTTP://ACCT.QUEUE.CORE.WINDOWS.NET/q",
		"http://127.0.0.1:10000/devstoreaccount1/c", "https://a.dfs.core.chinacloudapi.cn",
		"https://example.com/x", "ftp://a.blob.core.windows.net", "://", "https", "http:", "?sig=x",
		" ", "\n", "\"", "/", "xhttps://b.file.core.usgovcloudapi.net/s", "https://https://a.table.core.windows.net/t",
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 3000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		data := []byte(b.String())
		var want [][2]int
		for _, loc := range whole.FindAllIndex(data, -1) {
			want = append(want, [2]int{loc[0], loc[1]})
		}
		if got := endpointURLs(data); !slices.Equal(got, want) {
			t.Fatalf("%q: got %v, want %v", data, got, want)
		}
	}
}
