package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

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

// docArray is the array type a column of a Doc is sent as.
var docArray = [...]string{projection.Text: "text[]", projection.Int: "int8[]",
	projection.Float: "float8[]", projection.Bool: "bool[]"}

// docTable is a risk kind's projection.Doc with the statements of this dialect that
// write it; the reads come from package projection with their placeholders numbered.
// Like the telemetry rows, the records of one Changes are written by one statement that
// sends each column as an array, whatever their number.
type docTable[T any] struct {
	projection.Doc[T]
	upsert string // of every record
	unset  string // DELETE of the sets of every record
	add    string // INSERT of every member of the sets
}

// unnest returns "unnest($1::text[], ...) AS r (a, ...)" of the columns.
func unnest(cols []projection.Col, extra ...string) string {
	var params, names []string
	for i, c := range cols {
		params = append(params, fmt.Sprintf("$%d::%s", i+1, docArray[c.Type]))
		names = append(names, c.Name)
	}
	for _, e := range extra {
		params = append(params, fmt.Sprintf("$%d::text[]", len(params)+1))
		names = append(names, e)
	}
	return fmt.Sprintf("unnest(%s) AS r (%s)", strings.Join(params, ", "), strings.Join(names, ", "))
}

// init builds the table's SQL and returns t.
func (t *docTable[T]) init() *docTable[T] {
	var names, set []string
	for i, c := range t.Cols {
		names = append(names, c.Name)
		if i >= t.Key {
			set = append(set, c.Name+" = excluded."+c.Name)
		}
	}
	cols := strings.Join(names, ", ")
	key := strings.Join(t.KeyCols(), ", ")
	data := "excluded.data"
	for _, k := range t.Keep {
		// A member the new document leaves out is taken from the stored one.
		data = fmt.Sprintf("CASE WHEN excluded.data -> '%[1]s' IS NULL AND %[2]s.data -> '%[1]s' IS NOT NULL "+
			"THEN %[3]s || jsonb_build_object('%[1]s', %[2]s.data -> '%[1]s') ELSE %[3]s END", k, t.Table, data)
	}
	set = append(set, "data = "+data)
	t.upsert = fmt.Sprintf("INSERT INTO %s (%s, data) SELECT %[2]s, data::jsonb FROM %s ON CONFLICT (%s) DO UPDATE SET %s",
		t.Table, cols, unnest(t.Cols, "data"), key, strings.Join(set, ", "))
	if t.Set != nil {
		keyCols := t.Cols[:t.Key]
		t.unset = fmt.Sprintf("DELETE FROM %s WHERE (%s) IN (SELECT %[2]s FROM %s)", t.Set.Table, key, unnest(keyCols))
		t.add = fmt.Sprintf("INSERT INTO %s (%s, %s) SELECT %[2]s, %[3]s FROM %s", t.Set.Table, key, t.Set.Col,
			unnest(keyCols, t.Set.Col))
	}
	return t
}

// queue adds the upsert of every record of rs to b, and the replacement of their sets,
// with a label for each statement that names it in errors. Of records of rs with the
// same key, the last is written, with what it leaves out of Keep from the earlier ones.
func (t *docTable[T]) queue(b *pgx.Batch, labels []string, rs []T) ([]string, error) {
	if len(rs) == 0 {
		return labels, nil
	}
	rs, err := t.dedupe(rs)
	if err != nil {
		return labels, err
	}
	n := len(rs)
	cols := make([]any, len(t.Cols))
	for i, c := range t.Cols {
		cols[i] = makeArray(c.Type, n)
	}
	data := make([]string, 0, n)
	var members []any // the key columns and the member of every member of every set
	if t.Set != nil {
		for _, c := range t.Cols[:t.Key] {
			members = append(members, makeArray(c.Type, n))
		}
		members = append(members, make([]pgtype.Text, 0, n))
	}
	for i := range rs {
		vals, doc, err := t.Encode(&rs[i])
		if err != nil {
			return nil, err
		}
		for j, v := range vals {
			cols[j] = appendValue(cols[j], v)
		}
		data = append(data, string(doc))
		if t.Set == nil {
			continue
		}
		for _, m := range t.Set.Members(&rs[i]) {
			for j, v := range vals[:t.Key] {
				members[j] = appendValue(members[j], v)
			}
			members[t.Key] = appendValue(members[t.Key], m)
		}
	}
	name := fmt.Sprintf("%s %q and %d more", t.Noun, t.Name(&rs[0]), n-1)
	b.Queue(t.upsert, append(cols, data)...)
	labels = append(labels, "put "+name)
	if t.Set != nil {
		b.Queue(t.unset, cols[:t.Key]...)
		b.Queue(t.add, members...)
		labels = append(labels, "clear "+t.Set.Table+" of "+name, "put "+t.Set.Table+" of "+name)
	}
	return labels, nil
}

// dedupe returns rs with one record per key, the last given, at the place of the
// first. PostgreSQL refuses to update a row twice in one statement.
func (t *docTable[T]) dedupe(rs []T) ([]T, error) {
	if len(rs) < 2 {
		return rs, nil
	}
	seen := make(map[string]int, len(rs))
	out := make([]T, 0, len(rs))
	for i := range rs {
		k := fmt.Sprintf("%#v", t.Values(&rs[i])[:t.Key])
		if j, ok := seen[k]; ok {
			r, err := t.Replace(&out[j], rs[i]) // what the later row leaves out, as an upsert keeps it
			if err != nil {
				return nil, err
			}
			out[j] = r
			continue
		}
		seen[k] = len(out)
		out = append(out, rs[i])
	}
	return out, nil
}

// makeArray returns an empty array of a column type with room for n values.
func makeArray(ct projection.Type, n int) any {
	switch ct {
	case projection.Int:
		return make([]pgtype.Int8, 0, n)
	case projection.Float:
		return make([]pgtype.Float8, 0, n)
	case projection.Bool:
		return make([]pgtype.Bool, 0, n)
	}
	return make([]pgtype.Text, 0, n)
}

// appendValue appends v, checked by Doc.Encode, to an array of makeArray; nil is NULL.
func appendValue(a, v any) any {
	switch a := a.(type) {
	case []pgtype.Text:
		s, ok := v.(string)
		return append(a, pgtype.Text{String: s, Valid: ok})
	case []pgtype.Int8:
		i, ok := v.(int64)
		return append(a, pgtype.Int8{Int64: i, Valid: ok})
	case []pgtype.Float8:
		f, ok := v.(float64)
		return append(a, pgtype.Float8{Float64: f, Valid: ok})
	case []pgtype.Bool:
		b, ok := v.(bool)
		return append(a, pgtype.Bool{Bool: b, Valid: ok})
	}
	panic(fmt.Sprintf("postgres: array of %T", a))
}

// queueRisk adds the upserts of the risk records of c, kind by kind.
func queueRisk(b *pgx.Batch, labels []string, c *gt.Changes) ([]string, error) {
	var err error
	for _, q := range []func() ([]string, error){
		func() ([]string, error) { return rules.queue(b, labels, c.Rules) },
		func() ([]string, error) { return valuations.queue(b, labels, c.Valuations) },
		func() ([]string, error) { return loanRisks.queue(b, labels, c.LoanRisks) },
		func() ([]string, error) { return signals.queue(b, labels, c.Signals) },
		func() ([]string, error) { return alerts.queue(b, labels, c.Alerts) },
		func() ([]string, error) { return actions.queue(b, labels, c.Actions) },
		func() ([]string, error) { return inspections.queue(b, labels, c.Inspections) },
		func() ([]string, error) { return loanPoints.queue(b, labels, c.LoanPoints) },
		func() ([]string, error) { return fieldObs.queue(b, labels, c.FieldObservations) },
	} {
		if labels, err = q(); err != nil {
			return nil, err
		}
	}
	return labels, nil
}

// rebind numbers the ? placeholders of a statement of package projection ($1, $2, ...).
// Those statements hold no ? in literals.
func rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] != '?' {
			b.WriteByte(q[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// one returns the record of tenant with the given id, or an ENOTFOUND error.
func (t *docTable[T]) one(ctx context.Context, db *pgxpool.Pool, tenant, id string) (*T, error) {
	q := t.Get(tenant, id)
	var data []byte
	err := db.QueryRow(ctx, rebind(q.SQL), q.Args...).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
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
func (t *docTable[T]) list(ctx context.Context, db *pgxpool.Pool, tenant string, q projection.Query) ([]T, error) {
	rows, err := db.Query(ctx, rebind(q.SQL), q.Args...)
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
	return valuations.one(ctx, s.pool, tenant, collateral)
}

// LoanRisk returns the latest metrics of a tenant's loan, or an ENOTFOUND error.
func (s *Store) LoanRisk(ctx context.Context, tenant, loan string) (*gt.LoanRisk, error) {
	return loanRisks.one(ctx, s.pool, tenant, loan)
}

// LoanPoints returns the hourly points of a loan starting in [from, to), oldest first,
// at most limit (the newest).
func (s *Store) LoanPoints(ctx context.Context, tenant, loan string, from, to time.Time, limit int) ([]gt.LoanPoint, error) {
	ps, err := loanPoints.list(ctx, s.pool, tenant, projection.LoanPointsQuery(tenant, loan, from, to, limit))
	slices.Reverse(ps)
	return ps, err
}

// FieldObservations returns a crop field's observations acquired in [from, to), oldest
// first, at most limit (the newest).
func (s *Store) FieldObservations(ctx context.Context, tenant, collateral string, from, to time.Time, limit int) ([]gt.FieldObservation, error) {
	os, err := fieldObs.list(ctx, s.pool, tenant, projection.FieldObservationsQuery(tenant, collateral, from, to, limit))
	slices.Reverse(os)
	return os, err
}

// LoanRisks returns one page of a tenant's loan metrics in band (any when empty), by
// loan id.
func (s *Store) LoanRisks(ctx context.Context, tenant, band string, o gt.ListOptions) ([]gt.LoanRisk, error) {
	return loanRisks.list(ctx, s.pool, tenant, projection.LoanRisksQuery(tenant, band, o))
}

// Portfolio aggregates a tenant's loan metrics, valuations and open alerts with one
// statement (see projection.PortfolioQuery).
func (s *Store) Portfolio(ctx context.Context, tenant string) (*gt.Portfolio, error) {
	q := projection.PortfolioQuery(tenant)
	rows, err := s.pool.Query(ctx, rebind(q.SQL), q.Args...)
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
	return signals.list(ctx, s.pool, tenant, q)
}

// Alert returns a tenant's alert, or an ENOTFOUND error.
func (s *Store) Alert(ctx context.Context, tenant, id string) (*gt.Alert, error) {
	return alerts.one(ctx, s.pool, tenant, id)
}

// Alerts returns one page of a tenant's alerts matching q, newest first.
func (s *Store) Alerts(ctx context.Context, tenant string, q gt.AlertQuery) ([]gt.Alert, error) {
	return alerts.list(ctx, s.pool, tenant, projection.AlertsQuery(tenant, q))
}

// Action returns a tenant's action, or an ENOTFOUND error.
func (s *Store) Action(ctx context.Context, tenant, id string) (*gt.Action, error) {
	return actions.one(ctx, s.pool, tenant, id)
}

// Actions returns one page of a tenant's actions, newest first.
func (s *Store) Actions(ctx context.Context, tenant string, o gt.ListOptions) ([]gt.Action, error) {
	return actions.list(ctx, s.pool, tenant, projection.ActionsQuery(tenant, o))
}

// Inspection returns a tenant's inspection, or an ENOTFOUND error.
func (s *Store) Inspection(ctx context.Context, tenant, id string) (*gt.Inspection, error) {
	return inspections.one(ctx, s.pool, tenant, id)
}

// Inspections returns one page of a tenant's inspections, newest first.
func (s *Store) Inspections(ctx context.Context, tenant string, o gt.ListOptions) ([]gt.Inspection, error) {
	return inspections.list(ctx, s.pool, tenant, projection.InspectionsQuery(tenant, o))
}

// Rules returns the latest version of each of a tenant's saved rules, by name.
func (s *Store) Rules(ctx context.Context, tenant string) ([]gt.Rule, error) {
	return rules.list(ctx, s.pool, tenant, projection.RulesQuery(tenant))
}

// RuleVersions returns every version of a tenant's rule, oldest first, or an ENOTFOUND
// error when the rule has none.
func (s *Store) RuleVersions(ctx context.Context, tenant, name string) ([]gt.Rule, error) {
	out, err := rules.list(ctx, s.pool, tenant, projection.RuleVersionsQuery(tenant, name))
	if err == nil && len(out) == 0 {
		return nil, gt.Errorf(gt.ENOTFOUND, "rule %q not found", name)
	}
	return out, err
}
