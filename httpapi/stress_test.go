package httpapi_test

import (
	"encoding/json"
	"testing"
)

// TestStress: a 30% copper fall moves a copper loan drawn at 62% LTV to 89% (margin
// call) and leaves a nickel loan alone; nothing is recorded.
func TestStress(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("bank-a")
	h.must(200, "POST", "/api/v1/prices", a, map[string]any{"ticks": []map[string]any{
		{"commodity": "copper", "at": "2026-01-02T00:00:00Z", "unit": "t", "source": "t", "price": map[string]any{"amount": 1000000, "currency": "USD"}},
		{"commodity": "nickel", "at": "2026-01-02T00:00:00Z", "unit": "t", "source": "t", "price": map[string]any{"amount": 2000000, "currency": "USD"}}}})
	lot := func(id, loan, commodity string) map[string]any {
		return map[string]any{"id": id, "kind": "inventory_lot", "allocations": []map[string]any{{"loan_id": loan, "share": 1}},
			"inventory": map[string]any{"commodity": commodity, "quantity": 100, "unit": "t", "site_id": "wh", "receipt_no": id}}
	}
	loan := func(id string, amount int) map[string]any {
		return map[string]any{"id": id, "borrower_id": "b", "product": "inventory", "principal": map[string]any{"amount": amount, "currency": "USD"},
			"start_date": "2026-01-01T00:00:00Z", "maturity_date": "2030-01-01T00:00:00Z", "pd": 0.01}
	}
	// Not monitored: valued at the book x (1 - 0.15) x 0.8 = 68% of the price.
	h.must(200, "POST", "/api/v1/records", a, map[string]any{
		"parties":    []map[string]any{{"id": "b", "name": "B", "roles": []string{"borrower"}}},
		"sites":      []map[string]any{{"id": "wh", "name": "WH", "kind": "warehouse", "boundary": square(120.31, 36.08, 0.002)}},
		"loans":      []map[string]any{loan("cu", 42_160_000), loan("ni", 80_000_000)}, // 62% of 680,000.00; 59% of 1,360,000.00
		"collateral": []map[string]any{lot("lot-cu", "cu", "copper"), lot("lot-ni", "ni", "nickel")},
	})
	var res struct {
		Loans, Affected int
		Changed         []struct {
			LoanID     string                 `json:"loan_id"`
			LTVAfter   *float64               `json:"ltv_after"`
			BandAfter  string                 `json:"band_after"`
			BandBefore string                 `json:"band_before"`
			ELBefore   struct{ Amount int64 } `json:"el_before"`
			ELAfter    struct{ Amount int64 } `json:"el_after"`
		}
		ELChange  []struct{ Amount int64 } `json:"el_change"`
		RWAChange []struct{ Amount int64 } `json:"rwa_change"`
		ByBand    map[string]int           `json:"by_band_after"`
		VaRBefore []struct{ Amount int64 } `json:"credit_var_before"`
		VaRAfter  []struct{ Amount int64 } `json:"credit_var_after"`
	}
	body := h.must(200, "POST", "/api/v1/portfolio/stress", a, map[string]any{"shocks": map[string]any{"copper": -0.3}}).body
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	if res.Loans != 2 || res.Affected != 1 || len(res.Changed) != 1 || res.Changed[0].LoanID != "cu" || res.Changed[0].BandBefore != "healthy" ||
		res.Changed[0].BandAfter != "margin_call" || *res.Changed[0].LTVAfter < 0.885 || *res.Changed[0].LTVAfter > 0.886 {
		t.Fatalf("stress = %s", body)
	}
	// Less collateral value, more of the loan unsecured: a higher LGD*, so more EL and RWA.
	if c := res.Changed[0]; c.ELAfter.Amount <= c.ELBefore.Amount || len(res.ELChange) != 1 || res.ELChange[0].Amount <= 0 ||
		len(res.RWAChange) != 1 || res.RWAChange[0].Amount <= 0 {
		t.Errorf("EL %d -> %d, portfolio EL change %v, RWA change %v; want increases", c.ELBefore.Amount, c.ELAfter.Amount, res.ELChange, res.RWAChange)
	}
	if len(res.VaRBefore) != 1 || len(res.VaRAfter) != 1 || res.VaRBefore[0].Amount <= 0 || res.VaRAfter[0].Amount <= res.VaRBefore[0].Amount {
		t.Errorf("credit VaR %v -> %v; want an increase", res.VaRBefore, res.VaRAfter)
	}
	if loc, _ := h.must(422, "POST", "/api/v1/portfolio/stress", a, map[string]any{"shocks": map[string]any{"copper": -2}}).problem(t); loc != "body.shocks.copper" {
		t.Errorf("a shock below -100%%: location %q", loc)
	}
	// Nothing recorded: the loan is still healthy.
	if r := h.must(200, "GET", "/api/v1/loans/cu/risk", a, nil).json(t); r["risk"].(map[string]any)["band"] != "healthy" {
		t.Errorf("after the stress the loan is %v", r["risk"])
	}
}
