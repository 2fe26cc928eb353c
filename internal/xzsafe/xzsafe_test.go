package xzsafe

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/ulikunitz/xz"
)

func compress(t *testing.T, data []byte, dict int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := xz.WriterConfig{DictCap: dict}.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestNewReader(t *testing.T) {
	want := bytes.Repeat([]byte("overshare "), 1000)
	r, err := NewReader(bytes.NewReader(compress(t, want, 1<<20)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("round trip: %v, %d bytes", err, len(got))
	}
	// A header asking for a 128 MiB dictionary is refused before any
	// allocation.
	if _, err := NewReader(bytes.NewReader(compress(t, want, 128<<20))); !errors.Is(err, ErrDictTooLarge) {
		t.Errorf("128 MiB dictionary: err = %v, want ErrDictTooLarge", err)
	}
}

// TestSmallStreamAllocatesLittle: a tiny stream must not cost the 8 MiB
// default dictionary (nor the 64 MiB cap) in allocations.
func TestSmallStreamAllocatesLittle(t *testing.T) {
	data := compress(t, []byte("tiny"), 1<<16)
	allocs := testing.AllocsPerRun(5, func() {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, r)
	})
	var ms1, ms2 runtimeMem
	ms1.read()
	r, _ := NewReader(bytes.NewReader(data))
	io.Copy(io.Discard, r)
	ms2.read()
	if d := ms2.total - ms1.total; d > 4<<20 {
		t.Errorf("a %d-byte stream allocated %d bytes (%v allocs)", len(data), d, allocs)
	}
}
