package projection

import (
	"encoding/json"
	"fmt"
	"strings"

	gt "groundtruth"
)

// Type is the SQL type of a column of a Doc, with the Go type of its values.
type Type int

// Column types.
const (
	Text  Type = iota // TEXT; a string
	Int               // a signed 64-bit integer; an int64
	Float             // a double; a float64
	Bool              // BOOLEAN (INTEGER 0 or 1 on SQLite); a bool
)

// Col is a column of a Doc. A Null column takes nil for SQL NULL.
type Col struct {
	Name string
	Type Type
	Null bool
}

// Doc describes the table of a risk kind. Like a Kind it keeps the whole record as a JSON
// document in the column data, with Cols beside it for queries; unlike a Kind the record
// has no id or meta of its own: it is keyed by the first Key columns, tenant_id first,
// and read back with the tenant of the query, which its JSON leaves out.
type Doc[T any] struct {
	Table  string             // SQL table
	Noun   string             // a record in messages: "loan risk"
	Cols   []Col              // every column but data, the key first
	Key    int                // the first Key columns are the primary key
	Values func(r *T) []any   // values of Cols, in order
	Tenant func(r *T) *string // the record's tenant
	UTC    func(r *T)         // converts the record's times to UTC
	Set    *Set[T]            // a side table, or nil
	// Keep names members of the JSON document that a record may leave out: writing a
	// record without one keeps the stored record's (an alert's evidence, recorded when it
	// opens and not repeated by the engine after).
	Keep []string
}

// Set describes the side table of a Doc that holds a set of strings of each record,
// such as the loans of an alert, so that queries can select records by one of them. Its
// columns are the key columns of the Doc and Col, all of them its primary key; writing a
// record replaces its set.
type Set[T any] struct {
	Table  string              // SQL table
	Col    string              // the column of the members
	Values func(r *T) []string // the members; empty and repeated strings are left out
}

// Replace returns row as it stands after it is written over old: with the members of
// Keep that row leaves out taken from old, as the stores do. Stores use it for two rows
// of one key in one write.
func (d *Doc[T]) Replace(old *T, row T) (T, error) {
	if len(d.Keep) == 0 {
		return row, nil
	}
	var o, r map[string]json.RawMessage
	ob, err := json.Marshal(old)
	if err != nil {
		return row, err
	}
	rb, err := json.Marshal(&row)
	if err != nil {
		return row, err
	}
	if err := json.Unmarshal(ob, &o); err != nil {
		return row, err
	}
	if err := json.Unmarshal(rb, &r); err != nil {
		return row, err
	}
	changed := false
	for _, k := range d.Keep {
		if _, has := r[k]; !has && o[k] != nil {
			r[k], changed = o[k], true
		}
	}
	if !changed {
		return row, nil
	}
	merged, err := json.Marshal(r)
	if err != nil {
		return row, err
	}
	tenant := *d.Tenant(&row) // not in the document
	var out T
	if err := json.Unmarshal(merged, &out); err != nil {
		return row, err
	}
	*d.Tenant(&out) = tenant
	return out, nil
}

// Encode returns the values of the columns of r and its JSON document. A record without
// a tenant, a value that does not fit its column and a record that JSON cannot encode
// (a NaN, a year beyond 9999) are EINVALID errors, which retrying cannot cure.
func (d *Doc[T]) Encode(r *T) ([]any, []byte, error) {
	if *d.Tenant(r) == "" {
		return nil, nil, gt.Errorf(gt.EINVALID, "%s %q has no tenant", d.Noun, d.Name(r))
	}
	vals := d.Values(r)
	if len(vals) != len(d.Cols) {
		return nil, nil, fmt.Errorf("%s: %d values for %d columns", d.Table, len(vals), len(d.Cols))
	}
	for i, v := range vals {
		if err := d.Cols[i].check(v); err != nil {
			return nil, nil, fmt.Errorf("%s %q: %w", d.Noun, d.Name(r), err)
		}
	}
	data, err := json.Marshal(r)
	if err != nil {
		return nil, nil, gt.Errorf(gt.EINVALID, "encode %s %q: %v", d.Noun, d.Name(r), err)
	}
	return vals, data, nil
}

// check returns an error when v is not a value of c.
func (c Col) check(v any) error {
	ok := false
	switch v.(type) {
	case nil:
		ok = c.Null
	case string:
		ok = c.Type == Text
	case int64:
		ok = c.Type == Int
	case float64:
		ok = c.Type == Float
	case bool:
		ok = c.Type == Bool
	}
	if !ok {
		return fmt.Errorf("column %s: value %v of type %T does not fit", c.Name, v, v)
	}
	return nil
}

// Decode reads the JSON document of a record of tenant.
func (d *Doc[T]) Decode(tenant string, data []byte) (T, error) {
	var r T
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("decode %s: %w", d.Noun, err)
	}
	*d.Tenant(&r) = tenant
	d.UTC(&r)
	return r, nil
}

// Name names r in messages by its key without the tenant, e.g. "loan:l1/ltv_high", or
// by its tenant when the tenant is the whole key.
func (d *Doc[T]) Name(r *T) string {
	if d.Key == 1 {
		return *d.Tenant(r)
	}
	vals := d.Values(r)[1:d.Key]
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, "/")
}

// KeyCols returns the names of the key columns.
func (d *Doc[T]) KeyCols() []string {
	out := make([]string, d.Key)
	for i := range out {
		out[i] = d.Cols[i].Name
	}
	return out
}

// Members returns the members of the set of r: distinct, not empty, in the order given.
func (s *Set[T]) Members(r *T) []string {
	var out []string
	for _, v := range s.Values(r) {
		if v != "" && !contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// contains reports whether s holds v; sets are small.
func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// The risk kinds, in the order a store writes them (after the records and telemetry).
var (
	Rules = Doc[gt.Rule]{
		Table: "rules", Noun: "rule",
		Cols: []Col{{Name: "tenant_id"}, {Name: "name"}, {Name: "version", Type: Int}},
		Key:  3,
		Values: func(r *gt.Rule) []any {
			return []any{r.TenantID, r.Name, int64(r.Version)}
		},
		Tenant: func(r *gt.Rule) *string { return &r.TenantID },
		UTC:    func(r *gt.Rule) { r.SavedAt = r.SavedAt.UTC() },
	}
	Valuations = Doc[gt.Valuation]{
		Table: "valuations", Noun: "valuation of collateral",
		Cols: []Col{{Name: "tenant_id"}, {Name: "collateral_id"}, {Name: "kind"}, {Name: "commodity"},
			{Name: "custodian_id"}, {Name: "site_id"}, {Name: "value_amount", Type: Int}, {Name: "value_currency"}},
		Key: 2,
		Values: func(r *gt.Valuation) []any {
			return []any{r.TenantID, r.CollateralID, string(r.Kind), r.Commodity, r.CustodianID, r.SiteID,
				r.Value.Amount, r.Value.Currency}
		},
		Tenant: func(r *gt.Valuation) *string { return &r.TenantID },
		UTC:    valuationUTC,
	}
	LoanRisks = Doc[gt.LoanRisk]{
		Table: "loan_risks", Noun: "risk of loan",
		Cols: []Col{{Name: "tenant_id"}, {Name: "loan_id"}, {Name: "band"},
			{Name: "exposure_amount", Type: Int}, {Name: "exposure_currency"},
			{Name: "value_amount", Type: Int}, {Name: "value_currency"}, {Name: "ltv", Type: Float, Null: true},
			{Name: "borrower_id"}, {Name: "core_enterprise_id"}, {Name: "el_amount", Type: Int}, {Name: "rwa_amount", Type: Int}},
		Key: 2,
		Values: func(r *gt.LoanRisk) []any {
			var ltv any
			if r.LTV != nil {
				ltv = *r.LTV
			}
			var el, rwa int64
			if c := r.Credit; c != nil {
				el, rwa = c.EL.Amount, c.RWA.Amount
			}
			return []any{r.TenantID, r.LoanID, r.Band, r.Exposure.Amount, r.Exposure.Currency,
				r.CollateralValue.Amount, r.CollateralValue.Currency, ltv, r.BorrowerID, r.CoreEnterpriseID, el, rwa}
		},
		Tenant: func(r *gt.LoanRisk) *string { return &r.TenantID },
		UTC: func(r *gt.LoanRisk) {
			r.At, r.BandSince = r.At.UTC(), r.BandSince.UTC()
			if m := r.MarginCall; m != nil {
				m.Opened, m.CureBy = m.Opened.UTC(), m.CureBy.UTC()
			}
			for i := range r.Allocations {
				if f := r.Allocations[i].FX; f != nil {
					f.At = f.At.UTC()
				}
			}
		},
		// The collateral securing each loan, for the loans of a concentration.
		Set: &Set[gt.LoanRisk]{Table: "loan_risk_collateral", Col: "collateral_id",
			Values: func(r *gt.LoanRisk) []string {
				out := make([]string, len(r.Allocations))
				for i, a := range r.Allocations {
					out[i] = a.CollateralID
				}
				return out
			}},
	}
	Signals = Doc[gt.Signal]{
		Table: "signals", Noun: "signal",
		Cols:   []Col{{Name: "tenant_id"}, {Name: "subject"}, {Name: "name"}, {Name: "active", Type: Bool}},
		Key:    3,
		Values: func(r *gt.Signal) []any { return []any{r.TenantID, r.Subject, r.Name, r.Active} },
		Tenant: func(r *gt.Signal) *string { return &r.TenantID },
		UTC: func(r *gt.Signal) {
			r.Since = r.Since.UTC()
			evidenceUTC(&r.Evidence)
		},
	}
	Alerts = Doc[gt.Alert]{
		Table: "alerts", Noun: "alert",
		Cols: []Col{{Name: "tenant_id"}, {Name: "id"}, {Name: "rule"}, {Name: "subject"}, {Name: "severity"},
			{Name: "state"}, {Name: "status"}},
		Key: 2,
		Values: func(r *gt.Alert) []any {
			return []any{r.TenantID, r.ID, r.Rule, r.Subject, r.Severity, r.State, r.Status}
		},
		Tenant: func(r *gt.Alert) *string { return &r.TenantID },
		UTC: func(r *gt.Alert) {
			r.ActiveAt, r.FiredAt, r.ResolvedAt = r.ActiveAt.UTC(), r.FiredAt.UTC(), r.ResolvedAt.UTC()
			r.AckedAt, r.ClosedAt = r.AckedAt.UTC(), r.ClosedAt.UTC()
			evidenceUTC(&r.Evidence)
		},
		// The loans of each alert, for AlertQuery.Loan.
		Set: &Set[gt.Alert]{Table: "alert_loans", Col: "loan_id",
			Values: func(r *gt.Alert) []string { return r.Loans }},
		Keep: []string{"evidence"},
	}
	Actions = Doc[gt.Action]{
		Table: "actions", Noun: "action",
		Cols:   []Col{{Name: "tenant_id"}, {Name: "id"}, {Name: "kind"}, {Name: "alert_id"}, {Name: "state"}},
		Key:    2,
		Values: func(r *gt.Action) []any { return []any{r.TenantID, r.ID, r.Kind, r.AlertID, r.State} },
		Tenant: func(r *gt.Action) *string { return &r.TenantID },
		UTC:    func(r *gt.Action) { r.Created, r.CureBy = r.Created.UTC(), r.CureBy.UTC() },
	}
	LoanPoints = Doc[gt.LoanPoint]{
		Table: "loan_points", Noun: "point of loan",
		Cols: []Col{{Name: "tenant_id"}, {Name: "loan_id"}, {Name: "start_unix", Type: Int}},
		Key:  3,
		Values: func(r *gt.LoanPoint) []any {
			return []any{r.TenantID, r.LoanID, r.Start.Unix()}
		},
		Tenant: func(r *gt.LoanPoint) *string { return &r.TenantID },
		UTC:    func(r *gt.LoanPoint) { r.Start, r.At = r.Start.UTC(), r.At.UTC() },
	}
	FieldObservations = Doc[gt.FieldObservation]{
		Table: "field_observations", Noun: "observation of field",
		Cols: []Col{{Name: "tenant_id"}, {Name: "collateral_id"}, {Name: "at_unix", Type: Int}, {Name: "scene"}},
		Key:  4,
		Values: func(r *gt.FieldObservation) []any {
			return []any{r.TenantID, r.CollateralID, r.At.Unix(), r.Scene}
		},
		Tenant: func(r *gt.FieldObservation) *string { return &r.TenantID },
		UTC:    func(r *gt.FieldObservation) { r.At = r.At.UTC() },
	}
	Inspections = Doc[gt.Inspection]{
		Table: "inspections", Noun: "inspection",
		Cols:   []Col{{Name: "tenant_id"}, {Name: "id"}, {Name: "action_id"}, {Name: "state"}},
		Key:    2,
		Values: func(r *gt.Inspection) []any { return []any{r.TenantID, r.ID, r.ActionID, r.State} },
		Tenant: func(r *gt.Inspection) *string { return &r.TenantID },
		UTC: func(r *gt.Inspection) {
			r.Created, r.CompletedAt = r.Created.UTC(), r.CompletedAt.UTC()
		},
	}
)

// valuationUTC converts the times of a valuation to UTC.
func valuationUTC(v *gt.Valuation) {
	v.At = v.At.UTC()
	for i := range v.Sources {
		v.Sources[i].At = v.Sources[i].At.UTC()
	}
	if p := v.Price; p != nil {
		p.At = p.At.UTC()
	}
}

// evidenceUTC converts the times of evidence to UTC.
func evidenceUTC(e *gt.Evidence) {
	for i := range e.Readings {
		e.Readings[i].At = e.Readings[i].At.UTC()
	}
	for i := range e.Valuations {
		valuationUTC(&e.Valuations[i])
	}
	for i := range e.Prices {
		e.Prices[i].At = e.Prices[i].At.UTC()
	}
}
