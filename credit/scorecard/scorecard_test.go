package scorecard_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"groundtruth/credit/scorecard"
)

// synthetic returns a table of n loans: income (numeric, lowers risk), age (numeric with
// missing values), region (categorical with rare regions), noise, an id, and default (1 = bad).
func synthetic(n int, seed uint64) [][]string {
	rng := rand.New(rand.NewPCG(seed, 1))
	rows := [][]string{{"id", "income", "age", "region", "noise", "default"}}
	regions := []string{"north", "south", "east", "west", "isle-a", "isle-b"}
	risk := map[string]float64{"north": -0.5, "south": 0.4, "east": 0, "west": 0.8, "isle-a": 1, "isle-b": -1}
	for i := range n {
		income := math.Round(20000 + 60000*rng.Float64())
		age := 20 + rng.IntN(50)
		region := regions[rng.IntN(4)]
		if rng.IntN(40) == 0 {
			region = regions[4+rng.IntN(2)]
		}
		eta := 1.5 - income/25000 + risk[region] + 0.02*float64(45-age)
		ageField := strconv.Itoa(age)
		if rng.IntN(20) == 0 {
			ageField = ""
		}
		def := "0"
		if rng.Float64() < 1/(1+math.Exp(-eta)) {
			def = "1"
		}
		rows = append(rows, []string{strconv.Itoa(i), strconv.FormatFloat(income, 'f', -1, 64), ageField, region, strconv.FormatFloat(rng.Float64(), 'f', 4, 64), def})
	}
	return rows
}

// asMap returns a record as column name → field.
func asMap(header, rec []string) map[string]string {
	m := make(map[string]string, len(header))
	for j, h := range header {
		m[h] = rec[j]
	}
	return m
}

func TestTrainSynthetic(t *testing.T) {
	rows := synthetic(4000, 1)
	sc, err := scorecard.Train(rows, "default", scorecard.Options{Exclude: []string{"id"}, Holdout: 0.25, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	r := sc.Report()
	if r.TrainRows != 3000 || r.HoldoutRows != 1000 || r.Holdout == nil {
		t.Fatalf("rows %d/%d, holdout %v", r.TrainRows, r.HoldoutRows, r.Holdout)
	}
	if r.Holdout.AUC < 0.7 {
		t.Errorf("holdout AUC = %.3f, want >= 0.7", r.Holdout.AUC)
	}
	income, _ := r.Variable("income")
	if !income.Selected || income.Kind != scorecard.Numeric || income.Trend != scorecard.Ascending || income.Coefficient >= 0 {
		t.Errorf("income = %s selected %t trend %s β %v, want numeric, selected, ascending WOE, β < 0", income.Kind, income.Selected, income.Trend, income.Coefficient)
	}
	region, _ := r.Variable("region")
	if region.Kind != scorecard.Categorical || !region.Selected {
		t.Errorf("region = %s selected %t", region.Kind, region.Selected)
	}
	noise, _ := r.Variable("noise")
	if noise.Selected || noise.Rejected == "" {
		t.Errorf("noise selected (IV %.4f), want rejected", noise.IV)
	}
	if _, ok := r.Variable("id"); ok {
		t.Error("excluded column id is a candidate")
	}
	age, _ := r.Variable("age")
	if last := age.Bins[len(age.Bins)-1]; !last.Missing || last.Count == 0 {
		t.Errorf("age has no missing bin: %+v", age.Bins)
	}

	// Points add up to the scaled log-odds of the regression.
	s := r.Scaling
	for _, rec := range rows[1:50] {
		points, pd := sc.Score(asMap(rows[0], rec))
		eta := r.Model.Intercept
		for _, v := range r.ModelVariables() {
			b := binOf(t, v, rec[indexOf(rows[0], v.Name)])
			eta += v.Coefficient * b.WOE
		}
		if math.Abs(points-s.Score(math.Exp(-eta))) > 1e-9 || math.Abs(pd-1/(1+math.Exp(-eta))) > 1e-12 {
			t.Fatalf("Score = %v, %v; want %v, %v", points, pd, s.Score(math.Exp(-eta)), 1/(1+math.Exp(-eta)))
		}
	}

	// Unseen categories go to the other bin; a missing income scores the default points.
	base := asMap(rows[0], rows[1])
	p1, _ := sc.Score(base)
	base["region"] = "atlantis"
	p2, _ := sc.Score(base)
	other := -1.0
	for _, b := range region.Bins {
		if b.Other {
			other = b.Points
		}
	}
	before := binOf(t, region, rows[1][indexOf(rows[0], "region")]).Points
	if math.Abs(p2-(p1-before+other)) > 1e-9 {
		t.Errorf("unseen region scores %v, want %v (the other bin)", p2, p1-before+other)
	}
	delete(base, "income")
	p3, _ := sc.Score(base)
	if want := p2 - binOf(t, income, rows[1][indexOf(rows[0], "income")]).Points + income.DefaultPoints; math.Abs(p3-want) > 1e-9 {
		t.Errorf("missing income scores %v, want %v (default points)", p3, want)
	}
}

// indexOf returns the position of name in header.
func indexOf(header []string, name string) int {
	for j, h := range header {
		if h == name {
			return j
		}
	}
	return -1
}

// binOf finds the bin of a raw field by its label or categories (test oracle, independent
// of the package's lookup).
func binOf(t *testing.T, v scorecard.Variable, field string) scorecard.Bin {
	t.Helper()
	if v.Kind == scorecard.Categorical {
		for _, b := range v.Bins {
			for _, c := range b.Categories {
				if c == field {
					return b
				}
			}
		}
		t.Fatalf("%s: no bin for %q", v.Name, field)
	}
	if field == "" {
		return v.Bins[len(v.Bins)-1]
	}
	x, err := strconv.ParseFloat(field, 64)
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for i < len(v.Edges) && x > v.Edges[i] {
		i++
	}
	return v.Bins[i]
}

func TestSaveLoadRoundTrip(t *testing.T) {
	rows := synthetic(2000, 2)
	sc, err := scorecard.Train(rows, "default", scorecard.Options{Exclude: []string{"id"}, Holdout: 0.3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := sc.Save(&buf); err != nil {
		t.Fatal(err)
	}
	loaded, err := scorecard.Load(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := loaded.Save(&again); err != nil {
		t.Fatal(err)
	}
	if buf.String() != again.String() {
		t.Error("Save(Load(Save(sc))) differs from Save(sc)")
	}
	for _, rec := range rows[1:] {
		m := asMap(rows[0], rec)
		p1, pd1 := sc.Score(m)
		p2, pd2 := loaded.Score(m)
		if p1 != p2 || pd1 != pd2 {
			t.Fatalf("loaded scorecard scores %v, %v, want %v, %v", p2, pd2, p1, pd1)
		}
	}
	// The scorecard is also a json.Marshaler and Unmarshaler.
	data, err := json.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	var un scorecard.Scorecard
	if err := json.Unmarshal(data, &un); err != nil {
		t.Fatal(err)
	}
	if p, _ := un.Score(asMap(rows[0], rows[1])); p != mustScore(sc, rows[0], rows[1]) {
		t.Error("unmarshalled scorecard scores differently")
	}
	// A corrupted report is refused.
	bad := strings.Replace(buf.String(), `"kind": "numeric"`, `"kind": "ordinal"`, 1)
	if _, err := scorecard.Load(strings.NewReader(bad)); err == nil {
		t.Error("Load of an unknown kind: no error")
	}
}

// mustScore returns the points of a record.
func mustScore(sc *scorecard.Scorecard, header, rec []string) float64 {
	p, _ := sc.Score(asMap(header, rec))
	return p
}

func TestCompiledMatchesScore(t *testing.T) {
	rows := synthetic(1500, 3)
	sc, err := scorecard.Train(rows, "default", scorecard.Options{Exclude: []string{"id"}, Seed: 3, MinIV: -1, Categorical: []string{"age"}})
	if err != nil {
		t.Fatal(err)
	}
	c := sc.Compiled()
	if got := len(c.Columns()); got != 4 {
		t.Errorf("columns %v, want 4 (MinIV -1 keeps all)", c.Columns())
	}
	rows = append(rows, []string{"x", "", "", "atlantis", "NA", "0"}, []string{"y", "1e9", "999", "", "-5", "1"})
	idx, err := c.Index(rows[0])
	if err != nil {
		t.Fatal(err)
	}
	var x []float64
	for _, rec := range rows[1:] {
		x = c.Parse(x, rec, idx)
		p1, pd1 := c.Score(x)
		p2, pd2 := sc.Score(asMap(rows[0], rec))
		if p1 != p2 || pd1 != pd2 || c.Points(x) != p1 {
			t.Fatalf("record %v: compiled %v, %v; Score %v, %v", rec, p1, pd1, p2, pd2)
		}
	}
	if _, err := c.Index([]string{"income"}); err == nil {
		t.Error("Index of a header without the model columns: no error")
	}
}

func TestReports(t *testing.T) {
	rows := synthetic(2000, 4)
	sc, err := scorecard.Train(rows, "default", scorecard.Options{Exclude: []string{"id"}, Holdout: 0.3, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	var h bytes.Buffer
	if err := sc.WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	page := h.String()
	for _, want := range []string{"<!DOCTYPE html>", "<svg", "<rect", "income", "region", "AUC", "holdout", "ln(%good / %bad)"} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "<link", "src=", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("HTML report is not self-contained: has %q", bad)
		}
	}
	var txt bytes.Buffer
	if err := sc.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"holdout", "income", "WOE", "score PSI"} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("text report lacks %q", want)
		}
	}
}

func TestTrainProgress(t *testing.T) {
	rows := synthetic(500, 8)
	last := map[string][2]int{}
	calls := 0
	opts := scorecard.Options{Exclude: []string{"id"}, Progress: func(stage string, done, total int) {
		calls++
		if p := last[stage]; done < p[0] || done > total {
			t.Errorf("progress %s: %d of %d after %d", stage, done, total, p[0])
		}
		last[stage] = [2]int{done, total}
	}}
	if _, err := scorecard.Train(rows, "default", opts); err != nil {
		t.Fatal(err)
	}
	for _, stage := range []string{"bin", "fit", "score"} {
		if p := last[stage]; p[0] != p[1] || p[1] == 0 {
			t.Errorf("stage %s ended at %d of %d", stage, p[0], p[1])
		}
	}
	if last["bin"][1] != 4 {
		t.Errorf("bin stage total = %d, want 4 candidate columns", last["bin"][1])
	}
}

func TestTrainErrors(t *testing.T) {
	rows := synthetic(300, 5)
	tests := []struct {
		name   string
		rows   [][]string
		target string
		opts   scorecard.Options
	}{
		{"no records", rows[:1], "default", scorecard.Options{}},
		{"no target column", rows, "missing", scorecard.Options{}},
		{"unknown excluded column", rows, "default", scorecard.Options{Exclude: []string{"nope"}}},
		{"forced both ways", rows, "default", scorecard.Options{Numeric: []string{"age"}, Categorical: []string{"age"}}},
		{"forced numeric text", rows, "default", scorecard.Options{Numeric: []string{"region"}}},
		{"bad value absent", rows, "default", scorecard.Options{Bad: "yes"}},
		{"holdout out of range", rows, "default", scorecard.Options{Holdout: 1}},
		{"nothing reaches IV", rows, "default", scorecard.Options{MinIV: 100}},
		{"ragged record", append(rows[:3:3], []string{"1"}), "default", scorecard.Options{}},
	}
	for _, tc := range tests {
		if _, err := scorecard.Train(tc.rows, tc.target, tc.opts); err == nil {
			t.Errorf("%s: Train succeeded, want an error", tc.name)
		}
	}
}

func TestTrainDeterministic(t *testing.T) {
	rows := synthetic(1000, 6)
	save := func(seed uint64) string {
		sc, err := scorecard.Train(rows, "default", scorecard.Options{Exclude: []string{"id"}, Holdout: 0.3, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := sc.Save(&b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if save(9) != save(9) {
		t.Error("same seed, different scorecards")
	}
	if save(9) == save(10) {
		t.Error("different seeds, same split")
	}
}
