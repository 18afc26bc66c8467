package rules_test

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"groundtruth/rules"
)

var now = time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)

// fullVars is a context with every variable set.
func fullVars() *rules.Vars {
	return &rules.Vars{
		Loan: &rules.Loan{
			ID: "L-1", Product: "inventory", Status: "active", Band: "margin_call", PrevBand: "warn",
			Currency: "USD", BorrowerID: "B-1", CoreEnterpriseID: "CE-1",
			LTV: 0.84, Exposure: 840_000, Value: 1_000_000, Coverage: 1.19, DaysPastDue: 12,
			WarnLTV: 0.7, MarginCallLTV: 0.8, LiquidationLTV: 0.9,
		},
		Collateral: &rules.Collateral{
			ID: "C-1", Kind: "commodity", Commodity: "copper", SiteID: "S-1", CustodianID: "K-1", Unit: "t",
			Book: 100, Observed: 91.5, Verified: 91.5, Trust: 0.8, Haircut: 0.15, Value: 700_000,
		},
		Device: &rules.Device{
			ID: "D-1", Kind: "load_cell", CollateralID: "C-1", SiteID: "S-1", State: "online", Signed: true,
			Rejected: map[string]int64{"signature": 4, "replay": 0},
		},
		Signal: &rules.Signal{
			Name: "device_offline", Subject: "D-1", Detail: "no reading for 3h", Active: true,
			Value: 3, Since: now.Add(-3 * time.Hour),
		},
		Price:     &rules.Price{Commodity: "copper", Price: 9100, Return: -0.07, Sigma: 0.015},
		Portfolio: &rules.Portfolio{Exposure: 5e6, Value: 7e6, Loans: 12, LoansInMarginCall: 2},
		Now:       now,
	}
}

func TestEval(t *testing.T) {
	tests := []struct {
		expr string
		want bool
	}{
		// loan
		{`loan.ltv > 0.8 && loan.days_past_due > 10`, true},
		{`loan.ltv > 0.8 && loan.days_past_due > 30`, false},
		{`loan.band == "margin_call" && loan.prev_band == "warn"`, true},
		{`loan.ltv >= loan.margin_call_ltv && loan.ltv < loan.liquidation_ltv`, true},
		{`loan.exposure / loan.value > 0.9`, false},
		{`loan.ltv > 1`, false}, // int and double compare
		{`loan.currency == "USD" && loan.borrower_id == "B-1" && loan.core_enterprise_id == "CE-1"`, true},
		{`loan.product == "inventory" && loan.status == "active" && loan.id == "L-1" && loan.coverage > 1.0`, true},
		{`loan.warn_ltv == 0.7`, true},
		// collateral
		{`collateral.observed < collateral.book * 0.95`, true},
		{`collateral.verified == collateral.observed && collateral.trust < 0.9 && collateral.haircut > 0.1`, true},
		{`collateral.commodity == "copper" && collateral.unit == "t" && collateral.kind == "commodity"`, true},
		{`collateral.custodian_id == "K-1" && collateral.site_id == "S-1" && collateral.id == "C-1" && collateral.value > 1e6`, false},
		// device
		{`device.signed && device.state == "online"`, true},
		{`device.rejected["signature"] > 3`, true},
		{`"tamper" in device.rejected`, false},
		{`device.rejected.exists(k, device.rejected[k] == 0)`, true},
		{`device.kind == "load_cell" && device.collateral_id == "C-1" && device.site_id == "S-1" && device.id == "D-1"`, true},
		// signal and timestamps
		{`signal.active && signal.name == "device_offline"`, true},
		{`signal.active && signal.name == "tamper"`, false},
		{`now - signal.since > duration("1h")`, true},
		{`now - signal.since > duration("4h")`, false},
		{`signal.since < now && signal.since.getHours() == 9`, true},
		{`signal.value >= 3.0 && signal.subject == "D-1" && signal.detail.contains("3h")`, true},
		{`now == timestamp("2025-03-14T12:00:00Z")`, true},
		// price
		{`price.return < -3.0 * price.sigma`, true},
		{`price.commodity == "copper" && price.price > 10000.0`, false},
		// portfolio
		{`portfolio.loans_in_margin_call * 10 > portfolio.loans`, true},
		{`portfolio.exposure / portfolio.value > 0.8`, false},
	}
	v := fullVars()
	for _, tt := range tests {
		got, err := mustCompile(t, rule(tt.expr)).Eval(v)
		if err != nil || got != tt.want {
			t.Errorf("Eval(%q) = %v, %v; want %v, nil", tt.expr, got, err, tt.want)
		}
	}
}

func TestEvalNilVarsAreZero(t *testing.T) {
	tests := []string{
		`loan.ltv == 0.0 && loan.id == "" && loan.days_past_due == 0`,
		`collateral.value == 0.0 && collateral.kind == ""`,
		`!device.signed && size(device.rejected) == 0 && !("x" in device.rejected)`,
		`!signal.active && signal.name == "" && signal.since == timestamp("1970-01-01T00:00:00Z")`,
		`now - signal.since == duration("0s")`,
		`price.price == 0.0 && portfolio.loans == 0`,
		`now == timestamp("1970-01-01T00:00:00Z")`,
	}
	for _, expr := range tests {
		c := mustCompile(t, rule(expr))
		for _, v := range []*rules.Vars{{}, nil} {
			if got, err := c.Eval(v); err != nil || !got {
				t.Errorf("Eval(%q, %v) = %v, %v; want true, nil", expr, v, got, err)
			}
		}
	}
}

func TestEvalRuntimeErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{`device.rejected["tamper"] > 0`, "no such key"},
		{`loan.days_past_due / (loan.days_past_due - 12) > 1`, "division by zero"},
	}
	v := fullVars()
	for _, tt := range tests {
		got, err := mustCompile(t, rule(tt.expr)).Eval(v)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Eval(%q) = %v, %v; want an error containing %q", tt.expr, got, err, tt.want)
		}
	}
}

func TestSummary(t *testing.T) {
	tests := []struct{ summary, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"Loan {{ loan.id }} LTV {{ loan.ltv }} is in margin call", "Loan L-1 LTV 0.84 is in margin call"},
		{"{{loan.id}}{{loan.days_past_due}}", "L-112"},
		{`LTV {{ "%.1f".format([loan.ltv * 100.0]) }}%`, "LTV 84.0%"},
		{"exposure {{ loan.exposure }} ratio {{ loan.exposure / 3.0 }}", "exposure 840000 ratio 280000"},
		{"value {{ collateral.observed / 7.0 }}", "value 13.0714"},
		{"since {{ signal.since }} for {{ now - signal.since }}", "since 2025-03-14T09:00:00Z for 3h0m0s"},
		{"signed {{ device.signed }} rejected {{ device.rejected.signature }}", "signed true rejected 4"},
		{"missing {{ device.rejected.tamper }}!", "missing <error: no such key: tamper>!"},
		{"braces { } and }} alone", "braces { } and }} alone"},
	}
	v := fullVars()
	for _, tt := range tests {
		r := rule("true")
		r.Summary = tt.summary
		if got := mustCompile(t, r).Summary(v); got != tt.want {
			t.Errorf("Summary(%q) = %q, want %q", tt.summary, got, tt.want)
		}
	}
	r := rule("true")
	r.Summary = "LTV {{ loan.ltv }}"
	loan := &rules.Loan{LTV: 1e9}
	if got, want := mustCompile(t, r).Summary(&rules.Vars{Loan: loan}), "LTV 1000000000"; got != want {
		t.Errorf("Summary(LTV 1e9) = %q, want %q", got, want)
	}
	if got, want := mustCompile(t, r).Summary(nil), "LTV 0"; got != want {
		t.Errorf("Summary(nil) = %q, want %q", got, want)
	}
}

// TestSummaryFields checks that a summary part reading a variable's field renders as the
// same value does through CEL ([x][0] makes CEL evaluate it), for every field, with
// values that format differently, and for a nil variable.
func TestSummaryFields(t *testing.T) {
	vars := []*rules.Vars{fullVars(), {}}
	for _, f := range []float64{math.NaN(), math.Inf(-1), 1e15, -0.00005, 0.123456789, 84.05, -0} {
		v := fullVars()
		v.Loan.LTV, v.Collateral.Observed, v.Price.Return, v.Portfolio.Value = f, f, f, f
		v.Loan.ID, v.Loan.DaysPastDue, v.Device.Signed = "L-é", -3, false
		vars = append(vars, v)
	}
	fields := map[string]any{"loan": rules.Loan{}, "collateral": rules.Collateral{}, "device": rules.Device{},
		"signal": rules.Signal{}, "price": rules.Price{}, "portfolio": rules.Portfolio{}}
	for name, typ := range fields {
		st := reflect.TypeOf(typ)
		for i := range st.NumField() {
			sel := name + "." + st.Field(i).Tag.Get("cel")
			direct, viaCEL := rule("true"), rule("true")
			direct.Summary, viaCEL.Summary = "{{ "+sel+" }}", "{{ ["+sel+"][0] }}"
			if st.Field(i).Type.Kind() == reflect.Map {
				continue // a map is not a summary value
			}
			d, c := mustCompile(t, direct), mustCompile(t, viaCEL)
			for _, v := range vars {
				if got, want := d.Summary(v), c.Summary(v); got != want {
					t.Errorf("Summary(%q) = %q, want %q as CEL renders it", direct.Summary, got, want)
				}
			}
		}
	}
}

// TestSummaryFixed checks that a "%.Nf".format([x]) part renders as CEL renders it (the
// same call on [x] + [], which is not a list literal, goes through CEL), for doubles and
// ints that format differently, and an expression that fails.
func TestSummaryFixed(t *testing.T) {
	var vars []*rules.Vars
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0.05, 0.15, 2.675, 0.8449999,
		-3.25, 1e15, 1e21, 123456.789, 0.00049} {
		v := fullVars()
		v.Loan.LTV, v.Loan.DaysPastDue = f, int64(f*7)
		vars = append(vars, v)
	}
	vars = append(vars, &rules.Vars{})
	for _, x := range []string{"loan.ltv * 100.0", "loan.ltv", "loan.days_past_due", "device.rejected.tamper", "[loan.ltv][0]"} {
		for _, prec := range []string{"0", "1", "3"} {
			for _, q := range []string{`"`, `'`} {
				fast, slow := rule("true"), rule("true")
				format := q + "%." + prec + "f" + q
				fast.Summary = "LTV {{ " + format + ".format([" + x + "]) }}%"
				slow.Summary = "LTV {{ " + format + ".format([" + x + "] + []) }}%"
				f, s := mustCompile(t, fast), mustCompile(t, slow)
				if rules.FixedParts(f) != 1 || rules.FixedParts(s) != 0 {
					t.Fatalf("%q: %d fixed parts, %q: %d; want 1 and 0", fast.Summary, rules.FixedParts(f), slow.Summary, rules.FixedParts(s))
				}
				for _, v := range vars {
					if got, want := f.Summary(v), s.Summary(v); got != want {
						t.Errorf("Summary(%q) = %q, want %q as CEL renders it", fast.Summary, got, want)
					}
				}
			}
		}
	}
	for _, summary := range []string{`{{ "%.1f %.1f".format([loan.ltv, loan.ltv]) }}`,
		`{{ "%.1f".format([loan.ltv]) == "0.8" }}`, `{{ "%d".format([loan.days_past_due]) }}`} {
		r := rule("true")
		r.Summary = summary
		if c := mustCompile(t, r); rules.FixedParts(c) != 0 {
			t.Errorf("%s is rendered as a fixed part", summary)
		}
	}
}
