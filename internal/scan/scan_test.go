package scan

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/overshare/overshare/internal/config"
	"github.com/overshare/overshare/internal/finding"
	"github.com/overshare/overshare/internal/source"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// token returns a SAS URL with a well-formed signature made at run time.
func token(seed, query string) string {
	h := sha256.Sum256([]byte(seed))
	return "https://acct.blob.core.windows.net/models?" + query + "&sig=" + url.QueryEscape(base64.StdEncoding.EncodeToString(h[:]))
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, opts Options) *Result {
	t.Helper()
	opts.Now = now
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

type loc struct {
	Path         string
	Line, Column int
}

func locs(f *finding.Finding) []loc {
	var out []loc
	for _, l := range f.Locations {
		out = append(out, loc{l.Path, l.Line, l.Column})
	}
	return out
}

func TestOneFindingPerSecretWithEveryLocation(t *testing.T) {
	dir := t.TempDir()
	account := token("a", "sv=2020-08-04&ss=b&srt=sco&sp=rwd&se=2051-01-01")
	blob := token("b", "sv=2025-11-05&sr=c&sp=r&se=2026-11-28T13:00:00Z&spr=https")
	write(t, dir, "a.txt", "first line\nurl="+account+"\n")
	write(t, dir, "sub/b.md", "see "+account+" and\n  "+blob+"\n")
	res := run(t, Options{Targets: []string{dir}})
	if len(res.Findings) != 2 {
		t.Fatalf("got %d findings, want 2: %+v", len(res.Findings), res.Findings)
	}
	crit, low := res.Findings[0], res.Findings[1]
	if crit.Severity != finding.Critical || low.Severity > finding.Medium {
		t.Errorf("severities %s, %s: want critical first, then at most medium", crit.Severity, low.Severity)
	}
	want := []loc{{filepath.Join(dir, "a.txt"), 2, 5}, {filepath.Join(dir, "sub/b.md"), 1, 5}}
	if diff := cmp.Diff(want, locs(crit)); diff != "" {
		t.Errorf("locations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]loc{{filepath.Join(dir, "sub/b.md"), 2, 3}}, locs(low)); diff != "" {
		t.Errorf("locations (-want +got):\n%s", diff)
	}
	if crit.ID != finding.Fingerprint("azure-sas", crit.Secret.Reveal()) {
		t.Error("finding id is not the fingerprint of rule and secret")
	}
}

func TestSuppression(t *testing.T) {
	dir := t.TempDir()
	tok1 := token("1", "sv=2020-08-04&ss=b&srt=sco&sp=rwd&se=2051-01-01")
	tok2 := token("2", "sv=2020-08-04&ss=b&srt=sco&sp=rwd&se=2051-01-01")
	tok3 := token("3", "sv=2020-08-04&ss=b&srt=sco&sp=rwd&se=2051-01-01")
	write(t, dir, "allowed.txt", "x = '"+tok1+"'  # overshare:allow rotated\n")
	write(t, dir, "testdata/fixture.txt", tok2+"\n")
	write(t, dir, "real.txt", tok3+"\n")
	write(t, dir, "testdata/broken.gz", "\x1f\x8b\x08 not really gzip")
	write(t, dir, "broken.gz", "\x1f\x8b\x08 not really gzip")
	cfg := config.Default()
	cfg.IgnorePaths = []string{"testdata/**"}
	res := run(t, Options{Targets: []string{dir}, Config: cfg})
	// Nothing under an ignored path is reported, errors reading it
	// included; the same error elsewhere is.
	if len(res.Errors) != 1 || !strings.HasSuffix(res.Errors[0].Path, "/broken.gz") || strings.Contains(res.Errors[0].Path, "testdata") {
		t.Errorf("errors = %+v, want one, for broken.gz outside testdata", res.Errors)
	}
	if len(res.Findings) != 1 || res.Suppressed != 1 {
		t.Errorf("got %d findings and %d suppressed, want 1 and 1 (the allowed line; the ignored path is never scanned)", len(res.Findings), res.Suppressed)
	}
	got := map[string]bool{}
	for _, f := range res.Findings {
		got[f.Secret.Reveal()] = true
	}
	if got[sigOf(tok1)] {
		t.Error("the line with overshare:allow was reported")
	}
	if got[sigOf(tok2)] {
		t.Error("the token under an ignored path was reported")
	}
	if !got[sigOf(tok3)] {
		t.Error("the real token was not reported")
	}

	// The baseline and an ignored fingerprint drop the rest.
	var ids = map[string]bool{}
	for _, f := range res.Findings {
		ids[f.ID] = true
	}
	res2 := run(t, Options{Targets: []string{dir}, Config: cfg, Baseline: ids})
	if len(res2.Findings) != 0 || res2.Suppressed < len(ids) {
		t.Errorf("with a baseline of every finding: %d findings, %d suppressed", len(res2.Findings), res2.Suppressed)
	}
}

func sigOf(u string) string {
	i := strings.Index(u, "sig=")
	s, _ := url.QueryUnescape(u[i+4:])
	return s
}

func TestArchivesAndErrors(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("inner/config.json")
	w.Write([]byte(`{"sas": "` + token("z", "sv=2020-08-04&ss=b&srt=sco&sp=rl&se=2051-01-01") + `"}`))
	zw.Close()
	write(t, dir, "bundle.zip", buf.String())
	write(t, dir, "big.txt", strings.Repeat("x", 2048))
	res := run(t, Options{Targets: []string{dir}, Source: source.Options{MaxFileSize: 1024}})
	if len(res.Findings) != 1 || !strings.HasSuffix(res.Findings[0].Locations[0].Path, "bundle.zip!inner/config.json") {
		t.Fatalf("findings = %+v, want one in bundle.zip!inner/config.json", res.Findings)
	}
	if len(res.Errors) != 1 || !strings.HasSuffix(res.Errors[0].Path, "big.txt") || res.Errors[0].Op != source.OpSkipped {
		t.Errorf("errors = %+v, want big.txt skipped", res.Errors)
	}
}

func TestMissingTarget(t *testing.T) {
	_, err := Run(context.Background(), Options{Targets: []string{filepath.Join(t.TempDir(), "nope")}})
	var te *TargetError
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("err = %v", err)
	}
	if !asTarget(err, &te) {
		t.Errorf("err %T is not a *TargetError", err)
	}
}

func asTarget(err error, te **TargetError) bool {
	t, ok := err.(*TargetError)
	*te = t
	return ok
}

func TestPosition(t *testing.T) {
	data := []byte("ab\ncd\n\nxyz")
	for _, tt := range []struct{ at, line, col int }{{0, 1, 1}, {1, 1, 2}, {3, 2, 1}, {7, 4, 1}, {9, 4, 3}} {
		l, c, _, _ := (&lines{data: data}).position(tt.at)
		if l != tt.line || c != tt.col {
			t.Errorf("position(%d) = %d:%d, want %d:%d", tt.at, l, c, tt.line, tt.col)
		}
	}
	// One tracker over increasing offsets, and back again, agrees too.
	pos := lines{data: data}
	for _, tt := range []struct{ at, line, col int }{{0, 1, 1}, {3, 2, 1}, {9, 4, 3}, {1, 1, 2}, {7, 4, 1}} {
		if l, c, _, _ := pos.position(tt.at); l != tt.line || c != tt.col {
			t.Errorf("tracker position(%d) = %d:%d, want %d:%d", tt.at, l, c, tt.line, tt.col)
		}
	}
}
