package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	gt "groundtruth"
	"groundtruth/projection"
)

// The tables of the risk kinds, in the order ApplyChanges writes them.
var (
	rules       = (&docTable[gt.Rule]{Doc: projection.Rules}).init()
	valuations  = (&docTable[gt.Valuation]{Doc: projection.Valuations}).init()
	loanRisks   = (&docTable[gt.LoanRisk]{Doc: projection.LoanRisks}).init()
	signals     = (&docTable[gt.Signal]{Doc: projection.Signals}).init()
	alerts      = (&docTable[gt.Alert]{Doc: projection.Alerts}).init()
	actions     = (&docTable[gt.Action]{Doc: projection.Actions}).init()
	inspections = (&docTable[gt.Inspection]{Doc: projection.Inspections}).init()
	loanPoints  = (&docTable[gt.LoanPoint]{Doc: projection.LoanPoints}).init()
	fieldObs    = (&docTable[gt.FieldObservation]{Doc: projection.FieldObservations}).init()
)

// docTable is a risk kind's projection.Doc with the statements of this dialect that
// write it; the reads come from package projection as they are.
type docTable[T any] struct {
	projection.Doc[T]
	upsert string // of one record
	unset  string // DELETE of the set of one record
	add    string // INSERT of one member of the set of a record
}

// init builds the table's SQL and returns t.
func (t *docTable[T]) init() *docTable[T] {
	var cols, params, set []string
	for i, c := range t.Cols {
		cols, params = append(cols, c.Name), append(params, "?")
		if i >= t.Key {
			set = append(set, c.Name+" = excluded."+c.Name)
		}
	}
	data := "excluded.data"
	for _, k := range t.Keep {
		// A member the new document leaves out is taken from the stored one.
		data = fmt.Sprintf("CASE WHEN json_type(excluded.data, '$.%[1]s') IS NULL AND json_type(%[2]s.data, '$.%[1]s') IS NOT NULL "+
			"THEN json_set(%[3]s, '$.%[1]s', %[2]s.data -> '$.%[1]s') ELSE %[3]s END", k, t.Table, data)
	}
	cols, params, set = append(cols, "data"), append(params, "?"), append(set, "data = "+data)
	key := t.KeyCols()
	t.upsert = fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) DO UPDATE SET %s", t.Table,
		strings.Join(cols, ", "), strings.Join(params, ", "), strings.Join(key, ", "), strings.Join(set, ", "))
	if t.Set != nil {
		t.unset = fmt.Sprintf("DELETE FROM %s WHERE %s = ?", t.Set.Table, strings.Join(key, " = ? AND "))
		t.add = fmt.Sprintf("INSERT INTO %s (%s, %s) VALUES (%s?)", t.Set.Table, strings.Join(key, ", "),
			t.Set.Col, strings.Repeat("?, ", len(key)))
	}
	return t
}

// put upserts every record of rs in tx, in order, and replaces the sets of each.
func (t *docTable[T]) put(ctx context.Context, tx *sql.Tx, rs []T) error {
	if len(rs) == 0 {
		return nil
	}
	upsert, err := tx.PrepareContext(ctx, t.upsert)
	if err != nil {
		return fmt.Errorf("prepare %s upsert: %w", t.Noun, err)
	}
	defer upsert.Close()
	var unset, add *sql.Stmt
	if t.Set != nil {
		if unset, err = tx.PrepareContext(ctx, t.unset); err != nil {
			return fmt.Errorf("prepare %s delete: %w", t.Set.Table, err)
		}
		defer unset.Close()
		if add, err = tx.PrepareContext(ctx, t.add); err != nil {
			return fmt.Errorf("prepare %s insert: %w", t.Set.Table, err)
		}
		defer add.Close()
	}
	for i := range rs {
		r := &rs[i]
		vals, data, err := t.Encode(r)
		if err != nil {
			return err
		}
		for j, v := range vals {
			if b, ok := v.(bool); ok {
				vals[j] = boolInt(b)
			}
		}
		if _, err := upsert.ExecContext(ctx, append(vals, string(data))...); err != nil {
			return fmt.Errorf("put %s %q: %w", t.Noun, t.Name(r), err)
		}
		if t.Set == nil {
			continue
		}
		key := vals[:t.Key:t.Key]
		if _, err := unset.ExecContext(ctx, key...); err != nil {
			return fmt.Errorf("put %s %q: clear %s: %w", t.Noun, t.Name(r), t.Set.Table, err)
		}
		for _, m := range t.Set.Members(r) {
			if _, err := add.ExecContext(ctx, append(key, m)...); err != nil {
				return fmt.Errorf("put %s %q: %s %q: %w", t.Noun, t.Name(r), t.Set.Col, m, err)
			}
		}
	}
	return nil
}

// boolInt returns 1 for true and 0 for false, as SQLite stores booleans.
func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// putRisk upserts the risk records of c, kind by kind.
func putRisk(ctx context.Context, tx *sql.Tx, c *gt.Changes) error {
	for _, put := range []func() error{
		func() error { return rules.put(ctx, tx, c.Rules) },
		func() error { return valuations.put(ctx, tx, c.Valuations) },
		func() error { return loanRisks.put(ctx, tx, c.LoanRisks) },
		func() error { return signals.put(ctx, tx, c.Signals) },
		func() error { return alerts.put(ctx, tx, c.Alerts) },
		func() error { return actions.put(ctx, tx, c.Actions) },
		func() error { return inspections.put(ctx, tx, c.Inspections) },
		func() error { return loanPoints.put(ctx, tx, c.LoanPoints) },
		func() error { return fieldObs.put(ctx, tx, c.FieldObservations) },
	} {
		if err := put(); err != nil {
			return err
		}
	}
	return nil
}

// one returns the record of tenant with the given id, or an ENOTFOUND error.
func (t *docTable[T]) one(ctx context.Context, db *sql.DB, tenant, id string) (*T, error) {
	q := t.Get(tenant, id)
	var data []byte
	err := db.QueryRowContext(ctx, q.SQL, q.Args...).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gt.Errorf(gt.ENOTFOUND, "%s %q not found", t.Noun, id)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s %q: %w", t.Noun, id, err)
	}
	r, err := t.Decode(tenant, data)
	if err != nil {
		return nil, fmt.Errorf("get %s %q: %w", t.Noun, id, err)
	}
	return &r, nil
}

// list returns the records of tenant that q selects.
func (t *docTable[T]) list(ctx context.Context, db *sql.DB, tenant string, q projection.Query) ([]T, error) {
	rows, err := db.QueryContext(ctx, q.SQL, q.Args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", t.Table, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("list %s: %w", t.Table, err)
		}
		r, err := t.Decode(tenant, data)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", t.Table, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", t.Table, err)
	}
	return out, nil
}

// Valuation returns the latest valuation of a tenant's collateral, or an ENOTFOUND error.
func (s *Store) Valuation(ctx context.Context, tenant, collateral string) (*gt.Valuation, error) {
	return valuations.one(ctx, s.r, tenant, collateral)
}

// LoanRisk returns the latest metrics of a tenant's loan, or an ENOTFOUND error.
func (s *Store) LoanRisk(ctx context.Context, tenant, loan string) (*gt.LoanRisk, error) {
	return loanRisks.one(ctx, s.r, tenant, loan)
}

// LoanPoints returns the hourly points of a loan starting in [from, to), oldest first,
// at most limit (the newest).
func (s *Store) LoanPoints(ctx context.Context, tenant, loan string, from, to time.Time, limit int) ([]gt.LoanPoint, error) {
	ps, err := loanPoints.list(ctx, s.r, tenant, projection.LoanPointsQuery(tenant, loan, from, to, limit))
	slices.Reverse(ps)
	return ps, err
}

// FieldObservations returns a crop field's observations acquired in [from, to), oldest
// first, at most limit (the newest).
func (s *Store) FieldObservations(ctx context.Context, tenant, collateral string, from, to time.Time, limit int) ([]gt.FieldObservation, error) {
	os, err := fieldObs.list(ctx, s.r, tenant, projection.FieldObservationsQuery(tenant, collateral, from, to, limit))
	slices.Reverse(os)
	return os, err
}

// LoanRisks returns one page of a tenant's loan metrics in band (any when empty), by
// loan id.
func (s *Store) LoanRisks(ctx context.Context, tenant, band string, o gt.ListOptions) ([]gt.LoanRisk, error) {
	return loanRisks.list(ctx, s.r, tenant, projection.LoanRisksQuery(tenant, band, o))
}

// Portfolio aggregates a tenant's loan metrics, valuations and open alerts with one
// statement (see projection.PortfolioQuery).
func (s *Store) Portfolio(ctx context.Context, tenant string) (*gt.Portfolio, error) {
	q := projection.PortfolioQuery(tenant)
	rows, err := s.r.QueryContext(ctx, q.SQL, q.Args...)
	if err != nil {
		return nil, fmt.Errorf("aggregate portfolio: %w", err)
	}
	defer rows.Close()
	return projection.ScanPortfolio(rows)
}

// Signals returns one page of a tenant's signals by subject then name, only the active
// ones when activeOnly. The cursor is "subject/name"; another is an EINVALID error.
func (s *Store) Signals(ctx context.Context, tenant string, activeOnly bool, o gt.ListOptions) ([]gt.Signal, error) {
	q, err := projection.SignalsQuery(tenant, activeOnly, o)
	if err != nil {
		return nil, err
	}
	return signals.list(ctx, s.r, tenant, q)
}

// Alert returns a tenant's alert, or an ENOTFOUND error.
func (s *Store) Alert(ctx context.Context, tenant, id string) (*gt.Alert, error) {
	return alerts.one(ctx, s.r, tenant, id)
}

// Alerts returns one page of a tenant's alerts matching q, newest first.
func (s *Store) Alerts(ctx context.Context, tenant string, q gt.AlertQuery) ([]gt.Alert, error) {
	return alerts.list(ctx, s.r, tenant, projection.AlertsQuery(tenant, q))
}

// Action returns a tenant's action, or an ENOTFOUND error.
func (s *Store) Action(ctx context.Context, tenant, id string) (*gt.Action, error) {
	return actions.one(ctx, s.r, tenant, id)
}

// Actions returns one page of a tenant's actions, newest first.
func (s *Store) Actions(ctx context.Context, tenant string, o gt.ListOptions) ([]gt.Action, error) {
	return actions.list(ctx, s.r, tenant, projection.ActionsQuery(tenant, o))
}

// Inspection returns a tenant's inspection, or an ENOTFOUND error.
func (s *Store) Inspection(ctx context.Context, tenant, id string) (*gt.Inspection, error) {
	return inspections.one(ctx, s.r, tenant, id)
}

// Inspections returns one page of a tenant's inspections, newest first.
func (s *Store) Inspections(ctx context.Context, tenant string, o gt.ListOptions) ([]gt.Inspection, error) {
	return inspections.list(ctx, s.r, tenant, projection.InspectionsQuery(tenant, o))
}

// Rules returns the latest version of each of a tenant's saved rules, by name.
func (s *Store) Rules(ctx context.Context, tenant string) ([]gt.Rule, error) {
	return rules.list(ctx, s.r, tenant, projection.RulesQuery(tenant))
}

// RuleVersions returns every version of a tenant's rule, oldest first, or an ENOTFOUND
// error when the rule has none.
func (s *Store) RuleVersions(ctx context.Context, tenant, name string) ([]gt.Rule, error) {
	out, err := rules.list(ctx, s.r, tenant, projection.RuleVersionsQuery(tenant, name))
	if err == nil && len(out) == 0 {
		return nil, gt.Errorf(gt.ENOTFOUND, "rule %q not found", name)
	}
	return out, err
}
