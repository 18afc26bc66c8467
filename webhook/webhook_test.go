package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/webhook"
)

// verifySignature is the Go snippet of docs/webhooks.md, copied verbatim
// (TestDocsSnippet keeps them equal).
func verifySignature(secret, header string, body []byte, now time.Time) bool {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false // no time, or too old: a replay
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, s := range sigs {
		if got, err := hex.DecodeString(s); err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// TestDeliverSigned checks one delivery end to end: headers, body, and a signature that
// the documented snippet accepts with the tenant's secret and refuses with another key.
func TestDeliverSigned(t *testing.T) {
	e := newEnv(t, "bank-a")
	rc := newReceiver(t, status(http.StatusNoContent))
	e.webhook("bank-a", rc.URL+"/hooks/groundtruth", false)
	d, _ := e.start(e.options())
	d.Observe(e.actions(action("bank-a", "act-1", gt.ActionOpen)))

	ds := e.settled("bank-a", "act-1", 1)
	if got := ds[0]; got.Status != gt.DeliveryDelivered || got.Attempts != 1 || got.LastStatusCode != 204 ||
		got.DeliveredAt.IsZero() || !got.NextAttemptAt.IsZero() || got.LastError != "" {
		t.Errorf("delivery = %+v, want delivered at the first attempt with 204", got)
	}
	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if k := r.header.Get("Idempotency-Key"); k != "act-1:open" {
		t.Errorf("Idempotency-Key = %q, want act-1:open", k)
	}
	var p webhook.Payload
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("decode body %s: %v", r.body, err)
	}
	want := action("bank-a", "act-1", gt.ActionOpen)
	want.TenantID, want.Seq = "", 3
	if p.ID != ds[0].ID || p.IdempotencyKey != "act-1:open" || p.Tenant != "bank-a" || p.Action.ID != "act-1" ||
		p.Action.State != gt.ActionOpen || p.Action.Seq != want.Seq || !p.Action.CureBy.Equal(want.CureBy) {
		t.Errorf("payload = %+v, want id %s, key act-1:open, tenant bank-a and action %+v", p, ds[0].ID, want)
	}

	sig := r.header.Get("Groundtruth-Signature")
	secret := gt.WebhookSecret(serverKey, "bank-a")
	if !verifySignature(secret, sig, r.body, time.Now()) {
		t.Errorf("documented snippet refuses signature %q with the tenant's secret", sig)
	}
	if err := webhook.Verify(secret, sig, r.body, time.Now(), 5*time.Minute); err != nil {
		t.Errorf("Verify = %v, want nil", err)
	}
	otherKey := []byte(strings.Repeat("k", 32))
	for what, s := range map[string]string{
		"another server key":            gt.WebhookSecret(otherKey, "bank-a"),
		"another tenant":                gt.WebhookSecret(serverKey, "bank-b"),
		"the secret without its prefix": strings.TrimPrefix(secret, "gtw_"),
	} {
		if verifySignature(s, sig, r.body, time.Now()) {
			t.Errorf("documented snippet accepts the signature with the secret of %s", what)
		}
	}
	if verifySignature(secret, sig, append(r.body, ' '), time.Now()) {
		t.Error("documented snippet accepts a changed body")
	}
	if verifySignature(secret, sig, r.body, time.Now().Add(time.Hour)) {
		t.Error("documented snippet accepts a signature an hour old")
	}
}

// TestSign checks the header format against an HMAC computed here.
func TestSign(t *testing.T) {
	at := time.Unix(1776667512, 0)
	body := []byte(`{"id":"whd_1"}`)
	m := hmac.New(sha256.New, []byte("gtw_secret"))
	m.Write([]byte("1776667512." + string(body)))
	want := "t=1776667512,v1=" + hex.EncodeToString(m.Sum(nil))
	if got := webhook.Sign("gtw_secret", at, body); got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
	for _, tc := range []struct {
		header string
		now    time.Time
		want   error
	}{
		{want, at, nil},
		{"v1=00," + want, at.Add(4 * time.Minute), nil},
		{want, at.Add(6 * time.Minute), webhook.ErrTooOld},
		{"t=1776667512,v1=" + strings.Repeat("0", 64), at, webhook.ErrBadSignature},
		{"t=1776667512", at, webhook.ErrNoSignature},
		{"", at, webhook.ErrNoSignature},
	} {
		if err := webhook.Verify("gtw_secret", tc.header, body, tc.now, 5*time.Minute); err != tc.want {
			t.Errorf("Verify(%q) = %v, want %v", tc.header, err, tc.want)
		}
	}
}

// docSnippet returns the code block of docs/webhooks.md after the marker
// "<!-- snippet: name -->".
func docSnippet(t *testing.T, name, lang string) string {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "docs", "webhooks.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "<!-- snippet: "+name+" -->")
	_, rest, ok2 := strings.Cut(rest, "```"+lang+"\n")
	code, _, ok3 := strings.Cut(rest, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatalf("docs/webhooks.md has no ```%s block after <!-- snippet: %s -->", lang, name)
	}
	return code
}

// TestDocsSnippet checks that the Go verification snippet of docs/webhooks.md is the
// function verifySignature that the tests run.
func TestDocsSnippet(t *testing.T) {
	code := docSnippet(t, "go", "go")
	_, fn, _ := strings.Cut(code, "func verifySignature")
	src, err := os.ReadFile("webhook_test.go")
	if err != nil {
		t.Fatal(err)
	}
	if fn == "" || !strings.Contains(string(src), "func verifySignature"+fn) {
		t.Errorf("the snippet of docs/webhooks.md differs from verifySignature of webhook_test.go:\n%s", code)
	}
}

// TestDocsPythonSnippet runs the Python snippet of docs/webhooks.md on a signed body.
func TestDocsPythonSnippet(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	code := docSnippet(t, "python", "python")
	body := []byte(`{"id":"whd_1","action":{"summary":"Restore — 补仓"}}`)
	secret := gt.WebhookSecret(serverKey, "bank-a")
	good := webhook.Sign(secret, time.Now(), body)
	old := webhook.Sign(secret, time.Now().Add(-time.Hour), body)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "body"), body, 0o600); err != nil {
		t.Fatal(err)
	}
	script := code + `
import sys
body = open(sys.argv[1], "rb").read()
print(verify_signature(sys.argv[2], sys.argv[3], body))
`
	for _, tc := range []struct {
		secret, header, want string
	}{
		{secret, good, "True"},
		{gt.WebhookSecret(serverKey, "bank-b"), good, "False"},
		{secret, old, "False"},
		{secret, "garbage", "False"},
	} {
		out, err := exec.Command(py, "-c", script, filepath.Join(dir, "body"), tc.secret, tc.header).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != tc.want {
			t.Errorf("python verify_signature(%q) = %s, %v; want %s", tc.header, out, err, tc.want)
		}
	}
}

// TestRotatedSecretSigns: after a rotation (generation 1) deliveries are signed with the
// new secret, which the previous one does not verify.
func TestRotatedSecretSigns(t *testing.T) {
	e := newEnv(t, "bank-a")
	rc := newReceiver(t, status(http.StatusNoContent))
	e.apply(&gt.Changes{Webhooks: []gt.WebhookConfig{{TenantID: "bank-a", URL: rc.URL + "/hooks", Generation: 1}}})
	d, _ := e.start(e.options())
	d.Observe(e.actions(action("bank-a", "act-1", gt.ActionOpen)))
	e.settled("bank-a", "act-1", 1)
	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("receiver got %d requests", len(reqs))
	}
	sig := reqs[0].header.Get(webhook.SignatureHeader)
	if !verifySignature(gt.WebhookSecretGen(serverKey, "bank-a", 1), sig, reqs[0].body, time.Now()) {
		t.Error("the delivery does not verify with the rotated secret")
	}
	if verifySignature(gt.WebhookSecret(serverKey, "bank-a"), sig, reqs[0].body, time.Now()) {
		t.Error("the delivery still verifies with the secret before the rotation")
	}
}
