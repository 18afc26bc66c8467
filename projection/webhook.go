package projection

import (
	"fmt"
	"strings"
	"time"

	gt "groundtruth"
)

// Webhooks is the table of the tenants' webhook configurations, one row per tenant,
// projected from the journal like the risk kinds. disabled is a column of its own so
// that PendingDeliveriesQuery can leave out the deliveries of disabled tenants.
var Webhooks = Doc[gt.WebhookConfig]{
	Table: "webhooks", Noun: "webhook of tenant",
	Cols:   []Col{{Name: "tenant_id"}, {Name: "disabled", Type: Bool}},
	Key:    1,
	Values: func(r *gt.WebhookConfig) []any { return []any{r.TenantID, r.Disabled} },
	Tenant: func(r *gt.WebhookConfig) *string { return &r.TenantID },
	UTC:    func(r *gt.WebhookConfig) { r.UpdatedAt = r.UpdatedAt.UTC() },
}

// WebhooksQuery selects every tenant's webhook configuration, by tenant: its tenant_id
// and data.
func WebhooksQuery() Query {
	return Query{SQL: "SELECT tenant_id, data FROM webhooks ORDER BY tenant_id"}
}

// The table webhook_deliveries is not a projection: the webhook dispatcher writes it
// directly, one row per tenant, action and state (its primary key), with the action as
// it was in that state as JSON in the column action. Its times are the store's time type
// (NULL when zero); the statements below name the columns in the order of
// DeliveryCols, with ? placeholders.

// DeliveryCols are the columns of webhook_deliveries in the order the statements use.
var DeliveryCols = []string{"tenant_id", "action_id", "state", "id", "idempotency_key", "status", "attempts",
	"last_status_code", "last_error", "created_at", "last_attempt_at", "next_attempt_at", "delivered_at", "action"}

// deliveryOutcome are the columns an attempt changes.
var deliveryOutcome = []string{"status", "attempts", "last_status_code", "last_error", "last_attempt_at",
	"next_attempt_at", "delivered_at"}

// Statements of webhook_deliveries.
var (
	// AddDelivery inserts the row of DeliveryCols unless its key is taken.
	AddDelivery = fmt.Sprintf("INSERT INTO webhook_deliveries (%s) VALUES (%s) ON CONFLICT (tenant_id, action_id, state) DO NOTHING",
		strings.Join(DeliveryCols, ", "), strings.TrimSuffix(strings.Repeat("?, ", len(DeliveryCols)), ", "))
	// UpdateDelivery sets the columns an attempt changes of one row; its values are
	// those of DeliveryOutcome.
	UpdateDelivery = fmt.Sprintf("UPDATE webhook_deliveries SET %s = ? WHERE tenant_id = ? AND action_id = ? AND state = ?",
		strings.Join(deliveryOutcome, " = ?, "))
)

// DeliveryValues returns the values of DeliveryCols for d, with its times encoded by t
// (the dialect's encoding; nil for a zero time) and action, the JSON document of
// d.Action. A delivery without tenant or creation time is EINVALID.
func DeliveryValues(d *gt.WebhookDelivery, t func(time.Time) any, action string) ([]any, error) {
	if d.TenantID == "" {
		return nil, gt.Errorf(gt.EINVALID, "delivery of action %q has no tenant", d.ActionID)
	}
	if d.CreatedAt.IsZero() {
		return nil, gt.Errorf(gt.EINVALID, "delivery of action %q has no creation time", d.ActionID)
	}
	return []any{d.TenantID, d.ActionID, d.State, d.ID, d.IdempotencyKey, d.Status, int64(d.Attempts),
		int64(d.LastStatusCode), d.LastError, t(d.CreatedAt), t(d.LastAttemptAt), t(d.NextAttemptAt),
		t(d.DeliveredAt), action}, nil
}

// DeliveryOutcome returns the values of UpdateDelivery for d: the columns an attempt
// changes, then the key.
func DeliveryOutcome(d *gt.WebhookDelivery, t func(time.Time) any) []any {
	return []any{d.Status, int64(d.Attempts), int64(d.LastStatusCode), d.LastError, t(d.LastAttemptAt),
		t(d.NextAttemptAt), t(d.DeliveredAt), d.TenantID, d.ActionID, d.State}
}

// selectDeliveries is the SELECT of the DeliveryCols of webhook_deliveries as d.
var selectDeliveries = "SELECT d." + strings.Join(DeliveryCols, ", d.") + " FROM webhook_deliveries d"

// PendingDeliveriesQuery selects at most limit pending deliveries of the tenants whose
// webhook is enabled, earliest next attempt first.
func PendingDeliveriesQuery(limit int) Query {
	return Query{SQL: selectDeliveries + " JOIN webhooks w ON w.tenant_id = d.tenant_id" +
		" WHERE d.status = ? AND w.disabled = ?" +
		" ORDER BY d.next_attempt_at, d.tenant_id, d.action_id, d.state LIMIT ?",
		Args: []any{gt.DeliveryPending, false, limit}}
}

// DeliveriesQuery selects the deliveries of one of a tenant's actions, oldest first.
func DeliveriesQuery(tenant, actionID string) Query {
	return Query{SQL: selectDeliveries + " WHERE d.tenant_id = ? AND d.action_id = ? ORDER BY d.created_at, d.state",
		Args: []any{tenant, actionID}}
}
