package risk_test

import (
	"math"
	"testing"

	gt "groundtruth"
	"groundtruth/risk"
)

func TestLTV(t *testing.T) {
	tests := []struct {
		exposure, value, want float64
	}{
		{80, 100, 0.8},
		{150, 100, 1.5},
		{0, 0, 0},
		{0, 100, 0},
		{-5, 100, 0}, // overpaid
		{5, 0, math.Inf(1)},
		{5, -1, math.Inf(1)},
		{0, -1, 0},
	}
	for _, tt := range tests {
		if got := risk.LTV(tt.exposure, tt.value); got != tt.want {
			t.Errorf("LTV(%v, %v) = %v, want %v", tt.exposure, tt.value, got, tt.want)
		}
	}
	if got := risk.LTV(math.NaN(), 100); !math.IsNaN(got) {
		t.Errorf("LTV(NaN, 100) = %v, want NaN", got)
	}
	if got := risk.LTV(100, math.NaN()); !math.IsNaN(got) {
		t.Errorf("LTV(100, NaN) = %v, want NaN", got)
	}
}

func TestBandRank(t *testing.T) {
	tests := []struct {
		b    risk.Band
		want int
	}{
		{risk.BandHealthy, 0}, {risk.BandWarn, 1}, {risk.BandMarginCall, 2}, {risk.BandLiquidation, 3},
		{"", -1}, {"Healthy", -1}, {"default", -1},
	}
	for _, tt := range tests {
		if got := tt.b.Rank(); got != tt.want {
			t.Errorf("Band(%q).Rank() = %d, want %d", tt.b, got, tt.want)
		}
	}
}

func TestNextBand(t *testing.T) {
	terms := gt.Terms{WarnLTV: 0.70, MarginCallLTV: 0.80, LiquidationLTV: 0.90}
	const hy = 0.02
	H, W, M, L := risk.BandHealthy, risk.BandWarn, risk.BandMarginCall, risk.BandLiquidation
	tests := []struct {
		prev risk.Band
		ltv  float64
		want risk.Band
	}{
		// Up as soon as the threshold is reached.
		{H, 0.69, H}, {H, 0.70, W}, {H, 0.80, M}, {H, 0.90, L}, {H, 0.95, L}, {W, 0.85, M},
		{H, math.Inf(1), L}, {M, math.Inf(1), L}, {H, math.NaN(), L},
		// Down only 2 points below the threshold of the band being left.
		{M, 0.79, M}, {M, 0.781, M}, {M, 0.779, W}, {M, 0.70, W}, {M, 0.60, H},
		{W, 0.69, W}, {W, 0.68, W}, {W, 0.679, H},
		{L, 0.89, L}, {L, 0.881, L}, {L, 0.879, M}, {L, 0.79, M}, {L, 0.779, W}, {L, 0.5, H},
		{L, 0, H}, {L, -1, H},
		// Staying put.
		{M, 0.80, M}, {M, 0.85, M}, {L, 0.95, L}, {H, 0, H},
		// An unknown previous band counts as healthy.
		{"", 0.75, W}, {"", 0.5, H}, {"bogus", 0.99, L},
	}
	for _, tt := range tests {
		if got := risk.NextBand(tt.prev, tt.ltv, terms, hy); got != tt.want {
			t.Errorf("NextBand(%q, %v, 0.70/0.80/0.90, %v) = %q, want %q", tt.prev, tt.ltv, hy, got, tt.want)
		}
	}
	// Exactly threshold - hysteresis does not clear the band (binary fractions, so the
	// boundary is exact: 0.75 - 0.125 = 0.625).
	exact := gt.Terms{WarnLTV: 0.5, MarginCallLTV: 0.75, LiquidationLTV: 1}
	for _, tt := range []struct {
		ltv  float64
		want risk.Band
	}{{0.625, M}, {0.6249999, W}, {0.375, W}, {0.3749999, H}} {
		if got := risk.NextBand(M, tt.ltv, exact, 0.125); got != tt.want {
			t.Errorf("NextBand(margin_call, %v, 0.5/0.75/1, 0.125) = %q, want %q", tt.ltv, got, tt.want)
		}
	}
	// No hysteresis: bands follow the thresholds both ways.
	if got := risk.NextBand(M, 0.7999, terms, 0); got != W {
		t.Errorf("NextBand(margin_call, 0.7999, hysteresis 0) = %q, want warn", got)
	}
}
