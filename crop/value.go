package crop

import "math"

// YieldModel turns a season's peak NDVI into an expected yield in tonnes per hectare:
// Intercept + Slope x peak, clamped to [0, Max]. TypicalPeak is the peak of a normal
// season, used before the satellites have seen the season's canopy.
type YieldModel struct {
	Intercept, Slope, Max, TypicalPeak float64
}

// Expected returns the yield of a peak NDVI in t/ha.
func (m YieldModel) Expected(peak float64) float64 {
	return math.Min(math.Max(m.Intercept+m.Slope*peak, 0), m.Max)
}

// yields are house defaults, linear in the peak NDVI, chosen so that a normal season
// (peak about 0.80-0.85) gives a typical European yield (maize about 9.5 t/ha, wheat
// about 6.3 t/ha, barley about 5.5 t/ha, soybeans about 3 t/ha) and a canopy that never
// closed (peak 0.3) gives nothing. Peak NDVI is well correlated with yield (for example
// Tucker et al. 1980 for wheat; many regional maize studies), but the slope and
// intercept depend on crop, region and sensor: a lender calibrates them on its own
// harvest records.
var yields = map[string]YieldModel{
	"maize":    {Intercept: -5.4, Slope: 17.5, Max: 15, TypicalPeak: 0.85},
	"wheat":    {Intercept: -3.8, Slope: 12.6, Max: 10, TypicalPeak: 0.80},
	"barley":   {Intercept: -3.3, Slope: 11.0, Max: 9, TypicalPeak: 0.80},
	"soybeans": {Intercept: -1.8, Slope: 6.0, Max: 5, TypicalPeak: 0.80},
}

// defaultYield is the model of a crop without one: that of wheat.
var defaultYield = yields["wheat"]

// Yield returns the yield model of a crop, and whether the crop has its own.
func Yield(crop string) (YieldModel, bool) {
	m, ok := yields[crop]
	if !ok {
		return defaultYield, false
	}
	return m, true
}
