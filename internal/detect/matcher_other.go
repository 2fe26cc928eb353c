//go:build !amd64 || purego

package detect

// haveTeddy says whether newMatcher builds the SIMD first stage: not
// without the assembly, where the scalar loop is faster than teddyScanGo.
var haveTeddy = false

func teddyScan(masks *[2 * teddyWidth][32]byte, data []byte, out []uint64) (n, next int) {
	return teddyScanGo(masks, data, out)
}
