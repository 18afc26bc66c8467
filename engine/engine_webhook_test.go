package engine_test

import (
	"bytes"
	"testing"

	gt "groundtruth"
	"groundtruth/engine"
)

// TestWebhookPut checks that webhook.put is validated, emitted stamped with its event,
// kept per tenant, and carried by a snapshot.
func TestWebhookPut(t *testing.T) {
	f := newFeeder()
	f.must(t, gt.EventTenantCreate, "bank-a", tenantCreate("bank-a"))
	f.must(t, gt.EventTenantCreate, "bank-b", tenantCreate("bank-b"))

	for _, u := range []string{"", "http://bank.example/", "https://u:p@bank.example/", "ftp://x/"} {
		ch, err := f.apply(t, gt.EventWebhookPut, "bank-a", gt.WebhookConfig{URL: u})
		if gt.ErrorField(err) != "url" || !ch.Empty() {
			t.Errorf("webhook.put %q = %v, changes %+v; want an error on url and no changes", u, err, ch)
		}
	}
	ch := f.must(t, gt.EventWebhookPut, "bank-a", gt.WebhookConfig{URL: "https://bank-a.example/hook", Disabled: true})
	want := gt.WebhookConfig{TenantID: "bank-a", URL: "https://bank-a.example/hook", Disabled: true, Seq: f.seq, UpdatedAt: f.log[len(f.log)-1].Time}
	if len(ch.Webhooks) != 1 || ch.Webhooks[0] != want {
		t.Errorf("changes of webhook.put = %+v, want %+v", ch.Webhooks, want)
	}
	if ch := f.must(t, gt.EventWebhookPut, "bank-a", gt.WebhookConfig{URL: "https://bank-a.example/hook", RotateSecret: true}); ch.Webhooks[0].Generation != 1 || ch.Webhooks[0].RotateSecret {
		t.Errorf("rotation: %+v, want generation 1", ch.Webhooks[0])
	}
	if ch := f.must(t, gt.EventWebhookPut, "bank-a", gt.WebhookConfig{URL: "https://bank-a.example/hook", Disabled: true}); ch.Webhooks[0].Generation != 1 {
		t.Errorf("a put without rotation: generation %d, want 1 kept", ch.Webhooks[0].Generation)
	}
	f.must(t, gt.EventWebhookPut, "bank-b", gt.WebhookConfig{URL: "http://localhost:8081/hook"})
	if _, err := f.apply(t, gt.EventWebhookPut, "bank-c", gt.WebhookConfig{URL: "https://c.example/"}); gt.ErrorCode(err) != gt.ENOTFOUND {
		t.Errorf("webhook.put of an unknown tenant = %v, want ENOTFOUND", err)
	}

	snap, err := f.e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(snap, []byte(`"webhook":{"url":"https://bank-a.example/hook","disabled":true`)) {
		t.Errorf("snapshot lacks bank-a's webhook: %s", snap)
	}
	r, err := engine.Restore(snap)
	if err != nil {
		t.Fatal(err)
	}
	again, err := r.Snapshot()
	if err != nil || !bytes.Equal(again, snap) {
		t.Errorf("restored snapshot differs: %v", err)
	}
}
