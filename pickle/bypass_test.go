package pickle

import (
	"encoding/base64"
	"strings"
	"testing"
)

// sample is one test case built at run time.
type sample struct {
	name string
	data []byte
	want Verdict
	// evidence, when set, must appear in some finding's evidence.
	evidence string
}

func check(t *testing.T, s sample) {
	t.Helper()
	r := Scan(s.data, Options{})
	if r.Verdict != s.want {
		t.Errorf("%s: verdict %v, want %v\nfindings: %s\nerr: %v", s.name, r.Verdict, s.want, dumpFindings(r), r.Err)
	}
	if s.evidence != "" && !hasEvidence(r, s.evidence) {
		t.Errorf("%s: evidence %q not found in %s", s.name, s.evidence, dumpFindings(r))
	}
}

func dumpFindings(r *Result) string {
	var sb strings.Builder
	for _, f := range r.Findings {
		sb.WriteString("\n  [" + f.Verdict.String() + "] " + f.Code + ": " + f.Text + " chain=" + strings.Join(f.Chain, " | ") + " evidence=" + strings.Join(f.Evidence, " | "))
	}
	return sb.String()
}

func hasEvidence(r *Result, s string) bool {
	for _, f := range r.Findings {
		for _, e := range f.Evidence {
			if strings.Contains(e, s) {
				return true
			}
		}
	}
	return false
}

const canary = "touch /tmp/overshare-canary"

// osSystem is a complete protocol-2 pickle calling os.system(canary).
func osSystem() []byte { return newPW(2).call1("os", "system", canary).stop() }

// TestBypassTable covers the rows of pickle-threats.md §3 that are about the
// pickle stream itself. Container rows are in container tests.
func TestBypassTable(t *testing.T) {
	inner := osSystem()
	marshalCode := append([]byte{0xe3}, []byte("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\xf3\x10\x00\x00\x00os\x00system\x00touch /tmp/overshare-canary")...)

	rows := []sample{
		{name: "01_CVE-2025-1716_pip_main", want: Malicious, evidence: "install",
			data: newPW(2).global("pip", "main").op(opEMPTY_LIST).mark().str("install").str("evil-pkg").op(opAPPENDS).tuple(1).reduce().stop()},
		{name: "05_CVE-2025-10155_plain_pickle_posix_system", want: Malicious, evidence: canary,
			data: newPW(2).call1("posix", "system", canary).stop()},
		{name: "07_CVE-2025-10157_asyncio_submodule", want: Malicious,
			data: newPW(4).sglobal("asyncio.unix_events", "_UnixSubprocessTransport._start").tuple(0).reduce().stop()},
		{name: "08_CVE-2026-56315_uuid", want: Malicious, data: newPW(4).sglobal("uuid", "_get_command_stdout").str("sh").tuple(1).reduce().stop()},
		{name: "08_CVE-2026-56315_imaplib", want: Malicious, data: newPW(2).call1("imaplib", "IMAP4_stream", canary).stop()},
		{name: "08_CVE-2026-56315_pyrepl_pager", want: Malicious, data: newPW(4).sglobal("_pyrepl.pager", "pipe_pager").str("x").str(canary).tuple(2).reduce().stop()},
		{name: "08_CVE-2026-56315_osx_support", want: Malicious, data: newPW(2).call1("_osx_support", "_read_output", canary).stop()},
		{name: "08_CVE-2026-56315_aix_support", want: Malicious, data: newPW(2).call1("_aix_support", "_read_cmd_output", canary).stop()},
		{name: "08_CVE-2026-56315_test_support", want: Malicious, data: newPW(4).sglobal("test.support.script_helper", "assert_python_ok").str("-c").str("import os").tuple(2).reduce().stop()},
		{name: "09_GHSA-vvpj-8cmc-gx39_pkgutil_resolve_name", want: Malicious, evidence: canary,
			data: newPW(2).call1("pkgutil", "resolve_name", "os:system").str(canary).tuple(1).reduce().stop()},
		{name: "10_nullifAI_payload_then_garbage", want: Malicious,
			data: append(newPW(2).call1("os", "system", canary).b, 0xff, 0xfe, 'X', 0x00)},
		{name: "11_legacy_magic_via_eval", want: Malicious,
			data: append(newPW(2).call1("builtins", "eval", "0x1950a86a20f9469cfc6c").stop(), newPW(2).int(1001).stop()...)},
		{name: "12_memo_keyerror_exploit_MEMOIZE_index", want: Malicious,
			// MEMOIZE stores at len(memo): a linear model keyed on explicit
			// indices cannot find memo[1].
			data: newPW(4).str("decoy").memoize().str("os").memoize().op(opPOP, opPOP).get(1).str("system").op(opSTACK_GLOBAL).str(canary).tuple(1).reduce().stop()},
		{name: "12_memo_type_confusion", want: Malicious,
			data: newPW(4).int(42).put(0).op(opPOP).str("os").put(0).op(opPOP).get(0).str("system").op(opSTACK_GLOBAL).str(canary).tuple(1).reduce().stop()},
		{name: "13_GHSA-9gvj-pp9x-gcfr_STRING_operands", want: Malicious,
			data: newPW(4).text("os").text("system").op(opSTACK_GLOBAL).text(canary).tuple(1).reduce().stop()},
		{name: "14_PUT_GET_text_torch_decoy", want: Malicious,
			data: (&pw{}).raw("S'torch'\np0\n0S'LongStorage'\np1\n0S'os'\np0\n0S'system'\np1\n0").op(opPROTO, 4).raw("g0\ng1\n").op(opSTACK_GLOBAL).text(canary).tuple(1).reduce().stop()},
		{name: "15_modelscan-85_memo_after_DUP", want: Malicious,
			data: newPW(4).str("os").op(opDUP).memoize().op(opPOP, opPOP).get(0).str("system").op(opSTACK_GLOBAL).str(canary).tuple(1).reduce().stop()},
		{name: "15_modelscan-85_memo_after_BINGET", want: Malicious,
			data: newPW(4).str("os").memoize().op(opPOP).get(0).memoize().op(opPOP).get(1).str("system").op(opSTACK_GLOBAL).str(canary).tuple(1).reduce().stop()},
		{name: "16_GHSA-5j3x-jp52-966f_dotted_pathlib_os_system", want: Malicious, evidence: canary,
			data: newPW(4).sglobal("pathlib", "os.system").str(canary).tuple(1).reduce().stop()},
		{name: "16_GHSA-5j3x-jp52-966f_dotted_builtins_eval_call", want: Malicious,
			data: newPW(4).sglobal("builtins", "eval.__call__").str("1").tuple(1).reduce().stop()},
		{name: "16_modelscan-89_numpy_sys_modules", want: Malicious,
			data: newPW(4).sglobal("numpy", "core._internal.sys.modules").stop()},
		{name: "17_modelscan-89_builtins_dict_get_exec", want: Malicious, evidence: "import os",
			data: newPW(4).sglobal("builtins", "dict.get").sglobal("numpy", "__builtins__").str("exec").tuple(2).reduce().str("import os; os.system('x')").tuple(1).reduce().stop()},
		{name: "18_modelscan-331_importlib_import_module", want: Malicious,
			data: newPW(2).call1("importlib", "import_module", "os").stop()},
		{name: "18_picklescan-66_object_getattribute_chain", want: Malicious, evidence: canary,
			data: newPW(4).sglobal("builtins", "object.__getattribute__").sglobal("builtins", "str").str("join").tuple(2).reduce().op(opPOP).
				sglobal("builtins", "__import__").str("os").tuple(1).reduce().put(0).op(opPOP).
				sglobal("builtins", "getattr").get(0).str("system").tuple(2).reduce().str(canary).tuple(1).reduce().stop()},
		{name: "19_build_module_attr_override", want: Malicious,
			data: newPW(4).sglobal("collections", "abc").op(opEMPTY_DICT).str("Mapping").int(1).op(opSETITEM).op(opBUILD).stop()},
		{name: "20_copyreg_add_extension_EXT1", want: Malicious, evidence: canary,
			data: newPW(2).global("copyreg", "add_extension").str("os").str("system").int(200).tuple(3).reduce().op(opPOP).
				op(opEXT1, 200).str(canary).tuple(1).reduce().stop()},
		{name: "20_EXT2_unregistered", want: Malicious,
			data: newPW(2).op(opEXT2, 0x39, 0x30).str(canary).tuple(1).reduce().stop()},
		{name: "21_compat_cPickle_loads_nested", want: Malicious, evidence: canary,
			data: newPW(2).global("cPickle", "loads").bytes(inner).tuple(1).reduce().stop()},
		{name: "21_compat_urllib_urlretrieve_proto0", want: Malicious, evidence: "http://127.0.0.1:9/",
			data: (&pw{}).global("urllib", "urlretrieve").mark().text("http://127.0.0.1:9/x").op(opTUPLE).reduce().stop()},
		{name: "21_compat_commands_getoutput", want: Malicious,
			data: (&pw{}).global("commands", "getoutput").mark().text(canary).op(opTUPLE).reduce().stop()},
		{name: "22_marshal_FunctionType", want: Malicious, evidence: "marshalled code",
			data: newPW(2).global("types", "FunctionType").global("marshal", "loads").bytes(marshalCode).tuple(1).reduce().op(opEMPTY_DICT).tuple(2).reduce().tuple(0).reduce().stop()},
		{name: "23_multiprocessing_util_spawnv_passfds", want: Malicious, data: newPW(2).global("multiprocessing.util", "spawnv_passfds").str("/bin/sh").tuple(1).reduce().stop()},
		{name: "23_distutils_spawn", want: Malicious, data: newPW(2).global("distutils.spawn", "spawn").op(opEMPTY_LIST).str("sh").op(opAPPEND).tuple(1).reduce().stop()},
		{name: "23_picklescan-PR69_mailcap_findmatch", want: Malicious, data: newPW(2).call1("mailcap", "findmatch", "x").stop()},
		{name: "23_hacnho_py_compile", want: Malicious, data: newPW(2).call1("py_compile", "compile", "/tmp/x.py").stop()},
		{name: "23_hacnho_weakref_finalize", want: Malicious, data: newPW(2).global("weakref", "finalize").op(opEMPTY_DICT).global("builtins", "print").tuple(2).reduce().stop()},
		{name: "24_torch_load_alias", want: Malicious, data: newPW(2).call1("torch", "load", "/tmp/x.pt").stop()},
		{name: "24_torch_hub_load", want: Malicious, data: newPW(2).global("torch.hub", "load").str("evil/repo").str("model").tuple(2).reduce().stop()},
		{name: "24_nested_pickle_loads_proto4", want: Malicious, evidence: canary,
			data: newPW(4).sglobal("pickle", "loads").bytes(inner).tuple(1).reduce().stop()},
		{name: "24_torch_storage_load_from_bytes", want: Malicious, data: newPW(2).global("torch.storage", "_load_from_bytes").bytes(inner).tuple(1).reduce().stop()},
		{name: "24_picklescan-19_partial_torch_load", want: Malicious,
			data: newPW(2).global("functools", "partial").global("torch", "load").str("x.pt").tuple(2).reduce().tuple(0).reduce().stop()},
		{name: "24_nested_base64_pickle", want: Malicious, evidence: canary,
			data: newPW(4).sglobal("pickle", "loads").sglobal("base64", "b64decode").str(base64.StdEncoding.EncodeToString(inner)).tuple(1).reduce().tuple(1).reduce().stop()},
		{name: "25_INT_base0_genops_differential", want: Malicious,
			data: append([]byte("I0x10\n0"), osSystem()...)},
		{name: "25_LONG_base0_genops_differential", want: Malicious,
			data: append([]byte("L0x10L\n0"), osSystem()...)},
		{name: "26_cpython-154848_frame_boundary", want: Malicious,
			data: newPW(4).frame(2).bytes([]byte("cos\nsystem\n")).op(opPOP).op(opNONE).stop()},
		{name: "27_GHSA-mxhj-88fx-4pcv_OBJ_result_popped", want: Malicious,
			data: newPW(1).mark().global("os", "system").str(canary).op(opOBJ).op(opPOP).op(opNONE).stop()},
		{name: "28_picklescan-malicious6_second_pickle", want: Malicious,
			data: append(newPW(2).op(opEMPTY_LIST).stop(), osSystem()...)},
		{name: "29_truncated_no_stop", want: Malicious,
			data: newPW(2).call1("os", "system", canary).b},
		{name: "29_broken_model_exec_then_malformed", want: Malicious,
			data: append(newPW(2).call1("builtins", "exec", "import os").b, opBINUNICODE, 0xff, 0xff, 0xff, 0x7f, 'a')},
		{name: "41_scanner_module_import", want: Malicious, data: newPW(2).global("picklescan", "scanner").stop()},
		{name: "INST_builtins_exec_proto0", want: Malicious, data: (&pw{}).mark().text("import os").inst("__builtin__", "exec").stop()},
		{name: "sour_pickles_getattr_chain_dynamic_stack_global", want: Malicious,
			// STACK_GLOBAL whose module name is computed (str.join result).
			data: newPW(4).sglobal("builtins", "str.join").str("").op(opEMPTY_LIST).str("o").op(opAPPEND).str("s").op(opAPPEND).tuple(2).reduce().str("system").op(opSTACK_GLOBAL).stop()},
		{name: "operator_attrgetter", want: Malicious,
			data: newPW(2).call1("operator", "attrgetter", "system").sglobal("builtins", "__import__").str("os").tuple(1).reduce().tuple(1).reduce().stop()},
		{name: "ctypes_CDLL_GHSA-4675-36f9-wf6r", want: Malicious, data: newPW(2).call1("ctypes", "CDLL", "libc.so.6").stop()},
		{name: "pty_spawn_GHSA-vqmv-47xg-9wpr", want: Malicious, data: newPW(2).call1("pty", "spawn", "sh").stop()},
		{name: "socket_create_connection", want: Malicious, data: newPW(2).global("socket", "create_connection").str("127.0.0.1").int(9).tuple(2).tuple(1).reduce().stop()},
		{name: "webbrowser_open", want: Malicious, evidence: "http://127.0.0.1:9", data: newPW(2).call1("webbrowser", "open", "http://127.0.0.1:9/").stop()},
		{name: "runpy_run_code", want: Malicious, data: newPW(2).call1("runpy", "_run_code", "import os").stop()},
		{name: "subprocess_popen_list", want: Malicious, evidence: "-c",
			data: newPW(2).global("subprocess", "Popen").op(opEMPTY_LIST).mark().str("sh").str("-c").str(canary).op(opAPPENDS).tuple(1).reduce().stop()},
	}
	for _, s := range rows {
		t.Run(s.name, func(t *testing.T) { check(t, s) })
	}
}

// TestGHSAGadgets: every gadget in the picklescan GHSA regression suite.
func TestGHSAGadgets(t *testing.T) {
	for _, full := range []string{
		"torch.utils.bottleneck.__main__.run_cprofile", "torch.utils.bottleneck.__main__.run_autograd_prof",
		"torch._dynamo.guards.GuardBuilder.get", "torch.fx.experimental.symbolic_shapes.ShapeEnv.evaluate_guards_expression",
		"torch.utils.collect_env.run", "torch.utils.collect_env.run_and_read_all",
		"torch.utils.data.datapipes.utils.decoder.basichandlers", "torch.jit.unsupported_tensor_ops.execWrapper",
		"torch.utils._config_module.ConfigModule.load_config", "trace.Trace.run", "trace.Trace.runctx",
		"profile.Profile.run", "profile.Profile.runctx", "profile.run", "cProfile.run", "cProfile.runctx",
		"lib2to3.pgen2.grammar.Grammar.loads", "lib2to3.pgen2.pgen.ParserGenerator.make_label",
		"idlelib.debugobj.ObjectTreeItem.SetText", "idlelib.autocomplete.AutoComplete.get_entity",
		"idlelib.autocomplete.AutoComplete.fetch_completions", "idlelib.calltip.Calltip.fetch_tip",
		"idlelib.calltip.get_entity", "idlelib.run.Executive.runcode", "idlelib.pyshell.ModifiedInterpreter.runcommand",
		"idlelib.pyshell.ModifiedInterpreter.runcode", "code.InteractiveInterpreter.runcode", "doctest.debug_script",
		"ensurepip._run_pip", "asyncio.unix_events._UnixSubprocessTransport._start", "distutils.file_util.write_file",
		"ctypes.CDLL", "pydoc.locate", "operator.methodcaller", "pty.spawn", "numpy.f2py.crackfortran.getlincoef",
		"_operator.methodcaller", "_operator.attrgetter", "pkgutil.resolve_name", "uuid._get_command_stdout",
		"_osx_support._read_output", "_aix_support._read_cmd_output", "imaplib.IMAP4_stream", "_pyrepl.pager.pipe_pager",
		"test.support.script_helper.assert_python_ok", "io.FileIO", "urllib.request.urlopen", "logging.FileHandler",
		"types.CodeType", "cloudpickle.cloudpickle._make_function", "_interpreters.run_string", "_xxsubinterpreters.run_string",
		"builtins.__import__", "marshal.loads", "torch.serialization.load", "requests.api.get", "aiohttp.client.ClientSession",
		"httplib.HTTPSConnection", "socket.socket", "ssl.get_server_certificate", "sys.exit", "bdb.Bdb.run", "pip.main",
		"torch._inductor.codecache.compile_file", "pydoc.pipepager", "venv.create", "shutil.rmtree", "timeit.timeit",
		"pdb.run", "code.interact", "codeop.compile_command", "os.execvp", "nt.system", "subprocess.check_output",
		"numpy.testing._private.utils.runstring", "glob.glob", "getpass.getuser", "resource.setrlimit", "atexit.register",
		"dbm.open", "http.server.HTTPServer", "socketserver.TCPServer",
	} {
		// Split at the module boundary the way pickle writes it: protocol 4
		// STACK_GLOBAL with a dotted qualname after the first known module.
		mod, name := splitForTest(full)
		t.Run(full, func(t *testing.T) {
			check(t, sample{name: full, want: Malicious, data: newPW(4).sglobal(mod, name).tuple(0).reduce().stop()})
			check(t, sample{name: full + " (GLOBAL)", want: Malicious, data: newPW(2).global(mod, name).stop()})
		})
	}
}

func splitForTest(full string) (string, string) {
	parts := strings.Split(full, ".")
	// Class.method names: the module is everything before the first
	// capitalised component or the last component.
	for i := 1; i < len(parts); i++ {
		if p := parts[i]; p != "" && p[0] >= 'A' && p[0] <= 'Z' && i < len(parts)-1 {
			return strings.Join(parts[:i], "."), strings.Join(parts[i:], ".")
		}
	}
	return strings.Join(parts[:len(parts)-1], "."), parts[len(parts)-1]
}
