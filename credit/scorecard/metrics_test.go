package scorecard_test

import (
	"math"
	"slices"
	"testing"

	"groundtruth/credit/scorecard"
)

func TestAUC(t *testing.T) {
	tests := []struct {
		name        string
		goods, bads []float64
		auc, ks     float64
	}{
		{"perfect", []float64{4, 5, 6}, []float64{1, 2, 3}, 1, 1},
		{"reverse", []float64{1, 2, 3}, []float64{4, 5, 6}, 0, 1},
		{"all tied", []float64{2, 2, 2}, []float64{2, 2}, 0.5, 0},
		// Pairs: (3,1) win, (3,3) tie, (4,1) win, (4,3) win: 3.5 of 4.
		{"tie counted half", []float64{3, 4}, []float64{1, 3}, 0.875, 0.5},
		// CDFs at 1: goods 0, bads 1/2; at 2: 1/2, 1/2; at 3: 1/2, 1; at 4: 1, 1.
		{"interleaved", []float64{2, 4}, []float64{1, 3}, 0.75, 0.5},
	}
	for _, tc := range tests {
		if got := scorecard.AUC(tc.goods, tc.bads); math.Abs(got-tc.auc) > 1e-12 {
			t.Errorf("%s: AUC = %v, want %v", tc.name, got, tc.auc)
		}
		if got := scorecard.Gini(tc.goods, tc.bads); math.Abs(got-(2*tc.auc-1)) > 1e-12 {
			t.Errorf("%s: Gini = %v, want %v", tc.name, got, 2*tc.auc-1)
		}
		if got := scorecard.KS(tc.goods, tc.bads); math.Abs(got-tc.ks) > 1e-12 {
			t.Errorf("%s: KS = %v, want %v", tc.name, got, tc.ks)
		}
		scores := append(slices.Clone(tc.goods), tc.bads...)
		bad := make([]bool, len(scores))
		for i := len(tc.goods); i < len(bad); i++ {
			bad[i] = true
		}
		m := scorecard.Evaluate(scores, bad)
		if m.AUC != scorecard.AUC(tc.goods, tc.bads) || m.KS != scorecard.KS(tc.goods, tc.bads) || m.Goods != len(tc.goods) || m.Bads != len(tc.bads) {
			t.Errorf("%s: Evaluate = %+v", tc.name, m)
		}
	}
	if !math.IsNaN(scorecard.AUC(nil, []float64{1})) || !math.IsNaN(scorecard.KS([]float64{1}, nil)) {
		t.Error("AUC or KS of an empty class is not NaN")
	}
}

func TestAUCMatchesPairCount(t *testing.T) {
	goods := []float64{5, 3, 3, 8, 1, 7, 7, 2}
	bads := []float64{3, 1, 6, 7, 0, 2}
	wins := 0.0
	for _, g := range goods {
		for _, b := range bads {
			switch {
			case g > b:
				wins++
			case g == b:
				wins += 0.5
			}
		}
	}
	want := wins / float64(len(goods)*len(bads))
	if got := scorecard.AUC(goods, bads); math.Abs(got-want) > 1e-12 {
		t.Errorf("AUC = %v, want %v", got, want)
	}
}

func TestPSI(t *testing.T) {
	if got := scorecard.PSI([]int{10, 20, 30}, []int{20, 40, 60}); got != 0 {
		t.Errorf("PSI of proportional counts = %v, want 0", got)
	}
	// Shares 0.5/0.5 against 0.25/0.75: (0.25−0.5)·ln(0.5) + (0.75−0.5)·ln(1.5).
	want := -0.25*math.Log(0.5) + 0.25*math.Log(1.5)
	if got := scorecard.PSI([]int{50, 50}, []int{25, 75}); math.Abs(got-want) > 1e-12 {
		t.Errorf("PSI = %v, want %v", got, want)
	}
	// A zero count is replaced by 0.5: shares 0.5/0.5 against 0.5/100 and 100/100.
	want = (0.005-0.5)*math.Log(0.005/0.5) + (1-0.5)*math.Log(1/0.5)
	if got := scorecard.PSI([]int{50, 50}, []int{0, 100}); math.Abs(got-want) > 1e-12 {
		t.Errorf("PSI with an empty bin = %v, want %v", got, want)
	}
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if edges := scorecard.QuantileEdges(xs, 5); !slices.Equal(edges, []float64{2, 4, 6, 8}) {
		t.Errorf("QuantileEdges = %v, want [2 4 6 8]", edges)
	}
	if h := scorecard.Histogram([]float64{0, 2, 2.5, 9, 11, math.NaN()}, []float64{2, 4, 6, 8}); !slices.Equal(h, []int{2, 1, 0, 0, 2}) {
		t.Errorf("Histogram = %v, want [2 1 0 0 2]", h)
	}
	if got := scorecard.DistributionPSI(xs, xs, 10); got != 0 {
		t.Errorf("DistributionPSI of a sample with itself = %v, want 0", got)
	}
}
