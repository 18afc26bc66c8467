package projection

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	gt "groundtruth"
)

// PortfolioRow is one row of PortfolioQuery: the count N and the sum Amount of one group
// of one part of the aggregate.
type PortfolioRow struct {
	Part     string
	Key      string
	Currency string
	N        int64
	Amount   int64
}

// Parts of PortfolioQuery besides the concentrations, which are named by their dimension.
const (
	partLoans  = "loans"  // by band and exposure currency: loans and exposure
	partValue  = "value"  // by collateral value currency: value
	partCredit = "credit" // by exposure currency: expected loss (n) and RWA (amount)
	partAlerts = "alerts" // open alerts by severity
	partLTV    = "ltv"    // loans by LTV bucket
	loansOf    = " loans" // suffix of the part counting a valuation dimension's loans
)

// Concentration dimensions of a portfolio.
const (
	DimCustodian      = "custodian"
	DimCommodity      = "commodity"
	DimRegion         = "region"
	DimCoreEnterprise = "core_enterprise"
)

// valuationDims are the concentration dimensions of the valuations, with their columns.
var valuationDims = []struct{ dim, col string }{
	{DimCustodian, "custodian_id"}, {DimCommodity, "commodity"}, {DimRegion, "site_id"},
}

// PortfolioQuery returns the statement that aggregates a tenant's portfolio with GROUP
// BYs over the loan_risks, valuations and alerts tables, as rows of (part, key, currency,
// n, amount) to scan into PortfolioRows. One statement sees one snapshot of the tables,
// so the parts agree with each other. The sums read covering indexes, never the JSON
// documents.
//
// A valuation dimension (custodian, commodity, region) sums Valuation.Value by its key;
// its loans are the distinct loans whose LoanRisk.Allocations name a collateral of the
// key, from the valuations joined once with the loan_risk_collateral side table (the CTE
// loans) and counted in a part of their own so that the join does not repeat values.
// The core_enterprise dimension sums LoanRisk.CollateralValue by core_enterprise_id, each
// loan counted once.
func PortfolioQuery(tenant string) Query {
	// The join is driven by the valuations: CROSS JOIN makes SQLite keep the order
	// written (PostgreSQL plans it as any inner join), so that both sides are read
	// through covering indexes.
	parts := []string{`WITH loans AS MATERIALIZED (
		SELECT v.custodian_id, v.commodity, v.site_id, v.value_currency, a.loan_id
		FROM valuations v CROSS JOIN loan_risk_collateral a
		WHERE v.tenant_id = ? AND a.tenant_id = v.tenant_id AND a.collateral_id = v.collateral_id)`}
	args := []any{tenant}
	// add adds a part selecting part, key, currency, n and amount. Every column is cast
	// alike so that PostgreSQL gives the union one type per column (text and bigint; its
	// SUM of bigint is numeric) and SQLite reads integers.
	add := func(part, key, currency, n, amount, from string, a ...any) {
		sep := "\nUNION ALL\n"
		if len(parts) == 1 {
			sep = "\n"
		}
		parts = append(parts, sep+fmt.Sprintf(
			"SELECT CAST('%s' AS TEXT), CAST(%s AS TEXT), CAST(%s AS TEXT), CAST(%s AS BIGINT), CAST(%s AS BIGINT) FROM %s",
			part, key, currency, n, amount, from))
		args = append(args, a...)
	}
	add(partLoans, "band", "exposure_currency", "COUNT(*)", "SUM(exposure_amount)",
		"loan_risks WHERE tenant_id = ? GROUP BY band, exposure_currency", tenant)
	add(partCredit, "''", "exposure_currency", "SUM(el_amount)", "SUM(rwa_amount)",
		"loan_risks WHERE tenant_id = ? GROUP BY exposure_currency", tenant)
	add(partValue, "''", "value_currency", "COUNT(*)", "SUM(value_amount)",
		"loan_risks WHERE tenant_id = ? GROUP BY value_currency", tenant)
	add(partAlerts, "severity", "''", "COUNT(*)", "0",
		"alerts WHERE tenant_id = ? AND state = ? AND status <> ? GROUP BY severity", tenant, gt.AlertFiring, gt.AlertClosed)
	add(partLTV, ltvBucket, "''", "COUNT(*)", "0", "loan_risks WHERE tenant_id = ? GROUP BY 2", tenant)
	add(DimCoreEnterprise, "core_enterprise_id", "value_currency", "COUNT(*)", "SUM(value_amount)",
		"loan_risks WHERE tenant_id = ? AND core_enterprise_id <> '' GROUP BY core_enterprise_id, value_currency", tenant)
	for _, d := range valuationDims {
		add(d.dim, d.col, "value_currency", "0", "SUM(value_amount)",
			fmt.Sprintf("valuations WHERE tenant_id = ? AND %[1]s <> '' GROUP BY %[1]s, value_currency", d.col), tenant)
		add(d.dim+loansOf, d.col, "value_currency", "COUNT(DISTINCT loan_id)", "0",
			fmt.Sprintf("loans WHERE %[1]s <> '' GROUP BY %[1]s, value_currency", d.col))
	}
	return Query{SQL: strings.Join(parts, ""), Args: args}
}

// LTVBuckets are the buckets of Portfolio.LTVs, in order.
var LTVBuckets = []string{"<50%", "50-60%", "60-70%", "70-80%", "80-90%", "90-100%", ">=100%", "none"}

// ltvBucket is the SQL of a loan's LTV bucket.
const ltvBucket = `CASE WHEN ltv IS NULL THEN 'none' WHEN ltv < 0.5 THEN '<50%' WHEN ltv < 0.6 THEN '50-60%'
	WHEN ltv < 0.7 THEN '60-70%' WHEN ltv < 0.8 THEN '70-80%' WHEN ltv < 0.9 THEN '80-90%'
	WHEN ltv < 1.0 THEN '90-100%' ELSE '>=100%' END`

// Rows is what ScanPortfolio reads: *sql.Rows and pgx.Rows both have it.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ScanPortfolio reads the rows of PortfolioQuery into a Portfolio.
func ScanPortfolio(rows Rows) (*gt.Portfolio, error) {
	var out []PortfolioRow
	for rows.Next() {
		var r PortfolioRow
		if err := rows.Scan(&r.Part, &r.Key, &r.Currency, &r.N, &r.Amount); err != nil {
			return nil, fmt.Errorf("aggregate portfolio: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("aggregate portfolio: %w", err)
	}
	return NewPortfolio(out), nil
}

// NewPortfolio assembles the portfolio from the rows of PortfolioQuery. Every band,
// severity and dimension is present, zero or empty when nothing falls in it; sums are per
// currency, sorted by currency, leaving out amounts without a currency. A concentration's
// Share is its value over the total of the same currency across its dimension (keys that
// are empty are not part of a dimension), and the concentrations of a dimension are
// sorted by value, largest first, then by key and currency.
func NewPortfolio(rows []PortfolioRow) *gt.Portfolio {
	p := &gt.Portfolio{
		ByBand:     map[string]int{gt.BandHealthy: 0, gt.BandWarn: 0, gt.BandMarginCall: 0, gt.BandLiquidation: 0},
		OpenAlerts: map[string]int{gt.SeverityInfo: 0, gt.SeverityWarning: 0, gt.SeverityCritical: 0},
		LTVs:       map[string]int{},
		Concentrations: map[string][]gt.Concentration{
			DimCustodian: {}, DimCommodity: {}, DimRegion: {}, DimCoreEnterprise: {},
		},
	}
	for _, b := range LTVBuckets {
		p.LTVs[b] = 0
	}
	exposure, value, el, rwa := map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
	type group struct{ dim, key, currency string }
	loans := map[group]int{}
	for _, r := range rows {
		switch r.Part {
		case partLoans:
			p.Loans += int(r.N)
			p.ByBand[r.Key] += int(r.N)
			exposure[r.Currency] += r.Amount
		case partValue:
			value[r.Currency] += r.Amount
		case partCredit:
			if r.N != 0 || r.Amount != 0 { // loans with credit figures
				el[r.Currency] += r.N
				rwa[r.Currency] += r.Amount
			}
		case partLTV:
			p.LTVs[r.Key] += int(r.N)
		case partAlerts:
			p.OpenAlerts[r.Key] += int(r.N)
		default:
			if dim, ok := strings.CutSuffix(r.Part, loansOf); ok {
				loans[group{dim, r.Key, r.Currency}] = int(r.N)
				break
			}
			if r.Currency == "" {
				break
			}
			p.Concentrations[r.Part] = append(p.Concentrations[r.Part], gt.Concentration{
				Key: r.Key, Value: gt.Money{Amount: r.Amount, Currency: r.Currency}, Loans: int(r.N)})
		}
	}
	p.Exposure, p.Value = sums(exposure), sums(value)
	p.EL, p.RWA = sums(el), sums(rwa)
	for dim, cs := range p.Concentrations {
		total := map[string]int64{}
		for _, c := range cs {
			total[c.Value.Currency] += c.Value.Amount
		}
		for i := range cs {
			c := &cs[i]
			if n, ok := loans[group{dim, c.Key, c.Value.Currency}]; ok {
				c.Loans = n
			}
			if t := total[c.Value.Currency]; t > 0 {
				c.Share = float64(c.Value.Amount) / float64(t)
			}
		}
		slices.SortFunc(cs, func(a, b gt.Concentration) int {
			return cmp.Or(cmp.Compare(b.Value.Amount, a.Value.Amount), strings.Compare(a.Key, b.Key),
				strings.Compare(a.Value.Currency, b.Value.Currency))
		})
	}
	return p
}

// sums returns the amounts by currency as money sorted by currency, without the amount
// of no currency.
func sums(m map[string]int64) []gt.Money {
	out := []gt.Money{}
	for c, a := range m {
		if c != "" {
			out = append(out, gt.Money{Amount: a, Currency: c})
		}
	}
	slices.SortFunc(out, func(a, b gt.Money) int { return strings.Compare(a.Currency, b.Currency) })
	return out
}
