package crop

import (
	"fmt"
	"math"
	"sort"
	"time"

	gt "groundtruth"
)

// Observation is a field's statistics in one scene.
type Observation struct {
	At    time.Time `json:"at"`
	Scene string    `json:"scene,omitempty"`
	Stats
}

// Policy holds the thresholds of the crop signals and of crop trust. DefaultPolicy
// documents each default.
type Policy struct {
	MinValid    int           // an observation needs this many Clear pixels: 5
	MaxCloud    float64       // ... and at most this cloud fraction: 0.5
	Vegetated   float64       // mean NDVI of a crop canopy: 0.45
	BareSoil    float64       // mean NDVI of bare soil or stubble: 0.30
	Emergence   time.Duration // a crop sown by planting_by shows a canopy this long after: 45 days
	MinObs      int           // not_planted needs this many usable observations since planting_by: 2
	StressZ     float64       // crop_stress: this many robust deviations below the peers' median: 3
	StressRatio float64       // ... and below this share of it: 0.75
	StressOwn   float64       // ... or this far below the field's own curve at the same time of year: 0.2
	HarvestDrop float64       // early_harvest: a fall from Vegetated to below this: 0.35
	EarlyBy     time.Duration // ... this long or more before harvest_from: 21 days
	Fresh       time.Duration // full trust while the last usable observation is this recent: 20 days
	Stale       time.Duration // trust falls linearly to MinTrust at this age: 60 days
	MinTrust    float64       // 0.5
}

// DefaultPolicy returns the default thresholds. They are house defaults for temperate
// field crops seen by Sentinel-2 and Landsat: bare soil and stubble read NDVI 0.1-0.3,
// a closed crop canopy 0.6-0.9 (Tucker 1979; the Sentinel-2 parcels of the test data
// here: cultivated land peaks at 0.7-0.85). The emergence time and the revisit-based
// freshness (Sentinel-2 every 5 days, so 20 days is four missed passes) are to be
// reviewed per region and crop.
func DefaultPolicy() Policy {
	return Policy{MinValid: 5, MaxCloud: 0.5, Vegetated: 0.45, BareSoil: 0.30, Emergence: 45 * 24 * time.Hour,
		MinObs: 2, StressZ: 3, StressRatio: 0.75, StressOwn: 0.2, HarvestDrop: 0.35, EarlyBy: 21 * 24 * time.Hour,
		Fresh: 20 * 24 * time.Hour, Stale: 60 * 24 * time.Hour, MinTrust: 0.5}
}

// Usable reports whether an observation says something about the crop: enough Clear
// pixels and not too cloudy. A cloud-blocked scene is not usable: it lowers trust (by
// ageing the last usable one) instead of raising an alarm.
func (p Policy) Usable(o Observation) bool {
	return o.Valid >= p.MinValid && o.CloudFraction() <= p.MaxCloud
}

// sortObs returns the observations in time order.
func sortObs(obs []Observation) []Observation {
	s := append([]Observation(nil), obs...)
	sort.SliceStable(s, func(i, j int) bool { return s[i].At.Before(s[j].At) })
	return s
}

// NotPlanted judges a field at now: true when Emergence has passed since plantingBy, at
// least MinObs usable observations were taken since plantingBy, and none of them shows a
// canopy (mean NDVI at or above Vegetated). The detail names the highest NDVI seen.
func (p Policy) NotPlanted(obs []Observation, plantingBy, now time.Time) (bool, string) {
	if now.Before(plantingBy.Add(p.Emergence)) {
		return false, ""
	}
	n, peak := 0, math.Inf(-1)
	for _, o := range obs {
		if o.At.Before(plantingBy) || o.At.After(now) || !p.Usable(o) {
			continue
		}
		n++
		peak = math.Max(peak, o.Mean)
	}
	if n < p.MinObs || peak >= p.Vegetated {
		return false, ""
	}
	return true, fmt.Sprintf("%d clear scenes since planting was due (%s), highest mean NDVI %.2f, below the %.2f of a crop canopy",
		n, plantingBy.Format(time.DateOnly), peak, p.Vegetated)
}

// StressVsPeers compares a field with the peer fields of the same crop in the same
// scene: stressed when its mean NDVI is StressZ robust deviations (1.4826 x the median
// absolute deviation) below the peers' median and below StressRatio of it. Needs three
// usable peers; returns the robust z-score.
func (p Policy) StressVsPeers(field Observation, peers []Observation) (bool, float64) {
	var xs []float64
	for _, o := range peers {
		if p.Usable(o) {
			xs = append(xs, o.Mean)
		}
	}
	if len(xs) < 3 || !p.Usable(field) {
		return false, 0
	}
	med := median(xs)
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - med)
	}
	mad := 1.4826 * median(dev)
	mad = math.Max(mad, 0.02) // peers that agree closely: one NDVI step of a sensor
	z := (field.Mean - med) / mad
	return z <= -p.StressZ && field.Mean < p.StressRatio*med, z
}

// StressVsOwn compares an observation with the field's own curve of earlier seasons at
// the same time of year (observations within 15 days of the same day of the year):
// stressed when it is StressOwn below their mean. Needs two such observations.
func (p Policy) StressVsOwn(o Observation, history []Observation) (bool, float64) {
	if !p.Usable(o) {
		return false, 0
	}
	var xs []float64
	for _, h := range history {
		if !p.Usable(h) || o.At.Sub(h.At) < 300*24*time.Hour {
			continue
		}
		d := math.Abs(float64(h.At.YearDay() - o.At.YearDay()))
		if math.Min(d, 365-d) <= 15 {
			xs = append(xs, h.Mean)
		}
	}
	if len(xs) < 2 {
		return false, 0
	}
	m := 0.0
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	return o.Mean < m-p.StressOwn, o.Mean - m
}

// EarlyHarvest is true when, after the field showed a canopy, two usable observations
// in a row at least EarlyBy before harvestFrom read below HarvestDrop: the crop is gone
// before it can be ripe. One low scene alone is not enough: haze and the edges of clouds
// that the mask missed read low too.
func (p Policy) EarlyHarvest(obs []Observation, harvestFrom, now time.Time) (bool, string) {
	canopy := false
	var low *Observation
	for _, o := range sortObs(obs) {
		if o.At.After(now) || !p.Usable(o) {
			continue
		}
		switch {
		case o.Mean >= p.Vegetated:
			canopy, low = true, nil
		case canopy && o.Mean < p.HarvestDrop && !o.At.After(harvestFrom.Add(-p.EarlyBy)):
			if low != nil {
				return true, fmt.Sprintf("mean NDVI fell to %.2f on %s and stayed low (%.2f on %s), %d days before harvest may start",
					low.Mean, low.At.Format(time.DateOnly), o.Mean, o.At.Format(time.DateOnly), int(harvestFrom.Sub(low.At).Hours()/24))
			}
			o := o
			low = &o
		default:
			low = nil
		}
	}
	return false, ""
}

// Trust returns the trust of a field's satellite evidence at now and why: 1 while the
// last usable observation is at most Fresh old, falling linearly to MinTrust at Stale
// and staying there; "no_clear_scene" (MinTrust) when there is none.
func (p Policy) Trust(obs []Observation, now time.Time) (float64, string) {
	var last time.Time
	for _, o := range obs {
		if p.Usable(o) && !o.At.After(now) && o.At.After(last) {
			last = o.At
		}
	}
	if last.IsZero() {
		return p.MinTrust, "no_clear_scene"
	}
	age := now.Sub(last)
	switch {
	case age <= p.Fresh:
		return 1, "satellite"
	case age >= p.Stale:
		return p.MinTrust, "clouded"
	}
	f := float64(age-p.Fresh) / float64(p.Stale-p.Fresh)
	return 1 - f*(1-p.MinTrust), "clouded"
}

// Peak returns the highest mean NDVI of the usable observations in [from, to], and false
// when there is none.
func (p Policy) Peak(obs []Observation, from, to time.Time) (float64, bool) {
	peak, ok := math.Inf(-1), false
	for _, o := range obs {
		if o.At.Before(from) || o.At.After(to) || !p.Usable(o) {
			continue
		}
		peak, ok = math.Max(peak, o.Mean), true
	}
	return peak, ok
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// TenantPolicy returns the default thresholds with a tenant's own in their place (nil:
// the defaults). The tenant's thresholds are assumed valid (gt.Policy.Validate).
func TenantPolicy(t *gt.CropPolicy) Policy {
	p := DefaultPolicy()
	if t == nil {
		return p
	}
	for _, f := range []struct {
		dst *float64
		src *float64
	}{
		{&p.Vegetated, t.Vegetated}, {&p.BareSoil, t.BareSoil}, {&p.StressZ, t.StressZ}, {&p.StressRatio, t.StressRatio},
		{&p.StressOwn, t.StressOwn}, {&p.HarvestDrop, t.HarvestDrop}, {&p.MaxCloud, t.MaxCloud},
	} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if t.Emergence != nil {
		p.Emergence = t.Emergence.Std()
	}
	if t.EarlyBy != nil {
		p.EarlyBy = t.EarlyBy.Std()
	}
	return p
}

// Effective returns the thresholds a tenant can set, every one filled in: what GET
// /api/v1/policy shows as in effect.
func (p Policy) Effective() *gt.CropPolicy {
	f := func(v float64) *float64 { return &v }
	d := func(v time.Duration) *gt.Duration { x := gt.Duration(v); return &x }
	return &gt.CropPolicy{Emergence: d(p.Emergence), Vegetated: f(p.Vegetated), BareSoil: f(p.BareSoil), StressZ: f(p.StressZ),
		StressRatio: f(p.StressRatio), StressOwn: f(p.StressOwn), HarvestDrop: f(p.HarvestDrop), EarlyBy: d(p.EarlyBy),
		MaxCloud: f(p.MaxCloud)}
}
