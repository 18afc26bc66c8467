package risk_test

import (
	"testing"

	gt "groundtruth"
	"groundtruth/risk"
)

func TestDefaultPolicy(t *testing.T) {
	p := risk.DefaultPolicy()
	kinds := []struct {
		k           gt.CollateralKind
		floor, days float64
	}{
		{gt.KindInventoryLot, 0.15, 10},
		{gt.KindVehicle, 0.25, 30},
		{gt.KindLivestock, 0.30, 20},
		{gt.KindCropField, 0.40, 60},
		{gt.KindReceivable, 0.40, 90},
		{"spaceship", 1, 0}, // unknown: no lending value
	}
	for _, tt := range kinds {
		if got := p.Floor(tt.k); got != tt.floor {
			t.Errorf("DefaultPolicy().Floor(%q) = %v, want %v", tt.k, got, tt.floor)
		}
		if got := p.Days(tt.k); got != tt.days {
			t.Errorf("DefaultPolicy().Days(%q) = %v, want %v", tt.k, got, tt.days)
		}
	}
	scalars := []struct {
		name      string
		got, want float64
	}{
		{"UnsignedTrustCap", p.UnsignedTrustCap, 0.8},
		{"StaleFactor", p.StaleFactor, 3},
		{"Hysteresis", p.Hysteresis, 0.02},
		{"DisagreementK", p.DisagreementK, 3},
		{"OutflowTolerance", p.OutflowTolerance, 0.02},
		{"PriceShockK", p.PriceShockK, 4},
		{"BlindAfter (hours)", p.BlindAfter.Hours(), 24},
		{"OutflowDwell (minutes)", p.OutflowDwell.Minutes(), 15},
	}
	for _, s := range scalars {
		if s.got != s.want {
			t.Errorf("DefaultPolicy().%s = %v, want %v", s.name, s.got, s.want)
		}
	}
}

func TestPolicyOverridesAndCopies(t *testing.T) {
	p := risk.DefaultPolicy()
	p.Floors[gt.KindVehicle] = 0.5
	delete(p.Floors, gt.KindLivestock)
	p.LiquidationDays = nil
	if got := p.Floor(gt.KindVehicle); got != 0.5 {
		t.Errorf("Floor(vehicle) after override = %v, want 0.5", got)
	}
	if got := p.Floor(gt.KindLivestock); got != 0.30 {
		t.Errorf("Floor(livestock) missing from the policy = %v, want the default 0.30", got)
	}
	if got := p.Days(gt.KindCropField); got != 60 {
		t.Errorf("Days(crop_field) with no map = %v, want the default 60", got)
	}
	// The change above must not leak into the next DefaultPolicy.
	if got := risk.DefaultPolicy().Floor(gt.KindVehicle); got != 0.25 {
		t.Errorf("DefaultPolicy().Floor(vehicle) after changing a copy = %v, want 0.25", got)
	}
	var zero risk.Policy
	if got := zero.Floor(gt.KindInventoryLot); got != 0.15 {
		t.Errorf("Policy{}.Floor(inventory_lot) = %v, want the default 0.15", got)
	}
}
