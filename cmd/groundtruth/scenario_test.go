package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"groundtruth/sim"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// zooFiles returns the zoo's scenario files, only those of at most maxDuration when it
// is positive (the short form go test plays; GT_ZOO=full plays them all).
func zooFiles(t *testing.T, maxDuration time.Duration) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "scenarios", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no zoo files: %v", err)
	}
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := sim.Parse(b, f)
		if err != nil {
			t.Fatalf("zoo file: %v", err)
		}
		if maxDuration <= 0 || sc.Duration.Std() <= maxDuration {
			out = append(out, f)
		}
	}
	return out
}

// playReport runs scenario run --report json and decodes the report.
func playReport(t *testing.T, args ...string) (sim.Report, string, int) {
	t.Helper()
	out, errOut, code := runStatus(t, append([]string{"scenario", "run", "--report", "json"}, args...)...)
	var rep sim.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report: %v\nstdout %s\nstderr %s", err, out, errOut)
	}
	return rep, out, code
}

// checkZoo fails the test for every incident missed and every false alert.
func checkZoo(t *testing.T, rep sim.Report, code int, scenarios int) {
	t.Helper()
	if rep.Totals.Scenarios != scenarios {
		t.Errorf("report has %d scenarios, want %d", rep.Totals.Scenarios, scenarios)
	}
	controls, frauds := 0, 0
	for _, s := range rep.Scenarios {
		if s.Control {
			controls++
		} else {
			frauds++
			if len(s.Detections) == 0 {
				t.Errorf("%s: a fraud scenario with no expected alert", s.Name)
			}
		}
		for _, d := range s.Detections {
			if !d.Detected {
				t.Errorf("%s: %s: %s on %s not detected within %s", s.Name, d.Incident, d.Rule, d.Subject, d.Within)
			}
		}
		for _, a := range s.FalseAlerts {
			t.Errorf("%s: false alert at %s: %s %s: %s", s.Name, a.At, a.Rule, a.Subject, a.Summary)
		}
	}
	if controls == 0 || frauds == 0 || rep.Totals.Packs == 0 {
		t.Errorf("%d controls and %d fraud scenarios played, %d packs; want some of each", controls, frauds, rep.Totals.Packs)
	}
	if code != 0 || !rep.Passed() || rep.Totals.Detected != rep.Totals.Expected || rep.Totals.FalseAlerts != 0 {
		t.Errorf("exit %d, totals %+v; want 0 and every expected alert detected, no false alert", code, rep.Totals)
	}
}

// TestZoo plays the fraud zoo through the real ingest path: every incident must be
// detected within its window and the controls must stay silent. go test plays the
// scenarios of a day or less; GT_ZOO=full (CI) plays all of them, twice, and the two
// reports must be identical.
func TestZoo(t *testing.T) {
	if os.Getenv("GT_ZOO") == "full" {
		files := zooFiles(t, 0)
		rep, out, code := playReport(t, files...)
		checkZoo(t, rep, code, len(files))
		rep2, out2, _ := playReport(t, files...)
		if out != out2 {
			t.Errorf("two runs of the zoo gave different reports:\n%s\n%s", out, out2)
		}
		if rep2.Totals != rep.Totals {
			t.Errorf("totals %+v then %+v", rep.Totals, rep2.Totals)
		}
		return
	}
	files := zooFiles(t, 24*time.Hour)
	rep, _, code := playReport(t, files...)
	checkZoo(t, rep, code, len(files))
}

// TestScenarioFailuresExitOne: a missed incident and a false alert are reported as such
// and the run exits 1.
func TestScenarioFailuresExitOne(t *testing.T) {
	rep, _, code := playReport(t, filepath.Join("testdata", "scenarios", "missed.yaml"))
	if code != 1 || rep.Passed() {
		t.Fatalf("exit %d, passed %v; want 1 and a failed scenario", code, rep.Passed())
	}
	s := rep.Scenarios[0]
	got := map[string]bool{}
	for _, d := range s.Detections {
		got[d.Rule] = d.Detected
	}
	if got["double_pledge"] || !got["unauthorized_outflow"] {
		t.Errorf("detections %+v; want the outflow detected and the double pledge missed", s.Detections)
	}
	falseRules := map[string]bool{}
	for _, a := range s.FalseAlerts {
		falseRules[a.Rule] = true
	}
	if !falseRules["ltv_margin_call"] {
		t.Errorf("false alerts %+v; want the unexpected margin call among them", s.FalseAlerts)
	}
	out, _, code := runStatus(t, "scenario", "run", filepath.Join("testdata", "scenarios", "missed.yaml"))
	if code != 1 || !regexp.MustCompile(`missed +half the copper leaves \(at 30m0s\) +double_pledge collateral:m-lot +no`).MatchString(out) ||
		!strings.Contains(out, "FALSE ALERT") {
		t.Errorf("text report (exit %d):\n%s", code, out)
	}
}

func TestScenarioBadFile(t *testing.T) {
	bad := filepath.Join("testdata", "scenarios", "bad.yaml")
	_, errOut, code := runStatus(t, "scenario", "check", bad)
	want := bad + `:7: tenants[0].devices[0].collateral_id: no collateral "nowhere" in the tenant's records`
	if code != 1 || !strings.Contains(errOut, want) {
		t.Errorf("scenario check of a bad file: exit %d, stderr %q; want 1 and %q", code, errOut, want)
	}
	out, errOut, code := runStatus(t, "scenario", "check", "zoo")
	if code != 0 || strings.Count(out, ": ok\n") < 15 {
		t.Errorf("scenario check zoo: exit %d\n%s%s", code, out, errOut)
	}
}

// TestDemoOnce runs the README's first command with --once on the ports it asks for by
// default, which Mosquitto (1883) may hold here: it must pick free ones and pass.
func TestDemoOnce(t *testing.T) {
	if os.Getenv("GT_ZOO") != "full" {
		t.Skip("plays the whole zoo: set GT_ZOO=full (CI does)")
	}
	out, errOut, code := runStatus(t, "demo", "--once")
	if code != 0 || !regexp.MustCompile(`(\d+) of \d+ scenarios passed; (\d+) of \d+ expected alerts detected within their window; 0 false alerts`).MatchString(out) {
		t.Fatalf("demo --once: exit %d\n%s\n%s", code, out, errOut)
	}
	m := regexp.MustCompile(`(\d+) of (\d+) scenarios passed`).FindStringSubmatch(out)
	if m[1] != m[2] {
		t.Errorf("demo: %s of %s scenarios passed", m[1], m[2])
	}
	if !regexp.MustCompile(`API +http://[0-9.:]+/api/v1`).MatchString(out) || !strings.Contains(errOut, "100%") {
		t.Errorf("demo output lacks its API address or the progress bar:\n%s\n%s", out, errOut)
	}
}

// TestScenarioPriceSeriesFromSharedData plays the copper crash with its prices read from
// the World Bank file in ../shared/data, doubled (scale: 2), against loans doubled too:
// the margin calls must come on the same days as in the zoo, which they would not if the
// series or its scale were misread (with unscaled prices every loan starts in margin call).
func TestScenarioPriceSeriesFromSharedData(t *testing.T) {
	if _, err := os.Stat(filepath.Join("..", "..", "..", "shared", "data", "prices", "worldbank_pinksheet_monthly_1960-2022.csv")); err != nil {
		if os.Getenv("GT_REQUIRE_DATA") == "1" {
			t.Fatalf("GT_REQUIRE_DATA=1 but the shared data is missing: %v", err)
		}
		t.Skipf("shared data missing: %v", err)
	}
	rep, out, code := playReport(t, filepath.Join("testdata", "scenarios", "copper-series.yaml"))
	if code != 0 || !rep.Passed() || rep.Totals.Detected != 3 || rep.Totals.FalseAlerts != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, d := range rep.Scenarios[0].Detections {
		if d.After == nil || *d.After != 0 {
			t.Errorf("%s on %s detected after %v, want at the price tick", d.Rule, d.Subject, d.After)
		}
	}
}

// TestScenarioAgainstServer plays the short zoo against a running `serve
// --simulated-clock` through its driver token: on its embedded journal and SQLite store,
// or, when GT_TEST_POSTGRES and GT_TEST_NATS are set (CI's integration stage), on
// PostgreSQL and the external NATS JetStream, each in a schema and stream of its own.
func TestScenarioAgainstServer(t *testing.T) {
	var extra []string
	if pg, nt := os.Getenv("GT_TEST_POSTGRES"), os.Getenv("GT_TEST_NATS"); pg != "" && nt != "" {
		run := fmt.Sprintf("zoo_%d", time.Now().UnixNano()%1e12)
		sep := "?"
		if strings.Contains(pg, "?") {
			sep = "&"
		}
		extra = append(extra, "--store", pg+sep+"search_path=gt_test_"+run, "--journal", nt)
		t.Setenv("GT_JOURNAL_STREAM", "GT_TEST_"+run)
		t.Cleanup(func() { dropTestSchema(t, pg, "gt_test_"+run); deleteTestStream(t, nt, "GT_TEST_"+run) })
	}
	s := startServer(t, t.TempDir(), append(extra, "--simulated-clock")...)
	if !strings.HasPrefix(s.clock, "gtc_") {
		t.Fatalf("driver token %q", s.clock)
	}
	files := zooFiles(t, 24*time.Hour)
	// The wrong token is refused before anything is played.
	_, errOut, code := runStatus(t, append([]string{"scenario", "run", "--server", s.base, "--clock-token", "gtc_wrong"}, files...)...)
	if code != 1 || !strings.Contains(errOut, "simulated clock") {
		t.Fatalf("a wrong driver token: exit %d, stderr %q", code, errOut)
	}
	rep, _, code := playReport(t, append([]string{"--server", s.base, "--clock-token", s.clock}, files...)...)
	checkZoo(t, rep, code, len(files))
	// Simulated time only moves forward.
	if c, m := call(t, "PUT", s.base+"/api/v1/clock", s.clock, `{"now":"2026-01-01T00:00:00Z"}`); c != 422 || !strings.Contains(fmt.Sprint(m), "only moves forward") {
		t.Errorf("setting the clock back: %d %v, want 422", c, m)
	}
	if c, m := call(t, "GET", s.base+"/api/v1/clock", s.clock, ""); c != 200 || m["now"] != sim.DefaultEnd.Format(time.RFC3339) {
		t.Errorf("clock after the run: %d %v, want %s", c, m, sim.DefaultEnd.Format(time.RFC3339))
	}
	// A wall-clock server has no clock routes.
	w := startServer(t, t.TempDir())
	if c, _ := call(t, "GET", w.base+"/api/v1/clock", s.clock, ""); c != 404 && c != 405 {
		t.Errorf("GET /api/v1/clock on a wall-clock server: %d, want 404", c)
	}
}

func dropTestSchema(t *testing.T, url, schema string) {
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Logf("drop schema: %v", err)
		return
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		t.Logf("drop schema: %v", err)
	}
}

func deleteTestStream(t *testing.T, url, stream string) {
	nc, err := nats.Connect(url)
	if err != nil {
		t.Logf("delete stream: %v", err)
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err == nil {
		err = js.DeleteStream(context.Background(), stream)
	}
	if err != nil {
		t.Logf("delete stream %s: %v", stream, err)
	}
}
