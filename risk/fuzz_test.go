package risk_test

import (
	"math"
	"testing"

	gt "groundtruth"
	"groundtruth/risk"
)

func FuzzConvert(f *testing.F) {
	for _, u := range []string{"kg", "t", "m3", "l", "bbl", "count"} {
		f.Add(2.5, u, "kg", 25.0, 800.0)
		f.Add(-1.0, "count", u, 0.0, 0.0)
	}
	f.Add(math.MaxFloat64, "t", "kg", 1e-300, 1e300)
	f.Add(1.0, "lb", "bbl", 25.0, 800.0)
	f.Fuzz(func(t *testing.T, v float64, from, to string, unitWeight, density float64) {
		got, err := risk.Convert(v, from, to, unitWeight, density)
		if err != nil {
			return
		}
		if math.IsNaN(got) || math.IsInf(got, 0) {
			t.Fatalf("Convert(%v, %q, %q, %v, %v) = %v with no error, want a finite result", v, from, to, unitWeight, density, got)
		}
		back, err := risk.Convert(got, to, from, unitWeight, density)
		if err != nil {
			t.Fatalf("Convert back(%v, %q, %q, %v, %v) = %v, but the forward conversion worked", got, to, from, unitWeight, density, err)
		}
		// Away from underflow and overflow a round trip returns the quantity.
		if a := math.Abs(got); a > 1e-250 && a < 1e250 && math.Abs(v) > 1e-250 && math.Abs(v) < 1e250 {
			if math.Abs(back-v) > 1e-12*math.Abs(v) {
				t.Fatalf("Convert round trip %v %s -> %v %s -> %v, want %v", v, from, got, to, back, v)
			}
		}
	})
}

func FuzzNextBand(f *testing.F) {
	f.Add(uint8(0), 0.5, 0.95, 0.70, 0.80, 0.90, 0.02)
	f.Add(uint8(2), 0.779, 0.79, 0.70, 0.80, 0.90, 0.02)
	f.Add(uint8(3), 0.0, 0.881, 0.70, 0.80, 0.90, 0.02)
	f.Add(uint8(4), 0.1, 0.2, 0.9, 0.5, 0.7, -0.3) // unknown prev, unordered terms
	f.Fuzz(func(t *testing.T, p uint8, l1, l2, warn, mc, liq, hy float64) {
		prev := []risk.Band{risk.BandHealthy, risk.BandWarn, risk.BandMarginCall, risk.BandLiquidation, ""}[int(p)%5]
		if math.IsNaN(l1) || math.IsNaN(l2) {
			return
		}
		if l1 > l2 {
			l1, l2 = l2, l1
		}
		terms := gt.Terms{WarnLTV: warn, MarginCallLTV: mc, LiquidationLTV: liq}
		b1, b2 := risk.NextBand(prev, l1, terms, hy), risk.NextBand(prev, l2, terms, hy)
		r1, r2 := b1.Rank(), b2.Rank()
		if r1 < 0 || r2 < 0 {
			t.Fatalf("NextBand(%q, %v or %v, %+v, %v) = %q, %q: not a band", prev, l1, l2, terms, hy, b1, b2)
		}
		if r1 > r2 {
			t.Fatalf("NextBand(%q, ltv, %+v, %v): ltv %v gives %q but the higher ltv %v gives %q", prev, terms, hy, l1, b1, l2, b2)
		}
		if l2 >= liq && b2 != risk.BandLiquidation {
			t.Fatalf("NextBand(%q, %v, %+v, %v) = %q, want liquidation at or above %v", prev, l2, terms, hy, b2, liq)
		}
	})
}
