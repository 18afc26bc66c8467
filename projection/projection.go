// Package projection describes the SQL projection that every store implements: for each
// record kind, its table, the columns kept beside the record's JSON document (for queries
// and for the secret hashes the JSON leaves out), and how to fill them; for each telemetry
// kind (telemetry.go), its table of one column per field. The dialects (sqlite/,
// postgres/) build their statements from it, so the two cannot drift apart.
package projection

import (
	"fmt"
	"time"

	gt "groundtruth"
)

// Kind describes the table of one record kind. Every table has the columns tenant_id
// (when Scoped), id, version, created_at, updated_at and data; Cols are further columns.
type Kind[T any] struct {
	Table  string                             // SQL table
	Noun   string                             // a record in messages: "loan"
	Scoped bool                               // keyed by (tenant_id, id) rather than id
	Cols   []string                           // extra columns
	Key    func(r *T) (id string, m *gt.Meta) // the record's id and meta
	Values func(r *T) []any                   // values of Cols, in order
	Secret string                             // column of a hash the JSON leaves out
	Read   func(r *T, secret string)          // sets the hash; nil when Secret is ""
	UTC    func(r *T)                         // converts the record's times to UTC
}

// The record kinds, in the order a store writes them.
var (
	Tenants = Kind[gt.Tenant]{
		Table: "tenants", Noun: "tenant",
		Cols:   []string{"name"},
		Key:    func(r *gt.Tenant) (string, *gt.Meta) { return r.ID, &r.Meta },
		Values: func(r *gt.Tenant) []any { return []any{r.Name} },
		UTC:    func(r *gt.Tenant) { metaUTC(&r.Meta) },
	}
	APIKeys = Kind[gt.APIKey]{
		Table: "api_keys", Noun: "API key", Scoped: true,
		Cols:   []string{"role", "revoked", "hash"},
		Key:    func(r *gt.APIKey) (string, *gt.Meta) { return r.ID, &r.Meta },
		Values: func(r *gt.APIKey) []any { return []any{string(r.Role), r.Revoked, r.Hash} },
		Secret: "hash",
		Read:   func(r *gt.APIKey, h string) { r.Hash = h },
		UTC:    func(r *gt.APIKey) { metaUTC(&r.Meta) },
	}
	Parties = Kind[gt.Party]{
		Table: "parties", Noun: "party", Scoped: true,
		Cols:   []string{"name"},
		Key:    func(r *gt.Party) (string, *gt.Meta) { return r.ID, &r.Meta },
		Values: func(r *gt.Party) []any { return []any{r.Name} },
		UTC:    func(r *gt.Party) { metaUTC(&r.Meta) },
	}
	Sites = Kind[gt.Site]{
		Table: "sites", Noun: "site", Scoped: true,
		Cols:   []string{"kind"},
		Key:    func(r *gt.Site) (string, *gt.Meta) { return r.ID, &r.Meta },
		Values: func(r *gt.Site) []any { return []any{string(r.Kind)} },
		UTC:    func(r *gt.Site) { metaUTC(&r.Meta) },
	}
	Loans = Kind[gt.Loan]{
		Table: "loans", Noun: "loan", Scoped: true,
		Cols: []string{"borrower_id", "status", "product", "outstanding_amount", "currency"},
		Key:  func(r *gt.Loan) (string, *gt.Meta) { return r.ID, &r.Meta },
		Values: func(r *gt.Loan) []any {
			return []any{r.BorrowerID, string(r.Status), string(r.Product), r.Outstanding.Amount, r.Outstanding.Currency}
		},
		UTC: func(r *gt.Loan) {
			metaUTC(&r.Meta)
			r.StartDate, r.MaturityDate = r.StartDate.UTC(), r.MaturityDate.UTC()
		},
	}
	Collateral = Kind[gt.Collateral]{
		Table: "collateral", Noun: "collateral", Scoped: true,
		Cols:   []string{"kind"},
		Key:    func(r *gt.Collateral) (string, *gt.Meta) { return r.ID, &r.Meta },
		Values: func(r *gt.Collateral) []any { return []any{string(r.Kind)} },
		UTC: func(r *gt.Collateral) {
			metaUTC(&r.Meta)
			if c := r.Crop; c != nil {
				c.PlantingBy, c.HarvestFrom = c.PlantingBy.UTC(), c.HarvestFrom.UTC()
			}
			if v := r.Receivable; v != nil {
				v.InvoiceDate, v.DueDate = v.InvoiceDate.UTC(), v.DueDate.UTC()
			}
		},
	}
	Devices = Kind[gt.Device]{
		Table: "devices", Noun: "device", Scoped: true,
		// interval_us is the reporting interval in microseconds, for the map's query
		// (Store.DevicePositions) that reads no documents; NULL in rows written before
		// the column existed, which the query reads from the document instead.
		Cols: []string{"kind", "collateral_id", "site_id", "token_hash", "interval_us"},
		Key:  func(r *gt.Device) (string, *gt.Meta) { return r.ID, &r.Meta },
		Values: func(r *gt.Device) []any {
			return []any{string(r.Kind), nullable(r.CollateralID), nullable(r.SiteID), nullable(r.TokenHash),
				int64(r.Interval.Std() / time.Microsecond)}
		},
		Secret: "token_hash",
		Read:   func(r *gt.Device, h string) { r.TokenHash = h },
		UTC:    func(r *gt.Device) { metaUTC(&r.Meta) },
	}
	Releases = Kind[gt.Release]{
		Table: "releases", Noun: "release", Scoped: true,
		Cols:   []string{"collateral_id"},
		Key:    func(r *gt.Release) (string, *gt.Meta) { return r.ID, &r.Meta },
		Values: func(r *gt.Release) []any { return []any{r.CollateralID} },
		UTC: func(r *gt.Release) {
			metaUTC(&r.Meta)
			r.At = r.At.UTC()
		},
	}
)

// metaUTC converts the times of m to UTC.
func metaUTC(m *gt.Meta) {
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
}

// nullable maps an empty string to SQL NULL.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Interval is a device's reporting interval as DevicePositions reads it: the interval_us
// column when set (ok), else the document's "interval" ("1m0s"; empty is none).
func Interval(id string, us int64, ok bool, doc string) (time.Duration, error) {
	if ok {
		return time.Duration(us) * time.Microsecond, nil
	}
	if doc == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(doc)
	if err != nil {
		return 0, fmt.Errorf("device %q: stored interval %q: %w", id, doc, err)
	}
	return d, nil
}
