package scorecard_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"groundtruth/credit/scorecard"
)

// labels returns n values of v with the given goods and bads.
func labels(v string, goods, bads int) ([]string, []bool) {
	var vals []string
	var bad []bool
	for i := range goods + bads {
		vals = append(vals, v)
		bad = append(bad, i >= goods)
	}
	return vals, bad
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestBinCategoricalHandComputed(t *testing.T) {
	// 100 goods and 50 bads: A has 40 goods and 10 bads, B 60 goods and 40 bads.
	va, ba := labels("A", 40, 10)
	vb, bb := labels("B", 60, 40)
	v, err := scorecard.BinCategorical("x", append(va, vb...), append(ba, bb...), scorecard.BinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// WOE_A = ln(0.4/0.2) = ln 2, IV_A = 0.2·ln 2; WOE_B = ln(0.6/0.8), IV_B = −0.2·ln 0.75.
	want := []struct {
		label    string
		woe, iv  float64
		goods, n int
	}{
		{"B", math.Log(0.75), -0.2 * math.Log(0.75), 60, 100},
		{"A", math.Ln2, 0.2 * math.Ln2, 40, 50},
	}
	if len(v.Bins) != 2 {
		t.Fatalf("bins = %+v, want 2", v.Bins)
	}
	for i, w := range want {
		b := v.Bins[i]
		if b.Label != w.label || !near(b.WOE, w.woe, 1e-12) || !near(b.IV, w.iv, 1e-12) || b.Goods != w.goods || b.Count != w.n {
			t.Errorf("bin %d = %+v, want %s WOE %.6f IV %.6f", i, b, w.label, w.woe, w.iv)
		}
	}
	if wantIV := 0.2*math.Ln2 - 0.2*math.Log(0.75); !near(v.IV, wantIV, 1e-12) || !near(v.IV, 0.196166, 1e-6) {
		t.Errorf("IV = %.6f, want %.6f", v.IV, wantIV)
	}
}

func TestWOEZeroCountSmoothing(t *testing.T) {
	// A bin of 10 goods and no bads out of 100 goods and 50 bads is counted as 10.5 goods
	// and 0.5 bads: WOE = ln((10.5/100)/(0.5/50)) = ln 10.5, IV = (0.105 − 0.01)·ln 10.5.
	w, iv := scorecard.WOE(10, 0, 100, 50)
	if !near(w, math.Log(10.5), 1e-12) || !near(iv, 0.095*math.Log(10.5), 1e-12) {
		t.Errorf("WOE(10, 0, 100, 50) = %v, %v, want %v, %v", w, iv, math.Log(10.5), 0.095*math.Log(10.5))
	}
	w, iv = scorecard.WOE(0, 5, 100, 50)
	if !near(w, math.Log(0.005/0.11), 1e-12) || !near(iv, (0.005-0.11)*math.Log(0.005/0.11), 1e-12) {
		t.Errorf("WOE(0, 5, 100, 50) = %v, %v", w, iv)
	}
	if w, iv := scorecard.WOE(0, 0, 100, 50); w != 0 || iv != 0 {
		t.Errorf("WOE(0, 0, 100, 50) = %v, %v, want 0, 0", w, iv)
	}
}

func TestBinCategoricalOther(t *testing.T) {
	var vals []string
	var bad []bool
	add := func(v string, g, b int) {
		vs, bs := labels(v, g, b)
		vals, bad = append(vals, vs...), append(bad, bs...)
	}
	add("big1", 300, 100)
	add("big2", 400, 50)
	add("tiny1", 20, 20) // 4% and 3%: pooled into other, 7%
	add("tiny2", 30, 0)
	add("", 60, 30) // the missing category, 9%
	v, err := scorecard.BinCategorical("c", vals, bad, scorecard.BinOptions{MinShare: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	var other, missing *scorecard.Bin
	for i := range v.Bins {
		b := &v.Bins[i]
		if b.Other {
			other = b
		}
		if b.Missing {
			missing = b
		}
		if i > 0 && b.WOE < v.Bins[i-1].WOE {
			t.Errorf("bins not ordered by WOE: %v after %v", b.WOE, v.Bins[i-1].WOE)
		}
	}
	if other == nil || !slices.Equal(other.Categories, []string{"tiny1", "tiny2"}) || other.Count != 70 || other.Label != "other: tiny1, tiny2" {
		t.Errorf("other bin = %+v, want tiny1 and tiny2 with 70 rows", other)
	}
	if missing == nil || missing.Count != 90 || missing.Label != "missing" {
		t.Errorf("missing bin = %+v, want 90 rows", missing)
	}
	if v.Count != 1010 || v.Goods != 810 || v.Bads != 200 {
		t.Errorf("totals = %d, %d, %d, want 1010, 810, 200", v.Count, v.Goods, v.Bads)
	}

	// An other bin still below the minimum share joins its neighbour of closest WOE.
	vals, bad = nil, nil
	add("big1", 300, 100) // WOE ln((300/730)/(100/200)) = -0.196
	add("big2", 400, 50)  // WOE +0.897
	add("tiny", 30, 10)   // 4%, WOE -0.196: joins big1
	v, err = scorecard.BinCategorical("c", vals, bad, scorecard.BinOptions{MinShare: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Bins) != 2 || !v.Bins[0].Other || !slices.Equal(v.Bins[0].Categories, []string{"big1", "tiny"}) || v.Bins[0].Label != "other: big1, tiny" {
		t.Errorf("bins = %+v, want other: big1, tiny and big2", v.Bins)
	}
}

func TestBinNumericHandComputed(t *testing.T) {
	// Values 1..4, bad rates falling with the value, each 25% of the rows, and 5 missing.
	var xs []float64
	var bad []bool
	add := func(x float64, g, b int) {
		for i := range g + b {
			xs = append(xs, x)
			bad = append(bad, i >= g)
		}
	}
	add(1, 10, 15)
	add(2, 15, 10)
	add(3, 20, 5)
	add(4, 22, 3)
	add(math.NaN(), 3, 2)
	v, err := scorecard.BinNumeric("x", xs, bad, scorecard.BinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v.Edges, []float64{1, 2, 3}) || len(v.Bins) != 5 || v.Trend != scorecard.Ascending {
		t.Fatalf("edges %v, %d bins, trend %s; want [1 2 3], 5 bins, ascending", v.Edges, len(v.Bins), v.Trend)
	}
	labels := []string{"(-inf, 1]", "(1, 2]", "(2, 3]", "(3, +inf)", "missing"}
	goods := []int{10, 15, 20, 22, 3}
	bads := []int{15, 10, 5, 3, 2}
	iv := 0.0
	for i, b := range v.Bins {
		pg, pb := float64(goods[i])/70, float64(bads[i])/35
		w := math.Log(pg / pb)
		iv += (pg - pb) * w
		if b.Label != labels[i] || b.Goods != goods[i] || b.Bads != bads[i] || !near(b.WOE, w, 1e-12) || b.Missing != (i == 4) {
			t.Errorf("bin %d = %+v, want %s with %d goods, %d bads, WOE %.6f", i, b, labels[i], goods[i], bads[i], w)
		}
	}
	if !near(v.IV, iv, 1e-12) {
		t.Errorf("IV = %v, want %v", v.IV, iv)
	}
}

func TestBinNumericMonotonic(t *testing.T) {
	shapes := map[string]func(x float64) float64{
		"falling": func(x float64) float64 { return 0.5 - 0.4*x },
		"rising":  func(x float64) float64 { return 0.1 + 0.3*x },
		"u-shape": func(x float64) float64 { return 0.1 + 0.8*(x-0.4)*(x-0.4) },
		"noise":   func(float64) float64 { return 0.2 },
		"steps":   func(x float64) float64 { return []float64{0.3, 0.05, 0.4, 0.1}[int(x*4)%4] },
	}
	for name, pd := range shapes {
		for seed := range uint64(5) {
			rng := rand.New(rand.NewPCG(seed, 7))
			n := 500 + rng.IntN(5000)
			xs := make([]float64, n)
			bad := make([]bool, n)
			for i := range xs {
				xs[i] = rng.Float64()
				if name == "steps" {
					xs[i] = math.Floor(xs[i]*40) / 40 // 40 distinct values
				}
				bad[i] = rng.Float64() < pd(xs[i])
				if rng.IntN(50) == 0 {
					xs[i] = math.NaN()
				}
			}
			o := scorecard.BinOptions{MaxBins: 6, MinShare: 0.05}
			v, err := scorecard.BinNumeric(name, xs, bad, o)
			if err != nil {
				t.Fatal(err)
			}
			values := v.Bins
			if last := values[len(values)-1]; last.Missing {
				values = values[:len(values)-1]
			}
			if len(values) > o.MaxBins || len(values) != len(v.Edges)+1 {
				t.Errorf("%s/%d: %d value bins for %d edges, max %d", name, seed, len(values), len(v.Edges), o.MaxBins)
			}
			for i, b := range values {
				if len(values) > 1 && (b.Goods == 0 || b.Bads == 0 || float64(b.Count) < o.MinShare*float64(n)) {
					t.Errorf("%s/%d: bin %s has %d rows (%d goods, %d bads) of %d", name, seed, b.Label, b.Count, b.Goods, b.Bads, n)
				}
				if i == 0 {
					continue
				}
				up := b.WOE > values[i-1].WOE
				if (v.Trend == scorecard.Ascending) != up || b.WOE == values[i-1].WOE {
					t.Errorf("%s/%d: WOE not strictly %s: %v", name, seed, v.Trend, woes(values))
				}
			}
		}
	}
}

// woes returns the WOE of each bin.
func woes(bins []scorecard.Bin) []float64 {
	w := make([]float64, len(bins))
	for i, b := range bins {
		w[i] = b.WOE
	}
	return w
}

func TestBinErrors(t *testing.T) {
	if _, err := scorecard.BinNumeric("x", []float64{1, 2}, []bool{true, true}, scorecard.BinOptions{}); err == nil {
		t.Error("BinNumeric with bads only: no error")
	}
	if _, err := scorecard.BinCategorical("x", []string{"a"}, []bool{true, false}, scorecard.BinOptions{}); err == nil {
		t.Error("BinCategorical with mismatched lengths: no error")
	}
}
