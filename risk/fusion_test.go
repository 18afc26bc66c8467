package risk_test

import (
	"math"
	"testing"

	"groundtruth/risk"
)

func TestFuse(t *testing.T) {
	tests := []struct {
		name     string
		sources  []risk.Source
		q, sigma float64
		ok       bool
	}{
		// weights 1/1 and 1/4: q = (100 + 110/4) / 1.25 = 127.5/1.25 = 102;
		// sigma = 1/sqrt(1.25) = 0.89442719099991588.
		{"two", []risk.Source{{Quantity: 100, Sigma: 1}, {Quantity: 110, Sigma: 2}}, 102, 0.89442719099991588, true},
		// weights 1, 1, 1/4: q = (10 + 12 + 20/4) / 2.25 = 27/2.25 = 12; sigma = 1/1.5.
		{"three", []risk.Source{{Quantity: 10, Sigma: 1}, {Quantity: 12, Sigma: 1}, {Quantity: 20, Sigma: 2}}, 12, 2.0 / 3, true},
		// the same scaled by 1e-200 in sigma: weights must not overflow.
		{"tiny sigma", []risk.Source{{Quantity: 100, Sigma: 1e-200}, {Quantity: 110, Sigma: 2e-200}}, 102, 0.89442719099991588e-200, true},
		{"one", []risk.Source{{Quantity: 5000, Sigma: 50}}, 5000, 50, true},
		{"invalid ones ignored", []risk.Source{
			{Quantity: 100, Sigma: 1}, {Quantity: 1e9, Sigma: 0}, {Quantity: 1e9, Sigma: -1},
			{Quantity: math.NaN(), Sigma: 1}, {Quantity: 1e9, Sigma: math.NaN()}, {Quantity: 1e9, Sigma: math.Inf(1)},
		}, 100, 1, true},
		{"none", nil, 0, 0, false},
		{"only invalid", []risk.Source{{Quantity: 10, Sigma: 0}}, 0, 0, false},
	}
	for _, tt := range tests {
		q, sigma, ok := risk.Fuse(tt.sources)
		if ok != tt.ok || !near(q, tt.q, 1e-14) || math.Abs(sigma-tt.sigma) > 1e-14*tt.sigma {
			t.Errorf("Fuse(%s) = %.17g, %.17g, %v; want %.17g, %.17g, %v", tt.name, q, sigma, ok, tt.q, tt.sigma, tt.ok)
		}
	}
}

func TestDisagreement(t *testing.T) {
	tests := []struct {
		name    string
		sources []risk.Source
		k       float64
		i, j    int
		found   bool
	}{
		// Load cell says 1000 bags' weight, camera counts 900: a 10% discrepancy against
		// 1% noise. 100 > 3*sqrt(10² + 9²) = 40.36.
		{"count 10% short", []risk.Source{
			{Kind: "load_cell", Quantity: 1000, Sigma: 10}, {Kind: "camera_counter", Quantity: 900, Sigma: 9},
		}, 3, 0, 1, true},
		// Two noisy readings that agree: 12 < 3*sqrt(10² + 10²) = 42.43.
		{"agreeing", []risk.Source{{Quantity: 1000, Sigma: 10}, {Quantity: 1012, Sigma: 10}}, 3, 0, 0, false},
		// The first offending pair in order: (0,1) agrees, (0,2) does not.
		{"first pair", []risk.Source{
			{Quantity: 1000, Sigma: 10}, {Quantity: 1005, Sigma: 10}, {Quantity: 800, Sigma: 10},
		}, 3, 0, 2, true},
		// Exactly k combined sigmas is not beyond the noise: 50 = 1*sqrt(30² + 40²).
		{"boundary", []risk.Source{{Quantity: 1000, Sigma: 30}, {Quantity: 1050, Sigma: 40}}, 1, 0, 0, false},
		{"just beyond", []risk.Source{{Quantity: 1000, Sigma: 30}, {Quantity: 1050.001, Sigma: 40}}, 1, 0, 1, true},
		// An invalid source is skipped, and indexes still refer to the input slice.
		{"skips invalid", []risk.Source{
			{Quantity: 0, Sigma: 0}, {Quantity: 1000, Sigma: 10}, {Quantity: 500, Sigma: 10},
		}, 3, 1, 2, true},
		{"single", []risk.Source{{Quantity: 1000, Sigma: 10}}, 3, 0, 0, false},
	}
	for _, tt := range tests {
		i, j, found := risk.Disagreement(tt.sources, tt.k)
		if i != tt.i || j != tt.j || found != tt.found {
			t.Errorf("Disagreement(%s, %v) = %d, %d, %v; want %d, %d, %v", tt.name, tt.k, i, j, found, tt.i, tt.j, tt.found)
		}
	}
}

func TestVerified(t *testing.T) {
	tests := []struct {
		observed, book float64
		have           bool
		want           float64
	}{
		{950, 1000, true, 950},   // shortfall: what is there
		{1100, 1000, true, 1000}, // surplus is not ours
		{950, 1000, false, 0},    // blind
		{-5, 1000, true, 0},
		{math.NaN(), 1000, true, 0},
		{950, math.NaN(), true, 0},
	}
	for _, tt := range tests {
		if got := risk.Verified(tt.observed, tt.book, tt.have); got != tt.want {
			t.Errorf("Verified(%v, %v, %v) = %v, want %v", tt.observed, tt.book, tt.have, got, tt.want)
		}
	}
}

func TestConvertEveryPair(t *testing.T) {
	const unitWeight, density = 25.0, 800.0 // a 25 kg sack; 800 kg/m3 (wheat in bulk)
	// kg in one of each unit, worked by hand: 1 t = 1000 kg; 1 m3 = 800 kg; 1 l = 0.001 m3 =
	// 0.8 kg; 1 bbl = 0.158987294928 m3 = 127.1898359424 kg; 1 count = 25 kg.
	kgPer := map[string]float64{"kg": 1, "t": 1000, "m3": 800, "l": 0.8, "bbl": 127.1898359424, "count": 25}
	for from, kf := range kgPer {
		for to, kt := range kgPer {
			want := 3 * kf / kt
			got, err := risk.Convert(3, from, to, unitWeight, density)
			if err != nil || !near(got, want, 1e-14) {
				t.Errorf("Convert(3, %s, %s, 25, 800) = %.17g, %v; want %.17g", from, to, got, err, want)
			}
		}
	}
	spot := []struct {
		v        float64
		from, to string
		want     float64
	}{
		{1, "bbl", "l", 158.987294928},
		{1000, "l", "bbl", 6.2898107704321051},
		{3, "t", "count", 120},
		{2, "m3", "t", 1.6},
		{40, "count", "m3", 1.25}, // 40 * 25 kg = 1000 kg = 1.25 m3
	}
	for _, s := range spot {
		if got, err := risk.Convert(s.v, s.from, s.to, unitWeight, density); err != nil || !near(got, s.want, 1e-14) {
			t.Errorf("Convert(%v, %s, %s, 25, 800) = %.17g, %v; want %.17g", s.v, s.from, s.to, got, err, s.want)
		}
	}
}

func TestConvertErrors(t *testing.T) {
	tests := []struct {
		v              float64
		from, to       string
		unitWeight, bd float64
		wantErr        bool
	}{
		{1, "lb", "kg", 25, 800, true},
		{1, "kg", "oz", 25, 800, true},
		{1, "", "kg", 25, 800, true},
		{1, "count", "kg", 0, 800, true},         // count without unit weight
		{1, "kg", "count", -25, 800, true},       // negative unit weight
		{1, "count", "m3", 25, 0, true},          // count to volume needs the density too
		{1, "kg", "m3", 25, 0, true},             // volume without bulk density
		{1, "m3", "t", 25, math.NaN(), true},     // NaN density
		{1, "m3", "t", 25, math.Inf(1), true},    // infinite density
		{math.NaN(), "kg", "t", 25, 800, true},   // NaN quantity
		{math.Inf(1), "kg", "kg", 25, 800, true}, // infinite quantity
		{1e308, "t", "kg", 25, 800, true},        // overflows
		{1, "l", "bbl", 0, 0, false},             // same dimension needs neither
		{1, "count", "count", 0, 0, false},       // same unit needs nothing
		{1, "t", "kg", 0, 0, false},
		{-2, "t", "kg", 0, 0, false}, // negative quantities (deltas) convert
	}
	for _, tt := range tests {
		_, err := risk.Convert(tt.v, tt.from, tt.to, tt.unitWeight, tt.bd)
		if (err != nil) != tt.wantErr {
			t.Errorf("Convert(%v, %q, %q, %v, %v) error = %v, want error %v", tt.v, tt.from, tt.to, tt.unitWeight, tt.bd, err, tt.wantErr)
		}
	}
}
