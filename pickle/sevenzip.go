package pickle

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/overshare/overshare/internal/sevenzip"
)

// max7zHeader bounds a 7z header, raw or decoded.
const max7zHeader = 16 << 20

// errStop7z ends a 7z walk once the file's byte budget is spent.
var errStop7z = errors.New("stop")

// scan7z scans every regular member of a 7z archive, decoded with the
// bounded reader of internal/sevenzip: solid folders are decoded once,
// in order; a member is read up to MaxEntrySize and scanned like a tar
// member. Members whose coders are not supported (PPMd, BCJ2, ...) or
// encrypted are reported Unknown, as is a malformed archive.
func (fs *fileScanner) scan7z(r io.ReaderAt, size int64, name string, base int64, depth int) string {
	label := orFile(name)
	left := fs.maxTotal - fs.total
	if left <= 0 {
		fs.charge(1, base)
		return Format7z
	}
	lim := sevenzip.Limits{MaxTotal: left, MaxEntries: MaxEntries, MaxHeader: max7zHeader, MaxDict: maxDictCap}
	a, err := sevenzip.Open(r, size, lim)
	if err != nil {
		switch {
		case errors.Is(err, sevenzip.ErrEncrypted):
			fs.finding(Finding{Verdict: Unknown, Code: "archive-encrypted", Offset: base,
				Text: fmt.Sprintf("%s: 7z archive with an encrypted header: contents not inspected (%v)", label, err)})
		case errors.Is(err, sevenzip.ErrUnsupported):
			fs.finding(Finding{Verdict: Unknown, Code: "archive-not-inspected", Offset: base,
				Text: fmt.Sprintf("%s: 7z archive whose header is compressed with an unsupported coder: contents not inspected (%v)", label, err)})
		case errors.Is(err, sevenzip.ErrLimit):
			fs.finding(Finding{Verdict: Suspicious, Code: "resource-limit", Offset: base,
				Text: fmt.Sprintf("%s: 7z archive over the reader's limits: contents not inspected (%v)", label, err)})
		default:
			fs.finding(Finding{Verdict: Unknown, Code: "7z-malformed", Offset: base,
				Text: fmt.Sprintf("%s: malformed 7z archive: contents not inspected (%v)", label, err)})
		}
		return Format7z
	}
	limited := false
	err = a.Walk(func(f *sevenzip.File, mr io.Reader) error {
		if f.IsEmpty || f.IsDir || f.IsAnti {
			return nil
		}
		lab := joinName(name, f.Name)
		at := base + f.PackOffset
		if err := a.Supported(f); err != nil {
			code := "archive-not-inspected"
			if errors.Is(err, sevenzip.ErrEncrypted) {
				code = "archive-encrypted"
			}
			fs.finding(Finding{Verdict: Unknown, Code: code, Offset: at,
				Text: fmt.Sprintf("%s: 7z member compressed with %s: not inspected (%v)", lab, a.Method(f), err)})
			return nil
		}
		limit := min(fs.maxEntry, max(fs.maxTotal-fs.total, 0))
		data, over, rerr := readBounded(mr, limit)
		switch {
		case rerr == nil:
		case errors.Is(rerr, sevenzip.ErrChecksum):
			fs.finding(Finding{Verdict: Suspicious, Code: "7z-bad-crc", Offset: at,
				Text: fmt.Sprintf("%s: CRC-32 mismatch (7-Zip reports an error but writes the file)", lab)})
		case errors.Is(rerr, sevenzip.ErrLimit):
			limited = true
			fs.finding(Finding{Verdict: Suspicious, Code: "resource-limit", Offset: at,
				Text: fmt.Sprintf("%s: 7z member not fully decoded (%v): only its beginning was judged", lab, rerr)})
		default:
			fs.finding(Finding{Verdict: Unknown, Code: "7z-malformed", Offset: at,
				Text: fmt.Sprintf("%s: 7z member data is corrupt after %d bytes (%v)", lab, len(data), rerr)})
		}
		if len(data) == 0 {
			return nil
		}
		if !fs.charge(int64(len(data)), at) {
			return errStop7z
		}
		if over {
			fs.finding(Finding{Verdict: Suspicious, Code: "resource-limit", Offset: at,
				Text: fmt.Sprintf("%s: decompresses to more than %d bytes: only the beginning was judged", lab, limit)})
		}
		inner := fs.scanAny(bytes.NewReader(data), int64(len(data)), lab, at, depth+1, true)
		switch inner {
		case FormatZip, FormatPyTorchZip, FormatTorchScript, FormatNpz, FormatTar, FormatPyTorchTar, Format7z:
			fs.finding(Finding{Verdict: Safe, Code: "nested-archive", Offset: at, Text: fmt.Sprintf("%s: nested archive (%s), scanned", lab, inner)})
		}
		return nil
	})
	if errors.Is(err, sevenzip.ErrLimit) && !limited {
		fs.finding(Finding{Verdict: Suspicious, Code: "resource-limit", Offset: base,
			Text: fmt.Sprintf("%s: 7z archive decodes to more than the bytes left for this file: the rest was not scanned", label)})
	}
	return Format7z
}
