package storetest

import (
	"context"
	"testing"

	gt "groundtruth"
)

// portfolio reads a tenant's portfolio, failing the test on error.
func portfolio(t *testing.T, s gt.Store, tenant string) *gt.Portfolio {
	t.Helper()
	p, err := s.Portfolio(context.Background(), tenant)
	if err != nil {
		t.Fatalf("Portfolio(%s): %v", tenant, err)
	}
	return p
}

// emptyPortfolio is the portfolio of a tenant without risk records: every band,
// severity and dimension present, with nothing in it.
func emptyPortfolio() *gt.Portfolio {
	return &gt.Portfolio{
		ByBand:     map[string]int{gt.BandHealthy: 0, gt.BandWarn: 0, gt.BandMarginCall: 0, gt.BandLiquidation: 0},
		Exposure:   []gt.Money{},
		Value:      []gt.Money{},
		EL:         []gt.Money{},
		RWA:        []gt.Money{},
		OpenAlerts: map[string]int{gt.SeverityInfo: 0, gt.SeverityWarning: 0, gt.SeverityCritical: 0},
		LTVs:       map[string]int{"<50%": 0, "50-60%": 0, "60-70%": 0, "70-80%": 0, "80-90%": 0, "90-100%": 0, ">=100%": 0, "none": 0},
		Concentrations: map[string][]gt.Concentration{
			"custodian": {}, "commodity": {}, "region": {}, "core_enterprise": {},
		},
	}
}

// money returns an amount of currency.
func money(amount int64, currency string) gt.Money {
	return gt.Money{Amount: amount, Currency: currency}
}

// portfolioChanges returns three loans in two currencies secured by four lots at two
// custodians, and alerts in every state and status; tenant B's copy uses the same ids
// with other numbers, so that a query that forgets the tenant sums them in.
func portfolioChanges(tenant string, seq uint64) *gt.Changes {
	k := int64(1)
	if tenant != tenantA {
		k = 1000
	}
	return &gt.Changes{Seq: seq,
		LoanRisks: []gt.LoanRisk{
			withCredit(loanRiskOf(tenant, "l1", gt.BandHealthy, 1000*k, 2000*k, "USD", "ce-1", "c1", "c2"), 12*k, 640*k),
			loanRiskOf(tenant, "l2", gt.BandWarn, 500*k, 600*k, "USD", "ce-1", "c2"),
			loanRiskOf(tenant, "l3", gt.BandMarginCall, 700*k, 800*k, "EUR", "", "c3"),
		},
		Valuations: []gt.Valuation{
			valuationOf(tenant, "c1", "cust-a", "copper", "s1", 1500*k, "USD"),
			valuationOf(tenant, "c2", "cust-b", "copper", "s1", 500*k, "USD"),
			valuationOf(tenant, "c3", "cust-a", "", "s2", 800*k, "EUR"),
			valuationOf(tenant, "c4", "", "nickel", "s2", 300*k, "USD"),
		},
		Alerts: []gt.Alert{
			alertOf(tenant, "a1", "ltv", "loan:l3", gt.SeverityCritical, gt.AlertFiring, gt.AlertOpen, "l3"),
			alertOf(tenant, "a2", "ltv", "loan:l2", gt.SeverityWarning, gt.AlertFiring, gt.AlertAcknowledged, "l2"),
			alertOf(tenant, "a3", "ltv", "loan:l1", gt.SeverityCritical, gt.AlertFiring, gt.AlertClosed, "l1"),
			alertOf(tenant, "a4", "ltv", "loan:l1", gt.SeverityWarning, gt.AlertResolved, gt.AlertOpen, "l1"),
			alertOf(tenant, "a5", "ltv", "loan:l1", gt.SeverityInfo, gt.AlertPending, gt.AlertOpen, "l1"),
			alertOf(tenant, "a6", "outflow", "collateral:c1", gt.SeverityCritical, gt.AlertFiring, gt.AlertOpen, "l1", "l2"),
		},
	}
}

// testPortfolio checks the aggregates against sums computed by hand, for an empty
// tenant, after the portfolio changes, and after a loan's collateral changed.
func testPortfolio(t *testing.T, s gt.Store) {
	seedTenants(t, s, 1, tenantA, tenantB)
	equal(t, "Portfolio(no risk records)", portfolio(t, s, tenantA), emptyPortfolio())
	apply(t, s, portfolioChanges(tenantA, 2))
	apply(t, s, portfolioChanges(tenantB, 3))

	// USD valuations with a custodian: 1500 + 500; with a commodity or a site: + 300.
	want := emptyPortfolio()
	want.Loans = 3
	want.ByBand[gt.BandHealthy], want.ByBand[gt.BandWarn], want.ByBand[gt.BandMarginCall] = 1, 1, 1
	want.Exposure = []gt.Money{money(700, "EUR"), money(1500, "USD")}
	want.Value = []gt.Money{money(800, "EUR"), money(2600, "USD")}
	want.OpenAlerts[gt.SeverityCritical], want.OpenAlerts[gt.SeverityWarning] = 2, 1
	want.LTVs["50-60%"], want.LTVs["80-90%"] = 1, 2                                 // 1000/2000; 500/600 and 700/800
	want.EL, want.RWA = []gt.Money{money(12, "USD")}, []gt.Money{money(640, "USD")} // l1's alone: the others have no PD
	want.Concentrations["custodian"] = []gt.Concentration{
		{Key: "cust-a", Value: money(1500, "USD"), Share: 1500.0 / 2000, Loans: 1},
		{Key: "cust-a", Value: money(800, "EUR"), Share: 1, Loans: 1},
		{Key: "cust-b", Value: money(500, "USD"), Share: 500.0 / 2000, Loans: 2},
	}
	want.Concentrations["commodity"] = []gt.Concentration{
		{Key: "copper", Value: money(2000, "USD"), Share: 2000.0 / 2300, Loans: 2},
		{Key: "nickel", Value: money(300, "USD"), Share: 300.0 / 2300, Loans: 0},
	}
	want.Concentrations["region"] = []gt.Concentration{
		{Key: "s1", Value: money(2000, "USD"), Share: 2000.0 / 2300, Loans: 2},
		{Key: "s2", Value: money(800, "EUR"), Share: 1, Loans: 1},
		{Key: "s2", Value: money(300, "USD"), Share: 300.0 / 2300, Loans: 0},
	}
	want.Concentrations["core_enterprise"] = []gt.Concentration{
		{Key: "ce-1", Value: money(2600, "USD"), Share: 1, Loans: 2},
	}
	equal(t, "Portfolio(A)", portfolio(t, s, tenantA), want)

	// l2 now secured by c1 as well as c2, l3 by nothing, a1 closed, a5 firing; a loan
	// joins that has neither collateral value nor a currency for it.
	c := portfolioChanges(tenantA, 4)
	l2 := loanRiskOf(tenantA, "l2", gt.BandLiquidation, 500, 600, "USD", "ce-2", "c1", "c2", "c1")
	l3 := loanRiskOf(tenantA, "l3", gt.BandMarginCall, 700, 800, "EUR", "")
	l4 := loanRiskOf(tenantA, "l4", gt.BandLiquidation, 50, 0, "USD", "")
	l4.CollateralValue.Currency = ""
	c.LoanRisks = []gt.LoanRisk{l2, l3, l4}
	c.Alerts[0].Status, c.Alerts[4].State = gt.AlertClosed, gt.AlertFiring
	c.Valuations = nil
	apply(t, s, c)
	want.Loans = 4
	want.ByBand[gt.BandWarn], want.ByBand[gt.BandLiquidation] = 0, 2
	want.Exposure = []gt.Money{money(700, "EUR"), money(1550, "USD")}
	want.OpenAlerts[gt.SeverityCritical], want.OpenAlerts[gt.SeverityInfo] = 1, 1
	want.LTVs["none"] = 1 // l4 has no collateral value
	want.Concentrations["custodian"][0].Loans, want.Concentrations["custodian"][1].Loans = 2, 0
	want.Concentrations["region"][1].Loans = 0
	want.Concentrations["core_enterprise"] = []gt.Concentration{
		{Key: "ce-1", Value: money(2000, "USD"), Share: 2000.0 / 2600, Loans: 1},
		{Key: "ce-2", Value: money(600, "USD"), Share: 600.0 / 2600, Loans: 1},
	}
	equal(t, "Portfolio(A) after changes", portfolio(t, s, tenantA), want)
	if got := portfolio(t, s, tenantB); got.Loans != 3 || len(got.Exposure) != 2 || got.Exposure[1] != money(1_500_000, "USD") {
		t.Errorf("Portfolio(B) = %+v, want 3 loans and 1500000 USD of exposure", got)
	}
}

// withCredit gives a loan risk credit figures: its expected loss and RWA.
func withCredit(r gt.LoanRisk, el, rwa int64) gt.LoanRisk {
	r.Credit = &gt.CreditRisk{PD: 0.01, LGD: 0.4, EAD: r.Exposure, EL: gt.Money{Amount: el, Currency: r.Exposure.Currency},
		RWA: gt.Money{Amount: rwa, Currency: r.Exposure.Currency}}
	return r
}
