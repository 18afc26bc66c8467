package main_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCert makes a self-signed leaf certificate for cn with the given extended key usage
// and writes it and its key as PEM files in dir; it returns the two paths and the
// certificate's PEM. Nothing is committed: every run makes new keys.
func writeCert(t *testing.T, dir, cn string, usage x509.ExtKeyUsage) (certFile, keyFile, certPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, BasicConstraintsValid: true,
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	certFile, keyFile = filepath.Join(dir, cn+".pem"), filepath.Join(dir, cn+".key")
	if err := os.WriteFile(certFile, []byte(certPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, certPEM
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// putCertificate registers a device's certificate with a raw PEM body.
func putCertificate(t *testing.T, s *server, key, device, certPEM string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", s.base+"/api/v1/devices/"+device+"/certificate", strings.NewReader(certPEM))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/x-pem-file")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMosquittoPubWithClientCertificates: Debian's mosquitto_pub (OpenSSL) publishes to
// the embedded broker's TLS listener with a device certificate registered through the
// API and no password; an unregistered certificate is refused with 0x86, a device's
// certificate cannot publish to another device's topic (0x87), a token still signs in
// over TLS, and the registration survives a kill -9 and restart.
func TestMosquittoPubWithClientCertificates(t *testing.T) {
	pubBin := requireTool(t, "mosquitto_pub")
	data, pki := t.TempDir(), t.TempDir()
	srvCert, srvKey, _ := writeCert(t, pki, "broker", x509.ExtKeyUsageServerAuth)
	cert1, key1, pem1 := writeCert(t, pki, "cell-1", x509.ExtKeyUsageClientAuth)
	strangerCert, strangerKey, _ := writeCert(t, pki, "stranger", x509.ExtKeyUsageClientAuth)

	tlsAddr := freeAddr(t)
	s := startServer(t, data, "--mqtt-tls", tlsAddr, "--mqtt-tls-cert", srvCert, "--mqtt-tls-key", srvKey)
	f := newFleet(t, s, data)
	if code, body := putCertificate(t, s, f.key, "cell-1", pem1); code != 200 || !strings.Contains(body, `"cert_sha256":"`) {
		t.Fatalf("register cell-1's certificate: %d %s", code, body)
	}

	up := func(dev string) string { return "gt/v1/acme/" + dev + "/up" }
	pub := func(addr string, extra []string, topic, msg string) string {
		t.Helper()
		host, port, _ := net.SplitHostPort(addr)
		args := append([]string{"-h", host, "-p", port, "-V", "mqttv5", "-q", "1", "-d", "--cafile", srvCert, "-t", topic, "-m", msg}, extra...)
		out, _ := exec.Command(pubBin, args...).CombinedOutput()
		return string(out)
	}
	withCert := func(cert, key string) []string { return []string{"--cert", cert, "--key", key} }

	if out := pub(tlsAddr, withCert(cert1, key1), up("cell-1"), senmlNow(1400.5)); !strings.Contains(out, "received PUBACK (Mid: 1, RC:0)") {
		t.Fatalf("registered certificate, no password:\n%s", out)
	}
	if out := pub(tlsAddr, withCert(strangerCert, strangerKey), up("cell-1"), senmlNow(1)); !strings.Contains(out, "Bad User Name or Password") {
		t.Errorf("unregistered certificate, no password:\n%s", out)
	}
	if out := pub(tlsAddr, withCert(cert1, key1), up("cell-2"), senmlNow(1)); !strings.Contains(out, "RC:135") {
		t.Errorf("cell-1's certificate publishing to cell-2's topic:\n%s", out)
	}
	if out := pub(tlsAddr, append(withCert(cert1, key1), "-u", "cell-2"), up("cell-2"), senmlNow(1)); !strings.Contains(out, "Bad User Name or Password") {
		t.Errorf("cell-1's certificate with username cell-2:\n%s", out)
	}
	if out := pub(tlsAddr, []string{"-u", "cell-2", "-P", f.tokens["cell-2"]}, up("cell-2"), senmlNow(900)); !strings.Contains(out, "RC:0") {
		t.Errorf("token over TLS:\n%s", out)
	}
	h1 := f.health(t, "cell-1", func(m map[string]any) bool { return m["packs"] == 1.0 })
	if mass, _ := h1["last"].(map[string]any)["mass"].(map[string]any); mass["v"] != 1400.5 {
		t.Errorf("cell-1 health after its certificate publish: %v", h1)
	}
	f.health(t, "cell-2", func(m map[string]any) bool { return m["packs"] == 1.0 })

	// The registration is in the journal and the store: a restarted server knows it.
	s.cmd.Process.Kill()
	s.cmd.Wait()
	tlsAddr = freeAddr(t)
	s2 := startServer(t, data, "--mqtt-tls", tlsAddr, "--mqtt-tls-cert", srvCert, "--mqtt-tls-key", srvKey)
	f.s = s2
	if out := pub(tlsAddr, withCert(cert1, key1), up("cell-1"), senmlNow(1401)); !strings.Contains(out, "RC:0") {
		t.Fatalf("registered certificate after a restart:\n%s", out)
	}
	f.health(t, "cell-1", func(m map[string]any) bool { return m["packs"] == 2.0 })
}

// TestMQTTTLSStartupErrors: the TLS listener names its flag when its port is taken, and
// needs the broker's certificate and key.
func TestMQTTTLSStartupErrors(t *testing.T) {
	pki := t.TempDir()
	srvCert, srvKey, _ := writeCert(t, pki, "broker", x509.ExtKeyUsageServerAuth)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().String()
	for _, c := range []struct {
		name string
		args []string
		want []string
		code int
	}{
		{"port taken", []string{"--mqtt-tls", taken, "--mqtt-tls-cert", srvCert, "--mqtt-tls-key", srvKey}, []string{taken, "--mqtt-tls"}, 1},
		{"no key", []string{"--mqtt-tls", "127.0.0.1:0", "--mqtt-tls-cert", srvCert}, []string{"--mqtt-tls-key"}, 2},
		{"key file missing", []string{"--mqtt-tls", "127.0.0.1:0", "--mqtt-tls-cert", srvCert, "--mqtt-tls-key", filepath.Join(pki, "nope")}, []string{"mqtt-tls-key", "nope"}, 1},
	} {
		args := append([]string{"serve", "--data", t.TempDir(), "--http", "127.0.0.1:0", "--mqtt", "127.0.0.1:0"}, c.args...)
		cmd := exec.Command(binary, args...)
		cmd.Env = append(os.Environ(), "GT_LOG_LEVEL=warn")
		out, err := cmd.CombinedOutput()
		ee, _ := err.(*exec.ExitError)
		if ee == nil || ee.ExitCode() != c.code {
			t.Errorf("%s: exit %v, want status %d\n%s", c.name, err, c.code, out)
		}
		for _, w := range c.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("%s: output does not name %q:\n%s", c.name, w, out)
			}
		}
	}
}
