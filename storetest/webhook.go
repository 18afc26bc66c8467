package storetest

import (
	"context"
	"testing"
	"time"

	gt "groundtruth"
)

// webhookStore returns s as a WebhookStore, failing the test when it is not one.
func webhookStore(t *testing.T, s gt.Store) gt.WebhookStore {
	t.Helper()
	ws, ok := s.(gt.WebhookStore)
	if !ok {
		t.Fatalf("%T does not implement groundtruth.WebhookStore", s)
	}
	return ws
}

// webhookOf returns a webhook configuration of tenant changed at seq, its time in loc.
func webhookOf(tenant, url string, disabled bool, seq uint64, loc *time.Location) gt.WebhookConfig {
	return gt.WebhookConfig{TenantID: tenant, URL: url, Disabled: disabled, Seq: seq,
		UpdatedAt: riskAt.Add(time.Duration(seq) * time.Second).In(loc)}
}

// utcWebhook returns w with its time in UTC, as a store reads it back.
func utcWebhook(w gt.WebhookConfig) gt.WebhookConfig {
	w.UpdatedAt = w.UpdatedAt.UTC()
	return w
}

func testWebhookConfig(t *testing.T, s gt.Store) {
	ctx := context.Background()
	ws := webhookStore(t, s)
	seedTenants(t, s, 1, tenantA, tenantB)
	notFound(t, "Webhook(A) before any", func() (*gt.WebhookConfig, error) { return ws.Webhook(ctx, tenantA) })
	all, err := ws.Webhooks(ctx)
	equal(t, "Webhooks() before any", all, []gt.WebhookConfig{})
	if err != nil {
		t.Fatalf("Webhooks() = %v", err)
	}

	loc := time.FixedZone("UTC+8", 8*3600)
	a1 := webhookOf(tenantA, "https://bank-a.example/hooks/groundtruth?v=1", false, 2, loc)
	apply(t, s, &gt.Changes{Seq: 2, Webhooks: []gt.WebhookConfig{a1}})
	get(t, "Webhook(A)", func() (*gt.WebhookConfig, error) { return ws.Webhook(ctx, tenantA) }, ptr(utcWebhook(a1)))
	notFound(t, "Webhook(B)", func() (*gt.WebhookConfig, error) { return ws.Webhook(ctx, tenantB) })

	// Two changes of one tenant in one batch: the last is kept.
	a2 := webhookOf(tenantA, "https://bank-a.example/hooks/v2", false, 3, loc)
	a3 := webhookOf(tenantA, "https://bank-a.example/hooks/v2", true, 4, loc)
	b1 := webhookOf(tenantB, "http://127.0.0.1:9000/hook", false, 4, time.UTC)
	apply(t, s, &gt.Changes{Seq: 4, Webhooks: []gt.WebhookConfig{a2, b1, a3}})
	get(t, "Webhook(A) replaced", func() (*gt.WebhookConfig, error) { return ws.Webhook(ctx, tenantA) }, ptr(utcWebhook(a3)))
	get(t, "Webhook(B)", func() (*gt.WebhookConfig, error) { return ws.Webhook(ctx, tenantB) }, ptr(b1))
	all, err = ws.Webhooks(ctx)
	if err != nil {
		t.Fatalf("Webhooks() = %v", err)
	}
	equal(t, "Webhooks()", all, []gt.WebhookConfig{utcWebhook(a3), b1})

	// A webhook of an unknown tenant is refused with the rest of its changes.
	bad := &gt.Changes{Seq: 5, Webhooks: []gt.WebhookConfig{webhookOf(tenantA, "https://x.example/", false, 5, time.UTC),
		webhookOf("no-such-tenant", "https://x.example/", false, 5, time.UTC)}}
	if err := s.ApplyChanges(ctx, bad); err == nil {
		t.Fatal("ApplyChanges(webhook of an unknown tenant) = nil, want an error")
	}
	get(t, "Webhook(A) after a refused change", func() (*gt.WebhookConfig, error) { return ws.Webhook(ctx, tenantA) }, ptr(utcWebhook(a3)))
	if seq := projected(t, s); seq != 4 {
		t.Errorf("ProjectedSeq after a refused change = %d, want 4", seq)
	}
}

// deliveryOf returns a delivery of action id of tenant in state, created at offset
// created from riskAt and due at offset due, its times in loc and whole microseconds.
func deliveryOf(tenant, id, state string, created, due time.Duration, loc *time.Location) gt.WebhookDelivery {
	a := gt.Action{ID: id, TenantID: tenant, Kind: gt.ActionMarginCall, AlertID: "al-" + id, Rule: "ltv_breach",
		Subject: "loan:ln-1", Loans: []string{"ln-1"}, Severity: gt.SeverityCritical, Summary: "Restore LTV — 补仓",
		Created: riskAt.In(loc), CureBy: riskAt.Add(48 * time.Hour).In(loc), State: state, Seq: 900}
	d := gt.NewWebhookDelivery(&a, riskAt.Add(created).In(loc))
	d.NextAttemptAt = riskAt.Add(due).In(loc)
	return d
}

// utcDelivery returns d with its times in UTC, as a store reads it back.
func utcDelivery(d gt.WebhookDelivery) gt.WebhookDelivery {
	for _, t := range []*time.Time{&d.CreatedAt, &d.LastAttemptAt, &d.NextAttemptAt, &d.DeliveredAt, &d.Action.Created, &d.Action.CureBy} {
		*t = t.UTC()
	}
	return d
}

func utcDeliveries(ds ...gt.WebhookDelivery) []gt.WebhookDelivery {
	out := []gt.WebhookDelivery{}
	for _, d := range ds {
		out = append(out, utcDelivery(d))
	}
	return out
}

func testWebhookDeliveries(t *testing.T, s gt.Store) {
	ctx := context.Background()
	ws := webhookStore(t, s)
	const tenantC = "tenant-c"
	seedTenants(t, s, 1, tenantA, tenantB, tenantC)
	apply(t, s, &gt.Changes{Seq: 2, Webhooks: []gt.WebhookConfig{
		webhookOf(tenantA, "https://a.example/", false, 2, time.UTC), webhookOf(tenantB, "https://b.example/", false, 2, time.UTC)}})

	loc := time.FixedZone("UTC-5", -5*3600)
	aOpen := deliveryOf(tenantA, "act-1", gt.ActionOpen, 0, time.Minute, loc)
	aCured := deliveryOf(tenantA, "act-1", gt.ActionCured, time.Second, 0, loc)
	aDone := deliveryOf(tenantA, "act-2", gt.ActionOpen, 2*time.Second, 0, loc)
	aDone.Status, aDone.Attempts, aDone.LastStatusCode = gt.DeliveryDelivered, 1, 204
	aDone.LastAttemptAt, aDone.DeliveredAt, aDone.NextAttemptAt = aDone.CreatedAt, aDone.CreatedAt, time.Time{}
	bOpen := deliveryOf(tenantB, "act-1", gt.ActionOpen, 0, 30*time.Second, time.UTC)
	cOpen := deliveryOf(tenantC, "act-1", gt.ActionOpen, 0, 0, time.UTC) // no webhook: never pending

	add := func(what string, want int, ds ...gt.WebhookDelivery) {
		t.Helper()
		n, err := ws.AddDeliveries(ctx, ds)
		if err != nil || n != want {
			t.Fatalf("AddDeliveries(%s) = %d, %v; want %d, nil", what, n, err, want)
		}
	}
	add("new", 5, aOpen, aCured, aDone, bOpen, cOpen)
	again := aOpen
	again.ID, again.Attempts, again.NextAttemptAt = "whd_other", 7, riskAt
	add("recorded ones", 0, again, bOpen)
	add("none", 0)

	deliveries := func(what, tenant, action string, want ...gt.WebhookDelivery) {
		t.Helper()
		got, err := ws.Deliveries(ctx, tenant, action)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		equal(t, what, got, utcDeliveries(want...))
	}
	deliveries("Deliveries(A, act-1)", tenantA, "act-1", aOpen, aCured)
	deliveries("Deliveries(B, act-1)", tenantB, "act-1", bOpen)
	deliveries("Deliveries(A, act-2)", tenantA, "act-2", aDone)
	deliveries("Deliveries(A, missing)", tenantA, "act-9")
	deliveries("Deliveries(B, act-2 of A)", tenantB, "act-2")

	pending := func(what string, limit int, want ...gt.WebhookDelivery) {
		t.Helper()
		got, err := ws.PendingDeliveries(ctx, limit)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		equal(t, what, got, utcDeliveries(want...))
	}
	pending("PendingDeliveries(10)", 10, aCured, bOpen, aOpen)
	pending("PendingDeliveries(2)", 2, aCured, bOpen)

	// An attempt's outcome.
	aCured.Status, aCured.Attempts, aCured.LastStatusCode, aCured.LastError = gt.DeliveryDelivered, 3, 200, ""
	aCured.LastAttemptAt = riskAt.Add(90 * time.Second).In(loc)
	aCured.DeliveredAt, aCured.NextAttemptAt = aCured.LastAttemptAt, time.Time{}
	if err := ws.UpdateDelivery(ctx, &aCured); err != nil {
		t.Fatalf("UpdateDelivery: %v", err)
	}
	aOpen.Attempts, aOpen.LastStatusCode, aOpen.LastError = 2, 503, "HTTP 503 Service Unavailable"
	aOpen.LastAttemptAt, aOpen.NextAttemptAt = riskAt.Add(time.Minute), riskAt.Add(3*time.Minute)
	if err := ws.UpdateDelivery(ctx, &aOpen); err != nil {
		t.Fatalf("UpdateDelivery: %v", err)
	}
	deliveries("Deliveries(A, act-1) after attempts", tenantA, "act-1", aOpen, aCured)
	pending("PendingDeliveries after attempts", 10, bOpen, aOpen)

	// Another tenant's key, or none, updates nothing.
	other := aCured // B has a delivery of its own act-1, but not in this state
	other.TenantID, other.Attempts = tenantB, 99
	wantCode(t, "UpdateDelivery(A's delivery as B)", ws.UpdateDelivery(ctx, &other), gt.ENOTFOUND)
	missing := aOpen
	missing.State = gt.ActionEscalated
	wantCode(t, "UpdateDelivery(unrecorded)", ws.UpdateDelivery(ctx, &missing), gt.ENOTFOUND)
	deliveries("Deliveries(A, act-1) after refused updates", tenantA, "act-1", aOpen, aCured)
	deliveries("Deliveries(B, act-1) after refused updates", tenantB, "act-1", bOpen)

	// A disabled webhook holds its tenant's deliveries.
	apply(t, s, &gt.Changes{Seq: 3, Webhooks: []gt.WebhookConfig{webhookOf(tenantB, "https://b.example/", true, 3, time.UTC)}})
	pending("PendingDeliveries with B disabled", 10, aOpen)

	// A batch with a delivery of an unknown tenant adds nothing.
	aNew := deliveryOf(tenantA, "act-3", gt.ActionOpen, 0, 0, time.UTC)
	if n, err := ws.AddDeliveries(ctx, []gt.WebhookDelivery{aNew, deliveryOf("no-such-tenant", "act-1", gt.ActionOpen, 0, 0, time.UTC)}); err == nil {
		t.Errorf("AddDeliveries(unknown tenant) = %d, nil; want an error", n)
	}
	deliveries("Deliveries(A, act-3) after a refused batch", tenantA, "act-3")
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }
