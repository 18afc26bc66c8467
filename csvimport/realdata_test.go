package csvimport_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/csvimport"
)

// dataDir returns the shared real-data folder (../shared/data from the repository root),
// skipping the test when it is absent unless GT_REQUIRE_DATA=1.
func dataDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "data")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("GT_REQUIRE_DATA") == "1" {
			t.Fatalf("real data required (GT_REQUIRE_DATA=1) but %s is missing: %v", dir, err)
		}
		t.Skipf("real data not present at %s; set GT_REQUIRE_DATA=1 to require it", dir)
	}
	return dir
}

func parseFile(t *testing.T, kind, path string, o csvimport.Options) *csvimport.Batch {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := csvimport.Parse(kind, f, o)
	if err != nil {
		t.Fatalf("Parse(%s, %s) error = %v", kind, path, err)
	}
	return b
}

// readCSV reads a whole CSV file with encoding/csv, as an independent count.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestPinkSheet parses the World Bank Pink Sheet monthly file (World Bank Commodity Price
// Data, CC BY 4.0) and checks the counts and a few values against the file.
func TestPinkSheet(t *testing.T) {
	path := filepath.Join(dataDir(t), "prices", "worldbank_pinksheet_monthly_1960-2022.csv")
	b := parseFile(t, "prices", path, csvimport.Options{})

	// Count independently: the money series are the columns whose unit starts "$/" or
	// "cents/"; each non-empty cell of one is a tick. The same figures, 70 series and
	// 46557 ticks, come from
	//   gawk -v FPAT='([^,]*)|("[^"]*")' 'NR==1{for(i=2;i<=NF;i++) if($i ~ /\((\$|cents)\//) m[i]=1;
	//     print length(m)" series"; next} {for(i in m) if($i!="") n++} END{print n" ticks"}' FILE
	recs := readCSV(t, path)
	var money []int
	for i, h := range recs[0] {
		if strings.Contains(h, "($/") || strings.Contains(h, "(cents/") {
			money = append(money, i)
		}
	}
	ticks := 0
	for _, r := range recs[1:] {
		for _, i := range money {
			if r[i] != "" {
				ticks++
			}
		}
	}
	if len(money) != 70 || ticks != 46557 {
		t.Errorf("independent count = %d series, %d ticks; the file was verified to hold 70 and 46557", len(money), ticks)
	}
	commodities := map[string]int{}
	got := map[string]gt.PriceTick{}
	for _, p := range b.Records.Prices {
		commodities[p.Commodity]++
		got[p.Commodity+" "+p.At.Format("2006-01")] = p
		if p.Source != csvimport.PinkSheetSource || p.Price.Currency != "USD" {
			t.Fatalf("tick %+v: want source %s in USD", p, csvimport.PinkSheetSource)
		}
	}
	if len(commodities) != len(money) || len(b.Records.Prices) != ticks {
		t.Errorf("Parse = %d series, %d ticks; want %d, %d", len(commodities), len(b.Records.Prices), len(money), ticks)
	}
	if want := []string{"Natural gas index (2010=100)"}; strings.Join(b.Skipped, "|") != want[0] {
		t.Errorf("Skipped = %q, want %q", b.Skipped, want)
	}
	spot := []struct {
		key   string
		cents int64
		unit  string
	}{
		{"copper 2022-09", 774900, "t"},            // 7749 $/mt
		{"crude_oil_brent 1960-01", 163, "bbl"},    // 1.63000011444 $/bbl
		{"cocoa 2022-09", 229150, "t"},             // 2.2915 $/kg = 2291.50 $/t
		{"cocoa 1960-01", 63400, "t"},              // 0.634 $/kg
		{"sugar_world 1960-01", 6660, "t"},         // 0.0666 $/kg
		{"plywood 1979-01", 270, "sheet"},          // 270 cents/sheet
		{"plywood 2022-09", 382, "sheet"},          // 381.90803351781 cents/sheet, rounded
		{"aluminum 1960-01", 51147, "t"},           // 511.47183227539 $/mt, rounded
		{"silver 1960-01", 91, "troy_oz"},          // 0.9137 $/troy oz, rounded
		{"coal_south_african 2022-09", 32148, "t"}, // 321.47590909091 $/mt
		{"gold 2022-09", 168078, "troy_oz"},        // 1680.78 $/troy oz
		{"iron_ore_cfr_spot 2022-09", 9980, "dmtu"},
		{"logs_malaysian 1960-01", 3194, "m3"},
		{"natural_gas_us 1960-01", 14, "mmbtu"},
	}
	for _, s := range spot {
		p, ok := got[s.key]
		if !ok || p.Price.Amount != s.cents || p.Unit != s.unit {
			t.Errorf("tick %s = %+v, want %d cents per %s", s.key, p, s.cents, s.unit)
		}
	}
	if p := got["copper 2022-09"]; !p.At.Equal(time.Date(2022, 9, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("copper 2022-09 at %v, want the first of the month UTC", p.At)
	}
	if _, ok := got["crude_oil_wti 1960-01"]; ok {
		t.Errorf("empty cell crude_oil_wti 1960-01 gave a tick")
	}
}

// TestEIAAndFRED parses the single-series files (EIA Brent monthly, public domain; FRED
// series, public domain) with Options and checks counts and the first tick.
func TestEIAAndFRED(t *testing.T) {
	dir := filepath.Join(dataDir(t), "prices")
	o := csvimport.Options{Commodity: "crude_oil_brent", Unit: "bbl", Currency: "USD"}
	path := filepath.Join(dir, "oil", "brent-monthly.csv")
	b := parseFile(t, "prices", path, o)
	if n := len(readCSV(t, path)) - 1; len(b.Records.Prices) != n {
		t.Errorf("brent-monthly.csv: %d ticks, want %d", len(b.Records.Prices), n)
	}
	first := b.Records.Prices[0]
	want := gt.PriceTick{Commodity: "crude_oil_brent", At: day("1987-05-15"), Price: usd(1858), Unit: "bbl", Source: "brent-monthly.csv"}
	if first != want {
		t.Errorf("brent-monthly.csv first tick = %+v, want %+v", first, want)
	}

	// Every single-series file parses; each observation is a tick, except that FRED's
	// "NA" marks a missing month, and the WTI daily series holds the negative price of
	// 2020-04-20, which must be reported at its line.
	files, _ := filepath.Glob(filepath.Join(dir, "fred", "*.csv"))
	oil, _ := filepath.Glob(filepath.Join(dir, "oil", "*.csv"))
	for _, path := range append(files, oil...) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := csvimport.Parse("prices", f, csvimport.Options{Commodity: "series", Unit: "index", Currency: "USD"})
		f.Close()
		if filepath.Base(path) == "wti-daily.csv" {
			if got := gt.ErrorField(err); got != "line 8645, column Price" {
				t.Errorf("%s: error %v, want one at line 8645, column Price (-36.98)", path, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		n := 0
		for _, r := range readCSV(t, path)[1:] {
			if r[1] != "" && r[1] != "NA" {
				n++
			}
		}
		if len(b.Records.Prices) != n {
			t.Errorf("%s: %d ticks, want %d", path, len(b.Records.Prices), n)
		}
	}
}
