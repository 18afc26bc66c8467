package mqtt_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"groundtruth"
	"groundtruth/mqtt"
)

// selfSigned returns a self-signed leaf certificate for cn, valid from nb to na, with its
// key, as tls.Certificate.
func selfSigned(t *testing.T, cn string, nb, na time.Time, usage x509.ExtKeyUsage) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: nb, NotAfter: na, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{usage}, BasicConstraintsValid: true,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

func clientCert(t *testing.T, cn string) tls.Certificate {
	return selfSigned(t, cn, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour), x509.ExtKeyUsageClientAuth)
}

func fingerprint(c tls.Certificate) string { return groundtruth.CertFingerprint(c.Certificate[0]) }

// memStore is an in-memory DeviceStore.
type memStore struct {
	mu      sync.Mutex
	devices map[string]map[string]groundtruth.Device // tenant -> id -> device
	reads   int
}

func (s *memStore) put(d groundtruth.Device) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.devices == nil {
		s.devices = map[string]map[string]groundtruth.Device{}
	}
	if s.devices[d.TenantID] == nil {
		s.devices[d.TenantID] = map[string]groundtruth.Device{}
	}
	s.devices[d.TenantID][d.ID] = d
}

func (s *memStore) Tenants(ctx context.Context, o groundtruth.ListOptions) ([]groundtruth.Tenant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []groundtruth.Tenant
	for id := range s.devices {
		if id > o.After {
			out = append(out, groundtruth.Tenant{ID: id})
		}
	}
	slices.SortFunc(out, func(a, b groundtruth.Tenant) int { return strings.Compare(a.ID, b.ID) })
	return out[:min(len(out), o.PageLimit())], nil
}

func (s *memStore) Devices(ctx context.Context, tenant string, o groundtruth.ListOptions) ([]groundtruth.Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []groundtruth.Device
	for id, d := range s.devices[tenant] {
		if id > o.After {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b groundtruth.Device) int { return strings.Compare(a.ID, b.ID) })
	return out[:min(len(out), o.PageLimit())], nil
}

func (s *memStore) Device(ctx context.Context, tenant, id string) (*groundtruth.Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	d, ok := s.devices[tenant][id]
	if !ok {
		return nil, groundtruth.Errorf(groundtruth.ENOTFOUND, "device %s not found", id)
	}
	return &d, nil
}

func device(tenant, id, cert string) groundtruth.Device {
	d := groundtruth.Device{ID: id, Kind: groundtruth.DeviceLoadCell, SiteID: "s1", CertSHA256: cert}
	d.TenantID = tenant
	return d
}

// tlsBroker runs a broker with a plain and a TLS listener whose certificate index holds
// the given devices (loaded from a store).
func tlsBroker(t *testing.T, handler mqtt.PublishHandler, now func() time.Time, devs ...groundtruth.Device) (*mqtt.Broker, *x509.CertPool) {
	t.Helper()
	st := &memStore{}
	for _, d := range devs {
		st.put(d)
	}
	idx := mqtt.NewCertificateIndex()
	if err := idx.Load(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	server := selfSigned(t, "broker", time.Now().Add(-time.Hour), time.Now().Add(time.Hour), x509.ExtKeyUsageServerAuth)
	pool := x509.NewCertPool()
	pool.AddCert(server.Leaf)
	b := start(t, mqtt.Options{Handler: handler, Certificates: idx, Now: now,
		TLS: &mqtt.TLSOptions{Addr: "127.0.0.1:0", Certificate: server}})
	return b, pool
}

// dialTLS connects an MQTT 5 client over TLS with an optional client certificate and
// optional username and token.
func dialTLS(t *testing.T, b *mqtt.Broker, pool *x509.CertPool, cert *tls.Certificate, user, token string) (*paho.Client, *paho.Connack, error) {
	t.Helper()
	cfg := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	conn, err := tls.Dial("tcp", b.TLSAddr().String(), cfg)
	if err != nil {
		t.Fatalf("TLS dial: %v", err)
	}
	c := paho.NewClient(paho.ClientConfig{Conn: conn})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cp := &paho.Connect{CleanStart: true, KeepAlive: 30}
	if user != "" {
		cp.UsernameFlag, cp.Username = true, user
	}
	if token != "" {
		cp.PasswordFlag, cp.Password = true, []byte(token)
	}
	ca, err := c.Connect(ctx, cp)
	if err == nil {
		t.Cleanup(func() { c.Disconnect(&paho.Disconnect{}) })
	} else {
		conn.Close()
	}
	return c, ca, err
}

// refusedWith checks that Connect failed with the CONNACK reason code want.
func refusedWith(t *testing.T, what string, ca *paho.Connack, err error, want byte) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: connected, want CONNACK 0x%02x", what, want)
		return
	}
	if ca == nil || ca.ReasonCode != want {
		t.Errorf("%s: Connect = %v (connack %+v), want reason 0x%02x", what, err, ca, want)
	}
}

func TestClientCertificateIdentifiesTheDevice(t *testing.T) {
	d1, d2 := clientCert(t, "d1"), clientCert(t, "d2")
	got := make(chan string, 4)
	h := handlerFunc(func(ctx context.Context, dev *groundtruth.Device, topic string, p []byte) error {
		got <- dev.TenantID + "/" + dev.ID
		return nil
	})
	b, pool := tlsBroker(t, h, nil, device("t1", "d1", fingerprint(d1)), device("t1", "d2", fingerprint(d2)))

	c, _, err := dialTLS(t, b, pool, &d1, "", "")
	if err != nil {
		t.Fatalf("registered certificate, no username: %v", err)
	}
	if code, reason := publish(t, c, "gt/v1/t1/d1/up", []byte("x")); code != 0 {
		t.Fatalf("own topic: PUBACK 0x%02x %q, want 0", code, reason)
	}
	if dev := <-got; dev != "t1/d1" {
		t.Errorf("handler saw device %s, want t1/d1", dev)
	}
	if code, _ := publish(t, c, "gt/v1/t1/d2/up", []byte("x")); code != 0x87 {
		t.Errorf("d1's certificate publishing to d2's topic: PUBACK 0x%02x, want 0x87", code)
	}
	if _, _, err := dialTLS(t, b, pool, &d2, "d2", ""); err != nil {
		t.Errorf("registered certificate with username = device id: %v", err)
	}
	_, ca, err := dialTLS(t, b, pool, &d2, "d1", "")
	refusedWith(t, "d2's certificate with username d1", ca, err, 0x86)
	if got := b.Counters()["d2"]["auth_failed"]; got != 1 {
		t.Errorf("auth_failed of d2 = %d, want 1", got)
	}
}

func TestUnregisteredCertificate(t *testing.T) {
	d1, stranger := clientCert(t, "d1"), clientCert(t, "stranger")
	b, pool := tlsBroker(t, handlerFunc(func(context.Context, *groundtruth.Device, string, []byte) error { return nil }),
		nil, device("t1", "d1", fingerprint(d1)))
	_, ca, err := dialTLS(t, b, pool, &stranger, "", "")
	refusedWith(t, "unregistered certificate, no password", ca, err, 0x86)
	_, ca, err = dialTLS(t, b, pool, &stranger, "d1", "")
	refusedWith(t, "unregistered certificate naming a registered device", ca, err, 0x86)
	_, ca, err = dialTLS(t, b, pool, nil, "", "")
	refusedWith(t, "no certificate, no credentials", ca, err, 0x86)
	// The token still signs in over TLS, with or without an unrelated certificate.
	if _, _, err := dialTLS(t, b, pool, nil, "d1", "tok-d1"); err != nil {
		t.Errorf("token over TLS: %v", err)
	}
	if _, _, err := dialTLS(t, b, pool, &stranger, "d1", "tok-d1"); err != nil {
		t.Errorf("token over TLS with an unregistered certificate: %v", err)
	}
	if got := b.Counters()[""]["auth_failed"]; got != 3 {
		t.Errorf("auth_failed of unknown clients = %d, want 3", got)
	}
}

func TestCertificateRefusals(t *testing.T) {
	now := time.Now()
	valid := clientCert(t, "d1")
	expired := selfSigned(t, "old", now.Add(-48*time.Hour), now.Add(-time.Hour), x509.ExtKeyUsageClientAuth)
	shared := clientCert(t, "shared")
	off := clientCert(t, "off")
	disabled := device("t1", "off", fingerprint(off))
	disabled.Disabled = true
	b, pool := tlsBroker(t, handlerFunc(func(context.Context, *groundtruth.Device, string, []byte) error { return nil }),
		func() time.Time { return now },
		device("t1", "d1", fingerprint(valid)), device("t1", "old", fingerprint(expired)),
		device("t1", "d2", fingerprint(shared)), device("t2", "d3", fingerprint(shared)), disabled)

	for _, c := range []struct {
		name        string
		cert        tls.Certificate
		user, token string
	}{
		{"expired certificate", expired, "", ""},
		{"certificate registered by devices of two tenants", shared, "", ""},
		{"disabled device", off, "", ""},
		{"certificate of d1 with the token of d2", valid, "d2", "tok-d2"},
		{"certificate of d1 with a wrong token", valid, "d1", "wrong"},
	} {
		_, ca, err := dialTLS(t, b, pool, &c.cert, c.user, c.token)
		refusedWith(t, c.name, ca, err, 0x86)
	}
	// Certificate and token of the same device agree.
	if _, _, err := dialTLS(t, b, pool, &valid, "d1", "tok-d1"); err != nil {
		t.Errorf("certificate and token of d1: %v", err)
	}
}

// TestCertificatesOnlyOnTheTLSListener: the plain listener never sees a certificate, and
// a broker may run TLS alone.
func TestTLSOnlyBroker(t *testing.T) {
	cert := clientCert(t, "d1")
	st := &memStore{}
	st.put(device("t1", "d1", fingerprint(cert)))
	idx := mqtt.NewCertificateIndex()
	if err := idx.Load(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	server := selfSigned(t, "broker", time.Now().Add(-time.Hour), time.Now().Add(time.Hour), x509.ExtKeyUsageServerAuth)
	b, err := mqtt.New(mqtt.Options{Devices: newDevices(), Certificates: idx,
		Handler: handlerFunc(func(context.Context, *groundtruth.Device, string, []byte) error { return nil }),
		TLS:     &mqtt.TLSOptions{Addr: "127.0.0.1:0", Certificate: server}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	if b.Addr().String() != b.TLSAddr().String() {
		t.Errorf("Addr() = %v, want the TLS address %v when there is no plain listener", b.Addr(), b.TLSAddr())
	}
	pool := x509.NewCertPool()
	pool.AddCert(server.Leaf)
	if _, _, err := dialTLS(t, b, pool, &cert, "", ""); err != nil {
		t.Errorf("certificate on a TLS-only broker: %v", err)
	}
	// A plain TCP client cannot speak to a TLS listener.
	conn, err := net.Dial("tcp", b.TLSAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := paho.NewClient(paho.ClientConfig{Conn: conn})
	cctx, ccancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer ccancel()
	if _, err := c.Connect(cctx, &paho.Connect{ClientID: "d1", CleanStart: true, UsernameFlag: true, Username: "d1",
		PasswordFlag: true, Password: []byte("tok-d1")}); err == nil {
		t.Errorf("plain MQTT on the TLS port connected")
	}
}

func TestTLSAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	server := selfSigned(t, "broker", time.Now().Add(-time.Hour), time.Now().Add(time.Hour), x509.ExtKeyUsageServerAuth)
	_, err = mqtt.New(mqtt.Options{Addr: "127.0.0.1:0", Devices: newDevices(),
		Handler: handlerFunc(func(context.Context, *groundtruth.Device, string, []byte) error { return nil }),
		TLS:     &mqtt.TLSOptions{Addr: addr, Certificate: server}})
	if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "TLS") {
		t.Fatalf("New with the TLS port %s taken = %v, want an error naming the address", addr, err)
	}
}

// TestCertificateIndex: changes observed override the store scan, in either order; the
// answer is always re-read from the store; a certificate of two devices names neither.
func TestCertificateIndex(t *testing.T) {
	ctx := context.Background()
	fa, fb, fc := groundtruth.CertFingerprint([]byte("a")), groundtruth.CertFingerprint([]byte("b")), groundtruth.CertFingerprint([]byte("c"))
	st := &memStore{}
	st.put(device("t1", "d1", fa))
	st.put(device("t1", "d2", fb))
	st.put(device("t1", "plain", ""))
	idx := mqtt.NewCertificateIndex()
	if _, err := idx.DeviceByCertificate(ctx, fa); groundtruth.ErrorCode(err) != groundtruth.EUNAVAILABLE {
		t.Errorf("before Load: %v, want unavailable", err)
	}
	// Projected before the scan: d2 replaced b by c; the scan's stale b must not return.
	st.put(device("t1", "d2", fc))
	idx.Observe([]groundtruth.Device{device("t1", "d2", fc)})
	if err := idx.Load(ctx, stale{st, map[string]string{"t1/d2": fb}}); err != nil {
		t.Fatal(err)
	}
	lookup := func(fp string) (string, string) {
		d, err := idx.DeviceByCertificate(ctx, fp)
		if err != nil {
			return "", groundtruth.ErrorCode(err)
		}
		return d.TenantID + "/" + d.ID, ""
	}
	for _, c := range []struct{ fp, dev, code string }{
		{fa, "t1/d1", ""}, {fc, "t1/d2", ""}, {fb, "", groundtruth.ENOTFOUND},
		{groundtruth.CertFingerprint([]byte("nobody")), "", groundtruth.ENOTFOUND},
	} {
		if dev, code := lookup(c.fp); dev != c.dev || code != c.code {
			t.Errorf("DeviceByCertificate(%s…) = %q %q, want %q %q", c.fp[:8], dev, code, c.dev, c.code)
		}
	}
	// A device of another tenant registers a's certificate: nobody is identified by it.
	st.put(device("t2", "x", fa))
	idx.Observe([]groundtruth.Device{device("t2", "x", fa)})
	if _, err := idx.DeviceByCertificate(ctx, fa); groundtruth.ErrorCode(err) != groundtruth.ECONFLICT ||
		!strings.Contains(err.Error(), "t1/d1, t2/x") {
		t.Errorf("certificate of two devices: %v, want a conflict naming both", err)
	}
	// The store is the authority: an index entry the store contradicts identifies nobody.
	st.put(device("t1", "d2", fa))
	if dev, code := lookup(fc); code != groundtruth.ENOTFOUND {
		t.Errorf("stale index entry: %q %q, want not found", dev, code)
	}
}

// stale serves the device list of an older state (a scan racing with the projection)
// while Device reads the current one.
type stale struct {
	*memStore
	old map[string]string // tenant/id -> fingerprint the scan sees
}

func (s stale) Devices(ctx context.Context, tenant string, o groundtruth.ListOptions) ([]groundtruth.Device, error) {
	ds, err := s.memStore.Devices(ctx, tenant, o)
	for i := range ds {
		if fp, ok := s.old[tenant+"/"+ds[i].ID]; ok {
			ds[i].CertSHA256 = fp
		}
	}
	return ds, err
}
