package engine_test

import (
	"math"
	"testing"
	"time"

	gt "groundtruth"
)

// cropRecords is bank-a's maize financing: a farmer's loan of 60,000.00 USD against
// three maize fields of 10 ha each, to be planted by 1 May 2026 and harvested from 15
// September.
func cropRecords() gt.Records {
	field := func(id string, lon float64) gt.Collateral {
		return gt.Collateral{ID: id, Kind: gt.KindCropField, Allocations: []gt.Allocation{{LoanID: "crop-loan", Share: 1}},
			Crop: &gt.CropField{Field: square(lon, 45.87, 0.004), Crop: "maize", AreaHa: 10, Season: "2026",
				PlantingBy: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), HarvestFrom: time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC)}}
	}
	return gt.Records{
		Parties: []gt.Party{{ID: "farmer", Name: "Farmer", Roles: []gt.PartyRole{"borrower"}}},
		Loans: []gt.Loan{{ID: "crop-loan", BorrowerID: "farmer", Product: gt.ProductCrop, Principal: gt.Money{Amount: 6_000_000, Currency: "USD"},
			StartDate: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), MaturityDate: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}},
		Collateral: []gt.Collateral{field("field-a", 14.56), field("field-b", 14.57), field("field-c", 14.58), field("field-d", 14.59)},
	}
}

// scene is one scene's statistics: the mean NDVI of each field (clear), or cloud.
func (r *rig) scene(id string, means map[string]float64, clouded ...string) *gt.Changes {
	r.t.Helper()
	s := gt.SceneStats{Scene: id, Acquired: r.now, Source: "test"}
	for _, f := range []string{"field-a", "field-b", "field-c", "field-d"} {
		fs := gt.FieldStats{CollateralID: f, Pixels: 400, Valid: 400, Mean: means[f], P10: means[f], P50: means[f], P90: means[f]}
		for _, c := range clouded {
			if c == f {
				fs.Valid, fs.Cloud, fs.Mean, fs.P10, fs.P50, fs.P90 = 0, 400, 0, 0, 0, 0
			}
		}
		s.Fields = append(s.Fields, fs)
	}
	return r.do(gt.EventSceneStats, "bank-a", s)
}

func TestCropFieldsFromScenes(t *testing.T) {
	r := newRig(t, "bank-a")
	r.now = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	r.price("maize", 200_00) // 200.00 USD/t
	r.records(cropRecords())
	// Before the canopy is due: the expected yield of a normal season, 10 ha x 9.475 t/ha
	// at 200 USD/t, less the 40% floor haircut of crop fields: 11,370.00 USD per field.
	v := r.valuation("bank-a", "field-a")
	if v.TrustReason != "awaiting_satellite" || v.QuantitySource != "expected" || math.Abs(v.VerifiedQuantity-94.75) > 1e-9 ||
		v.Value.Amount != 1_137_000 {
		t.Fatalf("field before emergence: %s from %s, %v t, value %v", v.TrustReason, v.QuantitySource, v.VerifiedQuantity, v.Value)
	}
	// A season: a, b and c grow a canopy; d stays bare (never planted).
	days := []struct {
		day   string
		a, d  float64
		cloud bool
	}{
		{"2026-04-10", 0.22, 0.20, false}, {"2026-05-20", 0.35, 0.21, false}, {"2026-06-04", 0.55, 0.22, true},
		{"2026-06-14", 0.72, 0.21, false},
	}
	for i, d := range days {
		r.now, _ = time.Parse(time.DateOnly, d.day)
		r.now = r.now.Add(10 * time.Hour)
		means := map[string]float64{"field-a": d.a, "field-b": d.a + 0.02, "field-c": d.a - 0.01, "field-d": d.d}
		var clouded []string
		if d.cloud {
			clouded = []string{"field-a", "field-b", "field-c", "field-d"}
		}
		r.scene("S2-"+string(rune('A'+i)), means, clouded...)
	}
	// 14 June is 44 days after planting_by: not yet judged.
	if r.active("not_planted", "collateral:field-d") {
		t.Fatal("not_planted before the emergence window closed")
	}
	r.wait(36 * time.Hour) // 15 June 22:00: 45 days have passed
	if !r.active("not_planted", "collateral:field-d") || len(r.alerts("not_planted", "collateral:field-d")) != 1 {
		t.Fatal("a field bare 45 days after planting_by did not raise not_planted")
	}
	for _, f := range []string{"field-a", "field-b", "field-c"} {
		if r.active("not_planted", "collateral:"+f) {
			t.Errorf("%s with a canopy raised not_planted", f)
		}
	}
	// field-d is also far below its peers in the last clear scene.
	if !r.active("crop_stress", "collateral:field-d") || r.active("crop_stress", "collateral:field-a") {
		t.Error("crop_stress should mark the bare field against its peers, and only it")
	}
	// Valued on the season's peak: a at 0.72 -> 7.2 t/ha; d at 0.22 -> nothing.
	a, d := r.valuation("bank-a", "field-a"), r.valuation("bank-a", "field-d")
	if a.QuantitySource != "ndvi_peak" || math.Abs(a.VerifiedQuantity-10*(-5.4+17.5*0.72)) > 1e-9 || d.VerifiedQuantity != 0 {
		t.Errorf("after the season: a %v t from %s, d %v t", a.VerifiedQuantity, a.QuantitySource, d.VerifiedQuantity)
	}
	// Clouded scenes lower trust instead of raising alarms: 40 days after the last clear one.
	r.now = time.Date(2026, 7, 24, 10, 0, 0, 0, time.UTC)
	r.scene("S2-cloud", nil, "field-a", "field-b", "field-c", "field-d")
	if v := r.valuation("bank-a", "field-a"); math.Abs(v.Trust-0.75) > 1e-9 || v.TrustReason != "clouded" {
		t.Errorf("trust 40 days after the last clear scene: %v %s, want 0.75 clouded", v.Trust, v.TrustReason)
	}
	// field-a is cleared in mid-August, a month before its harvest window.
	r.now = time.Date(2026, 8, 8, 10, 0, 0, 0, time.UTC)
	r.scene("S2-cut", map[string]float64{"field-a": 0.25, "field-b": 0.8, "field-c": 0.79, "field-d": 0.2})
	if r.active("early_harvest", "collateral:field-a") {
		t.Error("one low scene raised early_harvest")
	}
	r.now = time.Date(2026, 8, 13, 10, 0, 0, 0, time.UTC)
	r.scene("S2-cut2", map[string]float64{"field-a": 0.22, "field-b": 0.8, "field-c": 0.79, "field-d": 0.2})
	if !r.active("early_harvest", "collateral:field-a") || r.active("early_harvest", "collateral:field-b") {
		t.Error("early_harvest should mark field-a, cleared 33 days before its harvest window, and only it")
	}
	// A scene naming a field that is not a crop field of the tenant is refused whole.
	if _, err := r.apply(gt.EventSceneStats, "bank-a", gt.SceneStats{Scene: "x", Acquired: r.now,
		Fields: []gt.FieldStats{{CollateralID: "nope", Pixels: 1, Valid: 1}}}); gt.ErrorCode(err) != gt.EINVALID {
		t.Errorf("a scene of an unknown field: %v", err)
	}
}

// TestCropPolicyPerTenant: a lender whose policy expects a canopy 30 days after
// planting_by hears of the unsown field on 1 June; under the default 45 days it is not
// judged yet.
func TestCropPolicyPerTenant(t *testing.T) {
	for _, tc := range []struct {
		emergence time.Duration
		want      bool
	}{{0, false}, {30 * 24 * time.Hour, true}} {
		r := newRig(t, "bank-a")
		r.now = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		r.price("maize", 200_00)
		r.records(cropRecords())
		if tc.emergence > 0 {
			e := gt.Duration(tc.emergence)
			r.do(gt.EventPolicyPut, "bank-a", gt.Policy{Crop: &gt.CropPolicy{Emergence: &e}})
		}
		for i, day := range []string{"2026-05-20", "2026-05-28"} {
			r.now, _ = time.Parse(time.DateOnly, day)
			r.now = r.now.Add(10 * time.Hour)
			r.scene("S2-"+string(rune('A'+i)), map[string]float64{"field-a": 0.5, "field-b": 0.52, "field-c": 0.49, "field-d": 0.2})
		}
		r.now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		r.do(gt.EventTick, "", nil)
		if got := r.active("not_planted", "collateral:field-d"); got != tc.want {
			t.Errorf("emergence %v: not_planted on 1 June = %v, want %v", tc.emergence, got, tc.want)
		}
	}
	// The thresholds are checked at their field.
	r := newRig(t, "bank-a")
	bad := gt.Duration(time.Hour)
	if _, err := r.apply(gt.EventPolicyPut, "bank-a", gt.Policy{Crop: &gt.CropPolicy{Emergence: &bad}}); gt.ErrorField(err) != "crop.emergence" {
		t.Errorf("an emergence of an hour: %v, want refused at crop.emergence", err)
	}
	v, b := 0.3, 0.4
	if _, err := r.apply(gt.EventPolicyPut, "bank-a", gt.Policy{Crop: &gt.CropPolicy{Vegetated: &v, BareSoil: &b}}); gt.ErrorField(err) != "crop.bare_soil" {
		t.Errorf("bare soil above the canopy: %v, want refused at crop.bare_soil", err)
	}
}
