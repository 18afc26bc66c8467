package webhook_test

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"

	gt "groundtruth"
	"groundtruth/webhook"
)

// TestPublic: loopback, RFC 1918, link-local (cloud metadata), carrier-grade NAT,
// unique-local, unspecified, multicast and IPv4-mapped forms of them are not public.
func TestPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2001:4860:4860::8888": true, "203.0.114.7": true,
		"127.0.0.1": false, "127.9.9.9": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "fe80::1": false, "100.64.0.1": false, "fd00::1": false, "0.0.0.0": false, "::": false,
		"224.0.0.1": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "0.1.2.3": false,
	} {
		if got := webhook.Public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}

// TestPrivateAddressesAreRefused: with the default options a webhook on the loopback
// address is not called: the delivery fails at its first attempt, not retried, naming
// the address.
func TestPrivateAddressesAreRefused(t *testing.T) {
	e := newEnv(t, "bank-a")
	rc := newReceiver(t, status(http.StatusNoContent))
	e.webhook("bank-a", rc.URL+"/hooks", false)
	o := e.options()
	o.AllowPrivate = false
	d, _ := e.start(o)
	d.Observe(e.actions(action("bank-a", "act-1", gt.ActionOpen)))
	ds := e.settled("bank-a", "act-1", 1)
	if got := ds[0]; got.Status != gt.DeliveryFailed || got.Attempts != 1 || !strings.Contains(got.LastError, "127.0.0.1") ||
		!strings.Contains(got.LastError, "not public") {
		t.Errorf("delivery = %+v, want failed at once for a private address", got)
	}
	if n := len(rc.requests()); n != 0 {
		t.Errorf("the receiver on the loopback address got %d requests", n)
	}
}
