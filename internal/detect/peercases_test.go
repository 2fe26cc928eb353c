package detect

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/overshare/overshare/sas"
)

// peerCase is one row of shared/testdata/peer-cases.jsonl: a literal true
// or false positive copied from another scanner's tests, labelled by that
// scanner's own rule scope.
type peerCase struct {
	Label    string `json:"label"` // TP or FP
	Tool     string `json:"tool"`
	Rule     string `json:"rule"`
	Sample   string `json:"sample"`
	Category string `json:"category"`
	Note     string `json:"note"`
}

var (
	peerOnce  sync.Once
	peerRows  []peerCase
	peerError error
)

// loadPeerCases reads the peer cases from ../shared/testdata relative to
// the repository root (the directory holding go.mod). A missing file is a
// failure, never a skip: these cases are the rules' acceptance test.
func loadPeerCases(t testing.TB) []peerCase {
	t.Helper()
	peerOnce.Do(func() { peerRows, peerError = readPeerCases() })
	if peerError != nil {
		t.Fatal(peerError)
	}
	return peerRows
}

func readPeerCases() ([]peerCase, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, fmt.Errorf("no go.mod above the test directory")
		}
		dir = parent
	}
	name := filepath.Join(dir, "..", "shared", "testdata", "peer-cases.jsonl")
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("peer cases: %w", err)
	}
	defer f.Close()
	var rows []peerCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var r peerCase
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return rows, nil
}

// pfxHeader is the start of a PKCS#12 file (a DER SEQUENCE whose first
// element is the version, INTEGER 3), used as the content of the path-rule
// cases: those rows give a file name only, and the rule reports a .p12 or
// .pfx path only when the file really is a PKCS#12 bundle (not a Git LFS
// pointer or an empty file).
var pfxHeader = []byte{0x30, 0x82, 0x0a, 0x00, 0x02, 0x01, 0x03, 0x30, 0x82, 0x09, 0xc6}

// peerExpect is what overshare reports for one peer case.
type peerExpect struct {
	// want lists "rule/severity", sorted; nil when nothing is reported.
	want []string
	// why explains a disagreement with the peer's label, which the test
	// computes: the peer's TP is agreed with when overshare reports
	// something at low or above, its FP when it reports nothing or only
	// info (a known example, a malformed token: seen, but not a live
	// credential). A row that disagrees must say why; one that agrees
	// must not.
	why string
}

func w(s ...string) []string { return s }

const (
	sasLow       = "azure-sas/low"
	sasInfo      = "azure-sas/info"
	keyCritical  = "azure-storage-key/critical"
	keyLow       = "azure-storage-key/low"
	keyInfo      = "azure-storage-key/info"
	connCritical = "azure-connection-string/critical"
	connHigh     = "azure-connection-string/high"
	connLow      = "azure-connection-string/low"
	connInfo     = "azure-connection-string/info"
	pkHigh       = "private-key/high"
	pkMedium     = "private-key/medium"
	pkLow        = "private-key/low"
)

// peerTable is keyed by row index of peer-cases.jsonl.
var peerTable = map[int]peerExpect{
	// TruffleHog azuresastoken: expired service SAS tokens (2025).
	0:  {want: w(sasLow)},
	1:  {want: w(sasInfo), why: "the lead expected low; the signature is 45 base64 characters and '=' (not a 32-byte HMAC), so knownSAS lowers it to info as a placeholder"},
	2:  {want: w(sasInfo), why: "the lead expected low; the signature is 45 base64 characters and '=' (not a 32-byte HMAC), so knownSAS lowers it to info as a placeholder"},
	3:  {want: w(sasInfo), why: "the lead expected low; the signature decodes to 33 bytes, not a 32-byte HMAC, so knownSAS lowers it to info as a placeholder"},
	4:  {want: w(sasLow)},
	5:  {want: w(sasLow)},
	6:  {want: w(sasLow)},
	7:  {want: w(sasLow)},
	8:  {},
	9:  {},                 // no sig=
	10: {want: w(sasInfo)}, // sp=rqx: malformed, the signature looks real
	11: {want: w(sasInfo)}, // sip=168.1.6: malformed, the signature looks real

	// TruffleHog azure_storage. Keys inside a connection string are
	// reported once, by the connection-string rule.
	12: {want: w(connCritical)},
	13: {want: w(connCritical)}, // key before name
	14: {want: w(connCritical)},
	15: {want: w(connInfo), why: "the key is the storage emulator's published key with its first character changed (an edited copy, matched by digests of its pieces), and the string points its queue endpoint at the local emulator: a test value"},
	16: {want: w(keyCritical)},
	17: {want: w(keyCritical, keyCritical)}, // primary and secondary key
	18: {want: w(keyCritical)},              // identifiable key with a valid checksum
	19: {want: w(keyCritical)},
	20: {want: w(keyCritical)},
	21: {want: w(keyCritical)},
	22: {want: w(keyInfo), why: "the key is the Cosmos DB emulator's published key (matched by digest), used here as a stand-in storage key"},
	23: {want: w(keyCritical)},
	24: {want: w(keyCritical)},
	25: {want: w(keyCritical)},
	26: {want: w(keyCritical)},
	27: {want: w(keyCritical)},
	28: {want: w(keyCritical)},
	29: {want: w(keyCritical)},
	30: {want: w(keyCritical)},
	31: {want: w(keyCritical)},
	32: {want: w(keyCritical)},
	33: {want: w(keyCritical)},
	34: {want: w(connInfo)}, // the Azurite key and devstoreaccount1: a known example at info
	35: {want: w(connInfo)}, // same
	36: {},                  // storageaccountkeybase64encoded: not 64 bytes of base64
	37: {},                  // AccountKey=*****

	// TruffleHog Cosmos DB and App Configuration.
	38: {why: "a bare Cosmos DB key labelled cosmosKey next to a documents.azure.com host, not a connection string: overshare has no bare Cosmos DB key rule (and this key spells out 'fake' five times)"},
	39: {why: "a Jenkins credential entry holding a bare Cosmos DB key: overshare has no bare Cosmos DB key rule"},
	40: {why: "a bare Cosmos DB key next to a table.cosmos.azure.com host, not a connection string: overshare has no bare Cosmos DB key rule"},
	41: {},
	42: {want: w(connHigh)}, // the secret is a common annotated key (JQQJ99)
	43: {want: w(connHigh)},
	44: {want: w(connLow), why: "an App Configuration secret without its Id: not usable as written, but a secret all the same (the Id is not secret and may be elsewhere), so overshare reports it at low"},

	// TruffleHog, gitleaks private keys.
	45: {want: w(pkHigh)},
	46: {want: w(pkHigh), why: "the header's spaces were mangled into '?', but the body is a whole RSA key under a proper END line: anyone can repair the header, so overshare reports the key"},
	47: {want: w(pkMedium)}, // OpenSSH, aes256-ctr with bcrypt
	48: {want: w(pkLow)},    // PKCS#8 cut to two lines: truncated
	49: {want: w(pkLow)},    // PKCS#1 cut to two lines: truncated
	50: {want: w(pkLow)},    // PGP secret key packet cut short: truncated
	51: {},                  // body "anything"
	52: {},                  // header and END, no body

	// gitleaks pkcs12-file: paths, with a PKCS#12 header as content.
	53: {want: w(pkMedium)},
	54: {want: w(pkMedium)},
	55: {want: w(pkMedium)},
	56: {},
	57: {},

	// Nosey Parker np.azure.1/2, np.pem.1/2.
	58: {want: w(connCritical)},
	59: {why: "the AccountKey is 75 characters (56 bytes), not a 64-byte storage key: a hand-typed stand-in ('sdfsdsgfsgfdgfdgfd', 'YThis') for an account on 127.0.0.1"},
	60: {want: w(connHigh)}, // IoT Hub registryReadWrite
	61: {want: w(connCritical)},
	62: {}, // InstrumentationKey only
	63: {}, // InstrumentationKey only
	64: {},
	65: {},
	66: {}, // <YOUR_ACCOUNT_KEY>
	67: {}, // X
	68: {}, // {3}
	69: {}, // [Shared Access key goes here]
	70: {want: w(connHigh)},
	71: {want: w(connHigh)}, // endpoint written without Endpoint=
	72: {want: w(connHigh)},
	73: {want: w(connHigh)},
	74: {},                // Id=xxx;Secret=xxx
	75: {want: w(pkHigh)}, // RSA header over an unencrypted OpenSSH body
	76: {want: w(pkHigh)}, // concatenated string literals
	77: {want: w(pkHigh)}, // "\r\n" escapes
	78: {want: w(pkLow)},  // base64-wrapped; the inner PEM has two corrupted characters, so the body no longer decodes
	79: {want: w(pkHigh)}, // base64-wrapped

	// Kingfisher.
	80:  {want: w(connCritical)},
	81:  {why: "the AccountKey is 75 characters (56 bytes), not a 64-byte storage key: a hand-typed stand-in for an account on 127.0.0.1"},
	82:  {want: w(connHigh)},
	83:  {want: w(connCritical)},
	84:  {},
	85:  {},
	86:  {want: w(connHigh)},
	87:  {want: w(connHigh)},
	88:  {want: w(connHigh)},
	89:  {want: w(connHigh)},
	90:  {},
	91:  {why: "an account name alone (a helper rule for the peer): a name is not a credential"},
	92:  {why: "an account name alone (a helper rule for the peer): a name is not a credential"},
	93:  {why: "the value is 108 base64 characters, not a 64-byte key (88 characters): a sequential stand-in 'Xy9aB8cD7eF6...'"},
	94:  {want: w(pkLow)}, // Proc-Type ENCRYPTED, but the body is not valid base64 (289 characters)
	95:  {want: w(pkLow)}, // body with '=' inside: not a key encoding
	96:  {want: w(pkLow)}, // same under an RSA header
	97:  {want: w(pkLow)}, // 40 random characters: not a key encoding
	98:  {want: w(pkLow)}, // PKCS#8 cut to two lines: truncated
	99:  {want: w(pkLow)}, // invented header, random body
	100: {want: w(pkHigh)},
	101: {want: w(pkHigh)},
	102: {want: w(pkHigh)},
	103: {want: w(pkLow)}, // as row 78
	104: {want: w(pkHigh)},
	105: {why: "an account name alone (a helper rule for the peer): a name is not a credential"},
	106: {why: "an account name alone (a helper rule for the peer): a name is not a credential"},
	107: {why: "an account name alone (a helper rule for the peer): a name is not a credential"},
	108: {want: w(keyCritical)}, // identifiable, valid checksum
	109: {want: w(keyCritical)},
	110: {want: w(keyCritical)},
	111: {want: w(keyCritical)},
	112: {want: w(keyCritical)},
	113: {want: w(keyCritical)},

	// Titus.
	114: {why: "an account name alone (a helper rule for the peer): a name is not a credential"},
	115: {why: "an account name alone (a helper rule for the peer): a name is not a credential"},
	116: {why: "an account name alone (a helper rule for the peer): a name is not a credential"},
	117: {why: "88 base64 characters without padding decode to 66 bytes, not a 64-byte key: a sequential stand-in 'Xy9aB8cD7eF6...'"},
	118: {why: "90 characters, not a 64-byte key (88 characters): a sequential stand-in 'Ky7aC1cD7eF6...'"},

	// detect-secrets.
	119: {want: w(keyCritical)},
	120: {why: "the body is prose ('super secret private key here'): no key material, nothing to rotate"},
	121: {why: "a header with prose under it ('yabba dabba doo') and no END: no key material"},

	// Veles: hand-edited copies of an identifiable key ('5' changed to
	// '6', 'y' to 'Y'): the +ASt signature is there, the checksum fails.
	// Reported at low (a real key one edit away leaked, or a made-up one).
	122: {want: w(keyLow)},
	123: {want: w(keyLow)},
	124: {want: w(keyLow)},
	125: {want: w(keyLow, keyLow, keyLow)}, // the same key three times, back to back
	126: {want: w(keyLow, keyLow)},
	127: {want: w(keyLow)},
	128: {want: w(keyLow)},
	129: {}, // 86 characters and one '=': not 64 bytes
	130: {}, // '$' inside: no 88-character run

	// Microsoft security-utilities SEC101/060.
	131: {why: "a lone dsas_secret value of 43 '/' characters: no sig= and no token around it, so the SAS rule has nothing to parse (the lead's expectation), and an all-'/' value is a pathological test string, not a signature"},
	132: {},
	133: {},

	// The incident's real token, expired in 2021.
	134: {want: w(sasLow)},
}

// TestPeerCases runs every peer case through the default Detector and
// compares what it reports with peerTable.
func TestPeerCases(t *testing.T) {
	rows := loadPeerCases(t)
	if len(rows) != len(peerTable) {
		t.Fatalf("%d peer cases, %d table entries: every row needs an expectation", len(rows), len(peerTable))
	}
	d := New(Options{Now: testNow, Policy: sas.DefaultPolicy()})
	agree := 0
	for i, row := range rows {
		exp, ok := peerTable[i]
		if !ok {
			t.Errorf("row %d: no expectation", i)
			continue
		}
		data, path := []byte(row.Sample), ""
		if row.Category == "private-key-path" {
			data, path = pfxHeader, row.Sample
		}
		cs := d.Detect(data, path)
		checkCandidates(t, data, cs)
		var got []string
		reported := false
		for _, c := range cs {
			got = append(got, c.Rule+"/"+c.Severity.String())
			reported = reported || c.Severity > sas.SeverityInfo
		}
		slices.Sort(got)
		want := slices.Clone(exp.want)
		slices.Sort(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("row %d (%s %s %s): (-want +got)\n%s", i, row.Label, row.Tool, row.Rule, diff)
		}
		agrees := reported == (row.Label == "TP")
		switch {
		case agrees && exp.why != "":
			t.Errorf("row %d agrees with the peer's %s but carries a disagreement note", i, row.Label)
		case !agrees && exp.why == "":
			t.Errorf("row %d disagrees with the peer's %s (%s): the table must say why", i, row.Label, strings.Join(got, ", "))
		}
		if agrees {
			agree++
		}
	}
	t.Logf("%d peer cases, %d agree with the peer's label", len(rows), agree)
}

// fuzzSeeds are the peer cases and a few shapes of each rule.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, r := range loadPeerCases(t) {
		seeds = append(seeds, []byte(r.Sample))
	}
	key := legacyKey("fuzz")
	seeds = append(seeds,
		[]byte("DefaultEndpointsProtocol=https;AccountName=a;AccountKey="+key+";\n"),
		[]byte("AccountKey="+storageIdentKey("fuzz")),
		[]byte("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey="+randB64("fuzz", 32)),
		[]byte("AKIA"+strings.Repeat("Q", 16)+" aws_secret_access_key="+randB64("fuzz", 30)),
		[]byte("PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nPublic-Lines: 1\nAAAA\nPrivate-Lines: 1\n"+randB64("fuzz", 48)+"\n"),
		[]byte("-----BEGIN PRIVATE KEY-----\\n"+randB64("fuzz", 48)+"\\n-----END PRIVATE KEY-----"),
		pfxHeader,
	)
	return seeds
}

func TestFuzzSeedCorpus(t *testing.T) {
	if n := len(fuzzSeeds(t)); n < len(peerTable) {
		t.Fatalf("fuzz seed corpus has %d entries, want at least the %d peer cases", n, len(peerTable))
	}
}

// FuzzDetect: no input panics the Detector, every candidate's range lies
// within the data, and every candidate has a secret.
func FuzzDetect(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, false)
	}
	f.Add(pfxHeader, true)
	d := New(Options{Now: testNow, Policy: sas.DefaultPolicy()})
	f.Fuzz(func(t *testing.T, data []byte, p12 bool) {
		path := "dir/file.txt"
		if p12 {
			path = "dir/cert.pfx"
		}
		for _, c := range d.Detect(data, path) {
			if c.Start < 0 || c.Start > c.End || c.End > len(data) {
				t.Fatalf("%s: range [%d,%d) outside data of %d bytes", c.Rule, c.Start, c.End, len(data))
			}
			if c.Secret == "" {
				t.Fatalf("%s at %d: empty secret", c.Rule, c.Start)
			}
		}
	})
}
