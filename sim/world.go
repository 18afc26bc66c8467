package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	gt "groundtruth"
	"groundtruth/risk"
)

// body is the physical truth of one collateral: how much is there, where, and which
// animals.
type body struct {
	coll    *gt.Collateral
	base    float64 // quantity at the start, in the lot's unit
	flows   []flow
	density float64    // true bulk density, kg/m3 (0: the lot's)
	pos     [2]float64 // lon, lat
	present []string   // herds: tags of the animals there
}

// flow is a quantity (signed, in the lot's unit) moving evenly from at over over.
type flow struct {
	at    time.Time
	over  time.Duration
	total float64
}

// quantity returns the quantity there at t.
func (b *body) quantity(t time.Time) float64 {
	q := b.base
	for _, f := range b.flows {
		switch {
		case !t.After(f.at):
		case f.over <= 0 || t.Sub(f.at) >= f.over:
			q += f.total
		default:
			q += f.total * float64(t.Sub(f.at)) / float64(f.over)
		}
	}
	return math.Max(q, 0)
}

// newBody builds the truth of a collateral from its record, its sites and the
// scenario's physical overrides.
func newBody(c *gt.Collateral, sites map[string]*gt.Site, ph *Physical) *body {
	b := &body{coll: c}
	var fence *gt.Polygon
	switch {
	case c.Inventory != nil:
		b.base = c.Inventory.Quantity
		if s := sites[c.Inventory.SiteID]; s != nil {
			fence = &s.Boundary
		}
	case c.Vehicle != nil:
		fence = c.Vehicle.HomeGeofence
		if s := sites[c.Vehicle.SiteID]; fence == nil && s != nil {
			fence = &s.Boundary
		}
	case c.Livestock != nil:
		b.base = float64(c.Livestock.HeadCount)
		b.present = c.Livestock.TagIDs
		fence = c.Livestock.Pasture
		if s := sites[c.Livestock.SiteID]; fence == nil && s != nil {
			fence = &s.Boundary
		}
	}
	if fence != nil {
		if c, ok := fence.Centre(); ok {
			b.pos = c
		}
	}
	if ph != nil {
		if ph.Quantity != nil {
			b.base = *ph.Quantity
		}
		b.density = ph.Density
		if ph.Position != nil {
			b.pos = [2]float64{ph.Position[0], ph.Position[1]}
		}
		switch {
		case ph.Tags != nil:
			b.present = ph.Tags
		case ph.Present != nil && *ph.Present <= len(b.present):
			b.present = b.present[:*ph.Present]
		}
	}
	return b
}

// record is one SenML record of a device's pack.
type record struct {
	name, unit string
	v          *float64
	s          *string
}

// measurements are the names, units and calibration units of each device kind.
var measurements = map[string]struct{ name, unit string }{
	string(gt.DeviceLoadCell):      {"mass", "kg"},
	string(gt.DeviceVolumeScanner): {"volume", "m3"},
	string(gt.DeviceCameraCounter): {"count", "count"},
	string(gt.DeviceRFIDReader):    {"count", "count"},
}

// metresPerDegree is the length of a degree of latitude, near enough for noise.
const metresPerDegree = 111_320

// measure returns what device d reports at t of the truth b, with its noise and drift
// drawn from rng.
func measure(d *Device, b *body, t, start time.Time, rng *rand.Rand) ([]record, error) {
	c := b.coll
	drift := d.Drift * t.Sub(start).Hours() / 24
	switch {
	case d.Kind == string(gt.DeviceGPSTracker) || d.Kind == string(gt.DeviceTag):
		dx, dy := rng.NormFloat64()*d.Noise/metresPerDegree, rng.NormFloat64()*d.Noise/metresPerDegree
		lat := b.pos[1] + dy
		lon := b.pos[0] + dx/math.Max(math.Cos(b.pos[1]*math.Pi/180), 0.01)
		return []record{{name: "lat", unit: "lat", v: &lat}, {name: "lon", unit: "lon", v: &lon}}, nil
	case c.Livestock != nil:
		var seen []string
		for _, tag := range b.present {
			if d.Sees == 0 || rng.Float64() < d.Sees {
				seen = append(seen, tag)
			}
		}
		list := strings.Join(seen, ",")
		return []record{{name: "tags", s: &list}}, nil
	case c.Inventory != nil:
		m, ok := measurements[d.Kind]
		if !ok {
			return nil, fmt.Errorf("device %s: a %s cannot measure an inventory lot", d.ID, d.Kind)
		}
		lot := c.Inventory
		density := lot.BulkDensity
		if b.density > 0 {
			density = b.density
		}
		v, err := risk.Convert(b.quantity(t), lot.Unit, m.unit, lot.UnitWeightKg, density)
		if err != nil {
			return nil, fmt.Errorf("device %s: %s of collateral %s: %w", d.ID, m.name, c.ID, err)
		}
		share := d.Share
		if share == 0 {
			share = 1
		}
		v = v*share + drift + rng.NormFloat64()*d.Noise
		if m.name == "count" {
			v = math.Max(math.Round(v), 0)
		}
		v = round(v, 3)
		return []record{{name: m.name, unit: m.unit, v: &v}}, nil
	}
	return nil, fmt.Errorf("device %s: collateral %s is not a lot, vehicle or herd", d.ID, c.ID)
}

func round(v float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(v*p) / p
}

// senmlPack writes records as a SenML pack with base time t.
func senmlPack(recs []record, t time.Time) []byte {
	b := make([]byte, 0, 64*len(recs))
	for i, r := range recs {
		if i == 0 {
			b = append(b, `[{"bt":`...)
			b = strconv.AppendFloat(b, float64(t.UnixMilli())/1000, 'f', 3, 64)
			b = append(b, ',')
		} else {
			b = append(b, ",{"...)
		}
		b = append(b, `"n":`...)
		b = strconv.AppendQuote(b, r.name)
		if r.unit != "" {
			b = append(b, `,"u":`...)
			b = strconv.AppendQuote(b, r.unit)
		}
		if r.v != nil {
			b = append(b, `,"v":`...)
			b = strconv.AppendFloat(b, *r.v, 'f', -1, 64)
		} else {
			b = append(b, `,"vs":`...)
			b = strconv.AppendQuote(b, *r.s)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}
