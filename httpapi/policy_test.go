package httpapi_test

import (
	"encoding/json"
	"testing"
)

// TestPolicy: the defaults in effect, a risk officer's policy saved and shown, bad values
// refused at their field, an auditor refused, and another tenant unaffected.
func TestPolicy(t *testing.T) {
	h := newHarness(t)
	a, b := h.tenant("bank-a"), h.tenant("bank-b")
	type view struct {
		Policy    map[string]any `json:"policy"`
		Effective struct {
			RequireSignatures bool               `json:"require_signatures"`
			UnsignedTrustCap  float64            `json:"unsigned_trust_cap"`
			BlindAfter        string             `json:"blind_after"`
			HaircutFloors     map[string]float64 `json:"haircut_floors"`
			LiquidationDays   map[string]float64 `json:"liquidation_days"`
			Hysteresis        float64            `json:"hysteresis"`
			Crop              struct {
				Emergence string  `json:"emergence"`
				Vegetated float64 `json:"vegetated"`
			} `json:"crop"`
		} `json:"effective"`
	}
	read := func(r []byte) view {
		var v view
		if err := json.Unmarshal(r, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	d := read(h.must(200, "GET", "/api/v1/policy", a, nil).body)
	if len(d.Policy) != 0 || d.Effective.UnsignedTrustCap != 0.8 || d.Effective.BlindAfter != "24h0m0s" || d.Effective.Hysteresis != 0.02 ||
		d.Effective.HaircutFloors["inventory_lot"] != 0.15 || d.Effective.HaircutFloors["receivable"] != 0.4 || d.Effective.LiquidationDays["inventory_lot"] != 10 ||
		d.Effective.Crop.Emergence != "1080h0m0s" || d.Effective.Crop.Vegetated != 0.45 {
		t.Fatalf("defaults: %+v", d)
	}
	officer, _ := h.key(a, "risk_officer")
	v := read(h.must(200, "PUT", "/api/v1/policy", officer, map[string]any{"require_signatures": true, "unsigned_trust_cap": 0.6,
		"blind_after": "6h", "haircut_floors": map[string]any{"inventory_lot": 0.2}, "crop": map[string]any{"emergence": "720h"}}).body)
	if !v.Effective.RequireSignatures || v.Effective.UnsignedTrustCap != 0.6 || v.Effective.BlindAfter != "6h0m0s" ||
		v.Effective.HaircutFloors["inventory_lot"] != 0.2 || v.Effective.HaircutFloors["vehicle"] != 0.25 || v.Policy["unsigned_trust_cap"] != 0.6 ||
		v.Effective.Crop.Emergence != "720h0m0s" || v.Effective.Crop.Vegetated != 0.45 {
		t.Errorf("saved: %+v", v)
	}
	if g := read(h.must(200, "GET", "/api/v1/policy", a, nil).body); g.Effective.UnsignedTrustCap != 0.6 {
		t.Errorf("read back: %+v", g)
	}
	for body, field := range map[string]string{
		`{"unsigned_trust_cap": 2}`:              "body.unsigned_trust_cap",
		`{"blind_after": "10m"}`:                 "body.blind_after",
		`{"haircut_floors": {"spaceship": 0.1}}`: "body.haircut_floors.spaceship",
		`{"liquidation_days": {"vehicle": 400}}`: "body.liquidation_days.vehicle",
		`{"blind_after": 3600}`:                  "body.blind_after",
	} {
		var raw map[string]any
		if err := json.Unmarshal([]byte(body), &raw); err != nil {
			t.Fatal(err)
		}
		if loc, _ := h.must(422, "PUT", "/api/v1/policy", officer, raw).problem(t); loc != field {
			t.Errorf("%s: location %q, want %s", body, loc, field)
		}
	}
	auditor, _ := h.key(a, "auditor")
	h.must(403, "PUT", "/api/v1/policy", auditor, map[string]any{})
	if g := read(h.must(200, "GET", "/api/v1/policy", auditor, nil).body); g.Effective.UnsignedTrustCap != 0.6 {
		t.Errorf("after refusals: %+v", g)
	}
	if g := read(h.must(200, "GET", "/api/v1/policy", b, nil).body); len(g.Policy) != 0 || g.Effective.UnsignedTrustCap != 0.8 {
		t.Errorf("bank-b sees %+v", g)
	}
}
