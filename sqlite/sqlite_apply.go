package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	gt "groundtruth"
)

// The tables of the record kinds, in the order ApplyChanges writes them.
var (
	tenants = (&table[gt.Tenant]{
		name: "tenants", noun: "tenant",
		cols:   []string{"name"},
		key:    func(r *gt.Tenant) (string, *gt.Meta) { return r.ID, &r.Meta },
		values: func(r *gt.Tenant) []any { return []any{r.Name} },
		utc:    func(r *gt.Tenant) { metaUTC(&r.Meta) },
	}).init()
	apiKeys = (&table[gt.APIKey]{
		name: "api_keys", noun: "API key", scoped: true,
		cols:   []string{"role", "revoked", "hash"},
		key:    func(r *gt.APIKey) (string, *gt.Meta) { return r.ID, &r.Meta },
		values: func(r *gt.APIKey) []any { return []any{string(r.Role), r.Revoked, r.Hash} },
		secret: "hash",
		read:   func(r *gt.APIKey, h string) { r.Hash = h },
		utc:    func(r *gt.APIKey) { metaUTC(&r.Meta) },
	}).init()
	parties = (&table[gt.Party]{
		name: "parties", noun: "party", scoped: true,
		cols:   []string{"name"},
		key:    func(r *gt.Party) (string, *gt.Meta) { return r.ID, &r.Meta },
		values: func(r *gt.Party) []any { return []any{r.Name} },
		utc:    func(r *gt.Party) { metaUTC(&r.Meta) },
	}).init()
	sites = (&table[gt.Site]{
		name: "sites", noun: "site", scoped: true,
		cols:   []string{"kind"},
		key:    func(r *gt.Site) (string, *gt.Meta) { return r.ID, &r.Meta },
		values: func(r *gt.Site) []any { return []any{string(r.Kind)} },
		utc:    func(r *gt.Site) { metaUTC(&r.Meta) },
	}).init()
	loans = (&table[gt.Loan]{
		name: "loans", noun: "loan", scoped: true,
		cols: []string{"borrower_id", "status", "product", "outstanding_amount", "currency"},
		key:  func(r *gt.Loan) (string, *gt.Meta) { return r.ID, &r.Meta },
		values: func(r *gt.Loan) []any {
			return []any{r.BorrowerID, string(r.Status), string(r.Product), r.Outstanding.Amount, r.Outstanding.Currency}
		},
		utc: func(r *gt.Loan) {
			metaUTC(&r.Meta)
			r.StartDate, r.MaturityDate = r.StartDate.UTC(), r.MaturityDate.UTC()
		},
	}).init()
	collateral = (&table[gt.Collateral]{
		name: "collateral", noun: "collateral", scoped: true,
		cols:   []string{"kind"},
		key:    func(r *gt.Collateral) (string, *gt.Meta) { return r.ID, &r.Meta },
		values: func(r *gt.Collateral) []any { return []any{string(r.Kind)} },
		utc: func(r *gt.Collateral) {
			metaUTC(&r.Meta)
			if c := r.Crop; c != nil {
				c.PlantingBy, c.HarvestFrom = c.PlantingBy.UTC(), c.HarvestFrom.UTC()
			}
			if v := r.Receivable; v != nil {
				v.InvoiceDate, v.DueDate = v.InvoiceDate.UTC(), v.DueDate.UTC()
			}
		},
	}).init()
	devices = (&table[gt.Device]{
		name: "devices", noun: "device", scoped: true,
		cols: []string{"kind", "collateral_id", "site_id", "token_hash"},
		key:  func(r *gt.Device) (string, *gt.Meta) { return r.ID, &r.Meta },
		values: func(r *gt.Device) []any {
			return []any{string(r.Kind), nullable(r.CollateralID), nullable(r.SiteID), nullable(r.TokenHash)}
		},
		secret: "token_hash",
		read:   func(r *gt.Device, h string) { r.TokenHash = h },
		utc:    func(r *gt.Device) { metaUTC(&r.Meta) },
	}).init()
	releases = (&table[gt.Release]{
		name: "releases", noun: "release", scoped: true,
		cols:   []string{"collateral_id"},
		key:    func(r *gt.Release) (string, *gt.Meta) { return r.ID, &r.Meta },
		values: func(r *gt.Release) []any { return []any{r.CollateralID} },
		utc: func(r *gt.Release) {
			metaUTC(&r.Meta)
			r.At = r.At.UTC()
		},
	}).init()
)

// metaUTC converts the times of m to UTC.
func metaUTC(m *gt.Meta) {
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
}

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
	return putPrices(ctx, tx, c)
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
