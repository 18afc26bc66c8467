package engine_test

import (
	"testing"
	"time"

	gt "groundtruth"
)

func f64(v float64) *float64 { return &v }

func dur(d time.Duration) *gt.Duration { x := gt.Duration(d); return &x }

// TestTenantPolicyRevaluesAtOnce: a tenant's own floor haircut and unsigned trust cap
// revalue its lot when the policy is saved (1000 t x 8000.00 x (1 - 0.25) x 0.5), and
// the tenant record carries the policy.
func TestTenantPolicyRevaluesAtOnce(t *testing.T) {
	r := newRig(t, "bank-a")
	r.records(copperRecords())
	r.price("copper", copperUSD)
	r.now = r.now.Add(time.Minute)
	r.send(r.pack("cell-a", false, r.at("mass", 500_000/cellScale+cellTare)),
		r.pack("cell-b", false, r.at("mass", 500_000/cellScale+cellTare)))
	if v := r.valuation("bank-a", "lot-1"); v.Value.Amount != 544_000_000 || v.Trust != 0.8 {
		t.Fatalf("default policy: value %v trust %v, want 544000000 at 0.8", v.Value, v.Trust)
	}
	ch := r.do(gt.EventPolicyPut, "bank-a", gt.Policy{UnsignedTrustCap: f64(0.5), HaircutFloors: map[gt.CollateralKind]float64{gt.KindInventoryLot: 0.25}})
	v := r.valuation("bank-a", "lot-1")
	if v.Value.Amount != 300_000_000 || v.Trust != 0.5 || v.Haircut != 0.25 || v.HaircutFloor != 0.25 {
		t.Errorf("tenant policy: value %v trust %v haircut %v, want 300000000 at 0.5 and 0.25", v.Value, v.Trust, v.Haircut)
	}
	if lr := r.loanRisk("loan-1"); lr.CollateralValue.Amount != 300_000_000 {
		t.Errorf("loan value %v, want 300000000", lr.CollateralValue)
	}
	if len(ch.Tenants) != 1 || ch.Tenants[0].Policy == nil || *ch.Tenants[0].Policy.UnsignedTrustCap != 0.5 || len(ch.Valuations) != 1 {
		t.Errorf("changes: tenants %+v, %d valuations", ch.Tenants, len(ch.Valuations))
	}
	// Back to the defaults.
	r.do(gt.EventPolicyPut, "bank-a", gt.Policy{})
	if v := r.valuation("bank-a", "lot-1"); v.Value.Amount != 544_000_000 {
		t.Errorf("after clearing the policy: value %v, want 544000000", v.Value)
	}
}

// TestTenantPolicyBlindAfter: with blind_after 2h a silent lot goes blind after 2 hours,
// while another tenant's identical lot under the default 24h does not.
func TestTenantPolicyBlindAfter(t *testing.T) {
	r := newRig(t, "bank-a", "bank-b")
	r.price("copper", copperUSD)
	r.records(copperRecords())
	r.do(gt.EventRecordsCreate, "bank-b", copperRecords())
	r.now = r.now.Add(time.Minute)
	r.cells(1_000_000)
	r.do(gt.EventIngest, "bank-b", gt.IngestBatch{Items: r.cellPacks(1_000_000, false)})
	r.do(gt.EventPolicyPut, "bank-a", gt.Policy{BlindAfter: dur(2 * time.Hour)})
	r.wait(119 * time.Minute)
	if r.active("collateral_blind", "collateral:lot-1") {
		t.Fatal("blind before 2h")
	}
	r.wait(time.Minute)
	if v := r.valuation("bank-a", "lot-1"); !r.active("collateral_blind", "collateral:lot-1") || v.Trust != 0 {
		t.Errorf("after 2h: blind %v trust %v", r.active("collateral_blind", "collateral:lot-1"), v.Trust)
	}
	if v := r.valuation("bank-b", "lot-1"); v.Trust == 0 || v.TrustReason == "blind" {
		t.Errorf("bank-b's lot went blind under bank-a's policy: trust %v (%s)", v.Trust, v.TrustReason)
	}
}

// TestTenantPolicyIsValidated: a value out of range or an unknown kind is refused with
// its field, and the policy stays as it was.
func TestTenantPolicyIsValidated(t *testing.T) {
	r := newRig(t, "bank-a")
	for _, c := range []struct {
		p     gt.Policy
		field string
	}{
		{gt.Policy{UnsignedTrustCap: f64(1.5)}, "unsigned_trust_cap"},
		{gt.Policy{StaleFactor: f64(0.5)}, "stale_factor"},
		{gt.Policy{Hysteresis: f64(-0.01)}, "hysteresis"},
		{gt.Policy{BlindAfter: dur(time.Minute)}, "blind_after"},
		{gt.Policy{OutflowDwell: dur(48 * time.Hour)}, "outflow_dwell"},
		{gt.Policy{HaircutFloors: map[gt.CollateralKind]float64{"spaceship": 0.1}}, "haircut_floors.spaceship"},
		{gt.Policy{LiquidationDays: map[gt.CollateralKind]float64{gt.KindVehicle: 0}}, "liquidation_days.vehicle"},
	} {
		_, err := r.apply(gt.EventPolicyPut, "bank-a", c.p)
		if gt.ErrorCode(err) != gt.EINVALID || gt.ErrorField(err) != c.field {
			t.Errorf("%+v: %v (field %q), want EINVALID at %s", c.p, err, gt.ErrorField(err), c.field)
		}
	}
	if tn, _ := r.e.Tenant("bank-a"); tn.Policy != nil {
		t.Errorf("a refused policy was kept: %+v", tn.Policy)
	}
}
