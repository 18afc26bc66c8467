package risk

import "math"

// Z99 is the one-sided 99% quantile of the standard normal distribution: Φ(Z99) = 0.99
// (2.326 in printed tables).
const Z99 = 2.3263478740408408

// Haircut returns the haircut h = max(floor, Z99*sigmaDaily*sqrt(liquidationDays)),
// capped at 1, and the volatility part Z99*sigmaDaily*sqrt(liquidationDays) alone, not
// capped, so a valuation can record why h is what it is (SPEC §6.3).
//
// sigmaDaily is the standard deviation of daily log returns (EWMA.Sigma) and
// liquidationDays the days needed to sell the collateral; the volatility part scales with
// the square root of time, as the Basel holding-period formulas do. A negative floor,
// sigma or number of days counts as 0, a floor above 1 as 1; a NaN input gives h = 1 (no
// lending value) and a NaN volatility part.
func Haircut(floor, sigmaDaily, liquidationDays float64) (h, volatility float64) {
	if math.IsNaN(floor) || math.IsNaN(sigmaDaily) || math.IsNaN(liquidationDays) {
		return 1, math.NaN()
	}
	volatility = Z99 * max(sigmaDaily, 0) * math.Sqrt(max(liquidationDays, 0))
	return min(max(floor, volatility, 0), 1), volatility
}

// ScaleHaircut scales a haircut hM set for a minimum holding period of holdingDays
// business days (T_M) to collateral revalued only every revaluationDays business days
// (N_R), by the square-root-of-time formula of the Basel comprehensive approach
// (Basel Framework CRE22.57, formerly Basel II paragraph 168):
//
//	H = H_M * sqrt((N_R + (T_M - 1)) / T_M)
//
// With daily revaluation (N_R = 1) H = H_M. For example the 15% haircut of a
// 10-business-day holding period becomes 0.15*sqrt((31+9)/10) = 0.30 for collateral
// revalued every 31 business days. Days below 1 count as 1; a negative hM counts as 0;
// the result is capped at 1, and is 1 when hM is NaN.
func ScaleHaircut(hM float64, holdingDays, revaluationDays int) float64 {
	if math.IsNaN(hM) {
		return 1
	}
	tm := float64(max(holdingDays, 1))
	nr := float64(max(revaluationDays, 1))
	return min(max(hM, 0)*math.Sqrt((nr+tm-1)/tm), 1)
}
