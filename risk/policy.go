package risk

import (
	"maps"
	"time"

	gt "groundtruth"
)

// Policy holds the tenant-tunable parameters of the risk engine (SPEC §6.1–6.5).
// DefaultPolicy documents every default and where it comes from. Ratios are fractions
// (0.02 = 2% or 2 LTV points).
type Policy struct {
	Floors           map[gt.CollateralKind]float64 // supervisory floor haircut by collateral kind
	LiquidationDays  map[gt.CollateralKind]float64 // days needed to liquidate, for the volatility haircut
	UnsignedTrustCap float64                       // highest trust of unsigned data: 0.8
	StaleFactor      float64                       // stale_after = StaleFactor x reporting interval: 3
	BlindAfter       time.Duration                 // no data for this long: trust 0, collateral_blind: 24h
	Hysteresis       float64                       // a band clears only this far below its threshold: 0.02
	DisagreementK    float64                       // sources disagree when |a-b| > K*sqrt(sa^2+sb^2): 3
	OutflowTolerance float64                       // unauthorized_outflow when O < B by more than this fraction of B: 0.02
	OutflowDwell     time.Duration                 // ... for longer than this: 15m
	PriceShockK      float64                       // price_shock when a daily move exceeds K sigmas: 4
}

// Default floors, by collateral kind. Only the receivable floor is a Basel number; the
// others are house defaults chosen for this engine, to be reviewed per tenant.
var defaultFloors = map[gt.CollateralKind]float64{
	// Commodity inventory: house default 0.15. It equals the 15% supervisory haircut for
	// gold of the Basel II comprehensive approach (10-business-day holding period); the
	// revised Basel III table (CRE22.49) is higher, so it is not conservative against
	// supervisory numbers. Over 10 liquidation days the volatility haircut exceeds it
	// when daily sigma is above 0.15/(Z99*sqrt(10)) = 2.04%; base metals usually sit
	// below that (copper about 1.3%), so for them this floor is the haircut.
	gt.KindInventoryLot: 0.15,
	// Vehicles and equipment: house default 0.25, on top of the depreciation schedule.
	// Below the 40% F-IRB haircut for "other physical collateral" (CRE32).
	gt.KindVehicle: 0.25,
	// Livestock: house default 0.30 (mortality, disease and forced-sale discounts).
	// Below the 40% F-IRB haircut for "other physical collateral" (CRE32).
	gt.KindLivestock: 0.30,
	// Standing crops: house default 0.40, set equal to the 40% F-IRB haircut for "other
	// physical collateral" (CRE32), which it resembles most (yield and harvest risk).
	gt.KindCropField: 0.40,
	// Receivables: the 40% haircut of Basel III F-IRB for eligible receivables (CRE32).
	// It applies once the buyer has confirmed; unconfirmed receivables get no value.
	gt.KindReceivable: 0.40,
}

// Default liquidation days, by collateral kind: house defaults for the time to sell the
// collateral after a default, used as the horizon of the volatility haircut.
var defaultLiquidationDays = map[gt.CollateralKind]float64{
	gt.KindInventoryLot: 10, // the Basel 10-business-day holding period of the supervisory haircuts
	gt.KindVehicle:      30, // dealer or auction sale
	gt.KindLivestock:    20, // sale through a livestock market
	gt.KindCropField:    60, // until harvest and sale of the crop
	gt.KindReceivable:   90, // collection from the buyer
}

// DefaultPolicy returns the default policy; its maps are fresh copies the caller may
// change.
//
// UnsignedTrustCap 0.8, StaleFactor 3, BlindAfter 24h and Hysteresis 0.02 are the defaults
// of SPEC §6.2 and §6.4; DisagreementK 3 flags differences beyond three combined standard
// deviations; OutflowTolerance 0.02 and OutflowDwell 15m, and PriceShockK 4, are house
// defaults for the §6.5 detectors.
func DefaultPolicy() Policy {
	return Policy{
		Floors:           maps.Clone(defaultFloors),
		LiquidationDays:  maps.Clone(defaultLiquidationDays),
		UnsignedTrustCap: 0.8,
		StaleFactor:      3,
		BlindAfter:       24 * time.Hour,
		Hysteresis:       0.02,
		DisagreementK:    3,
		OutflowTolerance: 0.02,
		OutflowDwell:     15 * time.Minute,
		PriceShockK:      4,
	}
}

// Floor returns the floor haircut of kind k: the policy's own value when it has one, else
// the default; 1 (no lending value) for a kind neither knows.
func (p Policy) Floor(k gt.CollateralKind) float64 {
	if v, ok := p.Floors[k]; ok {
		return v
	}
	if v, ok := defaultFloors[k]; ok {
		return v
	}
	return 1
}

// Days returns the liquidation days of kind k: the policy's own value when it has one,
// else the default; 0 for a kind neither knows (whose Floor is 1 anyway).
func (p Policy) Days(k gt.CollateralKind) float64 {
	if v, ok := p.LiquidationDays[k]; ok {
		return v
	}
	return defaultLiquidationDays[k]
}

// TenantPolicy returns the default policy with a tenant's own values in place of the
// defaults (nil: the defaults). The tenant's policy is assumed valid (gt.Policy.Validate).
func TenantPolicy(t *gt.Policy) Policy {
	p := DefaultPolicy()
	if t == nil {
		return p
	}
	for _, f := range []struct {
		dst *float64
		src *float64
	}{
		{&p.UnsignedTrustCap, t.UnsignedTrustCap}, {&p.StaleFactor, t.StaleFactor}, {&p.Hysteresis, t.Hysteresis},
		{&p.DisagreementK, t.DisagreementK}, {&p.OutflowTolerance, t.OutflowTolerance}, {&p.PriceShockK, t.PriceShockK},
	} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if t.BlindAfter != nil {
		p.BlindAfter = t.BlindAfter.Std()
	}
	if t.OutflowDwell != nil {
		p.OutflowDwell = t.OutflowDwell.Std()
	}
	maps.Copy(p.Floors, t.HaircutFloors)
	maps.Copy(p.LiquidationDays, t.LiquidationDays)
	return p
}

// Effective returns the policy as a gt.Policy with every value set: what GET
// /api/v1/policy shows as in effect.
func (p Policy) Effective(requireSignatures bool) gt.Policy {
	f := func(v float64) *float64 { return &v }
	d := func(v time.Duration) *gt.Duration { x := gt.Duration(v); return &x }
	return gt.Policy{RequireSignatures: requireSignatures,
		UnsignedTrustCap: f(p.UnsignedTrustCap), StaleFactor: f(p.StaleFactor), BlindAfter: d(p.BlindAfter),
		HaircutFloors: maps.Clone(p.Floors), LiquidationDays: maps.Clone(p.LiquidationDays), Hysteresis: f(p.Hysteresis),
		DisagreementK: f(p.DisagreementK), OutflowTolerance: f(p.OutflowTolerance), OutflowDwell: d(p.OutflowDwell),
		PriceShockK: f(p.PriceShockK)}
}
