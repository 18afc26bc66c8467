package risk_test

import (
	"math"
	"testing"

	"groundtruth/risk"
)

// near reports whether got is within tol of want, relative to want when |want| > 1.
func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*max(1, math.Abs(want))
}

// pricesFromReturns builds closes from a first close and log returns.
func pricesFromReturns(first float64, rets ...float64) []float64 {
	c := []float64{first}
	for _, r := range rets {
		c = append(c, c[len(c)-1]*math.Exp(r))
	}
	return c
}

func TestEWMAHandComputed(t *testing.T) {
	// Log returns 0.02, -0.01, 0.03; the variances below are worked on paper:
	//   lambda 0.94: v1 = 0.02² = 0.0004
	//                v2 = 0.94*0.0004 + 0.06*0.0001 = 0.000376 + 0.000006 = 0.000382
	//                v3 = 0.94*0.000382 + 0.06*0.0009 = 0.00035908 + 0.000054 = 0.00041308
	//   lambda 0.5:  v1 = 0.0004, v2 = 0.0002 + 0.00005 = 0.00025, v3 = 0.000125 + 0.00045 = 0.000575
	closes := pricesFromReturns(100, 0.02, -0.01, 0.03)
	tests := []struct {
		lambda float64
		want   []float64 // Var after each close
	}{
		{0.94, []float64{0, 0.0004, 0.000382, 0.00041308}},
		{0.5, []float64{0, 0.0004, 0.00025, 0.000575}},
		{0, []float64{0, 0.0004, 0.000382, 0.00041308}}, // 0 selects DefaultLambda 0.94
	}
	for _, tt := range tests {
		e := risk.NewEWMA(tt.lambda)
		for i, c := range closes {
			if err := e.Add(c); err != nil {
				t.Fatalf("lambda %v: Add(%v) = %v", tt.lambda, c, err)
			}
			if !near(e.Var, tt.want[i], 1e-15) {
				t.Errorf("lambda %v: Var after %d closes = %.17g, want %.17g", tt.lambda, i+1, e.Var, tt.want[i])
			}
			if got, want := e.Sigma(), math.Sqrt(tt.want[i]); !near(got, want, 1e-12) {
				t.Errorf("lambda %v: Sigma() after %d closes = %.17g, want %.17g", tt.lambda, i+1, got, want)
			}
		}
		if e.N != 4 || !near(e.LastReturn, 0.03, 1e-14) || e.Last != closes[3] {
			t.Errorf("lambda %v: N, LastReturn, Last = %d, %v, %v; want 4, 0.03, %v", tt.lambda, e.N, e.LastReturn, e.Last, closes[3])
		}
		sigma, err := risk.EWMAVolatility(closes, tt.lambda)
		if err != nil || !near(sigma, math.Sqrt(tt.want[3]), 1e-12) {
			t.Errorf("EWMAVolatility(%v, %v) = %v, %v; want %v", closes, tt.lambda, sigma, err, math.Sqrt(tt.want[3]))
		}
	}
}

func TestEWMASeries(t *testing.T) {
	// A constant price has no return at all: sigma is exactly 0.
	if got, err := risk.EWMAVolatility([]float64{50, 50, 50, 50, 50}, 0.94); got != 0 || err != nil {
		t.Errorf("EWMAVolatility(constant) = %v, %v; want 0", got, err)
	}
	// RiskMetrics assumes a zero mean: constant growth of 1% a day is a squared return of
	// ln(1.01)² every day, so sigma stays ln(1.01) = 0.00995033085..., not 0.
	growth := []float64{100}
	for range 60 {
		growth = append(growth, growth[len(growth)-1]*1.01)
	}
	if got, _ := risk.EWMAVolatility(growth, 0.94); !near(got, 0.009950330853168092, 1e-12) {
		t.Errorf("EWMAVolatility(1%% daily growth) = %.17g, want ln(1.01) = 0.009950330853168092", got)
	}
	// After a single 5% move and 100 flat days the variance has decayed to
	// 0.05² * 0.94^100 = 5.1371869263e-6: sigma 0.0022665363, on its way to 0.
	flat := pricesFromReturns(100, 0.05)
	for range 100 {
		flat = append(flat, flat[len(flat)-1])
	}
	if got, _ := risk.EWMAVolatility(flat, 0.94); !near(got, 0.0022665363280364595, 1e-12) {
		t.Errorf("EWMAVolatility(shock then 100 flat days) = %.17g, want 0.0022665363280364595", got)
	}
}

func TestEWMARejectsBadCloses(t *testing.T) {
	for _, bad := range []float64{0, -1, math.NaN(), math.Inf(1), math.Inf(-1)} {
		e := risk.NewEWMA(0.94)
		_ = e.Add(100)
		_ = e.Add(101)
		before := e
		if err := e.Add(bad); err == nil {
			t.Errorf("Add(%v) = nil, want an error", bad)
		}
		if e != before {
			t.Errorf("Add(%v) changed the estimator: %+v, want %+v", bad, e, before)
		}
		if _, err := risk.EWMAVolatility([]float64{100, bad}, 0.94); err == nil {
			t.Errorf("EWMAVolatility([100 %v]) = nil error, want an error", bad)
		}
	}
}

func TestEWMAReady(t *testing.T) {
	e := risk.NewEWMA(0.94)
	tests := []struct {
		closes, minReturns int
		want               bool
	}{
		{0, 0, false}, {1, 0, false}, {1, 1, false}, {2, 0, true}, {2, 1, true},
		{2, 2, false}, {21, 20, true}, {21, 21, false},
	}
	for _, tt := range tests {
		e = risk.NewEWMA(0.94)
		for i := range tt.closes {
			_ = e.Add(100 + float64(i))
		}
		if got := e.Ready(tt.minReturns); got != tt.want {
			t.Errorf("after %d closes Ready(%d) = %v, want %v", tt.closes, tt.minReturns, got, tt.want)
		}
	}
	if got := (&risk.EWMA{}).Sigma(); got != 0 {
		t.Errorf("EWMA{}.Sigma() = %v, want 0", got)
	}
}

func TestShock(t *testing.T) {
	tests := []struct {
		ret, sigma, k float64
		want          bool
	}{
		{0.081, 0.02, 4, true},
		{-0.081, 0.02, 4, true},
		{0.079, 0.02, 4, false},
		{0.0801, 0.02, 4, true},
		{0.05, 0, 4, false},  // no volatility estimate yet
		{0.05, -1, 4, false}, // nonsense sigma
		{math.NaN(), 0.02, 4, false},
		{0.05, math.NaN(), 4, false},
	}
	for _, tt := range tests {
		if got := risk.Shock(tt.ret, tt.sigma, tt.k); got != tt.want {
			t.Errorf("Shock(%v, %v, %v) = %v, want %v", tt.ret, tt.sigma, tt.k, got, tt.want)
		}
	}
}
