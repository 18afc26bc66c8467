package storetest

import (
	"fmt"
	"time"

	gt "groundtruth"
)

// riskAt is the engine time of the risk fixtures: whole microseconds, as the engine emits.
var riskAt = time.Date(2026, 4, 20, 6, 45, 12, 345678000, time.UTC)

// riskChanges returns risk records of every kind for tenant at seq, every time in loc:
// the copper lot of the record fixtures valued below its book, its loan in margin call,
// an outflow signal, the alerts, actions and inspection that follow, and the rules that
// raised them. Written in one zone, they read back equal to the fixtures in UTC. Slices
// are nil or hold something: the JSON document leaves out empty ones it omits.
func riskChanges(tenant string, seq uint64, loc *time.Location) *gt.Changes {
	at := func(d time.Duration) time.Time { return riskAt.Add(d).In(loc) }
	observed, ltv := 231.4, 0.7912
	price := &gt.PriceRef{Commodity: "copper", At: at(-3 * time.Hour), Seq: 880,
		Price: gt.Money{Amount: 955_525, Currency: "USD"}, Unit: "t"}
	copper := gt.Valuation{TenantID: tenant, CollateralID: "col-cu-lot-7781", Kind: gt.KindInventoryLot,
		Commodity: "copper", CustodianID: "qd-port-logistics", SiteID: "qd-bonded-wh-3", At: at(0), Seq: 901,
		Unit: "t", BookQuantity: 243.35, ObservedQuantity: &observed, VerifiedQuantity: 231.4, QuantitySource: "fused",
		Sources: []gt.QuantitySource{
			{Kind: "load_cell", Devices: []string{"lc-qd3-bay-a-01", "lc-qd3-bay-a-02"}, Quantity: 231.38, Sigma: 0.4, At: at(-time.Minute)},
			{Kind: "volume_scan", Devices: []string{"lidar-qd3-1"}, Quantity: 233.1, Sigma: 2.5, At: at(-time.Hour - time.Microsecond)},
		},
		Price: price, SigmaDaily: 0.0143, LiquidationDays: 5, HaircutFloor: 0.1, HaircutVolatility: 0.0744,
		Haircut: 0.1744, Trust: 0.95, TrustReason: "signed",
		Gross: gt.Money{Amount: 221_108_485, Currency: "USD"}, Value: gt.Money{Amount: 173_411_388, Currency: "USD"}}
	car := gt.Valuation{TenantID: tenant, CollateralID: "col-vin-wba8e1c5", Kind: gt.KindVehicle,
		SiteID: "kaiser-lot-muc", At: at(-time.Minute), Seq: 902, QuantitySource: "book", Trust: 1, TrustReason: "not_monitored",
		Gross: gt.Money{Amount: 6_500_000, Currency: "EUR"}, Value: gt.Money{Amount: 5_850_000, Currency: "EUR"}}
	c := &gt.Changes{Seq: seq}
	c.Rules = []gt.Rule{
		{Name: "ltv_breach", Expr: "loan.ltv > loan.terms.margin_call_ltv", For: gt.Duration(15 * time.Minute),
			Severity: gt.SeverityCritical, Action: gt.ActionMarginCall, Summary: "LTV of {{ loan.id }} at {{ loan.ltv }}",
			Disabled: true, Version: 2, Builtin: true, TenantID: tenant, Seq: 870, SavedAt: at(-48 * time.Hour)},
		{Name: "unauthorized_outflow", Expr: `signal.name == "unauthorized_outflow"`, Severity: gt.SeverityWarning,
			Action: gt.ActionRequestInspection, Version: 1, TenantID: tenant, Seq: 871, SavedAt: at(-47 * time.Hour)},
	}
	c.Valuations = []gt.Valuation{copper, car}
	c.LoanRisks = []gt.LoanRisk{
		{TenantID: tenant, LoanID: "ln-2026-0001", At: at(0), Seq: 901,
			Exposure: gt.Money{Amount: 4_200_000_000, Currency: "CNY"}, CollateralValue: gt.Money{Amount: 5_308_400_000, Currency: "CNY"},
			AccruedInterest: &gt.Money{Amount: 22_750_000, Currency: "CNY"}, LTV: &ltv, Coverage: 1.2639, Band: gt.BandMarginCall, BandSince: at(-30 * time.Minute), DaysPastDue: 3,
			MarginCall: &gt.MarginCall{ActionID: "act-0001", Opened: at(-30 * time.Minute), CureBy: at(48 * time.Hour), Escalated: true},
			Allocations: []gt.AllocatedValue{{CollateralID: "col-cu-lot-7781", Share: 1, Value: gt.Money{Amount: 5_308_400_000, Currency: "CNY"},
				FX: &gt.FXConversion{From: "USD", Rate: 7.1066, Commodity: "fx.usd", At: at(-2 * time.Hour), Seq: 897}}},
			BorrowerID: "qd-copper-trading", CoreEnterpriseID: "hamburg-metall",
			Credit: &gt.CreditRisk{PD: 0.013, LGD: 0.2875, EAD: gt.Money{Amount: 4_200_000_000, Currency: "CNY"}, Maturity: 1.25,
				Correlation: 0.1843, K: 0.0612, RiskWeight: 0.765, RWA: gt.Money{Amount: 3_213_000_000, Currency: "CNY"},
				EL: gt.Money{Amount: 15_697_500, Currency: "CNY"}, Stage: 2, ECL12m: gt.Money{Amount: 14_812_000, Currency: "CNY"},
				ECLLifetime: gt.Money{Amount: 18_100_000, Currency: "CNY"}, Allowance: gt.Money{Amount: 18_100_000, Currency: "CNY"}}},
		{TenantID: tenant, LoanID: "ln-2026-0002", At: at(-time.Minute), Seq: 902,
			Exposure: gt.Money{Amount: 6_890_000, Currency: "EUR"}, CollateralValue: gt.Money{Amount: 3_510_000, Currency: "EUR"},
			Coverage: 0.5094, Band: gt.BandLiquidation, BandSince: at(-time.Minute),
			Allocations: []gt.AllocatedValue{{CollateralID: "col-vin-wba8e1c5", Share: 0.6, Value: gt.Money{Amount: 3_510_000, Currency: "EUR"}}},
			BorrowerID:  "autohaus-kaiser"},
	}
	evidence := gt.Evidence{Events: []uint64{880, 899, 901},
		Readings:   []gt.EvidenceReading{{Device: "lc-qd3-bay-a-01", Name: "weight", At: at(-time.Minute), Value: 231_380, Seq: 899, Signed: true}},
		Valuations: []gt.Valuation{func() gt.Valuation { v := copper; v.TenantID = ""; return v }()},
		Prices:     []gt.PriceRef{*price}, RuleVersion: 2}
	c.Signals = []gt.Signal{
		{TenantID: tenant, Name: "unauthorized_outflow", Subject: "collateral:col-cu-lot-7781", Active: true, Since: at(-20 * time.Minute),
			Value: 0.0491, Detail: "11.95 t below book without a release", Evidence: evidence, Seq: 899},
		{TenantID: tenant, Name: "device_offline", Subject: "device:gps-wba8e1c5", Since: at(-5 * time.Minute),
			Evidence: gt.Evidence{Events: []uint64{}}, Seq: 900},
	}
	c.Alerts = []gt.Alert{
		{ID: "al-0001", TenantID: tenant, Rule: "ltv_breach", RuleVersion: 2, Subject: "loan:ln-2026-0001",
			Loans: []string{"ln-2026-0001"}, Severity: gt.SeverityCritical, Action: gt.ActionMarginCall,
			State: gt.AlertResolved, Status: gt.AlertClosed, Summary: "LTV of ln-2026-0001 at 0.79",
			ActiveAt: at(-45 * time.Minute), FiredAt: at(-30 * time.Minute), ResolvedAt: at(-time.Minute),
			AckedBy: "key-analyst", AckedAt: at(-25 * time.Minute), ClosedBy: "key-admin", ClosedAt: at(-time.Microsecond),
			CloseReason: gt.CloseCured, Comment: "Borrower topped up 18.35 t — 已补仓", Evidence: evidence, Seq: 901},
		{ID: "al-0002", TenantID: tenant, Rule: "unauthorized_outflow", RuleVersion: 1, Subject: "collateral:col-cu-lot-7781",
			Loans: []string{"ln-2026-0001", "ln-2026-0005"}, Severity: gt.SeverityWarning, Action: gt.ActionRequestInspection,
			State: gt.AlertFiring, Status: gt.AlertOpen, Summary: "Outflow at Qingdao No. 3", ActiveAt: at(-20 * time.Minute),
			FiredAt: at(-20 * time.Minute), Evidence: gt.Evidence{Events: []uint64{899}}, Seq: 899},
	}
	c.Actions = []gt.Action{
		{ID: "act-0001", TenantID: tenant, Kind: gt.ActionMarginCall, AlertID: "al-0001", Rule: "ltv_breach",
			Subject: "loan:ln-2026-0001", Loans: []string{"ln-2026-0001"}, Severity: gt.SeverityCritical,
			Summary: "Restore LTV below 0.75 by 22 Apr", Created: at(-30 * time.Minute), CureBy: at(48 * time.Hour),
			State: gt.ActionCured, InspectionID: "insp-0001", Seq: 890},
		{ID: "act-0002", TenantID: tenant, Kind: gt.ActionRequestInspection, AlertID: "al-0002", Rule: "unauthorized_outflow",
			Subject: "collateral:col-cu-lot-7781", Severity: gt.SeverityWarning, Created: at(-20 * time.Minute),
			State: gt.ActionOpen, Seq: 899},
	}
	c.Inspections = []gt.Inspection{
		{ID: "insp-0001", TenantID: tenant, ActionID: "act-0002", AlertID: "al-0002", Subject: "collateral:col-cu-lot-7781",
			CollateralID: "col-cu-lot-7781", SiteID: "qd-bonded-wh-3", Reason: "Count bay A against the receipt",
			State: "done", Created: at(-20 * time.Minute), CompletedAt: at(-2 * time.Minute), CompletedBy: "key-analyst",
			Findings: "231 t on hand; 12 t moved to bay B without a release", Seq: 900},
		{ID: "insp-0002", TenantID: tenant, ActionID: "act-0002", AlertID: "al-0002", Subject: "collateral:col-cu-lot-7781",
			Reason: "Recount", State: "open", Created: at(-time.Minute), Seq: 902},
	}
	return c
}

// loanRiskOf returns a loan risk of tenant in band with exposure and value of currency,
// secured by the collateral named.
func loanRiskOf(tenant, id, band string, exposure, value int64, currency, core string, collateral ...string) gt.LoanRisk {
	r := gt.LoanRisk{TenantID: tenant, LoanID: id, At: riskAt, Band: band, BandSince: riskAt,
		Exposure: gt.Money{Amount: exposure, Currency: currency}, CollateralValue: gt.Money{Amount: value, Currency: currency},
		BorrowerID: "borrower-" + id, CoreEnterpriseID: core}
	for _, c := range collateral {
		r.Allocations = append(r.Allocations, gt.AllocatedValue{CollateralID: c, Share: 1})
	}
	if value > 0 {
		ltv := float64(exposure) / float64(value)
		r.LTV = &ltv
	}
	return r
}

// valuationOf returns a valuation of tenant's collateral with the dimensions given.
func valuationOf(tenant, id, custodian, commodity, site string, value int64, currency string) gt.Valuation {
	return gt.Valuation{TenantID: tenant, CollateralID: id, Kind: gt.KindInventoryLot, Commodity: commodity,
		CustodianID: custodian, SiteID: site, At: riskAt, Value: gt.Money{Amount: value, Currency: currency}}
}

// alertOf returns an alert of tenant.
func alertOf(tenant, id, rule, subject, severity, state, status string, loans ...string) gt.Alert {
	return gt.Alert{ID: id, TenantID: tenant, Rule: rule, RuleVersion: 1, Subject: subject, Loans: loans,
		Severity: severity, State: state, Status: status, ActiveAt: riskAt}
}

// RiskBatch returns the risk records of a portfolio of tenant for benchmarks, as the
// engine emits them after a price move revalues everything: loans loan risks, each
// secured by two inventory lots (two valuations) spread over 50 custodians, 10
// commodities and 200 sites, and an alert for every other loan in a mix of states. Ids
// hold a number of five digits.
func RiskBatch(tenant string, loans int, seq uint64) *gt.Changes {
	c := &gt.Changes{Seq: seq,
		LoanRisks:  make([]gt.LoanRisk, 0, loans),
		Valuations: make([]gt.Valuation, 0, 2*loans),
		Alerts:     make([]gt.Alert, 0, loans/2),
	}
	bands := []string{gt.BandHealthy, gt.BandHealthy, gt.BandHealthy, gt.BandWarn, gt.BandMarginCall, gt.BandLiquidation}
	currencies := []string{"USD", "USD", "EUR", "CNY"}
	states := []string{gt.AlertFiring, gt.AlertResolved, gt.AlertPending}
	statuses := []string{gt.AlertOpen, gt.AlertAcknowledged, gt.AlertClosed}
	severities := []string{gt.SeverityInfo, gt.SeverityWarning, gt.SeverityCritical}
	for i := range loans {
		id, cur := fmt.Sprintf("ln-%05d", i), currencies[i%len(currencies)]
		lots := []string{fmt.Sprintf("col-%05d-a", i), fmt.Sprintf("col-%05d-b", i)}
		for j, lot := range lots {
			v := valuationOf(tenant, lot, fmt.Sprintf("custodian-%02d", (i+j)%50), fmt.Sprintf("commodity-%d", i%10),
				fmt.Sprintf("site-%03d", (i*7+j)%200), int64(1_000_000+i*100+j), cur)
			v.Seq, v.Trust, v.TrustReason = seq, 0.95, "signed"
			c.Valuations = append(c.Valuations, v)
		}
		core := ""
		if i%3 == 0 {
			core = fmt.Sprintf("core-%02d", i%20)
		}
		r := loanRiskOf(tenant, id, bands[i%len(bands)], int64(1_500_000+i), int64(2_000_000+i*200), cur, core, lots...)
		ltv := float64(r.Exposure.Amount) / float64(r.CollateralValue.Amount)
		r.Seq, r.LTV, r.Coverage = seq, &ltv, 1/ltv
		c.LoanRisks = append(c.LoanRisks, r)
		if i%2 == 0 {
			a := alertOf(tenant, fmt.Sprintf("al-%05d", i), "ltv_breach", "loan:"+id, severities[i%3], states[i%len(states)],
				statuses[(i/3)%len(statuses)], id)
			a.Seq = seq
			c.Alerts = append(c.Alerts, a)
		}
	}
	return c
}

// Identifiers of each risk kind, for lists and messages.
func alertID(r *gt.Alert) string           { return r.ID }
func actionID(r *gt.Action) string         { return r.ID }
func inspectionID(r *gt.Inspection) string { return r.ID }
func loanRiskID(r *gt.LoanRisk) string     { return r.LoanID }
func signalKey(r *gt.Signal) string        { return r.Subject + "/" + r.Name }
