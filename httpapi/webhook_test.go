package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
)

// addDelivery records a pending delivery of a tenant's action, as the dispatcher does,
// with lastError as the outcome of a first attempt.
func addDelivery(t *testing.T, h *harness, tenant, actionID, lastError string) gt.WebhookDelivery {
	t.Helper()
	ctx := context.Background()
	a, err := h.store.Action(ctx, tenant, actionID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 4, 20, 6, 45, 12, 345678000, time.UTC)
	d := gt.NewWebhookDelivery(a, now)
	d.Attempts, d.LastStatusCode, d.LastError, d.LastAttemptAt, d.NextAttemptAt = 1, 500, lastError, now, now.Add(time.Second)
	if _, err := h.store.(gt.WebhookStore).AddDeliveries(ctx, []gt.WebhookDelivery{d}); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestWebhookConfig checks PUT and GET /api/v1/webhook: admin only, validated, the secret
// in the answer to PUT and never in GET.
func TestWebhookConfig(t *testing.T) {
	h := newHarness(t)
	admin := h.tenant("bank-a")
	adminB := h.tenant("bank-b")

	h.must(404, "GET", "/api/v1/webhook", admin, nil)
	r := h.must(200, "PUT", "/api/v1/webhook", admin, map[string]any{"url": "https://core.bank-a.example/groundtruth?v=1"})
	m := r.json(t)
	secret, _ := m["secret"].(string)
	if secret != gt.WebhookSecret(webhookKey, "bank-a") || !strings.HasPrefix(secret, "gtw_") || len(secret) != 4+43 {
		t.Errorf("PUT answered secret %q, want the one derived for bank-a", secret)
	}
	w := m["webhook"].(map[string]any)
	if w["url"] != "https://core.bank-a.example/groundtruth?v=1" || w["disabled"] != false || w["seq"].(float64) == 0 {
		t.Errorf("PUT answered webhook %v", w)
	}
	got := h.must(200, "GET", "/api/v1/webhook", admin, nil)
	if strings.Contains(string(got.body), secret) || strings.Contains(string(got.body), "secret") {
		t.Errorf("GET /webhook shows the secret: %s", got.body)
	}
	if g := got.json(t); g["url"] != w["url"] || g["seq"] != w["seq"] {
		t.Errorf("GET /webhook = %v, want %v", g, w)
	}

	// Rotating the secret: a new one, answered once, then kept by a PUT without rotation.
	rot := h.must(200, "PUT", "/api/v1/webhook", admin, map[string]any{"url": "https://core.bank-a.example/groundtruth?v=1", "rotate_secret": true}).json(t)
	if s2, _ := rot["secret"].(string); s2 == secret || s2 != gt.WebhookSecretGen(webhookKey, "bank-a", 1) || rot["webhook"].(map[string]any)["generation"] != 1.0 {
		t.Errorf("rotation answered %v, want generation 1 and a new secret", rot)
	}
	if k := h.must(200, "PUT", "/api/v1/webhook", admin, map[string]any{"url": "https://core.bank-a.example/groundtruth?v=2"}).json(t); k["secret"] != gt.WebhookSecretGen(webhookKey, "bank-a", 1) {
		t.Errorf("a PUT without rotation answered secret %v, want the rotated one kept", k["secret"])
	}

	// Disabling keeps the URL; another tenant has its own configuration and secret.
	h.must(200, "PUT", "/api/v1/webhook", admin, map[string]any{"url": "http://127.0.0.1:9000/hook", "disabled": true})
	if g := h.must(200, "GET", "/api/v1/webhook", admin, nil).json(t); g["disabled"] != true || g["url"] != "http://127.0.0.1:9000/hook" {
		t.Errorf("GET /webhook after disabling = %v", g)
	}
	h.must(404, "GET", "/api/v1/webhook", adminB, nil)
	if mb := h.must(200, "PUT", "/api/v1/webhook", adminB, map[string]any{"url": "https://b.example/"}).json(t); mb["secret"] == secret {
		t.Error("two tenants got the same secret")
	}

	// Admin only.
	for _, role := range []string{"risk_officer", "analyst", "inspector", "auditor", "device"} {
		key, _ := h.key(admin, role)
		h.must(403, "GET", "/api/v1/webhook", key, nil)
		h.must(403, "PUT", "/api/v1/webhook", key, map[string]any{"url": "https://evil.example/"})
	}
	if g := h.must(200, "GET", "/api/v1/webhook", admin, nil).json(t); g["url"] != "http://127.0.0.1:9000/hook" {
		t.Errorf("a refused PUT changed the webhook: %v", g)
	}

	// Refused URLs name the field.
	for _, u := range []string{"http://bank.example/hook", "ftp://bank.example/", "https://user:pw@bank.example/",
		"https://bank.example/#x", "/relative", "https://" + strings.Repeat("a", 2000) + ".example/"} {
		r := h.do("PUT", "/api/v1/webhook", admin, map[string]any{"url": u})
		if loc, _ := r.problem(t); r.status != 422 || loc != "body.url" {
			t.Errorf("PUT /webhook %q = %d at %q, want 422 at body.url (%s)", u, r.status, loc, r.body)
		}
	}
}

// TestActionDeliveries checks GET /api/v1/actions/{id}/deliveries: for readers, the
// deliveries of the tenant's own action, 404 for an unknown one or another tenant's.
func TestActionDeliveries(t *testing.T) {
	h := newHarness(t)
	admin := h.tenant("bank-a")
	adminB := h.tenant("bank-b")
	h.seed(admin, "A")
	h.project(riskRows("bank-a", "A"))
	h.must(200, "GET", "/api/v1/actions/action-1/deliveries", admin, nil)
	if items := h.must(200, "GET", "/api/v1/actions/action-1/deliveries", admin, nil).json(t)["items"].([]any); len(items) != 0 {
		t.Errorf("deliveries before any = %v, want none", items)
	}
	d := addDelivery(t, h, "bank-a", "action-1", "HTTP 500 Internal Server Error")
	auditor, _ := h.key(admin, "auditor")
	items := h.must(200, "GET", "/api/v1/actions/action-1/deliveries", auditor, nil).json(t)["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("deliveries = %v, want one", items)
	}
	it := items[0].(map[string]any)
	if it["id"] != d.ID || it["idempotency_key"] != "action-1:open" || it["status"] != "pending" || it["attempts"] != 1.0 ||
		it["last_status_code"] != 500.0 || it["last_error"] != "HTTP 500 Internal Server Error" || it["next_attempt_at"] == nil {
		t.Errorf("delivery = %v", it)
	}
	h.must(404, "GET", "/api/v1/actions/nope/deliveries", admin, nil)
	h.must(404, "GET", "/api/v1/actions/action-1/deliveries", adminB, nil)
	device, _ := h.key(admin, "device")
	h.must(403, "GET", "/api/v1/actions/action-1/deliveries", device, nil)
}
