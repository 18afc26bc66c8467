package rules_test

import (
	"testing"

	gt "groundtruth"
	"groundtruth/rules"
)

// FuzzCompile compiles arbitrary expressions and summaries: Compile, Eval and Summary
// must return errors, never panic.
func FuzzCompile(f *testing.F) {
	f.Add(`signal.active && signal.name == "tamper"`, "{{ signal.detail }}")
	f.Add(`loan.ltv > 0.8 && loan.days_past_due > 30`, "Loan {{ loan.id }} LTV {{ loan.ltv }}")
	f.Add(`now - signal.since > duration("1h")`, "")
	f.Add(`device.rejected.exists(k, device.rejected[k] > 3)`, "{{ device.rejected.x }}")
	f.Add(`loan.ltvv > `, "{{ }}")
	v := fullVars()
	f.Fuzz(func(t *testing.T, expr, summary string) {
		r := gt.Rule{Name: "fuzz", Expr: expr, Summary: summary, Severity: gt.SeverityInfo}
		c, err := rules.Compile(r)
		if err != nil {
			if gt.ErrorCode(err) != gt.EINVALID {
				t.Fatalf("Compile(%q, %q) = %v with code %q, want invalid", expr, summary, err, gt.ErrorCode(err))
			}
			return
		}
		_, _ = c.Eval(v)
		_, _ = c.Eval(nil)
		_ = c.Summary(v)
		_ = c.Scope()
		_ = c.SignalName()
	})
}

// FuzzParseFile parses arbitrary rule files: no panic, and a file that parses checks
// without panicking.
func FuzzParseFile(f *testing.F) {
	f.Add([]byte(goodFile))
	f.Add([]byte("rules:\n  - name: a\n    expr: 'true'\n    severity: info\n    for: 2d3h\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := rules.ParseFile(data)
		if err != nil {
			return
		}
		for _, r := range rs {
			if err := r.Validate(); err != nil {
				t.Fatalf("ParseFile returned an invalid rule %+v: %v", r, err)
			}
		}
		_, _ = rules.Check(data)
	})
}
