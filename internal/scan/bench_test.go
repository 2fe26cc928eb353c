package scan

import (
	"context"
	"os"
	"testing"
)

// BenchmarkScanRepo scans the repository named by OVERSHARE_BENCH_REPO
// (full history and work tree), for profiling the engine on real data:
//
//	OVERSHARE_BENCH_REPO=/path/to/repo go test ./internal/scan -run XXX -bench ScanRepo -cpuprofile cpu.out
func BenchmarkScanRepo(b *testing.B) {
	repo := os.Getenv("OVERSHARE_BENCH_REPO")
	if repo == "" {
		b.Skip("set OVERSHARE_BENCH_REPO to a git repository")
	}
	for b.Loop() {
		res, err := Run(context.Background(), Options{Targets: []string{repo}})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(res.Bytes)
	}
}
