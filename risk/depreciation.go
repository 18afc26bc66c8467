package risk

import (
	"math"
	"time"

	gt "groundtruth"
)

// Year is the length of a year used for depreciation: 365.25 days.
const Year = time.Duration(365.25 * 24 * float64(time.Hour))

// Depreciate returns value depreciated on a declining balance at annualRate from from to
// at: value x (1 - annualRate)^years with years = (at - from) / 365.25 days, rounded to
// minor units half away from zero, in the same currency.
//
// Before from (negative years) the value is unchanged. The rate is clamped to [0, 1]: a
// negative rate does not appreciate collateral, and a NaN rate counts as 1 (all value
// lost after any time).
func Depreciate(value gt.Money, annualRate float64, from, at time.Time) gt.Money {
	years := at.Sub(from).Seconds() / Year.Seconds()
	if !(years > 0) {
		return value
	}
	rate := min(max(annualRate, 0), 1)
	if math.IsNaN(annualRate) {
		rate = 1
	}
	f := math.Pow(1-rate, years)
	if f >= 1 {
		return value
	}
	v := math.Round(float64(value.Amount) * f)
	// |v| <= |Amount| in exact arithmetic; float64 rounding can reach ±2^63, which int64
	// cannot hold.
	switch {
	case v >= math.MaxInt64:
		value.Amount = math.MaxInt64
	case v <= math.MinInt64:
		value.Amount = math.MinInt64
	default:
		value.Amount = int64(v)
	}
	return value
}
