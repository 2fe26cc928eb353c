package azure

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// storageSuffixes are the DNS suffixes of Azure Storage in every cloud.
// A host is an Azure storage endpoint when it is
// ACCOUNT.SERVICE.SUFFIX with SERVICE one of storageServices.
var storageSuffixes = []string{
	"core.windows.net",       // public
	"core.chinacloudapi.cn",  // China (21Vianet)
	"core.usgovcloudapi.net", // US Government
	"core.cloudapi.de",       // Germany (retired, still recognised)
}

var storageServices = []string{"blob", "dfs", "file", "queue", "table"}

// EndpointError is a refusal to send a request: the token points at a host
// that is not an Azure storage endpoint, or at an address that is private,
// loopback or otherwise not on the public internet. A leaked token is
// attacker-controlled text; following its URL blindly would let it aim
// overshare at services inside the user's network.
type EndpointError struct {
	Host   string
	Reason string
}

func (e *EndpointError) Error() string {
	return fmt.Sprintf("refusing to contact %s: %s", e.Host, e.Reason)
}

// IsStorageHost reports whether host (without port) is an Azure storage
// endpoint: ACCOUNT.{blob,dfs,file,queue,table}.SUFFIX in the public or a
// sovereign cloud.
func IsStorageHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, suffix := range storageSuffixes {
		rest, ok := strings.CutSuffix(host, "."+suffix)
		if !ok {
			continue
		}
		acct, svc, ok := strings.Cut(rest, ".")
		if !ok || acct == "" || strings.Contains(svc, ".") {
			return false
		}
		for _, s := range storageServices {
			if svc == s {
				return true
			}
		}
		return false
	}
	return false
}

// publicIP reports whether ip may be contacted without an explicit
// --endpoint: not loopback, private (RFC 1918, fc00::/7), link-local,
// carrier-grade NAT, unspecified or multicast.
func publicIP(ip net.IP) bool {
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	if ip4 := ip.To4(); ip4 != nil && ip4[0] == 100 && ip4[1]&0xc0 == 64 { // 100.64.0.0/10
		return false
	}
	return true
}

// target is where the requests of one verification go.
type target struct {
	scheme   string
	host     string // host[:port]
	base     string // scheme://host[/account] for IP-style endpoints
	explicit bool   // named by the user with Options.Endpoint
}

// resolveTarget decides where to send requests for a token whose URL
// starts with tokScheme://tokHost, given the user's --endpoint (may be
// empty). accountPrefix is "/account" for IP-style (emulator) URLs.
func resolveTarget(tokScheme, tokHost, accountPrefix, endpoint string) (target, error) {
	if endpoint != "" {
		scheme, hostport := tokScheme, endpoint
		if strings.Contains(endpoint, "://") {
			u, err := url.Parse(endpoint)
			if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
				return target{}, fmt.Errorf("--endpoint %q: want HOST[:PORT] or http(s)://HOST[:PORT]", endpoint)
			}
			scheme, hostport = u.Scheme, u.Host
		}
		if scheme == "" {
			scheme = "https"
		}
		if strings.ContainsAny(hostport, "/?#@ ") {
			return target{}, fmt.Errorf("--endpoint %q: want HOST[:PORT]", endpoint)
		}
		return target{scheme: scheme, host: hostport, base: scheme + "://" + hostport + accountPrefix, explicit: true}, nil
	}
	if tokHost == "" {
		return target{}, errors.New("the token carries no URL, so there is nothing to ask")
	}
	h := tokHost
	if hh, _, err := net.SplitHostPort(tokHost); err == nil {
		h = hh
	}
	if !IsStorageHost(h) {
		reason := "it is not an Azure storage endpoint (*.blob, dfs, file, queue or table .core.windows.net, or a sovereign cloud's)"
		if ip := net.ParseIP(h); ip != nil && !publicIP(ip) || h == "localhost" || strings.HasSuffix(h, ".localhost") {
			reason = "it is a private or loopback address, which a leaked token must not make overshare contact"
		}
		return target{}, &EndpointError{Host: tokHost, Reason: reason + "; name the host with --endpoint if you mean it (e.g. an Azurite emulator)"}
	}
	return target{scheme: tokScheme, host: tokHost, base: tokScheme + "://" + tokHost, explicit: false}, nil
}

// newClient returns the HTTP client for one verification. It never follows
// redirects, uses no proxy (a proxy would resolve names where the address
// check cannot see them), and, unless the endpoint was named explicitly,
// refuses to connect to an address that is not public even when an Azure
// name resolves to one (a private endpoint, or DNS rebinding).
func newClient(t target, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout}
	if !t.explicit {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !publicIP(ip) {
				return &EndpointError{Host: t.host, Reason: fmt.Sprintf("it resolves to %s, a private or loopback address (a private endpoint?); name the host with --endpoint if you mean it", host)}
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// dnsNotFound reports whether err says the host name does not exist.
func dnsNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// contextDone reports whether err is the caller's cancellation.
func contextDone(ctx context.Context) bool { return ctx.Err() != nil }
