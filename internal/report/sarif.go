package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/overshare/overshare/internal/finding"
)

// SARIF constants. The schema URI is the one GitHub's documentation uses;
// GitHub requires "$schema" and "version" to be present.
const (
	sarifSchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion   = "2.1.0"
	// informationURI must be an absolute URI (SARIF toolComponent).
	informationURI = "https://github.com/overshare/overshare"
	// srcRoot is the conventional uriBaseId for paths relative to the
	// root of the scanned tree; GitHub resolves relative URIs against the
	// repository root.
	srcRoot = "%SRCROOT%"

	// gitHubMaxResults is the most results GitHub code scanning accepts in
	// one run; it rejects the whole upload above it.
	gitHubMaxResults = 25000
	// sarifMaxLocations bounds the locations of one result. GitHub keeps
	// at most 100 and annotates only the first; ten are enough to show
	// that one secret sits in several files, and every location is in the
	// json report.
	sarifMaxLocations = 10
)

// Keys of result.partialFingerprints.
const (
	// fingerprintFindingID is overshare's own identity of the result: the
	// finding ID, Fingerprint(rule, secret).
	fingerprintFindingID = "overshareFindingId/v1"
	// fingerprintLineHash is the one key GitHub code scanning reads.
	fingerprintLineHash = "primaryLocationLineHash"
)

// SARIFHandler writes a SARIF 2.1.0 log that GitHub code scanning
// accepts. It buffers and writes on Flush: one JSON document with rules
// and results that must all be known first.
//
// # Layout
//
// One run, tool.driver "overshare". Every finding with a file location is
// one result (one secret seen in several files is one result with up to
// ten locations; GitHub annotates the first). Its ruleId is the finding's
// rule; its level is "error" for critical and high, "warning" for medium,
// "note" for low and info. message.text is the title, the severity and
// its reasons, and the remediation summary; the result's properties
// carry the severity, the reason codes, the redacted secret and its
// SHA-256, the token facts and the remediation. The raw secret is never
// written, whatever [Options.ShowSecrets] says: a SARIF file is made to
// be uploaded and shared.
//
// Rules list each rule ID seen, sorted, with a description and general
// remediation help. GitHub takes an alert's security severity from its
// rule, not from the result (properties["security-severity"] on a result
// is ignored), so a rule's security-severity and defaultConfiguration
// level are those of its most severe finding in the run: one critical SAS
// makes every azure-sas alert of that upload show as critical, while each
// result's level and message keep the finding's own severity. Splitting
// rules by severity ("azure-sas/critical") would show the right badge
// but change an alert's identity whenever a token's severity changes
// (for instance when it expires), reopening dismissed alerts.
//
// # Locations
//
// A path relative to the scanned tree becomes a relative URI with forward
// slashes and uriBaseId "%SRCROOT%"; an absolute path becomes a file://
// URI, which GitHub makes relative to the checkout. Characters that are
// not allowed in a URI are percent-encoded. The region (startLine,
// startColumn) is written when the line is known, except:
//
//   - An archive member "outer.zip!inner/file" is reported on the archive
//     itself, the file a repository holds; the line belongs to the member,
//     so there is no region, and the member path is in the messages and in
//     the location's properties (archive_path).
//   - A location found only in git history (in_head false) has no region,
//     since the line numbers of an old commit do not match the file at the
//     analyzed commit; the commit, author and date are in the messages and
//     properties.
//
// GitHub rejects the whole upload if any result has no file location, so
// a finding without one (a credential read from standard input, say) is
// not a result: it is listed in invocations[0].toolExecutionNotifications
// (descriptor "unlocated-finding") with its rule, severity and message.
//
// # Fingerprints
//
// partialFingerprints carries "overshareFindingId/v1" (the finding ID)
// and "primaryLocationLineHash", the only key GitHub uses, derived from
// the rule, the finding ID and the primary file rather than from the text
// of the line: a secret's identity is the secret, so editing its line, or
// moving it within the file, does not reopen a dismissed alert, and
// results in archives and history (which upload-sarif cannot hash) are
// tracked too. Because the value differs from the hash upload-sarif would
// compute, that action logs an "inconsistent fingerprint" warning per
// result and keeps ours; the warning is expected.
//
// # Errors and limits
//
// invocations[0].executionSuccessful is false when any input could not
// be scanned, and each such error is a toolExecutionNotification
// (descriptor "scan-error", level "error").
//
// GitHub accepts at most 25,000 results per run and 10 MB of
// gzip-compressed SARIF per upload, and rejects the whole file above
// either. Above 25,000 results, the least severe findings are left out
// (results are sorted worst first) and a "results-truncated"
// notification says how many. The size limit is not enforced: it depends
// on the compression, and a log near it (tens of thousands of results)
// says the scan needs a baseline or a narrower target more than it needs
// an upload.
type SARIFHandler struct {
	w io.Writer
	buffered
	maxResults int
	flushed    bool
}

// NewSARIFHandler returns a handler that writes a SARIF log to w on Flush.
// It ignores opts: SARIF has no colour and never carries raw secrets.
func NewSARIFHandler(w io.Writer, opts Options) *SARIFHandler {
	return &SARIFHandler{w: w, maxResults: gitHubMaxResults}
}

// The SARIF 2.1.0 objects this handler writes, with only the properties
// it uses. Field order is the order in the output.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool        sarifTool         `json:"tool"`
		Invocations []sarifInvocation `json:"invocations"`
		// Results is never nil: an empty array says "scanned, nothing
		// found", an absent one "not a scan".
		Results    []sarifResult    `json:"results"`
		Properties sarifRunProperty `json:"properties"`
	}
	sarifRunProperty struct {
		Summary Summary `json:"summary"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string             `json:"name"`
		Version        string             `json:"version,omitempty"`
		InformationURI string             `json:"informationUri"`
		Rules          []sarifRule        `json:"rules"`
		Notifications  []sarifDescriptor  `json:"notifications,omitempty"`
		Properties     *sarifToolProperty `json:"properties,omitempty"`
	}
	sarifToolProperty struct {
		RulesVersion string `json:"rules_version"`
	}
	sarifRule struct {
		ID                   string            `json:"id"`
		Name                 string            `json:"name"`
		ShortDescription     sarifMessage      `json:"shortDescription"`
		FullDescription      sarifMessage      `json:"fullDescription"`
		DefaultConfiguration sarifConfig       `json:"defaultConfiguration"`
		Help                 sarifMultiformat  `json:"help"`
		Properties           sarifRuleProperty `json:"properties"`
	}
	sarifRuleProperty struct {
		Tags             []string `json:"tags"`
		SecuritySeverity string   `json:"security-severity"`
	}
	sarifDescriptor struct {
		ID               string       `json:"id"`
		ShortDescription sarifMessage `json:"shortDescription"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifMultiformat struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown"`
	}
	sarifResult struct {
		RuleID              string              `json:"ruleId"`
		RuleIndex           int                 `json:"ruleIndex"`
		Level               string              `json:"level"`
		Message             sarifMessage        `json:"message"`
		Locations           []sarifLocation     `json:"locations"`
		PartialFingerprints map[string]string   `json:"partialFingerprints"`
		Properties          sarifResultProperty `json:"properties"`
	}
	// sarifResultProperty uses the json report's field names, so that a
	// reader who knows one format knows the other.
	sarifResultProperty struct {
		ID          string               `json:"id"`
		Severity    finding.Severity     `json:"severity"`
		Reasons     []string             `json:"reasons,omitempty"`
		Secret      *sarifSecret         `json:"secret,omitempty"`
		Token       any                  `json:"token,omitempty"`
		Remediation *finding.Remediation `json:"remediation,omitempty"`
		FirstSeen   *finding.Location    `json:"first_seen,omitempty"`
		LastSeen    *finding.Location    `json:"last_seen,omitempty"`
		// Locations counts every location of the finding; the result
		// lists at most sarifMaxLocations of them.
		Locations int `json:"locations"`
	}
	sarifSecret struct {
		Redacted string `json:"redacted"`
		SHA256   string `json:"sha256"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical          `json:"physicalLocation"`
		Message          *sarifMessage          `json:"message,omitempty"`
		Properties       *sarifLocationProperty `json:"properties,omitempty"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
	}
	// sarifLocationProperty keeps what the region cannot say: the member
	// of an archive, the git facts, and the line when there is no region.
	sarifLocationProperty struct {
		ArchivePath string     `json:"archive_path,omitempty"`
		Line        int        `json:"line,omitempty"`
		Column      int        `json:"column,omitempty"`
		Commit      string     `json:"commit,omitempty"`
		Author      string     `json:"author,omitempty"`
		Date        *time.Time `json:"date,omitempty"`
		InHead      *bool      `json:"in_head,omitempty"`
	}
	sarifInvocation struct {
		ExecutionSuccessful        bool                    `json:"executionSuccessful"`
		ToolExecutionNotifications []sarifNotification     `json:"toolExecutionNotifications,omitempty"`
		Properties                 sarifInvocationProperty `json:"properties"`
	}
	sarifInvocationProperty struct {
		Command string            `json:"command,omitempty"`
		Args    []string          `json:"args,omitempty"`
		Options map[string]string `json:"options,omitempty"`
	}
	sarifNotification struct {
		Descriptor     sarifReference          `json:"descriptor"`
		AssociatedRule *sarifReference         `json:"associatedRule,omitempty"`
		Level          string                  `json:"level"`
		Message        sarifMessage            `json:"message"`
		Locations      []sarifLocation         `json:"locations,omitempty"`
		Properties     *sarifNotificationProps `json:"properties,omitempty"`
	}
	sarifNotificationProps struct {
		ID       string           `json:"id"`
		Severity finding.Severity `json:"severity"`
		Reasons  []string         `json:"reasons,omitempty"`
		Secret   *sarifSecret     `json:"secret,omitempty"`
	}
	sarifReference struct {
		ID    string `json:"id"`
		Index int    `json:"index"`
	}
)

// Notification descriptors. tool.driver.notifications lists those a log
// uses, in order of first use.
const (
	notifyScanError        = "scan-error"
	notifyUnlocatedFinding = "unlocated-finding"
	notifyResultsTruncated = "results-truncated"
)

func notificationDescription(id string) string {
	switch id {
	case notifyScanError:
		return "An input could not be read or scanned; the run went on without it."
	case notifyUnlocatedFinding:
		return "A finding with no file location, which code scanning cannot show as an alert."
	case notifyResultsTruncated:
		return "Findings left out to stay within GitHub's limit of 25,000 results per run."
	}
	return id
}

// Flush implements [Handler]: it writes the SARIF log, indented.
func (h *SARIFHandler) Flush() error {
	if h.flushed {
		return errFlushed("sarif")
	}
	h.flushed = true
	sortFindings(h.findings)
	sortErrors(h.errors)
	if err := h.encode(h.build()); err != nil {
		return fmt.Errorf("writing sarif report: %w", err)
	}
	return nil
}

func (h *SARIFHandler) encode(log sarifLog) error {
	enc := json.NewEncoder(h.w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

func (h *SARIFHandler) build() sarifLog {
	var located, unlocated []*finding.Finding
	for i := range h.findings {
		f := &h.findings[i]
		if len(sarifLocations(f.Locations)) > 0 {
			located = append(located, f)
		} else {
			unlocated = append(unlocated, f)
		}
	}
	truncated := 0
	if len(located) > h.maxResults {
		// Sorted worst first, so the findings left out are the least
		// severe.
		truncated = len(located) - h.maxResults
		located = located[:h.maxResults]
	}

	rules, ruleIndex := sarifRules(slices.Concat(located, unlocated))

	results := make([]sarifResult, 0, len(located))
	for _, f := range located {
		results = append(results, sarifResultFor(f, ruleIndex[f.Rule]))
	}

	var descriptors []sarifDescriptor
	descriptorIndex := func(id string) sarifReference {
		for i, d := range descriptors {
			if d.ID == id {
				return sarifReference{ID: id, Index: i}
			}
		}
		descriptors = append(descriptors, sarifDescriptor{ID: id, ShortDescription: sarifMessage{Text: notificationDescription(id)}})
		return sarifReference{ID: id, Index: len(descriptors) - 1}
	}
	var notes []sarifNotification
	for _, e := range h.errors {
		n := sarifNotification{
			Descriptor: descriptorIndex(notifyScanError),
			Level:      "error",
			Message:    sarifMessage{Text: "Could not scan " + Clean(e.Path) + ": " + Clean(e.Err)},
		}
		if loc, ok := sarifArtifactOnly(e.Path); ok {
			n.Locations = []sarifLocation{loc}
		}
		notes = append(notes, n)
	}
	for _, f := range unlocated {
		ref := sarifReference{ID: f.Rule, Index: ruleIndex[f.Rule]}
		notes = append(notes, sarifNotification{
			Descriptor:     descriptorIndex(notifyUnlocatedFinding),
			AssociatedRule: &ref,
			Level:          sarifLevel(f.Severity),
			Message:        sarifMessage{Text: sarifFindingText(f) + " Finding " + Clean(f.ID) + " has no file location, so it cannot be a code scanning alert."},
			Properties:     &sarifNotificationProps{ID: f.ID, Severity: f.Severity, Reasons: reasonCodes(f), Secret: redactedSecret(f.Secret)},
		})
	}
	if truncated > 0 {
		notes = append(notes, sarifNotification{
			Descriptor: descriptorIndex(notifyResultsTruncated),
			Level:      "warning",
			Message: sarifMessage{Text: fmt.Sprintf("%s left out: GitHub code scanning rejects a run with more than %d results. "+
				"They are the least severe ones; the json report lists every finding.", plural(truncated, "finding"), h.maxResults)},
		})
	}

	driver := sarifDriver{
		Name:           cmp.Or(h.run.Tool.Name, "overshare"),
		Version:        h.run.Tool.Version,
		InformationURI: informationURI,
		Rules:          rules,
		Notifications:  descriptors,
	}
	if h.run.Tool.RulesVersion != "" {
		driver.Properties = &sarifToolProperty{RulesVersion: h.run.Tool.RulesVersion}
	}
	return sarifLog{
		Schema:  sarifSchemaURI,
		Version: sarifVersion,
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: driver},
			Invocations: []sarifInvocation{{
				ExecutionSuccessful:        len(h.errors) == 0,
				ToolExecutionNotifications: notes,
				Properties: sarifInvocationProperty{
					Command: h.run.Command,
					Args:    h.run.Args,
					Options: h.run.Options,
				},
			}},
			Results:    results,
			Properties: sarifRunProperty{Summary: h.summary},
		}},
	}
}

// sarifRules returns one rule per rule ID in fs, sorted by ID, and each
// ID's index. A rule's severity is that of its worst finding; see
// [SARIFHandler] for why.
func sarifRules(fs []*finding.Finding) ([]sarifRule, map[string]int) {
	worst := map[string]finding.Severity{}
	for _, f := range fs {
		worst[f.Rule] = max(worst[f.Rule], f.Severity)
	}
	ids := make([]string, 0, len(worst))
	for id := range worst {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	rules := make([]sarifRule, 0, len(ids))
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		index[id] = i
		doc := ruleDocFor(id)
		rules = append(rules, sarifRule{
			ID:                   id,
			Name:                 doc.name,
			ShortDescription:     sarifMessage{Text: doc.short},
			FullDescription:      sarifMessage{Text: doc.full},
			DefaultConfiguration: sarifConfig{Level: sarifLevel(worst[id])},
			Help:                 sarifMultiformat{Text: doc.helpText(), Markdown: doc.helpMarkdown()},
			Properties: sarifRuleProperty{
				Tags:             doc.tags,
				SecuritySeverity: securitySeverity(worst[id]),
			},
		})
	}
	return rules, index
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s finding.Severity) string {
	switch {
	case s >= finding.High:
		return "error"
	case s == finding.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is GitHub's score for a severity. GitHub reads more
// than 9.0 as critical, 7.0 to 8.9 as high, 4.0 to 6.9 as medium and 0.1
// to 3.9 as low; info has no band of its own and shows as low.
func securitySeverity(s finding.Severity) string {
	switch s {
	case finding.Critical:
		return "9.5"
	case finding.High:
		return "8.0"
	case finding.Medium:
		return "5.5"
	case finding.Low:
		return "3.0"
	}
	return "1.0"
}

func sarifResultFor(f *finding.Finding, ruleIndex int) sarifResult {
	all := sarifLocations(f.Locations)
	shown := all[:min(len(all), sarifMaxLocations)]
	locs := make([]sarifLocation, len(shown))
	for i, p := range shown {
		locs[i] = p.sarif
	}
	props := sarifResultProperty{
		ID:          f.ID,
		Severity:    f.Severity,
		Reasons:     reasonCodes(f),
		Token:       f.Token,
		Remediation: f.Remediation,
		FirstSeen:   f.FirstSeen,
		LastSeen:    f.LastSeen,
		Locations:   len(f.Locations),
	}
	props.Secret = redactedSecret(f.Secret)
	text := sarifFindingText(f)
	if note := shown[0].primaryNote(); note != "" {
		text += " " + note
	}
	if n := len(f.Locations); n > 1 {
		text += fmt.Sprintf(" Seen in %d places", n)
		if len(locs) < n {
			text += fmt.Sprintf("; the first %d are listed", len(locs))
		}
		text += "."
	}
	return sarifResult{
		RuleID:    f.Rule,
		RuleIndex: ruleIndex,
		Level:     sarifLevel(f.Severity),
		Message:   sarifMessage{Text: text},
		Locations: locs,
		PartialFingerprints: map[string]string{
			fingerprintFindingID: f.ID,
			fingerprintLineHash:  lineHash(f.Rule, f.ID, locs[0].PhysicalLocation.ArtifactLocation.URI),
		},
		Properties: props,
	}
}

// redactedSecret is what SARIF shows of a secret: never the raw value.
func redactedSecret(s finding.Secret) *sarifSecret {
	if s.IsZero() {
		return nil
	}
	return &sarifSecret{Redacted: s.Redacted(), SHA256: s.SHA256()}
}

// lineHash is the primaryLocationLineHash of a result, in GitHub's
// "<16 hex digits>:<occurrence>" shape. One finding is one result, so the
// occurrence is always 1.
func lineHash(rule, id, uri string) string {
	h := sha256.New()
	for _, s := range []string{"overshare/primaryLocationLineHash/v1", rule, id, uri} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16] + ":1"
}

func reasonCodes(f *finding.Finding) []string {
	var codes []string
	for _, r := range f.Reasons {
		codes = append(codes, r.Code)
	}
	return codes
}

// sarifFindingText is the plain-text message of a finding: its title, its
// severity and reasons, and the remediation summary. Everything is passed
// through [Clean] so a message stays on one line whatever the input.
func sarifFindingText(f *finding.Finding) string {
	var b strings.Builder
	b.WriteString(sentence(Clean(f.Title)))
	var reasons []string
	for _, r := range f.Reasons {
		if t := strings.TrimRight(Clean(r.Text), ". "); t != "" {
			reasons = append(reasons, t)
		}
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if len(reasons) > 0 {
		fmt.Fprintf(&b, "Severity %s: %s.", f.Severity, strings.Join(reasons, "; "))
	} else {
		fmt.Fprintf(&b, "Severity: %s.", f.Severity)
	}
	if v := f.Verification; v != nil {
		b.WriteString(" Checked live: " + sentence(verificationLine(v, Clean)))
	}
	if r := f.Remediation; r != nil && r.Summary != "" {
		b.WriteString(" To fix: " + sentence(Clean(r.Summary)))
	}
	return b.String()
}

// sentence returns s ending in a full stop, unless it already ends in
// punctuation that closes a sentence.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// placedLocation is a finding's location with its SARIF form.
type placedLocation struct {
	sarif   sarifLocation
	src     finding.Location
	outer   string // the file: the archive for an archive member
	inner   string // the member path inside the archive
	archive bool
}

func (p placedLocation) historyOnly() bool {
	return p.src.InHead != nil && !*p.src.InHead
}

// primaryNote explains, in the result message, a primary location whose
// region could not be given.
func (p placedLocation) primaryNote() string {
	switch {
	case p.archive:
		return "Found inside the archive " + Clean(p.outer) + ", in " + Clean(p.inner) + lineSuffix(p.src.Line) + "."
	case p.historyOnly():
		at := "Seen in git history"
		if p.src.Commit != "" {
			at += " at commit " + Clean(shortCommit(p.src.Commit))
			if p.src.Date != nil {
				at += " (" + p.src.Date.UTC().Format(time.DateOnly) + ")"
			}
		}
		return at + ", in " + Clean(p.src.Path) + lineSuffix(p.src.Line) + "; it is no longer at HEAD, but deleting it from HEAD does not un-leak it."
	}
	return ""
}

func lineSuffix(line int) string {
	if line <= 0 {
		return ""
	}
	return fmt.Sprintf(", line %d", line)
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// sarifLocations converts the locations that name a file, putting first
// those still present (at HEAD, or not from git): GitHub annotates the
// first location of a result, and that should be the one a reviewer can
// fix in the code they are looking at.
func sarifLocations(ls []finding.Location) []placedLocation {
	var present, history []placedLocation
	for _, l := range ls {
		p, ok := placeLocation(l)
		switch {
		case !ok:
		case p.historyOnly():
			history = append(history, p)
		default:
			present = append(present, p)
		}
	}
	return append(present, history...)
}

func placeLocation(l finding.Location) (placedLocation, bool) {
	p := placedLocation{src: l}
	p.outer, p.inner, p.archive = splitArchivePath(l.Path)
	art, ok := sarifArtifactFor(p.outer)
	if !ok {
		return placedLocation{}, false
	}
	loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: art}}
	props := sarifLocationProperty{
		ArchivePath: p.inner,
		Commit:      l.Commit,
		Author:      l.Author,
		Date:        l.Date,
		InHead:      l.InHead,
	}
	// The region is about the file at the analyzed commit. SARIF requires
	// startLine in a region, so a column alone is not one.
	if l.Line > 0 && !p.archive && !p.historyOnly() {
		loc.PhysicalLocation.Region = &sarifRegion{StartLine: l.Line, StartColumn: max(l.Column, 0)}
	} else {
		props.Line, props.Column = max(l.Line, 0), max(l.Column, 0)
	}
	if props != (sarifLocationProperty{}) {
		loc.Properties = &props
	}
	if msg := locationNote(p); msg != "" {
		loc.Message = &sarifMessage{Text: msg}
	}
	p.sarif = loc
	return p, true
}

// locationNote describes a location beyond its file and region.
func locationNote(p placedLocation) string {
	l := p.src
	var parts []string
	if p.archive {
		parts = append(parts, "archive member "+Clean(p.inner)+lineSuffix(l.Line))
	} else if p.historyOnly() && l.Line > 0 {
		parts = append(parts, fmt.Sprintf("line %d", l.Line))
	}
	parts = append(parts, gitFacts(l, Clean, Clean, "no longer at HEAD")...)
	return strings.Join(parts, ", ")
}

// sarifArtifactOnly is a location naming only a file, for notifications.
func sarifArtifactOnly(p string) (sarifLocation, bool) {
	outer, _, _ := splitArchivePath(p)
	art, ok := sarifArtifactFor(outer)
	if !ok {
		return sarifLocation{}, false
	}
	return sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: art}}, true
}

// sarifArtifactFor turns a file path into an artifactLocation. It fails
// for paths that name no file: "" and "-" (standard input).
func sarifArtifactFor(p string) (sarifArtifact, bool) {
	if p == "" || p == "-" {
		return sarifArtifact{}, false
	}
	abs := filepath.IsAbs(p)
	// ToSlash changes only the OS separator: on Unix a backslash is part
	// of a name and is percent-encoded below, not turned into a slash.
	p = filepath.ToSlash(p)
	if abs || strings.HasPrefix(p, "/") {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p // a Windows drive path: file:///C:/...
		}
		return sarifArtifact{URI: "file://" + escapeURIPath(path.Clean(p), true)}, true
	}
	p = path.Clean(p)
	if p == "." {
		return sarifArtifact{}, false
	}
	return sarifArtifact{URI: escapeURIPath(p, false), URIBaseID: srcRoot}, true
}

// escapeURIPath percent-encodes p for use as the path of a URI reference
// (RFC 3986): unreserved characters, "/" and the sub-delimiters and "@"
// stay, everything else (space, "%", "#", "?", control bytes, non-ASCII
// bytes) is encoded. A colon is encoded in a relative path, where
// "c:file" would otherwise read as a URI with scheme "c".
func escapeURIPath(p string, keepColon bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-._~/!$&'()*+,;=@", c) >= 0,
			c == ':' && keepColon:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xF])
		}
	}
	return b.String()
}

// splitArchivePath splits "outer.zip!inner/file" at the first "!", the
// separator the archive sources use between an archive and a member
// (nested archives add more: "a.zip!b.tar!c"). A path without "!", or
// with nothing on either side of it, is a plain file. A plain file whose
// name contains "!" is misread as an archive member; the json report
// keeps the path exactly as found.
func splitArchivePath(p string) (outer, inner string, ok bool) {
	outer, inner, found := strings.Cut(p, "!")
	if !found || outer == "" || inner == "" {
		return p, "", false
	}
	return outer, inner, true
}
