package risk

import (
	"fmt"
	"math"
)

// DefaultLambda is the RiskMetrics decay factor for daily data (J.P. Morgan/Reuters,
// RiskMetrics Technical Document, 4th ed., 1996, §5.3).
const DefaultLambda = 0.94

// EWMA is the incremental RiskMetrics estimator of daily volatility.
//
// It assumes a zero mean return, as RiskMetrics does: each squared log return counts in
// full, so a series growing at a constant rate g per day has a volatility of |ln(1+g)|,
// not 0. The zero value is usable and decays with DefaultLambda. It is not safe for
// concurrent use. Its fields are exported so the engine can snapshot it as JSON.
type EWMA struct {
	Lambda     float64 `json:"lambda"`      // decay in (0, 1); anything else means DefaultLambda
	Var        float64 `json:"var"`         // current variance estimate of daily log returns
	Last       float64 `json:"last"`        // last daily close added
	N          int     `json:"n"`           // number of closes added
	LastReturn float64 `json:"last_return"` // log return of the last close added (0 before 2 closes)
}

// NewEWMA returns an empty estimator with decay lambda; a lambda outside (0, 1) (including
// 0 and NaN) selects DefaultLambda.
func NewEWMA(lambda float64) EWMA {
	return EWMA{Lambda: effectiveLambda(lambda)}
}

// effectiveLambda maps an unset or invalid decay to DefaultLambda.
func effectiveLambda(lambda float64) float64 {
	if lambda > 0 && lambda < 1 {
		return lambda
	}
	return DefaultLambda
}

// Add adds the next daily close. A close that is not positive and finite returns an error
// and leaves the estimator unchanged.
//
// The first close only sets Last. The second seeds Var = r1^2, where r1 = ln(close2/close1).
// Every later close with log return r sets Var = lambda*Var + (1-lambda)*r^2. Var is
// therefore the variance after including the latest return: the RiskMetrics forecast,
// made at the latest close, of the next day's return variance.
func (e *EWMA) Add(close float64) error {
	if !(close > 0) || math.IsInf(close, 1) {
		return fmt.Errorf("add close %v: must be positive and finite", close)
	}
	switch e.N {
	case 0:
	case 1:
		r := math.Log(close / e.Last)
		e.Var, e.LastReturn = r*r, r
	default:
		l := effectiveLambda(e.Lambda)
		r := math.Log(close / e.Last)
		e.Var, e.LastReturn = l*e.Var+(1-l)*r*r, r
	}
	e.Last = close
	e.N++
	return nil
}

// Sigma returns the daily volatility sqrt(Var); it is 0 before 2 closes have been added.
func (e *EWMA) Sigma() float64 {
	if e.N < 2 {
		return 0
	}
	return math.Sqrt(e.Var)
}

// Returns returns the number of log returns seen, one less than the closes added.
func (e *EWMA) Returns() int {
	return max(e.N-1, 0)
}

// Ready reports whether at least minReturns log returns have been added; at least one is
// always required, so Ready(0) is false on an empty estimator.
func (e *EWMA) Ready(minReturns int) bool {
	return e.Returns() >= max(minReturns, 1)
}

// EWMAVolatility returns the EWMA volatility of a series of daily closes, oldest first:
// the same result as NewEWMA(lambda) followed by Add for every close. It is 0 for fewer
// than 2 closes and returns an error naming the first close that is not positive and
// finite.
func EWMAVolatility(closes []float64, lambda float64) (sigma float64, err error) {
	e := NewEWMA(lambda)
	for i, c := range closes {
		if err := e.Add(c); err != nil {
			return 0, fmt.Errorf("close %d: %w", i, err)
		}
	}
	return e.Sigma(), nil
}

// Shock reports whether a return moved more than k standard deviations:
// |ret| > k*sigma. It is false when sigma is not positive or any input is NaN.
func Shock(ret, sigma, k float64) bool {
	if !(sigma > 0) {
		return false
	}
	return math.Abs(ret) > k*sigma
}
