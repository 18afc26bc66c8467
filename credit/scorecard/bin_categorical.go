package scorecard

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// BinCategorical bins a categorical variable: one bin per category, categories holding less
// than opts.MinShare of the observations pooled into an "other" bin (which also receives
// categories unseen in training), bins ordered by ascending WOE; an "other" bin still
// below the minimum share is merged into its neighbour of closest WOE, then the adjacent
// pair losing the least IV is merged until at most opts.MaxBins remain. Missing values
// form the category "". values and bad must have the same length and bad must hold at least
// one good and one bad.
func BinCategorical(name string, values []string, bad []bool, opts BinOptions) (Variable, error) {
	if len(values) != len(bad) {
		return Variable{}, fmt.Errorf("bin %q: %d values but %d labels", name, len(values), len(bad))
	}
	o := opts.withDefaults()
	type tally struct{ g, b int }
	counts := map[string]*tally{}
	var tg, tb int
	for i, s := range values {
		c := category(s)
		t := counts[c]
		if t == nil {
			t = &tally{}
			counts[c] = t
		}
		if bad[i] {
			t.b++
			tb++
		} else {
			t.g++
			tg++
		}
	}
	if tg == 0 || tb == 0 {
		return Variable{}, fmt.Errorf("bin %q: %w", name, errOneClass)
	}
	minCount := o.minCount(len(values))
	cats := make([]string, 0, len(counts))
	for c := range counts {
		cats = append(cats, c)
	}
	slices.Sort(cats)
	var bins []Bin
	other := Bin{Other: true}
	for _, c := range cats {
		t := counts[c]
		if t.g+t.b < minCount {
			other.Categories = append(other.Categories, c)
			other.Goods += t.g
			other.Bads += t.b
			other.Count += t.g + t.b
			continue
		}
		bins = append(bins, Bin{Categories: []string{c}, Count: t.g + t.b, Goods: t.g, Bads: t.b})
	}
	if other.Count > 0 {
		bins = append(bins, other)
	}
	setWOE := func() {
		for i := range bins {
			bins[i].WOE, bins[i].IV = woe(bins[i].Goods, bins[i].Bads, tg, tb)
		}
	}
	setWOE()
	slices.SortStableFunc(bins, func(a, b Bin) int { return cmp.Compare(a.WOE, b.WOE) })
	if k := slices.IndexFunc(bins, func(b Bin) bool { return b.Other }); k >= 0 && bins[k].Count < minCount && len(bins) > 1 {
		j := k + 1
		if k == len(bins)-1 || (k > 0 && bins[k].WOE-bins[k-1].WOE < bins[k+1].WOE-bins[k].WOE) {
			j = k - 1
		}
		bins = mergeBins(bins, min(j, k))
		setWOE()
	}
	for len(bins) > o.MaxBins {
		k, best := 0, math.Inf(1)
		for i := 0; i+1 < len(bins); i++ {
			_, c := woe(bins[i].Goods+bins[i+1].Goods, bins[i].Bads+bins[i+1].Bads, tg, tb)
			if loss := bins[i].IV + bins[i+1].IV - c; loss < best {
				k, best = i, loss
			}
		}
		bins = mergeBins(bins, k)
		setWOE()
	}
	for i := range bins {
		b := &bins[i]
		slices.Sort(b.Categories)
		b.Missing = !b.Other && len(b.Categories) == 1 && b.Categories[0] == ""
		b.Label = categoryLabel(b.Categories, b.Other)
	}
	v := Variable{Name: name, Kind: Categorical, Bins: bins}
	v.finishBins()
	return v, nil
}

// mergeBins merges bins k and k+1 into bin k, keeping the categories and the other flag.
func mergeBins(bins []Bin, k int) []Bin {
	a, b := &bins[k], bins[k+1]
	a.Categories = append(a.Categories, b.Categories...)
	a.Other = a.Other || b.Other
	a.Count += b.Count
	a.Goods += b.Goods
	a.Bads += b.Bads
	return slices.Delete(bins, k+1, k+2)
}

// categoryLabel describes a categorical bin.
func categoryLabel(cats []string, other bool) string {
	names := make([]string, len(cats))
	for i, c := range cats {
		names[i] = c
		if c == "" {
			names[i] = "missing"
		}
	}
	s := strings.Join(names, ", ")
	if other {
		if s == "" {
			return "other"
		}
		return "other: " + s
	}
	return s
}
