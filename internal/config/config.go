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
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
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
		codes := sas.ReasonCodes()
		for code, name := range f.Policy.Severity {
			key := "policy.severity." + code
			if !slices.Contains(codes, code) {
				return nil, &Error{Path: path, Key: key, Err: fmt.Errorf("unknown reason code (known: %s)", strings.Join(codes, ", "))}
			}
			sev, err := sas.ParseSeverity(name)
			if err != nil {
				return nil, &Error{Path: path, Key: key, Err: err}
			}
			p.Overrides[code] = sev
		}
	}
	return c, nil
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
