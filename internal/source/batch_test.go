package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// batchRecord is one parsed response, for comparison and re-encoding.
type batchRecord struct {
	Header batchHeader
	Body   string
	Skip   bool // body discarded (too large), not kept
}

// parseBatch reads a whole --batch stream the way the git worker does:
// bodies up to maxBody are read, larger ones discarded.
func parseBatch(data []byte, maxBody int64) ([]batchRecord, error) {
	br := newBatchReader(bytes.NewReader(data))
	var recs []batchRecord
	var buf []byte
	for {
		h, err := br.header()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		rec := batchRecord{Header: h}
		switch {
		case h.Missing:
		case h.Size > maxBody:
			rec.Skip = true
			if err := br.discard(h); err != nil {
				return recs, err
			}
		default:
			buf, err = br.body(h, buf)
			if err != nil {
				return recs, err
			}
			rec.Body = string(buf)
		}
		recs = append(recs, rec)
	}
}

// encodeBatch writes records the way git does.
func encodeBatch(recs []batchRecord) []byte {
	var b bytes.Buffer
	for _, r := range recs {
		if r.Header.Missing {
			fmt.Fprintf(&b, "%s %s\n", r.Header.OID, r.Header.Type)
			continue
		}
		fmt.Fprintf(&b, "%s %s %d\n%s\n", r.Header.OID, r.Header.Type, r.Header.Size, r.Body)
	}
	return b.Bytes()
}

const (
	oidA = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
	oidB = "ce013625030ba8dba906f756967f9e9ca394464a"
	oid2 = "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813" // SHA-256
)

var batchSeeds = []string{
	"",
	oidA + " blob 0\n\n",
	oidB + " blob 6\nhello\n\n",
	oidB + " blob 6\nhello\n\n" + oidA + " missing\n" + oid2 + " blob 3\na\x00b\n",
	oidA + " commit 12\ntree abc\n\n\n",
	oidA + " ambiguous\n",
	oidA + " blob 5\nhel",      // truncated body
	oidA + " blob 5\nhello",    // no terminator
	oidA + " blob 5\nhelloX",   // wrong terminator
	oidA + " blob 05\nhello\n", // non-canonical size
	oidA + " blob -1\n",        // negative
	oidA + " blob 99999999999999999999\n",
	oidA + " blob 9223372036854775807\nxyz\n",
	oidA + " banana 3\nabc\n",  // unknown type
	oidA[:39] + " blob 1\nx\n", // short id
	strings.ToUpper(oidA) + " blob 1\nx\n",
	oidA + " blob 1", // header without newline
	oidA + "\n",      // no fields
	oidA + " blob\n",
	"fatal: not a git repository\n",
	strings.Repeat("x", 70000) + "\n", // longer than the buffer
}

func TestBatchParser(t *testing.T) {
	tests := []struct {
		in      string
		want    []batchRecord
		wantErr error
	}{
		{in: "", want: nil},
		{in: oidB + " blob 6\nhello\n\n" + oidA + " missing\n" + oid2 + " tree 3\na\x00b\n", want: []batchRecord{
			{Header: batchHeader{OID: oidB, Type: "blob", Size: 6}, Body: "hello\n"},
			{Header: batchHeader{OID: oidA, Type: "missing", Missing: true}},
			{Header: batchHeader{OID: oid2, Type: "tree", Size: 3}, Body: "a\x00b"},
		}},
		{in: oidA + " blob 20\n" + strings.Repeat("z", 20) + "\n", want: []batchRecord{
			{Header: batchHeader{OID: oidA, Type: "blob", Size: 20}, Skip: true},
		}},
		{in: oidA + " blob 5\nhel", wantErr: io.ErrUnexpectedEOF},
		{in: oidA + " blob 5\nhello", wantErr: io.ErrUnexpectedEOF},
		{in: oidA + " blob 5\nhelloX", wantErr: errBatchSyntax},
		{in: oidA + " blob 05\nhello\n", wantErr: errBatchSyntax},
		{in: oidA + " blob 99999999999999999999\n", wantErr: errBatchSyntax},
		{in: oidA + " blob 9223372036854775807\nxyz\n", wantErr: io.ErrUnexpectedEOF}, // discarded until the end
		{in: oidA + " banana 3\nabc\n", wantErr: errBatchSyntax},
		{in: strings.ToUpper(oidA) + " blob 1\nx\n", wantErr: errBatchSyntax},
		{in: oidA + " blob 1", wantErr: io.ErrUnexpectedEOF},
		{in: "fatal: not a git repository\n", wantErr: errBatchSyntax},
		{in: strings.Repeat("x", 70000) + "\n", wantErr: errBatchSyntax},
	}
	for _, tt := range tests {
		got, err := parseBatch([]byte(tt.in), 10)
		if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
			t.Errorf("parse(%q): error %v, want %v", clip([]byte(tt.in)), err, tt.wantErr)
		}
		if tt.wantErr == nil {
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parse(%q) (-want +got):\n%s", clip([]byte(tt.in)), diff)
			}
		}
	}
}

// FuzzBatchParser: on any input the parser ends (no panic, no hang, no
// allocation beyond the input), every failure is a typed error
// (errBatchSyntax or io.ErrUnexpectedEOF), and whatever it accepts whole
// re-encodes to exactly the input: it accepts only canonical git output.
func FuzzBatchParser(f *testing.F) {
	if len(batchSeeds) == 0 {
		f.Fatal("empty seed corpus")
	}
	for _, s := range batchSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := parseBatch(data, 1<<16)
		if err != nil {
			if !errors.Is(err, errBatchSyntax) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, r := range recs {
			if r.Skip {
				return // body not kept: nothing to compare
			}
		}
		if got := encodeBatch(recs); !bytes.Equal(got, data) {
			t.Fatalf("accepted input does not round-trip:\n in  %q\n out %q", data, got)
		}
	})
}

// FuzzLogParser: git log output (paths are arbitrary bytes) never makes
// the parser panic; what it accepts has well-formed ids.
func FuzzLogParser(f *testing.F) {
	seeds := []string{
		"",
		"\x00C " + oidA + "\x00A <a@x>\x002020-01-01T00:00:00+00:00\x00\x00\n:000000 100644 " + strings.Repeat("0", 40) + " " + oidB + " A\x00f\x00",
		"\x00C " + oidA + "\x00A <a@x>\x002020-01-01T00:00:00+00:00\x00\x00\x00::100644 100644 100644 " + oidA + " " + oidA + " " + oidB + " MM\x00new\nline\x00",
		"\x00C " + oidA + "\x00A\x00", // cut in a header
		":000000 100644 x y A\x00p\x00",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = parseLog(bytes.NewReader(data), func(hash, _, _ []byte) {
			if !isHexID(hash) {
				t.Fatalf("commit id %q accepted", hash)
			}
		}, func(key string, _ []byte) error {
			if len(key) != 20 && len(key) != 32 {
				t.Fatalf("blob key of %d bytes", len(key))
			}
			return nil
		})
	})
}

func TestLogParser(t *testing.T) {
	zero := strings.Repeat("0", 40)
	in := "\x00C " + oidA + "\x00Ada <a@x>\x002020-01-02T03:04:05+01:00\x00\x00\n" +
		":000000 100644 " + zero + " " + oidB + " A\x00added\x00" +
		":100644 000000 " + oidB + " " + zero + " D\x00deleted\x00" +
		":000000 160000 " + zero + " " + oidA + " A\x00submodule\x00" +
		":000000 120000 " + zero + " " + oidA + " A\x00symlink\x00" +
		"\x00C " + oidB + "\x00Bo <b@x>\x002020-01-03T00:00:00Z\x00\x00\x00" +
		"::100644 100644 100644 " + oidA + " " + oidA + " " + oidB + " MM\x00merged\x00" +
		"::100644 100644 000000 " + oidA + " " + oidA + " " + zero + " DD\x00merge-deleted\x00"
	var got []string
	err := parseLog(strings.NewReader(in), func(hash, author, date []byte) {
		got = append(got, fmt.Sprintf("commit %s %s %s", hash, author, date))
	}, func(key string, path []byte) error {
		got = append(got, fmt.Sprintf("blob %x %q", key, path))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"commit " + oidA + " Ada <a@x> 2020-01-02T03:04:05+01:00",
		"blob " + oidB + ` "added"`,
		"blob " + oidA + ` "symlink"`,
		"commit " + oidB + " Bo <b@x> 2020-01-03T00:00:00Z",
		"blob " + oidB + ` "merged"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{
		"\x00C nothex\x00",
		":000000 100644 " + zero + " " + oidB + "\x00p\x00",
		"garbage\x00",
		"\x00C " + oidA + "\x00Ada\x00",
	} {
		err := parseLog(strings.NewReader(bad), func(_, _, _ []byte) {}, func(string, []byte) error { return nil })
		if !errors.Is(err, errBatchSyntax) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("parseLog(%q) = %v, want a typed error", bad, err)
		}
	}
}
