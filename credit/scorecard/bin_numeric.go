package scorecard

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// span is a run of adjacent numeric values: those above the previous span's upper edge and
// at most upper, with their goods and bads.
type span struct {
	upper float64
	g, b  int
}

// merged returns the union of adjacent spans s (left) and t (right).
func (s span) merged(t span) span { return span{upper: t.upper, g: s.g + t.g, b: s.b + t.b} }

// count returns the span's number of observations.
func (s span) count() int { return s.g + s.b }

// safer reports whether span s has a strictly higher good:bad ratio (higher WOE) than t.
// Both must have at least one bad.
func (s span) safer(t span) bool { return int64(s.g)*int64(t.b) > int64(t.g)*int64(s.b) }

// obs is one non-missing numeric observation.
type obs struct {
	x   float64
	bad bool
}

// BinNumeric bins a numeric variable monotonically. It starts from opts.FineBins quantile
// bins (one per distinct value when there are fewer), merges bins holding less than
// opts.MinShare of the observations or lacking a good or a bad into their neighbour of
// closest bad rate, then pools adjacent violators until the WOE is strictly monotonic —
// trying both directions and keeping the one of higher IV — and finally merges the adjacent
// pair losing the least IV until at most opts.MaxBins remain. NaN and infinite values are
// missing and go to a bin of their own. values and bad must have the same length and bad
// must hold at least one good and one bad.
func BinNumeric(name string, values []float64, bad []bool, opts BinOptions) (Variable, error) {
	if len(values) != len(bad) {
		return Variable{}, fmt.Errorf("bin %q: %d values but %d labels", name, len(values), len(bad))
	}
	o := opts.withDefaults()
	pts := make([]obs, 0, len(values))
	var mg, mb, tg, tb int
	for i, x := range values {
		if bad[i] {
			tb++
		} else {
			tg++
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			if bad[i] {
				mb++
			} else {
				mg++
			}
			continue
		}
		pts = append(pts, obs{x, bad[i]})
	}
	if tg == 0 || tb == 0 {
		return Variable{}, fmt.Errorf("bin %q: %w", name, errOneClass)
	}
	slices.SortFunc(pts, func(a, b obs) int { return cmp.Compare(a.x, b.x) })
	spans := fineSpans(pts, o.FineBins)
	spans = enforceMinimum(spans, o.minCount(len(values)))
	if len(spans) > 1 {
		up, down := pool(spans, true), pool(spans, false)
		spans = up
		if spansIV(down, tg, tb) > spansIV(up, tg, tb) {
			spans = down
		}
	}
	spans = limitSpans(spans, o.MaxBins, tg, tb)

	v := Variable{Name: name, Kind: Numeric}
	if len(spans) == 0 { // every value missing: one empty value bin
		spans = []span{{upper: math.Inf(1)}}
	}
	for i, s := range spans {
		lo := math.Inf(-1)
		if i > 0 {
			lo = spans[i-1].upper
		}
		if i < len(spans)-1 {
			v.Edges = append(v.Edges, s.upper)
		}
		v.Bins = append(v.Bins, Bin{Label: rangeLabel(lo, s.upper, i == len(spans)-1), Count: s.count(), Goods: s.g, Bads: s.b})
	}
	if mg+mb > 0 {
		v.Bins = append(v.Bins, Bin{Label: "missing", Missing: true, Count: mg + mb, Goods: mg, Bads: mb})
	}
	v.finishBins()
	v.Trend = Flat
	if n := len(spans); n > 1 {
		v.Trend = Ascending
		if v.Bins[n-1].WOE < v.Bins[0].WOE {
			v.Trend = Descending
		}
	}
	return v, nil
}

// errOneClass reports labels without a good or without a bad.
var errOneClass = errors.New("need at least one good and one bad")

// rangeLabel formats the range (lo, hi], or (lo, +inf) for the last bin.
func rangeLabel(lo, hi float64, last bool) string {
	f := func(x float64) string {
		switch {
		case math.IsInf(x, -1):
			return "-inf"
		case math.IsInf(x, 1):
			return "+inf"
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	if last {
		return "(" + f(lo) + ", +inf)"
	}
	return "(" + f(lo) + ", " + f(hi) + "]"
}

// fineSpans cuts sorted observations into at most n quantile spans whose edges are data
// values, or one span per distinct value when there are at most n of them.
func fineSpans(pts []obs, n int) []span {
	if len(pts) == 0 {
		return nil
	}
	distinct := 1
	for i := 1; i < len(pts) && distinct <= n; i++ {
		if pts[i].x != pts[i-1].x {
			distinct++
		}
	}
	var cuts []float64
	if distinct <= n {
		for i := 1; i < len(pts); i++ {
			if pts[i].x != pts[i-1].x {
				cuts = append(cuts, pts[i-1].x)
			}
		}
	} else {
		for k := 1; k < n; k++ {
			c := pts[(k*len(pts)+n-1)/n-1].x
			if (len(cuts) == 0 || c > cuts[len(cuts)-1]) && c < pts[len(pts)-1].x {
				cuts = append(cuts, c)
			}
		}
	}
	spans := make([]span, 0, len(cuts)+1)
	i := 0
	for _, c := range append(cuts, math.Inf(1)) {
		s := span{upper: c}
		for ; i < len(pts) && pts[i].x <= c; i++ {
			if pts[i].bad {
				s.b++
			} else {
				s.g++
			}
		}
		spans = append(spans, s)
	}
	return spans
}

// enforceMinimum merges, smallest first, every span with fewer than minCount observations or
// without a good or a bad into the neighbour of closest bad rate, until none is left or a
// single span remains.
func enforceMinimum(spans []span, minCount int) []span {
	rate := func(s span) float64 { return float64(s.b) / float64(s.count()) }
	for len(spans) > 1 {
		k := -1
		for i, s := range spans {
			if (s.count() < minCount || s.g == 0 || s.b == 0) && (k < 0 || s.count() < spans[k].count()) {
				k = i
			}
		}
		if k < 0 {
			break
		}
		j := k + 1 // neighbour to merge with
		switch {
		case k == len(spans)-1:
			j = k - 1
		case k > 0:
			dl, dr := math.Abs(rate(spans[k])-rate(spans[k-1])), math.Abs(rate(spans[k])-rate(spans[k+1]))
			if dl < dr || (dl == dr && spans[k-1].count() < spans[k+1].count()) {
				j = k - 1
			}
		}
		lo := min(j, k)
		spans[lo] = spans[lo].merged(spans[lo+1])
		spans = slices.Delete(spans, lo+1, lo+2)
	}
	return spans
}

// pool returns the spans with adjacent violators pooled (pool-adjacent-violators) so that
// the WOE strictly ascends (ascending) or strictly descends with the value. Every span
// must have at least one good and one bad.
func pool(spans []span, ascending bool) []span {
	out := make([]span, 0, len(spans))
	for _, s := range spans {
		out = append(out, s)
		for n := len(out); n >= 2; n = len(out) {
			l, r := out[n-2], out[n-1]
			if (ascending && r.safer(l)) || (!ascending && l.safer(r)) {
				break
			}
			out[n-2] = l.merged(r)
			out = out[:n-1]
		}
	}
	return out
}

// spansIV returns the information value of the spans.
func spansIV(spans []span, tg, tb int) float64 {
	iv := 0.0
	for _, s := range spans {
		_, t := woe(s.g, s.b, tg, tb)
		iv += t
	}
	return iv
}

// limitSpans merges the adjacent pair losing the least IV until at most n spans remain.
// Merging neighbours keeps a monotonic WOE monotonic.
func limitSpans(spans []span, n, tg, tb int) []span {
	for len(spans) > n {
		k, best := 0, math.Inf(1)
		for i := 0; i+1 < len(spans); i++ {
			_, a := woe(spans[i].g, spans[i].b, tg, tb)
			_, b := woe(spans[i+1].g, spans[i+1].b, tg, tb)
			m := spans[i].merged(spans[i+1])
			_, c := woe(m.g, m.b, tg, tb)
			if loss := a + b - c; loss < best {
				k, best = i, loss
			}
		}
		spans[k] = spans[k].merged(spans[k+1])
		spans = slices.Delete(spans, k+1, k+2)
	}
	return spans
}
