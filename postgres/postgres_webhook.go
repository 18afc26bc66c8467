package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	gt "groundtruth"
	"groundtruth/projection"
)

// webhooks is the table of the webhook configurations, written by ApplyChanges.
var webhooks = (&docTable[gt.WebhookConfig]{Doc: projection.Webhooks}).init()

var _ gt.WebhookStore = (*Store)(nil)

// Webhook returns a tenant's webhook configuration, or an ENOTFOUND error.
func (s *Store) Webhook(ctx context.Context, tenant string) (*gt.WebhookConfig, error) {
	w, err := webhooks.one(ctx, s.pool, tenant, tenant)
	if gt.ErrorCode(err) == gt.ENOTFOUND {
		return nil, gt.Errorf(gt.ENOTFOUND, "tenant %q has no webhook", tenant)
	}
	return w, err
}

// Webhooks returns every tenant's webhook configuration, by tenant id.
func (s *Store) Webhooks(ctx context.Context) ([]gt.WebhookConfig, error) {
	q := projection.WebhooksQuery()
	rows, err := s.pool.Query(ctx, rebind(q.SQL), q.Args...)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	out := []gt.WebhookConfig{}
	for rows.Next() {
		var (
			tenant string
			data   []byte
		)
		if err := rows.Scan(&tenant, &data); err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		w, err := webhooks.Decode(tenant, data)
		if err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

// nullTime encodes a time of webhook_deliveries: NULL when zero. timestamptz keeps
// microseconds.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// AddDeliveries records the deliveries of ds whose tenant, action and state are new, in
// one transaction, and returns how many it added.
func (s *Store) AddDeliveries(ctx context.Context, ds []gt.WebhookDelivery) (int, error) {
	if len(ds) == 0 {
		return 0, nil
	}
	b := &pgx.Batch{}
	sql := rebind(projection.AddDelivery)
	for i := range ds {
		d := &ds[i]
		action, err := json.Marshal(&d.Action)
		if err != nil {
			return 0, gt.Errorf(gt.EINVALID, "encode action %q: %v", d.ActionID, err)
		}
		args, err := projection.DeliveryValues(d, nullTime, string(action))
		if err != nil {
			return 0, err
		}
		b.Queue(sql, args...)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("add deliveries: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	br := tx.SendBatch(ctx, b)
	n := 0
	for i := range ds {
		tag, err := br.Exec()
		if err != nil {
			br.Close()
			return 0, fmt.Errorf("add delivery of action %q in state %s: %w", ds[i].ActionID, ds[i].State, classify(err))
		}
		n += int(tag.RowsAffected())
	}
	if err := br.Close(); err != nil {
		return 0, fmt.Errorf("add deliveries: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("add deliveries: commit: %w", err)
	}
	return n, nil
}

// UpdateDelivery writes the outcome of an attempt, or returns an ENOTFOUND error when
// the delivery is not recorded.
func (s *Store) UpdateDelivery(ctx context.Context, d *gt.WebhookDelivery) error {
	tag, err := s.pool.Exec(ctx, rebind(projection.UpdateDelivery), projection.DeliveryOutcome(d, nullTime)...)
	if err != nil {
		return fmt.Errorf("update delivery of action %q in state %s: %w", d.ActionID, d.State, classify(err))
	}
	if tag.RowsAffected() == 0 {
		return gt.Errorf(gt.ENOTFOUND, "delivery of action %q in state %s not found", d.ActionID, d.State)
	}
	return nil
}

// PendingDeliveries returns at most limit pending deliveries of the tenants whose webhook
// is enabled, earliest next attempt first.
func (s *Store) PendingDeliveries(ctx context.Context, limit int) ([]gt.WebhookDelivery, error) {
	return s.deliveries(ctx, projection.PendingDeliveriesQuery(limit))
}

// Deliveries returns the deliveries of a tenant's action, oldest first.
func (s *Store) Deliveries(ctx context.Context, tenant, actionID string) ([]gt.WebhookDelivery, error) {
	return s.deliveries(ctx, projection.DeliveriesQuery(tenant, actionID))
}

// deliveries reads the rows of webhook_deliveries that q selects.
func (s *Store) deliveries(ctx context.Context, q projection.Query) ([]gt.WebhookDelivery, error) {
	rows, err := s.pool.Query(ctx, rebind(q.SQL), q.Args...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	out := []gt.WebhookDelivery{}
	for rows.Next() {
		var (
			d                                   gt.WebhookDelivery
			attempts, code                      int32
			lastAttempt, nextAttempt, delivered *time.Time
			action                              []byte
		)
		if err := rows.Scan(&d.TenantID, &d.ActionID, &d.State, &d.ID, &d.IdempotencyKey, &d.Status, &attempts,
			&code, &d.LastError, &d.CreatedAt, &lastAttempt, &nextAttempt, &delivered, &action); err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		d.Attempts, d.LastStatusCode = int(attempts), int(code)
		d.CreatedAt = d.CreatedAt.UTC()
		for _, t := range []struct {
			src *time.Time
			dst *time.Time
		}{{lastAttempt, &d.LastAttemptAt}, {nextAttempt, &d.NextAttemptAt}, {delivered, &d.DeliveredAt}} {
			if t.src != nil {
				*t.dst = t.src.UTC()
			}
		}
		if err := json.Unmarshal(action, &d.Action); err != nil {
			return nil, fmt.Errorf("list deliveries: decode action %q: %w", d.ActionID, err)
		}
		d.Action.TenantID = d.TenantID
		projection.Actions.UTC(&d.Action)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return out, nil
}
