package httpapi_test

import (
	"encoding/json"
	"math"
	"testing"

	gt "groundtruth"
	"groundtruth/credit"
	"groundtruth/httpapi"
)

// TestSummarizeCreditReproducesAnnex5: for loans of PD 1% and LGD 45%, the 99.9% credit
// VaR of the ASRF model is the IRB capital before the maturity adjustment, so scaled by
// 12.5 and the adjustment at M = 2.5 it gives the Basel II Annex 5 risk weight, 92.32%.
func TestSummarizeCreditReproducesAnnex5(t *testing.T) {
	rho := credit.Correlation(0.01)
	usd := func(id string, ead int64, stage int, allowance int64) gt.LoanRisk {
		return gt.LoanRisk{LoanID: id, Exposure: gt.Money{Amount: ead, Currency: "USD"}, Credit: &gt.CreditRisk{
			PD: 0.01, LGD: 0.45, Correlation: rho, EAD: gt.Money{Amount: ead, Currency: "USD"}, K: 0.05,
			EL: gt.Money{Amount: ead * 45 / 10000, Currency: "USD"}, RWA: gt.Money{Amount: ead * 5 / 8, Currency: "USD"},
			Stage: stage, Allowance: gt.Money{Amount: allowance, Currency: "USD"}}}
	}
	risks := []gt.LoanRisk{
		usd("a", 100_000_000, 1, 1_000), usd("b", 300_000_000, 2, 7_000), usd("c", 600_000_000, 1, 2_000),
		{LoanID: "d", Exposure: gt.Money{Amount: 5_000_000, Currency: "EUR"}, Credit: &gt.CreditRisk{PD: 0.2, LGD: 0.35,
			Correlation: credit.Correlation(0.2), EAD: gt.Money{Amount: 5_000_000, Currency: "EUR"}, Stage: 3}},
		{LoanID: "e", Exposure: gt.Money{Amount: 9, Currency: "USD"}}, // no PD
	}
	s, err := httpapi.SummarizeCredit(risks, 0.999)
	if err != nil {
		t.Fatal(err)
	}
	if s.Loans != 4 || s.WithoutPD != 1 || s.ByStage["1"] != 2 || s.ByStage["2"] != 1 || s.ByStage["3"] != 1 || len(s.Currencies) != 2 {
		t.Fatalf("summary %+v", s)
	}
	eur, u := s.Currencies[0], s.Currencies[1]
	if eur.Currency != "EUR" || u.Currency != "USD" || u.Loans != 3 || u.EAD.Amount != 1_000_000_000 || u.EL.Amount != 4_500_000 ||
		u.Capital.Amount != 50_000_000 || u.Allowance.Amount != 10_000 || u.ByStage["1"].Amount != 3_000 || u.ByStage["2"].Amount != 7_000 {
		t.Fatalf("USD %+v", u)
	}
	b := credit.MaturitySlope(0.01)
	rw := 12.5 * float64(u.CreditVaR.Amount) / float64(u.EAD.Amount) / (1 - 1.5*b)
	if math.Abs(rw-0.9232) > 0.00005 {
		t.Errorf("risk weight from the credit VaR = %.4f%%, Annex 5 gives 92.32%%", 100*rw)
	}
	if u.LossQuantile.Amount-u.CreditVaR.Amount != u.EL.Amount {
		t.Errorf("loss quantile %d - VaR %d != EL %d", u.LossQuantile.Amount, u.CreditVaR.Amount, u.EL.Amount)
	}
	// The EUR loan alone: EAD x LGD x N((G(0.2) + sqrt(R) G(0.999)) / sqrt(1-R)) - EL.
	want := 5_000_000 * 0.35 * (credit.ConditionalPD(0.2, credit.Correlation(0.2), 0.999) - 0.2)
	if math.Abs(float64(eur.CreditVaR.Amount)-want) > 1 {
		t.Errorf("EUR VaR %d, want %.0f", eur.CreditVaR.Amount, want)
	}
	if _, err := httpapi.SummarizeCredit([]gt.LoanRisk{{Credit: &gt.CreditRisk{PD: 2}}}, 0.999); err == nil {
		t.Error("a PD of 2 was summed")
	}
}

// TestPortfolioCredit reads the credit figures of a seeded portfolio through the API:
// its sums equal the loans' own figures, and a bad confidence is a problem at its field.
func TestPortfolioCredit(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("bank-a")
	h.must(200, "POST", "/api/v1/prices", a, map[string]any{"ticks": []map[string]any{
		{"commodity": "copper", "at": "2026-01-02T00:00:00Z", "unit": "t", "source": "t", "price": map[string]any{"amount": 1000000, "currency": "USD"}}}})
	loan := func(id string, amount int, pd float64) map[string]any {
		return map[string]any{"id": id, "borrower_id": "b", "product": "inventory", "principal": map[string]any{"amount": amount, "currency": "USD"},
			"start_date": "2026-01-01T00:00:00Z", "maturity_date": "2030-01-01T00:00:00Z", "pd": pd}
	}
	lot := func(id, l string) map[string]any {
		return map[string]any{"id": id, "kind": "inventory_lot", "allocations": []map[string]any{{"loan_id": l, "share": 1}},
			"inventory": map[string]any{"commodity": "copper", "quantity": 100, "unit": "t", "site_id": "wh", "receipt_no": id}}
	}
	h.must(200, "POST", "/api/v1/records", a, map[string]any{
		"parties":    []map[string]any{{"id": "b", "name": "B", "roles": []string{"borrower"}}},
		"sites":      []map[string]any{{"id": "wh", "name": "WH", "kind": "warehouse", "boundary": square(120.31, 36.08, 0.002)}},
		"loans":      []map[string]any{loan("l1", 40_000_000, 0.01), loan("l2", 90_000_000, 0.03), {"id": "l3", "borrower_id": "b", "product": "inventory", "principal": map[string]any{"amount": 1000, "currency": "USD"}, "start_date": "2026-01-01T00:00:00Z", "maturity_date": "2027-01-01T00:00:00Z"}},
		"collateral": []map[string]any{lot("lot1", "l1"), lot("lot2", "l2")},
	})
	var el, rwa, ead int64
	for _, id := range []string{"l1", "l2"} {
		var r struct {
			Risk struct {
				Credit struct{ EL, RWA, EAD struct{ Amount int64 } }
			}
		}
		if err := json.Unmarshal(h.must(200, "GET", "/api/v1/loans/"+id+"/risk", a, nil).body, &r); err != nil {
			t.Fatal(err)
		}
		el, rwa, ead = el+r.Risk.Credit.EL.Amount, rwa+r.Risk.Credit.RWA.Amount, ead+r.Risk.Credit.EAD.Amount
	}
	var s httpapi.CreditSummary
	body := h.must(200, "GET", "/api/v1/portfolio/credit", a, nil).body
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatal(err)
	}
	if s.Loans != 2 || s.WithoutPD != 1 || s.ByStage["1"] != 2 || len(s.Currencies) != 1 || el == 0 {
		t.Fatalf("credit = %s", body)
	}
	c := s.Currencies[0]
	if c.EL.Amount != el || c.RWA.Amount != rwa || c.EAD.Amount != ead || c.CreditVaR.Amount <= 0 || c.LossQuantile.Amount != c.CreditVaR.Amount+el {
		t.Errorf("USD %+v; the loans sum to EL %d, RWA %d, EAD %d", c, el, rwa, ead)
	}
	var s95 httpapi.CreditSummary
	if err := json.Unmarshal(h.must(200, "GET", "/api/v1/portfolio/credit?confidence=0.95", a, nil).body, &s95); err != nil {
		t.Fatal(err)
	}
	if v := s95.Currencies[0].CreditVaR.Amount; v <= 0 || v >= c.CreditVaR.Amount {
		t.Errorf("95%% VaR %d, 99.9%% VaR %d: want 0 < the first < the second", v, c.CreditVaR.Amount)
	}
	if loc, _ := h.must(422, "GET", "/api/v1/portfolio/credit?confidence=1", a, nil).problem(t); loc != "query.confidence" {
		t.Errorf("confidence 1: location %q", loc)
	}
	// Another tenant sees none of it.
	b := h.tenant("bank-b")
	var sb httpapi.CreditSummary
	if err := json.Unmarshal(h.must(200, "GET", "/api/v1/portfolio/credit", b, nil).body, &sb); err != nil || sb.Loans != 0 || len(sb.Currencies) != 0 {
		t.Errorf("bank-b sees %+v (%v)", sb, err)
	}
}

// TestSetLoanPDs: an analyst sets two loans' PDs; nothing else on them changes, their
// credit figures appear; an unknown loan refuses the whole request at its item; a PD of
// 0 is refused at its field; an auditor may not.
func TestSetLoanPDs(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("bank-a")
	loan := func(id string, amount int) map[string]any {
		return map[string]any{"id": id, "borrower_id": "b", "product": "inventory", "principal": map[string]any{"amount": amount, "currency": "USD"},
			"outstanding": map[string]any{"amount": amount / 2, "currency": "USD"},
			"start_date":  "2026-01-01T00:00:00Z", "maturity_date": "2030-01-01T00:00:00Z"}
	}
	h.must(200, "POST", "/api/v1/records", a, map[string]any{
		"parties": []map[string]any{{"id": "b", "name": "B", "roles": []string{"borrower"}}},
		"loans":   []map[string]any{loan("l1", 1_000_000), loan("l2", 2_000_000)},
	})
	analyst, _ := h.key(a, "analyst")
	h.must(200, "POST", "/api/v1/loans/pd", analyst, map[string]any{"items": []any{
		map[string]any{"loan_id": "l1", "pd": 0.02, "pd_at_origination": 0.01}, map[string]any{"loan_id": "l2", "pd": 0.05}}})
	l1 := h.must(200, "GET", "/api/v1/loans/l1", a, nil).json(t)
	if l1["pd"] != 0.02 || l1["pd_at_origination"] != 0.01 || l1["outstanding"].(map[string]any)["amount"] != 500_000.0 {
		t.Errorf("l1 = %v, want pd 0.02, at origination 0.01, outstanding kept", l1)
	}
	if l2 := h.must(200, "GET", "/api/v1/loans/l2", a, nil).json(t); l2["pd"] != 0.05 || l2["pd_at_origination"] != nil {
		t.Errorf("l2 = %v", l2)
	}
	if r := h.must(200, "GET", "/api/v1/loans/l1/risk", a, nil).json(t); r["risk"].(map[string]any)["credit"] == nil {
		t.Errorf("l1 has no credit figures after its PD was set: %v", r)
	}
	if loc, _ := h.must(404, "POST", "/api/v1/loans/pd", analyst, map[string]any{"items": []any{
		map[string]any{"loan_id": "l1", "pd": 0.5}, map[string]any{"loan_id": "nope", "pd": 0.5}}}).problem(t); loc != "body.items[1].loan_id" {
		t.Errorf("an unknown loan: location %q", loc)
	}
	if l1 := h.must(200, "GET", "/api/v1/loans/l1", a, nil).json(t); l1["pd"] != 0.02 {
		t.Errorf("a refused request changed l1's PD to %v", l1["pd"])
	}
	if loc, _ := h.must(422, "POST", "/api/v1/loans/pd", analyst, map[string]any{"items": []any{map[string]any{"loan_id": "l1", "pd": 0}}}).problem(t); loc != "body.items[0].pd" {
		t.Errorf("pd 0: location %q", loc)
	}
	auditor, _ := h.key(a, "auditor")
	h.must(403, "POST", "/api/v1/loans/pd", auditor, map[string]any{"items": []any{map[string]any{"loan_id": "l1", "pd": 0.5}}})
}
