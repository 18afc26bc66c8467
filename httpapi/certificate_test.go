package httpapi_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
)

// certPEM returns a self-signed certificate in PEM and its DER, made by edit of a leaf
// template valid for a day around now with the clientAuth usage.
func certPEM(t *testing.T, edit func(*x509.Certificate)) (string, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cell-1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true}
	var pub any = &key.PublicKey
	if edit != nil {
		edit(tmpl)
	}
	if tmpl.SignatureAlgorithm == x509.SHA256WithRSA { // marker for a small RSA key
		rk, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			t.Fatal(err)
		}
		pub = &rk.PublicKey
		tmpl.SignatureAlgorithm = 0
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), der
}

// putPEM sends a raw PEM body.
func putPEM(t *testing.T, h *harness, path, key, body string) response {
	t.Helper()
	req, _ := http.NewRequest("PUT", h.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/x-pem-file")
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func TestDeviceCertificateRegistration(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("bank-a")
	h.seed(key, "A")
	const path = "/api/v1/devices/cell-1/certificate"

	good, der := certPEM(t, nil)
	r := putPEM(t, h, path, key, good)
	if r.status != 200 || r.json(t)["cert_sha256"] != gt.CertFingerprint(der) {
		t.Fatalf("PUT PEM = %d %s, want 200 with cert_sha256 %s", r.status, r.body, gt.CertFingerprint(der))
	}
	// The JSON form replaces it; a record update keeps it.
	other, der2 := certPEM(t, nil)
	if got := h.must(200, "PUT", path, key, map[string]any{"certificate": other}).json(t)["cert_sha256"]; got != gt.CertFingerprint(der2) {
		t.Errorf("PUT JSON: cert_sha256 = %v, want %s", got, gt.CertFingerprint(der2))
	}
	dev := h.must(200, "GET", "/api/v1/devices/cell-1", key, nil).json(t)
	delete(dev, "cert_sha256")
	delete(dev, "id")
	h.must(200, "PUT", "/api/v1/devices/cell-1", key, dev)
	if got := h.must(200, "GET", "/api/v1/devices/cell-1", key, nil).json(t)["cert_sha256"]; got != gt.CertFingerprint(der2) {
		t.Errorf("after a device update: cert_sha256 = %v, want it kept", got)
	}
	if strings.Contains(string(h.must(200, "GET", "/api/v1/devices/cell-1", key, nil).body), "BEGIN CERTIFICATE") {
		t.Errorf("the device record holds the certificate itself")
	}

	caCert, _ := certPEM(t, func(c *x509.Certificate) { c.IsCA = true; c.KeyUsage |= x509.KeyUsageCertSign })
	expired, _ := certPEM(t, func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour)
	})
	future, _ := certPEM(t, func(c *x509.Certificate) { c.NotBefore = time.Now().Add(time.Hour) })
	serverOnly, _ := certPEM(t, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} })
	smallRSA, _ := certPEM(t, func(c *x509.Certificate) { c.SignatureAlgorithm = x509.SHA256WithRSA })
	keyPEM := "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----\n"
	garbled := strings.Replace(good, "\n", "\nAAAA", 3)
	for _, c := range []struct{ name, body, detail string }{
		{"not PEM", "hello", "not a PEM-encoded certificate"},
		{"garbled", garbled, "cannot be parsed"},
		{"CA certificate", caCert, "CA certificate"},
		{"expired", expired, "expired at"},
		{"not yet valid", future, "not valid before"},
		{"server-only usage", serverOnly, "clientAuth"},
		{"1024-bit RSA", smallRSA, "1024-bit RSA"},
		{"chain", good + other, "more than one PEM block"},
		{"with its private key", good + keyPEM, "private key"},
		{"private key only", keyPEM, "private key"},
	} {
		r := putPEM(t, h, path, key, c.body)
		loc, detail := r.problem(t)
		if r.status != 422 || loc != "body.certificate" || !strings.Contains(detail, c.detail) {
			t.Errorf("%s: %d at %q %q, want 422 at body.certificate saying %q", c.name, r.status, loc, detail, c.detail)
		}
		if strings.Contains(string(r.body), "PRIVATE KEY") || strings.Contains(string(r.body), strings.Split(good, "\n")[1]) {
			t.Errorf("%s: the answer echoes the PEM: %s", c.name, r.body)
		}
	}
	r = h.do("PUT", path, key, `{"certificate":`)
	if loc, _ := r.problem(t); r.status != 422 || loc != "body.certificate" {
		t.Errorf("broken JSON: %d at %q, want 422 at body.certificate", r.status, loc)
	}
	if r := putPEM(t, h, "/api/v1/devices/nope/certificate", key, good); r.status != 404 {
		t.Errorf("unknown device: %d, want 404", r.status)
	}
	analyst, _ := h.key(key, "analyst")
	if r := putPEM(t, h, path, analyst, good); r.status != 403 {
		t.Errorf("analyst: %d, want 403", r.status)
	}
	other2 := h.tenant("bank-b")
	if r := putPEM(t, h, path, other2, good); r.status != 404 {
		t.Errorf("another tenant's device: %d, want 404", r.status)
	}

	doc := h.must(200, "GET", "/api/v1/openapi.json", "", nil).json(t)
	op, _ := doc["paths"].(map[string]any)["/api/v1/devices/{id}/certificate"].(map[string]any)["put"].(map[string]any)
	content, _ := op["requestBody"].(map[string]any)["content"].(map[string]any)
	if _, ok := content["application/x-pem-file"]; !ok {
		t.Errorf("OpenAPI request body of the certificate route: %v, want application/x-pem-file", content)
	}
}
