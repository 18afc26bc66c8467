package risk

import (
	"fmt"
	"math"
	"time"
)

// Source is one measurement of a lot's quantity by one kind of sensor (SPEC §6.1).
type Source struct {
	Kind     string    // "load_cell", "volume_scanner", "camera_counter", "rfid_reader", ...
	Quantity float64   // already converted to the lot's unit
	Sigma    float64   // one standard deviation of noise, same unit, > 0
	At       time.Time // when it was measured
}

// usable reports whether a source can take part in fusion: a finite quantity and a
// positive, finite sigma.
func (s Source) usable() bool {
	return !math.IsNaN(s.Quantity) && !math.IsInf(s.Quantity, 0) && s.Sigma > 0 && !math.IsInf(s.Sigma, 1)
}

// Fuse returns the inverse-variance weighted mean of the sources and its standard
// deviation: q = Σ(x_i/σ_i²) / Σ(1/σ_i²) and sigma = 1/sqrt(Σ 1/σ_i²), the minimum-variance
// unbiased combination of independent measurements. Sources without a finite quantity and
// a positive finite Sigma are ignored; ok is false when none is left.
func Fuse(sources []Source) (q, sigma float64, ok bool) {
	// Weights are taken relative to the most precise source, (smin/σ_i)² in (0, 1], so
	// very small or very large sigmas neither overflow nor underflow the sums.
	smin := math.Inf(1)
	for _, s := range sources {
		if s.usable() {
			smin = min(smin, s.Sigma)
		}
	}
	if math.IsInf(smin, 1) {
		return 0, 0, false
	}
	var sw, swx float64
	for _, s := range sources {
		if !s.usable() {
			continue
		}
		w := (smin / s.Sigma) * (smin / s.Sigma)
		sw += w
		swx += w * s.Quantity
	}
	return swx / sw, smin / math.Sqrt(sw), true
}

// Disagreement reports the first pair of sources (i < j, in order of i then j) whose
// difference exceeds k combined standard deviations: |x_i - x_j| > k*sqrt(σ_i² + σ_j²).
// This is the sensor_disagreement test of SPEC §6.1 (say, weight right and count wrong).
// Sources Fuse would ignore are skipped; the indexes refer to the sources slice.
func Disagreement(sources []Source, k float64) (i, j int, found bool) {
	for i = range sources {
		if !sources[i].usable() {
			continue
		}
		for j = i + 1; j < len(sources); j++ {
			a, b := sources[i], sources[j]
			if b.usable() && math.Abs(a.Quantity-b.Quantity) > k*math.Hypot(a.Sigma, b.Sigma) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// Verified returns the verified quantity of a lot (SPEC §6.1): min(observed, book) when an
// observation is known, else 0 (the lot is blind). It is never negative, and is 0 when an
// input is NaN.
func Verified(observed, book float64, haveObserved bool) float64 {
	if !haveObserved || math.IsNaN(observed) || math.IsNaN(book) {
		return 0
	}
	return max(min(observed, book), 0)
}

// BarrelM3 is the volume of one oil barrel (42 US gallons) in cubic metres.
const BarrelM3 = 0.158987294928

// dimension is what a unit measures.
type dimension int

const (
	mass dimension = iota
	volume
	count
)

// units maps each quantity unit of the domain (see groundtruth.InventoryLot) to what it
// measures and its size in kg, m3 or items.
var units = map[string]struct {
	dim  dimension
	size float64
}{
	"kg":    {mass, 1},
	"t":     {mass, 1000},
	"m3":    {volume, 1},
	"l":     {volume, 0.001},
	"bbl":   {volume, BarrelM3},
	"count": {count, 1},
}

// Convert converts a measured quantity v from one unit to another. The units are kg, t,
// m3, l, bbl (BarrelM3 m3) and count. Mass and volume convert through bulkDensity (kg/m3),
// counts through unitWeightKg (kg per item), counts and volume through both. It returns an
// error for an unknown unit, a v that is not finite, a conversion whose unitWeightKg or
// bulkDensity is not positive and finite, and a result that is not finite.
func Convert(v float64, from, to string, unitWeightKg, bulkDensity float64) (float64, error) {
	f, ok := units[from]
	if !ok {
		return 0, fmt.Errorf("convert from %q: unknown unit (want kg, t, m3, l, bbl or count)", from)
	}
	t, ok := units[to]
	if !ok {
		return 0, fmt.Errorf("convert to %q: unknown unit (want kg, t, m3, l, bbl or count)", to)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("convert %v %s to %s: quantity must be finite", v, from, to)
	}
	if from == to {
		return v, nil
	}
	// per converts one base unit of dimension d (kg, m3, item) to kg.
	per := func(d dimension) (float64, error) {
		switch d {
		case volume:
			if !(bulkDensity > 0) || math.IsInf(bulkDensity, 1) {
				return 0, fmt.Errorf("convert %s to %s: bulk density must be positive, got %v kg/m3", from, to, bulkDensity)
			}
			return bulkDensity, nil
		case count:
			if !(unitWeightKg > 0) || math.IsInf(unitWeightKg, 1) {
				return 0, fmt.Errorf("convert %s to %s: unit weight must be positive, got %v kg", from, to, unitWeightKg)
			}
			return unitWeightKg, nil
		}
		return 1, nil
	}
	r := v * f.size
	if f.dim != t.dim {
		pf, err := per(f.dim)
		if err != nil {
			return 0, err
		}
		pt, err := per(t.dim)
		if err != nil {
			return 0, err
		}
		r = r * pf / pt
	}
	r /= t.size
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return 0, fmt.Errorf("convert %v %s to %s: result out of range", v, from, to)
	}
	return r, nil
}
