package main_test

import (
	"strings"
	"testing"
)

// TestCreditCalculators: the calculators print the published figures they implement:
// Basel II Annex 5 (PD 1%, LGD 45%, M 2.5, 0.03% floor, no 1.06: 92.32%; SME at EUR 5m:
// 72.40%), an F-IRB LGD* worked from CRE32 (100 of other physical collateral against 100:
// 31%), the square-root-of-time haircut (4% for secured lending: 5.66%), and the IFRS
// community's five-year loan (12-month ECL 2,224, lifetime 6,722).
func TestCreditCalculators(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"credit", "irb", "--pd", "0.01", "--pd-floor", "0.0003"}, "risk weight       92.3168%"},
		{[]string{"credit", "irb", "--pd", "0.01", "--pd-floor", "0.0003", "--sales", "5"}, "risk weight       72.3947%"},
		{[]string{"credit", "lgd", "--ead", "100", "--collateral", "other_physical=100"}, "LGD*                 31.0000%"},
		{[]string{"credit", "haircut", "--h10", "0.04"}, "haircut 5.6569%"},
		{[]string{"credit", "ecl", "--pd", "0.03,0.03,0.03,0.04,0.04", "--lgd", "0.8", "--ead", "100000,82926,64500,44627,23164",
			"--eir", "0.0792644"}, "12-month ECL  2223.7"},
	} {
		out, errOut, code := runStatus(t, tc.args...)
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Errorf("groundtruth %s: exit %d, want %q in\n%s%s", strings.Join(tc.args, " "), code, tc.want, out, errOut)
		}
	}
	out, _, _ := runStatus(t, "credit", "ecl", "--pd", "0.03,0.03,0.03,0.04,0.04", "--lgd", "0.8", "--ead", "100000,82926,64500,44627,23164",
		"--eir", "0.0792644", "--json")
	if !strings.Contains(out, `"ecl_lifetime": 6722.4`) {
		t.Errorf("lifetime ECL: %s", out)
	}
	if _, errOut, code := runStatus(t, "credit", "irb", "--pd", "2"); code != 1 || errOut == "" {
		t.Errorf("a PD of 2: exit %d %q", code, errOut)
	}
}
