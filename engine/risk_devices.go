package engine

import (
	"math"
	"strconv"
	"strings"
	"time"

	gt "groundtruth"
	"groundtruth/risk"
)

// Device detector parameters (SPEC §6.5).
const (
	stuckWindow    = 20               // readings whose spread sensor_stuck judges
	quietAfter     = 24 * time.Hour   // an integrity signal clears after this long without recurrence
	skewLimit      = 10 * time.Minute // clock_skew: readings this much older than their arrival
	outOfTrustTime = 48 * time.Hour   // a floorplan vehicle off its dealer lot this long
	jumpMargin     = 1.5              // implausible_jump: faster than 1.5 x the site's throughput
)

// devicePack runs the device detectors on one applied pack. replayed says the engine
// refused it as a replay of an earlier signed seq.
func (e *Engine) devicePack(ts *tenantState, dev *gt.Device, p *gt.DevicePack, replayed bool) {
	x := ts.idx()
	subject := "device:" + dev.ID
	dr := ts.Risk.Devices[dev.ID]
	if dr == nil {
		dr = &devRisk{Values: []float64{}}
		ts.Risk.Devices[dev.ID] = dr
	}
	integrity := func(name, detail string) {
		ts.setSignal(name, subject, true, 1, detail, gt.Evidence{Events: []uint64{x.ev.Seq}})
		ts.setTimer("quiet|"+name+"@"+subject, ts.now().Add(quietAfter))
	}
	switch {
	case replayed:
		integrity("replay", "signed seq "+strconv.FormatUint(p.Seq, 10)+" was already used")
		return
	case p.Rejected != nil:
		switch p.Rejected.Reason {
		case gt.ReasonSignature, gt.ReasonReplay:
			integrity(p.Rejected.Reason, clip(p.Rejected.Message, 200))
		}
		return
	case p.Status != nil:
		switch p.Status.State {
		case gt.StateTamper, gt.StatePowerCut:
			ts.setSignal(p.Status.State, subject, true, 1, "device reported "+p.Status.State, ts.deviceEvidence(dev.ID))
		case gt.StateOnline:
			ts.setSignal(gt.StateTamper, subject, false, 0, "device back online", gt.Evidence{})
			ts.setSignal(gt.StatePowerCut, subject, false, 0, "device back online", gt.Evidence{})
			ts.setSignal("device_offline", subject, false, 0, "device back online", gt.Evidence{})
		case gt.StateOffline:
			ts.setSignal("device_offline", subject, true, 1, "device reported offline", ts.deviceEvidence(dev.ID))
		}
		return
	}
	// Readings: the device is alive.
	ts.setSignal("device_offline", subject, false, 0, "reporting again", gt.Evidence{})
	// Offline once more than StaleFactor intervals pass without data: a report exactly
	// on the third interval is on time.
	ts.setTimer("offline|"+dev.ID, ts.now().Add(time.Duration(ts.policy().StaleFactor*float64(dev.Interval.Std()))+time.Nanosecond))
	dr.Signed = p.Signed
	var newest time.Time
	var lat, lon *float64
	primary := measurement[dev.Kind]
	for i := range p.Readings {
		r := &p.Readings[i]
		at := r.Time()
		if at.After(newest) {
			newest = at
		}
		switch {
		case r.Name == "lat" && r.V != nil:
			lat = r.V
		case r.Name == "lon" && r.V != nil:
			lon = r.V
		case r.Name == "tags" && r.S != nil:
			ts.tagsRead(dev, *r.S, at)
		case r.Name == primary && r.V != nil:
			e.primaryReading(ts, dev, dr, subject, calibrate(dev, r.Name, *r.V), at)
		}
	}
	if lat != nil && lon != nil {
		e.position(ts, dev, dr, *lat, *lon)
	}
	if !newest.IsZero() {
		skewed := ts.now().Sub(newest) > max(skewLimit, 3*dev.Interval.Std())
		if !ts.signalSettled("clock_skew", subject, skewed) {
			ts.setSignal("clock_skew", subject, skewed, ts.now().Sub(newest).Seconds(),
				"readings are "+ts.now().Sub(newest).Round(time.Second).String()+" older than their arrival", ts.deviceEvidence(dev.ID))
		}
	}
	if dev.CollateralID != "" {
		x.dirtyColl[dev.CollateralID] = true
	}
	x.dirtyDevices[dev.ID] = true
}

// primaryReading feeds sensor_stuck and implausible_jump with a calibrated reading of
// the device's quantity measurement.
func (e *Engine) primaryReading(ts *tenantState, dev *gt.Device, dr *devRisk, subject string, v float64, at time.Time) {
	if !dr.LastAt.IsZero() && !at.After(dr.LastAt) {
		return // an older reading: the detectors judge readings in time order only
	}
	prev, prevAt := dr.Last, dr.LastAt
	dr.Last, dr.LastAt, dr.LastSeq = v, at, ts.idx().ev.Seq
	if len(dr.Values) == stuckWindow {
		dr.Values = append(dr.Values[:0], dr.Values[1:]...)
	}
	dr.Values = append(dr.Values, v)
	// Only a device with a stated noise floor can be judged stuck: a counter reporting the
	// same whole number is right when nothing moves.
	if len(dr.Values) == stuckWindow && dev.Calibration.Noise > 0 {
		sd := stddev(dr.Values)
		floor := 0.1 * dev.Calibration.Noise
		if stuck := sd <= floor; !ts.signalSettled("sensor_stuck", subject, stuck) {
			ts.setSignal("sensor_stuck", subject, stuck, sd,
				"the last "+strconv.Itoa(stuckWindow)+" readings vary by "+strconv.FormatFloat(sd, 'g', 4, 64)+
					", below the noise floor "+strconv.FormatFloat(dev.Calibration.Noise, 'g', 4, 64), ts.deviceEvidence(dev.ID))
		}
	}
	if prevAt.IsZero() || measurement[dev.Kind] != "mass" {
		return
	}
	site := ts.Sites[siteOf(ts, dev)]
	if site == nil || site.ThroughputPerHour <= 0 {
		return
	}
	hours := at.Sub(prevAt).Hours()
	rate := math.Abs(v-prev) / math.Max(hours, 1.0/3600)
	if rate > jumpMargin*site.ThroughputPerHour {
		ts.setSignal("implausible_jump", subject, true, rate,
			"mass moved "+strconv.FormatFloat(math.Abs(v-prev), 'f', 0, 64)+" kg in "+at.Sub(prevAt).String()+
				", faster than the site's "+strconv.FormatFloat(site.ThroughputPerHour, 'f', 0, 64)+" kg/h", ts.deviceEvidence(dev.ID))
		ts.setTimer("quiet|implausible_jump@"+subject, ts.now().Add(quietAfter))
	}
}

// siteOf returns the site a device watches: its own, or its collateral's.
func siteOf(ts *tenantState, dev *gt.Device) string {
	if dev.SiteID != "" {
		return dev.SiteID
	}
	if c := ts.Collateral[dev.CollateralID]; c != nil {
		switch {
		case c.Inventory != nil:
			return c.Inventory.SiteID
		case c.Vehicle != nil:
			return c.Vehicle.SiteID
		case c.Livestock != nil:
			return c.Livestock.SiteID
		}
	}
	return ""
}

// position judges a reported position: a fixed sensor outside its site is relocated; a
// vehicle or herd outside its geofence has exited it; a floorplan vehicle off its dealer
// lot too long is out of trust.
func (e *Engine) position(ts *tenantState, dev *gt.Device, dr *devRisk, lat, lon float64) {
	dr.Lat, dr.Lon = lat, lon
	c := ts.Collateral[dev.CollateralID]
	var fence *gt.Polygon
	name, subject := "device_relocated", "device:"+dev.ID
	switch {
	case c != nil && c.Vehicle != nil:
		name, subject = "geofence_exit", "collateral:"+c.ID
		fence = c.Vehicle.HomeGeofence
		if fence == nil {
			if s := ts.Sites[c.Vehicle.SiteID]; s != nil {
				fence = &s.Boundary
			}
		}
	case c != nil && c.Livestock != nil:
		name, subject = "geofence_exit", "collateral:"+c.ID
		fence = c.Livestock.Pasture
		if fence == nil {
			if s := ts.Sites[c.Livestock.SiteID]; s != nil {
				fence = &s.Boundary
			}
		}
	default:
		if s := ts.Sites[siteOf(ts, dev)]; s != nil {
			fence = &s.Boundary
		}
	}
	if fence == nil {
		return
	}
	outside := !fence.Contains(lon, lat)
	if outside != dr.Outside || dr.Since.IsZero() {
		dr.Outside, dr.Since = outside, ts.now()
	}
	if !ts.signalSettled(name, subject, outside) {
		where := strconv.FormatFloat(lat, 'f', 5, 64) + "," + strconv.FormatFloat(lon, 'f', 5, 64)
		detail := "position " + where + " is outside its boundary"
		if !outside {
			detail = "position " + where + " is inside its boundary"
		}
		ts.setSignal(name, subject, outside, 0, detail, ts.deviceEvidence(dev.ID))
	}
	if c != nil && c.Vehicle != nil {
		key := "oot|" + c.ID
		if outside {
			ts.setTimer(key, dr.Since.Add(outOfTrustTime))
		} else {
			ts.clearTimer(key)
		}
		ts.outOfTrust(c, dr)
	}
}

// outOfTrust raises out_of_trust for a vehicle on a floorplan loan that has been off its
// lot longer than outOfTrustTime while the loan is outstanding.
func (ts *tenantState) outOfTrust(c *gt.Collateral, dr *devRisk) {
	floorplan := false
	for _, a := range c.Allocations {
		if l := ts.Loans[a.LoanID]; l != nil && l.Product == gt.ProductFloorplan && l.Outstanding.Amount > 0 && l.Status != gt.LoanClosed {
			floorplan = true
		}
	}
	away := dr.Outside && ts.now().Sub(dr.Since) >= outOfTrustTime
	ts.setSignal("out_of_trust", "collateral:"+c.ID, floorplan && away, ts.now().Sub(dr.Since).Hours(),
		"off the dealer lot since "+dr.Since.Format(time.RFC3339)+" without a payoff", gt.Evidence{})
}

// outOfTrustDue judges out_of_trust when a vehicle's time off its lot is up, whether or
// not its tracker still reports (a thief removes it).
func (ts *tenantState) outOfTrustDue(id string) {
	c := ts.Collateral[id]
	if c == nil || c.Vehicle == nil {
		return
	}
	for _, did := range sorted(ts.idx().collDevices[id]) {
		if dr := ts.Risk.Devices[did]; dr != nil && dr.Outside {
			ts.outOfTrust(c, dr)
			return
		}
	}
}

// tagsRead records the ear tags a reader saw for the herd it watches.
func (ts *tenantState) tagsRead(dev *gt.Device, list string, at time.Time) {
	hs := ts.Risk.Herds[dev.CollateralID]
	if hs == nil {
		return
	}
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if t == "" || len(t) > 64 {
			continue
		}
		if old, ok := hs.Seen[t]; !ok || at.After(old) {
			hs.Seen[t] = at
		}
		if hs.Start.IsZero() || at.Before(hs.Start) {
			hs.Start = at
		}
	}
}

// deviceEvidence names the device's latest primary reading.
func (ts *tenantState) deviceEvidence(id string) gt.Evidence {
	ev := gt.Evidence{Events: []uint64{ts.idx().ev.Seq}}
	if dr := ts.Risk.Devices[id]; dr != nil && !dr.LastAt.IsZero() {
		name := ""
		if d := ts.Devices[id]; d != nil {
			name = measurement[d.Kind]
		}
		ev.Readings = []gt.EvidenceReading{{Device: id, Name: name, At: dr.LastAt, Value: dr.Last, Seq: dr.LastSeq, Signed: dr.Signed}}
		if dr.LastSeq != 0 && dr.LastSeq != ev.Events[0] {
			ev.Events = append([]uint64{dr.LastSeq}, ev.Events...)
		}
	}
	return ev
}

func stddev(vs []float64) float64 {
	var sum, sq float64
	for _, v := range vs {
		sum += v
	}
	mean := sum / float64(len(vs))
	for _, v := range vs {
		sq += (v - mean) * (v - mean)
	}
	return math.Sqrt(sq / float64(len(vs)))
}

// fmtQty writes a quantity rounded to three decimals, for summaries.
func fmtQty(v float64, unit string) string {
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64) + " " + unit
}

// priceTick updates a commodity's state with a tick in time order: the previous day's
// close enters the EWMA when a new day starts, and a move from the last close beyond
// PriceShockK sigmas raises price_shock. Every lot of the commodity is revalued.
func (ts *tenantState) priceTick(t *gt.PriceTick) {
	cm := ts.Risk.Commodities[t.Commodity]
	if cm == nil {
		cm = &commodity{EWMA: risk.NewEWMA(risk.DefaultLambda)}
		ts.Risk.Commodities[t.Commodity] = cm
	}
	if !cm.Tick.At.IsZero() && t.At.Before(cm.Tick.At) {
		return // a late tick is recorded but does not move the state
	}
	day := t.At.UTC().Format(time.DateOnly)
	price := float64(t.Price.Amount)
	if cm.Day != "" && day != cm.Day {
		_ = cm.EWMA.Add(cm.Close) // a positive close: ticks are validated positive
	}
	cm.Day, cm.Close, cm.Tick = day, price, *t
	x := ts.idx()
	// The commodity's inventory lots are revalued by the settle's repricing, most of them
	// without a full revaluation; its crop fields are revalued in full.
	x.repriced[t.Commodity] = true
	for id := range x.cropsOf[t.Commodity] {
		x.dirtyColl[id] = true
	}
	x.dirtyPrices[t.Commodity] = true
	if strings.HasPrefix(t.Commodity, gt.FXPrefix) {
		// An exchange rate: the loans secured by collateral in another currency.
		for id := range x.fxLoans {
			x.dirtyLoans[id] = true
		}
	}
	if cm.EWMA.N > 0 && cm.EWMA.Ready(minReturns) {
		ret := math.Log(price / cm.EWMA.Last)
		shock := risk.Shock(ret, cm.EWMA.Sigma(), ts.policy().PriceShockK)
		ref := gt.PriceRef{Commodity: t.Commodity, At: t.At, Seq: t.Seq, Price: t.Price, Unit: t.Unit}
		ts.setSignal("price_shock", "price:"+t.Commodity, shock, ret,
			t.Commodity+" moved "+strconv.FormatFloat(100*ret, 'f', 2, 64)+"% from the last close, "+
				strconv.FormatFloat(math.Abs(ret)/cm.EWMA.Sigma(), 'f', 1, 64)+" daily sigmas",
			gt.Evidence{Events: []uint64{t.Seq}, Prices: []gt.PriceRef{ref}})
	}
}
