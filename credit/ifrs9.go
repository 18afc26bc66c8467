package credit

import (
	"fmt"
	"math"
)

// Stage is the IFRS 9 impairment stage of a financial asset (IFRS 9 §5.5.3-5.5.5).
type Stage int

// The three stages: 12-month ECL while credit risk has not increased significantly
// since initial recognition, lifetime ECL once it has, lifetime ECL on a credit-impaired
// asset.
const (
	Stage1 Stage = 1 // performing: 12-month ECL
	Stage2 Stage = 2 // significant increase in credit risk: lifetime ECL
	Stage3 Stage = 3 // credit-impaired: lifetime ECL, interest on the net amount
)

// String returns "stage 1", "stage 2" or "stage 3".
func (s Stage) String() string { return fmt.Sprintf("stage %d", int(s)) }

// Days past due at which IFRS 9 presumes a significant increase in credit risk (§5.5.11)
// and default (§B5.5.37).
const (
	DaysPastDueSICR    = 30
	DaysPastDueDefault = 90
)

// SICR is a quantitative test of a significant increase in credit risk since initial
// recognition (IFRS 9 §5.5.9): the lifetime PD now against the lifetime PD that was
// expected at origination for the same remaining horizon. Both conditions must hold.
type SICR struct {
	Ratio    float64 // the PD now is at least Ratio times the PD at origination
	Absolute float64 // and at least Absolute above it, so tiny PDs do not move on noise
}

// DefaultSICR is the default test: the lifetime PD has at least doubled and risen by at
// least 0.5 percentage points.
var DefaultSICR = SICR{Ratio: 2, Absolute: 0.005}

// Significant reports whether a lifetime PD of pd against originationPD at origination
// is a significant increase under s. It is false when either PD is NaN.
func (s SICR) Significant(pd, originationPD float64) bool {
	return pd >= s.Ratio*originationPD && pd-originationPD >= s.Absolute
}

// Staging is what IFRS9Stage needs to know about an asset.
type Staging struct {
	DaysPastDue int  // days the oldest unpaid instalment is overdue
	Defaulted   bool // in default or otherwise credit-impaired (IFRS 9 Appendix A)
	// PD is the lifetime PD now, over the remaining life; OriginationPD the lifetime PD
	// that was expected at initial recognition for the same horizon. NaN in either
	// leaves the PD test out.
	PD, OriginationPD float64
}

// IFRS9Stage returns the stage of an asset: Stage3 when it is defaulted or at least 90
// days past due, Stage2 when it is at least 30 days past due or its PD has increased
// significantly under rule, Stage1 otherwise.
func IFRS9Stage(a Staging, rule SICR) Stage {
	switch {
	case a.Defaulted || a.DaysPastDue >= DaysPastDueDefault:
		return Stage3
	case a.DaysPastDue >= DaysPastDueSICR || rule.Significant(a.PD, a.OriginationPD):
		return Stage2
	}
	return Stage1
}

// Period is one period of an expected-loss schedule.
type Period struct {
	PD  float64 // marginal PD: probability, seen from today, of default within this period
	LGD float64 // loss given default in this period
	EAD float64 // exposure at default in this period
}

// Schedule is the projected life of an asset for its expected credit losses.
type Schedule struct {
	Periods []Period // period 1 first, to the end of the (expected) life
	PerYear int      // periods in a year: 1 annual, 4 quarterly, 12 monthly; 0 means 1
	EIR     float64  // annual effective interest rate, the discount rate (IFRS 9 §B5.5.44)
}

// ECL returns the expected credit loss over the first n periods of s (all of them when
// n is larger), each discounted from the end of its period at the effective rate:
//
//	ECL = Σ_{t=1..n} PD_t·LGD_t·EAD_t / (1+EIR)^(t/PerYear)
//
// It returns an error wrapping ErrInvalid for a PD or LGD outside [0, 1], a negative or
// NaN EAD, marginal PDs summing above 1, an EIR of -100% or less, or a negative PerYear.
func (s Schedule) ECL(n int) (float64, error) {
	per := s.PerYear
	switch {
	case per < 0:
		return 0, fmt.Errorf("periods per year %d below 0: %w", per, ErrInvalid)
	case per == 0:
		per = 1
	}
	if !(s.EIR > -1) || math.IsInf(s.EIR, 1) {
		return 0, fmt.Errorf("effective interest rate %v not above -1: %w", s.EIR, ErrInvalid)
	}
	var ecl, cum float64
	for t, p := range s.Periods {
		switch {
		case !(p.PD >= 0 && p.PD <= 1):
			return 0, fmt.Errorf("period %d: pd %v outside [0, 1]: %w", t+1, p.PD, ErrInvalid)
		case !(p.LGD >= 0 && p.LGD <= 1):
			return 0, fmt.Errorf("period %d: lgd %v outside [0, 1]: %w", t+1, p.LGD, ErrInvalid)
		case !(p.EAD >= 0) || math.IsInf(p.EAD, 1):
			return 0, fmt.Errorf("period %d: ead %v not a finite amount >= 0: %w", t+1, p.EAD, ErrInvalid)
		}
		if cum += p.PD; cum > 1+1e-12 {
			return 0, fmt.Errorf("period %d: marginal pds sum to %v, above 1: %w", t+1, cum, ErrInvalid)
		}
		if t < n {
			ecl += p.PD * p.LGD * p.EAD / math.Pow(1+s.EIR, float64(t+1)/float64(per))
		}
	}
	return ecl, nil
}

// TwelveMonth returns the 12-month ECL: the ECL of the periods in the first year
// (IFRS 9 Appendix A, §5.5.5).
func (s Schedule) TwelveMonth() (float64, error) {
	return s.ECL(max(s.PerYear, 1))
}

// Lifetime returns the lifetime ECL: the ECL of every period of the schedule
// (IFRS 9 Appendix A, §5.5.3).
func (s Schedule) Lifetime() (float64, error) {
	return s.ECL(len(s.Periods))
}

// Allowance returns the loss allowance of an asset in stage st: the 12-month ECL in
// Stage1, the lifetime ECL in Stage2 and Stage3.
func (s Schedule) Allowance(st Stage) (float64, error) {
	if st == Stage1 {
		return s.TwelveMonth()
	}
	return s.Lifetime()
}

// MarginalPDs returns the marginal PDs of the periods whose cumulative PDs are given:
// the probability, seen from today, of defaulting in period t is
// cumulative[t] − cumulative[t−1]. It returns an error wrapping ErrInvalid when the
// cumulative PDs are outside [0, 1] or decrease.
func MarginalPDs(cumulative []float64) ([]float64, error) {
	out := make([]float64, len(cumulative))
	prev := 0.0
	for t, c := range cumulative {
		if !(c >= prev && c <= 1) {
			return nil, fmt.Errorf("period %d: cumulative pd %v not in [%v, 1]: %w", t+1, c, prev, ErrInvalid)
		}
		out[t], prev = c-prev, c
	}
	return out, nil
}
