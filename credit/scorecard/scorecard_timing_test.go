package scorecard_test

import (
	"testing"

	"groundtruth/credit/scorecard"
)

// taiwanOptions are the training options of the Taiwan benchmarks and tests.
var taiwanOptions = scorecard.Options{Exclude: []string{"ID"}, Holdout: 0.3, Seed: 42}

// BenchmarkTrainTaiwan trains on the 30,000 × 23 Taiwan credit-card table (SPEC §14: ≤ 2 s),
// CSV records already in memory; 70% of the rows are binned and fitted, all are scored.
func BenchmarkTrainTaiwan(b *testing.B) {
	rows := creditData(b, "taiwan_UCI_Credit_Card.csv")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := scorecard.Train(rows, "default.payment.next.month", taiwanOptions); err != nil {
			b.Fatal(err)
		}
	}
}

// taiwanCompiled returns a scorecard trained on the Taiwan table, its compiled scorer, and
// the table's records pre-parsed for it, one flat row after the other.
func taiwanCompiled(b *testing.B) (*scorecard.Scorecard, *scorecard.Compiled, [][]string, []float64) {
	rows := creditData(b, "taiwan_UCI_Credit_Card.csv")
	sc, err := scorecard.Train(rows, "default.payment.next.month", taiwanOptions)
	if err != nil {
		b.Fatal(err)
	}
	c := sc.Compiled()
	idx, err := c.Index(rows[0])
	if err != nil {
		b.Fatal(err)
	}
	k := len(c.Columns())
	flat := make([]float64, 0, k*(len(rows)-1))
	for _, rec := range rows[1:] {
		flat = append(flat, c.Parse(nil, rec, idx)...)
	}
	return sc, c, rows, flat
}

// BenchmarkScoreCompiled scores pre-parsed Taiwan rows on one core (SPEC §14: ≥ 5M rows/s).
func BenchmarkScoreCompiled(b *testing.B) {
	_, c, _, flat := taiwanCompiled(b)
	k := len(c.Columns())
	n := len(flat) / k
	b.SetBytes(int64(8 * k))
	b.ReportAllocs()
	var sink float64
	i := 0
	for b.Loop() {
		sink += c.Points(flat[i*k : (i+1)*k])
		if i++; i == n {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if sink == 0 {
		b.Log(sink)
	}
}

// BenchmarkScoreCompiledPD scores pre-parsed rows with their probability of default.
func BenchmarkScoreCompiledPD(b *testing.B) {
	_, c, _, flat := taiwanCompiled(b)
	k := len(c.Columns())
	n := len(flat) / k
	b.ReportAllocs()
	var sink float64
	i := 0
	for b.Loop() {
		_, pd := c.Score(flat[i*k : (i+1)*k])
		sink += pd
		if i++; i == n {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if sink == 0 {
		b.Log(sink)
	}
}

// BenchmarkParseAndScore parses raw CSV records then scores them.
func BenchmarkParseAndScore(b *testing.B) {
	_, c, rows, _ := taiwanCompiled(b)
	idx, err := c.Index(rows[0])
	if err != nil {
		b.Fatal(err)
	}
	recs := rows[1:]
	b.ReportAllocs()
	var x []float64
	var sink float64
	i := 0
	for b.Loop() {
		x = c.Parse(x, recs[i], idx)
		sink += c.Points(x)
		if i++; i == len(recs) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if sink == 0 {
		b.Log(sink)
	}
}

// BenchmarkScoreMap scores rows given as column → field maps through Scorecard.Score.
func BenchmarkScoreMap(b *testing.B) {
	sc, _, rows, _ := taiwanCompiled(b)
	maps := make([]map[string]string, 0, 1000)
	for _, rec := range rows[1:1001] {
		maps = append(maps, asMap(rows[0], rec))
	}
	b.ReportAllocs()
	var sink float64
	i := 0
	for b.Loop() {
		p, _ := sc.Score(maps[i])
		sink += p
		if i++; i == len(maps) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if sink == 0 {
		b.Log(sink)
	}
}
