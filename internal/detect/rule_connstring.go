package detect

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/overshare/overshare/sas"
)

// ConnStringRule finds Azure connection strings that carry a key: Storage
// (AccountKey), Cosmos DB (AccountEndpoint + AccountKey), Service Bus and
// Event Hubs (Endpoint=sb:// + SharedAccessKey), IoT Hub (HostName +
// SharedAccessKey) and App Configuration (Endpoint + Id + Secret). The
// string may be split across lines or concatenated string literals after a
// ';'. Storage strings carrying a SAS instead of a key are the SAS rule's.
//
// A storage or Cosmos DB AccountKey inside a connection string is reported
// here, once, and skipped by [StorageKeyRule].
type ConnStringRule struct{}

// ID implements Rule.
func (ConnStringRule) ID() string { return "azure-connection-string" }

// Anchors implements Rule: the key fields without their first letter, in
// the cases they are written in (the SDKs read field names in any case);
// Find checks the whole name.
func (ConnStringRule) Anchors() [][]byte {
	return lits(connAccountKeyAnchors[0], connAccountKeyAnchors[1], connAccountKeyAnchors[2], "ccessKey=", "ccesskey=", "Secret=")
}

// connAccountKeyAnchors are the AccountKey= spellings the rule looks for;
// the storage-key rule leaves a key to this rule only after one of them.
var connAccountKeyAnchors = [3]string{"ccountKey=", "ccountkey=", "CCOUNTKEY="}

// connKeyFields are the fields the anchors stand for.
var connKeyFields = []string{"accountkey", "sharedaccesskey", "secret"}

// The reason codes of the connection-string rule (with ReasonAccountKey,
// ReasonChecksumMismatch and ReasonLocalEndpoint).
const (
	ReasonManageRights = "manage-rights"
	ReasonPolicyKey    = "policy-key"
	ReasonDeviceKey    = "device-key"
	ReasonAppConfigKey = "appconfig-key"
	ReasonCosmosKey    = "cosmos-key"
	ReasonIncomplete   = "incomplete"
)

// ConnStringFacts are the non-secret facts of a connection string.
type ConnStringFacts struct {
	// Service is storage, cosmosdb, servicebus (Service Bus, Event Hubs or
	// Relay: they share the form), iothub, iothub-device or appconfig.
	Service string `json:"service"`
	// Resource is the storage or Cosmos DB account, the namespace, the IoT
	// hub or the App Configuration store.
	Resource string `json:"resource,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
	// KeyName is the shared access policy (SharedAccessKeyName) or the App
	// Configuration credential Id.
	KeyName string `json:"key_name,omitempty"`
	// Entity is the EntityPath (queue, topic or event hub) or the DeviceId.
	Entity string `json:"entity,omitempty"`
	// ReadOnly is set when the key is known to be a read-only key.
	ReadOnly bool `json:"read_only,omitempty"`
	// Local says every endpoint in the string is on this machine (an
	// emulator).
	Local bool `json:"local,omitempty"`
}

// Find implements Rule.
func (ConnStringRule) Find(data []byte, hits []int, ctx *Context) []Candidate {
	var out []Candidate
	lastEnd := -1
	for _, at := range hits {
		for stop := max(0, at-32); at > stop && isLetter(data[at-1]); { // the whole field name
			at--
		}
		eq := at + bytes.IndexByte(data[at:], '=')
		if at < lastEnd || at > 0 && isLetter(data[at-1]) || !slices.Contains(connKeyFields, strings.ToLower(string(data[at:eq]))) {
			continue // the same string, or ClientSecret=, StorageAccountKey=, AccessKey=...
		}
		cs := parseConnString(data, at)
		// Later anchors inside this string belong to it, reported or
		// not: parsing each again would make a run of anchors quadratic.
		lastEnd = cs.end
		c, ok := judgeConnString(cs)
		if !ok {
			continue
		}
		c.Start, c.End = cs.start, cs.end
		out = append(out, c)
	}
	applyOverrides(out, ctx.Policy)
	return out
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// connField is one Name=Value field of a connection string. An unnamed
// field is a bare URL (App Configuration strings written without
// "Endpoint=").
type connField struct {
	name, value string
}

type connString struct {
	fields     []connField
	start, end int
}

func (cs connString) get(name string) string {
	for _, f := range cs.fields {
		if strings.EqualFold(f.name, name) {
			return f.value
		}
	}
	return ""
}

func (cs connString) has(name string) bool {
	for _, f := range cs.fields {
		if strings.EqualFold(f.name, name) {
			return true
		}
	}
	return false
}

// segByte says whether c can be part of a connection-string field.
func segByte(c byte) bool {
	switch c {
	case ';', ' ', '\t', '\r', '\n', '"', '\'', '`':
		return false
	}
	return c >= 0x20 && c < 0x7f
}

// seamByte says whether c can sit between a ';' and the next field when a
// string is written over several lines or as concatenated literals.
func seamByte(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '"', '\'', '`', '+', '&', '.', ',', '\\', '_':
		return true
	}
	return false
}

// connFieldNames are the field names of the connection strings this rule
// reads (lower case).
var connFieldNames = map[string]bool{
	"defaultendpointsprotocol": true, "accountname": true, "accountkey": true, "endpointsuffix": true,
	"blobendpoint": true, "queueendpoint": true, "tableendpoint": true, "fileendpoint": true,
	"sharedaccesssignature": true, "usedevelopmentstorage": true, "developmentstorageproxyuri": true,
	"accountendpoint": true, "endpoint": true, "sharedaccesskeyname": true, "sharedaccesskey": true,
	"entitypath": true, "hostname": true, "deviceid": true, "moduleid": true, "gatewayhostname": true,
	"id": true, "secret": true, "transporttype": true,
}

// How far a connection string is read around an anchor, and how long one
// field may be.
const (
	maxConnString = 4096
	maxConnField  = 1024
)

// parseConnString reads the connection string whose field starts at at:
// back over earlier fields and forward over later ones, each after a ';',
// across line breaks and string concatenation.
func parseConnString(data []byte, at int) connString {
	lo, hi := max(0, at-maxConnString), min(len(data), at+maxConnString)
	segStart := func(i int) int {
		for stop := max(lo, i-maxConnField); i > stop && segByte(data[i-1]); {
			i--
		}
		return i
	}
	segEnd := func(i int) int {
		for stop := min(hi, i+maxConnField); i < stop && segByte(data[i]); {
			i++
		}
		return i
	}
	// A field name seen twice starts another string (strings written one
	// after the other on a line).
	seen := map[string]bool{}
	name := func(s, e int) string { return strings.ToLower(splitField(string(data[s:e])).name) }
	type seg struct{ s, e int }
	first := seg{segStart(at), segEnd(at)}
	seen[name(first.s, first.e)] = true
	var before []seg
	for cur := first.s; len(before) < 32; {
		j := cur
		for j > lo && cur-j < 40 && seamByte(data[j-1]) {
			j--
		}
		if j == lo || data[j-1] != ';' {
			break
		}
		s := segStart(j - 1)
		text := data[s : j-1]
		if !bytes.Contains(text, []byte("=")) && !bytes.Contains(text, []byte("://")) {
			break
		}
		if n := name(s, j-1); n != "" && seen[n] {
			break
		} else {
			seen[n] = true
		}
		before = append(before, seg{s, j - 1})
		cur = s
	}
	segs := make([]seg, 0, len(before)+8)
	for i := len(before) - 1; i >= 0; i-- {
		segs = append(segs, before[i])
	}
	segs = append(segs, first)
	end := first.e
	for cur := first.e; len(segs) < 64; {
		if cur >= hi || data[cur] != ';' {
			break
		}
		end = cur + 1
		j := cur + 1
		for j < hi && j-cur < 40 && seamByte(data[j]) {
			j++
		}
		if j >= hi || !fieldAhead(data[j:min(hi, j+40)]) {
			break
		}
		e := segEnd(j)
		if n := name(j, e); seen[n] {
			break
		} else {
			seen[n] = true
		}
		segs = append(segs, seg{j, e})
		cur, end = e, e
	}
	cs := connString{start: segs[0].s, end: end}
	for _, sg := range segs {
		cs.fields = append(cs.fields, splitField(string(data[sg.s:sg.e])))
	}
	return cs
}

// fieldAhead says whether b starts with Name=.
func fieldAhead(b []byte) bool {
	i := 0
	for i < len(b) && isLetter(b[i]) {
		i++
	}
	return i > 0 && i < len(b) && b[i] == '='
}

// splitField splits one field at the first '=' that follows a known field
// name (so that "AzureWebJobsStorage=DefaultEndpointsProtocol=https" is the
// DefaultEndpointsProtocol field), else at the first '='.
func splitField(s string) connField {
	first := -1
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			continue
		}
		if first < 0 {
			first = i
		}
		j := i
		for j > 0 && isLetter(s[j-1]) {
			j--
		}
		if connFieldNames[strings.ToLower(s[j:i])] {
			return connField{name: s[j:i], value: s[i+1:]}
		}
	}
	if strings.Contains(s, "://") && (first < 0 || strings.Index(s, "://") < first) {
		return connField{value: s}
	}
	if first < 0 {
		return connField{value: s}
	}
	return connField{name: s[:first], value: s[first+1:]}
}

// keyValue returns the leading run of base64 characters (standard or
// URL-safe) and padding of a field value: "<YOUR_KEY>" and "{3}" give "".
func keyValue(v string) string {
	i := 0
	for i < len(v) && (base64Byte(v[i]) || v[i] == '=') {
		i++
	}
	return v[:i]
}

// plausibleKey says whether v can be a generated key: at least minLen
// base64 characters that are not a placeholder.
func plausibleKey(v string, minLen int) bool {
	return len(strings.TrimRight(v, "=")) >= minLen && !placeholder(v)
}

// hostOf returns the host of a URL-ish endpoint value ("sb://ns.servicebus.windows.net/",
// "https://x.azconfig.io", "x.azure-devices.net").
func hostOf(v string) string {
	if !strings.Contains(v, "://") {
		v = "https://" + v
	}
	u, err := url.Parse(v)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// firstLabel is the first DNS label of host.
func firstLabel(host string) string {
	l, _, _ := strings.Cut(host, ".")
	return l
}

func localHost(h string) bool {
	return h == "localhost" || strings.HasPrefix(h, "127.") || h == "::1" || h == "0.0.0.0" ||
		h == "azurite" || h == "host.docker.internal" || strings.HasSuffix(h, ".localhost")
}

var storageAccountName = regexp.MustCompile(`^[a-z0-9]{3,24}$`)

// connStringWithKey says whether the key at ks is the AccountKey of a
// storage or Cosmos DB connection string, which the connection-string rule
// reports.
func connStringWithKey(data []byte, ks int) bool {
	const n = len("AccountKey=")
	if ks < n || !slices.Contains(connAccountKeyAnchors[:], string(data[ks-n+1:ks])) || data[ks-n]|0x20 != 'a' {
		return false
	}
	at := ks - n
	if at > 0 && isLetter(data[at-1]) {
		return false
	}
	k := connKind(parseConnString(data, at))
	return k == "storage" || k == "cosmosdb"
}

// connKind classifies a connection string by its fields.
func connKind(cs connString) string {
	switch {
	case cs.has("AccountKey"):
		ep := hostOf(cs.get("AccountEndpoint"))
		switch {
		case cs.has("AccountEndpoint") || strings.HasSuffix(ep, ".documents.azure.com"):
			return "cosmosdb"
		case cs.has("AccountName") || cs.has("DefaultEndpointsProtocol") || cs.has("EndpointSuffix") ||
			cs.has("BlobEndpoint") || cs.has("QueueEndpoint") || cs.has("TableEndpoint") || cs.has("FileEndpoint"):
			return "storage"
		}
	case cs.has("SharedAccessKey"):
		host := hostOf(cs.get("HostName"))
		switch {
		case strings.Contains(host, ".azure-devices"):
			if cs.has("DeviceId") && !cs.has("SharedAccessKeyName") {
				return "iothub-device"
			}
			return "iothub"
		case cs.has("HostName"):
			return "iothub"
		case cs.has("Endpoint") || cs.has("SharedAccessKeyName"):
			return "servicebus"
		}
	case cs.has("Secret"):
		if strings.HasSuffix(hostOf(appConfigEndpoint(cs)), ".azconfig.io") {
			return "appconfig"
		}
	}
	return ""
}

func appConfigEndpoint(cs connString) string {
	if ep := cs.get("Endpoint"); ep != "" {
		return ep
	}
	for _, f := range cs.fields {
		if f.name == "" && strings.Contains(f.value, "://") {
			return f.value
		}
	}
	return ""
}

// judgeConnString judges one parsed connection string.
func judgeConnString(cs connString) (Candidate, bool) {
	switch connKind(cs) {
	case "storage":
		return judgeStorageConn(cs)
	case "cosmosdb":
		return judgeCosmosConn(cs)
	case "servicebus":
		return judgeServiceBusConn(cs)
	case "iothub", "iothub-device":
		return judgeIoTConn(cs)
	case "appconfig":
		return judgeAppConfigConn(cs)
	}
	return Candidate{}, false
}

func judgeStorageConn(cs connString) (Candidate, bool) {
	key := keyValue(cs.get("AccountKey"))
	if !validKeyBytes(key) {
		return Candidate{}, false
	}
	signed, valid := identifiable(key)
	if !valid && placeholder(key) {
		return Candidate{}, false
	}
	acct := strings.ToLower(cs.get("AccountName"))
	if !storageAccountName.MatchString(acct) {
		acct = ""
	}
	name := acct
	if name == "" {
		name = "ACCOUNT"
	}
	facts := ConnStringFacts{Service: "storage", Resource: acct, KeyName: "account key"}
	explicit := 0
	local := true
	for _, f := range []string{"BlobEndpoint", "QueueEndpoint", "TableEndpoint", "FileEndpoint"} {
		if v := cs.get(f); v != "" {
			explicit++
			local = local && localHost(hostOf(v))
			if f == "BlobEndpoint" {
				facts.Endpoint = v
			}
		}
	}
	facts.Local = explicit > 0 && local
	if facts.Endpoint == "" && acct != "" {
		suffix := cs.get("EndpointSuffix")
		if suffix == "" {
			suffix = "core.windows.net"
		}
		facts.Endpoint = "https://" + acct + ".blob." + suffix
	}
	c := Candidate{
		Rule:        "azure-connection-string",
		Secret:      key,
		Text:        cs.text(),
		Title:       "Azure Storage connection string with the account key of " + name,
		Severity:    sas.SeverityCritical,
		Facts:       facts,
		Remediation: storageKeyRemediation(name),
		Reasons: []sas.Reason{{Code: ReasonAccountKey, Severity: sas.SeverityCritical,
			Text: "the account key of storage account " + name + " is full control of it: read, write and delete every blob, file, queue and table, and sign any SAS; only rotating the key revokes it"}},
	}
	if valid {
		c.Reasons = append(c.Reasons, sas.Reason{Code: ReasonIdentifiableKey, Severity: sas.SeverityInfo,
			Text: "carries Microsoft's identifiable-key signature and a valid checksum: a key Azure generated"})
	} else if signed {
		c.Severity = sas.SeverityLow
		c.Reasons = []sas.Reason{{Code: ReasonChecksumMismatch, Severity: sas.SeverityLow,
			Text: "the key carries the identifiable storage-key signature (+ASt) but its checksum does not match: not a key Azure issued as written; if it was copied from a real key, that key leaked"}}
	}
	switch why, known := knownKey(key); {
	case known:
		c.Remediation = emulatorRemediation()
		asKnownExample(&c, why)
	case acct == emulatorAccount:
		c.Remediation = emulatorRemediation()
		asKnownExample(&c, "devstoreaccount1 is the storage emulator's built-in account: a development connection string")
	case facts.Local:
		c.Severity = sas.SeverityInfo
		c.Remediation = emulatorRemediation()
		c.Reasons = append([]sas.Reason{{Code: ReasonLocalEndpoint, Severity: sas.SeverityInfo,
			Text: "every endpoint in the string is on this machine (a local storage emulator): the key opens no cloud account"}}, c.Reasons...)
	}
	return c, true
}

// Cosmos DB identifiable keys: signature "ACDb" at characters 76-79 and a
// Marvin32 checksum seeded by the key's kind.
const (
	cosmosSignature     = "ACDb"
	cosmosReadOnlySeed  = 0x4d617374524f3030 // "MastRO00"
	cosmosReadWriteSeed = 0x4d61737452573030 // "MastRW00"
)

func judgeCosmosConn(cs connString) (Candidate, bool) {
	key := keyValue(cs.get("AccountKey"))
	if !validKeyBytes(key) || placeholder(key) {
		return Candidate{}, false
	}
	ep := cs.get("AccountEndpoint")
	host := hostOf(ep)
	acct := firstLabel(host)
	if acct == "" {
		acct = "ACCOUNT"
	}
	facts := ConnStringFacts{Service: "cosmosdb", Resource: acct, Endpoint: ep, KeyName: "account key", Local: localHost(host)}
	c := Candidate{
		Rule:     "azure-connection-string",
		Secret:   key,
		Text:     cs.text(),
		Title:    "Azure Cosmos DB connection string with an account key of " + acct,
		Severity: sas.SeverityCritical,
		Reasons: []sas.Reason{{Code: ReasonCosmosKey, Severity: sas.SeverityCritical,
			Text: "a Cosmos DB account key reads and writes every database, container and item of account " + acct + " (a read-only key reads them all); only regenerating the key revokes it"}},
		Remediation: sas.Remediation{
			Revocation: sas.RevokeRotateKey,
			Summary:    "regenerate the Cosmos DB key of " + acct,
			Steps: []string{
				"az cosmosdb keys regenerate --name " + acct + " --resource-group RESOURCE_GROUP --key-kind primary|secondary|primaryReadonly|secondaryReadonly (compare with az cosmosdb keys list --name " + acct + " --resource-group RESOURCE_GROUP)",
				"move clients to Entra ID (Cosmos DB data-plane role assignments) and turn key access off: az resource update --resource-group RESOURCE_GROUP --name " + acct + " --resource-type Microsoft.DocumentDB/databaseAccounts --set properties.disableLocalAuth=true",
			},
			AlsoRevokes: "every client using this key",
		},
	}
	if raw, err := base64.StdEncoding.DecodeString(key); err == nil && key[76:80] == cosmosSignature {
		sum := binary.LittleEndian.Uint32(raw[60:])
		switch sum {
		case marvin32(raw[:60], cosmosReadOnlySeed):
			facts.ReadOnly = true
			c.Severity = sas.SeverityHigh
			c.Reasons[0].Severity = sas.SeverityHigh
			c.Reasons[0].Text = "a Cosmos DB read-only key (its checksum marks it so) reads every database, container and item of account " + acct + "; only regenerating the key revokes it"
		case marvin32(raw[:60], cosmosReadWriteSeed):
			c.Reasons = append(c.Reasons, sas.Reason{Code: ReasonIdentifiableKey, Severity: sas.SeverityInfo,
				Text: "its identifiable-key checksum marks it as a read-write key"})
		}
	}
	c.Facts = facts
	if why, ok := knownKey(key); ok {
		c.Remediation = emulatorRemediation()
		asKnownExample(&c, why)
	} else if facts.Local {
		c.Severity = sas.SeverityInfo
		c.Remediation = emulatorRemediation()
		c.Reasons = append([]sas.Reason{{Code: ReasonLocalEndpoint, Severity: sas.SeverityInfo,
			Text: "the endpoint is on this machine (a local emulator): the key opens no cloud account"}}, c.Reasons...)
	}
	return c, true
}

func judgeServiceBusConn(cs connString) (Candidate, bool) {
	key := keyValue(cs.get("SharedAccessKey"))
	if !plausibleKey(key, 32) {
		return Candidate{}, false
	}
	host := hostOf(cs.get("Endpoint"))
	ns := firstLabel(host)
	if ns == "" {
		ns = "NAMESPACE"
	}
	keyName := cs.get("SharedAccessKeyName")
	entity := cs.get("EntityPath")
	facts := ConnStringFacts{Service: "servicebus", Resource: ns, Endpoint: cs.get("Endpoint"), KeyName: keyName, Entity: entity, Local: host != "" && localHost(host)}
	rule := keyName
	if rule == "" {
		rule = "RULE"
	}
	c := Candidate{
		Rule:   "azure-connection-string",
		Secret: key,
		Text:   cs.text(),
		Title:  "Azure Service Bus / Event Hubs connection string with the key of policy " + rule + " on " + ns,
		Facts:  facts,
	}
	lower := strings.ToLower(keyName)
	switch {
	case strings.Contains(lower, "manage"):
		c.Severity = sas.SeverityCritical
		c.Reasons = []sas.Reason{{Code: ReasonManageRights, Severity: sas.SeverityCritical,
			Text: "policy " + rule + " has Manage rights (RootManageSharedAccessKey is the namespace's all-powerful default): send, receive, create and delete every queue, topic, subscription and event hub of namespace " + ns + ", and mint SAS tokens for all of them"}}
	default:
		what := "its rights are not in the string (a Send and/or Listen policy, or more)"
		switch {
		case strings.Contains(lower, "send") && strings.Contains(lower, "listen"):
			what = "by its name it can send and receive"
		case strings.Contains(lower, "send"):
			what = "by its name it can send messages"
		case strings.Contains(lower, "listen"):
			what = "by its name it can receive (read) messages"
		}
		scope := "namespace " + ns
		if entity != "" {
			scope = entity + " in namespace " + ns
		}
		c.Severity = sas.SeverityHigh
		c.Reasons = []sas.Reason{{Code: ReasonPolicyKey, Severity: sas.SeverityHigh,
			Text: "the key of shared access policy " + rule + " on " + scope + ": " + what + ", and mint SAS tokens with the same rights; only regenerating the key revokes it"}}
	}
	steps := []string{
		"if " + ns + " is a Service Bus namespace: az servicebus namespace authorization-rule keys renew --resource-group RESOURCE_GROUP --namespace-name " + ns + " --name " + rule + " --key PrimaryKey|SecondaryKey",
		"if it is an Event Hubs namespace: az eventhubs namespace authorization-rule keys renew --resource-group RESOURCE_GROUP --namespace-name " + ns + " --name " + rule + " --key PrimaryKey|SecondaryKey",
	}
	if entity != "" && !strings.EqualFold(keyName, "RootManageSharedAccessKey") {
		steps = append(steps, "if the policy is defined on "+entity+" rather than the namespace: az servicebus queue|topic authorization-rule keys renew --resource-group RESOURCE_GROUP --namespace-name "+ns+" --queue-name|--topic-name "+entity+" --name "+rule+" --key PrimaryKey|SecondaryKey, or az eventhubs eventhub authorization-rule keys renew ... --eventhub-name "+entity)
	}
	steps = append(steps, "move clients to Entra ID (managed identity with the Azure Service Bus / Event Hubs Data Sender or Receiver role) and disable local (SAS key) authentication on the namespace")
	c.Remediation = sas.Remediation{
		Revocation:  sas.RevokeRotateKey,
		Summary:     "regenerate the key of policy " + rule + " on " + ns + " (the one in the string: primary or secondary)",
		Steps:       steps,
		AlsoRevokes: "every client using this key, and every SAS token signed with it",
	}
	return c, true
}

func judgeIoTConn(cs connString) (Candidate, bool) {
	key := keyValue(cs.get("SharedAccessKey"))
	if !plausibleKey(key, 32) {
		return Candidate{}, false
	}
	host := hostOf(cs.get("HostName"))
	hub := firstLabel(host)
	if hub == "" {
		hub = "HUB"
	}
	keyName := cs.get("SharedAccessKeyName")
	device := cs.get("DeviceId")
	facts := ConnStringFacts{Service: "iothub", Resource: hub, Endpoint: host, KeyName: keyName, Entity: device}
	c := Candidate{Rule: "azure-connection-string", Secret: key, Text: cs.text()}
	if keyName == "" && device != "" {
		facts.Service = "iothub-device"
		c.Title = "Azure IoT Hub device connection string for device " + device + " on " + hub
		c.Severity = sas.SeverityMedium
		c.Reasons = []sas.Reason{{Code: ReasonDeviceKey, Severity: sas.SeverityMedium,
			Text: "the key of device " + device + ": anyone can connect as that device to hub " + hub + ", send telemetry in its name and receive its commands; other devices are not exposed"}}
		c.Remediation = sas.Remediation{
			Revocation:  sas.RevokeRotateKey,
			Summary:     "regenerate the key of device " + device,
			Steps:       []string{"az iot hub device-identity renew-key --hub-name " + hub + " --device-id " + device + " --key-type primary|secondary (azure-iot extension)", "update the device with the new key, or move it to X.509 authentication"},
			AlsoRevokes: "the device's current connections using that key",
		}
		c.Facts = facts
		return c, true
	}
	rule := keyName
	if rule == "" {
		rule = "POLICY"
	}
	c.Title = "Azure IoT Hub connection string with the key of policy " + rule + " on " + hub
	if strings.EqualFold(keyName, "iothubowner") {
		c.Severity = sas.SeverityCritical
		c.Reasons = []sas.Reason{{Code: ReasonManageRights, Severity: sas.SeverityCritical,
			Text: "iothubowner has every IoT Hub right on " + hub + ": read and write the device registry (and every device's keys), send commands to every device, and connect as any device"}}
	} else {
		c.Severity = sas.SeverityHigh
		c.Reasons = []sas.Reason{{Code: ReasonPolicyKey, Severity: sas.SeverityHigh,
			Text: "the key of shared access policy " + rule + " on hub " + hub + " (registry, service or device rights, by the policy): hub-wide access for anyone who has it"}}
	}
	c.Remediation = sas.Remediation{
		Revocation:  sas.RevokeRotateKey,
		Summary:     "regenerate the key of policy " + rule + " on " + hub,
		Steps:       []string{"az iot hub policy renew-key --hub-name " + hub + " --name " + rule + " --renew-key primary|secondary (azure-iot extension)", "move back-end services to Entra ID and disable local (SAS) authentication on the hub"},
		AlsoRevokes: "every client and SAS token using this policy key",
	}
	c.Facts = facts
	return c, true
}

func judgeAppConfigConn(cs connString) (Candidate, bool) {
	secret := keyValue(cs.get("Secret"))
	if !plausibleKey(secret, 32) {
		return Candidate{}, false
	}
	ep := appConfigEndpoint(cs)
	store := firstLabel(hostOf(ep))
	id := cs.get("Id")
	facts := ConnStringFacts{Service: "appconfig", Resource: store, Endpoint: ep, KeyName: id}
	c := Candidate{
		Rule:   "azure-connection-string",
		Secret: secret,
		Text:   cs.text(),
		Title:  "Azure App Configuration connection string for store " + store,
		Facts:  facts,
	}
	idArg := id
	if id == "" {
		idArg = "ID"
		c.Severity = sas.SeverityLow
		c.Reasons = []sas.Reason{{Code: ReasonIncomplete, Severity: sas.SeverityLow,
			Text: "the secret of an App Configuration access key without its credential Id: unusable as written, but the Id is not secret and may be elsewhere"}}
	} else {
		c.Severity = sas.SeverityHigh
		c.Reasons = []sas.Reason{{Code: ReasonAppConfigKey, Severity: sas.SeverityHigh,
			Text: "an App Configuration access key for store " + store + ": it reads every key-value and feature flag (settings there often hold connection strings and Key Vault references), and a read-write key can also change them; the string does not say which kind it is"}}
	}
	c.Remediation = sas.Remediation{
		Revocation: sas.RevokeRotateKey,
		Summary:    "regenerate access key " + idArg + " of store " + store,
		Steps: []string{
			"az appconfig credential regenerate --name " + store + " --id " + idArg,
			"move clients to Entra ID (App Configuration Data Reader/Owner roles) and disable access keys: az appconfig update --name " + store + " --disable-local-auth true",
		},
		AlsoRevokes: "every client using this access key",
	}
	return c, true
}

// text renders the fields as one connection string (the decoded form,
// with seams removed).
func (cs connString) text() string {
	parts := make([]string, len(cs.fields))
	for i, f := range cs.fields {
		if f.name == "" {
			parts[i] = f.value
		} else {
			parts[i] = f.name + "=" + f.value
		}
	}
	return strings.Join(parts, ";")
}
