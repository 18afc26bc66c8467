package httpapi_test

import "testing"

// FuzzRequestBodies sends arbitrary bodies to every write route: the answer is always a
// 2xx or a 4xx problem, never a 5xx or a dropped connection.
func FuzzRequestBodies(f *testing.F) {
	h := newHarness(f)
	key := h.tenant("bank-a")
	h.seed(key, "A")
	routes := []struct{ method, path string }{
		{"POST", "/api/v1/parties"}, {"POST", "/api/v1/sites"}, {"POST", "/api/v1/loans"},
		{"POST", "/api/v1/collateral"}, {"POST", "/api/v1/devices"}, {"POST", "/api/v1/releases"},
		{"PUT", "/api/v1/loans/loan-1"}, {"POST", "/api/v1/prices"}, {"POST", "/api/v1/records"},
		{"PUT", "/api/v1/devices/cell-1/public-key"}, {"POST", "/api/v1/api-keys"},
		{"PUT", "/api/v1/rules/fuzz"}, {"POST", "/api/v1/rules/check"},
	}
	for _, fx := range []string{
		`{"id":"p9","name":"x","roles":["borrower"]}`,
		`{"name":"s","kind":"yard","boundary":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}`,
		`{"borrower_id":"borrower-1","product":"inventory","principal":{"amount":1,"currency":"USD"},"start_date":"2026-01-01T00:00:00Z","maturity_date":"2026-02-01T00:00:00Z","terms":{"warn_ltv":0.5,"margin_call_ltv":0.6,"liquidation_ltv":0.7,"cure_period":"1h"}}`,
		`{"kind":"vehicle","allocations":[{"loan_id":"loan-1","share":0.5}],"vehicle":{"vin":"1HGCM82633A004352","value":{"amount":100,"currency":"USD"}}}`,
		`{"ticks":[{"commodity":"copper","at":"2020-01-01T00:00:00Z","price":{"amount":1,"currency":"USD"},"unit":"t"}]}`,
		`{"loans":[{"id":"x","borrower_id":"nobody"}]}`,
		`{"expr":"loan.ltv > 0.8 && signal.name == 'tamper'","severity":"warning","summary":"{{ loan.id }}"}`, `[]`, `null`, `{"a":1e999}`, "\x00",
	} {
		for i := range routes {
			f.Add(uint8(i), []byte(fx))
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := routes[int(route)%len(routes)]
		hh := *h
		hh.t = t
		resp := hh.do(r.method, r.path, key, body)
		if resp.status >= 500 || resp.status < 200 {
			t.Fatalf("%s %s with %q = %d %s", r.method, r.path, body, resp.status, resp.body)
		}
		if resp.status >= 400 && resp.header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s %s = %d with Content-Type %q", r.method, r.path, resp.status, resp.header.Get("Content-Type"))
		}
	})
}
