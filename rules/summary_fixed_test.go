package rules_test

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"groundtruth/rules"
)

// TestSummaryFixedRandom compares the "%.Nf".format([x]) fast path with CEL over
// random doubles of every magnitude, every precision the fast path takes, and a few
// source spellings.
func TestSummaryFixedRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var vars []*rules.Vars
	for range 400 {
		v := fullVars()
		e := rng.IntN(44) - 22
		f := (rng.Float64()*2 - 1) * math.Pow(10, float64(e))
		if rng.IntN(4) == 0 {
			f = math.Round(f*1000)/1000 + 0.0005 // rounding edges
		}
		v.Loan.LTV, v.Loan.DaysPastDue = f, rng.Int64N(1<<62)-1<<61
		vars = append(vars, v)
	}
	for _, src := range []string{"loan.ltv", " loan.ltv * 100.0 ", "loan.days_past_due", "-loan.ltv", "loan.ltv / 0.0", "double(loan.days_past_due)"} {
		for prec := range 10 {
			p := strconv.Itoa(prec)
			fast, slow := rule("true"), rule("true")
			fast.Summary = "{{ \"%." + p + "f\" . format( [" + src + "] ) }}"
			slow.Summary = "{{ \"%." + p + "f\".format([" + src + "] + []) }}"
			f, s := mustCompile(t, fast), mustCompile(t, slow)
			if rules.FixedParts(f) != 1 {
				t.Fatalf("%s: not a fixed part", fast.Summary)
			}
			for _, v := range vars {
				if got, want := f.Summary(v), s.Summary(v); got != want {
					t.Errorf("%s with ltv %v dpd %d: %q, CEL %q", fast.Summary, v.Loan.LTV, v.Loan.DaysPastDue, got, want)
				}
			}
		}
	}
}
