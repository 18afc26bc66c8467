package sqlite

import (
	"context"
	"database/sql"
	"fmt"

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
// transaction: on error nothing is written. Records are replaced whole.
func (s *Store) ApplyChanges(ctx context.Context, c *gt.Changes) error {
	if c == nil {
		return gt.Errorf(gt.EINVALID, "apply changes: no changes")
	}
	seq, err := toInt64("changes seq", c.Seq)
	if err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("apply changes %d: %w", c.Seq, err)
	}
	defer tx.Rollback()
	if err := s.apply(ctx, tx, c); err != nil {
		return fmt.Errorf("apply changes %d: %w", c.Seq, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE projection SET seq = ? WHERE id = 1`, seq); err != nil {
		return fmt.Errorf("apply changes %d: set projected seq: %w", c.Seq, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("apply changes %d: commit: %w", c.Seq, err)
	}
	return nil
}

// apply writes the records of c in tx, kind by kind in the order of the fields.
func (s *Store) apply(ctx context.Context, tx *sql.Tx, c *gt.Changes) error {
	if err := tenants.put(ctx, tx, c.Tenants); err != nil {
		return err
	}
	if err := apiKeys.put(ctx, tx, c.APIKeys); err != nil {
		return err
	}
	if err := parties.put(ctx, tx, c.Parties); err != nil {
		return err
	}
	if err := sites.put(ctx, tx, c.Sites); err != nil {
		return err
	}
	if err := loans.put(ctx, tx, c.Loans); err != nil {
		return err
	}
	if err := collateral.put(ctx, tx, c.Collateral); err != nil {
		return err
	}
	if err := devices.put(ctx, tx, c.Devices); err != nil {
		return err
	}
	if err := releases.put(ctx, tx, c.Releases); err != nil {
		return err
	}
	if err := putPrices(ctx, tx, c); err != nil {
		return err
	}
	if err := putTelemetry(ctx, tx, c); err != nil {
		return err
	}
	if err := putRisk(ctx, tx, c); err != nil {
		return err
	}
	return webhooks.put(ctx, tx, c.Webhooks)
}

// putPrices upserts the price ticks of c: a tick replaces the one of the same tenant,
// commodity and time.
func putPrices(ctx context.Context, tx *sql.Tx, c *gt.Changes) error {
	if len(c.Prices) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO prices (tenant_id, commodity, at, amount, currency, unit, source, seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, commodity, at) DO UPDATE SET amount = excluded.amount,
			currency = excluded.currency, unit = excluded.unit, source = excluded.source, seq = excluded.seq`)
	if err != nil {
		return fmt.Errorf("prepare price upsert: %w", err)
	}
	defer st.Close()
	for i := range c.Prices {
		p := &c.Prices[i]
		tenant := p.TenantID
		if tenant == "" {
			return gt.Errorf(gt.EINVALID, "%s price tick at %s has no tenant", p.Commodity, formatTime(p.At))
		}
		if err := checkTime("price tick at", p.At); err != nil {
			return err
		}
		seq, err := toInt64("price tick seq", p.Seq)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, tenant, p.Commodity, formatTime(p.At), p.Price.Amount,
			p.Price.Currency, p.Unit, p.Source, seq); err != nil {
			return fmt.Errorf("put %s price at %s: %w", p.Commodity, p.At.UTC().Format(timeLayout), err)
		}
	}
	return nil
}
