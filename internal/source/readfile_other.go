//go:build !unix

package source

// readRegular always leaves the file to the portable path.
func readRegular(p string, max int64, buf []byte) ([]byte, bool, error) {
	return buf, false, nil
}
