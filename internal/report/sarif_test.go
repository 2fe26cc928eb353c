package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/overshare/overshare/internal/finding"
)

// sarifObject is one object type of the SARIF 2.1.0 schema: the
// properties it allows (the schema sets additionalProperties false on
// every object but property bags), each mapped to the type of its value,
// and the properties it requires. Types are object names, "[]name" for
// arrays of objects, or "" for anything else. Taken from
// sarif-schema-2.1.0.json (OASIS), restricted to the objects this package
// writes; a property we add that is not in the schema fails the test.
type sarifObject struct {
	props    map[string]string
	required []string
}

func sarifSchema() map[string]sarifObject {
	leaves := func(names ...string) map[string]string {
		m := map[string]string{}
		for _, n := range names {
			m[n] = ""
		}
		return m
	}
	with := func(m map[string]string, kv ...string) map[string]string {
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	return map[string]sarifObject{
		"sarifLog": {
			props:    with(leaves("$schema", "version", "inlineExternalProperties"), "runs", "[]run", "properties", "propertyBag"),
			required: []string{"version", "runs"},
		},
		"run": {
			props: with(leaves("conversion", "language", "versionControlProvenance", "originalUriBaseIds", "artifacts",
				"logicalLocations", "graphs", "automationDetails", "runAggregates", "baselineGuid", "redactionTokens",
				"defaultEncoding", "defaultSourceLanguage", "newlineSequences", "columnKind", "externalPropertyFileReferences",
				"threadFlowLocations", "taxonomies", "addresses", "translations", "policies", "webRequests", "webResponses",
				"specialLocations"),
				"tool", "tool", "invocations", "[]invocation", "results", "[]result", "properties", "propertyBag"),
			required: []string{"tool"},
		},
		"tool": {
			props:    map[string]string{"driver": "toolComponent", "extensions": "[]toolComponent", "properties": "propertyBag"},
			required: []string{"driver"},
		},
		"toolComponent": {
			props: with(leaves("guid", "name", "organization", "product", "productSuite", "fullName", "version",
				"semanticVersion", "dottedQuadFileVersion", "releaseDateUtc", "downloadUri", "informationUri",
				"globalMessageStrings", "taxa", "locations", "language", "contents", "isComprehensive",
				"localizedDataSemanticVersion", "minimumRequiredLocalizedDataSemanticVersion", "associatedComponent",
				"translationMetadata", "supportedTaxonomies"),
				"shortDescription", "multiformatMessageString", "fullDescription", "multiformatMessageString",
				"rules", "[]reportingDescriptor", "notifications", "[]reportingDescriptor", "properties", "propertyBag"),
			required: []string{"name"},
		},
		"reportingDescriptor": {
			props: with(leaves("id", "deprecatedIds", "guid", "deprecatedGuids", "name", "deprecatedNames",
				"messageStrings", "helpUri", "relationships"),
				"shortDescription", "multiformatMessageString", "fullDescription", "multiformatMessageString",
				"defaultConfiguration", "reportingConfiguration", "help", "multiformatMessageString", "properties", "propertyBag"),
			required: []string{"id"},
		},
		"multiformatMessageString": {
			props:    with(leaves("text", "markdown"), "properties", "propertyBag"),
			required: []string{"text"},
		},
		"reportingConfiguration": {
			props: with(leaves("enabled", "level", "rank", "parameters"), "properties", "propertyBag"),
		},
		"invocation": {
			props: with(leaves("commandLine", "arguments", "responseFiles", "startTimeUtc", "endTimeUtc", "exitCode",
				"ruleConfigurationOverrides", "notificationConfigurationOverrides", "toolConfigurationNotifications",
				"exitCodeDescription", "exitSignalName", "exitSignalNumber", "processStartFailureMessage",
				"executionSuccessful", "machine", "account", "processId", "executableLocation", "workingDirectory",
				"environmentVariables", "stdin", "stdout", "stderr", "stdoutStderr"),
				"toolExecutionNotifications", "[]notification", "properties", "propertyBag"),
			required: []string{"executionSuccessful"},
		},
		"notification": {
			props: with(leaves("level", "threadId", "timeUtc", "exception"),
				"locations", "[]location", "message", "message", "descriptor", "reportingDescriptorReference",
				"associatedRule", "reportingDescriptorReference", "properties", "propertyBag"),
			required: []string{"message"},
		},
		"reportingDescriptorReference": {
			props: with(leaves("id", "index", "guid", "toolComponent"), "properties", "propertyBag"),
		},
		"result": {
			props: with(leaves("ruleId", "ruleIndex", "rule", "kind", "level", "analysisTarget", "guid", "correlationGuid",
				"occurrenceCount", "partialFingerprints", "fingerprints", "stacks", "codeFlows", "graphs", "graphTraversals",
				"relatedLocations", "suppressions", "baselineState", "rank", "attachments", "hostedViewerUri", "workItemUris",
				"provenance", "fixes", "taxa", "webRequest", "webResponse"),
				"message", "message", "locations", "[]location", "properties", "propertyBag"),
			required: []string{"message"},
		},
		"message": {
			props: with(leaves("text", "markdown", "id", "arguments"), "properties", "propertyBag"),
		},
		"location": {
			props: with(leaves("id", "logicalLocations", "annotations", "relationships"),
				"physicalLocation", "physicalLocation", "message", "message", "properties", "propertyBag"),
		},
		"physicalLocation": {
			props: with(leaves("address", "contextRegion"),
				"artifactLocation", "artifactLocation", "region", "region", "properties", "propertyBag"),
		},
		"artifactLocation": {
			props: with(leaves("uri", "uriBaseId", "index", "description"), "properties", "propertyBag"),
		},
		"region": {
			props: with(leaves("startLine", "startColumn", "endLine", "endColumn", "charOffset", "charLength",
				"byteOffset", "byteLength", "snippet", "message", "sourceLanguage"), "properties", "propertyBag"),
		},
	}
}

// checkSARIFKeys walks v as an object of type typ and reports every
// property the schema does not allow and every required one missing.
func checkSARIFKeys(t *testing.T, schema map[string]sarifObject, typ, path string, v any) {
	t.Helper()
	if typ == "propertyBag" {
		return // open by definition
	}
	obj, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s: want a JSON object (%s), got %T", path, typ, v)
		return
	}
	def, ok := schema[typ]
	if !ok {
		t.Fatalf("test schema lacks %s", typ)
	}
	for _, r := range def.required {
		if _, ok := obj[r]; !ok {
			t.Errorf("%s (%s): required property %q missing", path, typ, r)
		}
	}
	for k, child := range obj {
		ctyp, ok := def.props[k]
		if !ok {
			t.Errorf("%s (%s): property %q is not in the SARIF 2.1.0 schema", path, typ, k)
			continue
		}
		switch {
		case ctyp == "":
		case strings.HasPrefix(ctyp, "[]"):
			arr, ok := child.([]any)
			if !ok {
				t.Errorf("%s.%s: want an array, got %T", path, k, child)
				continue
			}
			for i, e := range arr {
				checkSARIFKeys(t, schema, ctyp[2:], fmt.Sprintf("%s.%s[%d]", path, k, i), e)
			}
		default:
			checkSARIFKeys(t, schema, ctyp, path+"."+k, child)
		}
	}
}

func TestSARIFMatchesSchema(t *testing.T) {
	run, fs, errs := fixture()
	schema := sarifSchema()
	for name, out := range map[string][]byte{
		"fixture": render(t, "sarif", Options{}, run, fs, errs),
		"empty":   render(t, "sarif", Options{}, run, nil, nil),
	} {
		var v any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("%s: not JSON: %v", name, err)
		}
		checkSARIFKeys(t, schema, "sarifLog", name, v)
	}
}

// The SARIF subset GitHub code scanning reads, with its rules (see
// docs.github.com, "SARIF support for code scanning").
type ghLog struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name           string `json:"name"`
				InformationURI string `json:"informationUri"`
				Rules          []struct {
					ID               string `json:"id"`
					Name             string `json:"name"`
					ShortDescription struct {
						Text string `json:"text"`
					} `json:"shortDescription"`
					FullDescription struct {
						Text string `json:"text"`
					} `json:"fullDescription"`
					Help struct {
						Text     string `json:"text"`
						Markdown string `json:"markdown"`
					} `json:"help"`
					DefaultConfiguration struct {
						Level string `json:"level"`
					} `json:"defaultConfiguration"`
					Properties struct {
						Tags             []string `json:"tags"`
						SecuritySeverity string   `json:"security-severity"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ExecutionSuccessful *bool `json:"executionSuccessful"`
			Notifications       []struct {
				Level      string `json:"level"`
				Descriptor struct {
					ID string `json:"id"`
				} `json:"descriptor"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
				AssociatedRule *struct {
					ID    string `json:"id"`
					Index int    `json:"index"`
				} `json:"associatedRule"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Results []ghResult `json:"results"`
	} `json:"runs"`
}

type ghResult struct {
	RuleID    *string `json:"ruleId"`
	RuleIndex *int    `json:"ruleIndex"`
	Level     string  `json:"level"`
	Message   struct {
		Text string `json:"text"`
	} `json:"message"`
	Locations []struct {
		PhysicalLocation struct {
			ArtifactLocation struct {
				URI       string `json:"uri"`
				URIBaseID string `json:"uriBaseId"`
			} `json:"artifactLocation"`
			Region *struct {
				StartLine   int `json:"startLine"`
				StartColumn int `json:"startColumn"`
			} `json:"region"`
		} `json:"physicalLocation"`
		Message *struct {
			Text string `json:"text"`
		} `json:"message"`
	} `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          struct {
		ID       string           `json:"id"`
		Severity finding.Severity `json:"severity"`
		Reasons  []string         `json:"reasons"`
	} `json:"properties"`
}

func decodeSARIF(t *testing.T, out []byte) ghLog {
	t.Helper()
	var log ghLog
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(&log); err != nil {
		t.Fatalf("sarif output does not decode: %v", err)
	}
	return log
}

// checkGitHubRules asserts what GitHub needs to accept and show a log.
func checkGitHubRules(t *testing.T, log ghLog, wantErrors bool) {
	t.Helper()
	if log.Schema == "" || log.Version != "2.1.0" {
		t.Errorf("$schema = %q, version = %q; want both, version 2.1.0", log.Schema, log.Version)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("runs = %d, want 1", len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "overshare" {
		t.Errorf("driver name = %q", run.Tool.Driver.Name)
	}
	if u, err := url.Parse(run.Tool.Driver.InformationURI); err != nil || !u.IsAbs() {
		t.Errorf("informationUri %q is not an absolute URI", run.Tool.Driver.InformationURI)
	}
	levels := []string{"note", "warning", "error"}
	for _, r := range run.Tool.Driver.Rules {
		if r.ID == "" || r.ShortDescription.Text == "" || r.FullDescription.Text == "" || r.Help.Text == "" || r.Help.Markdown == "" {
			t.Errorf("rule %q lacks a required text: %+v", r.ID, r)
		}
		if len(r.ShortDescription.Text) > 1024 || len(r.FullDescription.Text) > 1024 || len(r.Name) > 255 {
			t.Errorf("rule %q: description over 1024 or name over 255 characters", r.ID)
		}
		if !slices.Contains(r.Properties.Tags, "security") || len(r.Properties.Tags) > 20 {
			t.Errorf("rule %q tags = %q, want security among at most 20", r.ID, r.Properties.Tags)
		}
		score, err := strconv.ParseFloat(r.Properties.SecuritySeverity, 64)
		if err != nil || score <= 0 || score > 10 {
			t.Errorf("rule %q security-severity = %q, want a number in (0, 10]", r.ID, r.Properties.SecuritySeverity)
		}
		if !slices.Contains(levels, r.DefaultConfiguration.Level) {
			t.Errorf("rule %q default level = %q", r.ID, r.DefaultConfiguration.Level)
		}
	}
	if len(run.Results) > gitHubMaxResults {
		t.Errorf("%d results, over GitHub's %d", len(run.Results), gitHubMaxResults)
	}
	for i, res := range run.Results {
		where := fmt.Sprintf("result %d (%s)", i, res.Properties.ID)
		if res.RuleID == nil || res.RuleIndex == nil || *res.RuleIndex < 0 || *res.RuleIndex >= len(run.Tool.Driver.Rules) ||
			run.Tool.Driver.Rules[*res.RuleIndex].ID != *res.RuleID {
			t.Errorf("%s: ruleId and ruleIndex do not agree with the rules", where)
		}
		if want := sarifLevel(res.Properties.Severity); res.Level != want {
			t.Errorf("%s: level %q for severity %s, want %q", where, res.Level, res.Properties.Severity, want)
		}
		if res.Message.Text == "" || strings.ContainsAny(res.Message.Text, "\n\x1b") {
			t.Errorf("%s: message %q is empty or not one clean line", where, res.Message.Text)
		}
		// GitHub rejects the whole upload for a result without a
		// location that has an artifact location.
		if len(res.Locations) == 0 || len(res.Locations) > sarifMaxLocations {
			t.Errorf("%s: %d locations, want 1 to %d", where, len(res.Locations), sarifMaxLocations)
		}
		for _, l := range res.Locations {
			uri := l.PhysicalLocation.ArtifactLocation.URI
			u, err := url.Parse(uri)
			switch {
			case uri == "" || err != nil:
				t.Errorf("%s: uri %q is not a URI reference: %v", where, uri, err)
			case u.Scheme == "" && (l.PhysicalLocation.ArtifactLocation.URIBaseID != srcRoot || strings.HasPrefix(uri, "/")):
				t.Errorf("%s: relative uri %q must be relative to %s", where, uri, srcRoot)
			case u.Scheme != "" && u.Scheme != "file":
				t.Errorf("%s: uri %q has scheme %q", where, uri, u.Scheme)
			case u.RawQuery != "" || u.Fragment != "" || strings.Contains(uri, `\`):
				t.Errorf("%s: uri %q has a query, fragment or backslash", where, uri)
			}
			if r := l.PhysicalLocation.Region; r != nil && (r.StartLine < 1 || r.StartColumn < 0) {
				t.Errorf("%s: bad region %+v", where, *r)
			}
		}
		if res.PartialFingerprints[fingerprintLineHash] == "" || res.PartialFingerprints[fingerprintFindingID] != res.Properties.ID {
			t.Errorf("%s: partialFingerprints = %v", where, res.PartialFingerprints)
		}
	}
	if len(run.Invocations) != 1 || run.Invocations[0].ExecutionSuccessful == nil {
		t.Fatalf("want one invocation with executionSuccessful")
	}
	if got := *run.Invocations[0].ExecutionSuccessful; got == wantErrors {
		t.Errorf("executionSuccessful = %v with errors = %v", got, wantErrors)
	}
}

func TestSARIFForGitHub(t *testing.T) {
	run, fs, errs := fixture()
	log := decodeSARIF(t, render(t, "sarif", Options{}, run, fs, errs))
	checkGitHubRules(t, log, true)
	checkGitHubRules(t, decodeSARIF(t, render(t, "sarif", Options{}, run, nil, nil)), false)

	results := map[string]ghResult{}
	for _, r := range log.Runs[0].Results {
		results[r.Properties.ID] = r
	}
	byTitle := map[string]*finding.Finding{}
	for _, f := range fs {
		byTitle[f.Title] = f
	}
	id := func(titlePrefix string) string {
		for title, f := range byTitle {
			if strings.HasPrefix(title, titlePrefix) {
				return f.ID
			}
		}
		t.Fatalf("no fixture finding titled %q", titlePrefix)
		return ""
	}

	// An archive member is reported on the archive, without the member's
	// line as region, and named in the message.
	r := results[id("Presigned S3")]
	if l := r.Locations[0].PhysicalLocation; l.ArtifactLocation.URI != "models/bundle.zip" || l.Region != nil {
		t.Errorf("archive finding location = %+v, want models/bundle.zip without region", l)
	}
	if !strings.Contains(r.Message.Text, "config/settings.yaml, line 3") {
		t.Errorf("archive finding message lacks the member: %q", r.Message.Text)
	}

	// History only: no region, the commit in the message.
	r = results[id("Service SAS with write")]
	if l := r.Locations[0].PhysicalLocation; l.ArtifactLocation.URI != "scripts/upload.sh" || l.Region != nil {
		t.Errorf("history finding location = %+v, want scripts/upload.sh without region", l)
	}
	if !strings.Contains(r.Message.Text, "commit 5e4f3a2b1c0d") || !strings.Contains(r.Message.Text, "no longer at HEAD") {
		t.Errorf("history finding message lacks the commit: %q", r.Message.Text)
	}

	// The location at HEAD comes first, with its region; the old one
	// follows without.
	r = results[id("Account SAS")]
	if len(r.Locations) != 2 || r.Locations[0].PhysicalLocation.Region == nil || r.Locations[1].PhysicalLocation.Region != nil {
		t.Errorf("critical finding locations = %+v", r.Locations)
	}

	// Hostile characters are percent-encoded in the URI.
	r = results[id("Storage account key")]
	if got, want := r.Locations[0].PhysicalLocation.ArtifactLocation.URI, "evil%1B%5B2Jname%0A.txt"; got != want {
		t.Errorf("hostile path uri = %q, want %q", got, want)
	}

	// No location: a notification that names the rule, not a result.
	unlocated := id("Encrypted private key")
	if _, ok := results[unlocated]; ok {
		t.Errorf("finding without location became a result")
	}
	var found bool
	for _, n := range log.Runs[0].Invocations[0].Notifications {
		if n.Descriptor.ID == notifyUnlocatedFinding && strings.Contains(n.Message.Text, unlocated) {
			found = true
			rules := log.Runs[0].Tool.Driver.Rules
			if n.AssociatedRule == nil || rules[n.AssociatedRule.Index].ID != "private-key" || n.Level != "note" {
				t.Errorf("unlocated notification = %+v", n)
			}
		}
	}
	if !found {
		t.Errorf("finding without location is not in the notifications")
	}

	// Rules take the severity of their worst finding.
	for _, rule := range log.Runs[0].Tool.Driver.Rules {
		if rule.ID == "azure-sas" && (rule.Properties.SecuritySeverity != "9.5" || rule.DefaultConfiguration.Level != "error") {
			t.Errorf("azure-sas rule = %+v, want the critical finding's severity", rule)
		}
	}
}

func TestSARIFLevelsAndScores(t *testing.T) {
	tests := []struct {
		sev          finding.Severity
		level, score string
	}{
		{finding.Critical, "error", "9.5"},
		{finding.High, "error", "8.0"},
		{finding.Medium, "warning", "5.5"},
		{finding.Low, "note", "3.0"},
		{finding.Info, "note", "1.0"},
	}
	for _, tt := range tests {
		if got := sarifLevel(tt.sev); got != tt.level {
			t.Errorf("sarifLevel(%v) = %q, want %q", tt.sev, got, tt.level)
		}
		if got := securitySeverity(tt.sev); got != tt.score {
			t.Errorf("securitySeverity(%v) = %q, want %q", tt.sev, got, tt.score)
		}
	}
}

func TestSARIFTruncatesAtResultLimit(t *testing.T) {
	run, fs, _ := fixture()
	var buf bytes.Buffer
	h := NewSARIFHandler(&buf, Options{})
	h.maxResults = 2
	if err := h.Start(run); err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if err := h.Finding(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Flush(); err != nil {
		t.Fatal(err)
	}
	log := decodeSARIF(t, buf.Bytes())
	res := log.Runs[0].Results
	if len(res) != 2 || res[0].Properties.Severity != finding.Critical {
		t.Fatalf("want the 2 worst results, got %d", len(res))
	}
	var note string
	for _, n := range log.Runs[0].Invocations[0].Notifications {
		if n.Descriptor.ID == notifyResultsTruncated {
			note = n.Message.Text
		}
	}
	// 8 findings, 1 without location: 7 results, 2 kept.
	if !strings.HasPrefix(note, "5 findings left out") {
		t.Errorf("truncation notification = %q", note)
	}
	if !*log.Runs[0].Invocations[0].ExecutionSuccessful {
		t.Errorf("truncation alone must not mark the run failed")
	}
}

// TestSARIFFingerprintIgnoresLine: moving a secret within its file keeps
// the alert; moving it to another file or changing it does not.
func TestSARIFFingerprintIgnoresLine(t *testing.T) {
	fp := func(path string, line int, secret string) string {
		f := &finding.Finding{
			ID: finding.Fingerprint("azure-sas", secret), Rule: "azure-sas", Severity: finding.High, Title: "t",
			Locations: []finding.Location{{Path: path, Line: line}},
		}
		return sarifResultFor(f, 0).PartialFingerprints[fingerprintLineHash]
	}
	base := fp("a/b.txt", 3, "s1")
	if got := fp("a/b.txt", 40, "s1"); got != base {
		t.Errorf("fingerprint changed with the line: %s vs %s", got, base)
	}
	if fp("a/c.txt", 3, "s1") == base || fp("a/b.txt", 3, "s2") == base {
		t.Errorf("fingerprint ignores the file or the secret")
	}
	if !strings.HasSuffix(base, ":1") || len(base) != 18 {
		t.Errorf("fingerprint %q is not in GitHub's hash:count shape", base)
	}
}

func TestSARIFArtifactURI(t *testing.T) {
	tests := []struct {
		path, uri string
		relative  bool
		ok        bool
	}{
		{"README.md", "README.md", true, true},
		{"./src/../src/main.go", "src/main.go", true, true},
		{"dir with space/x#y?.txt", "dir%20with%20space/x%23y%3F.txt", true, true},
		{"c:file", "c%3Afile", true, true},
		{"100%.txt", "100%25.txt", true, true},
		{"ü.txt", "%C3%BC.txt", true, true},
		{"a\\b.txt", "a%5Cb.txt", true, true}, // a backslash is part of a Unix name
		{"/home/u/repo/a.txt", "file:///home/u/repo/a.txt", false, true},
		{"-", "", false, false},
		{"", "", false, false},
		{".", "", false, false},
	}
	for _, tt := range tests {
		a, ok := sarifArtifactFor(tt.path)
		if ok != tt.ok || a.URI != tt.uri || (a.URIBaseID == srcRoot) != tt.relative {
			t.Errorf("sarifArtifactFor(%q) = %+v, %v; want uri %q relative=%v ok=%v", tt.path, a, ok, tt.uri, tt.relative, tt.ok)
		}
		if ok {
			if _, err := url.Parse(a.URI); err != nil {
				t.Errorf("uri %q does not parse: %v", a.URI, err)
			}
		}
	}
}

func TestSplitArchivePath(t *testing.T) {
	tests := []struct {
		in, outer, inner string
		ok               bool
	}{
		{"a.zip!b/c.txt", "a.zip", "b/c.txt", true},
		{"a.zip!b.tar!c", "a.zip", "b.tar!c", true},
		{"plain.txt", "plain.txt", "", false},
		{"trailing!", "trailing!", "", false},
		{"!leading", "!leading", "", false},
	}
	for _, tt := range tests {
		outer, inner, ok := splitArchivePath(tt.in)
		if diff := cmp.Diff([]any{tt.outer, tt.inner, tt.ok}, []any{outer, inner, ok}); diff != "" {
			t.Errorf("splitArchivePath(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestRuleDocs(t *testing.T) {
	for _, id := range []string{
		"azure-sas", "azure-storage-key", "azure-connection-string", "azure-servicebus-sas", "aws-presigned-url",
		"aws-access-key", "gcs-signed-url", "private-key", "pickle-code-execution", "posture/public-blob-access", "brand-new",
	} {
		d := ruleDocFor(id)
		if d.name == "" || d.short == "" || d.full == "" || len(d.steps) == 0 || !slices.Contains(d.tags, "security") {
			t.Errorf("ruleDocFor(%q) is incomplete: %+v", id, d)
		}
		if strings.ContainsAny(d.name, "-/ ") {
			t.Errorf("ruleDocFor(%q).name = %q, want PascalCase", id, d.name)
		}
	}
	if got := pascalCase("posture/public-blob-access"); got != "PosturePublicBlobAccess" {
		t.Errorf("pascalCase = %q", got)
	}
}
