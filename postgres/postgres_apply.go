package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	gt "groundtruth"
	"groundtruth/projection"
)

// The tables of the record kinds, in the order ApplyChanges writes them.
var (
	tenants    = (&table[gt.Tenant]{Kind: projection.Tenants}).init()
	apiKeys    = (&table[gt.APIKey]{Kind: projection.APIKeys}).init()
	parties    = (&table[gt.Party]{Kind: projection.Parties}).init()
	sites      = (&table[gt.Site]{Kind: projection.Sites}).init()
	loans      = (&table[gt.Loan]{Kind: projection.Loans}).init()
	collateral = (&table[gt.Collateral]{Kind: projection.Collateral}).init()
	devices    = (&table[gt.Device]{Kind: projection.Devices}).init()
	releases   = (&table[gt.Release]{Kind: projection.Releases}).init()
)

// ApplyChanges writes every record of c and sets the projected sequence to c.Seq, in one
// transaction: on error nothing is written. Records are replaced whole. The statements
// go to the server as one pipelined batch.
func (s *Store) ApplyChanges(ctx context.Context, c *gt.Changes) error {
	if c == nil {
		return gt.Errorf(gt.EINVALID, "apply changes: no changes")
	}
	seq, err := toInt64("changes seq", c.Seq)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	labels, err := queue(b, c)
	if err != nil {
		return fmt.Errorf("apply changes %d: %w", c.Seq, err)
	}
	b.Queue(`UPDATE projection SET seq = $1`, seq)
	labels = append(labels, "set projected seq")

	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("apply changes %d: %w", c.Seq, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	br := tx.SendBatch(ctx, b)
	for _, l := range labels {
		if _, err := br.Exec(); err != nil {
			err = classify(err)
			br.Close()
			return fmt.Errorf("apply changes %d: %s: %w", c.Seq, l, err)
		}
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("apply changes %d: %w", c.Seq, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("apply changes %d: commit: %w", c.Seq, err)
	}
	return nil
}

// queue adds the upserts of every record of c to b, kind by kind in the order of the
// fields, and returns a label for each statement.
func queue(b *pgx.Batch, c *gt.Changes) ([]string, error) {
	labels := make([]string, 0, len(c.Tenants)+len(c.APIKeys)+c.Records.Len()+3)
	var err error
	if labels, err = tenants.queue(b, labels, c.Tenants); err != nil {
		return nil, err
	}
	if labels, err = apiKeys.queue(b, labels, c.APIKeys); err != nil {
		return nil, err
	}
	if labels, err = parties.queue(b, labels, c.Parties); err != nil {
		return nil, err
	}
	if labels, err = sites.queue(b, labels, c.Sites); err != nil {
		return nil, err
	}
	if labels, err = loans.queue(b, labels, c.Loans); err != nil {
		return nil, err
	}
	if labels, err = collateral.queue(b, labels, c.Collateral); err != nil {
		return nil, err
	}
	if labels, err = devices.queue(b, labels, c.Devices); err != nil {
		return nil, err
	}
	if labels, err = releases.queue(b, labels, c.Releases); err != nil {
		return nil, err
	}
	if labels, err = queuePrices(b, labels, c); err != nil {
		return nil, err
	}
	if labels, err = queueTelemetry(b, labels, c); err != nil {
		return nil, err
	}
	if labels, err = queueRisk(b, labels, c); err != nil {
		return nil, err
	}
	return webhooks.queue(b, labels, c.Webhooks)
}

// queuePrices adds the upserts of the price ticks of c: a tick replaces the one of the
// same tenant, commodity and time. The time is split into microseconds, which
// timestamptz holds, and the nanoseconds beyond them.
func queuePrices(b *pgx.Batch, labels []string, c *gt.Changes) ([]string, error) {
	if len(c.Prices) == 0 {
		return labels, nil
	}
	for i := range c.Prices {
		p := &c.Prices[i]
		tenant := p.TenantID
		if tenant == "" {
			return nil, gt.Errorf(gt.EINVALID, "%s price tick at %s has no tenant", p.Commodity, p.At.UTC().Format(time.RFC3339Nano))
		}
		seq, err := toInt64("price tick seq", p.Seq)
		if err != nil {
			return nil, err
		}
		at, nanos := splitTime(p.At)
		b.Queue(`INSERT INTO prices (tenant_id, commodity, at, at_nanos, amount, currency, unit, source, seq)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (tenant_id, commodity, at, at_nanos) DO UPDATE SET amount = excluded.amount,
				currency = excluded.currency, unit = excluded.unit, source = excluded.source, seq = excluded.seq`,
			tenant, p.Commodity, at, nanos, p.Price.Amount, p.Price.Currency, p.Unit, p.Source, seq)
		labels = append(labels, fmt.Sprintf("put %s price at %s", p.Commodity, p.At.UTC().Format(time.RFC3339Nano)))
	}
	return labels, nil
}

// splitTime returns t in UTC truncated to the microsecond and the nanoseconds beyond.
func splitTime(t time.Time) (time.Time, int16) {
	t = t.UTC()
	return t.Truncate(time.Microsecond), int16(t.Nanosecond() % 1000)
}

// classify marks errors that retrying cannot cure — data exceptions (SQLSTATE class 22),
// integrity violations (23) and program limits such as an index row too large (54) — as
// EINVALID, so that the node stops with the reason instead of retrying for ever.
func classify(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && len(pe.Code) == 5 {
		switch pe.Code[:2] {
		case "22", "23", "54":
			return &invalidError{err: err, msg: fmt.Sprintf("PostgreSQL refused the data (SQLSTATE %s): %s", pe.Code, pe.Message)}
		}
	}
	return err
}

// invalidError is an EINVALID *groundtruth.Error that keeps the driver's error in the chain.
type invalidError struct {
	err error
	msg string
}

func (e *invalidError) Error() string { return e.msg }
func (e *invalidError) Unwrap() []error {
	return []error{&gt.Error{Code: gt.EINVALID, Message: e.msg}, e.err}
}
