package scorecard_test

import (
	"math"
	"testing"

	"groundtruth/credit/scorecard"
)

func TestScalingDoublesOddsEveryPDO(t *testing.T) {
	s := scorecard.Scaling{PDO: 20, BaseScore: 600, BaseOdds: 50}
	for _, tc := range []struct{ odds, score float64 }{{50, 600}, {100, 620}, {200, 640}, {25, 580}, {1, 600 - 20*math.Log2(50)}} {
		if got := s.Score(tc.odds); math.Abs(got-tc.score) > 1e-9 {
			t.Errorf("Score(odds %g) = %v, want %v", tc.odds, got, tc.score)
		}
		if got := s.Odds(tc.score); math.Abs(got-tc.odds) > 1e-9*tc.odds {
			t.Errorf("Odds(%v) = %v, want %v", tc.score, got, tc.odds)
		}
		if got := s.PD(tc.score); math.Abs(got-1/(1+tc.odds)) > 1e-12 {
			t.Errorf("PD(%v) = %v, want %v", tc.score, got, 1/(1+tc.odds))
		}
	}
	if f := s.Factor(); math.Abs(f-20/math.Ln2) > 1e-12 {
		t.Errorf("Factor = %v, want 20/ln 2", f)
	}
	if o := s.Offset(); math.Abs(o-(600-20/math.Ln2*math.Log(50))) > 1e-9 {
		t.Errorf("Offset = %v", o)
	}
}

func TestPointsSumToScore(t *testing.T) {
	// A model of three variables: P(bad) = σ(α + Σ β_j·WOE_j); the points of its bins add
	// up to Score of the odds good:bad = exp(−(α + Σ β_j·WOE_j)).
	s := scorecard.DefaultScaling()
	alpha := -1.2
	beta := []float64{-0.8, -1.1, -0.4}
	woe := []float64{0.35, -0.9, 1.4}
	sum, eta := 0.0, alpha
	for j := range beta {
		sum += s.Points(beta[j], woe[j], alpha, len(beta))
		eta += beta[j] * woe[j]
	}
	if want := s.Score(math.Exp(-eta)); math.Abs(sum-want) > 1e-9 {
		t.Errorf("Σ points = %v, want Score(odds) = %v", sum, want)
	}
	if pd := s.PD(sum); math.Abs(pd-1/(1+math.Exp(-eta))) > 1e-12 {
		t.Errorf("PD(Σ points) = %v, want σ(η) = %v", pd, 1/(1+math.Exp(-eta)))
	}
}
