package engine_test

import (
	"fmt"
	"testing"
	"time"

	gt "groundtruth"
)

// perfRig is bank-a with n dollar loans (no collateral) besides the copper financing.
func perfRig(b *testing.B, n int) *rig {
	r := newRig(b, "bank-a")
	recs := copperRecords()
	base := recs.Loans[0]
	for i := range n {
		l := base
		l.ID = fmt.Sprintf("bulk-%06d", i)
		recs.Loans = append(recs.Loans, l)
	}
	r.records(recs)
	r.price("copper", copperUSD)
	r.cells(1_000_000)
	return r
}

// BenchmarkFXTickWithManyLoans: an fx.<ccy> tick re-measures only the loans with
// collateral in another currency (none here), whatever the size of the portfolio.
func BenchmarkFXTickWithManyLoans(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			r := perfRig(b, n)
			b.ReportAllocs()
			for b.Loop() {
				r.now = r.now.Add(time.Second)
				r.fxTick(1_083_400)
			}
		})
	}
}

// BenchmarkTimedRuleMinuteWithManyLoans: once a minute the first event evaluates a loan
// rule reading now over every loan (runTimedRules): the cost of a minute's pass.
func BenchmarkTimedRuleMinuteWithManyLoans(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			r := perfRig(b, n)
			r.do(gt.EventRulePut, "bank-a", gt.Rule{Name: "past_maturity", Expr: `now > loan.maturity_date`,
				Severity: gt.SeverityWarning, Summary: "{{ loan.id }}"})
			b.ReportAllocs()
			for b.Loop() {
				r.now = r.now.Add(time.Minute)
				r.do(gt.EventTick, "", nil)
			}
		})
	}
}
