package ruletest_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"groundtruth/ruletest"
)

// names returns the names of the results that passed and of those that failed.
func names(rs []ruletest.Result) (passed, failed []string) {
	for _, r := range rs {
		if r.Passed() {
			passed = append(passed, r.Name)
		} else {
			failed = append(failed, r.Name)
		}
	}
	return passed, failed
}

func TestExampleFilesPass(t *testing.T) {
	for _, tc := range []struct {
		file  string
		tests []string
	}{
		{"warehouse_test.yaml", []string{"outflow without a release fires", "outflow covered by a release does not fire",
			"a price fall puts the loan in margin call"}},
		{"custom_test.yaml", []string{"an outflow is pending for its first hour", "an outflow fires after an hour",
			"LTV 85% is a margin call under this policy too"}},
	} {
		rs, err := ruletest.RunFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatalf("RunFile(%s) = %v", tc.file, err)
		}
		passed, failed := names(rs)
		for _, r := range rs {
			if !r.Passed() {
				t.Errorf("%s: %s: %s", tc.file, r.Name, strings.Join(r.Problems(), "; "))
			}
		}
		if !slices.Equal(passed, tc.tests) || len(failed) > 0 {
			t.Errorf("RunFile(%s) passed %q, failed %q; want %q to pass", tc.file, passed, failed, tc.tests)
		}
	}
}

// withTests returns the example warehouse file (setup and all) with tests in place of
// its own.
func withTests(t *testing.T, tests string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "warehouse_test.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	head, _, ok := strings.Cut(string(b), "\ntests:\n")
	if !ok {
		t.Fatal("warehouse_test.yaml has no tests: key")
	}
	return []byte(head + "\ntests:\n" + tests)
}

// runOne runs a file of one test and returns its result.
func runOne(t *testing.T, data []byte) ruletest.Result {
	t.Helper()
	rs, err := ruletest.Run(data, "testdata")
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	if len(rs) != 1 {
		t.Fatalf("Run returned %d results, want 1", len(rs))
	}
	return rs[0]
}

const outflow = `    events:
      - {type: ingest, time: +5m, device: cell-1, readings: {mass: 1100000}}
    tick_every: 1m
    until: +30m
`

func TestMismatchesAreReported(t *testing.T) {
	tests := []struct {
		name       string
		test       string
		missing    []string
		unexpected []string
	}{
		{"an alert nobody expected", outflow, nil,
			[]string{"unauthorized_outflow collateral:lot-1 firing critical"}},
		{"the wrong severity", outflow + `    expect_alerts:
      - {rule: unauthorized_outflow, subject: "collateral:lot-1", severity: warning}
`, []string{"unauthorized_outflow collateral:lot-1 firing warning"},
			[]string{"unauthorized_outflow collateral:lot-1 firing critical"}},
		{"an alert that never fires", `    events:
      - {type: ingest, time: +5m, device: cell-1, readings: {mass: 1195000}}
    until: +30m
    expect_alerts:
      - {rule: unauthorized_outflow, subject: "collateral:lot-1"}
`, []string{"unauthorized_outflow collateral:lot-1 firing"}, nil},
		{"the wrong state", outflow + `    expect_alerts:
      - {rule: unauthorized_outflow, subject: "collateral:lot-1", state: pending}
`, []string{"unauthorized_outflow collateral:lot-1 pending"},
			[]string{"unauthorized_outflow collateral:lot-1 firing critical"}},
		{"the wrong summary", outflow + `    expect_alerts:
      - {rule: unauthorized_outflow, subject: "collateral:lot-1", summary: "all is well"}
`, []string{`unauthorized_outflow collateral:lot-1 firing "all is well"`},
			[]string{"unauthorized_outflow collateral:lot-1 firing critical"}},
		{"a forbidden rule that fired and resolved", `    events:
      - {type: ingest, time: +5m, device: cell-1, readings: {mass: 1100000}}
      - {type: ingest, time: +25m, device: cell-1, readings: {mass: 1200000}}
    tick_every: 1m
    until: +30m
    expect_no_alerts: [unauthorized_outflow]
`, nil, []string{"unauthorized_outflow collateral:lot-1 resolved critical"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runOne(t, withTests(t, "  - name: "+strconv.Quote(tc.name)+"\n"+tc.test))
			if r.Passed() || r.Err != nil {
				t.Fatalf("result passed %v err %v, want a failure without error", r.Passed(), r.Err)
			}
			var missing, unexpected []string
			for _, m := range r.Missing {
				missing = append(missing, m.String())
			}
			for _, a := range r.Unexpected {
				unexpected = append(unexpected, a.Rule+" "+a.Subject+" "+a.State+" "+a.Severity)
			}
			if !slices.Equal(missing, tc.missing) || !slices.Equal(unexpected, tc.unexpected) {
				t.Errorf("missing %q unexpected %q; want %q and %q", missing, unexpected, tc.missing, tc.unexpected)
			}
			problems := strings.Join(r.Problems(), "\n")
			for _, m := range tc.missing {
				if !strings.Contains(problems, "missing alert: "+m) {
					t.Errorf("Problems() = %q, want it to name the missing %s", problems, m)
				}
			}
			for _, u := range tc.unexpected {
				if !strings.Contains(problems, "unexpected alert: "+u) {
					t.Errorf("Problems() = %q, want it to name the unexpected %s", problems, u)
				}
			}
		})
	}
}

func TestRefusedEventStopsTheTest(t *testing.T) {
	r := runOne(t, withTests(t, `  - name: release of a lot that does not exist
    events:
      - type: records.create
        time: +1m
        data: {releases: [{id: rel-1, collateral_id: lot-9, direction: out, quantity: 1, unit: t, at: 2026-03-02T08:05:00Z}]}
`))
	if r.Passed() || r.Err == nil {
		t.Fatalf("result passed %v err %v, want an error", r.Passed(), r.Err)
	}
	for _, want := range []string{"tests[0].events[0]", "records.create", "refused", "releases[0].collateral_id"} {
		if !strings.Contains(r.Err.Error(), want) {
			t.Errorf("Err = %q, want it to contain %q", r.Err, want)
		}
	}
}

func TestTimePassesOnlyThroughEventsAndTicks(t *testing.T) {
	expect := `    expect_alerts:
      - {rule: unauthorized_outflow, subject: "collateral:lot-1"}
`
	ingest := `    events:
      - {type: ingest, time: +5m, device: cell-1, readings: {mass: 1100000}}
`
	tests := []struct {
		name, ticks string
		fires       bool
	}{
		{"no ticks: the dwell never elapses", "", false},
		{"until 10m: the dwell has not elapsed", "    until: +10m\n", false},
		{"until 20m: one tick after the dwell", "    until: +20m\n", true},
		{"ticks every 5m up to 30m", "    tick_every: 5m\n    until: +30m\n", true},
		{"ticks every 1h up to 10m: only the tick at until", "    tick_every: 1h\n    until: +10m\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runOne(t, withTests(t, "  - name: "+strconv.Quote(tc.name)+"\n"+ingest+tc.ticks+expect))
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if r.Passed() != tc.fires {
				t.Errorf("outflow fired = %v, want %v (%s)", r.Passed(), tc.fires, strings.Join(r.Problems(), "; "))
			}
		})
	}
}

func TestFullEventFormAndStatusShorthand(t *testing.T) {
	// The outflow reading in the gt.Event JSON shape, with the reading's time in
	// microseconds (2026-03-02T08:08:00Z), and a tamper report in short.
	r := runOne(t, withTests(t, `  - name: full form
    events:
      - type: ingest.batch
        tenant: acme
        time: 2026-03-02T08:08:00Z
        actor: cell-1
        data:
          items:
            - device: cell-1
              via: mqtt
              received: 2026-03-02T08:08:00Z
              readings: [{n: mass, u: kg, t: 1772438880000000, v: 1100000}]
      - {type: ingest, time: +1m, device: cell-1, status: tamper}
    until: +30m
    expect_alerts:
      - {rule: unauthorized_outflow, subject: "collateral:lot-1"}
      - {rule: tamper, subject: "device:cell-1", severity: critical}
`))
	if !r.Passed() {
		t.Errorf("full form: %s", strings.Join(r.Problems(), "; "))
	}
}

func TestFileErrors(t *testing.T) {
	one := func(test string) string { return "tests:\n  - name: t\n" + test }
	ev := "    events: [{type: tenant.create, tenant: a, time: 2026-03-02T08:00:00Z}]\n"
	tests := []struct {
		name, file, want string
	}{
		{"empty", "", "empty"},
		{"no tests", "tenant: a\n", "at least one test"},
		{"unknown top-level key", "rules: []\n" + one(ev), "field rules not found"},
		{"unknown test key", one(ev + "    expect: []\n"), "field expect not found"},
		{"unknown event key", one("    events: [{type: tick, time: 2026-03-02T08:00:00Z, seq: 4}]\n"), `unknown key "seq"`},
		{"no name", "tests:\n  - events: [{type: tick, time: 2026-03-02T08:00:00Z}]\n", "tests[0]: name is required"},
		{"duplicate names", one(ev) + "  - name: t\n" + ev, `name "t" is also the name of tests[0]`},
		{"no events", one("    until: 2026-03-02T08:00:00Z\n"), "at least one event"},
		{"bad time", one("    events: [{type: tick, time: yesterday}]\n"), `tests[0].events[0] (line 3): time: "yesterday" is not an RFC 3339 time`},
		{"relative first time", one("    events: [{type: tick, time: +5m}]\n"), "relative but there is no earlier event"},
		{"time goes back", one("    events: [{type: tick, time: 2026-03-02T08:00:00Z}, {type: tick, time: 2026-03-02T07:00:00Z}]\n"), "must be in time order"},
		{"no tenant", one("    events: [{type: records.create, time: 2026-03-02T08:00:00Z}]\n"), "tenant is required"},
		{"ingest without device", one("    events: [{type: ingest, tenant: a, time: 2026-03-02T08:00:00Z, readings: {mass: 1}}]\n"), "device is required"},
		{"ingest with data", one("    events: [{type: ingest, tenant: a, time: 2026-03-02T08:00:00Z, data: {}}]\n"), "not data"},
		{"readings elsewhere", one("    events: [{type: tick, time: 2026-03-02T08:00:00Z, readings: {mass: 1}}]\n"), "for type ingest only"},
		{"until before the events", one(ev + "    until: 2026-03-01T00:00:00Z\n"), "until 2026-03-01T00:00:00Z is before the last event"},
		{"bad tick_every", one(ev + "    tick_every: often\n    until: +1h\n"), "tick_every: duration"},
		{"too many ticks", one(ev + "    tick_every: 1s\n    until: +30d\n"), "more than 1000000"},
		{"bad state", one(ev + "    expect_alerts: [{rule: r, subject: loan:l, state: open}]\n"), "expect_alerts[0]: state must be pending, firing or resolved"},
		{"no subject", one(ev + "    expect_alerts: [{rule: r}]\n"), "subject is required"},
		{"expected and forbidden", one(ev + "    expect_alerts: [{rule: r, subject: loan:l}]\n    expect_no_alerts: [r]\n"), "also in expect_alerts"},
		{"missing rule file", "rule_files: [nope.yaml]\n" + one(ev), "nope.yaml"},
		{"bad rule file", "rule_files: [bad_rules.yaml]\n" + one(ev), "bad_rules.yaml:4: rules[0].expr: 1:5: undefined field 'ltvv'"},
		{"rule in two files", "rule_files: [rules.yaml, rules.yaml]\n" + one(ev), `rule "lasting_outflow" is in both rules.yaml and rules.yaml`},
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad_rules.yaml"), []byte("rules:\n  - name: r\n    severity: info\n    expr: loan.ltvv > 1\n"), 0o600)
	b, _ := os.ReadFile(filepath.Join("testdata", "rules.yaml"))
	os.WriteFile(filepath.Join(dir, "rules.yaml"), b, 0o600)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := ruletest.Run([]byte(tc.file), dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run = %v, %v; want an error containing %q", len(rs), err, tc.want)
			}
		})
	}
}
