package scorecard

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Options control Train. The zero value trains with the defaults below, the bad value "1",
// no holdout and every column but the target as a candidate.
type Options struct {
	// Bad is the target value that marks a bad (default "1"); every other non-missing
	// target value is a good, and rows with a missing target are skipped.
	Bad string `json:"bad"`
	// Numeric and Categorical force columns to a kind. Other columns are numeric when
	// every non-missing value parses as a number, categorical otherwise.
	Numeric     []string `json:"numeric,omitempty"`
	Categorical []string `json:"categorical,omitempty"`
	// Exclude lists columns that are not candidates (identifiers, leaks).
	Exclude []string `json:"exclude,omitempty"`
	// Binning controls the bins (see BinOptions for its defaults).
	Binning BinOptions `json:"binning"`
	// MinIV is the smallest IV for a variable to enter the model; 0 means 0.02 and a
	// negative value keeps every variable.
	MinIV float64 `json:"min_iv"`
	// Holdout is the fraction of rows held out for validation, in [0, 1).
	Holdout float64 `json:"holdout"`
	// KeepPositive keeps variables whose coefficient comes out positive (a riskier bin
	// would score more points, usually from collinearity); by default the one of lowest
	// IV among them is dropped and the model refitted until every coefficient is negative.
	KeepPositive bool `json:"keep_positive,omitempty"`
	// Seed seeds the random train/holdout split.
	Seed uint64 `json:"seed"`
	// Scaling turns log-odds into points; the zero value means DefaultScaling.
	Scaling Scaling `json:"scaling"`
	// Progress, when set, is called as each stage advances ("bin", "fit", "score").
	Progress func(stage string, done, total int) `json:"-"`
}

// withDefaults returns o with defaults applied, or an error for values out of range.
func (o Options) withDefaults() (Options, error) {
	if o.Bad == "" {
		o.Bad = "1"
	}
	o.Binning = o.Binning.withDefaults()
	if o.Binning.MinShare >= 0.5 {
		return o, fmt.Errorf("minimum bin share %g must be below 0.5", o.Binning.MinShare)
	}
	if o.MinIV == 0 {
		o.MinIV = 0.02
	}
	if !(o.Holdout >= 0 && o.Holdout < 1) {
		return o, fmt.Errorf("holdout fraction %g must be in [0, 1)", o.Holdout)
	}
	if o.Scaling == (Scaling{}) {
		o.Scaling = DefaultScaling()
	}
	return o, o.Scaling.validate()
}

// clone returns a copy of o with its own slices.
func (o Options) clone() Options {
	o.Numeric = slices.Clone(o.Numeric)
	o.Categorical = slices.Clone(o.Categorical)
	o.Exclude = slices.Clone(o.Exclude)
	return o
}

// progress reports a stage's advance when a callback is set.
func (o *Options) progress(stage string, done, total int) {
	if o.Progress != nil {
		o.Progress(stage, done, total)
	}
}

// candidate is a variable being trained: its bins and the bin of every train and holdout row.
type candidate struct {
	v              Variable
	train, holdout []int32
}

// Train trains a scorecard on rows, whose first record is the header (as a CSV reader
// returns them): it splits the rows with a missing-free target into training and holdout
// sets (seeded), bins every candidate column on the training rows, keeps the variables whose
// IV reaches opts.MinIV, fits the logistic regression on their WOE, scales the points and
// validates on both sets. It fails on a malformed table, an unknown column in the options,
// a forced numeric column holding a non-number, a set lacking goods or bads, or when no
// variable is selected.
func Train(rows [][]string, target string, opts Options) (*Scorecard, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if len(rows) < 2 {
		return nil, errors.New("train: need a header and at least one record")
	}
	header := rows[0]
	col := make(map[string]int, len(header))
	for j, h := range header {
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("train: column %q appears twice", h)
		}
		col[h] = j
	}
	ti, ok := col[target]
	if !ok {
		return nil, fmt.Errorf("train: no target column %q", target)
	}
	kinds := map[string]Kind{}
	excluded := map[string]bool{target: true}
	for _, l := range []struct {
		names []string
		kind  Kind
	}{{o.Numeric, Numeric}, {o.Categorical, Categorical}, {o.Exclude, ""}} {
		for _, n := range l.names {
			if _, ok := col[n]; !ok || n == target {
				return nil, fmt.Errorf("train: option column %q is not a candidate column", n)
			}
			if l.kind == "" {
				excluded[n] = true
			} else if k, set := kinds[n]; set && k != l.kind {
				return nil, fmt.Errorf("train: column %q forced both numeric and categorical", n)
			} else {
				kinds[n] = l.kind
			}
		}
	}

	// Labels and split.
	var kept []int
	var isBad []bool
	skipped := 0
	for r, rec := range rows[1:] {
		if len(rec) != len(header) {
			return nil, fmt.Errorf("train: record %d has %d fields, want %d", r+1, len(rec), len(header))
		}
		t := rec[ti]
		if IsMissing(t) {
			skipped++
			continue
		}
		kept = append(kept, r+1)
		isBad = append(isBad, strings.TrimSpace(t) == o.Bad)
	}
	perm := make([]int, len(kept))
	for i := range perm {
		perm[i] = i
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5c0c_a4d0_9e37_79b9))
	rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	nh := int(math.Round(o.Holdout * float64(len(perm))))
	hold, train := perm[:nh], perm[nh:]
	slices.Sort(hold)
	slices.Sort(train)
	trainBad := pick(isBad, train)
	holdBad := pick(isBad, hold)
	if err := bothClasses("training", trainBad); err != nil {
		return nil, err
	}
	if nh > 0 {
		if err := bothClasses("holdout", holdBad); err != nil {
			return nil, err
		}
	}

	// Binning.
	var cands []candidate
	names := slices.DeleteFunc(slices.Clone(header), func(h string) bool { return excluded[h] })
	for done, name := range names {
		o.progress("bin", done, len(names))
		j := col[name]
		kind, forced := kinds[name]
		if !forced {
			kind = detectKind(rows, kept, j)
		}
		c, err := binColumn(rows, kept, train, hold, j, name, kind, trainBad, o.Binning)
		if err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		cands = append(cands, c)
	}
	o.progress("bin", len(names), len(names))
	slices.SortStableFunc(cands, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.v.IV, a.v.IV), cmp.Compare(a.v.Name, b.v.Name))
	})
	var model []*candidate
	for i := range cands {
		if c := &cands[i]; c.v.IV >= o.MinIV {
			c.v.Selected = true
			model = append(model, c)
		} else {
			c.v.Rejected = fmt.Sprintf("IV below %g", o.MinIV)
		}
	}
	if len(model) == 0 {
		return nil, fmt.Errorf("train: no variable reaches the minimum IV %g", o.MinIV)
	}

	// Regression on the WOE.
	o.progress("fit", 0, 1)
	fit, model, err := fitModel(model, trainBad, o.KeepPositive)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	o.progress("fit", 1, 1)

	// Points.
	n := len(model)
	for j, c := range model {
		c.v.Coefficient = fit.Coefficients[j]
		c.v.DefaultPoints = o.Scaling.Points(c.v.Coefficient, 0, fit.Intercept, n)
		for k := range c.v.Bins {
			b := &c.v.Bins[k]
			b.Points = o.Scaling.Points(c.v.Coefficient, b.WOE, fit.Intercept, n)
		}
	}

	// Validation.
	o.progress("score", 0, 1)
	score := func(rowsOf func(*candidate) []int32, m int) []float64 {
		s := make([]float64, m)
		for _, c := range model {
			for r, k := range rowsOf(c) {
				if k < 0 {
					s[r] += c.v.DefaultPoints
				} else {
					s[r] += c.v.Bins[k].Points
				}
			}
		}
		return s
	}
	trainScores := score(func(c *candidate) []int32 { return c.train }, len(train))
	settings := o.clone()
	settings.Progress = nil
	rep := Report{
		Target: target, Bad: o.Bad, Options: settings, Scaling: o.Scaling,
		Model:     fit.Model,
		TrainRows: len(train), HoldoutRows: len(hold), SkippedRows: skipped,
		Train: Evaluate(trainScores, trainBad),
	}
	if nh > 0 {
		holdScores := score(func(c *candidate) []int32 { return c.holdout }, len(hold))
		m := Evaluate(holdScores, holdBad)
		rep.Holdout = &m
		rep.ScorePSI = DistributionPSI(trainScores, holdScores, 10)
	}
	for _, c := range cands {
		rep.Variables = append(rep.Variables, c.v)
	}
	o.progress("score", 1, 1)
	return New(rep)
}

// fitModel fits the regression on the WOE of the model variables, dropping unless
// keepPositive the variable of lowest IV among those of positive coefficient and refitting
// until none is left. It returns the fit and the variables kept, in order.
func fitModel(model []*candidate, bad []bool, keepPositive bool) (Fit, []*candidate, error) {
	for {
		rows := len(model[0].train)
		x := make([][]float64, rows)
		flat := make([]float64, rows*len(model))
		for r := range x {
			x[r] = flat[r*len(model) : (r+1)*len(model)]
			for j, c := range model {
				x[r][j] = c.v.Bins[c.train[r]].WOE
			}
		}
		fit, err := Logistic(x, bad)
		if err != nil {
			return Fit{}, nil, err
		}
		drop := -1
		for j, c := range model {
			if fit.Coefficients[j] >= 0 && (drop < 0 || c.v.IV < model[drop].v.IV) {
				drop = j
			}
		}
		if drop < 0 || keepPositive || len(model) == 1 {
			return fit, model, nil
		}
		c := model[drop]
		c.v.Selected = false
		c.v.Rejected = fmt.Sprintf("positive coefficient %.4g", fit.Coefficients[drop])
		model = slices.Delete(model, drop, drop+1)
	}
}

// pick returns xs at the given indices.
func pick[T any](xs []T, idx []int) []T {
	out := make([]T, len(idx))
	for i, k := range idx {
		out[i] = xs[k]
	}
	return out
}

// bothClasses reports a set without goods or without bads.
func bothClasses(set string, bad []bool) error {
	nb := 0
	for _, b := range bad {
		if b {
			nb++
		}
	}
	if nb == 0 || nb == len(bad) {
		return fmt.Errorf("train: the %s set (%d rows) %w", set, len(bad), errOneClass)
	}
	return nil
}

// detectKind returns Numeric when column j has a non-missing value in the kept records and
// every non-missing value parses as a number.
func detectKind(rows [][]string, kept []int, j int) Kind {
	seen := false
	for _, r := range kept {
		s := rows[r][j]
		if IsMissing(s) {
			continue
		}
		if _, _, err := parseNumber(s); err != nil {
			return Categorical
		}
		seen = true
	}
	if !seen {
		return Categorical
	}
	return Numeric
}

// binColumn bins column j on the training rows and assigns every training and holdout row
// (indices into kept) to its bin, filling the holdout counts and the PSI.
func binColumn(rows [][]string, kept, train, hold []int, j int, name string, kind Kind, trainBad []bool, bo BinOptions) (candidate, error) {
	var v Variable
	var err error
	if kind == Numeric {
		xs := make([]float64, len(train))
		for i, k := range train {
			s := rows[kept[k]][j]
			var perr error
			if xs[i], _, perr = parseNumber(s); perr != nil {
				return candidate{}, fmt.Errorf("column %q record %d: %q is not a number", name, kept[k], s)
			}
		}
		v, err = BinNumeric(name, xs, trainBad, bo)
	} else {
		cs := make([]string, len(train))
		for i, k := range train {
			cs[i] = rows[kept[k]][j]
		}
		v, err = BinCategorical(name, cs, trainBad, bo)
	}
	if err != nil {
		return candidate{}, err
	}
	l := newLookup(&v)
	assign := func(set []int) []int32 {
		out := make([]int32, len(set))
		for i, k := range set {
			out[i] = int32(l.field(rows[kept[k]][j]))
		}
		return out
	}
	c := candidate{v: v, train: assign(train), holdout: assign(hold)}
	if len(hold) > 0 {
		exp := make([]int, len(v.Bins))
		act := make([]int, len(v.Bins))
		for i, b := range c.v.Bins {
			exp[i] = b.Count
		}
		for _, k := range c.holdout {
			if k >= 0 {
				act[k]++
				c.v.Bins[k].HoldoutCount++
			}
		}
		c.v.PSI = PSI(exp, act)
	}
	return c, nil
}
