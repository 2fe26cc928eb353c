package detect

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"path"
	"strconv"
	"strings"

	"github.com/overshare/overshare/sas"
)

// PrivateKeyRule finds private keys written as text: PEM blocks of every
// kind (PKCS#1, PKCS#8, SEC1, DSA, encrypted PKCS#8, legacy OpenSSL
// encryption, OpenSSH, PGP, SSH2), PuTTY key files, and the same written as
// a string with "\n" escapes or as concatenated string literals. A PEM
// block wrapped in base64 (LS0tLS1CRUdJTi...) is decoded by the Detector's
// base64 layer, which looks for the base64 forms of these anchors.
//
// The body is checked, not only the frame: a body too short to hold any
// key, or prose, is not reported; a body whose own structure (DER length,
// OpenSSH sections, OpenPGP packet length) says it is cut short, or that is
// not a key encoding at all, is reported at low.
type PrivateKeyRule struct{}

// ID implements Rule.
func (PrivateKeyRule) ID() string { return "private-key" }

// Anchors implements Rule.
func (PrivateKeyRule) Anchors() [][]byte {
	return lits("-----BEGIN", "---- BEGIN SSH2", "PuTTY-User-Key-File-")
}

// The reason codes of the private-key rules.
const (
	ReasonPrivateKey      = "private-key"
	ReasonEncryptedKey    = "encrypted-private-key"
	ReasonTruncatedKey    = "truncated-private-key"
	ReasonUnrecognisedKey = "unrecognised-key-body"
	ReasonPKCS12          = "pkcs12-file"
)

// RevokeReplaceKey is how a leaked private key is taken back: it cannot be
// revoked where it leaked, only replaced wherever it is trusted.
const RevokeReplaceKey sas.Revocation = "replace-key"

// PrivateKeyFacts are the non-secret facts of a private key.
type PrivateKeyFacts struct {
	// Format is pem, openssh, pgp, ssh2, putty or pkcs12.
	Format string `json:"format"`
	// Type is the PEM label ("RSA PRIVATE KEY") or the PuTTY algorithm.
	Type      string `json:"type,omitempty"`
	Encrypted bool   `json:"encrypted"`
	// Cipher is how it is encrypted, when the text says.
	Cipher    string `json:"cipher,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`
	// Comment is the PuTTY key comment (often user@host).
	Comment string `json:"comment,omitempty"`
	// Path is the file, for PKCS#12 bundles found by name.
	Path string `json:"path,omitempty"`
}

// minKeyBody is the fewest base64 characters a body needs to be judged at
// all: the smallest private key (Ed25519 in PKCS#8) takes 64.
const minKeyBody = 32

// maxKeyText bounds how far after a header a body is read.
const maxKeyText = 64 << 10

// Find implements Rule.
func (PrivateKeyRule) Find(data []byte, hits []int, ctx *Context) []Candidate {
	var out []Candidate
	lastEnd := -1
	for _, at := range hits {
		if at < lastEnd {
			continue
		}
		var c Candidate
		var end int
		var ok bool
		if bytes.HasPrefix(data[at:], []byte("PuTTY-User-Key-File-")) {
			c, end, ok = findPutty(data, at)
		} else {
			c, end, ok = findPEM(data, at)
		}
		if !ok {
			continue
		}
		c.Start, c.End = at, end
		lastEnd = end
		out = append(out, c)
	}
	applyOverrides(out, ctx.Policy)
	return out
}

// pemLabel reads the label of a header at at ("-----BEGIN RSA PRIVATE
// KEY-----" or "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----") and returns it
// with separators normalised to spaces, and the offset after the header.
// A header whose spaces were mangled into '?' or '_' is still read: the key
// under it is whole.
func pemLabel(data []byte, at int) (label string, end int, ok bool) {
	i := at
	dashes := 5
	if bytes.HasPrefix(data[at:], []byte("---- BEGIN")) {
		dashes = 4
	}
	i += len("-----BEGIN") // or "---- BEGIN"
	var b strings.Builder
	for ; i < len(data) && i-at < 80; i++ {
		c := data[i]
		switch {
		case 'A' <= c && c <= 'Z' || '0' <= c && c <= '9':
			b.WriteByte(c)
		case c == ' ' || c == '?' || c == '_':
			b.WriteByte(' ')
		case c == '-':
			if !bytes.HasPrefix(data[i:], []byte(strings.Repeat("-", dashes))) {
				return "", 0, false
			}
			label = strings.Join(strings.Fields(b.String()), " ")
			if !strings.HasSuffix(label, "PRIVATE KEY") && !strings.HasSuffix(label, "PRIVATE KEY BLOCK") {
				return "", 0, false
			}
			return label, i + dashes, true
		default:
			return "", 0, false
		}
	}
	return "", 0, false
}

// keyBody is a PEM body read line by line.
type keyBody struct {
	headers map[string]string // armor headers: Proc-Type, DEK-Info, Comment, ...
	lines   []string          // the base64 lines, junk removed
	end     int               // offset after the END line or the last body line
}

func (b *keyBody) base64() string { return strings.Join(b.lines, "") }

// readLines calls f with each logical line from start, its start offset,
// and the offset after it: lines end at a real newline or at a literal
// "\n" escape; a literal "\r" escape is dropped. f returns false to stop.
func readLines(data []byte, start int, f func(line []byte, lineStart, next int) bool) {
	limit := min(len(data), start+maxKeyText)
	var line []byte
	ls, i := start, start
	for i < limit {
		c := data[i]
		switch {
		case c == '\n':
			i++
		case c == '\\' && i+1 < limit && data[i+1] == 'n':
			i += 2
		case c == '\\' && i+1 < limit && data[i+1] == 'r':
			i += 2
			continue
		default:
			line = append(line, c)
			i++
			if len(line) < maxKeyLine {
				continue
			}
			f(line, ls, i) // no key line is this long: the last one read
			return
		}
		if !f(line, ls, i) {
			return
		}
		line, ls = line[:0], i
	}
	if len(line) > 0 {
		f(line, ls, i)
	}
}

// maxKeyLine bounds one line of a key body (a whole RSA-8192 key flattened
// to one line is about 6.5 KB).
const maxKeyLine = 16 << 10

// payload strips a line of the string syntax around it: indentation, a
// concatenation operator before an opening quote, the opening quote, and
// everything from the closing quote on (`+ "MIIE..." +` gives MIIE...).
func payload(line []byte) []byte {
	line = bytes.TrimLeft(line, " \t\r")
	if len(line) > 0 && bytes.IndexByte([]byte("+.&,("), line[0]) >= 0 {
		if rest := bytes.TrimLeft(line[1:], " \t"); len(rest) > 0 && (rest[0] == '"' || rest[0] == '\'' || rest[0] == '`') {
			line = rest
		}
	}
	if len(line) > 0 && (line[0] == '"' || line[0] == '\'' || line[0] == '`') {
		line = line[1:]
	}
	if q := bytes.IndexAny(line, "\"'`"); q >= 0 {
		line = line[:q]
	}
	return bytes.TrimRight(line, " \t\r\\")
}

// armorHeader matches "Name: value" lines of PEM and PGP armor.
func armorHeader(p []byte) (string, string, bool) {
	k, v, ok := bytes.Cut(p, []byte(": "))
	if !ok || len(k) == 0 || !isLetter(k[0]) {
		return "", "", false
	}
	for _, c := range k {
		if !isLetter(c) && c != '-' && !('0' <= c && c <= '9') {
			return "", "", false
		}
	}
	return string(k), string(v), true
}

// readKeyBody reads the body of a block whose header ends at start.
func readKeyBody(data []byte, start int) keyBody {
	b := keyBody{headers: map[string]string{}, end: start}
	limit := min(len(data), start+maxKeyLine)
	// The rest of the header's line is the whole body when the newlines
	// were flattened to spaces; otherwise it holds at most a closing quote
	// and a "+", and is skipped.
	i := start
	for i < limit && (stdBase64Byte(data[i]) || data[i] == '=' || data[i] == ' ' || data[i] == '\t') {
		i++
	}
	if fields := bytes.Fields(data[start:i]); len(bytes.Join(fields, nil)) >= minKeyBody {
		for _, f := range fields {
			b.lines = append(b.lines, string(f))
		}
		b.end = i
		if bytes.HasPrefix(data[i:], []byte("-----END")) || bytes.HasPrefix(data[i:], []byte("---- END")) {
			b.end = endMarker(data, i+5)
		}
		return b
	}
	for stop := min(len(data), i+256); ; i++ {
		switch {
		case i >= stop:
			return b // no line break after the header: no body
		case data[i] == '\n':
			i++
		case data[i] == '\\' && i+1 < len(data) && data[i+1] == 'n':
			i += 2
		default:
			continue
		}
		break
	}
	b.end = i
	blanks := 0
	readLines(data, i, func(line []byte, ls, next int) bool {
		p := payload(line)
		switch {
		case bytes.HasPrefix(p, []byte("-----END")) || bytes.HasPrefix(p, []byte("---- END")):
			b.end = endMarker(data, ls+bytes.Index(data[ls:next], []byte("END")))
			return false
		case len(p) == 0:
			blanks++
			return blanks <= 2
		}
		blanks = 0
		if len(b.lines) == 0 {
			k, v, ok := armorHeader(p)
			if !ok { // a header value with quotes: Comment: "rsa-key"
				k, v, ok = armorHeader(bytes.TrimSpace(line))
			}
			if ok {
				b.headers[k] = v
				b.end = next
				return true
			}
		}
		if p[0] == '=' && len(p) == 5 {
			b.end = next // the armor checksum of a PGP block
			return true
		}
		var keep []byte
		junk := 0
		for _, c := range p {
			switch {
			case stdBase64Byte(c) || c == '=' || c == '-' || c == '_':
				keep = append(keep, c)
			case c == ' ':
				return false // prose, not a body line
			default:
				junk++
			}
		}
		if junk > 2 || junk*10 > len(p) {
			return false
		}
		b.lines = append(b.lines, string(keep))
		b.end = next
		return true
	})
	return b
}

// endMarker returns the offset after the END line whose "END" is at at.
func endMarker(data []byte, at int) int {
	e := at + len("END")
	for e < len(data) && (data[e] == '-' || data[e] == ' ' || data[e] == '?' || data[e] == '_' || 'A' <= data[e] && data[e] <= 'Z' || '0' <= data[e] && data[e] <= '9') {
		e++
	}
	return e
}

// decodeBody decodes a key body, tolerating missing or stray padding.
func decodeBody(s string) ([]byte, bool) {
	s = strings.ReplaceAll(s, "=", "")
	if out, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return out, true
	}
	if out, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return out, true
	}
	return nil, false
}

// keyVerdict is what the structure of a body says.
type keyVerdict int

const (
	keyWhole keyVerdict = iota
	keyTruncated
	keyUnrecognised
)

// derVerdict checks the outer DER SEQUENCE of a PKCS#1, PKCS#8, SEC1 or
// DSA key: its length says how long the whole key is.
func derVerdict(b []byte) keyVerdict {
	if len(b) < 2 || b[0] != 0x30 {
		return keyUnrecognised
	}
	n, hdr := int(b[1]), 2
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 3 || len(b) < 2+k {
			return keyUnrecognised
		}
		n = 0
		for _, x := range b[2 : 2+k] {
			n = n<<8 | int(x)
		}
		hdr += k
	}
	if hdr+n > len(b) {
		return keyTruncated
	}
	return keyWhole
}

// sshString reads one uint32-length-prefixed string of the OpenSSH format.
func sshString(b []byte) (s, rest []byte, ok bool) {
	if len(b) < 4 {
		return nil, nil, false
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, false
	}
	return b[4 : 4+n], b[4+n:], true
}

const opensshMagic = "openssh-key-v1\x00"

// opensshVerdict reads the sections of an openssh-key-v1 body: cipher,
// KDF, KDF options, key count, public key, private section. It returns the
// cipher name ("none" when unencrypted).
func opensshVerdict(b []byte) (string, keyVerdict) {
	b = b[len(opensshMagic):]
	cipher, b, ok := sshString(b)
	if !ok {
		return "", keyTruncated
	}
	if _, b, ok = sshString(b); !ok { // kdf name
		return string(cipher), keyTruncated
	}
	if _, b, ok = sshString(b); !ok { // kdf options
		return string(cipher), keyTruncated
	}
	if len(b) < 4 {
		return string(cipher), keyTruncated
	}
	b = b[4:] // number of keys
	if _, b, ok = sshString(b); !ok {
		return string(cipher), keyTruncated
	}
	if _, _, ok = sshString(b); !ok {
		return string(cipher), keyTruncated
	}
	return string(cipher), keyWhole
}

// pgpVerdict reads the first OpenPGP packet header: a secret key (tag 5)
// or secret subkey (tag 7), and whether its length fits.
func pgpVerdict(b []byte) keyVerdict {
	if len(b) < 2 || b[0]&0x80 == 0 {
		return keyUnrecognised
	}
	var tag, n, hdr int
	if b[0]&0x40 == 0 { // old format
		tag = int(b[0]>>2) & 0x0f
		switch b[0] & 3 {
		case 0:
			n, hdr = int(b[1]), 2
		case 1:
			if len(b) < 3 {
				return keyTruncated
			}
			n, hdr = int(b[1])<<8|int(b[2]), 3
		case 2:
			if len(b) < 5 {
				return keyTruncated
			}
			n, hdr = int(binary.BigEndian.Uint32(b[1:])), 5
		default:
			return keyWhole // indeterminate length
		}
	} else {
		tag = int(b[0] & 0x3f)
		switch o := int(b[1]); {
		case o < 192:
			n, hdr = o, 2
		case o < 224:
			if len(b) < 3 {
				return keyTruncated
			}
			n, hdr = (o-192)<<8+int(b[2])+192, 3
		case o == 255:
			if len(b) < 6 {
				return keyTruncated
			}
			n, hdr = int(binary.BigEndian.Uint32(b[2:])), 6
		default:
			return keyWhole // partial body lengths
		}
	}
	if tag != 5 && tag != 7 {
		return keyUnrecognised
	}
	if hdr+n > len(b) {
		return keyTruncated
	}
	return keyWhole
}

// findPEM reads and judges the block whose header is at at.
func findPEM(data []byte, at int) (Candidate, int, bool) {
	label, hdrEnd, ok := pemLabel(data, at)
	if !ok {
		return Candidate{}, 0, false
	}
	body := readKeyBody(data, hdrEnd)
	b64 := body.base64()
	if len(strings.TrimRight(b64, "=")) < minKeyBody {
		return Candidate{}, 0, false
	}
	facts := PrivateKeyFacts{Format: "pem", Type: label}
	raw, decoded := decodeBody(b64)
	verdict := keyUnrecognised
	switch {
	case !decoded:
	case strings.HasPrefix(label, "SSH2 "):
		facts.Format = "ssh2"
		if len(raw) >= 4 && binary.BigEndian.Uint32(raw) == 0x3f6ff9eb {
			verdict = keyWhole
		}
	case bytes.HasPrefix(raw, []byte(opensshMagic)):
		facts.Format = "openssh"
		facts.Cipher, verdict = opensshVerdict(raw)
		facts.Encrypted = facts.Cipher != "none" && facts.Cipher != ""
		if facts.Cipher == "none" {
			facts.Cipher = ""
		}
	case strings.Contains(label, "PGP"):
		facts.Format = "pgp"
		verdict = pgpVerdict(raw)
	case strings.Contains(body.headers["Proc-Type"], "ENCRYPTED"):
		// Legacy OpenSSL encryption: the body is ciphertext in 8- or
		// 16-byte blocks, nothing more to read.
		if len(raw) > 0 && len(raw)%8 == 0 {
			verdict = keyWhole
		}
	default:
		verdict = derVerdict(raw)
	}
	if strings.Contains(label, "ENCRYPTED") {
		facts.Encrypted = true
	}
	if strings.Contains(body.headers["Proc-Type"], "ENCRYPTED") {
		facts.Encrypted = true
		facts.Cipher, _, _ = strings.Cut(body.headers["DEK-Info"], ",")
	}
	c := judgePrivateKey(facts, verdict, b64)
	var hdrs string
	for _, k := range []string{"Proc-Type", "DEK-Info"} { // what decrypting a legacy key needs
		if v, ok := body.headers[k]; ok {
			hdrs += k + ": " + v + "\n"
		}
	}
	if hdrs != "" {
		hdrs += "\n"
	}
	c.Text = "-----BEGIN " + label + "-----\n" + hdrs + wrap64(b64) + "-----END " + label + "-----\n"
	return c, body.end, true
}

func wrap64(s string) string {
	var b strings.Builder
	for len(s) > 64 {
		b.WriteString(s[:64])
		b.WriteByte('\n')
		s = s[64:]
	}
	if s != "" {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	return b.String()
}

// judgePrivateKey sets the verdict: high for a usable key, medium when it is
// encrypted, low when the body is cut short or is not a key.
func judgePrivateKey(facts PrivateKeyFacts, verdict keyVerdict, secret string) Candidate {
	what := strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(facts.Type, " BLOCK"), "PRIVATE KEY"))
	title := "private key"
	switch {
	case facts.Format == "openssh" || what == "OPENSSH":
		title = "OpenSSH private key"
	case facts.Format == "pgp":
		title = "PGP private key"
	case facts.Format == "putty":
		title = "PuTTY private key (" + facts.Type + ")"
	case what != "" && what != "ENCRYPTED":
		title = what + " private key"
	}
	c := Candidate{
		Rule:   "private-key",
		Secret: secret,
		Facts:  facts,
		Remediation: sas.Remediation{
			Revocation: RevokeReplaceKey,
			Summary:    "replace the key pair: a private key cannot be revoked where it leaked, only distrusted wherever it is trusted",
			Steps: []string{
				"find what trusts it (authorized_keys, deploy keys, CI and cloud VM metadata, TLS certificates issued for it, signing keys) from its public key",
				"generate a new key pair, deploy the new public key or certificate, then remove the old public key everywhere and revoke certificates issued for it",
				"remove the key from the repository and its history; rewriting history does not un-leak it, replacing it does",
			},
		},
	}
	switch {
	case verdict == keyTruncated:
		facts.Truncated = true
		c.Facts = facts
		c.Title = title + " (truncated)"
		c.Severity = sas.SeverityLow
		c.Reasons = []sas.Reason{{Code: ReasonTruncatedKey, Severity: sas.SeverityLow,
			Text: "the body is shorter than its own structure says: an excerpt, not a usable key (documentation or a cut-off copy); if it was cut from a real key, that key leaked"}}
	case verdict == keyUnrecognised:
		c.Title = title + " (body not a key encoding)"
		c.Severity = sas.SeverityLow
		c.Reasons = []sas.Reason{{Code: ReasonUnrecognisedKey, Severity: sas.SeverityLow,
			Text: "the block's body is not a key structure overshare can read: made-up test data, or a damaged key"}}
	case facts.Encrypted:
		c.Title = "encrypted " + title
		c.Severity = sas.SeverityMedium
		how := "encrypted with a passphrase"
		if facts.Cipher != "" {
			how += " (" + facts.Cipher + ")"
		}
		c.Reasons = []sas.Reason{{Code: ReasonEncryptedKey, Severity: sas.SeverityMedium,
			Text: how + ": usable by whoever guesses or finds the passphrase, which is often weak or stored nearby; offline guessing is unlimited"}}
	default:
		c.Title = title
		c.Severity = sas.SeverityHigh
		text := "an unencrypted private key: whoever has the file can use it (log in, decrypt, sign) wherever its public key is trusted"
		if facts.Format == "pgp" {
			text = "a PGP secret key: it may be passphrase-protected (overshare does not read the packet that says); it signs and decrypts as its owner"
		}
		c.Reasons = []sas.Reason{{Code: ReasonPrivateKey, Severity: sas.SeverityHigh, Text: text}}
	}
	return c
}

// findPutty reads a PuTTY key file (versions 1-3) starting at at.
func findPutty(data []byte, at int) (Candidate, int, bool) {
	facts := PrivateKeyFacts{Format: "putty"}
	var priv []string
	want := -1 // private lines still to read; -1 before Private-Lines
	end := at
	skip := 0    // public lines to skip
	headers := 0 // header lines read
	readLines(data, at, func(line []byte, _, next int) bool {
		p := payload(line)
		switch {
		case skip > 0:
			skip--
		case want > 0:
			if _, _, ok := armorHeader(p); ok {
				return false // fewer private lines than announced
			}
			priv = append(priv, string(p))
			want--
		default:
			k, v, ok := armorHeader(p)
			if headers++; !ok || headers > 16 {
				return false
			}
			switch {
			case strings.HasPrefix(k, "PuTTY-User-Key-File-"):
				if facts.Type != "" {
					return false // the next key file
				}
				facts.Type = v
			case k == "Encryption":
				if v != "none" {
					facts.Encrypted, facts.Cipher = true, v
				}
			case k == "Comment":
				facts.Comment = strings.Trim(v, `"`)
			case k == "Public-Lines":
				skip, _ = strconv.Atoi(v)
				skip = min(max(skip, 0), 256)
			case k == "Private-Lines":
				want, _ = strconv.Atoi(v)
				want = min(max(want, 0), 256)
			}
		}
		end = next
		return want != 0 || len(priv) == 0
	})
	secret := strings.Join(priv, "")
	if len(secret) < minKeyBody {
		return Candidate{}, 0, false
	}
	verdict := keyWhole
	if want > 0 {
		verdict = keyTruncated
	}
	if _, ok := decodeBody(secret); !ok {
		verdict = keyUnrecognised
	}
	c := judgePrivateKey(facts, verdict, secret)
	c.Text = string(data[at:end])
	return c, end, true
}

// PKCS12FileRule reports PKCS#12 bundles (.p12, .pfx) by their path: a
// path rule with no content anchor, so it runs on every fragment and
// returns at once unless the path ends in .p12 or .pfx and the content is a
// PFX structure (raw DER or base64), which leaves out Git LFS pointers and
// empty files. It shares the private-key id: disabling private-key
// disables both.
type PKCS12FileRule struct{}

// ID implements Rule.
func (PKCS12FileRule) ID() string { return "private-key" }

// Anchors implements Rule: none; Find checks the path first.
func (PKCS12FileRule) Anchors() [][]byte { return nil }

// Find implements Rule.
func (PKCS12FileRule) Find(data []byte, _ []int, ctx *Context) []Candidate {
	if !pkcs12Path(ctx.Path) {
		return nil
	}
	der := data
	if !pfxDER(der) {
		txt := bytes.Join(bytes.Fields(data), nil)
		var ok bool
		if der, ok = decodeBody(string(txt)); !ok || !pfxDER(der) {
			return nil
		}
	}
	sum := sha256.Sum256(der)
	facts := PrivateKeyFacts{Format: "pkcs12", Path: ctx.Path}
	c := Candidate{
		Rule:     "private-key",
		Start:    0,
		End:      len(data),
		Secret:   "pkcs12:" + hex.EncodeToString(sum[:]),
		Title:    "PKCS#12 key bundle " + path.Base(strings.ReplaceAll(ctx.Path, "\\", "/")),
		Severity: sas.SeverityMedium,
		Facts:    facts,
		Reasons: []sas.Reason{{Code: ReasonPKCS12, Severity: sas.SeverityMedium,
			Text: "a PKCS#12 bundle holds a certificate and, almost always, its private key, protected by a password that is often empty, weak or committed next to it (overshare does not try passwords)"}},
		Remediation: sas.Remediation{
			Revocation: RevokeReplaceKey,
			Summary:    "treat the key in the bundle as leaked: revoke its certificate and issue a new key pair",
			Steps: []string{
				"list what it holds: openssl pkcs12 -info -in FILE -nokeys",
				"revoke the certificate with its issuer, issue a new one for a new key, and replace it wherever it is installed",
				"remove the file from the repository and its history; keep bundles in a secret store",
			},
		},
	}
	out := []Candidate{c}
	applyOverrides(out, ctx.Policy)
	return out
}

func pkcs12Path(p string) bool {
	n := len(p)
	return n >= 4 && (strings.EqualFold(p[n-4:], ".p12") || strings.EqualFold(p[n-4:], ".pfx"))
}

// pfxDER says whether b starts like a PFX: a DER SEQUENCE whose first
// element is the INTEGER 3 (the PFX version).
func pfxDER(b []byte) bool {
	if len(b) < 5 || b[0] != 0x30 {
		return false
	}
	i := 2
	if b[1]&0x80 != 0 {
		i += int(b[1] & 0x7f)
	}
	return i+3 <= len(b) && b[i] == 0x02 && b[i+1] == 0x01 && b[i+2] == 0x03
}
