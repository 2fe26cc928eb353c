//go:build amd64 && !purego

package detect

import "golang.org/x/sys/cpu"

// haveTeddy says whether newMatcher builds the SIMD first stage.
var haveTeddy = cpu.X86.HasAVX2

// teddyScan is teddyScanGo in AVX2 (matcher_amd64.s).
//
//go:noescape
func teddyScan(masks *[2 * teddyWidth][32]byte, data []byte, out []uint64) (n, next int)

// The assembly is written for fingerprints of four bytes.
const _ = uint(teddyWidth-4) + uint(4-teddyWidth)
