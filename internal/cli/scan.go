package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/overshare/overshare/internal/azure"
	"github.com/overshare/overshare/internal/detect"
	"github.com/overshare/overshare/internal/finding"
	"github.com/overshare/overshare/internal/report"
	"github.com/overshare/overshare/internal/scan"
	"github.com/overshare/overshare/internal/source"
	"github.com/overshare/overshare/sas"
)

const scanLong = `Find shared-access credentials in files, archives and full git history,
and judge each one: Azure SAS tokens in every form, storage account keys and
connection strings, Service Bus SAS, AWS presigned and GCS signed URLs, AWS
access keys, private keys.

A TARGET is a directory, a file, an archive (zip, tar, 7z, gzip, bzip2, xz,
zstd, nested), a git repository (its whole history: every blob reachable
from any ref, read once, each finding attributed to the commits that carry
it), or '-' for standard input. Without a TARGET, the current directory.

The same secret found in many places is one finding with every location;
for git history, the first and last commit that carried it and whether it
is still at HEAD.

Settings come from --config, else .overshare.toml at the first target's
root. A line containing "overshare:allow" is never reported.

--verify asks Azure Storage, read-only, whether each azure-sas finding is
live (the same least request as 'overshare verify', never a blob body,
never a write), on 4 connections at most and within --verify-budget. The
answer is attached to the finding ("verification": status, http_status,
error_code, verdict) and judged: a live token keeps its severity and gains
the reason verified-live; a dead one (expired, bad-signature,
policy-revoked, key-auth-disabled) gains verified-dead and is lowered to
low, so it no longer fails --fail-on high; anything else (unreachable,
account-not-found, ip-restricted, a refused host) changes nothing. Only Azure
storage hosts are contacted unless --endpoint names another (an Azurite
emulator), to which every token is then sent.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it;
2 usage or configuration error; 3 some inputs could not be read (listed in
the report's errors) and nothing reached --fail-on.`

type scanOptions struct {
	sinceCommit    string
	allObjects     bool
	maxFileSize    string
	archiveDepth   int
	followSymlinks bool
	baseline       string
	workers        int

	verify       bool
	endpoint     string
	verifyBudget time.Duration
}

func (o *scanOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.sinceCommit, "since-commit", "", "git: scan only what commits after `REV` introduced (for CI and incremental scans)")
	f.BoolVar(&o.allObjects, "all-objects", false, "git: also scan unreachable objects (dangling commits, dropped stashes)")
	f.StringVar(&o.maxFileSize, "max-file-size", "100MB", "skip files and blobs larger than `SIZE` (reported), e.g. 10MB, 1GB")
	f.IntVar(&o.archiveDepth, "archive-depth", 3, "open archives nested up to `N` levels (0: do not open archives)")
	f.BoolVar(&o.followSymlinks, "follow-symlinks", false, "follow symbolic links in directories")
	f.StringVar(&o.baseline, "baseline", "", "report only findings not in `FILE`, an earlier JSON report (see 'overshare baseline')")
	f.IntVar(&o.workers, "workers", 0, "read with `N` parallel workers (default: number of CPUs)")
}

func newScanCmd(g *globalOptions) *cobra.Command {
	var opts scanOptions
	cmd := &cobra.Command{
		Use:   "scan [TARGET...]",
		Short: "Find and judge shared-access credentials in files, archives and git history",
		Long:  scanLong,
		Example: `  overshare scan .                          # a checkout: full history plus uncommitted files
  overshare scan --format sarif --output overshare.sarif .
  overshare scan --since-commit origin/main .   # only what a branch adds
  git show HEAD:config.json | overshare scan -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd, g, opts, args)
		},
	}
	opts.register(cmd)
	f := cmd.Flags()
	f.BoolVar(&opts.verify, "verify", false, "ask Azure Storage, read-only, whether each azure-sas finding is live, and judge it so")
	f.StringVar(&opts.endpoint, "endpoint", "", "with --verify, send requests to `HOST[:PORT]` instead of each token's host (an emulator); allows non-Azure and loopback hosts")
	f.DurationVar(&opts.verifyBudget, "verify-budget", 2*time.Minute, "with --verify, stop verifying after `DURATION` (the rest are marked skipped)")
	return cmd
}

func newBaselineCmd(g *globalOptions) *cobra.Command {
	var opts scanOptions
	cmd := &cobra.Command{
		Use:   "baseline [TARGET...]",
		Short: "Write the current findings as a baseline for 'scan --baseline'",
		Long: `Scan like 'overshare scan' and write every finding as a JSON report to
--output (default .overshare-baseline.json). A later 'overshare scan
--baseline FILE' reports only findings that are not in it. Exit code 0
unless the scan could not run.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			g.format = "json"
			if g.output == "" {
				g.output = ".overshare-baseline.json"
			}
			err := runScan(cmd, g, opts, args)
			var fe *FindingsError
			if errors.As(err, &fe) {
				return nil
			}
			return err
		},
	}
	opts.register(cmd)
	return cmd
}

func runScan(cmd *cobra.Command, g *globalOptions, opts scanOptions, targets []string) error {
	if len(targets) == 0 {
		targets = []string{"."}
	}
	maxSize, err := parseSize(opts.maxFileSize)
	if err != nil {
		return usageErrorf("--max-file-size %q: %v", opts.maxFileSize, err)
	}
	if opts.archiveDepth < 0 {
		return usageErrorf("--archive-depth %d: want 0 or more", opts.archiveDepth)
	}
	root := targets[0]
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		root = filepath.Dir(root)
	}
	cfg, err := g.loadConfig(root)
	if err != nil {
		return err
	}
	known := detect.KnownRules()
	for _, r := range cfg.DisabledRules {
		if !slices.Contains(known, r) {
			return &UsageError{Err: fmt.Errorf("configuration: %s: rules.disabled: unknown rule %q", cfg.Path, r),
				Hint: "rules: " + strings.Join(known, ", ")}
		}
	}
	var baseline map[string]bool
	if opts.baseline != "" {
		if baseline, err = readBaseline(opts.baseline); err != nil {
			return err
		}
	}
	stdinTargets := 0
	for _, t := range targets {
		if t == "-" {
			stdinTargets++
		}
	}
	if stdinTargets > 1 {
		return usageErrorf("standard input ('-') can be scanned once")
	}

	depth := opts.archiveDepth
	if depth == 0 {
		depth = -1 // the source reads 0 as "default"
	}
	sopts := scan.Options{
		Targets: targets,
		Source: source.Options{
			MaxFileSize:    maxSize,
			FollowSymlinks: opts.followSymlinks,
			ArchiveDepth:   depth,
			AllObjects:     opts.allObjects,
			SinceCommit:    opts.sinceCommit,
			Workers:        opts.workers,
			Stdin:          g.stdin,
		},
		Config:   cfg,
		Baseline: baseline,
	}
	if g.showProgress() {
		p := &progressLine{w: g.stderr}
		sopts.Progress = p.update
	}
	if opts.endpoint != "" && !opts.verify {
		return usageErrorf("--endpoint is only used with --verify")
	}
	if opts.verify {
		if opts.verifyBudget <= 0 {
			return usageErrorf("--verify-budget %s: want a positive duration", opts.verifyBudget)
		}
		sopts.Verify = scanVerifier(opts.endpoint)
		sopts.VerifyBudget = opts.verifyBudget
	}
	res, err := scan.Run(cmd.Context(), sopts)
	if err != nil {
		var te *scan.TargetError
		if errors.As(err, &te) {
			return &UsageError{Err: err, Hint: "a target is a directory, a file, an archive, a git repository, or '-' for standard input"}
		}
		if res == nil {
			return err
		}
	}
	if werr := writeScanReport(g, res, targets); werr != nil {
		return werr
	}
	if err != nil {
		return &IncompleteError{Err: err, Unreadable: len(res.Errors)}
	}
	over := 0
	for _, f := range res.Findings {
		if f.Severity >= g.failOn {
			over++
		}
	}
	if over > 0 {
		return &FindingsError{Count: over, FailOn: g.failOn}
	}
	if len(res.Errors) > 0 {
		return &IncompleteError{Unreadable: len(res.Errors)}
	}
	return nil
}

func writeScanReport(g *globalOptions, res *scan.Result, targets []string) error {
	w, done, err := g.openOutput()
	if err != nil {
		return err
	}
	h, err := g.newHandler(w)
	if err != nil {
		done()
		return err
	}
	write := func() error {
		if err := h.Start(g.runInfo("scan", targets)); err != nil {
			return err
		}
		for _, f := range res.Findings {
			if g.showSecrets {
				f.Secret = f.Secret.WithRaw(true)
			}
			if err := h.Finding(f); err != nil {
				return err
			}
		}
		for _, e := range res.Errors {
			msg := e.Err
			if e.Op != "" {
				msg = e.Op + ": " + msg
			}
			if err := h.Error(report.ScanError{Path: e.Path, Err: msg}); err != nil {
				return err
			}
		}
		return h.Flush()
	}
	if err := write(); err != nil {
		done()
		return fmt.Errorf("writing the report: %w", err)
	}
	return done()
}

// readBaseline reads the finding ids of an earlier JSON (or JSON Lines)
// report.
func readBaseline(path string) (map[string]bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("--baseline: %w", err)}
	}
	ids := map[string]bool{}
	var doc struct {
		Findings []struct {
			ID string `json:"id"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(data, &doc); err == nil && doc.Findings != nil {
		for _, f := range doc.Findings {
			ids[f.ID] = true
		}
		return ids, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var f struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(line, &f); err != nil {
			return nil, &UsageError{Err: fmt.Errorf("--baseline %s: line %d: not a JSON or JSON Lines report: %v", path, n, err),
				Hint: "write a baseline with 'overshare baseline' or 'overshare scan --format json'"}
		}
		if f.ID != "" {
			ids[f.ID] = true
		}
	}
	return ids, nil
}

// parseSize reads sizes like 100MB, 1GiB, 512k, 1000.
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.m
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("want a positive size such as 100MB")
	}
	return n * mult, nil
}

// showProgress decides whether to draw the progress line on stderr.
func (g *globalOptions) showProgress() bool {
	switch {
	case g.quiet || g.progress == "never":
		return false
	case g.progress == "always":
		return true
	}
	return useColor(g.stderr)
}

// progressLine draws "scanned N blobs, X MB (Y MB/s), Z findings" on one
// terminal line, rewritten in place, and clears it at the end.
type progressLine struct {
	w     io.Writer
	width int
}

func (p *progressLine) update(s scan.Progress) {
	if s.Done {
		fmt.Fprintf(p.w, "\r%*s\r", p.width, "")
		return
	}
	rate := 0.0
	if secs := s.Elapsed.Seconds(); secs > 0 {
		rate = float64(s.Bytes) / secs / (1 << 20)
	}
	line := fmt.Sprintf("scanned %d files and blobs, %.1f MB (%.1f MB/s), %d findings, %s",
		s.Fragments, float64(s.Bytes)/(1<<20), rate, s.Findings, s.Elapsed.Truncate(time.Second))
	if s.TotalBytes > 0 && rate > 0 {
		left := time.Duration(float64(s.TotalBytes-s.TotalBytesDone) / (rate * (1 << 20)) * float64(time.Second))
		line += fmt.Sprintf(", history %d%%, about %s left", 100*s.TotalBytesDone/s.TotalBytes, left.Round(time.Second))
	}
	pad := max(0, p.width-len(line))
	p.width = max(p.width, len(line))
	fmt.Fprintf(p.w, "\r%s%*s", line, pad, "")
}

// scanVerifier verifies an azure-sas finding's text live with
// azure.Verify and turns the answer into the finding's evidence. It never
// puts the token into what it returns.
func scanVerifier(endpoint string) func(ctx context.Context, rule, text string) *finding.Verification {
	return func(ctx context.Context, rule, text string) *finding.Verification {
		skipped := func(detail string) *finding.Verification {
			return &finding.Verification{Status: "skipped", Verdict: finding.VerdictUnknown, Detail: detail}
		}
		if rule != "azure-sas" {
			return nil
		}
		tok, err := sas.Parse(text)
		if err != nil {
			return skipped("the token does not parse, so there is nothing to ask")
		}
		res, err := azure.Verify(ctx, tok, azure.Options{Endpoint: endpoint})
		if err != nil {
			var ee *azure.EndpointError
			switch {
			case errors.As(err, &ee):
				return skipped(ee.Error())
			case errors.Is(err, azure.ErrNoURL):
				return skipped("the token was found without its URL, so there is nothing to ask")
			case ctx.Err() != nil:
				return skipped("not checked: the verification time budget ran out")
			}
			return skipped(err.Error())
		}
		return &finding.Verification{Status: string(res.Status), HTTPStatus: res.HTTPStatus, ErrorCode: res.ErrorCode,
			Verdict: verdictOf(res.Status), Detail: res.Detail}
	}
}

// verdictOf says whether a verify status means the token works today.
func verdictOf(s azure.Status) string {
	switch s {
	case azure.Valid, azure.PermissionMismatch:
		return finding.VerdictLive
	case azure.Expired, azure.BadSignature, azure.PolicyRevoked, azure.KeyAuthDisabled:
		return finding.VerdictDead
	}
	// account-not-found stays unknown: an offline machine's DNS failure
	// looks the same, and a deleted account's name can be registered again.
	return finding.VerdictUnknown
}
