package risk_test

import (
	"math"
	"testing"

	"groundtruth/risk"
)

func TestZ99(t *testing.T) {
	// Φ(z) = erfc(-z/√2)/2.
	if p := math.Erfc(-risk.Z99/math.Sqrt2) / 2; math.Abs(p-0.99) > 1e-12 {
		t.Errorf("Φ(Z99) = %.15f, want 0.99", p)
	}
	if math.Abs(risk.Z99-2.326) > 0.0005 {
		t.Errorf("Z99 = %v, want 2.326 as printed in normal tables", risk.Z99)
	}
}

func TestHaircut(t *testing.T) {
	// Volatility parts worked by hand with Z99 = 2.3263478740408408:
	// 2.3263478740408408 * 0.02 * sqrt(10) = 0.14713115823719107, and so on.
	tests := []struct {
		floor, sigma, days float64
		h, vol             float64
	}{
		{0.15, 0.02, 10, 0.15, 0.14713115823719107},                // floor governs
		{0.15, 0.03, 10, 0.22069673735578661, 0.22069673735578661}, // volatility governs
		{0.40, 0.05, 60, 0.90099065736452060, 0.90099065736452060},
		{0.15, 0.2, 90, 1, 4.4139347471157322}, // capped at 1
		{0, 0.01, 1, 0.023263478740408408, 0.023263478740408408},
		{0.25, 0, 30, 0.25, 0}, // no volatility estimate: the floor alone
		{1.5, 0.01, 10, 1, 0.07356557911859554},
		{-0.1, -0.01, -5, 0, 0},  // negatives count as 0
		{0.15, 0.02, 0, 0.15, 0}, // no liquidation time
	}
	for _, tt := range tests {
		h, vol := risk.Haircut(tt.floor, tt.sigma, tt.days)
		if !near(h, tt.h, 1e-14) || !near(vol, tt.vol, 1e-14) {
			t.Errorf("Haircut(%v, %v, %v) = %.17g, %.17g; want %.17g, %.17g", tt.floor, tt.sigma, tt.days, h, vol, tt.h, tt.vol)
		}
	}
	for _, in := range [][3]float64{{math.NaN(), 0.02, 10}, {0.15, math.NaN(), 10}, {0.15, 0.02, math.NaN()}} {
		if h, vol := risk.Haircut(in[0], in[1], in[2]); h != 1 || !math.IsNaN(vol) {
			t.Errorf("Haircut(%v, %v, %v) = %v, %v; want 1, NaN", in[0], in[1], in[2], h, vol)
		}
	}
}

func TestHaircutSquareRootOfTime(t *testing.T) {
	// Basel: a 10-day haircut is sqrt(10) = 3.1622776601683795 times the 1-day one.
	_, h1 := risk.Haircut(0, 0.013, 1)
	_, h10 := risk.Haircut(0, 0.013, 10)
	if !near(h10/h1, 3.1622776601683795, 1e-14) {
		t.Errorf("Haircut(0, 0.013, 10) / Haircut(0, 0.013, 1) = %v, want sqrt(10) = 3.1622776601683795", h10/h1)
	}
}

func TestScaleHaircut(t *testing.T) {
	// H = H_M * sqrt((N_R + T_M - 1) / T_M), worked by hand:
	tests := []struct {
		hM         float64
		tm, nr     int
		want       float64
		arithmetic string
	}{
		{0.15, 10, 1, 0.15, "sqrt((1+9)/10) = 1"},
		{0.15, 10, 31, 0.30, "sqrt((31+9)/10) = sqrt(4) = 2"},
		{0.08, 5, 16, 0.16, "sqrt((16+4)/5) = sqrt(4) = 2"},
		{0.20, 20, 26, 0.30, "sqrt((26+19)/20) = sqrt(2.25) = 1.5"},
		{0.15, 10, 11, 0.15 * 1.4142135623730951, "sqrt((11+9)/10) = sqrt(2)"},
		{0.60, 5, 16, 1, "0.60 * 2 = 1.2, capped at 1"},
		{0.15, 10, 0, 0.15, "N_R 0 counts as 1"},
		{0.15, 0, 4, 0.30, "T_M 0 counts as 1: sqrt((4+0)/1) = 2"},
		{-0.1, 10, 31, 0, "negative H_M counts as 0"},
	}
	for _, tt := range tests {
		if got := risk.ScaleHaircut(tt.hM, tt.tm, tt.nr); !near(got, tt.want, 1e-15) {
			t.Errorf("ScaleHaircut(%v, %d, %d) = %.17g, want %.17g (%s)", tt.hM, tt.tm, tt.nr, got, tt.want, tt.arithmetic)
		}
	}
	if got := risk.ScaleHaircut(math.NaN(), 10, 1); got != 1 {
		t.Errorf("ScaleHaircut(NaN, 10, 1) = %v, want 1", got)
	}
}
