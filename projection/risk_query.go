package projection

import (
	"fmt"
	"strings"
	"time"

	gt "groundtruth"
)

// Query is a statement of the risk reads in SQL that both dialects accept, with ?
// placeholders (PostgreSQL numbers them), and its arguments. Every condition is on a
// column of its own, never on the JSON document.
type Query struct {
	SQL  string
	Args []any
}

// query builds a SELECT of the documents of d's table. It holds the conditions and
// arguments added so far.
type query struct {
	table string
	cond  []string
	args  []any
}

// where adds a condition with its arguments.
func (q *query) where(cond string, args ...any) *query {
	q.cond = append(q.cond, cond)
	q.args = append(q.args, args...)
	return q
}

// build returns the statement ordered by order and, when limit > 0, limited.
func (q *query) build(order string, limit int) Query {
	var b strings.Builder
	fmt.Fprintf(&b, "SELECT data FROM %s WHERE %s", q.table, strings.Join(q.cond, " AND "))
	if order != "" {
		b.WriteString(" ORDER BY " + order)
	}
	args := q.args
	if limit > 0 {
		b.WriteString(" LIMIT ?")
		args = append(args, limit)
	}
	return Query{SQL: b.String(), Args: args}
}

// selectFrom starts a query of d's documents of one tenant.
func selectFrom[T any](d *Doc[T], tenant string) *query {
	return (&query{table: d.Table}).where("tenant_id = ?", tenant)
}

// Get returns the query of the record with the given key, tenant first.
func (d *Doc[T]) Get(key ...any) Query {
	q := &query{table: d.Table}
	for i, c := range d.KeyCols() {
		q.where(c+" = ?", key[i])
	}
	return q.build("", 0)
}

// LoanRisksQuery selects one page of a tenant's loan risks in the band (all when band is
// empty), by loan id.
func LoanRisksQuery(tenant, band string, o gt.ListOptions) Query {
	q := selectFrom(&LoanRisks, tenant).where("loan_id > ?", o.After)
	if band != "" {
		q.where("band = ?", band)
	}
	return q.build("loan_id", o.PageLimit())
}

// SignalsQuery selects one page of a tenant's signals by subject then name, only the
// active ones when activeOnly. The cursor is "subject/name"; another is EINVALID.
func SignalsQuery(tenant string, activeOnly bool, o gt.ListOptions) (Query, error) {
	q := selectFrom(&Signals, tenant)
	if activeOnly {
		q.where("active = ?", true)
	}
	if o.After != "" {
		i := strings.LastIndexByte(o.After, '/')
		if i < 0 {
			return Query{}, gt.Errorf(gt.EINVALID, "signal cursor %q is not subject/name", o.After)
		}
		q.where("(subject, name) > (?, ?)", o.After[:i], o.After[i+1:])
	}
	return q.build("subject, name", o.PageLimit()), nil
}

// AlertsQuery selects one page of a tenant's alerts matching q, newest first (by
// descending id). Every non-empty field of q filters exactly; Loan matches the alerts
// whose loans hold it.
func AlertsQuery(tenant string, q gt.AlertQuery) Query {
	s := selectFrom(&Alerts, tenant)
	for _, f := range []struct{ col, v string }{
		{"state", q.State}, {"status", q.Status}, {"severity", q.Severity}, {"rule", q.Rule}, {"subject", q.Subject},
	} {
		if f.v != "" {
			s.where(f.col+" = ?", f.v)
		}
	}
	if q.Loan != "" {
		s.where("id IN (SELECT id FROM alert_loans WHERE tenant_id = ? AND loan_id = ?)", tenant, q.Loan)
	}
	return newestFirst(s, q.After, gt.ListOptions{Limit: q.Limit}.PageLimit())
}

// ActionsQuery selects one page of a tenant's actions, newest first (by descending id).
func ActionsQuery(tenant string, o gt.ListOptions) Query {
	return newestFirst(selectFrom(&Actions, tenant), o.After, o.PageLimit())
}

// InspectionsQuery selects one page of a tenant's inspections, newest first (by
// descending id), as actions are.
func InspectionsQuery(tenant string, o gt.ListOptions) Query {
	return newestFirst(selectFrom(&Inspections, tenant), o.After, o.PageLimit())
}

// newestFirst orders q by descending id from the cursor after ("" for the first page).
func newestFirst(q *query, after string, limit int) Query {
	if after != "" {
		q.where("id < ?", after)
	}
	return q.build("id DESC", limit)
}

// RulesQuery selects the latest version of each of a tenant's rules, by name.
func RulesQuery(tenant string) Query {
	return selectFrom(&Rules, tenant).
		where("(name, version) IN (SELECT name, MAX(version) FROM rules WHERE tenant_id = ? GROUP BY name)", tenant).
		build("name", 0)
}

// RuleVersionsQuery selects every version of a tenant's rule, oldest first.
func RuleVersionsQuery(tenant, name string) Query {
	return selectFrom(&Rules, tenant).where("name = ?", name).build("version", 0)
}

// LoanPointsQuery selects the points of a loan starting in [from, to), newest first, at
// most limit; the caller reverses them.
func LoanPointsQuery(tenant, loan string, from, to time.Time, limit int) Query {
	return selectFrom(&LoanPoints, tenant).where("loan_id = ?", loan).
		where("start_unix >= ?", from.Unix()).where("start_unix < ?", to.Unix()).
		build("start_unix DESC", limit)
}

// FieldObservationsQuery selects the observations of a crop field acquired in [from,
// to), newest first, at most limit; the caller reverses them.
func FieldObservationsQuery(tenant, collateral string, from, to time.Time, limit int) Query {
	return selectFrom(&FieldObservations, tenant).where("collateral_id = ?", collateral).
		where("at_unix >= ?", from.Unix()).where("at_unix < ?", to.Unix()).
		build("at_unix DESC, scene DESC", limit)
}
