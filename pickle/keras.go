package pickle

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Keras models. A Keras v3 ".keras" file is a zip holding config.json,
// metadata.json and model.weights.h5; a Keras 2 ".h5" file is HDF5 with
// the model's JSON config in the root attribute "model_config". Neither
// holds a pickle: code runs through Lambda layers, whose function is
// marshalled Python bytecode (base64) or a reference to a module function.

// Formats reported in [FileResult.Format] for Keras files.
const (
	FormatKeras   = "keras"
	FormatKerasH5 = "keras-h5"
	FormatHDF5    = "hdf5"
)

const (
	maxKerasConfig = 64 << 20  // config.json / model_config JSON read
	maxH5Search    = 256 << 20 // bytes of an HDF5 file searched for model_config
)

// zipEntryBytes returns up to limit bytes of an entry's (decompressed)
// content, or nil.
func (fs *fileScanner) zipEntryBytes(z *zipReader, e *zipEntry, base, limit int64) []byte {
	csize := min(max(e.csize, 0), z.size-e.dataStart)
	if csize < 0 || !e.inLocal {
		return nil
	}
	src := io.NewSectionReader(z.r, e.dataStart, csize)
	switch e.method {
	case 0:
		n := min(csize, limit)
		if !fs.charge(n, base+e.dataStart) {
			return nil
		}
		return readAt(src, 0, n)
	case 8:
		b, _ := io.ReadAll(io.LimitReader(flate.NewReader(src), limit))
		if !fs.charge(int64(len(b)), base+e.dataStart) {
			return nil
		}
		return b
	}
	return nil
}

// scanKerasZip judges a Keras v3 archive (config.json and metadata.json at
// the root). It returns FormatKeras, or "" when the zip is no Keras file.
func (fs *fileScanner) scanKerasZip(z *zipReader, all []*zipEntry, name string, base int64) string {
	var configs []*zipEntry
	meta := false
	for _, e := range all {
		switch e.name {
		case "config.json":
			configs = append(configs, e)
		case "metadata.json":
			meta = true
		}
	}
	if len(configs) == 0 || !meta {
		return ""
	}
	for _, e := range configs {
		b := fs.zipEntryBytes(z, e, base, maxKerasConfig)
		fs.judgeKerasJSON(b, joinName(name, e.name), base+e.off)
	}
	return FormatKeras
}

// judgeKerasJSON judges a Keras model config; it reports whether the JSON
// could be parsed (and the model therefore judged).
func (fs *fileScanner) judgeKerasJSON(b []byte, label string, off int64) bool {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		vd := Unknown
		text := fmt.Sprintf("%s: Keras config is not valid JSON (%v): not judged", label, err)
		if bytes.Contains(b, []byte(`"Lambda"`)) {
			vd = Suspicious
			text = fmt.Sprintf("%s: Keras config is not valid JSON (%v) and mentions a Lambda layer", label, err)
		}
		fs.finding(Finding{Verdict: vd, Code: "keras-config", Offset: off, Text: text})
		return false
	}
	fs.judged = true
	walkKeras(v, 0, func(layer map[string]any) {
		fs.judgeLambda(layer, label, off)
	})
	return true
}

// walkKeras calls fn on every object whose class_name is "Lambda", at any
// depth (nested Functional/Sequential models, wrappers, ...).
func walkKeras(v any, depth int, fn func(map[string]any)) {
	if depth > 10000 {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		if cn, _ := x["class_name"].(string); cn == "Lambda" {
			fn(x)
		}
		for _, c := range x {
			walkKeras(c, depth+1, fn)
		}
	case []any:
		for _, c := range x {
			walkKeras(c, depth+1, fn)
		}
	}
}

func (fs *fileScanner) judgeLambda(layer map[string]any, label string, off int64) {
	cfg, _ := layer["config"].(map[string]any)
	lname, _ := cfg["name"].(string)
	if lname == "" {
		lname, _ = layer["name"].(string)
	}
	ev := []string{"layer " + lname}
	fn := cfg["function"]
	ftype, _ := cfg["function_type"].(string)
	code, isLambda := "", false
	switch f := fn.(type) {
	case map[string]any:
		cn, _ := f["class_name"].(string)
		fc, _ := f["config"].(map[string]any)
		if cn == "__lambda__" {
			isLambda = true
			if s, ok := fc["code"].(string); ok {
				code = s
			} else if l, ok := fc["value"].([]any); ok && len(l) > 0 {
				code, _ = l[0].(string)
			}
		} else {
			mod, _ := f["module"].(string)
			fname, _ := f["function_name"].(string)
			if fname == "" {
				fname, _ = f["config"].(string)
			}
			if fname == "" {
				fname, _ = fc["function_name"].(string)
			}
			ev = append(ev, "function "+strings.Trim(mod+"."+fname, "."))
		}
	case []any: // Keras 2: [code, defaults, closure], function_type "lambda"
		if len(f) > 0 {
			code, _ = f[0].(string)
		}
		isLambda = ftype != "function" && ftype != "raw"
	case string:
		if ftype == "lambda" {
			isLambda, code = true, f
		} else {
			mod, _ := cfg["module"].(string)
			ev = append(ev, "function "+strings.Trim(mod+"."+f, "."))
		}
	}
	if isLambda {
		ev = append(ev, describeLambdaCode(code)...)
		fs.finding(Finding{Verdict: Malicious, Code: "keras-lambda", Offset: off, Evidence: ev,
			Text: fmt.Sprintf("%s: Lambda layer %q holds Python code (marshalled bytecode or source) that runs when the model is loaded or called", label, lname)})
		return
	}
	fs.finding(Finding{Verdict: Suspicious, Code: "keras-lambda", Offset: off, Evidence: ev,
		Text: fmt.Sprintf("%s: Lambda layer %q calls a Python function by name", label, lname)})
}

// describeLambdaCode returns evidence about a Lambda's code field: the
// source when it is (or base64-decodes to) text, else the printable
// strings of the marshalled code object.
func describeLambdaCode(code string) []string {
	if code == "" {
		return nil
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' {
			return -1
		}
		return r
	}, code))
	if err != nil {
		return []string{"source: " + clip(code, 512)}
	}
	if utf8.Valid(raw) && printable(raw) {
		return []string{"source: " + clip(string(raw), 512)}
	}
	ev := []string{fmt.Sprintf("marshalled code object, %d bytes", len(raw))}
	if s := printableRuns(raw, 3, 16); len(s) > 0 {
		ev = append(ev, "strings: "+strings.Join(s, " "))
	}
	return ev
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c == 0x7f {
			return false
		}
	}
	return true
}

// scanHDF5 judges a Keras .h5 file without parsing HDF5: it looks for the
// "model_config" attribute text and the JSON object after it.
func (fs *fileScanner) scanHDF5(r io.ReaderAt, size int64, name string, base int64, depth int) string {
	limit := min(size, maxH5Search)
	at := int64(-1)
	key := []byte("model_config")
	const chunk = 1 << 20
	for p := int64(0); p < limit && at < 0; p += chunk - int64(len(key)) {
		n := min(chunk, limit-p)
		if !fs.charge(n, base+p) {
			break
		}
		b := readAt(r, p, n)
		if i := bytes.Index(b, key); i >= 0 {
			at = p + int64(i)
		}
		if int64(len(b)) < n {
			break
		}
	}
	if at >= 0 {
		// The JSON value is stored near the attribute name (inline or in a
		// global heap); take the first object that starts with class_name.
		win := readAt(r, at, min(size-at, maxKerasConfig))
		for _, pat := range [][]byte{[]byte(`{"class_name"`), []byte(`{"module"`), []byte(`{`)} {
			i := bytes.Index(win, pat)
			if i < 0 {
				continue
			}
			if obj := jsonObjectAt(win[i:]); obj != nil {
				fs.judgeKerasJSON(obj, joinName(name, "model_config"), base+at+int64(i))
				return FormatKerasH5
			}
		}
	}
	if depth == 0 {
		fs.finding(Finding{Verdict: Unknown, Code: "format-not-inspected", Offset: base,
			Text: orFile(name) + ": HDF5: only the model_config attribute is inspected, and none was found"})
	} else {
		// Keras v3 weights (model.weights.h5) hold arrays only.
		fs.finding(Finding{Verdict: Safe, Code: "format-not-inspected", Offset: base,
			Text: orFile(name) + ": HDF5: only the model_config attribute is inspected, and none was found"})
	}
	return FormatHDF5
}

// jsonObjectAt returns the balanced JSON object at the start of b, or nil.
func jsonObjectAt(b []byte) []byte {
	depth, inStr, esc := 0, false, false
	for i, c := range b {
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return b[:i+1]
			}
		case c == 0:
			return nil
		}
	}
	return nil
}
