package groundtruth

import (
	"maps"
	"math"
	"slices"
	"time"
)

// EventPolicyPut sets a tenant's risk policy (SPEC §5.3, §6.2-§6.5). Data: Policy.
const EventPolicyPut EventType = "policy.put"

// Policy is a tenant's risk policy: the parameters of trust, valuation, bands and the
// detectors that SPEC §6 leaves to the lender, and whether its devices must sign. A field
// left out keeps the engine's default (GET /api/v1/policy shows the values in effect).
type Policy struct {
	RequireSignatures bool `json:"require_signatures,omitempty" doc:"Refuse unsigned packs from the tenant's devices (SPEC §5.3): reason signature_required."`
	// Trust (SPEC §6.2).
	UnsignedTrustCap *float64  `json:"unsigned_trust_cap,omitempty" doc:"Highest trust of unsigned data, 0 to 1 (default 0.8)."`
	StaleFactor      *float64  `json:"stale_factor,omitempty" doc:"Data is stale after this many reporting intervals, 1 to 100 (default 3)."`
	BlindAfter       *Duration `json:"blind_after,omitempty" doc:"No data for this long: trust 0 and collateral_blind, 1h to 720h (default 24h)."`
	// Valuation (SPEC §6.3).
	HaircutFloors   map[CollateralKind]float64 `json:"haircut_floors,omitempty" doc:"Floor haircut by collateral kind, 0 to 1."`
	LiquidationDays map[CollateralKind]float64 `json:"liquidation_days,omitempty" doc:"Days to liquidate by collateral kind, for the volatility haircut, 1 to 365."`
	// Bands (SPEC §6.4).
	Hysteresis *float64 `json:"hysteresis,omitempty" doc:"A band clears only this far below its threshold, 0 to 0.2 (default 0.02)."`
	// Detectors (SPEC §6.5).
	DisagreementK    *float64  `json:"disagreement_k,omitempty" doc:"Sources disagree beyond K combined standard deviations, 1 to 20 (default 3)."`
	OutflowTolerance *float64  `json:"outflow_tolerance,omitempty" doc:"unauthorized_outflow when observed is below book by more than this fraction, 0 to 0.5 (default 0.02)."`
	OutflowDwell     *Duration `json:"outflow_dwell,omitempty" doc:"... for longer than this, 0 to 24h (default 15m)."`
	PriceShockK      *float64  `json:"price_shock_k,omitempty" doc:"price_shock when a daily move exceeds K sigmas, 1 to 20 (default 4)."`
	// Crop thresholds of the satellite signals (SPEC §7).
	Crop *CropPolicy `json:"crop,omitempty"`
}

// CropPolicy are a tenant's thresholds for its crop fields' satellite signals; a field
// left out keeps the default (docs/satellite.md).
type CropPolicy struct {
	Emergence   *Duration `json:"emergence,omitempty" doc:"A crop sown by planting_by shows a canopy this long after; not_planted is judged then, 7 to 180 days (default 1080h = 45 days)."`
	Vegetated   *float64  `json:"vegetated,omitempty" doc:"Mean NDVI of a crop canopy, 0.2 to 0.9 (default 0.45)."`
	BareSoil    *float64  `json:"bare_soil,omitempty" doc:"Mean NDVI of bare soil or stubble, 0.05 to 0.6 (default 0.30)."`
	StressZ     *float64  `json:"stress_z,omitempty" doc:"crop_stress: robust deviations below the peers' median, 1 to 10 (default 3)."`
	StressRatio *float64  `json:"stress_ratio,omitempty" doc:"... and below this share of it, 0.1 to 1 (default 0.75)."`
	StressOwn   *float64  `json:"stress_own,omitempty" doc:"... or this far below the field's own curve, 0.05 to 0.8 (default 0.2)."`
	HarvestDrop *float64  `json:"harvest_drop,omitempty" doc:"early_harvest: a fall from the canopy to below this NDVI, 0.05 to 0.8 (default 0.35)."`
	EarlyBy     *Duration `json:"early_by,omitempty" doc:"... this long or more before harvest_from, 1 to 120 days (default 504h = 21 days)."`
	MaxCloud    *float64  `json:"max_cloud,omitempty" doc:"A scene counts when at most this share of the field is cloud, 0 to 1 (default 0.5)."`
}

// validate checks the crop thresholds' ranges, naming the field under crop.
func (c *CropPolicy) validate() error {
	for _, f := range []struct {
		name     string
		v        *float64
		min, max float64
	}{
		{"vegetated", c.Vegetated, 0.2, 0.9}, {"bare_soil", c.BareSoil, 0.05, 0.6}, {"stress_z", c.StressZ, 1, 10},
		{"stress_ratio", c.StressRatio, 0.1, 1}, {"stress_own", c.StressOwn, 0.05, 0.8}, {"harvest_drop", c.HarvestDrop, 0.05, 0.8},
		{"max_cloud", c.MaxCloud, 0, 1},
	} {
		if f.v != nil && !inRange(*f.v, f.min, f.max) {
			return FieldErrorf("crop."+f.name, "must be from %g to %g", f.min, f.max)
		}
	}
	day := 24 * time.Hour
	for _, f := range []struct {
		name     string
		v        *Duration
		min, max time.Duration
	}{{"emergence", c.Emergence, 7 * day, 180 * day}, {"early_by", c.EarlyBy, day, 120 * day}} {
		if f.v != nil && (f.v.Std() < f.min || f.v.Std() > f.max) {
			return FieldErrorf("crop."+f.name, "must be from %s to %s", f.min, f.max)
		}
	}
	if c.Vegetated != nil && c.BareSoil != nil && *c.BareSoil >= *c.Vegetated {
		return FieldErrorf("crop.bare_soil", "must be below crop.vegetated")
	}
	return nil
}

// CollateralKinds lists the collateral kinds.
var CollateralKinds = []CollateralKind{KindInventoryLot, KindVehicle, KindLivestock, KindCropField, KindReceivable}

// Validate checks every parameter against its range, naming the field of the first one
// out of range.
func (p *Policy) Validate() error {
	for _, f := range []struct {
		name     string
		v        *float64
		min, max float64
	}{
		{"unsigned_trust_cap", p.UnsignedTrustCap, 0, 1},
		{"stale_factor", p.StaleFactor, 1, 100},
		{"hysteresis", p.Hysteresis, 0, 0.2},
		{"disagreement_k", p.DisagreementK, 1, 20},
		{"outflow_tolerance", p.OutflowTolerance, 0, 0.5},
		{"price_shock_k", p.PriceShockK, 1, 20},
	} {
		if f.v != nil && !inRange(*f.v, f.min, f.max) {
			return FieldErrorf(f.name, "must be from %g to %g", f.min, f.max)
		}
	}
	for _, f := range []struct {
		name     string
		v        *Duration
		min, max time.Duration
	}{
		{"blind_after", p.BlindAfter, time.Hour, 720 * time.Hour},
		{"outflow_dwell", p.OutflowDwell, 0, 24 * time.Hour},
	} {
		if f.v != nil && (f.v.Std() < f.min || f.v.Std() > f.max) {
			return FieldErrorf(f.name, "must be from %s to %s", f.min, f.max)
		}
	}
	for _, m := range []struct {
		name     string
		v        map[CollateralKind]float64
		min, max float64
	}{{"haircut_floors", p.HaircutFloors, 0, 1}, {"liquidation_days", p.LiquidationDays, 1, 365}} {
		for _, k := range slices.Sorted(maps.Keys(m.v)) {
			if !slices.Contains(CollateralKinds, k) {
				return FieldErrorf(m.name+"."+string(k), "is not a collateral kind")
			}
			if !inRange(m.v[k], m.min, m.max) {
				return FieldErrorf(m.name+"."+string(k), "must be from %g to %g", m.min, m.max)
			}
		}
	}
	if p.Crop != nil {
		return p.Crop.validate()
	}
	return nil
}

func inRange(v, lo, hi float64) bool { return !math.IsNaN(v) && v >= lo && v <= hi }
