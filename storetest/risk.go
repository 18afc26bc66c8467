package storetest

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
)

// The orders of the risk lists.
func newestFirst[T any](id func(*T) string) func(a, b *T) int {
	return func(a, b *T) int { return strings.Compare(id(b), id(a)) }
}
func loanRiskOrder(a, b *gt.LoanRisk) int { return strings.Compare(a.LoanID, b.LoanID) }
func signalOrder(a, b *gt.Signal) int {
	return cmp.Or(strings.Compare(a.Subject, b.Subject), strings.Compare(a.Name, b.Name))
}

// sorted returns a copy of rs in the given order.
func sorted[T any](rs []T, order func(a, b *T) int) []T {
	out := slices.Clone(rs)
	slices.SortFunc(out, func(a, b T) int { return order(&a, &b) })
	if out == nil {
		out = []T{}
	}
	return out
}

// pages reads every page of a list with the given limit, the cursor of each page being
// cursor of its last record, checking that each page holds at most limit records and that
// the records follow order strictly, and returns them all.
func pages[T any](t *testing.T, what string, limit int, cursor func(*T) string, order func(a, b *T) int,
	list func(after string, limit int) ([]T, error)) []T {
	t.Helper()
	all := []T{}
	after := ""
	for n := 0; ; n++ {
		if n > 10000 {
			t.Fatalf("%s: more than 10000 pages; is the cursor ignored?", what)
		}
		page, err := list(after, limit)
		if err != nil {
			t.Fatalf("%s after %q: %v", what, after, err)
		}
		if len(page) > limit {
			t.Fatalf("%s after %q: %d records, want at most %d", what, after, len(page), limit)
		}
		for i := range page {
			if len(all) > 0 && order(&all[len(all)-1], &page[i]) >= 0 {
				t.Fatalf("%s after %q: %q does not follow %q", what, after, cursor(&page[i]), cursor(&all[len(all)-1]))
			}
			all = append(all, page[i])
		}
		if len(page) < limit {
			return all
		}
		after = cursor(&page[len(page)-1])
	}
}

// Lists of the risk kinds walked with pages.
func alertPages(s gt.Store, tenant string, q gt.AlertQuery) func(after string, limit int) ([]gt.Alert, error) {
	return func(after string, limit int) ([]gt.Alert, error) {
		q.After, q.Limit = after, limit
		return s.Alerts(context.Background(), tenant, q)
	}
}
func loanRiskPages(s gt.Store, tenant, band string) func(after string, limit int) ([]gt.LoanRisk, error) {
	return func(after string, limit int) ([]gt.LoanRisk, error) {
		return s.LoanRisks(context.Background(), tenant, band, gt.ListOptions{After: after, Limit: limit})
	}
}
func signalPages(s gt.Store, tenant string, activeOnly bool) func(after string, limit int) ([]gt.Signal, error) {
	return func(after string, limit int) ([]gt.Signal, error) {
		return s.Signals(context.Background(), tenant, activeOnly, gt.ListOptions{After: after, Limit: limit})
	}
}
func actionPages(s gt.Store, tenant string) func(after string, limit int) ([]gt.Action, error) {
	return func(after string, limit int) ([]gt.Action, error) {
		return s.Actions(context.Background(), tenant, gt.ListOptions{After: after, Limit: limit})
	}
}
func inspectionPages(s gt.Store, tenant string) func(after string, limit int) ([]gt.Inspection, error) {
	return func(after string, limit int) ([]gt.Inspection, error) {
		return s.Inspections(context.Background(), tenant, gt.ListOptions{After: after, Limit: limit})
	}
}

// latestRules returns the latest version of each rule of rs, by name.
func latestRules(rs []gt.Rule) []gt.Rule {
	latest := map[string]gt.Rule{}
	for _, r := range rs {
		if l, ok := latest[r.Name]; !ok || r.Version > l.Version {
			latest[r.Name] = r
		}
	}
	out := []gt.Rule{}
	for _, r := range latest {
		out = append(out, r)
	}
	return sorted(out, func(a, b *gt.Rule) int { return strings.Compare(a.Name, b.Name) })
}

// checkRisk reads back the risk records of c, which are every risk record of tenant, one
// by one and through every list (walked a record a page), and compares them with c.
func checkRisk(t *testing.T, s gt.Store, tenant string, c *gt.Changes) {
	t.Helper()
	ctx := context.Background()
	for i := range c.Valuations {
		r := &c.Valuations[i]
		get(t, describe("Valuation", tenant, r.CollateralID), func() (*gt.Valuation, error) {
			return s.Valuation(ctx, tenant, r.CollateralID)
		}, r)
	}
	for i := range c.LoanRisks {
		r := &c.LoanRisks[i]
		get(t, describe("LoanRisk", tenant, r.LoanID), func() (*gt.LoanRisk, error) { return s.LoanRisk(ctx, tenant, r.LoanID) }, r)
	}
	for i := range c.Alerts {
		r := &c.Alerts[i]
		get(t, describe("Alert", tenant, r.ID), func() (*gt.Alert, error) { return s.Alert(ctx, tenant, r.ID) }, r)
	}
	for i := range c.Actions {
		r := &c.Actions[i]
		get(t, describe("Action", tenant, r.ID), func() (*gt.Action, error) { return s.Action(ctx, tenant, r.ID) }, r)
	}
	for i := range c.Inspections {
		r := &c.Inspections[i]
		get(t, describe("Inspection", tenant, r.ID), func() (*gt.Inspection, error) { return s.Inspection(ctx, tenant, r.ID) }, r)
	}
	equal(t, "LoanRisks("+tenant+")", pages(t, "LoanRisks", 1, loanRiskID, loanRiskOrder, loanRiskPages(s, tenant, "")),
		sorted(c.LoanRisks, loanRiskOrder))
	equal(t, "Signals("+tenant+")", pages(t, "Signals", 1, signalKey, signalOrder, signalPages(s, tenant, false)),
		sorted(c.Signals, signalOrder))
	active := slices.DeleteFunc(slices.Clone(c.Signals), func(r gt.Signal) bool { return !r.Active })
	equal(t, "Signals("+tenant+", active)", pages(t, "Signals", 1, signalKey, signalOrder, signalPages(s, tenant, true)),
		sorted(active, signalOrder))
	equal(t, "Alerts("+tenant+")", pages(t, "Alerts", 1, alertID, newestFirst(alertID), alertPages(s, tenant, gt.AlertQuery{})),
		sorted(c.Alerts, newestFirst(alertID)))
	equal(t, "Actions("+tenant+")", pages(t, "Actions", 1, actionID, newestFirst(actionID), actionPages(s, tenant)),
		sorted(c.Actions, newestFirst(actionID)))
	equal(t, "Inspections("+tenant+")", pages(t, "Inspections", 1, inspectionID, newestFirst(inspectionID), inspectionPages(s, tenant)),
		sorted(c.Inspections, newestFirst(inspectionID)))
	got, err := s.Rules(ctx, tenant)
	if err != nil {
		t.Errorf("Rules(%s): %v", tenant, err)
	}
	equal(t, "Rules("+tenant+")", got, latestRules(c.Rules))
	for _, r := range latestRules(c.Rules) {
		want := sorted(slices.DeleteFunc(slices.Clone(c.Rules), func(v gt.Rule) bool { return v.Name != r.Name }),
			func(a, b *gt.Rule) int { return cmp.Compare(a.Version, b.Version) })
		got, err := s.RuleVersions(ctx, tenant, r.Name)
		if err != nil {
			t.Errorf("RuleVersions(%s, %s): %v", tenant, r.Name, err)
		}
		equal(t, "RuleVersions("+tenant+", "+r.Name+")", got, want)
	}
}

// testRiskRoundTrip writes risk records of every kind with times in another zone and
// reads them back equal, in UTC to the microsecond.
func testRiskRoundTrip(t *testing.T, s gt.Store) {
	seedTenants(t, s, 1, tenantA)
	want := riskChanges(tenantA, 2, time.UTC)
	everyField(t, "Valuations[0]", want.Valuations[0])
	everyField(t, "Valuations[0].Sources[0]", want.Valuations[0].Sources[0])
	everyField(t, "Valuations[0].Price", *want.Valuations[0].Price)
	everyField(t, "LoanRisks[0]", want.LoanRisks[0])
	everyField(t, "LoanRisks[0].MarginCall", *want.LoanRisks[0].MarginCall)
	everyField(t, "LoanRisks[0].Credit", *want.LoanRisks[0].Credit)
	everyField(t, "Signals[0]", want.Signals[0])
	everyField(t, "Signals[0].Evidence", want.Signals[0].Evidence)
	everyField(t, "Signals[0].Evidence.Readings[0]", want.Signals[0].Evidence.Readings[0])
	everyField(t, "Alerts[0]", want.Alerts[0])
	everyField(t, "Actions[0]", want.Actions[0])
	everyField(t, "Inspections[0]", want.Inspections[0])
	everyField(t, "Rules[0]", want.Rules[0])
	apply(t, s, riskChanges(tenantA, 2, time.FixedZone("CST", 8*3600)))
	checkRisk(t, s, tenantA, want)
	if got := projected(t, s); got != 2 {
		t.Errorf("ProjectedSeq after risk = %d, want 2", got)
	}
	a, err := s.Alert(context.Background(), tenantA, want.Alerts[0].ID)
	if err == nil && (a.FiredAt.Location() != time.UTC || a.Evidence.Readings[0].At.Location() != time.UTC) {
		t.Errorf("Alert times = %v, %v; want them in UTC", a.FiredAt, a.Evidence.Readings[0].At)
	}
}

// testRiskReplace writes every risk record again and expects the new ones whole: fields
// dropped, sets (an alert's loans, a loan's collateral) replaced, a rule version
// rewritten; of two rows with one key in the same changes, the last is kept.
func testRiskReplace(t *testing.T, s gt.Store) {
	ctx := context.Background()
	seedTenants(t, s, 1, tenantA)
	c := riskChanges(tenantA, 2, time.UTC)
	apply(t, s, c)

	next := riskChanges(tenantA, 3, time.UTC)
	v := &next.Valuations[0]
	v.ObservedQuantity, v.Sources, v.Price, v.QuantitySource, v.Value.Amount = nil, nil, nil, "book", 1
	l := &next.LoanRisks[0]
	l.LTV, l.MarginCall, l.Band, l.Allocations = nil, nil, gt.BandHealthy, []gt.AllocatedValue{{CollateralID: "col-vin-wba8e1c5", Share: 0.4}}
	next.Signals[0].Active, next.Signals[0].Evidence = false, gt.Evidence{}
	a := &next.Alerts[1]
	a.Status, a.AckedBy, a.AckedAt, a.Loans = gt.AlertAcknowledged, "key-admin", riskAt, []string{"ln-2026-0009"}
	next.Actions[1].State = gt.ActionDone
	next.Inspections[1].State, next.Inspections[1].Findings = "done", "All there."
	next.Rules[0].Expr = "loan.ltv > 0.8"
	next.Rules = append(next.Rules, next.Rules[0])
	next.Rules[2].Version, next.Rules[2].Expr = 3, "loan.ltv > 0.9"
	apply(t, s, next)
	checkRisk(t, s, tenantA, next)
	for _, tc := range []struct {
		loan string
		want []string
	}{{"ln-2026-0005", nil}, {"ln-2026-0009", []string{"al-0002"}}, {"ln-2026-0001", []string{"al-0001"}}} {
		got, err := s.Alerts(ctx, tenantA, gt.AlertQuery{Loan: tc.loan})
		if err != nil || !slices.Equal(ids(got, alertID), tc.want) {
			t.Errorf("Alerts(Loan %s) after replace = %v, %v; want %v", tc.loan, ids(got, alertID), err, tc.want)
		}
	}

	// Of two rows with one key in the same changes, the last is kept.
	first, second := next.Alerts[1], next.Alerts[1]
	first.Summary, first.Loans = "first", []string{"ln-first"}
	second.Summary, second.Loans = "second", []string{"ln-second"}
	apply(t, s, &gt.Changes{Seq: 4, Alerts: []gt.Alert{first, next.Alerts[0], second}})
	get(t, "Alert(written twice)", func() (*gt.Alert, error) { return s.Alert(ctx, tenantA, second.ID) }, &second)
	if got, err := s.Alerts(ctx, tenantA, gt.AlertQuery{Loan: "ln-first"}); err != nil || len(got) != 0 {
		t.Errorf("Alerts(Loan of the first row) = %v, %v; want none", ids(got, alertID), err)
	}
	if got, err := s.Alerts(ctx, tenantA, gt.AlertQuery{Loan: "ln-second"}); err != nil || !slices.Equal(ids(got, alertID), []string{second.ID}) {
		t.Errorf("Alerts(Loan of the last row) = %v, %v; want [%s]", ids(got, alertID), err, second.ID)
	}
}

// testRiskNotFound checks ENOTFOUND for missing records, before and after others were
// written, and EINVALID for a malformed signal cursor.
func testRiskNotFound(t *testing.T, s gt.Store) {
	ctx := context.Background()
	missing := func(when, tenant string) {
		t.Helper()
		notFound(t, when+" Valuation", func() (*gt.Valuation, error) { return s.Valuation(ctx, tenant, "col-none") })
		notFound(t, when+" LoanRisk", func() (*gt.LoanRisk, error) { return s.LoanRisk(ctx, tenant, "ln-none") })
		notFound(t, when+" Alert", func() (*gt.Alert, error) { return s.Alert(ctx, tenant, "al-none") })
		notFound(t, when+" Action", func() (*gt.Action, error) { return s.Action(ctx, tenant, "act-none") })
		notFound(t, when+" Inspection", func() (*gt.Inspection, error) { return s.Inspection(ctx, tenant, "insp-none") })
		got, err := s.RuleVersions(ctx, tenant, "no_such_rule")
		if got != nil {
			t.Errorf("%s RuleVersions = %v, want nil", when, got)
		}
		wantCode(t, when+" RuleVersions", err, gt.ENOTFOUND)
	}
	missing("empty store:", tenantA)
	seedTenants(t, s, 1, tenantA)
	apply(t, s, riskChanges(tenantA, 2, time.UTC))
	missing("after risk:", tenantA)
	for _, cursor := range []string{"no-slash", "collateral:c1"} {
		got, err := s.Signals(ctx, tenantA, false, gt.ListOptions{After: cursor})
		if got != nil {
			t.Errorf("Signals(after %q) = %v, want nil", cursor, got)
		}
		wantCode(t, "Signals(after "+cursor+")", err, gt.EINVALID)
	}
}

// testRiskIsolation writes the same keys for two tenants with different contents and
// checks that each tenant reads its own through every method, and that other tenants
// read nothing.
func testRiskIsolation(t *testing.T, s gt.Store) {
	ctx := context.Background()
	seedTenants(t, s, 1, tenantA, tenantB)
	a := riskChanges(tenantA, 2, time.UTC)
	apply(t, s, a)
	portfolioA := portfolio(t, s, tenantA)

	b := riskChanges(tenantB, 3, time.UTC)
	b.Valuations[0].Value.Amount, b.LoanRisks[0].Band = 42, gt.BandWarn
	b.Signals[1].Active, b.Alerts[0].Summary, b.Alerts[1].State = true, "B's", gt.AlertFiring
	b.Alerts[1].Loans = []string{"ln-b-1"}
	b.Alerts = append(b.Alerts, alertOf(tenantB, "al-b-only", "ltv_breach", "loan:ln-b-1", gt.SeverityInfo, gt.AlertFiring, gt.AlertOpen, "ln-b-1"))
	b.Actions[0].State, b.Inspections[0].Findings = gt.ActionOpen, "B's"
	b.Rules[0].Version, b.Rules[1].Version = 9, 9
	apply(t, s, b)

	checkRisk(t, s, tenantA, a)
	checkRisk(t, s, tenantB, b)
	equal(t, "Portfolio(A) after B wrote", portfolio(t, s, tenantA), portfolioA)
	for tenant, loan := range map[string]string{tenantA: "ln-b-1", tenantB: "ln-2026-0005"} {
		if got, err := s.Alerts(ctx, tenant, gt.AlertQuery{Loan: loan}); err != nil || len(got) != 0 {
			t.Errorf("Alerts(%s, Loan %s of the other tenant) = %v, %v; want none", tenant, loan, ids(got, alertID), err)
		}
	}
	for _, tenant := range []string{"", "no-such-bank", "NORTHWIND-BANK"} {
		notFound(t, describe("Valuation", tenant, a.Valuations[0].CollateralID), func() (*gt.Valuation, error) {
			return s.Valuation(ctx, tenant, a.Valuations[0].CollateralID)
		})
		notFound(t, describe("LoanRisk", tenant, a.LoanRisks[0].LoanID), func() (*gt.LoanRisk, error) {
			return s.LoanRisk(ctx, tenant, a.LoanRisks[0].LoanID)
		})
		notFound(t, describe("Alert", tenant, a.Alerts[0].ID), func() (*gt.Alert, error) { return s.Alert(ctx, tenant, a.Alerts[0].ID) })
		notFound(t, describe("Action", tenant, a.Actions[0].ID), func() (*gt.Action, error) { return s.Action(ctx, tenant, a.Actions[0].ID) })
		notFound(t, describe("Inspection", tenant, a.Inspections[0].ID), func() (*gt.Inspection, error) {
			return s.Inspection(ctx, tenant, a.Inspections[0].ID)
		})
		_, err := s.RuleVersions(ctx, tenant, a.Rules[0].Name)
		wantCode(t, describe("RuleVersions", tenant, a.Rules[0].Name), err, gt.ENOTFOUND)
		checkRisk(t, s, tenant, &gt.Changes{})
		equal(t, "Portfolio("+tenant+")", portfolio(t, s, tenant), emptyPortfolio())
	}
}

// testAtomicRisk makes a risk record late in a batch fail and expects none of the batch
// to be written: one of a tenant the store does not hold, one without a tenant, one
// that JSON cannot encode (the last two EINVALID).
func testAtomicRisk(t *testing.T, s gt.Store) {
	ctx := context.Background()
	seedTenants(t, s, 1, tenantA)
	before := riskChanges(tenantA, 2, time.UTC)
	apply(t, s, before)
	for _, tc := range []struct {
		name    string
		edit    func(c *gt.Changes)
		invalid bool
	}{
		{"inspection of an unknown tenant", func(c *gt.Changes) { c.Inspections[1].TenantID = "no-such-bank" }, false},
		{"alert without a tenant", func(c *gt.Changes) { c.Alerts[1].TenantID = "" }, true},
		{"loan risk of coverage NaN", func(c *gt.Changes) { c.LoanRisks[1].Coverage = math.NaN() }, true},
	} {
		c := riskChanges(tenantA, 3, time.UTC)
		c.Valuations = append(c.Valuations, valuationOf(tenantA, "col-new", "", "", "", 1, "USD"))
		c.LoanRisks[0].Band, c.Alerts[0].Summary, c.Rules[0].Version = gt.BandWarn, "changed", 7
		tc.edit(c)
		err := s.ApplyChanges(ctx, c)
		if err == nil {
			t.Fatalf("ApplyChanges(%s) = nil, want an error", tc.name)
		}
		if tc.invalid {
			wantCode(t, "ApplyChanges("+tc.name+")", err, gt.EINVALID)
		}
		if got := projected(t, s); got != 2 {
			t.Errorf("ProjectedSeq after %s = %d, want 2", tc.name, got)
		}
		notFound(t, "Valuation(of failed changes)", func() (*gt.Valuation, error) { return s.Valuation(ctx, tenantA, "col-new") })
		checkRisk(t, s, tenantA, before)
	}
}

// testRuleVersions saves versions of rules out of order over several changes and expects
// the latest of each by name and every version of one oldest first.
func testRuleVersions(t *testing.T, s gt.Store) {
	seedTenants(t, s, 1, tenantA, tenantB)
	rule := func(tenant, name string, version int, expr string) gt.Rule {
		return gt.Rule{Name: name, Expr: expr, Severity: gt.SeverityWarning, Action: gt.ActionAlert, Version: version,
			TenantID: tenant, Seq: uint64(100 + version), SavedAt: riskAt.Add(time.Duration(version) * time.Hour)}
	}
	var all []gt.Rule
	for i, batch := range [][]gt.Rule{
		{rule(tenantA, "ltv_breach", 1, "loan.ltv > 0.75"), rule(tenantA, "outflow", 1, "signal.active")},
		{rule(tenantA, "ltv_breach", 3, "loan.ltv > 0.8"), rule(tenantA, "a_rule", 5, "true"),
			rule(tenantA, "ltv_breach_2", 1, "false")},
		{rule(tenantA, "ltv_breach", 2, "loan.ltv > 0.7"), rule(tenantA, "ltv_breach", 10, "loan.ltv > 0.85")},
	} {
		apply(t, s, &gt.Changes{Seq: uint64(2 + i), Rules: batch})
		all = append(all, batch...)
	}
	apply(t, s, &gt.Changes{Seq: 5, Rules: []gt.Rule{rule(tenantB, "ltv_breach", 11, "B"), rule(tenantB, "b_only", 1, "B")}})
	checkRisk(t, s, tenantA, &gt.Changes{Rules: all})
	got, err := s.RuleVersions(context.Background(), tenantA, "ltv_breach")
	if v := []int{1, 2, 3, 10}; err != nil || !slices.Equal(versions(got), v) {
		t.Errorf("RuleVersions(ltv_breach) = %v, %v; want versions %v", versions(got), err, v)
	}
	// A version saved again replaces the one stored.
	again := rule(tenantA, "ltv_breach", 10, "loan.ltv > 0.9")
	apply(t, s, &gt.Changes{Seq: 6, Rules: []gt.Rule{again}})
	all[len(all)-1] = again
	checkRisk(t, s, tenantA, &gt.Changes{Rules: all})
	_, err = s.RuleVersions(context.Background(), tenantA, "b_only")
	wantCode(t, "RuleVersions(A, B's rule)", err, gt.ENOTFOUND)
}

// versions returns the versions of rs.
func versions(rs []gt.Rule) []int {
	out := make([]int, len(rs))
	for i := range rs {
		out[i] = rs[i].Version
	}
	return out
}

// testAlertEvidenceKept writes an alert again without its evidence, as the engine does
// after the alert opened, and expects the stored evidence kept with the new fields; an
// alert written with evidence replaces it.
func testAlertEvidenceKept(t *testing.T, s gt.Store) {
	ctx := context.Background()
	seedTenants(t, s, 1, tenantA)
	c := riskChanges(tenantA, 2, time.UTC)
	apply(t, s, c)
	first := c.Alerts[0]
	if first.Evidence.RuleVersion == 0 || len(first.Evidence.Readings) == 0 {
		t.Fatalf("fixture alert has no evidence: %+v", first.Evidence)
	}

	later := first
	later.State, later.FiredAt, later.Seq, later.Evidence = gt.AlertResolved, riskAt.Add(time.Hour), 3, gt.Evidence{}
	other := c.Alerts[1]
	other.Seq, other.Evidence = 3, gt.Evidence{Events: []uint64{3}, RuleVersion: 7}
	apply(t, s, &gt.Changes{Seq: 3, Alerts: []gt.Alert{later, other}})
	want := later
	want.Evidence = first.Evidence
	get(t, "Alert(written without evidence)", func() (*gt.Alert, error) { return s.Alert(ctx, tenantA, first.ID) }, &want)
	get(t, "Alert(written with other evidence)", func() (*gt.Alert, error) { return s.Alert(ctx, tenantA, other.ID) }, &other)
	page, err := s.Alerts(ctx, tenantA, gt.AlertQuery{State: gt.AlertResolved})
	if err != nil || len(page) != 1 || page[0].Evidence.RuleVersion != first.Evidence.RuleVersion {
		t.Errorf("Alerts(resolved) = %+v, %v; want the alert with its recorded evidence", page, err)
	}

	// A new alert's two rows in one write, the second without evidence.
	opened := first
	opened.ID, opened.Seq = "al-0009", 4
	fired := opened
	fired.State, fired.Evidence = gt.AlertFiring, gt.Evidence{}
	apply(t, s, &gt.Changes{Seq: 4, Alerts: []gt.Alert{opened, fired}})
	want = fired
	want.Evidence = opened.Evidence
	get(t, "Alert(opened and fired in one write)", func() (*gt.Alert, error) { return s.Alert(ctx, tenantA, opened.ID) }, &want)
}
