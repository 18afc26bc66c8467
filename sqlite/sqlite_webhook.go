package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	gt "groundtruth"
	"groundtruth/projection"
)

// webhooks is the table of the webhook configurations, written by ApplyChanges.
var webhooks = (&docTable[gt.WebhookConfig]{Doc: projection.Webhooks}).init()

var _ gt.WebhookStore = (*Store)(nil)

// Webhook returns a tenant's webhook configuration, or an ENOTFOUND error.
func (s *Store) Webhook(ctx context.Context, tenant string) (*gt.WebhookConfig, error) {
	w, err := webhooks.one(ctx, s.r, tenant, tenant)
	if gt.ErrorCode(err) == gt.ENOTFOUND {
		return nil, gt.Errorf(gt.ENOTFOUND, "tenant %q has no webhook", tenant)
	}
	return w, err
}

// Webhooks returns every tenant's webhook configuration, by tenant id.
func (s *Store) Webhooks(ctx context.Context) ([]gt.WebhookConfig, error) {
	q := projection.WebhooksQuery()
	rows, err := s.r.QueryContext(ctx, q.SQL, q.Args...)
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

// nullTime encodes a time of webhook_deliveries: NULL when zero.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

// AddDeliveries records the deliveries of ds whose tenant, action and state are new, in
// one transaction, and returns how many it added.
func (s *Store) AddDeliveries(ctx context.Context, ds []gt.WebhookDelivery) (int, error) {
	if len(ds) == 0 {
		return 0, nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("add deliveries: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, projection.AddDelivery)
	if err != nil {
		return 0, fmt.Errorf("add deliveries: %w", err)
	}
	defer st.Close()
	n := 0
	for i := range ds {
		d := &ds[i]
		for _, t := range []time.Time{d.CreatedAt, d.LastAttemptAt, d.NextAttemptAt, d.DeliveredAt} {
			if err := checkTime("delivery time", t); err != nil {
				return 0, err
			}
		}
		action, err := json.Marshal(&d.Action)
		if err != nil {
			return 0, gt.Errorf(gt.EINVALID, "encode action %q: %v", d.ActionID, err)
		}
		args, err := projection.DeliveryValues(d, nullTime, string(action))
		if err != nil {
			return 0, err
		}
		r, err := st.ExecContext(ctx, args...)
		if err != nil {
			return 0, fmt.Errorf("add delivery of action %q in state %s: %w", d.ActionID, d.State, err)
		}
		k, err := r.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("add delivery of action %q in state %s: %w", d.ActionID, d.State, err)
		}
		n += int(k)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("add deliveries: commit: %w", err)
	}
	return n, nil
}

// UpdateDelivery writes the outcome of an attempt, or returns an ENOTFOUND error when
// the delivery is not recorded.
func (s *Store) UpdateDelivery(ctx context.Context, d *gt.WebhookDelivery) error {
	for _, t := range []time.Time{d.LastAttemptAt, d.NextAttemptAt, d.DeliveredAt} {
		if err := checkTime("delivery time", t); err != nil {
			return err
		}
	}
	r, err := s.w.ExecContext(ctx, projection.UpdateDelivery, projection.DeliveryOutcome(d, nullTime)...)
	if err != nil {
		return fmt.Errorf("update delivery of action %q in state %s: %w", d.ActionID, d.State, err)
	}
	if k, err := r.RowsAffected(); err != nil {
		return fmt.Errorf("update delivery of action %q in state %s: %w", d.ActionID, d.State, err)
	} else if k == 0 {
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
	rows, err := s.r.QueryContext(ctx, q.SQL, q.Args...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	out := []gt.WebhookDelivery{}
	for rows.Next() {
		var (
			d                                   gt.WebhookDelivery
			attempts, code                      int64
			created                             string
			lastAttempt, nextAttempt, delivered sql.NullString
			action                              []byte
		)
		if err := rows.Scan(&d.TenantID, &d.ActionID, &d.State, &d.ID, &d.IdempotencyKey, &d.Status, &attempts,
			&code, &d.LastError, &created, &lastAttempt, &nextAttempt, &delivered, &action); err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		d.Attempts, d.LastStatusCode = int(attempts), int(code)
		if d.CreatedAt, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		for _, t := range []struct {
			s   sql.NullString
			dst *time.Time
		}{{lastAttempt, &d.LastAttemptAt}, {nextAttempt, &d.NextAttemptAt}, {delivered, &d.DeliveredAt}} {
			if !t.s.Valid {
				continue
			}
			if *t.dst, err = parseTime(t.s.String); err != nil {
				return nil, fmt.Errorf("list deliveries: %w", err)
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
