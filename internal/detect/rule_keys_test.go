package detect

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/overshare/overshare/sas"
)

// Fixtures that look like secrets are built at run time from a seed, so
// that this repository carries no literal a scanner would flag.

// seedBytes returns n deterministic pseudo-random bytes for seed.
func seedBytes(seed string, n int) []byte {
	var out []byte
	for i := 0; len(out) < n; i++ {
		h := sha512.Sum512([]byte(seed + "/" + string(rune('a'+i))))
		out = append(out, h[:]...)
	}
	return out[:n]
}

// legacyKey is a 64-byte key without the identifiable signature.
func legacyKey(seed string) string {
	return base64.StdEncoding.EncodeToString(seedBytes(seed, 64))
}

// legacyKeyWith is a legacy key that contains the character c (to test
// escaping of '/' and '+').
func legacyKeyWith(seed string, c string) string {
	for i := 0; ; i++ {
		k := legacyKey(seed + strings.Repeat("'", i))
		if strings.Contains(k, c) {
			return k
		}
	}
}

// identKey is an identifiable 64-byte key: sig (4 base64 characters) at
// characters 76-79 and a Marvin32 checksum with seed in the last 4 bytes.
func identKey(seed, sig string, checksumSeed uint64) string {
	raw := seedBytes(seed, 64)
	s, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(s) != 3 {
		panic("bad signature " + sig)
	}
	copy(raw[57:60], s)
	binary.LittleEndian.PutUint32(raw[60:], marvin32(raw[:60], checksumSeed))
	return base64.StdEncoding.EncodeToString(raw)
}

func storageIdentKey(seed string) string {
	return identKey(seed, storageSignature, storageChecksumSeed)
}

// breakChecksum changes one character of a key's checksum.
func breakChecksum(k string) string {
	b := []byte(k)
	if b[82] == 'A' {
		b[82] = 'B'
	} else {
		b[82] = 'A'
	}
	return string(b)
}

// randB64 is n random bytes in base64.
func randB64(seed string, n int) string {
	return base64.StdEncoding.EncodeToString(seedBytes(seed, n))
}

// peerSample returns a value from the shared peer cases (the published
// emulator keys are taken from there rather than written here).
func peerSample(t *testing.T, row int) string {
	t.Helper()
	rows := loadPeerCases(t)
	if row >= len(rows) {
		t.Fatalf("peer case %d missing", row)
	}
	return rows[row].Sample
}

var testNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// outcome is what a table test compares: the parts of a candidate that
// state the verdict.
type outcome struct {
	Rule     string
	Severity string
	Reason   string // the first reason's code
	Facts    any
	Enc      string
}

func outcomes(cs []Candidate) []outcome {
	var out []outcome
	for _, c := range cs {
		o := outcome{Rule: c.Rule, Severity: c.Severity.String(), Facts: c.Facts, Enc: strings.Join(c.Encodings, ",")}
		if len(c.Reasons) > 0 {
			o.Reason = c.Reasons[0].Code
		}
		out = append(out, o)
	}
	return out
}

// runRule runs one rule through a Detector (so that the anchors and the
// base64 layer apply as in a scan) and checks candidate invariants.
func runRule(t *testing.T, r Rule, data, path string) []Candidate {
	t.Helper()
	d := New(Options{Rules: []Rule{r}, Now: testNow, Policy: sas.DefaultPolicy()})
	cs := d.Detect([]byte(data), path)
	checkCandidates(t, []byte(data), cs)
	return cs
}

func checkCandidates(t testing.TB, data []byte, cs []Candidate) {
	t.Helper()
	for _, c := range cs {
		if c.Start < 0 || c.Start > c.End || c.End > len(data) {
			t.Errorf("%s: range [%d,%d) outside data of %d bytes", c.Rule, c.Start, c.End, len(data))
		}
		if c.Secret == "" {
			t.Errorf("%s at %d: empty secret", c.Rule, c.Start)
		}
		if c.Title == "" || len(c.Reasons) == 0 || c.Remediation.Summary == "" {
			t.Errorf("%s at %d: title, reasons or remediation missing: %+v", c.Rule, c.Start, c)
		}
	}
}

func TestMarvin32(t *testing.T) {
	// The known-answer vectors published with Marvin (SymCrypt, and .NET's
	// MarvinTests), seed 0x004FB61A001BDBCC.
	for _, v := range []struct {
		in   string
		want uint64
	}{
		{"", 0x30ED35C100CD3C7D},
		{"af", 0x48E73FC77D75DDC1},
		{"e70f", 0xB5F6E1FC485DBFF8},
		{"37f495", 0xF0B07C789B8CF7E8},
		{"8642dc59", 0x7008F2E87E9CF556},
		{"153fb79826", 0xE6C08C6DA2AFA997},
		{"0932e6246c47", 0x6F04BF1A5EA24060},
	} {
		in, _ := hex.DecodeString(v.in)
		if got := marvin64(in, 0x004FB61A001BDBCC); got != v.want {
			t.Errorf("marvin64(%s) = %#x, want %#x", v.in, got, v.want)
		}
	}
	// Every identifiable key among the peers' cases (real keys Azure
	// generated, or generated with Microsoft's library) has a valid
	// checksum; the Veles cases, hand-edited copies, do not.
	valid := 0
	for _, row := range loadPeerCases(t) {
		for _, k := range key88.FindAllString(row.Sample, -1) {
			if _, ok := identifiable(k); ok {
				valid++
			}
		}
	}
	if valid < 9 {
		t.Errorf("%d peer keys with a valid checksum, want at least 9", valid)
	}
}

var key88 = regexp.MustCompile(`[A-Za-z0-9+/]{86}==`)

func TestIdentifiable(t *testing.T) {
	k := storageIdentKey("ident")
	if signed, valid := identifiable(k); !signed || !valid {
		t.Errorf("generated key: signed %v valid %v, want both", signed, valid)
	}
	if signed, valid := identifiable(breakChecksum(k)); !signed || valid {
		t.Errorf("broken checksum: signed %v valid %v, want signed only", signed, valid)
	}
	if signed, _ := identifiable(legacyKey("legacy")); signed {
		t.Error("legacy key reported as identifiable")
	}
}

func TestStorageKeyRule(t *testing.T) {
	key := legacyKey("storage-1")
	key2 := legacyKey("storage-2")
	ik := storageIdentKey("storage-ident")
	slashKey := legacyKeyWith("storage-slash", "/")
	azurite := key88.FindString(peerSample(t, 34))
	cosmosEmulator := key88.FindString(peerSample(t, 22))
	if len(azurite) != 88 || len(cosmosEmulator) != 88 {
		t.Fatalf("emulator keys from peer cases: %q %q", azurite, cosmosEmulator)
	}
	facts := func(acct string, labelled, signed, valid bool) StorageKeyFacts {
		f := StorageKeyFacts{Service: "storage", Account: acct, Labelled: labelled, Identifiable: signed, ChecksumValid: valid}
		if acct != "" {
			f.Endpoint = "https://" + acct + ".blob.core.windows.net"
		}
		return f
	}
	crit := func(acct string) outcome {
		return outcome{Rule: "azure-storage-key", Severity: "critical", Reason: ReasonAccountKey, Facts: facts(acct, true, false, false)}
	}
	tests := []struct {
		name string
		data string
		want []outcome
	}{
		// True positives.
		{"env file", "STORAGE_ACCOUNT_NAME=acct1\nSTORAGE_ACCOUNT_KEY=" + key + "\n", []outcome{crit("acct1")}},
		{"bare AccountKey= is not a connection string", "AccountKey=" + key, []outcome{crit("")}},
		{"az cli flag", "az storage blob list --account-name acct2 --account-key " + key + " -c data", []outcome{crit("acct2")}},
		{"xml", "<account_name>acct3</account_name>\n<account_key>" + key + "</account_key>", []outcome{crit("acct3")}},
		{"blob host names the account", `{"name": "acct4.blob.core.windows.net", "accountKey":"` + key + `"}`, []outcome{crit("acct4")}},
		{"json escaped slash", `{"storageAccountKey": "` + strings.ReplaceAll(slashKey, "/", `\/`) + `"}`, []outcome{crit("")}},
		{"k8s secret label", "azurestorageaccountname: acct5\nazurestorageaccountkey: " + key, []outcome{crit("acct5")}},
		{"label then a line break", "DEFAULT_ACCOUNT_KEY\n        = \"" + key + "\";", []outcome{crit("")}},
		{"primary and secondary", `{"AccountName": "acct6", "AccountKey": "` + key + `", "SecondaryAccountKey": "` + key2 + `"}`, []outcome{crit("acct6"), crit("acct6")}},
		{"az storage account keys list", "[\n  {\n    \"creationTime\": \"2026-01-05T10:00:00+00:00\",\n    \"keyName\": \"key1\",\n    \"permissions\": \"FULL\",\n    \"value\": \"" + key + "\"\n  },\n  {\n    \"keyName\": \"key2\",\n    \"permissions\": \"FULL\",\n    \"value\": \"" + key2 + "\"\n  }\n]",
			[]outcome{crit(""), crit("")}},
		{"identifiable key without label", "value: " + ik + "\n", []outcome{{Rule: "azure-storage-key", Severity: "critical", Reason: ReasonAccountKey, Facts: facts("", false, true, true)}}},
		{"identifiable key with label", "accountKey: " + ik, []outcome{{Rule: "azure-storage-key", Severity: "critical", Reason: ReasonAccountKey, Facts: facts("", true, true, true)}}},
		{"identifiable signature, bad checksum", "value: " + breakChecksum(ik), []outcome{{Rule: "azure-storage-key", Severity: "low", Reason: ReasonChecksumMismatch, Facts: facts("", false, true, false)}}},
		{"base64-wrapped env file", "data: " + base64.StdEncoding.EncodeToString([]byte("AZURE_STORAGE_ACCOUNT_KEY="+key+"\n")),
			[]outcome{{Rule: "azure-storage-key", Severity: "critical", Reason: ReasonAccountKey, Facts: facts("", true, false, false), Enc: "base64"}}},
		// Known examples: reported at info.
		{"emulator account", "account_name: devstoreaccount1\naccount_key: " + key, []outcome{{Rule: "azure-storage-key", Severity: "info", Reason: ReasonKnownExample, Facts: facts("devstoreaccount1", true, false, false)}}},
		{"Azurite key", "accountKey: " + azurite, []outcome{{Rule: "azure-storage-key", Severity: "info", Reason: ReasonKnownExample, Facts: facts("", true, false, false)}}},
		{"edited Azurite key", "accountKey: Q" + azurite[1:], []outcome{{Rule: "azure-storage-key", Severity: "info", Reason: ReasonKnownExample, Facts: facts("", true, false, false)}}},
		{"Cosmos DB emulator key", "storageKey: " + cosmosEmulator, []outcome{{Rule: "azure-storage-key", Severity: "info", Reason: ReasonKnownExample, Facts: facts("", true, false, false)}}},
		// False positives: not reported at all.
		{"placeholder word", "AccountKey=storageaccountkeybase64encoded", nil},
		{"angle placeholder", "AccountKey=<YOUR_ACCOUNT_KEY>;", nil},
		{"variable", "let accountKey = $accountKey;", nil},
		{"format argument", "AccountKey={3};", nil},
		{"single letter", "AccountKey=X;", nil},
		{"one character repeated", "accountKey: " + strings.Repeat("A", 86) + "==", nil},
		{"fake in the key", "accountKey: Fake" + key[4:], nil},
		{"86 characters and one =", "accountKey: " + key[:87], nil},
		{"not padded", "accountKey: " + key[:86] + "xy", nil},
		{"unlabelled legacy key", "value: " + key, nil},
		{"kerberos key in a listing", `{"keyName": "kerb1", "permissions": "FULL", "value": "` + key + `"}`, nil},
		{"label too far away", "accountKey is documented below, see the section about rotation of keys\n\n" + key, nil},
		{"inside a storage connection string", "DefaultEndpointsProtocol=https;AccountName=acct7;AccountKey=" + key + ";EndpointSuffix=core.windows.net", nil},
		{"inside a Cosmos DB connection string", "AccountEndpoint=https://db1.documents.azure.com:443/;AccountKey=" + key + ";", nil},
		{"identifiable key inside a connection string", "DefaultEndpointsProtocol=https;AccountName=acct8;AccountKey=" + ik, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := outcomes(runRule(t, StorageKeyRule{}, tt.data, ""))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestStorageKeyRemediation(t *testing.T) {
	cs := runRule(t, StorageKeyRule{}, "account_name: acct9\naccount_key: "+legacyKey("rem"), "")
	if len(cs) != 1 {
		t.Fatalf("got %d candidates", len(cs))
	}
	steps := strings.Join(cs[0].Remediation.Steps, "\n")
	for _, want := range []string{
		"az storage account keys renew --account-name acct9 --key primary|secondary",
		"--allow-shared-key-access false",
		"Entra ID",
	} {
		if !strings.Contains(steps, want) {
			t.Errorf("remediation lacks %q:\n%s", want, steps)
		}
	}
	if !strings.Contains(cs[0].Remediation.AlsoRevokes, "SAS") {
		t.Errorf("AlsoRevokes = %q, want it to name the SAS it breaks", cs[0].Remediation.AlsoRevokes)
	}
}

func TestPolicyOverridesRuleReasons(t *testing.T) {
	p := sas.DefaultPolicy()
	p.Overrides = map[string]sas.Severity{ReasonAccountKey: sas.SeverityHigh}
	d := New(Options{Rules: []Rule{StorageKeyRule{}}, Now: testNow, Policy: p})
	cs := d.Detect([]byte("AccountKey="+legacyKey("override")), "")
	if len(cs) != 1 || cs[0].Severity != sas.SeverityHigh {
		t.Fatalf("got %+v, want one candidate at high", outcomes(cs))
	}
	for _, code := range []string{ReasonAccountKey, ReasonPrivateKey, ReasonAWSKeyIDOnly, ReasonPKCS12} {
		if !slices.Contains(RuleReasonCodes(), code) {
			t.Errorf("RuleReasonCodes lacks %q", code)
		}
	}
}
