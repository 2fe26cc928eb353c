package detect

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"regexp"
	"slices"
	"strings"

	"github.com/overshare/overshare/sas"
)

// StorageKeyRule finds Azure Storage account keys: 64 random bytes written
// as 88 base64 characters. A key is reported when a label (AccountKey,
// account_key, storageAccountKey, -storagekey, AZURE_STORAGE_ACCESS_KEY, ...)
// is written just before it, or, with no label, when it is one of
// Microsoft's identifiable keys: "+ASt" at characters 76-79 and a valid
// Marvin32 checksum in its last four bytes, which no random string has by
// chance.
//
// A key that is the AccountKey of a connection string is left to
// [ConnStringRule], which reports the whole string once; both rules decide
// that with the same parser (parseConnString), so a key is never reported
// by both.
type StorageKeyRule struct{}

// ID implements Rule.
func (StorageKeyRule) ID() string { return "azure-storage-key" }

// Anchors implements Rule: the stems of the labels without their first
// letter, in lower and upper case (Find checks that "key" follows: account
// key, storageKey, ACCESS_KEY, -storagekey), the key listing of the CLI, and
// the identifiable-key signature. Few anchors keep the prefilter cheap; a
// hit on the word "account" costs a look at the next few bytes.
func (StorageKeyRule) Anchors() [][]byte {
	return lits("ccount", "CCOUNT", "torage", "TORAGE", "ccess", "CCESS", listKeysName, storageSignature)
}

// keyLabel says whether the stem at at (ccount, torage or ccess, in any
// case) is followed by "key", with an optional separator, and returns the
// offset after "key".
func keyLabel(data []byte, at int) (int, bool) {
	i := at
	switch {
	case hasFoldPrefix(data[i:], "ccount"), hasFoldPrefix(data[i:], "torage"):
		i += 6
	case hasFoldPrefix(data[i:], "ccess"):
		i += 5
	default:
		return 0, false
	}
	if i < len(data) && (data[i] == '_' || data[i] == '-' || data[i] == '.') {
		i++
	}
	if !hasFoldPrefix(data[i:], "key") {
		return 0, false
	}
	return i + 3, true
}

func hasFoldPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}

// listKeysName starts each key in the output of az storage account keys
// list and of the ARM listKeys operation: {"keyName": "key1",
// "permissions": "FULL", "value": "..."}.
const listKeysName = `"keyName"`

// The reason codes of the storage-key and connection-string rules.
const (
	ReasonAccountKey       = "account-key"
	ReasonIdentifiableKey  = "identifiable-key"
	ReasonChecksumMismatch = "checksum-mismatch"
	ReasonLocalEndpoint    = "local-endpoint"
)

// StorageKeyFacts are the non-secret facts about a storage account key.
type StorageKeyFacts struct {
	Service string `json:"service"`
	// Account is the storage account named nearest to the key, if any.
	Account string `json:"account,omitempty"`
	// Endpoint is the account's blob endpoint when the account is known.
	Endpoint string `json:"endpoint,omitempty"`
	// Identifiable says the key carries Microsoft's "+ASt" signature;
	// ChecksumValid says its checksum matches (a key Azure generated).
	Identifiable  bool `json:"identifiable"`
	ChecksumValid bool `json:"checksum_valid"`
	// Labelled says a label such as AccountKey= was written before it.
	Labelled bool `json:"labelled"`
}

// Find implements Rule.
func (StorageKeyRule) Find(data []byte, hits []int, ctx *Context) []Candidate {
	type found struct {
		start, end int
		key        string
		labelled   bool
	}
	var keys []found
	done := map[int]bool{} // key starts already seen (or left to the connection-string rule)
	for _, at := range hits {
		var f found
		f.labelled = !bytes.HasPrefix(data[at:], []byte(storageSignature))
		if bytes.HasPrefix(data[at:], []byte(listKeysName)) {
			f.start, f.end, f.key = keyInListing(data, at)
		} else if f.labelled {
			if end, ok := keyLabel(data, at); ok {
				f.start, f.end, f.key = keyAfterLabel(data, end)
			}
		} else if f.start = tokenStart(data, at); at-f.start <= 96 {
			f.key, f.end = readKeyToken(data, f.start)
			if !validKeyBytes(f.key) || f.key[76:80] != storageSignature {
				f.key = ""
			}
		}
		if f.key == "" || done[f.start] {
			continue
		}
		done[f.start] = true
		if connStringWithKey(data, f.start) {
			continue
		}
		keys = append(keys, f)
	}
	if len(keys) == 0 {
		return nil
	}
	starts := make([]int, len(keys))
	for i, k := range keys {
		starts[i] = k.start
	}
	names := newNearby(data, starts, nameBefore, nameAfter, accountNameLabel, accountHost)
	var out []Candidate
	for _, k := range keys {
		c, ok := judgeStorageKey(k.key, names.nearest(k.start), k.labelled)
		if !ok {
			continue
		}
		c.Start, c.End = k.start, k.end
		out = append(out, c)
	}
	applyOverrides(out, ctx.Policy)
	return out
}

// keyAfterLabel returns the first 64-byte base64 key that starts within a
// short distance after the label that ends, or continues, at at.
func keyAfterLabel(data []byte, at int) (start, end int, key string) {
	i := at
	for i < len(data) && i-at < 40 && identByte(data[i]) {
		i++
	}
	limit := min(len(data), i+48)
	for i < limit {
		if !stdBase64Byte(data[i]) || (i > 0 && stdBase64Byte(data[i-1])) {
			i++
			continue
		}
		k, e := readKeyToken(data, i)
		if len(k) == 88 && validKeyBytes(k) {
			return i, e, k
		}
		i = max(e, i+1)
	}
	return 0, 0, ""
}

// keyInListing returns the key of a key listing entry whose "keyName" is
// at at: "key1" or "key2" (not the Kerberos keys), then its "value".
func keyInListing(data []byte, at int) (start, end int, key string) {
	rest := data[at+len(listKeysName) : min(len(data), at+200)]
	name := bytes.TrimLeft(rest, ": \t")
	if !bytes.HasPrefix(name, []byte(`"key1"`)) && !bytes.HasPrefix(name, []byte(`"key2"`)) {
		return 0, 0, ""
	}
	v := bytes.Index(rest, []byte(`"value"`))
	if v < 0 {
		return 0, 0, ""
	}
	return keyAfterLabel(data, at+len(listKeysName)+v+1)
}

func identByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

func stdBase64Byte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '/'
}

// tokenStart walks back from at over base64 characters (and the JSON
// escape "\/").
func tokenStart(data []byte, at int) int {
	for stop := max(0, at-200); at > stop; {
		c := data[at-1]
		if !stdBase64Byte(c) && (c != '\\' || at == len(data) || data[at] != '/') {
			break
		}
		at--
	}
	return at
}

// readKeyToken reads base64 characters from start, with "\/" read as '/'
// (JSON may escape slashes), then up to two '=' of padding. It returns the
// token and the offset just after it.
func readKeyToken(data []byte, start int) (string, int) {
	var b strings.Builder
	i := start
	for i < len(data) && b.Len() < 200 {
		c := data[i]
		if stdBase64Byte(c) {
			b.WriteByte(c)
			i++
			continue
		}
		if c == '\\' && i+1 < len(data) && data[i+1] == '/' {
			b.WriteByte('/')
			i += 2
			continue
		}
		break
	}
	for n := 0; n < 2 && i < len(data) && data[i] == '='; n++ {
		b.WriteByte('=')
		i++
	}
	return b.String(), i
}

// validKeyBytes says whether key is 88 characters of padded base64 that
// decode to 64 bytes.
func validKeyBytes(key string) bool {
	if len(key) != 88 || !strings.HasSuffix(key, "==") {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(key)
	return err == nil && len(raw) == 64
}

// storageSignature is the fixed signature at characters 76-79 of an
// identifiable storage account key.
const storageSignature = "+ASt"

// storageChecksumSeed seeds the Marvin32 checksum of identifiable storage
// account keys: the ASCII bytes of "Default0" read as a big-endian number.
const storageChecksumSeed = 0x44656661756c7430

// identifiable says whether key carries the storage signature, and whether
// its checksum is valid: the last four bytes, little-endian, are Marvin32
// (seeded with storageChecksumSeed, folded to 32 bits) of the first 60.
func identifiable(key string) (signed, valid bool) {
	if len(key) != 88 || key[76:80] != storageSignature {
		return false, false
	}
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(raw) != 64 {
		return true, false
	}
	return true, marvin32(raw[:60], storageChecksumSeed) == binary.LittleEndian.Uint32(raw[60:])
}

// marvin32 is the Marvin hash of data folded to 32 bits by xoring its
// halves, as identifiable keys use it.
func marvin32(data []byte, seed uint64) uint32 {
	h := marvin64(data, seed)
	return uint32(h>>32) ^ uint32(h)
}

// marvin64 is Microsoft's Marvin hash (SymCrypt's marvin32) of data with a
// 64-bit seed. The state is two 32-bit words started from the seed's low
// and high halves; each little-endian 32-bit word of input is added to the
// low word and the pair is mixed; the 0-3 trailing bytes, followed by a
// 0x80 marker byte, make one more word; two more mixes end it. The result
// is high<<32 | low.
func marvin64(data []byte, seed uint64) uint64 {
	lo, hi := uint32(seed), uint32(seed>>32)
	mix := func() {
		hi ^= lo
		lo = bits.RotateLeft32(lo, 20) + hi
		hi = bits.RotateLeft32(hi, 9) ^ lo
		lo = bits.RotateLeft32(lo, 27) + hi
		hi = bits.RotateLeft32(hi, 19)
	}
	for ; len(data) >= 4; data = data[4:] {
		lo += binary.LittleEndian.Uint32(data)
		mix()
	}
	last := uint32(0x80)
	for i := len(data) - 1; i >= 0; i-- {
		last = last<<8 | uint32(data[i])
	}
	lo += last
	mix()
	mix()
	return uint64(hi)<<32 | uint64(lo)
}

// knownKeys are the 64-byte keys Microsoft publishes for its local
// emulators, by the SHA-256 of the key and the first 8 bytes of the SHA-256
// of each of its eight 11-character pieces: a key that shares six or more
// pieces with one of them is an edited copy of it. Digests, so that this
// repository carries no literal of the keys.
var knownKeys = []struct {
	what   string
	digest string
	chunks [8]string
}{
	{"the storage emulator's (Azurite's) published development key",
		"0011cc25eb4320717494d2703e8cba85743e71b500283c21c8b88147992f9059",
		[8]string{"ba84ed5bdb8b2ebd", "80d13fc17335ac57", "42b933a7efa1bbaf", "259059fbe95c40b5", "7570698b31d38c96", "04a531449c2d974a", "6f1210ea7f64a5d0", "e58d350ba690c0b7"}},
	{"the Cosmos DB emulator's published key",
		"aa6547439583c3a275d4542a0df6c1ad6a863971be9f2a2220f027cc02aef615",
		[8]string{"826153cd4fb09115", "93334ce9347ec268", "cac752f6ff547287", "3e235b01685df15b", "3045a3c4de95eab0", "ffce34ca15d524fe", "8fb3e88a13338283", "475566a74565a550"}},
}

// knownKey says whether an 88-character key is one of the emulators'
// published keys or an edited copy of one.
func knownKey(key string) (string, bool) {
	if len(key) != 88 {
		return "", false
	}
	h := sha256.Sum256([]byte(key))
	var chunks [8]string
	for i := range chunks {
		c := sha256.Sum256([]byte(key[i*11 : (i+1)*11]))
		chunks[i] = hex.EncodeToString(c[:8])
	}
	for _, k := range knownKeys {
		if hex.EncodeToString(h[:]) == k.digest {
			return k.what + ": it opens only a local emulator", true
		}
		same := 0
		for i := range chunks {
			if chunks[i] == k.chunks[i] {
				same++
			}
		}
		if same >= 6 {
			return "an edited copy of " + k.what + ": a test value, not a key Azure issued", true
		}
	}
	return "", false
}

// placeholderWords mark a key-shaped value as a made-up example.
var placeholderWords = []string{"fake", "example", "sample", "dummy", "placeholder", "changeme", "xxxxxx", "yourkey", "your_key", "youraccountkey"}

// placeholder says whether a key-shaped value is a stand-in: one character
// repeated, too few distinct characters to be random, or an example word.
func placeholder(v string) bool {
	var seen [256]bool
	distinct := 0
	for i := 0; i < len(v); i++ {
		if c := v[i]; c != '=' && !seen[c] {
			seen[c] = true
			distinct++
		}
	}
	if distinct < 12 {
		return true
	}
	low := strings.ToLower(v)
	for _, w := range placeholderWords {
		if strings.Contains(low, w) {
			return true
		}
	}
	return false
}

// How far from a key its account name is looked for.
const (
	nameBefore = 512
	nameAfter  = 600
)

// nearby holds the matches of some regular expressions (their first
// group) around a set of offsets. Each expression runs once over each run
// of overlapping windows, not once per offset, so the work stays linear in
// the data however many offsets there are.
type nearby struct {
	before, after int
	locs          [][3]int // match start, group start, group end; sorted by match start
	data          []byte
}

// newNearby searches the windows [at-before, at+after) around offsets for the expressions (their first group, or the whole match
// when they have none). For storage keys it finds account names: a
// label (AccountName=, account_name:, storageAccountName, -storagename,
// ...) followed by a name, or NAME.blob.core.windows.net.
func newNearby(data []byte, offsets []int, before, after int, res ...*regexp.Regexp) *nearby {
	n := &nearby{before: before, after: after, data: data}
	offsets = slices.Sorted(slices.Values(offsets))
	for i := 0; i < len(offsets); {
		lo, hi := max(0, offsets[i]-before), min(len(data), offsets[i]+after)
		j := i + 1
		for j < len(offsets) && offsets[j]-before <= hi {
			hi = min(len(data), max(hi, offsets[j]+after))
			j++
		}
		for _, re := range res {
			for _, loc := range re.FindAllSubmatchIndex(data[lo:hi], -1) {
				if len(loc) < 4 {
					loc = append(loc, loc[0], loc[1]) // no group: the whole match
				}
				n.locs = append(n.locs, [3]int{lo + loc[0], lo + loc[2], lo + loc[3]})
			}
		}
		i = j
	}
	slices.SortFunc(n.locs, func(a, b [3]int) int { return a[0] - b[0] })
	return n
}

// nearest returns the group of the match that starts nearest to at,
// within the window; "" if none.
func (n *nearby) nearest(at int) string {
	i, _ := slices.BinarySearchFunc(n.locs, at-n.before, func(l [3]int, t int) int { return l[0] - t })
	best, bestDist := "", -1
	for ; i < len(n.locs) && n.locs[i][0] < at+n.after; i++ {
		l := n.locs[i]
		d := l[0] - at
		if d < 0 {
			d = -d
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = string(n.data[l[1]:l[2]]), d
		}
	}
	return best
}

// any says whether some match starts within the window around at.
func (n *nearby) any(at int) bool {
	i, _ := slices.BinarySearchFunc(n.locs, at-n.before, func(l [3]int, t int) int { return l[0] - t })
	return i < len(n.locs) && n.locs[i][0] < at+n.after
}

var (
	accountNameLabel = regexp.MustCompile(`(?i:account[_.-]?name|storage[_.-]?account(?:[_.-]?name)?|storage[_.-]?name)[\s"'\[\](){}:=,>|]{1,8}([a-z0-9]{3,24})(?:[^A-Za-z0-9_-]|$)`)
	accountHost      = regexp.MustCompile(`(?:^|[^A-Za-z0-9-])([a-z0-9]{3,24})\.(?:blob|dfs|file|queue|table|web)\.core\.(?:windows\.net|chinacloudapi\.cn|usgovcloudapi\.net|cloudapi\.de)`)
)

// judgeStorageKey judges one 88-character key; acct is the account named
// nearest to it, if any.
func judgeStorageKey(key, acct string, labelled bool) (Candidate, bool) {
	signed, valid := identifiable(key)
	if !labelled && !signed {
		return Candidate{}, false
	}
	if !valid && placeholder(key) {
		return Candidate{}, false
	}
	facts := StorageKeyFacts{Service: "storage", Account: acct, Identifiable: signed, ChecksumValid: valid, Labelled: labelled}
	name := acct
	if acct == "" {
		name = "ACCOUNT"
	} else {
		facts.Endpoint = "https://" + acct + ".blob.core.windows.net"
	}
	c := Candidate{
		Rule:        "azure-storage-key",
		Secret:      key,
		Text:        key,
		Facts:       facts,
		Remediation: storageKeyRemediation(name),
	}
	where := "storage account " + acct
	if acct == "" {
		where = "a storage account not named nearby"
	}
	switch {
	case signed && !valid:
		c.Title = "Azure Storage account key with a bad checksum (" + where + ")"
		c.Severity = sas.SeverityLow
		c.Reasons = []sas.Reason{{Code: ReasonChecksumMismatch, Severity: sas.SeverityLow,
			Text: "carries the identifiable storage-key signature (+ASt) but its checksum does not match: not a key Azure issued as written (edited, mistyped or made up); if it was copied from a real key, that key leaked"}}
		c.Remediation.Summary = "check whether it was copied from a real key of " + name + "; if so, rotate that key"
	default:
		c.Title = "Azure Storage account key for " + where
		c.Severity = sas.SeverityCritical
		c.Reasons = []sas.Reason{{Code: ReasonAccountKey, Severity: sas.SeverityCritical,
			Text: "a storage account key is full control of " + where + ": read, write and delete every blob, file, queue and table, and sign any SAS; only rotating the key revokes it"}}
		if valid {
			c.Reasons = append(c.Reasons, sas.Reason{Code: ReasonIdentifiableKey, Severity: sas.SeverityInfo,
				Text: "carries Microsoft's identifiable-key signature and a valid checksum: a key Azure generated, not a made-up string"})
		}
	}
	if why, ok := knownKey(key); ok {
		c.Remediation = emulatorRemediation()
		asKnownExample(&c, why)
	} else if strings.EqualFold(acct, emulatorAccount) {
		c.Remediation = emulatorRemediation()
		asKnownExample(&c, "devstoreaccount1 is the storage emulator's built-in account: a development key")
	}
	return c, true
}

func storageKeyRemediation(name string) sas.Remediation {
	return sas.Remediation{
		Revocation: sas.RevokeRotateKey,
		Summary:    "rotate the account key of " + name + ": it is the only way to revoke it",
		Steps: []string{
			"find which key it is: az storage account keys list --account-name " + name + " (key1 is primary, key2 secondary)",
			"az storage account keys renew --account-name " + name + " --key primary|secondary",
			"this breaks every client that uses the key or a connection string with it, and every SAS signed with it: move those clients to the new key, or better to Entra ID (managed identity and a data-plane role such as Storage Blob Data Reader)",
			"disable shared key access so that account keys and SAS signed with them stop working altogether: az storage account update --name " + name + " --resource-group RESOURCE_GROUP --allow-shared-key-access false",
			"review the account's logs for requests signed with the key since it leaked",
		},
		AlsoRevokes: "every client using this key or a connection string with it, and every service and account SAS signed with it",
	}
}

func emulatorRemediation() sas.Remediation {
	return sas.Remediation{
		Summary: "nothing to revoke: a development key for the local storage emulator",
		Steps:   []string{"make sure production configuration never falls back to the emulator's account or key"},
	}
}

// applyOverrides applies the policy's severity overrides to the reason
// codes of candidates that are not known examples, and sets each
// candidate's severity to the highest of its reasons.
func applyOverrides(cs []Candidate, p sas.Policy) {
	if len(p.Overrides) == 0 {
		return
	}
	for i := range cs {
		c := &cs[i]
		if len(c.Reasons) == 0 || c.Reasons[0].Code == ReasonKnownExample {
			continue
		}
		sev := sas.SeverityInfo
		for j := range c.Reasons {
			if o, ok := p.Overrides[c.Reasons[j].Code]; ok {
				c.Reasons[j].Severity = o
			}
			sev = max(sev, c.Reasons[j].Severity)
		}
		c.Severity = sev
	}
}

// RuleReasonCodes lists the reason codes of the key, connection-string,
// private-key and AWS rules, for validating policy overrides (sas.ReasonCodes
// lists those of SAS tokens).
func RuleReasonCodes() []string {
	return []string{
		ReasonAccountKey, ReasonIdentifiableKey, ReasonChecksumMismatch, ReasonLocalEndpoint,
		ReasonManageRights, ReasonPolicyKey, ReasonDeviceKey, ReasonAppConfigKey, ReasonCosmosKey, ReasonIncomplete,
		ReasonPrivateKey, ReasonEncryptedKey, ReasonTruncatedKey, ReasonUnrecognisedKey, ReasonPKCS12,
		ReasonAWSLongTerm, ReasonAWSTemporary, ReasonAWSKeyIDOnly,
	}
}
