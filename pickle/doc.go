// Package pickle judges Python pickle streams without running them.
//
// [Scan] runs a static pickle machine that parses exactly as CPython's C
// unpickler does for protocols 0–5: every opcode; INT and LONG text parsed
// as strtol/int(x, 0) (so "I0x10\n" is 16, where pickletools gives up);
// STRING escapes and UNICODE raw-unicode-escape; FRAME bounds checked, and
// an opcode that crosses the end of its frame reported as a parser
// differential; several pickles one after the other (each with a fresh
// stack, memo and protocol, sharing the copyreg extension registry). The
// machine models the real stack, memo (MEMOIZE stores the stack top at
// len(memo)) and mark stack with symbolic values, and records every import
// (GLOBAL, INST, STACK_GLOBAL with operands taken from the real stack,
// EXT1/2/4 through extensions registered in the stream by
// copyreg.add_extension) and every call site (REDUCE, OBJ, INST, NEWOBJ,
// NEWOBJ_EX, BUILD on a non-plain object, APPEND/SETITEM/ADDITEMS on
// non-containers, PERSID/BINPERSID) with its callable and byte offset.
//
// Names are resolved as find_class does: the Python 2 mapping of
// _compat_pickle below protocol 3 (cPickle → pickle, commands →
// subprocess, urllib.urlretrieve → urllib.request.urlretrieve, ...), and
// dotted names checked component by component, so pathlib + "os.system" is
// os.system and builtins + "eval.__call__" is eval. Names computed at load
// time (a STACK_GLOBAL operand that is not a constant, an EXT code not
// registered in the stream) are malicious.
//
// # Verdicts
//
// A global is [Safe] when it is on tier 0 (PyTorch's weights_only set) or
// tier 1 (curated value types such as collections.OrderedDict,
// datetime.datetime, numpy's array reconstruction; each entry carries a
// reason), or on the caller's [Options.Allow] list. Known code-execution,
// loader, file and network gadgets are [Malicious], with the chain of
// opcodes that reaches them; everything else is [Suspicious]. The
// block-list explains; the allowlists decide. Allow never overrides a
// gadget.
//
// Other rules: a parse error after a call site (with at least one import
// in that pickle) is malicious, because the unpickler has already run the
// call; bytes that are not a pickle are [Unknown], never Safe; a stream
// stopped by a memory guard is Suspicious.
//
// String and bytes constants that are themselves pickles (raw or base64),
// and the arguments of loaders and command sinks (pickle.loads,
// torch.load, marshal.loads, exec, os.system, ...), are scanned
// recursively up to [Options.MaxDepth]; commands, URLs and marshalled code
// strings appear as [Finding.Evidence]. Pure decoders with constant
// arguments (base64.b64decode, _codecs.encode(..., 'latin1')) are folded
// so that pickle.loads(b64decode('gAS...')) is seen through.
//
// # Bounds
//
// Memory is proportional to the live memo and to the values the stream
// materialises, not to the opcode count: containers keep their first 64
// items for rendering, strings are views of the input, tables grow in
// chunks. [Options.MaxMemo] and [Options.MaxMaterialized] stop memo bombs
// and expansion bombs with an [ErrLimit] error; truncated input gives
// [ErrTruncated] with the offset. The machine never executes anything and
// never panics (FuzzScan). Offsets inside decoded payloads (base64, latin-1
// text) are the offset of the constant that carried them.
//
// # Containers
//
// [ScanFile] and [ScanBytes] recognise model containers by magic bytes,
// never by file name, and judge every pickle stream they hold: PyTorch zip
// and TorchScript archives (a tolerant zip reader that ignores CRC, flag
// bits and local/central name mismatches, takes every central-directory
// record by offset and also walks the local headers, so duplicates and
// hidden entries are scanned), legacy PyTorch files (the five stacked
// pickles; the raw storages after them are not judged) and the legacy tar
// form, NumPy .npy (object and structured dtypes) and .npz, joblib (the
// inline array bytes after each NumpyArrayWrapper are skipped as
// joblib.load skips them) and its zlib/gzip/bz2/xz/lzma/lz4 compression,
// 7z archives (read with internal/sevenzip, whose every allocation is
// bounded: Copy, LZMA, LZMA2, Deflate, BZip2, BCJ and Delta folders,
// solid ones decoded once; members under other coders, encrypted ones and
// malformed archives are reported Unknown), nested archives and pickle/zip
// polyglots.
//
// Model formats without pickles are judged on what can run code: Keras v3
// archives and Keras .h5 files (Lambda layers in the model config; HDF5 is
// not parsed, only the model_config text is found), GGUF (Jinja2 sandbox
// escapes in tokenizer.chat_template, with a bounds-checked key/value
// parser), safetensors (header checked as strictly as the reference
// parser; valid files are Safe) and TensorFlow SavedModel protobufs (ops
// that read or write files or run Python).
package pickle
