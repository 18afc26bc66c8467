package rules_test

import (
	"strings"
	"testing"

	"groundtruth/rules"
)

// builtinPack is SPEC §6.5's defaults: name, severity, action.
var builtinPack = map[string][2]string{
	"unauthorized_outflow":    {"critical", "request_inspection"},
	"surplus":                 {"warning", "alert"},
	"sensor_disagreement":     {"warning", "request_inspection"},
	"signature_invalid":       {"critical", "alert"},
	"replay":                  {"critical", "alert"},
	"sensor_stuck":            {"warning", "request_inspection"},
	"implausible_jump":        {"warning", "alert"},
	"device_offline":          {"warning", "alert"},
	"device_relocated":        {"critical", "request_inspection"},
	"tamper":                  {"critical", "request_inspection"},
	"power_cut":               {"warning", "alert"},
	"clock_skew":              {"info", "alert"},
	"geofence_exit":           {"critical", "alert"},
	"out_of_trust":            {"critical", "freeze_drawdown"},
	"herd_shortfall":          {"critical", "request_inspection"},
	"price_shock":             {"warning", "notify"},
	"collateral_blind":        {"critical", "freeze_drawdown"},
	"related_party_custodian": {"warning", "alert"},
	"double_pledge":           {"critical", "freeze_drawdown"},
	"not_planted":             {"critical", "request_inspection"},
	"crop_stress":             {"warning", "alert"},
	"early_harvest":           {"critical", "request_inspection"},
	"ltv_warn":                {"warning", "notify"},
	"ltv_margin_call":         {"critical", "margin_call"},
	"ltv_liquidation":         {"critical", "freeze_drawdown"},
	"days_past_due_90":        {"critical", "alert"},
}

func TestBuiltin(t *testing.T) {
	pack := rules.Builtin()
	if len(pack) != len(builtinPack) {
		t.Errorf("Builtin() has %d rules, want %d", len(pack), len(builtinPack))
	}
	for _, r := range pack {
		want, ok := builtinPack[r.Name]
		if !ok {
			t.Errorf("Builtin() has unexpected rule %q", r.Name)
			continue
		}
		if r.Severity != want[0] || r.Action != want[1] || !r.Builtin || r.Version != 1 || r.For != 0 || r.Disabled {
			t.Errorf("Builtin rule %s = %s %s builtin %v version %d for %v disabled %v; want %s %s builtin version 1 for 0",
				r.Name, r.Severity, r.Action, r.Builtin, r.Version, r.For, r.Disabled, want[0], want[1])
		}
		c, err := rules.Compile(r)
		if err != nil {
			t.Errorf("Compile(builtin %s) = %v", r.Name, err)
			continue
		}
		if strings.HasPrefix(r.Name, "ltv_") || r.Name == "days_past_due_90" {
			if c.Scope() != rules.ScopeLoan || c.SignalName() != "" {
				t.Errorf("builtin %s: scope %v signal %q, want loan and no signal", r.Name, c.Scope(), c.SignalName())
			}
			continue
		}
		if c.Scope() != rules.ScopeSignal || c.SignalName() != r.Name {
			t.Errorf("builtin %s: scope %v signal %q, want signal and %q", r.Name, c.Scope(), c.SignalName(), r.Name)
		}
		sig := func(name string, active bool) *rules.Vars {
			return &rules.Vars{Now: now, Signal: &rules.Signal{Name: name, Active: active, Subject: "C-7", Detail: "observed 80 t, book 100 t", Since: now}}
		}
		eval := func(v *rules.Vars) bool {
			got, err := c.Eval(v)
			if err != nil {
				t.Errorf("builtin %s: Eval = %v", r.Name, err)
			}
			return got
		}
		if !eval(sig(r.Name, true)) {
			t.Errorf("builtin %s does not fire for an active %s signal", r.Name, r.Name)
		}
		if eval(sig(r.Name, false)) {
			t.Errorf("builtin %s fires for an inactive %s signal", r.Name, r.Name)
		}
		if other := "not_" + r.Name; eval(sig(other, true)) {
			t.Errorf("builtin %s fires for an active %s signal", r.Name, other)
		}
		if s := c.Summary(sig(r.Name, true)); !strings.Contains(s, "C-7") || !strings.Contains(s, "observed 80 t") || strings.Contains(s, "<error") {
			t.Errorf("builtin %s: Summary = %q, want the subject and the detail", r.Name, s)
		}
	}
	pack[0].Name = "changed"
	if rules.Builtin()[0].Name == "changed" {
		t.Error("Builtin() returns a shared slice")
	}
}

func TestBuiltinLoanRules(t *testing.T) {
	compiled := map[string]*rules.Compiled{}
	for _, r := range rules.Builtin() {
		compiled[r.Name] = mustCompile(t, r)
	}
	loan := func(band string, dpd int64) *rules.Vars {
		return &rules.Vars{Now: now, Loan: &rules.Loan{ID: "L-9", BorrowerID: "B-2", Band: band, DaysPastDue: dpd,
			LTV: 0.8312, WarnLTV: 0.7, MarginCallLTV: 0.8, LiquidationLTV: 0.9, Exposure: 831200, Value: 1e6, Currency: "EUR"}}
	}
	tests := []struct {
		v    *rules.Vars
		want []string // the rules that fire
	}{
		{loan("healthy", 0), nil},
		{loan("warn", 0), []string{"ltv_warn"}},
		{loan("margin_call", 89), []string{"ltv_margin_call"}},
		{loan("liquidation", 90), []string{"ltv_margin_call", "ltv_liquidation", "days_past_due_90"}},
	}
	for _, tt := range tests {
		for _, name := range []string{"ltv_warn", "ltv_margin_call", "ltv_liquidation", "days_past_due_90"} {
			want := false
			for _, w := range tt.want {
				want = want || w == name
			}
			got, err := compiled[name].Eval(tt.v)
			if err != nil || got != want {
				t.Errorf("%s.Eval(band %s, dpd %d) = %v, %v; want %v", name, tt.v.Loan.Band, tt.v.Loan.DaysPastDue, got, err, want)
			}
		}
	}
	if got, want := compiled["ltv_margin_call"].Summary(loan("margin_call", 0)),
		"Loan L-9 LTV 83.1% is in margin call (at 80.0%); exposure 831200 EUR, collateral value 1000000 EUR"; got != want {
		t.Errorf("ltv_margin_call.Summary = %q, want %q", got, want)
	}
	if got, want := compiled["days_past_due_90"].Summary(loan("healthy", 91)), "Loan L-9 of borrower B-2 is 91 days past due"; got != want {
		t.Errorf("days_past_due_90.Summary = %q, want %q", got, want)
	}
}
