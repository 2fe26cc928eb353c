package signedurl

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// RootPolicy is the name of the shared access policy every Service Bus and
// Event Hubs namespace is created with. It holds Manage, Send and Listen
// on every entity of the namespace.
const RootPolicy = "RootManageSharedAccessKey"

// IoTHubOwnerPolicy is IoT Hub's built-in policy with every permission
// (registry read/write, service connect, device connect).
const IoTHubOwnerPolicy = "iothubowner"

// namespaceService recognises Service Bus-style hosts: it returns the
// namespace (or IoT hub) name and the service.
func namespaceService(h string) (name, service string, ok bool) {
	for _, suffix := range []string{".servicebus.windows.net", ".servicebus.chinacloudapi.cn", ".servicebus.usgovcloudapi.net", ".servicebus.cloudapi.de"} {
		if name, ok := strings.CutSuffix(h, suffix); ok && name != "" && !strings.Contains(name, ".") {
			return name, "servicebus", true
		}
	}
	for _, suffix := range []string{".azure-devices.net", ".azure-devices.cn", ".azure-devices.us"} {
		if name, ok := strings.CutSuffix(h, suffix); ok && name != "" && !strings.Contains(name, ".") {
			return name, "iothub", true
		}
	}
	return "", "", false
}

// parseServiceBusText parses "SharedAccessSignature sr=..." wherever it
// stands: alone, after "Authorization:", or in a connection string
// (Endpoint=sb://...;SharedAccessSignature=SharedAccessSignature sr=...).
// loc is sbTokenStart's submatch index: the fields start at loc[2] and end
// at ';' or whitespace.
func parseServiceBusText(u *URL, s string, loc []int) error {
	fieldsStart := loc[2]
	end := len(s)
	if i := strings.IndexAny(s[fieldsStart:], "; \t\r\n"); i >= 0 {
		end = fieldsStart + i
	}
	u.prefix, u.suffix = s[:fieldsStart], s[end:]
	u.Form = FormToken
	if strings.Contains(strings.ToLower(u.prefix), "endpoint=") {
		u.Form = FormConnectionString
	}
	if err := splitParams(u, s[fieldsStart:end]); err != nil {
		return err
	}
	return parseServiceBusFields(u)
}

// parseServiceBusFields interprets sr, sig, se and skn.
func parseServiceBusFields(u *URL) error {
	sr, err := required(u, "sr")
	if err != nil {
		return err
	}
	sig, err := required(u, "sig")
	if err != nil {
		return err
	}
	if !isBase64(sig) {
		return fieldError("sig", "", ErrBadValue, "not base64")
	}
	se, err := required(u, "se")
	if err != nil {
		return err
	}
	if u.Expiry, err = parseUnix("se", se); err != nil {
		return err
	}
	u.Kind = KindServiceBus
	u.Signer = u.Get("skn")
	u.SignerType = SignerPolicy
	if u.Signer == "" {
		u.SignerType = SignerEntityKey
	}

	rest := sr
	if hasScheme(sr) {
		i := strings.Index(sr, "://")
		u.Scheme = strings.ToLower(sr[:i])
		rest = sr[i+3:]
	}
	host, path, _ := strings.Cut(rest, "/")
	if host == "" || strings.ContainsAny(host, " \t\r\n?#") {
		return fieldError("sr", sr, ErrBadValue, "want the resource URI, e.g. sb://NAMESPACE.servicebus.windows.net/ENTITY")
	}
	u.Host = host
	u.Path = strings.Trim(path, "/")
	u.Entity = u.Path
	u.HostStyle = HostCustom
	if name, service, ok := namespaceService(hostname(host)); ok {
		u.Namespace, u.Service, u.HostStyle = name, service, HostNamespace
	}
	return nil
}

// EncodeServiceBusResource encodes a resource URI for the sr field and the
// string-to-sign the way Azure's Go and Python SDKs do: query-escaped, then
// lower-cased. Other SDKs escape in upper case (.NET's WebUtility,
// JavaScript's encodeURIComponent); the service accepts any spelling
// because the signature covers sr exactly as written.
func EncodeServiceBusResource(resourceURI string) string {
	return strings.ToLower(url.QueryEscape(resourceURI))
}

// SignServiceBus returns the base64 HMAC-SHA256 signature of a Service Bus,
// Event Hubs or IoT Hub SAS token for resourceURI (not yet encoded, e.g.
// "sb://ns.servicebus.windows.net/orders") valid until expiry (Unix
// seconds). The string-to-sign is
//
//	EncodeServiceBusResource(resourceURI) + "\n" + expiry
//
// key is the policy key as Azure shows it: the bytes of its base64 text are
// the HMAC key (Service Bus does not decode it; IoT Hub does, so for an IoT
// Hub pass the decoded key).
func SignServiceBus(key []byte, resourceURI string, expiry int64) string {
	return signServiceBus(key, EncodeServiceBusResource(resourceURI), strconv.FormatInt(expiry, 10))
}

func signServiceBus(key []byte, encodedResource, expiry string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(encodedResource + "\n" + expiry))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ServiceBusToken returns a complete token,
// "SharedAccessSignature sr=...&sig=...&se=...&skn=KEYNAME", signed with
// [SignServiceBus]. An empty keyName leaves skn out (IoT Hub device
// tokens).
func ServiceBusToken(keyName string, key []byte, resourceURI string, expiry int64) string {
	se := strconv.FormatInt(expiry, 10)
	sr := EncodeServiceBusResource(resourceURI)
	tok := "SharedAccessSignature sr=" + sr + "&sig=" + url.QueryEscape(signServiceBus(key, sr, se)) + "&se=" + se
	if keyName != "" {
		tok += "&skn=" + url.QueryEscape(keyName)
	}
	return tok
}

// VerifyServiceBus reports whether key signed the token u. The signature
// covers the sr field exactly as written (its escaping included) and se;
// see [SignServiceBus] for which bytes make the key.
func VerifyServiceBus(u *URL, key []byte) (bool, error) {
	if u.Kind != KindServiceBus {
		return false, fmt.Errorf("signedurl: %w: a %s is not a Service Bus token", ErrCannotVerify, u.Kind)
	}
	sr, se := u.param("sr"), u.param("se")
	if sr == nil || se == nil {
		return false, fmt.Errorf("signedurl: %w: sr or se missing", ErrCannotVerify)
	}
	want, err := base64.StdEncoding.DecodeString(u.Signature())
	if err != nil {
		return false, fmt.Errorf("signedurl: %w: sig is not base64", ErrCannotVerify)
	}
	got, _ := base64.StdEncoding.DecodeString(signServiceBus(key, sr.Raw, se.Raw))
	return hmac.Equal(want, got), nil
}
