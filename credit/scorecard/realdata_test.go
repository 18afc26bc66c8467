package scorecard_test

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"groundtruth/credit/scorecard"
)

// creditData reads a CSV of ../shared/data/credit (from the repository root), skipping the
// test when it is absent unless GT_REQUIRE_DATA=1.
func creditData(tb testing.TB, name string) [][]string {
	tb.Helper()
	path := filepath.Join("..", "..", "..", "shared", "data", "credit", name)
	f, err := os.Open(path)
	if err != nil {
		if os.Getenv("GT_REQUIRE_DATA") == "1" {
			tb.Fatalf("real data required (GT_REQUIRE_DATA=1): %v", err)
		}
		tb.Skipf("real data not present: %v; set GT_REQUIRE_DATA=1 to require it", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
	return rows
}

// undummy rebuilds the original categorical variables of caret's dummy-coded German credit
// table: the columns "Group.level" holding 0/1 become one column "Group" whose value is the
// level set to 1 ("" when none is).
func undummy(tb testing.TB, rows [][]string) [][]string {
	tb.Helper()
	header := rows[0]
	groups := map[string][]int{}
	var order []string
	for j, h := range header {
		g, _, ok := strings.Cut(h, ".")
		if !ok {
			continue
		}
		if _, seen := groups[g]; !seen {
			order = append(order, g)
		}
		groups[g] = append(groups[g], j)
	}
	var keep []int
	var out [][]string
	newHeader := []string{}
	for j, h := range header {
		if g, _, ok := strings.Cut(h, "."); !ok || len(groups[g]) < 2 {
			keep = append(keep, j)
			newHeader = append(newHeader, h)
		}
	}
	for _, g := range order {
		if len(groups[g]) >= 2 {
			newHeader = append(newHeader, g)
		}
	}
	out = append(out, newHeader)
	for r, rec := range rows[1:] {
		var o []string
		for _, j := range keep {
			o = append(o, rec[j])
		}
		for _, g := range order {
			cols := groups[g]
			if len(cols) < 2 {
				continue
			}
			level := ""
			for _, j := range cols {
				switch rec[j] {
				case "1":
					if level != "" {
						tb.Fatalf("record %d: group %s has two levels set", r+1, g)
					}
					level = strings.TrimPrefix(header[j], g+".")
				case "0":
				default:
					tb.Fatalf("record %d: dummy %s = %q", r+1, header[j], rec[j])
				}
			}
			o = append(o, level)
		}
		out = append(out, o)
	}
	return out
}

// column returns the values of the named column and the bad flags of the target.
func column(tb testing.TB, rows [][]string, name, target, badValue string) ([]string, []bool) {
	tb.Helper()
	j, t := slices.Index(rows[0], name), slices.Index(rows[0], target)
	if j < 0 || t < 0 {
		tb.Fatalf("columns %q or %q missing", name, target)
	}
	var vals []string
	var bad []bool
	for _, rec := range rows[1:] {
		vals = append(vals, rec[j])
		bad = append(bad, rec[t] == badValue)
	}
	return vals, bad
}

func TestGermanCheckingStatusIV(t *testing.T) {
	rows := undummy(t, creditData(t, "caret_GermanCredit.csv"))
	vals, bad := column(t, rows, "CheckingAccountStatus", "Class", "Bad")
	v, err := scorecard.BinCategorical("CheckingAccountStatus", vals, bad, scorecard.BinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Bins) != 4 {
		t.Errorf("bins = %d, want the 4 original categories", len(v.Bins))
	}
	for _, b := range v.Bins {
		t.Logf("%-10s count %3d goods %3d bads %3d WOE %+.4f IV %.4f", b.Label, b.Count, b.Goods, b.Bads, b.WOE, b.IV)
	}
	t.Logf("IV(CheckingAccountStatus) = %.4f", v.IV)
	if math.Abs(v.IV-0.666) > 0.001 {
		t.Errorf("IV(CheckingAccountStatus) = %.4f, want about 0.666", v.IV)
	}
}

func TestGermanScorecard(t *testing.T) {
	rows := undummy(t, creditData(t, "caret_GermanCredit.csv"))
	sc, err := scorecard.Train(rows, "Class", scorecard.Options{Bad: "Bad", Holdout: 0.3, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	r := sc.Report()
	logReport(t, r)
	if r.TrainRows != 700 || r.HoldoutRows != 300 {
		t.Errorf("rows = %d train, %d holdout, want 700 and 300", r.TrainRows, r.HoldoutRows)
	}
	checkSensible(t, r, 0.70)
	if v, _ := r.Variable("CheckingAccountStatus"); !v.Selected {
		t.Errorf("CheckingAccountStatus not selected (IV %.3f)", v.IV)
	}
}

func TestTaiwanScorecard(t *testing.T) {
	rows := creditData(t, "taiwan_UCI_Credit_Card.csv")
	sc, err := scorecard.Train(rows, "default.payment.next.month", scorecard.Options{Exclude: []string{"ID"}, Holdout: 0.3, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	r := sc.Report()
	logReport(t, r)
	checkSensible(t, r, 0.70)
	if got := r.Variables[0].Name; got != "PAY_0" {
		t.Errorf("highest IV: %s (%.3f), want PAY_0", got, r.Variables[0].IV)
	}
	// Scoring raw records through Score and through the compiled scorer agrees with the
	// training scores' metrics.
	c := sc.Compiled()
	idx, err := c.Index(rows[0])
	if err != nil {
		t.Fatal(err)
	}
	var x []float64
	for _, rec := range rows[1:200] {
		m := map[string]string{}
		for j, h := range rows[0] {
			m[h] = rec[j]
		}
		p1, pd1 := sc.Score(m)
		x = c.Parse(x, rec, idx)
		p2, pd2 := c.Score(x)
		if p1 != p2 || pd1 != pd2 {
			t.Fatalf("Score = %v, %v; Compiled.Score = %v, %v", p1, pd1, p2, pd2)
		}
	}
}

// logReport logs the headline figures and the variables of a report.
func logReport(t *testing.T, r scorecard.Report) {
	t.Helper()
	h := r.Holdout
	t.Logf("train AUC %.4f Gini %.4f KS %.4f; holdout AUC %.4f Gini %.4f KS %.4f; score PSI %.4f; %d iterations",
		r.Train.AUC, r.Train.Gini, r.Train.KS, h.AUC, h.Gini, h.KS, r.ScorePSI, r.Model.Iterations)
	for _, v := range r.Variables {
		t.Logf("  %-28s %-11s bins %2d IV %.4f PSI %.4f selected %-5t beta %+.4f", v.Name, v.Kind, len(v.Bins), v.IV, v.PSI, v.Selected, v.Coefficient)
	}
}

// checkSensible checks the holdout metrics of a report.
func checkSensible(t *testing.T, r scorecard.Report, minAUC float64) {
	t.Helper()
	h := r.Holdout
	if h == nil {
		t.Fatal("no holdout metrics")
	}
	if h.AUC <= minAUC || h.AUC >= 1 {
		t.Errorf("holdout AUC = %.4f, want in (%.2f, 1)", h.AUC, minAUC)
	}
	if math.Abs(h.Gini-(2*h.AUC-1)) > 1e-12 {
		t.Errorf("holdout Gini = %v, want 2·AUC − 1 = %v", h.Gini, 2*h.AUC-1)
	}
	if h.KS <= 0.2 || h.KS >= 1 {
		t.Errorf("holdout KS = %.4f, want in (0.2, 1)", h.KS)
	}
	if r.ScorePSI < 0 || r.ScorePSI > 0.1 {
		t.Errorf("score PSI = %.4f, want in [0, 0.1] for a random split", r.ScorePSI)
	}
	if !r.Model.Converged {
		t.Errorf("regression did not converge in %d iterations", r.Model.Iterations)
	}
}
