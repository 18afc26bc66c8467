package engine

import (
	"math"
	"sort"
	"strconv"
	"time"

	gt "groundtruth"
	"groundtruth/crop"
)

// cropPolicy returns the tenant's crop thresholds: its own (Tenant.Policy.Crop) over the
// defaults.
func (ts *tenantState) cropPolicy() crop.Policy {
	if ts.cpol == nil {
		var own *gt.CropPolicy
		if ts.Tenant.Policy != nil {
			own = ts.Tenant.Policy.Crop
		}
		p := crop.TenantPolicy(own)
		ts.cpol = &p
	}
	return *ts.cpol
}

// maxObservations bounds the observations kept per field: about five seasons of
// Sentinel-2 passes.
const maxObservations = 400

// cropState is the satellite history of one crop field.
type cropState struct {
	Obs []crop.Observation `json:"obs"` // in time order
}

// applySceneStats records a scene's statistics of the tenant's crop fields and judges
// each field, with the other fields of the same crop in the scene as its peers.
func (e *Engine) applySceneStats(ts *tenantState, ev *gt.Event, ch *gt.Changes) error {
	var s gt.SceneStats
	if err := decode(ev, &s); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	for i, f := range s.Fields {
		c := ts.Collateral[f.CollateralID]
		if c == nil || c.Crop == nil {
			return gt.FieldErrorf("fields["+strconv.Itoa(i)+"].collateral_id", "%q is not a crop field of this tenant", f.CollateralID)
		}
	}
	if ts.Risk.Crops == nil {
		ts.Risk.Crops = map[string]*cropState{}
	}
	x := ts.idx()
	byCrop := map[string][]crop.Observation{}
	obs := make([]crop.Observation, len(s.Fields))
	for i, f := range s.Fields {
		obs[i] = crop.Observation{At: s.Acquired.UTC(), Scene: s.Scene, Stats: crop.Stats{Pixels: f.Pixels, Valid: f.Valid,
			Cloud: f.Cloud, NoData: f.NoData, Mean: f.Mean, Std: f.Std, P10: f.P10, P50: f.P50, P90: f.P90}}
		name := ts.Collateral[f.CollateralID].Crop.Crop
		byCrop[name] = append(byCrop[name], obs[i])
	}
	for i, f := range s.Fields {
		cs := ts.Risk.Crops[f.CollateralID]
		if cs == nil {
			cs = &cropState{}
			ts.Risk.Crops[f.CollateralID] = cs
		}
		cs.add(obs[i])
		x.dirtyColl[f.CollateralID] = true
		ch.FieldObservations = append(ch.FieldObservations, gt.FieldObservation{TenantID: ts.Tenant.ID, Scene: s.Scene,
			At: s.Acquired.UTC(), Source: s.Source, FieldStats: f, Seq: ev.Seq})
		c := ts.Collateral[f.CollateralID]
		ts.cropStress(c, cs, obs[i], peersOf(byCrop[c.Crop.Crop], obs[i]))
	}
	return nil
}

// peersOf returns the observations of a scene's other fields of the same crop.
func peersOf(all []crop.Observation, self crop.Observation) []crop.Observation {
	out := make([]crop.Observation, 0, len(all))
	skipped := false
	for _, o := range all {
		if !skipped && o == self {
			skipped = true
			continue
		}
		out = append(out, o)
	}
	return out
}

// add inserts an observation in time order, replacing one of the same scene.
func (cs *cropState) add(o crop.Observation) {
	for i := range cs.Obs {
		if cs.Obs[i].Scene == o.Scene && o.Scene != "" && cs.Obs[i].At.Equal(o.At) {
			cs.Obs[i] = o
			return
		}
	}
	cs.Obs = append(cs.Obs, o)
	sort.SliceStable(cs.Obs, func(i, j int) bool { return cs.Obs[i].At.Before(cs.Obs[j].At) })
	if len(cs.Obs) > maxObservations {
		cs.Obs = append(cs.Obs[:0], cs.Obs[len(cs.Obs)-maxObservations:]...)
	}
}

// cropStress raises crop_stress when the field is well below its peers in the scene or
// below its own curve of earlier seasons, and clears it on a usable scene that is not.
func (ts *tenantState) cropStress(c *gt.Collateral, cs *cropState, o crop.Observation, peers []crop.Observation) {
	p := ts.cropPolicy()
	if !p.Usable(o) {
		return // a clouded scene says nothing
	}
	subject := "collateral:" + c.ID
	if ok, z := p.StressVsPeers(o, peers); ok {
		ts.setSignal("crop_stress", subject, true, z, "mean NDVI "+fmtNDVI(o.Mean)+" on "+o.At.Format(time.DateOnly)+
			" is "+strconv.FormatFloat(-z, 'f', 1, 64)+" robust deviations below the other "+c.Crop.Crop+" fields of the scene", gt.Evidence{})
		return
	}
	if ok, d := p.StressVsOwn(o, cs.Obs); ok {
		ts.setSignal("crop_stress", subject, true, d, "mean NDVI "+fmtNDVI(o.Mean)+" on "+o.At.Format(time.DateOnly)+
			" is "+fmtNDVI(-d)+" below the field's own earlier seasons at this time of year", gt.Evidence{})
		return
	}
	ts.setSignal("crop_stress", subject, false, 0, "in line with its peers and its own seasons", gt.Evidence{})
}

// detectCrop judges not_planted and early_harvest at now, and schedules the next
// judgement the calendar needs without a new scene.
func (ts *tenantState) detectCrop(c *gt.Collateral, now time.Time) {
	p := ts.cropPolicy()
	f := c.Crop
	subject := "collateral:" + c.ID
	var obs []crop.Observation
	if cs := ts.Risk.Crops[c.ID]; cs != nil {
		obs = cs.Obs
	}
	ok, detail := p.NotPlanted(obs, f.PlantingBy, now)
	ts.setSignal("not_planted", subject, ok, 0, detail, gt.Evidence{})
	early, d := p.EarlyHarvest(obs, f.HarvestFrom, now)
	ts.setSignal("early_harvest", subject, early, 0, d, gt.Evidence{})
	if due := f.PlantingBy.Add(p.Emergence); now.Before(due) {
		ts.setTimer("crop|"+c.ID, due)
	}
}

// cropValue values a crop field: area x expected yield (from the season's peak NDVI, or
// the crop's typical peak until the canopy is due) x price x (1 - haircut) x trust. It
// returns the gross value and its currency.
func (ts *tenantState) cropValue(c *gt.Collateral, v *gt.Valuation, now time.Time) (float64, string) {
	p := ts.cropPolicy()
	f := c.Crop
	model, _ := crop.Yield(f.Crop)
	var obs []crop.Observation
	if cs := ts.Risk.Crops[c.ID]; cs != nil {
		obs = cs.Obs
	}
	v.Unit, v.Commodity, v.SiteID = "t", f.Crop, f.SiteID
	peak := model.TypicalPeak
	switch {
	case now.Before(f.PlantingBy.Add(p.Emergence)):
		v.QuantitySource, v.TrustReason, v.Trust = "expected", "awaiting_satellite", 1
	default:
		v.Trust, v.TrustReason = p.Trust(obs, now)
		v.QuantitySource = "ndvi_peak"
		if seen, ok := p.Peak(obs, f.PlantingBy.Add(-60*24*time.Hour), now); ok {
			peak = seen
		} else {
			v.QuantitySource = "expected"
		}
	}
	v.BookQuantity = f.AreaHa * model.Expected(model.TypicalPeak)
	v.VerifiedQuantity = f.AreaHa * model.Expected(peak)
	cm := ts.Risk.Commodities[f.Crop]
	if cm == nil {
		return 0, ""
	}
	t := cm.Tick
	v.Price = &gt.PriceRef{Commodity: t.Commodity, At: t.At, Seq: t.Seq, Price: t.Price, Unit: t.Unit}
	if cm.EWMA.Ready(minReturns) {
		v.SigmaDaily = cm.EWMA.Sigma()
	}
	q, err := convertTonnes(v.VerifiedQuantity, t.Unit)
	if err != nil {
		v.Price = nil
		return 0, ""
	}
	return q * float64(t.Price.Amount), t.Price.Currency
}

// convertTonnes converts tonnes to a price's unit (t or kg).
func convertTonnes(q float64, unit string) (float64, error) {
	switch unit {
	case "t":
		return q, nil
	case "kg":
		return q * 1000, nil
	}
	return 0, gt.Errorf(gt.EINVALID, "a crop price must be per t or kg, not %q", unit)
}

func fmtNDVI(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', 2, 64) }
