package main_test

import (
	"regexp"
	"strings"
	"testing"
)

// TestStressCommand: groundtruth stress through the running server lists the copper loan
// a 30% fall moves into margin call.
func TestStressCommand(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, data)
	out := run(t, "tenant", "create", "--data", data, "--id", "stressbank", "Stress Bank")
	key := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	api := s.base + "/api/v1"
	if c, m := call(t, "POST", api+"/prices", key, `{"ticks":[{"commodity":"copper","at":"2026-01-02T00:00:00Z","unit":"t","source":"t","price":{"amount":1000000,"currency":"USD"}}]}`); c != 200 {
		t.Fatalf("prices: %d %v", c, m)
	}
	if c, m := call(t, "POST", api+"/records", key, `{"parties":[{"id":"b","name":"B","roles":["borrower"]}],
		"sites":[{"id":"wh","name":"WH","kind":"warehouse","boundary":{"type":"Polygon","coordinates":[[[120.31,36.08],[120.312,36.08],[120.312,36.082],[120.31,36.082],[120.31,36.08]]]}}],
		"loans":[{"id":"cu","borrower_id":"b","product":"inventory","principal":{"amount":42160000,"currency":"USD"},"start_date":"2026-01-01T00:00:00Z","maturity_date":"2027-01-01T00:00:00Z","pd":0.02}],
		"collateral":[{"id":"lot","kind":"inventory_lot","allocations":[{"loan_id":"cu","share":1}],"inventory":{"commodity":"copper","quantity":100,"unit":"t","site_id":"wh"}}]}`); c != 200 {
		t.Fatalf("records: %d %v", c, m)
	}
	out, errOut, code := runStatus(t, "stress", "--data", data, "--api-key", key, "--shock", "copper=-0.3")
	if code != 0 || !strings.Contains(out, "1 loans stressed, 1 with collateral in a shocked commodity, 1 change band") ||
		!strings.Contains(out, "cu") || !strings.Contains(out, "healthy     -> margin_call LTV 88.6%") ||
		!regexp.MustCompile(`expected loss change: \d+\.\d\d USD\n`).MatchString(out) ||
		!regexp.MustCompile(`99\.9% credit VaR: \d+\.\d\d USD -> \d+\.\d\d USD\n`).MatchString(out) {
		t.Errorf("stress: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := runStatus(t, "stress", "--data", data, "--api-key", key, "--shock", "copper"); code == 0 || !strings.Contains(errOut, "commodity=change") {
		t.Errorf("a bad --shock: exit %d %s", code, errOut)
	}
}
