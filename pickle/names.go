package pickle

import "strings"

// Python 2 → 3 name mapping that CPython's find_class applies when the
// stream's protocol is below 3 and fix_imports is on (the default):
// Lib/_compat_pickle.py. NAME_MAPPING is tried first, then IMPORT_MAPPING.
var compatImport = map[string]string{
	"__builtin__": "builtins", "copy_reg": "copyreg", "Queue": "queue", "SocketServer": "socketserver",
	"ConfigParser": "configparser", "repr": "reprlib", "tkFileDialog": "tkinter.filedialog",
	"tkSimpleDialog": "tkinter.simpledialog", "tkColorChooser": "tkinter.colorchooser",
	"tkCommonDialog": "tkinter.commondialog", "Dialog": "tkinter.dialog", "Tkdnd": "tkinter.dnd",
	"tkFont": "tkinter.font", "tkMessageBox": "tkinter.messagebox", "ScrolledText": "tkinter.scrolledtext",
	"Tkconstants": "tkinter.constants", "Tix": "tkinter.tix", "ttk": "tkinter.ttk", "Tkinter": "tkinter",
	"markupbase": "_markupbase", "_winreg": "winreg", "thread": "_thread", "dummy_thread": "_dummy_thread",
	"dbhash": "dbm.bsd", "dumbdbm": "dbm.dumb", "dbm": "dbm.ndbm", "gdbm": "dbm.gnu", "xmlrpclib": "xmlrpc.client",
	"SimpleXMLRPCServer": "xmlrpc.server", "httplib": "http.client", "htmlentitydefs": "html.entities",
	"HTMLParser": "html.parser", "Cookie": "http.cookies", "cookielib": "http.cookiejar",
	"BaseHTTPServer": "http.server", "test.test_support": "test.support", "commands": "subprocess",
	"urlparse": "urllib.parse", "robotparser": "urllib.robotparser", "urllib2": "urllib.request",
	"anydbm": "dbm", "_abcoll": "collections.abc", "cPickle": "pickle", "_elementtree": "xml.etree.ElementTree",
	"FileDialog": "tkinter.filedialog", "SimpleDialog": "tkinter.simpledialog", "DocXMLRPCServer": "xmlrpc.server",
	"SimpleHTTPServer": "http.server", "CGIHTTPServer": "http.server", "UserDict": "collections",
	"UserList": "collections", "UserString": "collections", "whichdb": "dbm", "StringIO": "io", "cStringIO": "io",
}

var compatName = map[[2]string][2]string{
	{"__builtin__", "xrange"}: {"builtins", "range"}, {"__builtin__", "reduce"}: {"functools", "reduce"},
	{"__builtin__", "intern"}: {"sys", "intern"}, {"__builtin__", "unichr"}: {"builtins", "chr"},
	{"__builtin__", "unicode"}: {"builtins", "str"}, {"__builtin__", "long"}: {"builtins", "int"},
	{"itertools", "izip"}: {"builtins", "zip"}, {"itertools", "imap"}: {"builtins", "map"},
	{"itertools", "ifilter"}: {"builtins", "filter"}, {"itertools", "ifilterfalse"}: {"itertools", "filterfalse"},
	{"itertools", "izip_longest"}:    {"itertools", "zip_longest"},
	{"UserDict", "IterableUserDict"}: {"collections", "UserDict"}, {"UserDict", "UserDict"}: {"collections", "UserDict"},
	{"UserList", "UserList"}: {"collections", "UserList"}, {"UserString", "UserString"}: {"collections", "UserString"},
	{"whichdb", "whichdb"}: {"dbm", "whichdb"}, {"_socket", "fromfd"}: {"socket", "fromfd"},
	{"socket", "_socketobject"}:            {"socket", "SocketType"},
	{"_multiprocessing", "Connection"}:     {"multiprocessing.connection", "Connection"},
	{"multiprocessing.process", "Process"}: {"multiprocessing.context", "Process"},
	{"multiprocessing.forking", "Popen"}:   {"multiprocessing.popen_fork", "Popen"},
	{"urllib", "ContentTooShortError"}:     {"urllib.error", "ContentTooShortError"},
	{"urllib", "getproxies"}:               {"urllib.request", "getproxies"}, {"urllib", "pathname2url"}: {"urllib.request", "pathname2url"},
	{"urllib", "quote_plus"}: {"urllib.parse", "quote_plus"}, {"urllib", "quote"}: {"urllib.parse", "quote"},
	{"urllib", "unquote_plus"}: {"urllib.parse", "unquote_plus"}, {"urllib", "unquote"}: {"urllib.parse", "unquote"},
	{"urllib", "url2pathname"}: {"urllib.request", "url2pathname"}, {"urllib", "urlcleanup"}: {"urllib.request", "urlcleanup"},
	{"urllib", "urlencode"}: {"urllib.parse", "urlencode"}, {"urllib", "urlopen"}: {"urllib.request", "urlopen"},
	{"urllib", "urlretrieve"}: {"urllib.request", "urlretrieve"},
	{"urllib2", "HTTPError"}:  {"urllib.error", "HTTPError"}, {"urllib2", "URLError"}: {"urllib.error", "URLError"},
	{"exceptions", "StandardError"}: {"builtins", "Exception"},
}

// fixImports applies _compat_pickle as find_class does for protocol < 3.
func fixImports(module, name string) (string, string) {
	if r, ok := compatName[[2]string{module, name}]; ok {
		return r[0], r[1]
	}
	if module == "exceptions" {
		// Every Python 2 exception name maps to builtins.
		return "builtins", name
	}
	if module == "multiprocessing" && strings.HasSuffix(name, "Error") || module == "multiprocessing" && name == "TimeoutError" {
		return "multiprocessing.context", name
	}
	if r, ok := compatImport[module]; ok {
		return r, name
	}
	return module, name
}

// allow is one allowlist entry with the reason it is there.
type allow struct {
	tier   Tier
	reason string
}

// tier0 is PyTorch's weights_only global set (torch/_weights_only_unpickler.py
// _get_allowed_globals), expanded for the dtype, tensor and storage classes it
// computes at run time.
func tier0(full string) (allow, bool) {
	switch full {
	case "collections.OrderedDict", "collections.Counter", "torch.nn.parameter.Parameter",
		"torch.serialization._get_layout", "torch.Size", "torch.Tensor", "torch.device",
		"_codecs.encode", "builtins.bytearray", "builtins.set", "builtins.complex",
		"torch._tensor._rebuild_from_type_v2",
		"torch.per_tensor_affine", "torch.per_tensor_symmetric", "torch.per_channel_affine",
		"torch.per_channel_symmetric", "torch.per_channel_affine_float_qparams",
		"torch.storage.TypedStorage", "torch.storage.UntypedStorage", "torch.UntypedStorage", "torch.TypedStorage",
		"torch.storage._LegacyStorage":
		return allow{TierWeightsOnly, "in torch.load(weights_only=True) allowlist"}, true
	}
	if rest, ok := strings.CutPrefix(full, "torch._utils._rebuild_"); ok {
		switch rest {
		case "parameter", "parameter_with_state", "qtensor", "tensor", "tensor_v2", "tensor_v3",
			"sparse_tensor", "meta_tensor_no_storage", "wrapper_subclass",
			"device_tensor_from_numpy", "device_tensor_from_cpu_tensor", "nested_tensor", "sparse_csr_tensor":
			return allow{TierWeightsOnly, "tensor rebuild function in torch.load(weights_only=True) allowlist"}, true
		}
	}
	rest, ok := strings.CutPrefix(full, "torch.")
	if !ok {
		return allow{}, false
	}
	rest = strings.TrimPrefix(rest, "cuda.")
	if torchDtypes[rest] {
		return allow{TierWeightsOnly, "torch dtype in torch.load(weights_only=True) allowlist"}, true
	}
	if base, ok := strings.CutSuffix(rest, "Storage"); ok && torchTensorKinds[base] {
		return allow{TierWeightsOnly, "torch storage class in torch.load(weights_only=True) allowlist"}, true
	}
	if base, ok := strings.CutSuffix(rest, "Tensor"); ok && torchTensorKinds[base] {
		return allow{TierWeightsOnly, "torch tensor class in torch.load(weights_only=True) allowlist"}, true
	}
	return allow{}, false
}

var torchDtypes = setOf("float32", "float", "float64", "double", "float16", "half", "bfloat16",
	"uint8", "int8", "int16", "short", "int32", "int", "int64", "long", "bool",
	"complex32", "chalf", "complex64", "cfloat", "complex128", "cdouble",
	"qint8", "quint8", "qint32", "quint4x2", "quint2x4", "bits1x8", "bits2x4", "bits4x2", "bits8", "bits16",
	"float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2",
	"uint16", "uint32", "uint64",
	"uint1", "uint2", "uint3", "uint4", "uint5", "uint6", "uint7",
	"int1", "int2", "int3", "int4", "int5", "int6", "int7")

var torchTensorKinds = setOf("Float", "Double", "Half", "BFloat16", "Byte", "Char", "Short", "Int", "Long",
	"Bool", "ComplexFloat", "ComplexDouble", "QUInt8", "QInt8", "QInt32", "QUInt4x2", "QUInt2x4", "Untyped", "Typed")

// tier1 lists ordinary value types; each constructs data and cannot reach
// code execution with constant arguments.
var tier1 = map[string]string{
	"collections.OrderedDict":                   "ordered dict",
	"collections.Counter":                       "counter dict",
	"collections.defaultdict":                   "dict with a default factory (the factory is a separate import, judged on its own)",
	"collections.deque":                         "double-ended queue",
	"collections.UserDict":                      "dict wrapper",
	"collections.UserList":                      "list wrapper",
	"collections.UserString":                    "str wrapper",
	"datetime.datetime":                         "date/time value",
	"datetime.date":                             "date value",
	"datetime.time":                             "time value",
	"datetime.timedelta":                        "duration value",
	"datetime.timezone":                         "fixed-offset time zone",
	"decimal.Decimal":                           "decimal number",
	"fractions.Fraction":                        "rational number",
	"uuid.UUID":                                 "UUID value (only the class; uuid's helpers run commands)",
	"builtins.set":                              "set",
	"builtins.frozenset":                        "frozen set",
	"builtins.bytearray":                        "byte array",
	"builtins.bytes":                            "bytes",
	"builtins.complex":                          "complex number",
	"builtins.slice":                            "slice",
	"builtins.range":                            "range",
	"builtins.int":                              "int",
	"builtins.float":                            "float",
	"builtins.str":                              "str",
	"builtins.bool":                             "bool",
	"builtins.tuple":                            "tuple",
	"builtins.list":                             "list",
	"builtins.dict":                             "dict",
	"builtins.object":                           "object base class used by copyreg._reconstructor",
	"builtins.NotImplemented":                   "singleton",
	"builtins.Ellipsis":                         "singleton",
	"copyreg._reconstructor":                    "protocol 0/1 object reconstruction (class is a separate import)",
	"copyreg.__newobj__":                        "cls.__new__ helper (class is a separate import)",
	"copyreg.__newobj_ex__":                     "cls.__new__ helper (class is a separate import)",
	"_codecs.encode":                            "bytes encoded as latin-1 text at protocol < 3",
	"codecs.encode":                             "bytes encoded as text",
	"types.SimpleNamespace":                     "attribute bag",
	"argparse.Namespace":                        "attribute bag of parsed arguments",
	"pathlib.PosixPath":                         "path value",
	"pathlib.WindowsPath":                       "path value",
	"pathlib.PurePosixPath":                     "path value",
	"pathlib.PureWindowsPath":                   "path value",
	"pathlib.Path":                              "path value",
	"re._compile":                               "compiled regular expression",
	"enum.Enum":                                 "enum base",
	"numpy.ndarray":                             "numpy array",
	"numpy.dtype":                               "numpy dtype",
	"numpy.core.multiarray._reconstruct":        "numpy array reconstruction",
	"numpy._core.multiarray._reconstruct":       "numpy array reconstruction",
	"numpy.core.multiarray.scalar":              "numpy scalar reconstruction",
	"numpy._core.multiarray.scalar":             "numpy scalar reconstruction",
	"numpy.core.numeric._frombuffer":            "numpy protocol-5 array reconstruction",
	"numpy._core.numeric._frombuffer":           "numpy protocol-5 array reconstruction",
	"numpy.ma.core._mareconstruct":              "numpy masked array reconstruction",
	"numpy.random._pickle.__randomstate_ctor":   "numpy RandomState reconstruction",
	"numpy.random._pickle.__generator_ctor":     "numpy Generator reconstruction",
	"numpy.random._pickle.__bit_generator_ctor": "numpy bit generator reconstruction",
	"numpy.random.mtrand.RandomState":           "numpy RandomState",
	"joblib.numpy_pickle.NumpyArrayWrapper":     "joblib inline array header",
	"joblib.numpy_pickle.NDArrayWrapper":        "joblib array header (old format)",
	"sklearn.preprocessing._label.LabelEncoder": "label encoder",
	"torch._utils._rebuild_parameter":           "tensor rebuild function",
	"torch.nn.modules.container.Sequential":     "torch module container",
	"torch.nn.modules.container.ModuleList":     "torch module container",
	"torch.nn.modules.container.ModuleDict":     "torch module container",
	"torch.nn.modules.linear.Linear":            "torch layer",
	"torch.nn.modules.linear.Identity":          "torch layer",
	"torch.nn.modules.conv.Conv1d":              "torch layer",
	"torch.nn.modules.conv.Conv2d":              "torch layer",
	"torch.nn.modules.conv.ConvTranspose2d":     "torch layer",
	"torch.nn.modules.batchnorm.BatchNorm1d":    "torch layer",
	"torch.nn.modules.batchnorm.BatchNorm2d":    "torch layer",
	"torch.nn.modules.normalization.LayerNorm":  "torch layer",
	"torch.nn.modules.sparse.Embedding":         "torch layer",
	"torch.nn.modules.dropout.Dropout":          "torch layer",
	"torch.nn.modules.activation.ReLU":          "torch layer",
	"torch.nn.modules.activation.GELU":          "torch layer",
	"torch.nn.modules.activation.SiLU":          "torch layer",
	"torch.nn.modules.activation.Tanh":          "torch layer",
	"torch.nn.modules.pooling.MaxPool2d":        "torch layer",
}

func init1(full string) (allow, bool) {
	if r, ok := tier1[full]; ok {
		return allow{TierValueType, r}, true
	}
	if strings.HasPrefix(full, "numpy.") {
		// numpy scalar types and DType classes: numpy.float64, numpy.dtypes.Float64DType, ...
		rest := strings.TrimPrefix(full, "numpy.")
		rest = strings.TrimPrefix(rest, "dtypes.")
		if numpyScalars[strings.TrimSuffix(rest, "DType")] {
			return allow{TierValueType, "numpy scalar type"}, true
		}
	}
	return allow{}, false
}

var numpyScalars = setOf("float16", "float32", "float64", "float128", "longdouble", "int8", "int16", "int32",
	"int64", "uint8", "uint16", "uint32", "uint64", "bool_", "bool", "complex64", "complex128", "intc", "intp",
	"uintp", "half", "single", "double", "longlong", "ulonglong", "str_", "bytes_", "datetime64", "timedelta64",
	"Float16", "Float32", "Float64", "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64",
	"Bool", "Complex64", "Complex128", "Str", "Bytes", "DateTime64", "TimeDelta64", "Object", "Void")

// gadget is a block-list entry: a module (and its submodules) with either
// every name ("*") or specific names, and why it is dangerous.
type gadget struct {
	names  []string // nil: every name
	reason string
}

var gadgets = map[string]gadget{
	"os":                         {nil, "runs shell commands and touches files (os.system, popen, exec*, spawn*)"},
	"posix":                      {nil, "os on Unix: runs shell commands"},
	"nt":                         {nil, "os on Windows: runs shell commands"},
	"subprocess":                 {nil, "runs processes"},
	"_posixsubprocess":           {nil, "runs processes"},
	"commands":                   {nil, "Python 2 subprocess"},
	"pty":                        {nil, "pty.spawn runs processes"},
	"sys":                        {nil, "interpreter internals (sys.modules, settrace, exit)"},
	"builtins":                   {[]string{"eval", "exec", "compile", "getattr", "setattr", "delattr", "__import__", "open", "breakpoint", "apply", "globals", "locals", "vars", "input", "help", "execfile", "reload", "exit", "quit", "memoryview", "__loader__", "__spec__", "__build_class__"}, "builtin that evaluates code, imports, reaches attributes or opens files"},
	"__builtin__":                {[]string{"eval", "exec", "compile", "getattr", "setattr", "delattr", "__import__", "open", "breakpoint", "apply", "globals", "locals", "vars", "input", "help", "execfile", "reload", "file"}, "builtin that evaluates code, imports, reaches attributes or opens files"},
	"__builtins__":               {nil, "the builtins namespace"},
	"runpy":                      {nil, "runs modules and code"},
	"code":                       {nil, "interactive interpreter: runs source"},
	"codeop":                     {nil, "compiles source"},
	"marshal":                    {nil, "loads code objects"},
	"types":                      {[]string{"FunctionType", "CodeType", "LambdaType", "MethodType", "ModuleType", "new_class", "BuiltinFunctionType"}, "builds functions and code objects"},
	"importlib":                  {nil, "imports arbitrary modules"},
	"_frozen_importlib":          {nil, "imports arbitrary modules"},
	"_frozen_importlib_external": {nil, "imports arbitrary modules"},
	"_imp":                       {nil, "imports arbitrary modules"},
	"imp":                        {nil, "imports and runs source files"},
	"zipimport":                  {nil, "imports code from archives"},
	"pkgutil":                    {nil, "resolve_name/get_importer reach any module attribute"},
	"site":                       {nil, "runs .pth code"},
	"pydoc":                      {nil, "locate imports anything; pager runs commands"},
	"inspect":                    {nil, "reaches frames and globals"},
	"gc":                         {nil, "reaches every live object"},
	"ctypes":                     {nil, "loads native libraries, raw memory"},
	"_ctypes":                    {nil, "loads native libraries, raw memory"},
	"cffi":                       {nil, "loads native libraries"},
	"mmap":                       {nil, "raw memory maps"},
	"pickle":                     {nil, "second-stage unpickling"},
	"_pickle":                    {nil, "second-stage unpickling"},
	"cPickle":                    {nil, "second-stage unpickling"},
	"dill":                       {nil, "second-stage unpickling of code"},
	"cloudpickle":                {nil, "rebuilds functions from code objects"},
	"shelve":                     {nil, "unpickles a database file"},
	"joblib":                     {nil, "joblib.load unpickles another file"},
	"copyreg":                    {[]string{"add_extension", "remove_extension", "clear_extension_cache", "pickle", "constructor", "_inverted_registry", "_extension_registry"}, "rewrites the pickle extension registry so EXT opcodes import any name"},
	"copy_reg":                   {[]string{"add_extension", "remove_extension", "clear_extension_cache", "pickle", "constructor"}, "rewrites the pickle extension registry"},
	"functools":                  {[]string{"partial", "partialmethod", "reduce"}, "wraps or calls another callable"},
	"operator":                   {[]string{"attrgetter", "methodcaller"}, "attribute or method access primitive (getattr without getattr)"},
	"_operator":                  {[]string{"attrgetter", "methodcaller"}, "attribute or method access primitive (getattr without getattr)"},
	"pdb":                        {nil, "debugger: runs code"},
	"bdb":                        {nil, "debugger: runs code"},
	"trace":                      {nil, "runs code under tracing"},
	"profile":                    {nil, "profile.run executes strings"},
	"cProfile":                   {nil, "cProfile.run executes strings"},
	"timeit":                     {nil, "timeit executes strings"},
	"doctest":                    {nil, "runs docstring code"},
	"unittest":                   {nil, "loads and runs test code"},
	"test":                       {nil, "test helpers spawn interpreters"},
	"idlelib":                    {nil, "IDLE helpers evaluate code"},
	"lib2to3":                    {nil, "grammar loaders evaluate and unpickle"},
	"ensurepip":                  {nil, "runs pip"},
	"pip":                        {nil, "installs packages (runs setup code)"},
	"setuptools":                 {nil, "runs setup scripts"},
	"distutils":                  {nil, "spawns processes, writes files"},
	"venv":                       {nil, "creates environments, runs pip"},
	"multiprocessing":            {nil, "spawns processes"},
	"concurrent":                 {nil, "spawns processes and threads"},
	"threading":                  {nil, "runs callables in threads"},
	"_thread":                    {nil, "runs callables in threads"},
	"signal":                     {nil, "installs signal handlers"},
	"_signal":                    {nil, "installs signal handlers"},
	"atexit":                     {nil, "registers callables run at exit"},
	"weakref":                    {[]string{"finalize"}, "registers callables run at collection or exit"},
	"_interpreters":              {nil, "runs code in a subinterpreter"},
	"_xxsubinterpreters":         {nil, "runs code in a subinterpreter"},
	"interpreters":               {nil, "runs code in a subinterpreter"},
	"asyncio":                    {nil, "asyncio subprocess transports run processes"},
	"socket":                     {nil, "network access"},
	"_socket":                    {nil, "network access"},
	"ssl":                        {nil, "network access (ssl.get_server_certificate exfiltrates over DNS/TLS)"},
	"select":                     {nil, "network I/O"},
	"selectors":                  {nil, "network I/O"},
	"socketserver":               {nil, "binds network servers"},
	"http":                       {nil, "HTTP clients and servers"},
	"httplib":                    {nil, "HTTP client"},
	"urllib":                     {[]string{"urlopen", "urlretrieve", "request", "URLopener", "FancyURLopener"}, "downloads URLs"},
	"urllib.request":             {nil, "downloads URLs"},
	"urllib2":                    {nil, "downloads URLs"},
	"xmlrpc":                     {nil, "network RPC"},
	"ftplib":                     {nil, "network access"},
	"poplib":                     {nil, "network access"},
	"imaplib":                    {nil, "IMAP4_stream runs a command"},
	"smtplib":                    {nil, "network access"},
	"telnetlib":                  {nil, "network access"},
	"nntplib":                    {nil, "network access"},
	"webbrowser":                 {nil, "opens URLs, runs a browser command"},
	"antigravity":                {nil, "opens a web browser on import"},
	"requests":                   {nil, "downloads URLs"},
	"aiohttp":                    {nil, "downloads URLs"},
	"httpx":                      {nil, "downloads URLs"},
	"urllib3":                    {nil, "downloads URLs"},
	"shutil":                     {nil, "copies, moves and deletes files; runs archive tools"},
	"tempfile":                   {nil, "creates files"},
	"filecmp":                    {nil, "reads files"},
	"fileinput":                  {nil, "reads files"},
	"glob":                       {nil, "enumerates files"},
	"linecache":                  {nil, "reads files"},
	"io":                         {[]string{"FileIO", "open", "open_code", "BufferedWriter", "BufferedReader", "TextIOWrapper"}, "opens files"},
	"_io":                        {[]string{"FileIO", "open", "open_code", "BufferedWriter", "BufferedReader", "TextIOWrapper"}, "opens files"},
	"codecs":                     {[]string{"open", "EncodedFile", "StreamReaderWriter"}, "opens files"},
	"tarfile":                    {nil, "extracts and writes archives"},
	"zipfile":                    {nil, "extracts and writes archives"},
	"dbm":                        {nil, "opens database files"},
	"sqlite3":                    {nil, "opens database files"},
	"_sqlite3":                   {nil, "opens database files"},
	"logging":                    {nil, "handlers open files and sockets"},
	"syslog":                     {nil, "writes system logs"},
	"compileall":                 {nil, "compiles and writes files"},
	"py_compile":                 {nil, "compiles and writes files"},
	"platform":                   {nil, "runs commands to probe the system"},
	"getpass":                    {nil, "reads the environment and terminal"},
	"resource":                   {nil, "changes process limits"},
	"mailcap":                    {nil, "findmatch builds shell commands"},
	"pipes":                      {nil, "pipes.Template runs shell commands"},
	"pexpect":                    {nil, "spawns processes"},
	"uuid":                       {nil, "uuid._get_command_stdout runs commands"},
	"_osx_support":               {nil, "runs commands via os.system"},
	"_aix_support":               {nil, "runs commands"},
	"_pyrepl":                    {nil, "pager helpers run commands"},
	"yaml":                       {[]string{"load", "unsafe_load", "full_load", "load_all", "unsafe_load_all", "UnsafeLoader", "Loader"}, "YAML loaders build arbitrary objects"},
	"numpy.f2py":                 {nil, "compiles and evaluates code"},
	"numpy.distutils":            {nil, "runs build commands"},
	"numpy.testing":              {nil, "numpy.testing._private.utils.runstring is exec"},
	"numpy.ctypeslib":            {nil, "loads native libraries"},
	"numpy":                      {[]string{"load", "fromfile", "loadtxt", "genfromtxt", "save", "savez", "tofile"}, "reads or writes files, unpickles"},
	"numpy.lib.npyio":            {[]string{"load", "loadtxt", "genfromtxt", "save", "savez"}, "reads or writes files, unpickles"},
	"pandas":                     {[]string{"read_pickle", "read_csv", "eval"}, "reads files, unpickles, evaluates"},
	"pandas.io.pickle":           {nil, "unpickles another file"},
	"torch":                      {[]string{"load", "compile", "hub", "jit", "package", "_dynamo", "_inductor", "ops", "classes", "_C", "distributed", "save"}, "loads other files or compiles code"},
	"torch.serialization":        {[]string{"load", "_load", "legacy_load", "_legacy_load", "save"}, "second-stage torch.load"},
	"torch.storage":              {[]string{"_load_from_bytes"}, "second-stage torch.load of embedded bytes"},
	"torch.hub":                  {nil, "downloads and runs code"},
	"torch.jit":                  {nil, "compiles and runs TorchScript"},
	"torch.package":              {nil, "imports packaged code"},
	"torch._dynamo":              {nil, "compiles and runs code"},
	"torch._inductor":            {nil, "compiles and runs code"},
	"torch.compiler":             {nil, "compiles code"},
	"torch.distributed":          {nil, "network RPC"},
	"torch.fx":                   {nil, "symbolic_shapes evaluates guard expressions"},
	"torch.utils.bottleneck":     {nil, "runs profilers over code"},
	"torch.utils.collect_env":    {nil, "runs commands"},
	"torch.utils._config_module": {nil, "loads pickled configuration"},
	"torch.utils.data.datapipes.utils.decoder": {nil, "decoders unpickle"},
	"torch.utils.cpp_extension":                {nil, "compiles and loads native code"},
	"keras":                                    {[]string{"models", "saving"}, "loads other model files"},
	"tensorflow":                               {[]string{"io", "keras", "saved_model"}, "loads other model files"},
	"fickling":                                 {nil, "imports a scanner to tamper with it"},
	"picklescan":                               {nil, "imports a scanner to tamper with it"},
	"modelscan":                                {nil, "imports a scanner to tamper with it"},
	"model_unpickler":                          {nil, "imports a scanner to tamper with it"},
	"saferpickle":                              {nil, "imports a scanner to tamper with it"},
	"modelaudit":                               {nil, "imports a scanner to tamper with it"},
	"overshare":                                {nil, "imports a scanner to tamper with it"},
}

// dangerousAttrs are attribute names that, anywhere in a dotted path or as a
// getattr argument, reach namespaces, code or files.
var dangerousAttrs = setOf("__builtins__", "__globals__", "__dict__", "__subclasses__", "__bases__", "__base__",
	"__mro__", "__class__", "__getattribute__", "__getattr__", "__setattr__", "__delattr__", "__reduce__",
	"__reduce_ex__", "__code__", "__closure__", "__func__", "__self__", "__loader__", "__spec__", "__import__",
	"__init_subclass__", "__call__", "f_globals", "f_locals", "f_builtins", "gi_frame", "gi_code", "cr_frame",
	"func_globals", "system", "popen", "spawnv", "spawnve", "spawnl", "spawnlp", "spawnvp", "execv", "execve",
	"execl", "execlp", "execvp", "posix_spawn", "eval", "exec", "compile", "getattr", "setattr", "delattr",
	"globals", "locals", "vars", "breakpoint", "write_text", "write_bytes", "unlink", "rmdir", "rmtree",
	"chmod", "chown", "symlink_to", "hardlink_to", "runcode", "runsource", "runcommand", "runctx",
	"Popen", "check_output", "check_call", "import_module", "load_module", "exec_module", "loads", "load",
	"modules")

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// judgement is how a resolved global is classified.
type judgement struct {
	verdict Verdict
	tier    Tier
	code    string
	reason  string
	chain   string // the component that made it dangerous, for explanations
}

// lookupGadget finds the block-list entry for module.name, trying module
// and each parent package, and name and its first dotted component.
func lookupGadget(module, name string) (gadget, string, bool) {
	first, _, _ := strings.Cut(name, ".")
	for m := module; m != ""; {
		if g, ok := gadgets[m]; ok {
			if g.names == nil {
				return g, m + ".*", true
			}
			for _, n := range g.names {
				if n == first || n == name {
					return g, m + "." + n, true
				}
			}
		}
		i := strings.LastIndexByte(m, '.')
		if i < 0 {
			break
		}
		m = m[:i]
	}
	return gadget{}, "", false
}

// classify judges module.name as CPython would resolve it: allowlists first
// (exact names only), then the block-list on the module, its parents and
// every dotted component of the name, then the caller's allowlist.
func classify(module, name string, user map[string]bool) judgement {
	full := module + "." + name
	if a, ok := tier0(full); ok {
		return judgement{verdict: Safe, tier: a.tier, code: "allowlist-weights-only", reason: a.reason}
	}
	if a, ok := init1(full); ok {
		return judgement{verdict: Safe, tier: a.tier, code: "allowlist-value-type", reason: a.reason}
	}
	if g, hit, ok := lookupGadget(module, name); ok {
		return judgement{verdict: Malicious, code: "dangerous-global", reason: g.reason, chain: hit}
	}
	if isBuiltinsAlias(module) {
		if g, hit, ok := lookupGadget("builtins", name); ok {
			return judgement{verdict: Malicious, code: "dangerous-global", reason: g.reason, chain: hit}
		}
	}
	// Every component of the (possibly dotted) name: protocol 4+ find_class
	// walks it with getattr, so "os.system" under pathlib is os.system and
	// "eval.__call__" under builtins is eval.
	parts := strings.Split(name, ".")
	for i, p := range parts {
		if dangerousAttrs[p] {
			return judgement{verdict: Malicious, code: "dangerous-attribute-path", reason: "attribute path reaches " + p, chain: module + "." + strings.Join(parts[:i+1], ".")}
		}
		if i+1 < len(parts) {
			if g, hit, ok := lookupGadget(p, strings.Join(parts[i+1:], ".")); ok {
				return judgement{verdict: Malicious, code: "dangerous-attribute-path", reason: g.reason, chain: module + "." + strings.Join(parts[:i], ".") + " → " + hit}
			}
			if isBuiltinsAlias(p) {
				return judgement{verdict: Malicious, code: "dangerous-attribute-path", reason: "reaches the builtins namespace", chain: full}
			}
		}
	}
	if user[full] {
		return judgement{verdict: Safe, tier: TierUser, code: "allowlist-user", reason: "in the caller's allowlist"}
	}
	if m0, _, _ := strings.Cut(module, "."); isScannerModule(m0) {
		return judgement{verdict: Malicious, code: "scanner-tampering", reason: "imports a scanner"}
	}
	return judgement{verdict: Suspicious, code: "unknown-global", reason: "not on any allowlist"}
}

func isBuiltinsAlias(m string) bool {
	return m == "builtins" || m == "__builtin__" || m == "__builtins__"
}

func isScannerModule(m string) bool {
	switch m {
	case "fickling", "picklescan", "modelscan", "model_unpickler", "saferpickle", "modelaudit", "overshare":
		return true
	}
	return false
}
