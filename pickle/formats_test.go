package pickle

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
)

// Samples of the non-pickle model formats (pickle-threats.md §2, rows
// 38–39 of §3), built at run time.

// ---- Keras ----

func kerasLayer(class, name string, cfg map[string]any) map[string]any {
	if cfg == nil {
		cfg = map[string]any{}
	}
	cfg["name"] = name
	return map[string]any{"module": "keras.layers", "class_name": class, "config": cfg}
}

func kerasModel(class string, layers ...any) map[string]any {
	return map[string]any{"module": "keras", "class_name": class, "config": map[string]any{"name": "m", "layers": layers}}
}

func mustJSON(t testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeMarshal looks like marshal.dumps of a code object calling os.system.
func fakeMarshal() string {
	b := []byte{0xe3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x43, 0, 0, 0}
	b = append(b, "\xda\x02os\xda\x06system\xfa\x0ftouch /tmp/pwn"...)
	return base64.StdEncoding.EncodeToString(b)
}

func lambdaLayer(name, code string) map[string]any {
	return kerasLayer("Lambda", name, map[string]any{
		"function": map[string]any{"class_name": "__lambda__", "config": map[string]any{"code": code, "defaults": nil, "closure": nil}},
	})
}

func kerasFile(t testing.TB, config []byte) []byte {
	return stdZip(t, true, "metadata.json", []byte(`{"keras_version": "3.3.3", "date_saved": "2024-05-01@00:00:00"}`),
		"config.json", config, "model.weights.h5", h5File(nil))
}

// h5File is an HDF5 superblock followed by filler and, when config is set,
// a model_config attribute holding it.
func h5File(config []byte) []byte {
	var b bytes.Buffer
	b.Write(magicHDF5)
	b.Write(make([]byte, 200))
	if config != nil {
		b.WriteString("model_config\x00\x00\x00\x13\x00\x00\x00")
		b.Write(config)
		b.WriteByte(0)
	}
	b.Write(make([]byte, 300))
	return b.Bytes()
}

func findingEvidence(r *FileResult, code string) string {
	var sb strings.Builder
	for _, f := range r.Findings {
		if f.Code == code {
			sb.WriteString(f.Text + " " + strings.Join(f.Evidence, " ") + "\n")
		}
	}
	return sb.String()
}

func TestRow38KerasLambda(t *testing.T) {
	dense := kerasLayer("Dense", "dense", map[string]any{"units": 4})
	named := kerasLayer("Lambda", "named_fn", map[string]any{
		"function": map[string]any{"module": "builtins", "class_name": "function", "config": "print", "registered_name": "function"},
	})
	keras2Lambda := kerasLayer("Lambda", "k2", map[string]any{"function": []any{fakeMarshal(), nil, nil}, "function_type": "lambda"})
	keras2Raw := kerasLayer("Lambda", "k2raw", map[string]any{"function": "my_fn", "function_type": "function", "module": "__main__"})
	source := base64.StdEncoding.EncodeToString([]byte("lambda x: __import__('os').system('id')"))
	nested := kerasModel("Functional", dense, kerasModel("Sequential", kerasLayer("Dropout", "d", nil), lambdaLayer("hidden_lambda", fakeMarshal())))

	rows := []struct {
		fileSample
		evidence string
	}{
		{fileSample{name: "row38_keras_lambda", data: kerasFile(t, mustJSON(t, kerasModel("Sequential", dense, lambdaLayer("evil", fakeMarshal())))), want: Malicious, format: FormatKeras, finding: "keras-lambda"}, "system"},
		{fileSample{name: "row38_keras_lambda_nested", data: kerasFile(t, mustJSON(t, nested)), want: Malicious, format: FormatKeras, finding: "keras-lambda"}, "hidden_lambda"},
		{fileSample{name: "row38_keras_lambda_source", data: kerasFile(t, mustJSON(t, kerasModel("Sequential", lambdaLayer("src", source)))), want: Malicious, format: FormatKeras}, "__import__('os')"},
		{fileSample{name: "row38_keras_lambda_named_function", data: kerasFile(t, mustJSON(t, kerasModel("Sequential", named))), want: Suspicious, format: FormatKeras, finding: "keras-lambda"}, "builtins.print"},
		{fileSample{name: "row38_keras_benign", data: kerasFile(t, mustJSON(t, kerasModel("Sequential", dense, kerasLayer("Dense", "out", nil)))), want: Safe, format: FormatKeras}, ""},
		{fileSample{name: "row38_keras_bad_json", data: kerasFile(t, []byte(`{"class_name": "Lambda", `)), want: Suspicious, format: FormatKeras, finding: "keras-config"}, ""},
		{fileSample{name: "row38_h5_lambda", data: h5File(mustJSON(t, kerasModel("Functional", dense, keras2Lambda))), want: Malicious, format: FormatKerasH5, finding: "keras-lambda"}, "k2"},
		{fileSample{name: "row38_h5_raw_function", data: h5File(mustJSON(t, kerasModel("Functional", keras2Raw))), want: Suspicious, format: FormatKerasH5, finding: "keras-lambda"}, "__main__.my_fn"},
		{fileSample{name: "row38_h5_benign", data: h5File(mustJSON(t, kerasModel("Sequential", dense))), want: Safe, format: FormatKerasH5}, ""},
		{fileSample{name: "row38_h5_no_config", data: h5File(nil), want: Unknown, format: FormatHDF5, finding: "format-not-inspected"}, ""},
		{fileSample{name: "row38_keras_nested_in_zip", data: stdZip(t, false, "model.keras", kerasFile(t, mustJSON(t, nested))), want: Malicious}, "hidden_lambda"},
	}
	for _, s := range rows {
		r := checkFile(t, s.fileSample)
		if s.evidence != "" && !strings.Contains(findingEvidence(r, "keras-lambda"), s.evidence) {
			t.Errorf("%s: evidence lacks %q\n%s", s.name, s.evidence, findingEvidence(r, "keras-lambda"))
		}
	}
	// Detection is by content: a Keras archive named anything is judged.
	if r := ScanBytes(kerasFile(t, []byte(`{}`)), Options{}); r.Format != FormatKeras || r.Verdict != Safe {
		t.Errorf("empty keras config: %s", dumpFile(r))
	}
}

// ---- GGUF ----

type ggufW struct {
	bytes.Buffer
	n int
}

func (g *ggufW) str(s string) {
	binary.Write(&g.Buffer, binary.LittleEndian, uint64(len(s)))
	g.WriteString(s)
}

func (g *ggufW) kvString(k, v string) {
	g.n++
	g.str(k)
	binary.Write(&g.Buffer, binary.LittleEndian, uint32(8))
	g.str(v)
}

func (g *ggufW) kvU32(k string, v uint32) {
	g.n++
	g.str(k)
	binary.Write(&g.Buffer, binary.LittleEndian, uint32(4))
	binary.Write(&g.Buffer, binary.LittleEndian, v)
}

func (g *ggufW) kvStrings(k string, vs ...string) {
	g.n++
	g.str(k)
	binary.Write(&g.Buffer, binary.LittleEndian, uint32(9))
	binary.Write(&g.Buffer, binary.LittleEndian, uint32(8))
	binary.Write(&g.Buffer, binary.LittleEndian, uint64(len(vs)))
	for _, v := range vs {
		g.str(v)
	}
}

func (g *ggufW) file(version uint32, kvCount int) []byte {
	var b bytes.Buffer
	b.WriteString("GGUF")
	binary.Write(&b, binary.LittleEndian, version)
	binary.Write(&b, binary.LittleEndian, uint64(0))
	binary.Write(&b, binary.LittleEndian, uint64(kvCount))
	b.Write(g.Bytes())
	b.Write(make([]byte, 64)) // tensor infos / data, never read
	return b.Bytes()
}

const benignTemplate = "{% for message in messages %}{{ '<|' + message['role'] + '|>' + message['content'] }}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}"

func gguf(template string, extra ...string) []byte {
	g := &ggufW{}
	g.kvString("general.architecture", "llama")
	g.kvU32("general.alignment", 32)
	g.kvStrings("tokenizer.ggml.tokens", "<s>", "</s>", "hello")
	if template != "" {
		g.kvString("tokenizer.chat_template", template)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		g.kvString(extra[i], extra[i+1])
	}
	return g.file(3, g.n)
}

func TestRow39GGUFTemplate(t *testing.T) {
	ssti := "{% for x in ().__class__.__base__.__subclasses__() %}{% if 'warning' in x.__name__ %}{{ x()._module.__builtins__['__import__']('os').popen('id').read() }}{% endif %}{% endfor %}"
	lipsum := "{{ lipsum.__globals__['os'].popen('touch /tmp/pwn').read() }}"
	truncated := gguf(benignTemplate)
	truncated = truncated[:len(truncated)-64-20]
	huge := gguf(benignTemplate)
	binary.LittleEndian.PutUint64(huge[16:], 1<<40) // kv count
	g := &ggufW{}
	g.kvString("general.architecture", "llama")
	g.str("bad.type")
	binary.Write(&g.Buffer, binary.LittleEndian, uint32(13))
	badType := g.file(3, 2)

	rows := []struct {
		fileSample
		evidence string
	}{
		{fileSample{name: "row39_gguf_template", data: gguf(ssti), want: Malicious, format: FormatGGUF, finding: "gguf-chat-template"}, "__subclasses__"},
		{fileSample{name: "row39_gguf_template_lipsum", data: gguf(lipsum), want: Malicious, format: FormatGGUF, finding: "gguf-chat-template"}, "lipsum"},
		{fileSample{name: "row39_gguf_template_named", data: gguf(benignTemplate, "tokenizer.chat_template.tool_use", "{{ cycler.__init__.__globals__.os.popen('id') }}"), want: Malicious, format: FormatGGUF, finding: "gguf-chat-template"}, "tool_use"},
		{fileSample{name: "row39_gguf_template_attr_obfuscated", data: gguf("{{ ()|attr('\\x5f\\x5fclass\\x5f\\x5f') }}"), want: Suspicious, format: FormatGGUF, finding: "gguf-chat-template"}, "attr"},
		{fileSample{name: "row39_gguf_benign", data: gguf(benignTemplate), want: Safe, format: FormatGGUF}, ""},
		{fileSample{name: "row39_gguf_no_template", data: gguf(""), want: Safe, format: FormatGGUF}, ""},
		{fileSample{name: "row39_gguf_truncated", data: truncated, want: Suspicious, format: FormatGGUF, finding: "gguf-malformed"}, ""},
		{fileSample{name: "row39_gguf_kv_count", data: huge, want: Suspicious, format: FormatGGUF, finding: "gguf-malformed"}, ""},
		{fileSample{name: "row39_gguf_bad_type", data: badType, want: Suspicious, format: FormatGGUF, finding: "gguf-malformed"}, ""},
		{fileSample{name: "row39_gguf_v1", data: (&ggufW{}).file(1, 0), want: Suspicious, format: FormatGGUF, finding: "gguf-malformed"}, ""},
	}
	for _, s := range rows {
		r := checkFile(t, s.fileSample)
		if s.evidence != "" && !strings.Contains(findingEvidence(r, "gguf-chat-template"), s.evidence) {
			t.Errorf("%s: evidence lacks %q\n%s", s.name, s.evidence, findingEvidence(r, "gguf-chat-template"))
		}
	}
	// A string length past the end of the file is caught, not allocated.
	g = &ggufW{}
	g.str("tokenizer.chat_template")
	binary.Write(&g.Buffer, binary.LittleEndian, uint32(8))
	binary.Write(&g.Buffer, binary.LittleEndian, uint64(1<<62))
	checkFile(t, fileSample{name: "row39_gguf_string_length", data: g.file(3, 1), want: Suspicious, finding: "gguf-malformed"})
}

// ---- safetensors ----

type stTensor struct {
	name  string
	dtype string
	shape []int
	off   [2]int
}

func safetensorsFile(t testing.TB, meta map[string]string, ts []stTensor, dataLen int, rawHeader string) []byte {
	hdr := []byte(rawHeader)
	if rawHeader == "" {
		m := map[string]any{}
		if meta != nil {
			m["__metadata__"] = meta
		}
		for _, x := range ts {
			m[x.name] = map[string]any{"dtype": x.dtype, "shape": x.shape, "data_offsets": x.off}
		}
		hdr = mustJSON(t, m)
	}
	for len(hdr)%8 != 0 {
		hdr = append(hdr, ' ')
	}
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	b = append(b, hdr...)
	return append(b, make([]byte, dataLen)...)
}

func TestFormatSafetensors(t *testing.T) {
	good := []stTensor{{"w", "F32", []int{2, 3}, [2]int{0, 24}}, {"b", "BF16", []int{3}, [2]int{24, 30}}, {"e", "F16", []int{0}, [2]int{30, 30}}}
	tooLong := safetensorsFile(t, nil, good, 30, "")
	binary.LittleEndian.PutUint64(tooLong, 1<<20)
	hugeLen := safetensorsFile(t, nil, good, 30, "")
	binary.LittleEndian.PutUint64(hugeLen, 200<<20)
	rows := []fileSample{
		{name: "format_safetensors_benign", data: safetensorsFile(t, map[string]string{"format": "pt"}, good, 30, ""), want: Safe, format: FormatSafetensors},
		{name: "format_safetensors_empty", data: safetensorsFile(t, nil, nil, 0, "{}"), want: Safe, format: FormatSafetensors},
		{name: "format_safetensors_header_past_eof", data: tooLong, want: Suspicious, format: FormatSafetensors, finding: "safetensors-malformed"},
		{name: "format_safetensors_header_too_big", data: hugeLen, want: Suspicious, format: FormatSafetensors, finding: "safetensors-malformed"},
		{name: "format_safetensors_bad_json", data: safetensorsFile(t, nil, nil, 0, `{"w": {"dtype": "F32", `), want: Suspicious, finding: "safetensors-malformed"},
		{name: "format_safetensors_unknown_dtype", data: safetensorsFile(t, nil, []stTensor{{"w", "F128", []int{1}, [2]int{0, 16}}}, 16, ""), want: Suspicious, finding: "safetensors-malformed"},
		{name: "format_safetensors_size_mismatch", data: safetensorsFile(t, nil, []stTensor{{"w", "F32", []int{2, 2}, [2]int{0, 12}}}, 12, ""), want: Suspicious, finding: "safetensors-malformed"},
		{name: "format_safetensors_out_of_bounds", data: safetensorsFile(t, nil, []stTensor{{"w", "U8", []int{64}, [2]int{0, 64}}}, 16, ""), want: Suspicious, finding: "safetensors-malformed"},
		{name: "format_safetensors_overlap", data: safetensorsFile(t, nil, []stTensor{{"a", "U8", []int{8}, [2]int{0, 8}}, {"b", "U8", []int{8}, [2]int{4, 12}}}, 12, ""), want: Suspicious, finding: "safetensors-malformed"},
		{name: "format_safetensors_gap", data: safetensorsFile(t, nil, []stTensor{{"a", "U8", []int{8}, [2]int{8, 16}}}, 16, ""), want: Suspicious, finding: "safetensors-malformed"},
		{name: "format_safetensors_trailing_data", data: safetensorsFile(t, nil, []stTensor{{"a", "U8", []int{8}, [2]int{0, 8}}}, 4096, ""), want: Suspicious, finding: "safetensors-malformed"},
		{name: "format_safetensors_negative_shape", data: safetensorsFile(t, nil, nil, 8, `{"a": {"dtype": "U8", "shape": [-8], "data_offsets": [0, 8]}}`), want: Suspicious, finding: "safetensors-malformed"},
		{name: "format_safetensors_overflow", data: safetensorsFile(t, nil, nil, 8, `{"a": {"dtype": "F64", "shape": [4294967296, 4294967296, 2], "data_offsets": [0, 8]}}`), want: Suspicious, finding: "safetensors-malformed"},
		{name: "format_safetensors_duplicate_key", data: safetensorsFile(t, nil, nil, 8, `{"a": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]}, "a": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]}}`), want: Suspicious, finding: "safetensors-malformed"},
		{name: "format_safetensors_metadata_not_strings", data: safetensorsFile(t, nil, nil, 0, `{"__metadata__": {"a": 1}}`), want: Suspicious, finding: "safetensors-malformed"},
		{name: "format_safetensors_in_zip", data: stdZip(t, false, "model.safetensors", safetensorsFile(t, nil, good, 30, "")), want: Safe},
	}
	for _, s := range rows {
		checkFile(t, s)
	}
}

// ---- SavedModel ----

func pbBytes(field int, b []byte) []byte {
	out := binary.AppendUvarint([]byte{byte(field<<3 | 2)}, uint64(len(b)))
	return append(out, b...)
}

func nodeDef(name, op string) []byte {
	return append(pbBytes(1, []byte(name)), pbBytes(2, []byte(op))...)
}

// savedModelPB is a SavedModel proto with one MetaGraphDef whose graph has
// the given ops, plus a stripped op list naming them.
func savedModelPB(ops ...string) []byte {
	var graph, opList []byte
	for i, op := range ops {
		graph = append(graph, pbBytes(1, nodeDef("node"+string(rune('a'+i)), op))...)
		opList = append(opList, pbBytes(1, pbBytes(1, []byte(op)))...)
	}
	metaInfo := append(pbBytes(1, []byte("meta")), pbBytes(2, opList)...)
	metaInfo = append(metaInfo, pbBytes(4, []byte("serve"))...)
	meta := append(pbBytes(1, metaInfo), pbBytes(2, graph)...)
	return append([]byte{0x08, 0x01}, pbBytes(2, meta)...)
}

func TestFormatSavedModel(t *testing.T) {
	rows := []fileSample{
		{name: "format_savedmodel_benign", data: savedModelPB("Placeholder", "MatMul", "SaveV2", "RestoreV2", "MergeV2Checkpoints"), want: Safe, format: FormatSavedModel},
		{name: "format_savedmodel_readfile", data: savedModelPB("Placeholder", "ReadFile"), want: Suspicious, format: FormatSavedModel, finding: "savedmodel-op"},
		{name: "format_savedmodel_writefile", data: savedModelPB("Const", "WriteFile"), want: Suspicious, finding: "savedmodel-op"},
		{name: "format_savedmodel_pyfunc", data: savedModelPB("Const", "PyFunc"), want: Malicious, finding: "savedmodel-op"},
		{name: "format_savedmodel_eagerpyfunc", data: savedModelPB("EagerPyFunc"), want: Malicious, finding: "savedmodel-op"},
		// Op names inside longer strings are not ops.
		{name: "format_savedmodel_substring", data: savedModelPB("MyReadFileHelper", "PyFuncX", "Const"), want: Safe, format: FormatSavedModel},
		{name: "format_savedmodel_zip", data: stdZip(t, true, "m/saved_model.pb", savedModelPB("Const", "PyFuncStateless"), "m/variables/variables.index", []byte{0, 1, 2}), want: Malicious, format: FormatSavedModel, finding: "savedmodel-op"},
		{name: "format_savedmodel_zip_benign", data: stdZip(t, true, "m/saved_model.pb", savedModelPB("Const", "Identity")), want: Safe, format: FormatSavedModel},
	}
	for _, s := range rows {
		checkFile(t, s)
	}
}
