package scorecard_test

import (
	"math"
	"testing"

	"groundtruth/credit/scorecard"
)

func TestLogisticClosedForm(t *testing.T) {
	// With one binary predictor the maximum-likelihood fit reproduces the group log-odds:
	// α = logit(P(bad | x=0)) and α + β = logit(P(bad | x=1)).
	var x [][]float64
	var bad []bool
	add := func(v float64, goods, bads int) {
		for i := range goods + bads {
			x = append(x, []float64{v})
			bad = append(bad, i >= goods)
		}
	}
	add(0, 80, 20)
	add(1, 30, 45)
	fit, err := scorecard.Logistic(x, bad)
	if err != nil {
		t.Fatal(err)
	}
	alpha, beta := math.Log(20.0/80), math.Log(45.0/30)-math.Log(20.0/80)
	if math.Abs(fit.Intercept-alpha) > 1e-8 || math.Abs(fit.Coefficients[0]-beta) > 1e-8 || !fit.Converged {
		t.Errorf("Logistic = α %v β %v converged %t, want α %v β %v", fit.Intercept, fit.Coefficients[0], fit.Converged, alpha, beta)
	}
	ll := 20*math.Log(0.2) + 80*math.Log(0.8) + 45*math.Log(0.6) + 30*math.Log(0.4)
	if math.Abs(fit.LogLikelihood-ll) > 1e-8 {
		t.Errorf("log-likelihood = %v, want %v", fit.LogLikelihood, ll)
	}
	null := 65*math.Log(65.0/175) + 110*math.Log(110.0/175)
	if math.Abs(fit.NullLogLikelihood-null) > 1e-8 {
		t.Errorf("null log-likelihood = %v, want %v", fit.NullLogLikelihood, null)
	}
	if fit.Iterations < 2 || fit.Iterations > 20 {
		t.Errorf("iterations = %d", fit.Iterations)
	}
}

func TestLogisticErrors(t *testing.T) {
	if _, err := scorecard.Logistic([][]float64{{1}, {2}}, []bool{false, false}); err == nil {
		t.Error("one class: no error")
	}
	if _, err := scorecard.Logistic([][]float64{{1}, {2, 3}}, []bool{false, true}); err == nil {
		t.Error("ragged rows: no error")
	}
	if _, err := scorecard.Logistic(nil, nil); err == nil {
		t.Error("no rows: no error")
	}
}
