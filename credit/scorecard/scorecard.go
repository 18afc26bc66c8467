package scorecard

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
)

// Report is everything a scorecard knows: how it was trained, every candidate variable with
// its bins, WOE, IV and points, the model and the validation metrics. It is what Save
// writes and Load reads.
type Report struct {
	// Target is the target column and Bad its value that marks a bad.
	Target string `json:"target"`
	Bad    string `json:"bad"`
	// Options are the training options with defaults applied.
	Options Options `json:"options"`
	// Scaling turns log-odds into points.
	Scaling Scaling `json:"scaling"`
	// Model is the logistic regression on the WOE of the selected variables.
	Model Model `json:"model"`
	// Variables are all candidate variables by descending IV; the selected ones, in this
	// order, form the model.
	Variables []Variable `json:"variables"`
	// TrainRows, HoldoutRows and SkippedRows count the records used for training, held
	// out, and skipped for a missing target.
	TrainRows   int `json:"train_rows"`
	HoldoutRows int `json:"holdout_rows"`
	SkippedRows int `json:"skipped_rows"`
	// Train holds the metrics on the training rows.
	Train Metrics `json:"train"`
	// Holdout holds the metrics on the holdout rows; nil without holdout.
	Holdout *Metrics `json:"holdout,omitempty"`
	// ScorePSI compares holdout and training scores over the training score deciles (0
	// without holdout).
	ScorePSI float64 `json:"score_psi"`
}

// ModelVariables returns the selected variables, in model order.
func (r *Report) ModelVariables() []Variable {
	var vs []Variable
	for _, v := range r.Variables {
		if v.Selected {
			vs = append(vs, v)
		}
	}
	return vs
}

// Variable returns the candidate variable of the given name.
func (r *Report) Variable(name string) (Variable, bool) {
	for _, v := range r.Variables {
		if v.Name == name {
			return v, true
		}
	}
	return Variable{}, false
}

// clone returns a deep copy of r.
func (r *Report) clone() Report {
	c := *r
	c.Options = r.Options.clone()
	if r.Holdout != nil {
		h := *r.Holdout
		c.Holdout = &h
	}
	c.Variables = slices.Clone(r.Variables)
	for i := range c.Variables {
		v := &c.Variables[i]
		v.Edges = slices.Clone(v.Edges)
		v.Bins = slices.Clone(v.Bins)
		for j := range v.Bins {
			v.Bins[j].Categories = slices.Clone(v.Bins[j].Categories)
		}
	}
	return c
}

// Scorecard is a trained scorecard, immutable and safe for concurrent use.
type Scorecard struct {
	report   Report
	compiled *Compiled
}

// New returns the scorecard described by r, after checking that its bins and points can
// score: finite edges in ascending order with one value bin more than edges, at most one
// missing bin (last) for a numeric variable, categories in a single bin and at most one
// "other" bin for a categorical one, at least one selected variable and a valid scaling.
func New(r Report) (*Scorecard, error) {
	if err := r.Scaling.validate(); err != nil {
		return nil, err
	}
	selected := 0
	for i := range r.Variables {
		v := &r.Variables[i]
		if err := v.validate(); err != nil {
			return nil, fmt.Errorf("variable %q: %w", v.Name, err)
		}
		if v.Selected {
			selected++
		}
	}
	if selected == 0 {
		return nil, errors.New("scorecard has no selected variable")
	}
	c := r.clone()
	return &Scorecard{report: c, compiled: compile(&c)}, nil
}

// validate reports bins that cannot score.
func (v *Variable) validate() error {
	switch v.Kind {
	case Numeric:
		for i, e := range v.Edges {
			if math.IsNaN(e) || math.IsInf(e, 0) || (i > 0 && e <= v.Edges[i-1]) {
				return errors.New("edges must be finite and strictly ascending")
			}
		}
		values := len(v.Bins)
		if values > 0 && v.Bins[values-1].Missing {
			values--
		}
		if values != len(v.Edges)+1 {
			return fmt.Errorf("%d value bins for %d edges", values, len(v.Edges))
		}
		for _, b := range v.Bins[:values] {
			if b.Missing || b.Other || len(b.Categories) > 0 {
				return errors.New("numeric value bins cannot be missing, other or have categories")
			}
		}
	case Categorical:
		seen := map[string]bool{}
		others := 0
		for _, b := range v.Bins {
			if b.Other {
				others++
			}
			for _, c := range b.Categories {
				if seen[c] {
					return fmt.Errorf("category %q in two bins", c)
				}
				seen[c] = true
			}
		}
		if others > 1 {
			return errors.New("more than one other bin")
		}
	default:
		return fmt.Errorf("unknown kind %q", v.Kind)
	}
	for _, b := range v.Bins {
		if math.IsNaN(b.Points) || math.IsInf(b.Points, 0) {
			return errors.New("points must be finite")
		}
	}
	return nil
}

// Report returns a copy of everything the scorecard knows.
func (s *Scorecard) Report() Report { return s.report.clone() }

// Compiled returns the precompiled scorer of pre-parsed rows.
func (s *Scorecard) Compiled() *Compiled { return s.compiled }

// Scaling returns the points scaling.
func (s *Scorecard) Scaling() Scaling { return s.report.Scaling }

// Score returns the points and the probability of default of a row given as column name →
// raw field; a column absent from row is missing.
func (s *Scorecard) Score(row map[string]string) (points, pd float64) {
	for i := range s.compiled.vars {
		v := &s.compiled.vars[i]
		k := v.lookup.field(row[v.name])
		switch {
		case k < 0:
			points += v.missing
		case k < len(v.points):
			points += v.points[k]
		default: // the numeric missing bin
			points += v.missing
		}
	}
	return points, 1 / (1 + math.Exp((points-s.compiled.offset)/s.compiled.factor))
}

// MarshalJSON encodes the scorecard as its Report.
func (s *Scorecard) MarshalJSON() ([]byte, error) { return json.Marshal(&s.report) }

// UnmarshalJSON decodes a Report and checks it as New does.
func (s *Scorecard) UnmarshalJSON(data []byte) error {
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return err
	}
	n, err := New(r)
	if err != nil {
		return err
	}
	*s = *n
	return nil
}

// Save writes the scorecard to w as indented JSON.
func (s *Scorecard) Save(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&s.report); err != nil {
		return fmt.Errorf("save scorecard: %w", err)
	}
	return nil
}

// Load reads a scorecard that Save wrote.
func Load(r io.Reader) (*Scorecard, error) {
	var rep Report
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		return nil, fmt.Errorf("load scorecard: %w", err)
	}
	s, err := New(rep)
	if err != nil {
		return nil, fmt.Errorf("load scorecard: %w", err)
	}
	return s, nil
}
