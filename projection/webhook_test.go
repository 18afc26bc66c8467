package projection_test

import (
	"strings"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/projection"
)

// TestWebhookDoc checks the description of the webhooks table, keyed by the tenant alone.
func TestWebhookDoc(t *testing.T) {
	d := projection.Webhooks
	w := gt.WebhookConfig{TenantID: "t1", URL: "https://x.example/", Disabled: true, Seq: 7}
	vals, data, err := d.Encode(&w)
	if err != nil || len(vals) != 2 || vals[0] != "t1" || vals[1] != true || strings.Contains(string(data), "t1") {
		t.Errorf("Encode = %v, %s, %v; want t1, true and a document without the tenant", vals, data, err)
	}
	if d.Name(&w) != "t1" || strings.Join(d.KeyCols(), ",") != "tenant_id" {
		t.Errorf("Name = %q, key %v; want t1 and tenant_id", d.Name(&w), d.KeyCols())
	}
	got, err := d.Decode("t2", data)
	if err != nil || got.TenantID != "t2" || got.URL != w.URL {
		t.Errorf("Decode(t2) = %+v, %v", got, err)
	}
	w.TenantID = ""
	if _, _, err := d.Encode(&w); gt.ErrorCode(err) != gt.EINVALID {
		t.Errorf("Encode(no tenant) = %v, want EINVALID", err)
	}
}

// TestDeliveryStatements checks that the statements of webhook_deliveries take as many
// values as the helpers give, and that a delivery without tenant or creation time is
// refused.
func TestDeliveryStatements(t *testing.T) {
	enc := func(t time.Time) any { return t }
	d := gt.WebhookDelivery{TenantID: "t1", ActionID: "a1", State: "open", CreatedAt: time.Unix(1, 0)}
	vals, err := projection.DeliveryValues(&d, enc, "{}")
	if err != nil || len(vals) != len(projection.DeliveryCols) || strings.Count(projection.AddDelivery, "?") != len(vals) {
		t.Errorf("DeliveryValues = %d values, %v; AddDelivery has %d placeholders; want %d", len(vals), err,
			strings.Count(projection.AddDelivery, "?"), len(projection.DeliveryCols))
	}
	if n := len(projection.DeliveryOutcome(&d, enc)); strings.Count(projection.UpdateDelivery, "?") != n {
		t.Errorf("UpdateDelivery has %d placeholders for %d values", strings.Count(projection.UpdateDelivery, "?"), n)
	}
	for _, bad := range []gt.WebhookDelivery{{ActionID: "a1", CreatedAt: time.Unix(1, 0)}, {TenantID: "t1", ActionID: "a1"}} {
		if _, err := projection.DeliveryValues(&bad, enc, "{}"); gt.ErrorCode(err) != gt.EINVALID {
			t.Errorf("DeliveryValues(%+v) = %v, want EINVALID", bad, err)
		}
	}
	q := projection.PendingDeliveriesQuery(10)
	if strings.Count(q.SQL, "?") != len(q.Args) {
		t.Errorf("PendingDeliveriesQuery: %d placeholders, %d args", strings.Count(q.SQL, "?"), len(q.Args))
	}
}
