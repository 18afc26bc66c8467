package sim_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"groundtruth/sim"
)

// FuzzParse feeds arbitrary bytes to sim.Parse. Seeds beyond the f.Add calls are
// committed under testdata/fuzz/FuzzParse/; run it with
//
//	go test ./sim -run '^$' -fuzz '^FuzzParse$' -fuzztime 60s
//
// Parse must not panic; it refuses a file with a *sim.FileError naming the file and
// saying what is wrong, and a scenario it accepts keeps the promises the player relies
// on: a duration within bounds, a tenant, steps within the duration naming their
// tenant, expectations with a subject and a window, and records that convert to JSON.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile(exampleFiles(f)[0])
	if err != nil {
		f.Fatal(err)
	}
	ex := string(example)
	f.Add(example)
	f.Add([]byte(baseScenario))
	for _, s := range []string{
		ex[:len(ex)/2], // cut in the middle
		strings.ReplaceAll(ex, "  ", "\t"),
		strings.Replace(ex, "duration: 12h", "duration: 0", 1),
		strings.Replace(ex, "duration: 12h", "duration: 12 hours", 1),
		strings.Replace(ex, "within: 1h", "within: -1h", 1),
		strings.Replace(ex, "kind: volume_scanner", "kind: level_gauge", 1),
		strings.Replace(ex, "amount: 1200000000", "amount: -1200000000", 1),
		strings.Replace(ex, "collateral:hl-tank-1", "hl-tank-1", 1),
		strings.Replace(ex, "    expect:", "    add: {collateral_id: hl-tank-1, quantity: 1}\n    expect:", 1),
		strings.Replace(ex, "    records:", "    records: &r", 1),
		strings.Replace(baseScenario, "from: -2d, points: [64.63, 63.66, 62.11]", "random: {start: 60, sigma: 0.02, count: 30}", 1),
		"name: x\nduration: 1h\ntenants: [{id: t, records: [1]}]\n",
		"name: x\nduration: 1h\ntenants: [{id: t, records: {loans: [{id: l, principal: {amount: -1}}]}}]\n",
		"name: x\nduration: 1h\ntenants: [{id: t}]\ntimeline: [{at: 1h, incident: already there}]\n",
		"a: &a [*a]\n",
		"{}", "null", "---\n---\n", "- 1\n", "name: [\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := sim.Parse(data, "fuzz.yaml")
		if err != nil {
			fe, ok := err.(*sim.FileError)
			switch {
			case !ok:
				t.Fatalf("Parse error is %T %q, want a *sim.FileError", err, err)
			case fe.Msg == "":
				t.Fatalf("Parse error %#v has no message", fe)
			case fe.File != "fuzz.yaml":
				t.Fatalf("Parse error %q names file %q, want fuzz.yaml", fe, fe.File)
			case fe.Line < 0:
				t.Fatalf("Parse error %q has line %d", fe, fe.Line)
			}
			return
		}
		if err := accepted(sc); err != nil {
			t.Fatalf("Parse accepted %q: %v", data, err)
		}
	})
}

// accepted checks what a scenario Parse accepts promises.
func accepted(sc *sim.Scenario) error {
	if d := sc.Duration.Std(); d <= 0 || d > sim.MaxDuration {
		return fmt.Errorf("duration %s", sc.Duration)
	}
	if len(sc.Tenants) == 0 {
		return fmt.Errorf("no tenant")
	}
	start := sim.DefaultEnd.Add(-sc.Duration.Std())
	tenants := map[string]bool{}
	for i, tn := range sc.Tenants {
		tenants[tn.ID] = true
		body, err := sc.Records(fmt.Sprintf("tenants[%d].records", i), start)
		if err != nil {
			return fmt.Errorf("tenants[%d].records: %v", i, err)
		}
		if body != nil && !json.Valid(body) {
			return fmt.Errorf("tenants[%d].records: invalid JSON %s", i, body)
		}
	}
	for i, st := range sc.Timeline {
		if st.At < 0 || st.At > sc.Duration {
			return fmt.Errorf("timeline[%d].at %s outside 0..%s", i, st.At, sc.Duration)
		}
		if !tenants[st.Tenant] {
			return fmt.Errorf("timeline[%d].tenant %q", i, st.Tenant)
		}
		if _, err := sc.Records(fmt.Sprintf("timeline[%d].records", i), start); err != nil {
			return fmt.Errorf("timeline[%d].records: %v", i, err)
		}
		if sc.Control && len(st.Expect) > 0 {
			return fmt.Errorf("timeline[%d]: a control expects an alert", i)
		}
		for j, x := range st.Expect {
			if x.Rule == "" || !strings.Contains(x.Subject, ":") || x.Within <= 0 || !tenants[x.Tenant] {
				return fmt.Errorf("timeline[%d].expect[%d] = %+v", i, j, x)
			}
		}
	}
	return nil
}
