package pickle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/bits"
	"sort"
	"strings"
)

// safetensors: an 8-byte little-endian header length N, N bytes of JSON
// (tensor name → dtype, shape, data_offsets; optional __metadata__ string
// map), then the raw tensor data. It cannot run code; a malformed header
// has been used against parsers, so the header is checked as strictly as
// the reference (Rust) implementation does.

// FormatSafetensors is reported in [FileResult.Format] for safetensors files.
const FormatSafetensors = "safetensors"

const maxSafetensorsHeader = 100 << 20

// safetensorsBits is the size in bits of one element of each dtype.
var safetensorsBits = map[string]uint64{
	"BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
	"I16": 16, "U16": 16, "F16": 16, "BF16": 16,
	"I32": 32, "U32": 32, "F32": 32, "C64": 64,
	"I64": 64, "U64": 64, "F64": 64,
	"F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
}

// isSafetensors says whether head looks like a safetensors file: 8 bytes
// of length, then a JSON object that begins with a key or ends at once.
func isSafetensors(head []byte) bool {
	if len(head) < 10 || head[8] != '{' {
		return false
	}
	rest := bytes.TrimLeft(head[9:], " \t\r\n")
	return len(rest) > 0 && (rest[0] == '"' || rest[0] == '}')
}

func (fs *fileScanner) scanSafetensors(r io.ReaderAt, size int64, name string, base int64) string {
	bad := func(format string, a ...any) string {
		fs.finding(Finding{Verdict: Suspicious, Code: "safetensors-malformed", Offset: base,
			Text: orFile(name) + ": malformed safetensors header: " + fmt.Sprintf(format, a...)})
		return FormatSafetensors
	}
	n := le64(readAt(r, 0, 8))
	if n > maxSafetensorsHeader {
		return bad("header length %d exceeds %d", n, maxSafetensorsHeader)
	}
	if int64(n)+8 > size {
		return bad("header length %d exceeds the file (%d bytes)", n, size)
	}
	if !fs.charge(int64(n), base) {
		return FormatSafetensors
	}
	hdr := readAt(r, 8, int64(n))
	if msg := checkSafetensorsHeader(hdr, uint64(size)-8-n); msg != "" {
		return bad("%s", msg)
	}
	fs.judged = true
	return FormatSafetensors
}

// checkSafetensorsHeader returns what is wrong with a header, or "".
func checkSafetensorsHeader(hdr []byte, dataLen uint64) string {
	dec := json.NewDecoder(bytes.NewReader(hdr))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "header is not a JSON object"
	}
	type span struct {
		name       string
		begin, end uint64
	}
	var spans []span
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return "invalid JSON: " + err.Error()
		}
		key, _ := t.(string)
		if seen[key] {
			return fmt.Sprintf("duplicate key %q (parsers disagree on which one counts)", key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return "invalid JSON: " + err.Error()
		}
		if key == "__metadata__" {
			var m map[string]string
			if err := json.Unmarshal(raw, &m); err != nil {
				return "__metadata__ is not a map of strings"
			}
			continue
		}
		var ti struct {
			Dtype       *string   `json:"dtype"`
			Shape       *[]uint64 `json:"shape"`
			DataOffsets *[]uint64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(raw, &ti); err != nil {
			return fmt.Sprintf("tensor %q: %v", key, err)
		}
		if ti.Dtype == nil || ti.Shape == nil || ti.DataOffsets == nil {
			return fmt.Sprintf("tensor %q: dtype, shape and data_offsets are required", key)
		}
		eb, ok := safetensorsBits[*ti.Dtype]
		if !ok {
			return fmt.Sprintf("tensor %q: unknown dtype %q", key, *ti.Dtype)
		}
		if len(*ti.DataOffsets) != 2 {
			return fmt.Sprintf("tensor %q: data_offsets must be [begin, end]", key)
		}
		b, e := (*ti.DataOffsets)[0], (*ti.DataOffsets)[1]
		if b > e || e > dataLen {
			return fmt.Sprintf("tensor %q: data_offsets [%d, %d] outside the data section (%d bytes)", key, b, e, dataLen)
		}
		numel := uint64(1)
		for _, d := range *ti.Shape {
			hi, lo := bits.Mul64(numel, d)
			if hi != 0 {
				return fmt.Sprintf("tensor %q: shape %v overflows", key, *ti.Shape)
			}
			numel = lo
		}
		hi, nb := bits.Mul64(numel, eb)
		if hi != 0 || nb%8 != 0 || nb/8 != e-b {
			return fmt.Sprintf("tensor %q: %s × %v is not %d bytes", key, *ti.Dtype, *ti.Shape, e-b)
		}
		spans = append(spans, span{key, b, e})
	}
	if _, err := dec.Token(); err != nil {
		return "invalid JSON: " + err.Error()
	}
	if rest := hdr[dec.InputOffset():]; len(strings.TrimRight(string(rest), " \x00")) != 0 {
		return fmt.Sprintf("%d bytes after the JSON header", len(rest))
	}
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].begin != spans[j].begin {
			return spans[i].begin < spans[j].begin
		}
		return spans[i].end < spans[j].end
	})
	at := uint64(0)
	for _, s := range spans {
		switch {
		case s.begin < at:
			return fmt.Sprintf("tensor %q overlaps the previous tensor", s.name)
		case s.begin > at:
			return fmt.Sprintf("gap of %d bytes before tensor %q (hidden data)", s.begin-at, s.name)
		}
		at = s.end
	}
	if at != dataLen {
		return fmt.Sprintf("%d bytes after the last tensor (hidden data)", dataLen-at)
	}
	return ""
}
