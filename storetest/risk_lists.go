package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	gt "groundtruth"
)

// filterAlerts returns the alerts of rs that q matches, newest first.
func filterAlerts(rs []gt.Alert, q gt.AlertQuery) []gt.Alert {
	match := func(field, want string) bool { return want == "" || field == want }
	out := slices.DeleteFunc(slices.Clone(rs), func(a gt.Alert) bool {
		return !(match(a.State, q.State) && match(a.Status, q.Status) && match(a.Severity, q.Severity) &&
			match(a.Rule, q.Rule) && match(a.Subject, q.Subject) && (q.Loan == "" || slices.Contains(a.Loans, q.Loan)))
	})
	return sorted(out, newestFirst(alertID))
}

// testAlertFilters lists alerts with every field of AlertQuery alone and together, and
// expects exactly the alerts matching, newest first, walked two a page. Loan ids that
// differ by a prefix, or where SQL LIKE would see a wildcard, must not match each other.
func testAlertFilters(t *testing.T, s gt.Store) {
	seedTenants(t, s, 1, tenantA, tenantB)
	var rs []gt.Alert
	for i, a := range []struct{ rule, subject, severity, state, status string }{
		{"ltv_breach", "loan:l1", gt.SeverityCritical, gt.AlertFiring, gt.AlertOpen},
		{"ltv_breach", "loan:l10", gt.SeverityCritical, gt.AlertFiring, gt.AlertAcknowledged},
		{"ltv_breach", "loan:l1", gt.SeverityCritical, gt.AlertResolved, gt.AlertClosed},
		{"ltv_warn", "loan:l_1", gt.SeverityWarning, gt.AlertPending, gt.AlertOpen},
		{"outflow", "collateral:c1", gt.SeverityWarning, gt.AlertFiring, gt.AlertOpen},
		{"outflow", "collateral:c2", gt.SeverityWarning, gt.AlertResolved, gt.AlertOpen},
		{"offline", "device:d1", gt.SeverityInfo, gt.AlertFiring, gt.AlertClosed},
		{"offline", "device:d1", gt.SeverityInfo, gt.AlertResolved, gt.AlertAcknowledged},
		{"ltv_breach", "loan:lx1", gt.SeverityCritical, gt.AlertFiring, gt.AlertOpen},
	} {
		loans := map[string][]string{"loan:l1": {"l1"}, "loan:l10": {"l10"}, "loan:l_1": {"l_1"}, "loan:lx1": {"lx1"},
			"collateral:c1": {"l1", "l10"}, "collateral:c2": {"l_1", "l2", "l1"}}[a.subject]
		rs = append(rs, alertOf(tenantA, fmt.Sprintf("al-%02d", i), a.rule, a.subject, a.severity, a.state, a.status, loans...))
	}
	apply(t, s, &gt.Changes{Seq: 2, Alerts: rs})
	other := alertOf(tenantB, "al-99", "ltv_breach", "loan:l1", gt.SeverityCritical, gt.AlertFiring, gt.AlertOpen, "l1")
	apply(t, s, &gt.Changes{Seq: 3, Alerts: []gt.Alert{other}})

	for _, q := range []gt.AlertQuery{
		{},
		{State: gt.AlertFiring}, {State: gt.AlertResolved}, {State: gt.AlertPending}, {State: "firing "},
		{Status: gt.AlertOpen}, {Status: gt.AlertAcknowledged}, {Status: gt.AlertClosed}, {Status: "Open"},
		{Severity: gt.SeverityCritical}, {Severity: gt.SeverityWarning}, {Severity: gt.SeverityInfo},
		{Rule: "ltv_breach"}, {Rule: "ltv"}, {Rule: "offline"},
		{Subject: "loan:l1"}, {Subject: "device:d1"}, {Subject: "loan:"},
		{Loan: "l1"}, {Loan: "l10"}, {Loan: "l_1"}, {Loan: "lx1"}, {Loan: "l2"}, {Loan: "l"}, {Loan: "l1,l10"},
		{State: gt.AlertFiring, Status: gt.AlertOpen},
		{State: gt.AlertFiring, Severity: gt.SeverityCritical, Loan: "l10"},
		{Rule: "outflow", Subject: "collateral:c2", Loan: "l1", Status: gt.AlertOpen},
		{Rule: "outflow", Severity: gt.SeverityInfo},
	} {
		what := fmt.Sprintf("Alerts(%+v)", q)
		want := filterAlerts(rs, q)
		got := pages(t, what, 2, alertID, newestFirst(alertID), alertPages(s, tenantA, q))
		if !slices.Equal(ids(got, alertID), ids(want, alertID)) {
			t.Errorf("%s = %v, want %v", what, ids(got, alertID), ids(want, alertID))
		}
	}
	// The cursor need not be an alert, and combines with a filter.
	got, err := s.Alerts(context.Background(), tenantA, gt.AlertQuery{State: gt.AlertFiring, After: "al-04x", Limit: 2})
	if want := []string{"al-04", "al-01"}; err != nil || !slices.Equal(ids(got, alertID), want) {
		t.Errorf("Alerts(firing after al-04x) = %v, %v; want %v", ids(got, alertID), err, want)
	}
}

// testRiskPaging walks the lists of many records of every kind with several page sizes
// and expects every record once, in order, with the default and maximum page sizes kept.
func testRiskPaging(t *testing.T, s gt.Store) {
	ctx := context.Background()
	seedTenants(t, s, 1, tenantA, tenantB)
	odd := []string{"b-2", "B-2", "a.1", "a-1", "a_1", "A:1", "Z9", "z9", "0-first", "_x", "a1", "A1", "b-10"}
	c := &gt.Changes{Seq: 2}
	bands := []string{gt.BandHealthy, gt.BandWarn, gt.BandMarginCall, gt.BandLiquidation}
	for i := range gt.MaxPageSize + 1 {
		id := fmt.Sprintf("x-%04d", i)
		if i < len(odd) {
			id = odd[i]
		}
		c.Alerts = append(c.Alerts, alertOf(tenantA, id, "r", "loan:"+id, gt.SeverityInfo, gt.AlertFiring, gt.AlertOpen))
		if i >= 70 {
			continue
		}
		c.LoanRisks = append(c.LoanRisks, loanRiskOf(tenantA, id, bands[i%4], int64(i), 0, "USD", ""))
		c.Actions = append(c.Actions, gt.Action{ID: id, TenantID: tenantA, Kind: gt.ActionNotify, State: gt.ActionOpen})
		c.Inspections = append(c.Inspections, gt.Inspection{ID: id, TenantID: tenantA, State: "open"})
		// Subjects where "subject/name" sorts otherwise than (subject, name): '.' < '/' < ':'.
		subject := []string{"collateral:c", "collateral:c.1", "collateral:c:1", "device:d"}[i%4]
		c.Signals = append(c.Signals, gt.Signal{TenantID: tenantA, Subject: subject, Name: fmt.Sprintf("s%02d", i/4), Active: i%3 == 0})
	}
	apply(t, s, c)
	// Tenant B holds some of the same keys, and rows that would sort last.
	b := &gt.Changes{Seq: 3}
	for i := range 3 {
		al, ac, in := c.Alerts[i], c.Actions[i], c.Inspections[i]
		al.TenantID, ac.TenantID, in.TenantID = tenantB, tenantB, tenantB
		b.Alerts, b.Actions, b.Inspections = append(b.Alerts, al), append(b.Actions, ac), append(b.Inspections, in)
	}
	lr, sg := c.LoanRisks[0], c.Signals[0]
	lr.TenantID, lr.LoanID, sg.TenantID, sg.Name = tenantB, "zz-b", tenantB, "zz-b"
	b.LoanRisks, b.Signals = []gt.LoanRisk{lr}, []gt.Signal{sg}
	apply(t, s, b)

	for _, limit := range []int{1, 7, 100, gt.MaxPageSize} {
		w := fmt.Sprintf(" with limit %d", limit)
		equal(t, "Alerts"+w, pages(t, "Alerts", limit, alertID, newestFirst(alertID), alertPages(s, tenantA, gt.AlertQuery{})),
			sorted(c.Alerts, newestFirst(alertID)))
		equal(t, "LoanRisks"+w, pages(t, "LoanRisks", limit, loanRiskID, loanRiskOrder, loanRiskPages(s, tenantA, "")),
			sorted(c.LoanRisks, loanRiskOrder))
		equal(t, "Signals"+w, pages(t, "Signals", limit, signalKey, signalOrder, signalPages(s, tenantA, false)),
			sorted(c.Signals, signalOrder))
		active := slices.DeleteFunc(slices.Clone(c.Signals), func(r gt.Signal) bool { return !r.Active })
		equal(t, "Signals(active)"+w, pages(t, "Signals", limit, signalKey, signalOrder, signalPages(s, tenantA, true)),
			sorted(active, signalOrder))
		equal(t, "Actions"+w, pages(t, "Actions", limit, actionID, newestFirst(actionID), actionPages(s, tenantA)),
			sorted(c.Actions, newestFirst(actionID)))
		equal(t, "Inspections"+w, pages(t, "Inspections", limit, inspectionID, newestFirst(inspectionID), inspectionPages(s, tenantA)),
			sorted(c.Inspections, newestFirst(inspectionID)))
		for _, band := range append(bands, "none") {
			in := slices.DeleteFunc(slices.Clone(c.LoanRisks), func(r gt.LoanRisk) bool { return r.Band != band })
			equal(t, "LoanRisks("+band+")"+w, pages(t, "LoanRisks", limit, loanRiskID, loanRiskOrder, loanRiskPages(s, tenantA, band)),
				sorted(in, loanRiskOrder))
		}
	}
	for _, tc := range []struct{ limit, want int }{{0, gt.DefaultPageSize}, {-1, gt.DefaultPageSize}, {gt.MaxPageSize + 1, gt.MaxPageSize}} {
		got, err := s.Alerts(ctx, tenantA, gt.AlertQuery{Limit: tc.limit})
		if err != nil || len(got) != tc.want {
			t.Errorf("Alerts(Limit %d) = %d alerts, %v; want %d", tc.limit, len(got), err, tc.want)
		}
	}
	count := func(what string, n int, err error) {
		t.Helper()
		if err != nil || n != gt.DefaultPageSize {
			t.Errorf("%s(Limit 0) = %d records, %v; want %d", what, n, err, gt.DefaultPageSize)
		}
	}
	lrs, err := s.LoanRisks(ctx, tenantA, "", gt.ListOptions{})
	count("LoanRisks", len(lrs), err)
	sgs, err := s.Signals(ctx, tenantA, false, gt.ListOptions{})
	count("Signals", len(sgs), err)
	acs, err := s.Actions(ctx, tenantA, gt.ListOptions{})
	count("Actions", len(acs), err)
	ins, err := s.Inspections(ctx, tenantA, gt.ListOptions{})
	count("Inspections", len(ins), err)

	// Cursors need not be records.
	if got, err := s.Signals(ctx, tenantA, false, gt.ListOptions{After: "collateral:c/s99", Limit: 1}); err != nil ||
		len(got) != 1 || signalKey(&got[0]) != "collateral:c.1/s00" {
		t.Errorf("Signals(after collateral:c/s99) = %v, %v; want collateral:c.1/s00", ids(got, signalKey), err)
	}
	if got, err := s.LoanRisks(ctx, tenantA, "", gt.ListOptions{After: "x-0014x", Limit: 1}); err != nil ||
		len(got) != 1 || got[0].LoanID != "x-0015" {
		t.Errorf("LoanRisks(after x-0014x) = %v, %v; want x-0015", ids(got, loanRiskID), err)
	}
	if got, err := s.Actions(ctx, tenantA, gt.ListOptions{After: "x-0014x", Limit: 1}); err != nil ||
		len(got) != 1 || got[0].ID != "x-0014" {
		t.Errorf("Actions(after x-0014x) = %v, %v; want x-0014", ids(got, actionID), err)
	}
}
