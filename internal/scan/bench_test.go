package scan

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/overshare/overshare/internal/source"
)

// BenchmarkScanRepo scans the repository named by OVERSHARE_BENCH_REPO
// (full history and work tree), for profiling the engine on real data:
//
//	OVERSHARE_BENCH_REPO=/path/to/repo go test ./internal/scan -run XXX -bench ScanRepo -cpuprofile cpu.out
//
// OVERSHARE_BENCH_ARCHIVE_DEPTH sets the archive depth (as --archive-depth;
// 0 opens no archive).
func BenchmarkScanRepo(b *testing.B) {
	repo := os.Getenv("OVERSHARE_BENCH_REPO")
	if repo == "" {
		b.Skip("set OVERSHARE_BENCH_REPO to a git repository")
	}
	var opts source.Options
	if d := os.Getenv("OVERSHARE_BENCH_ARCHIVE_DEPTH"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			b.Fatalf("OVERSHARE_BENCH_ARCHIVE_DEPTH: %v", err)
		}
		opts.ArchiveDepth = n
		if n == 0 {
			opts.ArchiveDepth = -1
		}
	}
	for b.Loop() {
		res, err := Run(context.Background(), Options{Targets: []string{repo}, Source: opts})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(res.Bytes)
	}
}
