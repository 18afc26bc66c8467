package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrPrivateAddress is the error (wrapped) of a delivery refused because the webhook's
// host resolved to an address that is not public: loopback, private (RFC 1918, unique
// local), link-local (which holds cloud metadata services), carrier-grade NAT,
// unspecified or multicast. A tenant's admin could otherwise make the server post to the
// bank's internal network (server-side request forgery).
var ErrPrivateAddress = errors.New("address is not public")

// nonPublic are the prefixes refused besides what netip classifies.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT (RFC 6598)
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network"
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// Public reports whether a is an address webhooks may reach by default.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// GuardedClient returns the client deliveries use by default: no redirects, a timeout,
// and, unless allowPrivate, a dialer that refuses any connection to an address that is
// not public. The check runs on the address actually dialled, after DNS resolution, so a
// name that resolves to an internal address (or changes to one) is refused too.
func GuardedClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrPrivateAddress, address)
			}
			if !Public(ap.Addr()) {
				return fmt.Errorf("%w: %s (serve --webhook-allow-private allows it)", ErrPrivateAddress, ap.Addr())
			}
			return nil
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // a proxy would dial on the server's behalf, past the check
	tr.DialContext = d.DialContext
	return &http.Client{Timeout: DefaultTimeout, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
