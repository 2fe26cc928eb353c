package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func repoFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func leakyDir(t *testing.T) (dir, file string) {
	t.Helper()
	dir = t.TempDir()
	h := sha256.Sum256([]byte("hook test"))
	tok := "https://acct.blob.core.windows.net/c?sv=2020-08-04&ss=b&srt=sco&sp=rwd&se=2051-01-01&sig=" + url.QueryEscape(base64.StdEncoding.EncodeToString(h[:]))
	file = filepath.Join(dir, "settings.py")
	if err := os.WriteFile(file, []byte("SAS = '"+tok+"'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "clean.txt"), []byte("nothing here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, file
}

// TestPreCommitHookEntry runs the hook's entry command as pre-commit would,
// with file names appended: it must block a leaky file and pass a clean one.
func TestPreCommitHookEntry(t *testing.T) {
	m := regexp.MustCompile(`(?m)^\s+entry: overshare (.+)$`).FindStringSubmatch(repoFile(t, ".pre-commit-hooks.yaml"))
	if m == nil {
		t.Fatal("no entry in .pre-commit-hooks.yaml")
	}
	args := strings.Fields(m[1])
	dir, leaky := leakyDir(t)
	var out, errb bytes.Buffer
	err := Run(context.Background(), append(args, leaky), strings.NewReader(""), &out, &errb)
	if ExitCode(err) != ExitFindings {
		t.Errorf("hook on a leaky file: exit %d (%v), want 1\n%s%s", ExitCode(err), err, out.String(), errb.String())
	}
	err = Run(context.Background(), append(args, filepath.Join(dir, "clean.txt")), strings.NewReader(""), &out, &errb)
	if ExitCode(err) != ExitOK {
		t.Errorf("hook on a clean file: exit %d (%v), want 0", ExitCode(err), err)
	}
}

// TestActionScanStep runs the scan command line the GitHub Action builds and
// checks that it writes SARIF and exits 1 on findings.
func TestActionScanStep(t *testing.T) {
	action := repoFile(t, "action.yml")
	if !strings.Contains(action, `args=(scan --progress never --format sarif --output "$sarif" --fail-on "$FAIL_ON")`) {
		t.Fatal("action.yml no longer builds the scan command this test runs; update both")
	}
	dir, _ := leakyDir(t)
	sarif := filepath.Join(t.TempDir(), "out.sarif")
	var out, errb bytes.Buffer
	err := Run(context.Background(), []string{"scan", "--progress", "never", "--format", "sarif", "--output", sarif, "--fail-on", "high", "--since-commit", "", dir}, strings.NewReader(""), &out, &errb)
	if ExitCode(err) != ExitFindings {
		t.Fatalf("exit %d (%v), want 1: %s", ExitCode(err), err, errb.String())
	}
	data, err := os.ReadFile(sarif)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 || len(doc.Runs[0].Results) != 1 || doc.Runs[0].Results[0].RuleID != "azure-sas" {
		t.Errorf("SARIF = %s", data)
	}
}
