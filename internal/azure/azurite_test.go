package azure

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// azurite is one running Azurite blob service with a dedicated account
// whose two keys are made at run time.
type azurite struct {
	URL     string // http://127.0.0.1:PORT
	Host    string // 127.0.0.1:PORT
	Account string
	Keys    [2]string // base64

	cmd      *exec.Cmd
	dir      string
	ownDir   bool // dir was made here and is removed by stop
	stderr   *strings.Builder
	done     chan struct{}
	stopOnce sync.Once
}

// azuriteConfig sets up a dedicated Azurite: Location is its --location
// (empty: a temporary folder removed on stop; given: kept, so a later
// Azurite can reopen the same data), Keys the account's two keys (empty:
// random).
type azuriteConfig struct {
	Location string
	Keys     [2]string
}

// AccountURL is the IP-style service URL of the account.
func (a *azurite) AccountURL() string { return a.URL + "/" + a.Account }

// One Azurite serves the whole package: it starts in ~1-2 s, and every
// test uses containers of its own. TestMain stops it.
var shared struct {
	once sync.Once
	az   *azurite
	err  error
	skip string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.az != nil {
		shared.az.stop()
	}
	os.Exit(code)
}

// startAzurite returns the package's Azurite, starting it on first use.
// When the binary is missing it skips the test on a developer's machine
// and fails it under CI (OVERSHARE_REQUIRE_INTEGRATION).
func startAzurite(t *testing.T) *azurite {
	t.Helper()
	shared.once.Do(func() {
		bin, why := azuriteBinary()
		if bin == "" {
			shared.skip = why
			return
		}
		shared.az, shared.err = launchAzurite(bin, azuriteConfig{})
	})
	if shared.skip != "" {
		if os.Getenv("OVERSHARE_REQUIRE_INTEGRATION") != "" {
			t.Fatalf("azurite is required (OVERSHARE_REQUIRE_INTEGRATION is set): %s", shared.skip)
		}
		t.Skipf("azurite not available: %s (scripts/test.sh installs it)", shared.skip)
	}
	if shared.err != nil {
		t.Fatalf("starting azurite: %v", shared.err)
	}
	return shared.az
}

// startAzuriteWith starts a dedicated Azurite for one test with cfg, and
// stops it when the test ends (or earlier with stop). It skips or fails
// like startAzurite when the binary is missing.
func startAzuriteWith(t *testing.T, cfg azuriteConfig) *azurite {
	t.Helper()
	bin, why := azuriteBinary()
	if bin == "" {
		if os.Getenv("OVERSHARE_REQUIRE_INTEGRATION") != "" {
			t.Fatalf("azurite is required (OVERSHARE_REQUIRE_INTEGRATION is set): %s", why)
		}
		t.Skipf("azurite not available: %s (scripts/test.sh installs it)", why)
	}
	az, err := launchAzurite(bin, cfg)
	if err != nil {
		t.Fatalf("starting azurite: %v", err)
	}
	t.Cleanup(az.stop)
	return az
}

// azuriteBinary finds azurite-blob: $OVERSHARE_AZURITE (set by
// scripts/test.sh), else .cache/azurite in the repository root.
func azuriteBinary() (string, string) {
	if p := os.Getenv("OVERSHARE_AZURITE"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Sprintf("OVERSHARE_AZURITE=%s: %v", p, err)
		}
		return p, ""
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err.Error()
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", "repository root not found"
		}
		dir = parent
	}
	p := filepath.Join(dir, ".cache", "azurite", "node_modules", ".bin", "azurite-blob")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Sprintf("%s not found and OVERSHARE_AZURITE not set", p)
	}
	return p, ""
}

func randomKey() string {
	b := make([]byte, 64)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func launchAzurite(bin string, cfg azuriteConfig) (*azurite, error) {
	dir, ownDir := cfg.Location, false
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "overshare-azurite-"); err != nil {
			return nil, err
		}
		ownDir = true
	}
	keys := cfg.Keys
	if keys[0] == "" {
		keys[0] = randomKey()
	}
	if keys[1] == "" {
		keys[1] = randomKey()
	}
	a := &azurite{Account: "oversharetest", Keys: keys, dir: dir, ownDir: ownDir,
		stderr: &strings.Builder{}, done: make(chan struct{})}
	a.cmd = exec.Command(bin, "--location", dir, "--silent", "--loose", "--skipApiVersionCheck",
		"--disableTelemetry", "--blobHost", "127.0.0.1", "--blobPort", "0")
	a.cmd.Env = append(os.Environ(), "AZURITE_ACCOUNTS="+a.Account+":"+a.Keys[0]+":"+a.Keys[1])
	a.cmd.Stderr = a.stderr
	out, err := a.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := a.cmd.Start(); err != nil {
		if ownDir {
			os.RemoveAll(dir)
		}
		return nil, err
	}
	// "Azurite Blob service successfully listens on http://127.0.0.1:PORT"
	// is printed even with --silent; --blobPort 0 lets the OS pick the port.
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, u, ok := strings.Cut(sc.Text(), "listens on "); ok {
				select {
				case found <- strings.TrimSpace(u):
				default:
				}
			}
		}
		io.Copy(io.Discard, out)
		close(a.done)
	}()
	select {
	case a.URL = <-found:
	case <-a.done:
		a.stop()
		return nil, fmt.Errorf("azurite exited before listening: %s", a.stderr.String())
	case <-time.After(60 * time.Second):
		a.stop()
		return nil, fmt.Errorf("azurite did not report listening within 60 s: %s", a.stderr.String())
	}
	a.Host = strings.TrimPrefix(a.URL, "http://")
	// Ready when an unauthenticated list answers 403.
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(a.AccountURL() + "?comp=list")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusForbidden {
				return a, nil
			}
		}
		if time.Now().After(deadline) {
			a.stop()
			return nil, fmt.Errorf("azurite not ready at %s: %v", a.URL, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends Azurite (once; later calls do nothing) and removes its folder
// when it made it.
func (a *azurite) stop() {
	a.stopOnce.Do(func() {
		if a.cmd.Process != nil {
			a.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-a.done:
			case <-time.After(10 * time.Second):
				a.cmd.Process.Kill()
			}
			a.cmd.Wait()
		}
		if a.ownDir {
			os.RemoveAll(a.dir)
		}
	})
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
