package scorecard

import (
	"math"
	"strconv"
	"strings"
)

// Kind says how a variable is binned.
type Kind string

// The kinds of variable.
const (
	// Numeric variables are cut into ordered ranges whose WOE is monotonic.
	Numeric Kind = "numeric"
	// Categorical variables have one bin per category, small ones pooled into "other".
	Categorical Kind = "categorical"
)

// Trend is the direction in which a numeric variable's WOE moves as its value grows.
type Trend string

// The trends of a numeric variable's WOE.
const (
	// Ascending WOE: larger values are safer.
	Ascending Trend = "ascending"
	// Descending WOE: larger values are riskier.
	Descending Trend = "descending"
	// Flat: a single value bin.
	Flat Trend = "flat"
)

// smoothing is added to both counts of a bin that has no goods or no bads.
const smoothing = 0.5

// Bin is one bin of a variable with its training counts, WOE (ln(%good/%bad)), its share of
// the variable's IV, and the points it scores.
type Bin struct {
	// Label describes the bin: "(lo, hi]" for a numeric range, the categories for a
	// categorical bin, "missing" for the missing bin.
	Label string `json:"label"`
	// Missing marks the bin of missing values.
	Missing bool `json:"missing,omitempty"`
	// Other marks the categorical bin that also receives categories unseen in training.
	Other bool `json:"other,omitempty"`
	// Categories lists the categories of a categorical bin ("" is the missing category).
	Categories []string `json:"categories,omitempty"`
	// Count, Goods and Bads are the training counts.
	Count int `json:"count"`
	Goods int `json:"goods"`
	Bads  int `json:"bads"`
	// HoldoutCount is the number of holdout rows in the bin.
	HoldoutCount int `json:"holdout_count"`
	// WOE is ln(%good/%bad) with the zero-count smoothing of the package doc.
	WOE float64 `json:"woe"`
	// IV is the bin's term (%good − %bad)·WOE of the variable's information value.
	IV float64 `json:"iv"`
	// Points is what the bin adds to the score; zero when the variable is not in the model.
	Points float64 `json:"points"`
}

// BadRate returns the bin's share of bads, or 0 for an empty bin.
func (b Bin) BadRate() float64 {
	if b.Count == 0 {
		return 0
	}
	return float64(b.Bads) / float64(b.Count)
}

// Variable is a binned variable. Numeric variables have len(Edges)+1 value bins, bin i
// holding Edges[i-1] < x <= Edges[i], followed by a missing bin when training saw missing
// values; categorical variables have one bin per group of categories, ordered by WOE.
type Variable struct {
	// Name is the column name.
	Name string `json:"name"`
	// Kind is numeric or categorical.
	Kind Kind `json:"kind"`
	// Trend is the direction of the WOE of a numeric variable's value bins.
	Trend Trend `json:"trend,omitempty"`
	// Edges are the ascending upper edges of the numeric value bins but the last.
	Edges []float64 `json:"edges,omitempty"`
	// Bins are the bins with their counts, WOE, IV and points.
	Bins []Bin `json:"bins"`
	// Count, Goods and Bads are the training totals.
	Count int `json:"count"`
	Goods int `json:"goods"`
	Bads  int `json:"bads"`
	// IV is the information value Σ (%good − %bad)·WOE.
	IV float64 `json:"iv"`
	// PSI compares the training and holdout distributions over the bins (0 without holdout).
	PSI float64 `json:"psi"`
	// Selected says whether the variable is in the model.
	Selected bool `json:"selected"`
	// Rejected says why a candidate is not in the model.
	Rejected string `json:"rejected,omitempty"`
	// Coefficient is the regression coefficient β of the variable's WOE (0 when not selected).
	Coefficient float64 `json:"coefficient"`
	// DefaultPoints is scored by a value that falls in no bin: the points of WOE 0.
	DefaultPoints float64 `json:"default_points"`
}

// BinOptions controls binning.
type BinOptions struct {
	// FineBins is the number of initial quantile bins of a numeric variable; 0 means 20.
	// A variable with at most FineBins distinct values starts with one bin per value.
	FineBins int `json:"fine_bins"`
	// MaxBins caps the number of bins (not counting the missing bin); 0 means 10.
	MaxBins int `json:"max_bins"`
	// MinShare is the smallest share of the variable's observations a bin may hold
	// (missing bin excepted); 0 means 0.05. Smaller categories are pooled into "other".
	MinShare float64 `json:"min_share"`
}

// withDefaults fills zero fields with their defaults.
func (o BinOptions) withDefaults() BinOptions {
	if o.FineBins <= 0 {
		o.FineBins = 20
	}
	if o.MaxBins <= 0 {
		o.MaxBins = 10
	}
	if o.MinShare <= 0 {
		o.MinShare = 0.05
	}
	return o
}

// minCount returns the smallest count a bin of a variable with n observations may hold.
func (o BinOptions) minCount(n int) int {
	m := int(math.Ceil(o.MinShare*float64(n) - 1e-9))
	return max(m, 1)
}

// woe returns the WOE and IV term of a bin with g goods and b bads out of totals tg and tb,
// smoothing zero counts; an empty bin has WOE and IV 0.
func woe(g, b, tg, tb int) (w, iv float64) {
	if g == 0 && b == 0 {
		return 0, 0
	}
	gf, bf := float64(g), float64(b)
	if g == 0 || b == 0 {
		gf += smoothing
		bf += smoothing
	}
	pg, pb := gf/float64(tg), bf/float64(tb)
	w = math.Log(pg / pb)
	return w, (pg - pb) * w
}

// WOE returns ln(%good/%bad) of a bin with goods and bads out of totalGoods and totalBads,
// and its term (%good − %bad)·WOE of the information value, with the zero-count smoothing
// of the package doc. Totals must be positive.
func WOE(goods, bads, totalGoods, totalBads int) (w, iv float64) {
	return woe(goods, bads, totalGoods, totalBads)
}

// IsMissing reports whether a raw field is a missing value: empty after trimming spaces, or
// NA, NaN, null or ? in any case.
func IsMissing(s string) bool {
	s = strings.TrimSpace(s)
	switch len(s) {
	case 0:
		return true
	case 1:
		return s == "?"
	case 2, 3, 4:
		return strings.EqualFold(s, "NA") || strings.EqualFold(s, "NaN") || strings.EqualFold(s, "null")
	}
	return false
}

// parseNumber parses a numeric field; ok is false for a missing value or a non-finite
// number, and err is set when a non-missing field is not a number.
func parseNumber(s string) (x float64, ok bool, err error) {
	if IsMissing(s) {
		return math.NaN(), false, nil
	}
	x, err = strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return math.NaN(), false, err
	}
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return math.NaN(), false, nil
	}
	return x, true, nil
}

// category normalises a categorical field: trimmed, and "" for a missing value.
func category(s string) string {
	if IsMissing(s) {
		return ""
	}
	return strings.TrimSpace(s)
}

// finishBins fills WOE and IV of every bin and the variable's totals and IV.
func (v *Variable) finishBins() {
	v.Count, v.Goods, v.Bads, v.IV = 0, 0, 0, 0
	for _, b := range v.Bins {
		v.Count += b.Count
		v.Goods += b.Goods
		v.Bads += b.Bads
	}
	for i := range v.Bins {
		b := &v.Bins[i]
		b.WOE, b.IV = woe(b.Goods, b.Bads, v.Goods, v.Bads)
		v.IV += b.IV
	}
}
