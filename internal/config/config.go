// Package config reads .overshare.toml into a validated [Config].
//
// The file is optional. Every key is checked: an unknown key, a bad
// duration or a reason code that does not exist is an error naming the key
// and the file, never silently ignored, so that a typo cannot switch a
// policy off.
//
//	[policy]
//	max_lifetime = "7d"              # Go duration, or a number of days "30d"
//	allow_account_sas = false
//	require_https = true
//	require_ip_range = false
//	forbidden_permissions = ["permanent-delete"]
//
//	[policy.severity]                # raise or lower a reason by its code
//	no-ip-restriction = "info"
//
//	[ignore]
//	paths = ["testdata/**", "docs/*.md"]  # globs over slash paths; ** spans directories
//	fingerprints = ["0123456789abcdef"]   # finding ids from a report
//
//	[rules]
//	disabled = ["aws-access-key"]
//
//	[pickle]
//	allow = ["mylab.models.Config"]       # globals this repository's model files may import
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	pathpkg "path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/overshare/overshare/sas"
)

// FileName is the name looked for at a target's root.
const FileName = ".overshare.toml"

// Config is a validated configuration.
type Config struct {
	// Path is the file it was read from ("" for the defaults).
	Path string
	// Policy is the SAS policy: the defaults with the file's settings on top.
	Policy sas.Policy
	// IgnorePaths are globs of paths whose findings, and errors reading
	// them, are dropped.
	IgnorePaths []string
	// IgnoreFingerprints are finding ids to drop.
	IgnoreFingerprints []string
	// DisabledRules are rule ids not to run.
	DisabledRules []string
	// PickleAllow lists "module.name" globals the repository vouches for
	// in its model files (never overriding a known code-execution gadget).
	PickleAllow []string
}

// IgnorePath reports whether a scanned path matches an ignore glob. For a
// path inside an archive ("a.zip!b/c") both the archive and the whole path
// are tried.
func (c *Config) IgnorePath(path string) bool {
	if c == nil || len(c.IgnorePaths) == 0 {
		return false
	}
	outer, _, _ := strings.Cut(path, "!")
	for _, g := range c.IgnorePaths {
		if MatchGlob(g, path) || MatchGlob(g, outer) {
			return true
		}
	}
	return false
}

// IgnoreFingerprint reports whether a finding id is to be dropped.
func (c *Config) IgnoreFingerprint(id string) bool {
	return c != nil && slices.Contains(c.IgnoreFingerprints, id)
}

// MatchGlob matches a slash-separated path against a glob where "*", "?"
// and "[...]" match within one segment (path.Match) and "**" matches any
// number of segments. A glob without a slash matches the base name at any
// depth, as .gitignore does.
func MatchGlob(glob, name string) bool {
	name = strings.TrimPrefix(filepath.ToSlash(name), "./")
	if !strings.Contains(glob, "/") {
		base := name[strings.LastIndexByte(name, '/')+1:]
		ok, _ := pathpkg.Match(glob, base)
		return ok
	}
	return matchSegments(strings.Split(strings.TrimPrefix(glob, "/"), "/"), strings.Split(name, "/"))
}

func matchSegments(glob, name []string) bool {
	for len(glob) > 0 {
		if glob[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchSegments(glob[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := pathpkg.Match(glob[0], name[0]); !ok {
			return false
		}
		glob, name = glob[1:], name[1:]
	}
	return len(name) == 0
}

// Default returns the configuration used when there is no file.
func Default() *Config { return &Config{Policy: sas.DefaultPolicy()} }

// file mirrors the TOML layout. Pointers tell "absent" from "false".
type file struct {
	Policy struct {
		MaxLifetime          *string           `toml:"max_lifetime"`
		AllowAccountSAS      *bool             `toml:"allow_account_sas"`
		RequireHTTPS         *bool             `toml:"require_https"`
		RequireIPRange       *bool             `toml:"require_ip_range"`
		ForbiddenPermissions *[]string         `toml:"forbidden_permissions"`
		Severity             map[string]string `toml:"severity"`
	} `toml:"policy"`
	Ignore struct {
		Paths        []string `toml:"paths"`
		Fingerprints []string `toml:"fingerprints"`
	} `toml:"ignore"`
	Rules struct {
		Disabled []string `toml:"disabled"`
	} `toml:"rules"`
	Pickle struct {
		Allow []string `toml:"allow"`
	} `toml:"pickle"`
}

// Error is a configuration error: which file, which key, what is wrong.
type Error struct {
	Path string
	Key  string
	Err  error
}

func (e *Error) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", e.Path, e.Key, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Load reads and validates the file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	return Parse(path, data)
}

// Find loads dir/.overshare.toml if it exists, else returns the defaults.
func Find(dir string) (*Config, error) {
	path := filepath.Join(dir, FileName)
	c, err := Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Default(), nil
	}
	return c, err
}

// Parse validates the TOML text of a configuration file; path is used in
// errors only.
func Parse(path string, data []byte) (*Config, error) {
	var f file
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, &Error{Path: path, Key: keys[0], Err: fmt.Errorf("unknown key (unknown: %s)", strings.Join(keys, ", "))}
	}
	c := Default()
	c.Path = path
	p := &c.Policy
	if v := f.Policy.MaxLifetime; v != nil {
		d, err := ParseDuration(*v)
		if err != nil {
			return nil, &Error{Path: path, Key: "policy.max_lifetime", Err: err}
		}
		p.MaxLifetime = d
	}
	if v := f.Policy.AllowAccountSAS; v != nil {
		p.AllowAccountSAS = *v
	}
	if v := f.Policy.RequireHTTPS; v != nil {
		p.RequireHTTPS = *v
	}
	if v := f.Policy.RequireIPRange; v != nil {
		p.RequireIPRange = *v
	}
	if v := f.Policy.ForbiddenPermissions; v != nil {
		known := sas.PermissionNames()
		for _, name := range *v {
			if !slices.Contains(known, name) {
				return nil, &Error{Path: path, Key: "policy.forbidden_permissions",
					Err: fmt.Errorf("unknown permission %q (known: %s)", name, strings.Join(known, ", "))}
			}
		}
		p.ForbiddenPermissions = *v
	}
	if len(f.Policy.Severity) > 0 {
		p.Overrides = map[string]sas.Severity{}
		for code, name := range f.Policy.Severity {
			key := "policy.severity." + code
			sev, err := sas.ParseSeverity(name)
			if err != nil {
				return nil, &Error{Path: path, Key: key, Err: err}
			}
			p.Overrides[code] = sev
		}
	}
	for _, g := range f.Ignore.Paths {
		if _, err := pathpkg.Match(strings.ReplaceAll(g, "**", "x"), "x"); err != nil {
			return nil, &Error{Path: path, Key: "ignore.paths", Err: fmt.Errorf("bad glob %q: %w", g, err)}
		}
	}
	c.IgnorePaths = f.Ignore.Paths
	for _, fp := range f.Ignore.Fingerprints {
		if !isHex(fp) {
			return nil, &Error{Path: path, Key: "ignore.fingerprints", Err: fmt.Errorf("%q is not a finding id (hex digits)", fp)}
		}
	}
	c.IgnoreFingerprints = f.Ignore.Fingerprints
	c.DisabledRules = f.Rules.Disabled
	for _, g := range f.Pickle.Allow {
		if mod, name, ok := strings.Cut(g, "."); !ok || mod == "" || name == "" || strings.ContainsAny(g, " \t\n") {
			return nil, &Error{Path: path, Key: "pickle.allow", Err: fmt.Errorf("%q is not a module.name global", g)}
		}
	}
	c.PickleAllow = f.Pickle.Allow
	return c, nil
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// CheckReasonCodes reports an override of a reason code that is not in
// known (the codes the rules can produce), naming the key. The list lives
// with the rules, so the caller supplies it.
func (c *Config) CheckReasonCodes(known []string) error {
	codes := make([]string, 0, len(c.Policy.Overrides))
	for code := range c.Policy.Overrides {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		if !slices.Contains(known, code) {
			return &Error{Path: c.Path, Key: "policy.severity." + code,
				Err: fmt.Errorf("unknown reason code (known: %s)", strings.Join(known, ", "))}
		}
	}
	return nil
}

// ParseDuration accepts Go durations ("36h", "90m") and whole days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("invalid duration %q (want e.g. \"7d\" or \"36h\")", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid duration %q (want e.g. \"7d\" or \"36h\")", s)
	}
	return d, nil
}
