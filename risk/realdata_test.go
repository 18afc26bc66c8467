package risk_test

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"groundtruth/risk"
)

// dataDir is the shared real-data folder, read in place (never copied into the repository).
const dataDir = "../../shared/data/"

// openData opens a shared data file; when it is missing the test skips, or fails when
// GT_REQUIRE_DATA=1 (as in CI).
func openData(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(dataDir + name)
	if err != nil {
		if os.Getenv("GT_REQUIRE_DATA") == "1" {
			t.Fatalf("open real data: %v (GT_REQUIRE_DATA=1)", err)
		}
		t.Skipf("real data not available: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// readColumn returns the non-empty values of the first column whose header starts with
// prefix, in file order.
func readColumn(t *testing.T, name, prefix string) []float64 {
	t.Helper()
	rows, err := csv.NewReader(openData(t, name)).ReadAll()
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	col := -1
	for i, h := range rows[0] {
		if strings.HasPrefix(h, prefix) {
			col = i
			break
		}
	}
	if col < 0 {
		t.Fatalf("%s: no column starting with %q in %v", name, prefix, rows[0])
	}
	var v []float64
	for _, r := range rows[1:] {
		if col >= len(r) || r[col] == "" {
			continue
		}
		x, err := strconv.ParseFloat(r[col], 64)
		if err != nil {
			t.Fatalf("%s: %q: %v", name, r[col], err)
		}
		v = append(v, x)
	}
	return v
}

// directEWMA computes the EWMA variance as an explicit weighted sum, independent of the
// recursion: with returns r_1..r_n,
//
//	var = λ^(n-1) r_1² + (1-λ) Σ_{i=0}^{n-2} λ^i r_{n-i}²
//
// (the seed r_1² carries the weight left over by the geometric series).
func directEWMA(closes []float64, lambda float64) float64 {
	n := len(closes) - 1
	r := func(k int) float64 { return math.Log(closes[k] / closes[k-1]) } // r_k, k = 1..n
	sum := math.Pow(lambda, float64(n-1)) * r(1) * r(1)
	for i := 0; i <= n-2; i++ {
		sum += (1 - lambda) * math.Pow(lambda, float64(i)) * r(n-i) * r(n-i)
	}
	return sum
}

// checkTwoWays compares the incremental EWMA with the direct weighted sum.
func checkTwoWays(t *testing.T, name string, closes []float64) float64 {
	t.Helper()
	e := risk.NewEWMA(0.94)
	for i, c := range closes {
		if err := e.Add(c); err != nil {
			t.Fatalf("%s: Add(close %d = %v): %v", name, i, c, err)
		}
	}
	direct := directEWMA(closes, 0.94)
	if math.Abs(e.Var-direct) > 1e-10*direct {
		t.Errorf("%s: incremental Var = %.15g, direct weighted sum = %.15g", name, e.Var, direct)
	}
	if len(closes) > 1 {
		if batch, err := risk.EWMAVolatility(closes, 0.94); err != nil || batch != e.Sigma() {
			t.Errorf("%s: EWMAVolatility = %v, %v; want %v from Add", name, batch, err, e.Sigma())
		}
	}
	return e.Sigma()
}

// TestEWMACopper runs the EWMA on the World Bank Pink Sheet copper series (monthly
// averages, 1960-01..2022-09, $/mt). The data holds no daily metal prices, so the
// monthly sigma is converted to a daily one by the square root of time over 21 trading
// days; monthly averages smooth the moves somewhat, so this errs low.
func TestEWMACopper(t *testing.T) {
	closes := readColumn(t, "prices/worldbank_pinksheet_monthly_1960-2022.csv", "Copper")
	if len(closes) < 700 {
		t.Fatalf("copper: %d monthly prices, want the 1960-2022 series (753)", len(closes))
	}
	monthly := checkTwoWays(t, "copper", closes)
	daily := monthly / math.Sqrt(21)
	t.Logf("copper (World Bank, %d months to 2022-09): EWMA(0.94) monthly sigma %.4f, daily equivalent %.4f", len(closes), monthly, daily)
	if daily < 0.005 || daily > 0.04 {
		t.Errorf("copper daily sigma = %.4f, want a base-metal 0.5%%..4%%", daily)
	}
	h, _ := risk.Haircut(risk.DefaultPolicy().Floor("inventory_lot"), daily, 10)
	t.Logf("copper inventory haircut at 10 liquidation days: %.4f", h)
}

// TestEWMABrent runs the EWMA on the EIA Brent daily spot series, the one real daily
// commodity series in the data.
func TestEWMABrent(t *testing.T) {
	closes := readColumn(t, "prices/oil/brent-daily.csv", "Price")
	if len(closes) < 5000 {
		t.Fatalf("brent: %d daily prices, want the series from 1987", len(closes))
	}
	daily := checkTwoWays(t, "brent", closes)
	t.Logf("brent (EIA, %d days): EWMA(0.94) daily sigma %.4f", len(closes), daily)
	if daily < 0.005 || daily > 0.08 {
		t.Errorf("brent daily sigma = %.4f, want a crude-oil 0.5%%..8%%", daily)
	}
}
