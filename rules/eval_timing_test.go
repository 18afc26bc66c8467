package rules_test

import (
	"testing"

	"groundtruth/rules"
)

// BenchmarkEval measures one evaluation of a typical signal rule and loan rule.
func BenchmarkEval(b *testing.B) {
	for _, bc := range []struct{ name, expr string }{
		{"signal", `signal.active && signal.name == "unauthorized_outflow"`},
		{"loan", `loan.ltv > 0.8 && loan.days_past_due > 30`},
		{"timestamp", `signal.active && now - signal.since > duration("1h")`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := mustCompile(b, rule(bc.expr))
			v := fullVars()
			v.Signal.Name = "unauthorized_outflow"
			v.Loan.DaysPastDue = 45
			b.ReportAllocs()
			for b.Loop() {
				if ok, err := c.Eval(v); err != nil || !ok {
					b.Fatalf("Eval = %v, %v", ok, err)
				}
			}
		})
	}
}

// BenchmarkSummary measures rendering a built-in loan summary.
func BenchmarkSummary(b *testing.B) {
	for _, r := range rules.Builtin() {
		if r.Name != "ltv_margin_call" {
			continue
		}
		c := mustCompile(b, r)
		v := fullVars()
		b.ReportAllocs()
		for b.Loop() {
			_ = c.Summary(v)
		}
	}
}
