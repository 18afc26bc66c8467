package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	gt "groundtruth"
	"groundtruth/httpapi"
)

type tenantCmd struct {
	Create tenantCreateCmd `cmd:"" help:"Create a tenant and print its first admin API key (once)."`
}

type tenantCreateCmd struct {
	Name string `arg:"" help:"The lender's name, e.g. \"Acme Bank\"."`
	ID   string `help:"Tenant id (default: derived from the name)." placeholder:"ID"`
}

// Run creates the tenant directly in the data directory, or, when a server holds it,
// through the server's operator route with a one-time token written into the directory.
func (c *tenantCreateCmd) Run(e *env) error {
	var (
		t      *gt.Tenant
		secret string
	)
	err := withDataDir(e, func(sys *system) error {
		var err error
		t, secret, err = sys.node.CreateTenant(e.ctx, c.ID, c.Name)
		return err
	}, func(base string) error {
		tok, err := newOperatorToken(e.cfg.Data)
		if err != nil {
			return err
		}
		var out httpapi.TenantCreated
		if err := callAPI(e, http.MethodPost, base+"/api/v1/tenants", tok, httpapi.TenantCreateRequest{ID: c.ID, Name: c.Name}, &out); err != nil {
			return err
		}
		t, secret = &out.Tenant, out.AdminKey
		return nil
	})
	if err != nil {
		return fmt.Errorf("create tenant: %s", describe(err))
	}
	fmt.Fprintf(e.stdout, "tenant %q (%s) created\nadmin API key, shown once, keep it safe:\n%s\n", t.ID, t.Name, secret)
	return nil
}

// withDataDir runs local with the system opened on the data directory when no server
// holds it, and remote with the running server's base URL otherwise.
func withDataDir(e *env, local func(*system) error, remote func(base string) error) error {
	dd, err := lockDataDir(e.cfg.Data)
	if errors.Is(err, errDataDirBusy) {
		si, err := readServerInfo(e.cfg.Data)
		if err != nil {
			return err
		}
		return remote(si.HTTP)
	}
	if err != nil {
		return err
	}
	defer dd.Close()
	log := newLogger(e)
	sys, err := openSystem(e, log, nil, true)
	if err != nil {
		return err
	}
	err = local(sys)
	if cerr := sys.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// callAPI sends a JSON request with a bearer token and decodes the JSON answer, turning
// a problem+json answer into an error with its detail.
func callAPI(e *env, method, url, token string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(e.ctx, method, url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := apiClient(e).Do(req)
	if err != nil {
		return fmt.Errorf("reach the running server: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode >= 300 {
		var p struct {
			Detail string `json:"detail"`
			Errors []struct {
				Location string `json:"location"`
				Message  string `json:"message"`
			} `json:"errors"`
		}
		if json.Unmarshal(b, &p) == nil && p.Detail != "" {
			// Keep the field of a body error so the caller can map it (to a CSV line).
			if len(p.Errors) > 0 && strings.HasPrefix(p.Errors[0].Location, "body.") {
				return &gt.Error{Code: gt.EINVALID, Field: strings.TrimPrefix(p.Errors[0].Location, "body."), Message: p.Errors[0].Message}
			}
			return fmt.Errorf("%s", p.Detail)
		}
		return fmt.Errorf("server answered %s", resp.Status)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// apiClient is the client of commands that call a running server; with HTTPS configured
// (http_tls_cert) it also trusts that certificate, so that a server with a certificate
// of its own (self-signed, or of the bank's CA) is reached without further setup.
func apiClient(e *env) *http.Client {
	c := &http.Client{Timeout: 5 * time.Minute}
	if e.cfg.HTTPTLSCert == "" {
		return c
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if pem, err := os.ReadFile(e.cfg.HTTPTLSCert); err == nil {
		pool.AppendCertsFromPEM(pem)
	}
	c.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	return c
}
