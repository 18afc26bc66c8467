package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	gt "groundtruth"
)

// Tenant returns the tenant with the given id, or an ENOTFOUND error.
func (s *Store) Tenant(ctx context.Context, id string) (*gt.Tenant, error) {
	return tenants.one(ctx, s.pool, "", id)
}

// Tenants returns one page of all tenants, ordered by id.
func (s *Store) Tenants(ctx context.Context, o gt.ListOptions) ([]gt.Tenant, error) {
	return tenants.page(ctx, s.pool, "", o)
}

// APIKeyByHash returns the key, of any tenant, whose secret hashes to hash, or an
// ENOTFOUND error. A revoked key is returned too; the caller checks Revoked.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (*gt.APIKey, error) {
	if hash == "" {
		return nil, gt.Errorf(gt.ENOTFOUND, "API key not found")
	}
	return apiKeys.where(ctx, s.pool, "hash = $1", hash)
}

// APIKey returns a tenant's API key by id, or an ENOTFOUND error.
func (s *Store) APIKey(ctx context.Context, tenant, id string) (*gt.APIKey, error) {
	return apiKeys.one(ctx, s.pool, tenant, id)
}

// APIKeys returns one page of a tenant's API keys, ordered by id.
func (s *Store) APIKeys(ctx context.Context, tenant string, o gt.ListOptions) ([]gt.APIKey, error) {
	return apiKeys.page(ctx, s.pool, tenant, o)
}

// DeviceByTokenHash returns the device, of any tenant, whose token hashes to hash, or an
// ENOTFOUND error.
func (s *Store) DeviceByTokenHash(ctx context.Context, hash string) (*gt.Device, error) {
	if hash == "" {
		return nil, gt.Errorf(gt.ENOTFOUND, "device not found")
	}
	return devices.where(ctx, s.pool, "token_hash = $1", hash)
}

// Party returns a tenant's party, or an ENOTFOUND error.
func (s *Store) Party(ctx context.Context, tenant, id string) (*gt.Party, error) {
	return parties.one(ctx, s.pool, tenant, id)
}

// Parties returns one page of a tenant's parties, ordered by id.
func (s *Store) Parties(ctx context.Context, tenant string, o gt.ListOptions) ([]gt.Party, error) {
	return parties.page(ctx, s.pool, tenant, o)
}

// Site returns a tenant's site, or an ENOTFOUND error.
func (s *Store) Site(ctx context.Context, tenant, id string) (*gt.Site, error) {
	return sites.one(ctx, s.pool, tenant, id)
}

// Sites returns one page of a tenant's sites, ordered by id.
func (s *Store) Sites(ctx context.Context, tenant string, o gt.ListOptions) ([]gt.Site, error) {
	return sites.page(ctx, s.pool, tenant, o)
}

// Loan returns a tenant's loan, or an ENOTFOUND error.
func (s *Store) Loan(ctx context.Context, tenant, id string) (*gt.Loan, error) {
	return loans.one(ctx, s.pool, tenant, id)
}

// Loans returns one page of a tenant's loans, ordered by id.
func (s *Store) Loans(ctx context.Context, tenant string, o gt.ListOptions) ([]gt.Loan, error) {
	return loans.page(ctx, s.pool, tenant, o)
}

// Collateral returns a tenant's collateral, or an ENOTFOUND error.
func (s *Store) Collateral(ctx context.Context, tenant, id string) (*gt.Collateral, error) {
	return collateral.one(ctx, s.pool, tenant, id)
}

// Collaterals returns one page of a tenant's collateral, ordered by id.
func (s *Store) Collaterals(ctx context.Context, tenant string, o gt.ListOptions) ([]gt.Collateral, error) {
	return collateral.page(ctx, s.pool, tenant, o)
}

// Device returns a tenant's device with its token hash, or an ENOTFOUND error.
func (s *Store) Device(ctx context.Context, tenant, id string) (*gt.Device, error) {
	return devices.one(ctx, s.pool, tenant, id)
}

// Devices returns one page of a tenant's devices, ordered by id.
func (s *Store) Devices(ctx context.Context, tenant string, o gt.ListOptions) ([]gt.Device, error) {
	return devices.page(ctx, s.pool, tenant, o)
}

// Release returns a tenant's release, or an ENOTFOUND error.
func (s *Store) Release(ctx context.Context, tenant, id string) (*gt.Release, error) {
	return releases.one(ctx, s.pool, tenant, id)
}

// Releases returns one page of a tenant's releases, ordered by id.
func (s *Store) Releases(ctx context.Context, tenant string, o gt.ListOptions) ([]gt.Release, error) {
	return releases.page(ctx, s.pool, tenant, o)
}

// Prices returns one page of a tenant's ticks of q.Commodity with q.From <= At < q.To, in
// time order. The cursor q.After is the At of the last tick of the previous page in
// RFC 3339 with nanoseconds; a malformed cursor is an EINVALID error.
func (s *Store) Prices(ctx context.Context, tenant string, q gt.PriceQuery) ([]gt.PriceTick, error) {
	var (
		cond = []string{"tenant_id = $1", "commodity = $2"}
		args = []any{tenant, q.Commodity}
	)
	bound := func(op string, t time.Time) {
		at, nanos := splitTime(t)
		args = append(args, at, nanos)
		cond = append(cond, fmt.Sprintf("(at, at_nanos) %s ($%d, $%d)", op, len(args)-1, len(args)))
	}
	if !q.From.IsZero() {
		bound(">=", q.From)
	}
	if !q.To.IsZero() {
		bound("<", q.To)
	}
	if q.After != "" {
		after, err := time.Parse(time.RFC3339Nano, q.After)
		if err != nil {
			return nil, gt.Errorf(gt.EINVALID, "price cursor %q is not an RFC 3339 time", q.After)
		}
		bound(">", after)
	}
	args = append(args, gt.ListOptions{Limit: q.Limit}.PageLimit())
	rows, err := s.pool.Query(ctx, `SELECT at, at_nanos, amount, currency, unit, source, seq FROM prices WHERE `+
		strings.Join(cond, " AND ")+fmt.Sprintf(` ORDER BY at, at_nanos LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list %s prices: %w", q.Commodity, err)
	}
	defer rows.Close()
	out := []gt.PriceTick{}
	for rows.Next() {
		var (
			nanos int16
			seq   int64
		)
		p := gt.PriceTick{TenantID: tenant, Commodity: q.Commodity}
		if err := rows.Scan(&p.At, &nanos, &p.Price.Amount, &p.Price.Currency, &p.Unit, &p.Source, &seq); err != nil {
			return nil, fmt.Errorf("list %s prices: %w", q.Commodity, err)
		}
		p.At = p.At.UTC().Add(time.Duration(nanos))
		p.Seq = uint64(seq)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s prices: %w", q.Commodity, err)
	}
	return out, nil
}

// Commodities returns the commodities of a tenant with at least one tick, sorted.
func (s *Store) Commodities(ctx context.Context, tenant string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT commodity FROM prices WHERE tenant_id = $1 ORDER BY commodity`, tenant)
	if err != nil {
		return nil, fmt.Errorf("list commodities: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("list commodities: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list commodities: %w", err)
	}
	return out, nil
}
