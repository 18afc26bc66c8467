package credit

import "math"

// Minimum holding periods T_M of the comprehensive approach, in business days
// (Basel Framework CRE22.56).
const (
	HoldingRepo           = 5  // repo-style transactions
	HoldingCapitalMarket  = 10 // other capital market transactions
	HoldingSecuredLending = 20 // secured lending
)

// ScaleHaircut scales a supervisory haircut h10, set for a 10-business-day holding period
// with daily revaluation, to a minimum holding period of holdingDays business days (T_M)
// and revaluation every revaluationDays business days (N_R), by the square root of time
// formula of the comprehensive approach (Basel Framework CRE22.57-22.59):
//
//	H = H_10·sqrt((N_R + (T_M − 1))/10)
//
// For example a 4% haircut becomes 4%·sqrt(20/10) = 5.66% for secured lending revalued
// daily, and 4%·sqrt(5/10) = 2.83% for a repo. Days below 1 count as 1, a negative h10
// as 0; the result is capped at 1, and is 1 (no value recognised) when h10 is NaN.
func ScaleHaircut(h10 float64, holdingDays, revaluationDays int) float64 {
	if math.IsNaN(h10) {
		return 1
	}
	tm := float64(max(holdingDays, 1))
	nr := float64(max(revaluationDays, 1))
	return min(max(h10, 0)*math.Sqrt((nr+tm-1)/10), 1)
}
