package scorecard

import (
	"errors"
	"math"
)

// Scaling turns log-odds into points: a higher score means a lower risk, odds are good:bad,
// BaseScore points stand for odds of BaseOdds, and the odds double every PDO points.
type Scaling struct {
	// PDO is the number of points that doubles the odds.
	PDO float64 `json:"pdo"`
	// BaseScore is the score at BaseOdds.
	BaseScore float64 `json:"base_score"`
	// BaseOdds is the good:bad odds at BaseScore.
	BaseOdds float64 `json:"base_odds"`
}

// DefaultScaling returns the usual scaling: 600 points at odds 50:1, 20 points to double.
func DefaultScaling() Scaling { return Scaling{PDO: 20, BaseScore: 600, BaseOdds: 50} }

// validate reports a scaling that cannot be used.
func (s Scaling) validate() error {
	if !(s.PDO > 0) || !(s.BaseOdds > 0) || math.IsInf(s.PDO, 0) || math.IsInf(s.BaseOdds, 0) || math.IsNaN(s.BaseScore) || math.IsInf(s.BaseScore, 0) {
		return errors.New("scaling needs a positive PDO and base odds and a finite base score")
	}
	return nil
}

// Factor returns PDO / ln 2, the points per unit of log-odds.
func (s Scaling) Factor() float64 { return s.PDO / math.Ln2 }

// Offset returns BaseScore − Factor·ln(BaseOdds), the score at odds 1:1.
func (s Scaling) Offset() float64 { return s.BaseScore - s.Factor()*math.Log(s.BaseOdds) }

// Score returns the score of good:bad odds: Offset + Factor·ln(odds).
func (s Scaling) Score(odds float64) float64 { return s.Offset() + s.Factor()*math.Log(odds) }

// Odds returns the good:bad odds of a score, the inverse of Score.
func (s Scaling) Odds(score float64) float64 { return math.Exp((score - s.Offset()) / s.Factor()) }

// PD returns the probability of default of a score: 1 / (1 + Odds(score)).
func (s Scaling) PD(score float64) float64 {
	return 1 / (1 + math.Exp((score-s.Offset())/s.Factor()))
}

// Points returns the points of a bin with the given WOE for a variable of coefficient coef
// in a model of n variables with the given intercept: −(coef·woe + intercept/n)·Factor +
// Offset/n. Summed over the variables they give Score of the model's odds.
func (s Scaling) Points(coef, woe, intercept float64, n int) float64 {
	return -(coef*woe+intercept/float64(n))*s.Factor() + s.Offset()/float64(n)
}
