package detect

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Keys are generated at run time: this file carries no key.

func pemText(t *testing.T, typ string, der []byte, headers map[string]string) string {
	t.Helper()
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: der}))
}

func ed25519PKCS8(t *testing.T) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(ed25519.NewKeyFromSeed(seedBytes("ed25519", 32)))
	if err != nil {
		t.Fatal(err)
	}
	return pemText(t, "PRIVATE KEY", der, nil)
}

func ecSEC1(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemText(t, "EC PRIVATE KEY", der, nil)
}

func rsaPKCS1(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	return pemText(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k), nil)
}

// derSequence wraps n pseudo-random bytes in a DER SEQUENCE.
func derSequence(seed string, n int) []byte {
	return append([]byte{0x30, 0x82, byte(n >> 8), byte(n)}, seedBytes(seed, n)...)
}

func sshStr(b []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
}

// opensshKey builds an openssh-key-v1 body with the given cipher.
func opensshKey(cipher, kdf string) []byte {
	var b []byte
	b = append(b, opensshMagic...)
	b = append(b, sshStr([]byte(cipher))...)
	b = append(b, sshStr([]byte(kdf))...)
	b = append(b, sshStr(nil)...)
	b = binary.BigEndian.AppendUint32(b, 1)
	b = append(b, sshStr(append(sshStr([]byte("ssh-ed25519")), sshStr(seedBytes("pub", 32))...))...)
	b = append(b, sshStr(seedBytes("priv", 144))...)
	return b
}

func puttyKey(version, encryption string, privLines int) string {
	var b strings.Builder
	b.WriteString("PuTTY-User-Key-File-" + version + ": ssh-ed25519\nEncryption: " + encryption + "\nComment: someone@example-host\nPublic-Lines: 2\n")
	pub := randB64("putty-pub", 96)
	b.WriteString(pub[:64] + "\n" + pub[64:] + "\n")
	b.WriteString("Private-Lines: 2\n")
	priv := randB64("putty-priv", 96)
	lines := []string{priv[:64], priv[64:]}
	for _, l := range lines[:privLines] {
		b.WriteString(l + "\n")
	}
	b.WriteString("Private-MAC: " + strings.Repeat("0f", 16) + "\n")
	return b.String()
}

// lines returns the base64 lines of a PEM text.
func pemLines(p string) []string {
	ls := strings.Split(strings.TrimSpace(p), "\n")
	return ls[1 : len(ls)-1]
}

func TestPrivateKeyRule(t *testing.T) {
	ed := ed25519PKCS8(t)
	ec := ecSEC1(t)
	rsaKey := rsaPKCS1(t)
	edLines := pemLines(ed)
	ecLines := pemLines(ec)

	pk := func(format, typ string) PrivateKeyFacts { return PrivateKeyFacts{Format: format, Type: typ} }
	high := func(f PrivateKeyFacts) outcome {
		return outcome{Rule: "private-key", Severity: "high", Reason: ReasonPrivateKey, Facts: f}
	}
	enc := func(f PrivateKeyFacts, cipher string) outcome {
		f.Encrypted, f.Cipher = true, cipher
		return outcome{Rule: "private-key", Severity: "medium", Reason: ReasonEncryptedKey, Facts: f}
	}
	low := func(f PrivateKeyFacts, reason string) outcome {
		f.Truncated = reason == ReasonTruncatedKey
		return outcome{Rule: "private-key", Severity: "low", Reason: reason, Facts: f}
	}

	truncated := "-----BEGIN RSA PRIVATE KEY-----\n" + strings.Join(pemLines(rsaKey)[:2], "\n") + "\n-----END RSA PRIVATE KEY-----\n"
	encPKCS8 := pemText(t, "ENCRYPTED PRIVATE KEY", derSequence("enc", 300), nil)
	legacyEnc := pemText(t, "RSA PRIVATE KEY", seedBytes("legacy-enc", 608), map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00112233445566778899AABBCCDDEEFF"})
	openssh := pemText(t, "OPENSSH PRIVATE KEY", opensshKey("none", "none"), nil)
	opensshEnc := pemText(t, "OPENSSH PRIVATE KEY", opensshKey("aes256-ctr", "bcrypt"), nil)
	pgpPacket := append([]byte{0x94, 100}, seedBytes("pgp", 100)...)
	pgp := "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" + strings.Join(pemLines(pemText(t, "X", pgpPacket, nil)), "\n") + "\n=AbCd\n-----END PGP PRIVATE KEY BLOCK-----\n"

	tests := []struct {
		name string
		data string
		want []outcome
	}{
		{"PKCS#8 Ed25519", ed, []outcome{high(pk("pem", "PRIVATE KEY"))}},
		{"SEC1 EC", ec, []outcome{high(pk("pem", "EC PRIVATE KEY"))}},
		{"PKCS#1 RSA", rsaKey, []outcome{high(pk("pem", "RSA PRIVATE KEY"))}},
		{"OpenSSH", openssh, []outcome{high(pk("openssh", "OPENSSH PRIVATE KEY"))}},
		{"PGP", pgp, []outcome{high(pk("pgp", "PGP PRIVATE KEY BLOCK"))}},
		{"PuTTY v2", puttyKey("2", "none", 2), []outcome{high(PrivateKeyFacts{Format: "putty", Type: "ssh-ed25519", Comment: "someone@example-host"})}},

		// Written inside code.
		{"json \\n escapes", `{"private_key": "` + strings.ReplaceAll(ed, "\n", `\n`) + `"}`, []outcome{high(pk("pem", "PRIVATE KEY"))}},
		{"\\r\\n escapes", `key = "` + strings.ReplaceAll(ec, "\n", `\r\n`) + `";`, []outcome{high(pk("pem", "EC PRIVATE KEY"))}},
		{"concatenated literals", "String k = \"-----BEGIN EC PRIVATE KEY-----\" +\n  \"" + strings.Join(ecLines, "\" +\n  \"") + "\" +\n  \"-----END EC PRIVATE KEY-----\";",
			[]outcome{high(pk("pem", "EC PRIVATE KEY"))}},
		{"python implicit concatenation", "KEY = (\n    \"-----BEGIN PRIVATE KEY-----\\n\"\n    \"" + strings.Join(edLines, "\\n\"\n    \"") + "\\n\"\n    \"-----END PRIVATE KEY-----\\n\"\n)",
			[]outcome{high(pk("pem", "PRIVATE KEY"))}},
		{"yaml block", "tls:\n  key: |\n    " + strings.ReplaceAll(strings.TrimSpace(ec), "\n", "\n    ") + "\n  other: 1\n", []outcome{high(pk("pem", "EC PRIVATE KEY"))}},
		{"newlines flattened to spaces", "PRIVATE_KEY=\"" + strings.ReplaceAll(strings.TrimSpace(ed), "\n", " ") + "\"", []outcome{high(pk("pem", "PRIVATE KEY"))}},
		{"header mangled", strings.Replace(ed, "BEGIN PRIVATE KEY", "BEGIN?PRIVATE?KEY", 1), []outcome{high(pk("pem", "PRIVATE KEY"))}},

		// Encrypted.
		{"encrypted PKCS#8", encPKCS8, []outcome{enc(pk("pem", "ENCRYPTED PRIVATE KEY"), "")}},
		{"legacy OpenSSL encryption", legacyEnc, []outcome{enc(pk("pem", "RSA PRIVATE KEY"), "AES-128-CBC")}},
		{"OpenSSH with a cipher", opensshEnc, []outcome{enc(pk("openssh", "OPENSSH PRIVATE KEY"), "aes256-ctr")}},
		{"SSH2 (ssh.com)", "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: \"rsa-key-20260101\"\n" +
			strings.Join(pemLines(pemText(t, "X", append([]byte{0x3f, 0x6f, 0xf9, 0xeb}, seedBytes("ssh2", 400)...), nil)), "\n") + "\n---- END SSH2 ENCRYPTED PRIVATE KEY ----\n",
			[]outcome{enc(pk("ssh2", "SSH2 ENCRYPTED PRIVATE KEY"), "")}},
		{"PuTTY v3 encrypted", puttyKey("3", "aes256-cbc", 2), []outcome{enc(PrivateKeyFacts{Format: "putty", Type: "ssh-ed25519", Comment: "someone@example-host"}, "aes256-cbc")}},

		// Cut short or not a key: low.
		{"truncated PKCS#1", truncated, []outcome{low(pk("pem", "RSA PRIVATE KEY"), ReasonTruncatedKey)}},
		{"truncated PuTTY", puttyKey("2", "none", 1), []outcome{low(PrivateKeyFacts{Format: "putty", Type: "ssh-ed25519", Comment: "someone@example-host"}, ReasonTruncatedKey)}},
		{"random body", "-----BEGIN PRIVATE KEY-----\n" + randB64("random", 60) + "\n-----END PRIVATE KEY-----", []outcome{low(pk("pem", "PRIVATE KEY"), ReasonUnrecognisedKey)}},

		// Not reported: no key material.
		{"anything", "-----BEGIN PRIVATE KEY-----\nanything\n-----END PRIVATE KEY-----", nil},
		{"prose", "-----BEGIN RSA PRIVATE KEY-----\nsuper secret private key here\n-----END RSA PRIVATE KEY-----", nil},
		{"ellipsis", "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----", nil},
		{"empty", "-----BEGIN OPENSSH PRIVATE KEY----------END OPENSSH PRIVATE KEY-----", nil},
		{"header only", "some text\n-----BEGIN PRIVATE KEY-----\nyabba dabba doo", nil},
		{"certificate", pemText(t, "CERTIFICATE", derSequence("cert", 400), nil), nil},
		{"public key", pemText(t, "PUBLIC KEY", derSequence("pub", 90), nil), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := outcomes(runRule(t, PrivateKeyRule{}, tt.data, ""))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestPrivateKeyBase64Layer: a PEM block wrapped in base64 (Kubernetes
// secrets, .ipynb outputs) is found through the Detector's base64 layer.
func TestPrivateKeyBase64Layer(t *testing.T) {
	ed := ed25519PKCS8(t)
	for _, off := range []string{"", "x", "xy"} { // every base64 alignment of the anchor
		data := "tls.key: " + base64.StdEncoding.EncodeToString([]byte(off+ed)) + "\n"
		cs := runRule(t, PrivateKeyRule{}, data, "")
		got := outcomes(cs)
		want := []outcome{{Rule: "private-key", Severity: "high", Reason: ReasonPrivateKey, Facts: PrivateKeyFacts{Format: "pem", Type: "PRIVATE KEY"}, Enc: "base64"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("offset %q: (-want +got)\n%s", off, diff)
		}
	}
}

// TestPrivateKeySecretIsBody: the same key written two ways is one secret.
func TestPrivateKeySecretIsBody(t *testing.T) {
	ec := ecSEC1(t)
	a := runRule(t, PrivateKeyRule{}, ec, "")
	b := runRule(t, PrivateKeyRule{}, `"`+strings.ReplaceAll(ec, "\n", `\n`)+`"`, "")
	if len(a) != 1 || len(b) != 1 || a[0].Secret != b[0].Secret {
		t.Fatalf("secrets differ or missing: %d %d", len(a), len(b))
	}
	if want := strings.Join(pemLines(ec), ""); a[0].Secret != want {
		t.Errorf("secret is not the normalised body")
	}
	if blk, _ := pem.Decode([]byte(a[0].Text)); blk == nil || !bytes.Equal(blk.Bytes, mustPEM(t, ec)) {
		t.Errorf("Text is not the key as PEM: %q", a[0].Text)
	}
}

func mustPEM(t *testing.T, s string) []byte {
	t.Helper()
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		t.Fatal("no PEM")
	}
	return b.Bytes
}

func TestPKCS12FileRule(t *testing.T) {
	pfx := append([]byte{0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03}, seedBytes("pfx", 253)...)
	medium := []outcome{{Rule: "private-key", Severity: "medium", Reason: ReasonPKCS12}}
	tests := []struct {
		name, path string
		data       []byte
		want       []outcome
	}{
		{"p12", "certs/client.p12", pfx, medium},
		{"upper-case PFX", "App_TemporaryKey.PFX", pfx, medium},
		{"base64 text of a PFX", "certs/client.pfx", []byte(base64.StdEncoding.EncodeToString(pfx) + "\n"), medium},
		{"inside an archive", "release.zip!signing.pfx", pfx, medium},
		{"Git LFS pointer", "certs/client.pfx", []byte("version https://git-lfs.github.com/spec/v1\noid sha256:" + strings.Repeat("ab", 32) + "\nsize 2612\n"), nil},
		{"empty file", "certs/client.p12", nil, nil},
		{"other extension", "doc/typenum/type.P126.html", pfx, nil},
		{"not a PFX", "certs/client.p12", derSequence("x", 40), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := runRule(t, PKCS12FileRule{}, string(tt.data), tt.path)
			var got []outcome
			for _, o := range outcomes(cs) {
				o.Facts = nil
				got = append(got, o)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
