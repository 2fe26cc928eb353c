package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/overshare/overshare/sas"
)

// accountKeys is what a keys file holds: named keys and, when the file was
// a connection string, the account they belong to.
type accountKeys struct {
	keys    []sas.Key
	account string
}

// readKeys reads account keys (or user delegation key values) from path,
// or from stdin when path is "-". Keys are never taken from the command
// line, where they would land in shell history and process listings.
//
// Accepted forms:
//   - lines "NAME=BASE64" (key1=..., key2=...), with # comments and blanks;
//   - a storage connection string (its AccountKey is named "connection-string"
//     and its AccountName is kept);
//   - the JSON printed by "az storage account keys list":
//     [{"keyName": "key1", "value": "..."}, ...].
func readKeys(path string, stdin io.Reader) (*accountKeys, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, 1<<20))
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("--keys-file: %w", err)}
	}
	ak, err := parseKeys(data)
	if err != nil {
		name := path
		if path == "-" {
			name = "standard input"
		}
		return nil, &UsageError{Err: fmt.Errorf("--keys-file %s: %w", name, err),
			Hint: "write one key per line as key1=BASE64 and key2=BASE64, or give a storage connection string"}
	}
	return ak, nil
}

func parseKeys(data []byte) (*accountKeys, error) {
	text := strings.TrimSpace(string(data))
	if text == "" {
		return nil, fmt.Errorf("no keys")
	}
	if strings.HasPrefix(text, "[") {
		var list []struct {
			KeyName string `json:"keyName"`
			Value   string `json:"value"`
		}
		if err := json.Unmarshal([]byte(text), &list); err != nil {
			return nil, fmt.Errorf("not the JSON of 'az storage account keys list': %w", err)
		}
		ak := &accountKeys{}
		for i, k := range list {
			key, err := sas.DecodeKey(k.Value)
			if err != nil {
				return nil, fmt.Errorf("key %d (%s): %w", i+1, k.KeyName, err)
			}
			ak.keys = append(ak.keys, sas.Key{Name: k.KeyName, Value: key})
		}
		if len(ak.keys) == 0 {
			return nil, fmt.Errorf("no keys")
		}
		return ak, nil
	}
	if strings.Contains(strings.ToLower(text), "accountkey=") {
		return parseConnectionStringKeys(text)
	}
	ak := &accountKeys{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("line %d: want NAME=BASE64", n)
		}
		key, err := sas.DecodeKey(strings.TrimSpace(value))
		if err != nil {
			return nil, fmt.Errorf("line %d (%s): %w", n, name, err)
		}
		ak.keys = append(ak.keys, sas.Key{Name: name, Value: key})
	}
	if len(ak.keys) == 0 {
		return nil, fmt.Errorf("no keys")
	}
	return ak, nil
}

func parseConnectionStringKeys(text string) (*accountKeys, error) {
	ak := &accountKeys{}
	for _, part := range strings.Split(text, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch strings.ToLower(k) {
		case "accountname":
			ak.account = v
		case "accountkey":
			key, err := sas.DecodeKey(v)
			if err != nil {
				return nil, fmt.Errorf("AccountKey: %w", err)
			}
			ak.keys = append(ak.keys, sas.Key{Name: "connection-string", Value: key})
		}
	}
	if len(ak.keys) == 0 {
		return nil, fmt.Errorf("connection string has no AccountKey")
	}
	return ak, nil
}
