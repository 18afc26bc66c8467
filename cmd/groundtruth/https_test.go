package main_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestServeHTTPS: with --http-tls-cert and --http-tls-key the API answers HTTPS with that
// certificate, a plain HTTP request gets 400, and a command run with the same
// GT_HTTP_TLS_CERT reaches the server through it.
func TestServeHTTPS(t *testing.T) {
	certFile, keyFile, certPEM := writeCert(t, t.TempDir(), "groundtruth-https", x509.ExtKeyUsageServerAuth)
	data := t.TempDir()
	s := startServer(t, data, "--http-tls-cert", certFile, "--http-tls-key", keyFile)
	if !strings.HasPrefix(s.base, "https://") {
		t.Fatalf("serve printed %s, want an https address", s.base)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(certPEM))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(s.base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /healthz over HTTPS: %v %v", resp, err)
	}
	resp.Body.Close()
	if _, err := http.Get(s.base + "/healthz"); err == nil {
		t.Error("a client that does not trust the certificate was served")
	}
	plain := "http://" + strings.TrimPrefix(s.base, "https://")
	if resp, err := http.Get(plain + "/healthz"); err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("plain HTTP: %d %s, want 400", resp.StatusCode, body)
		}
	}
	cmd := exec.Command(binary, "tenant", "create", "--data", data, "--id", "tlsbank", "TLS Bank")
	cmd.Env = append(os.Environ(), "GT_HTTP_TLS_CERT="+certFile, "GT_HTTP_TLS_KEY="+keyFile)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), `tenant "tlsbank"`) {
		t.Errorf("tenant create through the HTTPS server: %v\n%s", err, out)
	}
}
