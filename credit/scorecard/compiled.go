package scorecard

import (
	"fmt"
	"math"
	"slices"
)

// lookup maps raw values of one variable to its bin index, -1 meaning no bin.
type lookup struct {
	categorical bool
	edges       []float64      // numeric upper edges
	missing     int            // numeric bin of missing values, or -1
	cats        map[string]int // categorical bin of each category
	other       int            // categorical bin of unseen categories, or -1
}

// newLookup builds the lookup of v.
func newLookup(v *Variable) lookup {
	l := lookup{categorical: v.Kind == Categorical, edges: v.Edges, missing: -1, other: -1}
	for i, b := range v.Bins {
		switch {
		case l.categorical:
			if b.Other {
				l.other = i
			}
			if l.cats == nil {
				l.cats = make(map[string]int)
			}
			for _, c := range b.Categories {
				l.cats[c] = i
			}
		case b.Missing:
			l.missing = i
		}
	}
	return l
}

// number returns the bin of numeric value x, NaN being missing.
func (l *lookup) number(x float64) int {
	if math.IsNaN(x) {
		return l.missing
	}
	i, _ := slices.BinarySearch(l.edges, x)
	return i
}

// category returns the bin of a normalised category.
func (l *lookup) category(c string) int {
	if i, ok := l.cats[c]; ok {
		return i
	}
	return l.other
}

// field returns the bin of a raw field; a numeric field that is not a number is missing.
func (l *lookup) field(s string) int {
	if l.categorical {
		return l.category(category(s))
	}
	x, _, _ := parseNumber(s)
	return l.number(x)
}

// compiledVar is the scoring table of one model variable.
type compiledVar struct {
	name        string
	categorical bool
	edges       []float64 // numeric upper edges
	points      []float64 // points per bin (numeric: value bins only)
	missing     float64   // numeric: points of NaN; categorical: points of code -1
	lookup      lookup
}

// Compiled is a scorecard precompiled for fast, allocation-free scoring of pre-parsed rows.
// A pre-parsed row holds one float64 per model variable, in the order of Columns: the value
// of a numeric variable (NaN when missing), the code from Code of a categorical one. It is
// safe for concurrent use.
type Compiled struct {
	vars           []compiledVar
	offset, factor float64 // of the scaling, for PD
}

// compile builds the scoring tables of the selected variables of r.
func compile(r *Report) *Compiled {
	c := &Compiled{offset: r.Scaling.Offset(), factor: r.Scaling.Factor()}
	for i := range r.Variables {
		v := &r.Variables[i]
		if !v.Selected {
			continue
		}
		cv := compiledVar{name: v.Name, categorical: v.Kind == Categorical, edges: slices.Clone(v.Edges), missing: v.DefaultPoints, lookup: newLookup(v)}
		for _, b := range v.Bins {
			if b.Missing && !cv.categorical {
				cv.missing = b.Points
				continue
			}
			cv.points = append(cv.points, b.Points)
		}
		cv.lookup.edges = cv.edges
		c.vars = append(c.vars, cv)
	}
	return c
}

// Columns returns the names of the model variables, in the order of a pre-parsed row.
func (c *Compiled) Columns() []string {
	names := make([]string, len(c.vars))
	for i, v := range c.vars {
		names[i] = v.name
	}
	return names
}

// Code returns the pre-parsed value of raw field s for model variable i: the number (NaN
// when missing or not a number) for a numeric variable, the bin code (-1 for none) for a
// categorical one.
func (c *Compiled) Code(i int, s string) float64 {
	v := &c.vars[i]
	if v.categorical {
		return float64(v.lookup.field(s))
	}
	x, _, _ := parseNumber(s)
	return x
}

// Index returns, for each model variable, its position in header. It fails when a model
// variable is not in header.
func (c *Compiled) Index(header []string) ([]int, error) {
	idx := make([]int, len(c.vars))
	for i, v := range c.vars {
		j := slices.Index(header, v.name)
		if j < 0 {
			return nil, fmt.Errorf("column %q of the scorecard is not in the header", v.name)
		}
		idx[i] = j
	}
	return idx, nil
}

// Parse fills dst (grown when too short) with the pre-parsed row of record, whose fields
// for the model variables sit at the positions index returned by Index, and returns it.
func (c *Compiled) Parse(dst []float64, record []string, index []int) []float64 {
	dst = slices.Grow(dst[:0], len(c.vars))[:len(c.vars)]
	for i := range c.vars {
		dst[i] = c.Code(i, record[index[i]])
	}
	return dst
}

// Points returns the score of a pre-parsed row. It does not allocate; x must hold at least
// one value per model variable.
func (c *Compiled) Points(x []float64) float64 {
	x = x[:len(c.vars)]
	s := 0.0
	for i := range c.vars {
		v := &c.vars[i]
		xi := x[i]
		if v.categorical {
			if k := int(xi); xi >= 0 && k < len(v.points) {
				s += v.points[k]
			} else {
				s += v.missing
			}
			continue
		}
		if xi != xi { // NaN: missing
			s += v.missing
			continue
		}
		k := 0
		for k < len(v.edges) && xi > v.edges[k] {
			k++
		}
		s += v.points[k]
	}
	return s
}

// Score returns the score of a pre-parsed row and its probability of default.
func (c *Compiled) Score(x []float64) (points, pd float64) {
	points = c.Points(x)
	return points, 1 / (1 + math.Exp((points-c.offset)/c.factor))
}
