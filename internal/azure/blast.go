package azure

import (
	"context"
	"encoding/xml"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/overshare/overshare/sas"
)

// Exposure is what a listing token can see: counted from listings only,
// never from blob content.
type Exposure struct {
	Containers int         `json:"containers"`
	Blobs      int         `json:"blobs"`
	Bytes      int64       `json:"bytes"`
	Sensitive  []Sensitive `json:"sensitive"`
	// Truncated is set when --max-list or the time budget stopped the
	// listing; the counts are then lower bounds.
	Truncated       bool   `json:"truncated,omitempty"`
	TruncatedReason string `json:"truncated_reason,omitempty"`
}

// Sensitive is one object whose name or type says it matters.
type Sensitive struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
	// Content is what the first bytes say (--deep): "pickle (protocol 4)",
	// "zip (PyTorch checkpoint or archive)", ...
	Content string `json:"content,omitempty"`
}

// sensitiveExt maps a lower-case extension to why it matters.
var sensitiveExt = map[string]string{
	".vhd": "disk image", ".vhdx": "disk image", ".vmdk": "disk image", ".qcow2": "disk image",
	".bak": "database backup", ".bacpac": "database backup", ".sql": "database dump", ".dump": "database dump",
	".pem": "key or certificate", ".key": "private key", ".pfx": "key and certificate bundle", ".p12": "key and certificate bundle",
	".env": "environment file (credentials)",
	".pkl": "pickle (runs code when loaded)", ".pickle": "pickle (runs code when loaded)",
	".pt": "PyTorch checkpoint (pickle)", ".pth": "PyTorch checkpoint (pickle)", ".ckpt": "model checkpoint",
	".bin": "model weights (often pickle)", ".joblib": "joblib model (pickle)",
}

// sensitiveBase maps a lower-case base name to why it matters.
var sensitiveBase = map[string]string{
	"id_rsa": "SSH private key", "id_dsa": "SSH private key", "id_ecdsa": "SSH private key", "id_ed25519": "SSH private key",
	".env": "environment file (credentials)", "credentials": "credentials file", "credentials.json": "credentials file",
	".git-credentials": "credentials file", ".npmrc": "registry credentials", ".pypirc": "registry credentials",
}

// SensitiveReason says why a blob name matters, or "" when it does not.
func SensitiveReason(name string) string {
	base := strings.ToLower(path.Base(name))
	if r, ok := sensitiveBase[base]; ok {
		return r
	}
	if strings.HasPrefix(base, ".env.") {
		return "environment file (credentials)"
	}
	return sensitiveExt[path.Ext(base)]
}

const maxSensitive = 200

// blastRadius lists what the token can see. ok is false when the token
// cannot list blobs (then nothing is requested).
func blastRadius(ctx context.Context, c *caller, tok *sas.Token, opts Options) (*Exposure, bool) {
	canList := tok.Permissions.Has('l')
	var containers []string
	accountScope := false
	switch {
	case tok.Kind == sas.KindAccount:
		if !canList || !strings.Contains(strings.Join(tok.ResourceTypes, ","), "container") ||
			(len(tok.Services) > 0 && !hasService(tok.Services, sas.ServiceBlob)) ||
			(tok.Service != "" && tok.Service != sas.ServiceBlob && tok.Service != sas.ServiceDFS) {
			return nil, false
		}
		accountScope = true
	case tok.Resource == sas.ResourceContainer && canList && (tok.Service == sas.ServiceBlob || tok.Service == sas.ServiceDFS):
		containers = []string{firstSegment(tok.Path)}
	default:
		return nil, false
	}

	maxList := opts.MaxList
	if maxList <= 0 {
		maxList = 5000
	}
	budget := opts.Budget
	if budget <= 0 {
		budget = 60 * time.Second
	}
	deadline := time.Now().Add(budget)
	exp := &Exposure{Sensitive: []Sensitive{}}
	stop := func() bool {
		switch {
		case exp.Blobs+exp.Containers >= maxList:
			exp.Truncated, exp.TruncatedReason = true, "max-list reached"
		case time.Now().After(deadline):
			exp.Truncated, exp.TruncatedReason = true, "time budget spent"
		case ctx.Err() != nil:
			exp.Truncated, exp.TruncatedReason = true, "interrupted"
		default:
			return false
		}
		return true
	}

	if accountScope {
		marker := ""
		for !stop() {
			q := "comp=list&maxresults=" + itoa(min(5000, maxList-exp.Blobs-exp.Containers))
			if marker != "" {
				q += "&marker=" + urlQuery(marker)
			}
			r, err := c.do(ctx, "GET", "", q, nil)
			if err != nil || r.status != 200 {
				exp.Truncated, exp.TruncatedReason = true, "listing containers failed"
				break
			}
			var page struct {
				Containers []struct {
					Name string `xml:"Name"`
				} `xml:"Containers>Container"`
				NextMarker string `xml:"NextMarker"`
			}
			if xml.Unmarshal(r.body, &page) != nil {
				exp.Truncated, exp.TruncatedReason = true, "unreadable container listing"
				break
			}
			for _, ct := range page.Containers {
				containers = append(containers, ct.Name)
			}
			exp.Containers = len(containers)
			if page.NextMarker == "" {
				break
			}
			marker = page.NextMarker
		}
	} else {
		exp.Containers = len(containers)
	}

	for _, ct := range containers {
		marker := ""
		for !stop() {
			q := "restype=container&comp=list&maxresults=" + itoa(min(5000, maxList-exp.Blobs-exp.Containers))
			if marker != "" {
				q += "&marker=" + urlQuery(marker)
			}
			r, err := c.do(ctx, "GET", ct, q, nil)
			if err != nil || r.status != 200 {
				exp.Truncated, exp.TruncatedReason = true, "listing container "+ct+" failed"
				break
			}
			var page struct {
				Blobs []struct {
					Name  string `xml:"Name"`
					Props struct {
						Length int64 `xml:"Content-Length"`
					} `xml:"Properties"`
				} `xml:"Blobs>Blob"`
				NextMarker string `xml:"NextMarker"`
			}
			if xml.Unmarshal(r.body, &page) != nil {
				exp.Truncated, exp.TruncatedReason = true, "unreadable blob listing"
				break
			}
			for _, b := range page.Blobs {
				exp.Blobs++
				exp.Bytes += b.Props.Length
				if why := SensitiveReason(b.Name); why != "" && len(exp.Sensitive) < maxSensitive {
					exp.Sensitive = append(exp.Sensitive, Sensitive{Path: ct + "/" + b.Name, Reason: why})
				}
			}
			if opts.Progress != nil {
				opts.Progress(exp.Blobs)
			}
			if page.NextMarker == "" {
				break
			}
			marker = page.NextMarker
		}
		if exp.Truncated {
			break
		}
	}
	if opts.Deep && tok.Permissions.Has('r') {
		deepen(ctx, c, exp, opts)
	}
	return exp, true
}

// modelExt are the names whose first bytes --deep reads.
var modelExt = map[string]bool{".pkl": true, ".pickle": true, ".pt": true, ".pth": true, ".ckpt": true,
	".bin": true, ".joblib": true, ".npy": true, ".npz": true, ".h5": true, ".keras": true, ".gguf": true}

// deepen reads the first bytes of model-named sensitive blobs and says what
// they are. A pickle that anyone holding a write token could replace is
// code that runs on every machine that loads it.
func deepen(ctx context.Context, c *caller, exp *Exposure, opts Options) {
	limit := opts.DeepMax
	if limit <= 0 {
		limit = 50
	}
	for i := range exp.Sensitive {
		if limit == 0 || ctx.Err() != nil {
			return
		}
		s := &exp.Sensitive[i]
		if !modelExt[strings.ToLower(path.Ext(s.Path))] {
			continue
		}
		limit--
		b, status, err := c.peek(ctx, s.Path)
		switch {
		case err != nil:
			s.Content = "not read: " + errText(err)
		case status >= 300:
			s.Content = "not read: HTTP " + itoa(status)
		default:
			s.Content = Magic(b)
		}
	}
}

// Magic names a file format from its first bytes.
func Magic(b []byte) string {
	switch {
	case len(b) >= 2 && b[0] == 0x80 && b[1] >= 1 && b[1] <= 5:
		return "pickle (protocol " + itoa(int(b[1])) + "): runs code when loaded"
	case strings.HasPrefix(string(b), "PK\x03\x04"):
		return "zip (a PyTorch checkpoint holds pickles)"
	case strings.HasPrefix(string(b), "\x93NUMPY"):
		return "numpy array"
	case strings.HasPrefix(string(b), "GGUF"):
		return "GGUF model"
	case strings.HasPrefix(string(b), "\x89HDF\r\n\x1a\n"):
		return "HDF5 (Keras .h5)"
	case len(b) >= 9 && b[8] == '{':
		return "safetensors (cannot run code)"
	case len(b) > 0 && b[0] == 'c' && strings.Contains(string(b), "\n"):
		return "possibly a protocol 0 pickle: runs code when loaded"
	}
	return "unrecognised format"
}

func itoa(n int) string { return strconv.Itoa(n) }

func urlQuery(s string) string { return url.QueryEscape(s) }
