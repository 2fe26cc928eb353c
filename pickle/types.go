package pickle

import (
	"errors"
	"fmt"
)

// Verdict is the judgement on a pickle stream or model file.
//
// The zero value is [Unknown], so that a Result that was never filled in is
// never mistaken for [Safe]. Verdicts are ordered by [Verdict.Rank]:
// Safe < Unknown < Suspicious < Malicious.
type Verdict int

const (
	// Unknown: the bytes are not a pickle (or not a complete one) and nothing
	// dangerous was seen; the scanner cannot vouch for them.
	Unknown Verdict = iota
	// Safe: every global is on the tier-0 (PyTorch weights_only) or tier-1
	// (curated value types, or the caller's allowlist) list and nothing else
	// was called.
	Safe
	// Suspicious: something the allowlists do not cover, or a malformed stream.
	Suspicious
	// Malicious: a known code-execution, loader or file/network gadget, a
	// name computed at load time, a parser differential, or a parse error after
	// a call site.
	Malicious
)

// String returns "unknown", "safe", "suspicious" or "malicious".
func (v Verdict) String() string {
	switch v {
	case Safe:
		return "safe"
	case Suspicious:
		return "suspicious"
	case Malicious:
		return "malicious"
	default:
		return "unknown"
	}
}

// Rank orders verdicts by severity: Safe 0, Unknown 1, Suspicious 2,
// Malicious 3.
func (v Verdict) Rank() int {
	switch v {
	case Safe:
		return 0
	case Suspicious:
		return 2
	case Malicious:
		return 3
	default:
		return 1
	}
}

// MarshalText makes a Verdict render as its name in JSON.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

func worse(a, b Verdict) Verdict {
	if b.Rank() > a.Rank() {
		return b
	}
	return a
}

// Tier says which allowlist accepted a global.
type Tier int

const (
	// TierNone: on no allowlist.
	TierNone Tier = iota
	// TierWeightsOnly: PyTorch's torch.load(weights_only=True) set.
	TierWeightsOnly
	// TierValueType: curated ordinary ML and standard-library value types.
	TierValueType
	// TierUser: the caller's allowlist ([Options.Allow]).
	TierUser
)

// Import is one name the unpickler would import (find_class), as resolved
// by CPython: after the Python 2 mapping for protocols below 3.
type Import struct {
	Module  string `json:"module"`
	Name    string `json:"name"`
	Offset  int64  `json:"offset"` // byte offset of the opcode
	Opcode  string `json:"opcode"` // GLOBAL, INST, STACK_GLOBAL, EXT1, EXT2, EXT4
	Dynamic bool   `json:"dynamic,omitempty"`
	// Original is "module name" as written in the stream when the Python 2
	// mapping changed it.
	Original string  `json:"original,omitempty"`
	Verdict  Verdict `json:"verdict"`
	Tier     Tier    `json:"tier,omitempty"`
	Reason   string  `json:"reason,omitempty"`
}

// Call is one place where loading the stream calls Python code.
type Call struct {
	// Callable is what gets called, e.g. "os.system",
	// "builtins.getattr(<module os>, 'system')", "persistent_load".
	Callable string   `json:"callable"`
	Offset   int64    `json:"offset"`
	Opcode   string   `json:"opcode"` // REDUCE, OBJ, INST, NEWOBJ, NEWOBJ_EX, BUILD, BINPERSID, PERSID, APPEND, SETITEM, ADDITEMS
	Args     []string `json:"args,omitempty"`
	Verdict  Verdict  `json:"verdict"`
}

// Finding explains one reason for the verdict.
type Finding struct {
	Verdict  Verdict  `json:"verdict"`
	Code     string   `json:"code"` // stable, machine-readable
	Text     string   `json:"text"`
	Offset   int64    `json:"offset"`
	Chain    []string `json:"chain,omitempty"`    // how the stream gets there, opcode by opcode
	Evidence []string `json:"evidence,omitempty"` // commands, URLs, nested payload facts
	Count    int      `json:"count,omitempty"`    // further occurrences folded into this one
}

// Result is what [Scan] learns about one pickle stream (which may hold
// several pickles one after the other).
type Result struct {
	Protocol int       `json:"protocol"` // highest PROTO seen; 0 when none
	Pickles  int       `json:"pickles"`  // complete pickles (STOPs) in the stream
	End      int64     `json:"end"`      // offset just past the last complete pickle
	Imports  []Import  `json:"imports,omitempty"`
	Calls    []Call    `json:"calls,omitempty"`
	Findings []Finding `json:"findings,omitempty"`
	Verdict  Verdict   `json:"verdict"`
	// Truncated is set when more imports, calls or findings were seen than
	// Options.MaxRecords allows; the verdict still covers all of them.
	Truncated bool  `json:"truncated,omitempty"`
	Err       error `json:"-"`
}

// Options bound a scan. The zero value gives the defaults.
type Options struct {
	// MaxMemo bounds the number of live memo entries (default 1<<21).
	MaxMemo int
	// MaxMaterialized bounds the values the machine materialises: stack and
	// container items, strings (per 64 bytes), call results (default 1<<25).
	MaxMaterialized int
	// Allow holds extra "module.name" globals judged safe, e.g. from a
	// per-repository allowlist. It never overrides a known gadget.
	Allow []string
	// MaxDepth bounds recursion into nested payloads (default 3).
	MaxDepth int
	// MaxRecords bounds the imports, calls and findings kept (default 1<<16).
	MaxRecords int
}

func (o Options) withDefaults() Options {
	if o.MaxMemo <= 0 {
		o.MaxMemo = 1 << 21
	}
	if o.MaxMaterialized <= 0 {
		o.MaxMaterialized = 1 << 25
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 3
	}
	if o.MaxRecords <= 0 {
		o.MaxRecords = 1 << 16
	}
	return o
}

// Sentinel errors, wrapped by [*ParseError].
var (
	// ErrTruncated: the stream ended inside an opcode or before STOP.
	ErrTruncated = errors.New("pickle truncated")
	// ErrLimit: a memory guard (memo or materialised size) was hit.
	ErrLimit = errors.New("pickle resource limit exceeded")
	// ErrInvalid: the stream is not valid for CPython's unpickler.
	ErrInvalid = errors.New("invalid pickle")
)

// ParseError says where and why the machine stopped.
type ParseError struct {
	Offset int64  // offset of the opcode that failed
	Op     string // opcode name, or "" for an unknown byte
	Msg    string
	Kind   error // ErrTruncated, ErrLimit or ErrInvalid
}

func (e *ParseError) Error() string {
	if e.Op != "" {
		return fmt.Sprintf("pickle: %s at offset %d: %s", e.Op, e.Offset, e.Msg)
	}
	return fmt.Sprintf("pickle: offset %d: %s", e.Offset, e.Msg)
}

func (e *ParseError) Unwrap() error { return e.Kind }
