package scorecard

import (
	"math"
	"slices"
)

// Metrics are the discrimination measures of a score on labelled rows. Scores rank goods
// above bads: a higher score means a lower risk.
type Metrics struct {
	// Rows, Goods and Bads count the rows scored.
	Rows  int `json:"rows"`
	Goods int `json:"goods"`
	Bads  int `json:"bads"`
	// AUC is the probability that a random good outscores a random bad, ties counted half.
	AUC float64 `json:"auc"`
	// Gini is 2·AUC − 1.
	Gini float64 `json:"gini"`
	// KS is the largest distance between the score CDFs of goods and bads.
	KS float64 `json:"ks"`
	// KSScore is the score at which KS is reached (the CDFs are taken at score <= KSScore).
	KSScore float64 `json:"ks_score"`
}

// Evaluate returns the metrics of scores against the bad labels, bad[i] labelling
// scores[i] (the slices must have the same length). Both classes must be present for AUC,
// Gini and KS to be defined; otherwise they are 0.
func Evaluate(scores []float64, bad []bool) Metrics {
	var goods, bads []float64
	for i, s := range scores {
		if bad[i] {
			bads = append(bads, s)
		} else {
			goods = append(goods, s)
		}
	}
	m := Metrics{Rows: len(scores), Goods: len(goods), Bads: len(bads)}
	if len(goods) == 0 || len(bads) == 0 {
		return m
	}
	slices.Sort(goods)
	slices.Sort(bads)
	m.AUC = aucSorted(goods, bads)
	m.Gini = 2*m.AUC - 1
	m.KS, m.KSScore = ksSorted(goods, bads)
	return m
}

// AUC returns the Mann-Whitney probability that a random good score exceeds a random bad
// score, ties counted half: 1 for a perfect ranking, 0 for the reverse, 0.5 when all tie.
// It returns NaN when either slice is empty. The inputs are not modified.
func AUC(goods, bads []float64) float64 {
	if len(goods) == 0 || len(bads) == 0 {
		return math.NaN()
	}
	return aucSorted(sortedCopy(goods), sortedCopy(bads))
}

// Gini returns 2·AUC − 1 of the scores of goods and bads (the accuracy ratio).
func Gini(goods, bads []float64) float64 { return 2*AUC(goods, bads) - 1 }

// KS returns the Kolmogorov-Smirnov statistic: the largest absolute distance between the
// empirical CDFs of the good and bad scores, or NaN when either slice is empty.
func KS(goods, bads []float64) float64 {
	if len(goods) == 0 || len(bads) == 0 {
		return math.NaN()
	}
	ks, _ := ksSorted(sortedCopy(goods), sortedCopy(bads))
	return ks
}

// sortedCopy returns a sorted copy of xs.
func sortedCopy(xs []float64) []float64 {
	c := slices.Clone(xs)
	slices.Sort(c)
	return c
}

// aucSorted computes AUC from sorted goods and bads in one merge pass.
func aucSorted(goods, bads []float64) float64 {
	var wins float64 // pairs a good wins, ties counting half
	below, i := 0, 0 // bads strictly below the current good value; walk position in bads
	for k := 0; k < len(goods); {
		x := goods[k]
		for i < len(bads) && bads[i] < x {
			i++
		}
		below = i
		tie := 0
		for j := i; j < len(bads) && bads[j] == x; j++ {
			tie++
		}
		same := 0
		for ; k < len(goods) && goods[k] == x; k++ {
			same++
		}
		wins += float64(same) * (float64(below) + 0.5*float64(tie))
	}
	return wins / (float64(len(goods)) * float64(len(bads)))
}

// ksSorted computes KS from sorted goods and bads and the score at which it is reached.
func ksSorted(goods, bads []float64) (ks, at float64) {
	i, j := 0, 0
	ng, nb := float64(len(goods)), float64(len(bads))
	for i < len(goods) || j < len(bads) {
		var x float64
		switch {
		case i == len(goods):
			x = bads[j]
		case j == len(bads):
			x = goods[i]
		default:
			x = min(goods[i], bads[j])
		}
		for i < len(goods) && goods[i] == x {
			i++
		}
		for j < len(bads) && bads[j] == x {
			j++
		}
		if d := math.Abs(float64(i)/ng - float64(j)/nb); d > ks {
			ks, at = d, x
		}
	}
	return ks, at
}

// PSI returns the population stability index Σ (a − e)·ln(a/e) between expected and actual
// counts over the same bins, a and e being each bin's share of its total. A zero count is
// replaced by 0.5 so the index stays finite; empty totals give 0.
func PSI(expected, actual []int) float64 {
	if len(expected) != len(actual) {
		return math.NaN()
	}
	var te, ta int
	for i := range expected {
		te += expected[i]
		ta += actual[i]
	}
	if te == 0 || ta == 0 {
		return 0
	}
	psi := 0.0
	for i := range expected {
		e, a := float64(expected[i]), float64(actual[i])
		if e == 0 {
			e = smoothing
		}
		if a == 0 {
			a = smoothing
		}
		e /= float64(te)
		a /= float64(ta)
		psi += (a - e) * math.Log(a/e)
	}
	return psi
}

// QuantileEdges returns the distinct upper edges cutting xs into at most n bins of about
// equal counts, bin i holding edges[i-1] < x <= edges[i] and the last bin everything above
// the last edge. NaN values are ignored.
func QuantileEdges(xs []float64, n int) []float64 {
	s := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			s = append(s, x)
		}
	}
	if len(s) == 0 || n < 2 {
		return nil
	}
	slices.Sort(s)
	var edges []float64
	for k := 1; k < n; k++ {
		c := s[(k*len(s)+n-1)/n-1]
		if (len(edges) == 0 || c > edges[len(edges)-1]) && c < s[len(s)-1] {
			edges = append(edges, c)
		}
	}
	return edges
}

// Histogram counts xs in the bins defined by edges as QuantileEdges returns them; NaN
// values are not counted.
func Histogram(xs, edges []float64) []int {
	h := make([]int, len(edges)+1)
	for _, x := range xs {
		if !math.IsNaN(x) {
			i, _ := slices.BinarySearch(edges, x)
			h[i]++
		}
	}
	return h
}

// DistributionPSI returns the PSI of actual against expected over n quantile bins of
// expected (deciles for n = 10), as used to compare training and holdout scores.
func DistributionPSI(expected, actual []float64, n int) float64 {
	edges := QuantileEdges(expected, n)
	return PSI(Histogram(expected, edges), Histogram(actual, edges))
}
