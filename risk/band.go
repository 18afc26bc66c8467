package risk

import (
	"math"

	gt "groundtruth"
)

// Band is a loan's LTV band (SPEC §6.4), from healthy to liquidation.
type Band string

// The LTV bands, in increasing order of risk; gt.Terms holds the thresholds of the last
// three.
const (
	BandHealthy     Band = "healthy"
	BandWarn        Band = "warn"
	BandMarginCall  Band = "margin_call"
	BandLiquidation Band = "liquidation"
)

// bands lists the bands by rank.
var bands = [...]Band{BandHealthy, BandWarn, BandMarginCall, BandLiquidation}

// Rank returns the band's order: healthy 0, warn 1, margin_call 2, liquidation 3, and -1
// for an unknown or empty band.
func (b Band) Rank() int {
	for i, v := range bands {
		if v == b {
			return i
		}
	}
	return -1
}

// threshold returns the LTV at which band rank r starts under t; healthy starts at -Inf.
func threshold(t gt.Terms, r int) float64 {
	switch r {
	case 1:
		return t.WarnLTV
	case 2:
		return t.MarginCallLTV
	case 3:
		return t.LiquidationLTV
	}
	return math.Inf(-1)
}

// LTV returns the loan-to-value ratio exposure/value. An exposure of 0 or less (nothing
// owed, including 0/0) gives 0; a positive exposure against a value of 0 or less gives
// +Inf; a NaN input gives NaN.
func LTV(exposure, value float64) float64 {
	switch {
	case math.IsNaN(exposure) || math.IsNaN(value):
		return math.NaN()
	case exposure <= 0:
		return 0
	case value <= 0:
		return math.Inf(1)
	}
	return exposure / value
}

// NextBand returns the band of a loan whose band was prev and whose LTV is now ltv, with
// hysteresis (SPEC §6.4). Moving up happens as soon as ltv reaches a band's threshold
// (ltv >= threshold). Moving down from a band requires ltv < threshold - hysteresis of
// the band being left, and may drop several bands at once: from liquidation (0.90) with
// hysteresis 0.02, ltv 0.5 goes straight to healthy, while 0.89 stays in liquidation.
// An unknown prev counts as healthy; a NaN ltv counts as +Inf (liquidation).
func NextBand(prev Band, ltv float64, t gt.Terms, hysteresis float64) Band {
	if math.IsNaN(ltv) {
		ltv = math.Inf(1)
	}
	raw := 0 // the band ltv is in without hysteresis
	for r := 1; r < len(bands); r++ {
		if ltv >= threshold(t, r) {
			raw = r
		}
	}
	b := max(prev.Rank(), 0)
	if raw >= b {
		return bands[raw]
	}
	for b > raw && ltv < threshold(t, b)-hysteresis {
		b--
	}
	return bands[b]
}
