package engine

import (
	"math"
	"time"

	gt "groundtruth"
	"groundtruth/risk"
)

// policy returns the tenant's risk policy: its own values (Tenant.Policy) over the
// defaults.
func (ts *tenantState) policy() *risk.Policy {
	if ts.pol == nil {
		p := risk.TenantPolicy(ts.Tenant.Policy)
		ts.pol = &p
	}
	return ts.pol
}

// Engine constants of SPEC §6 not (yet) in the tenant policy.
const (
	minReturns = 10 // daily returns before the EWMA volatility is used
	// herdWindow is how long a tag seen by a herd's readers counts as present.
	herdWindow = 7 * 24 * time.Hour
	// defaultNoise is the relative noise of a reading whose device states none.
	defaultNoise = 0.005
)

// measurement is the reading each device kind contributes to quantity fusion.
var measurement = map[gt.DeviceKind]string{
	gt.DeviceLoadCell: "mass", gt.DeviceVolumeScanner: "volume",
	gt.DeviceCameraCounter: "count", gt.DeviceRFIDReader: "count",
}

// measurementUnit is the unit of each fusion measurement, as risk.Convert names it.
var measurementUnit = map[string]string{"mass": "kg", "volume": "m3", "count": "count"}

// recordsChanged updates the risk indexes after a records event and marks what must be
// revalued.
func (ts *tenantState) recordsChanged(r *gt.Records, oldColl []*gt.Collateral, oldDev []*gt.Device, oldRel []*gt.Release) {
	x := ts.idx()
	for i := range r.Collateral {
		ts.indexCollateral(oldColl[i], ts.Collateral[r.Collateral[i].ID])
	}
	for i := range r.Devices {
		ts.indexDevice(oldDev[i], ts.Devices[r.Devices[i].ID])
	}
	for i := range r.Releases {
		rel := ts.Releases[r.Releases[i].ID]
		ts.indexRelease(oldRel[i], rel)
		// A timer per release: each takes effect at its own time.
		ts.setTimer("release|"+rel.CollateralID+"|"+rel.ID, rel.At)
	}
	for i := range r.Loans {
		id := r.Loans[i].ID
		lref := x.loan(ts, id)
		lref.l = ts.Loans[id] // commit replaced the record
		x.dirtyLoans[id] = true
		// A payoff (or a new outstanding) judges the loan's vehicles' out_of_trust at once.
		for _, cr := range lref.colls {
			ts.outOfTrustDue(cr.id)
		}
	}
	if len(r.Parties) > 0 {
		// Ownership links decide related_party_custodian: look at every lot again.
		for id, c := range ts.Collateral {
			if c.Inventory != nil {
				x.dirtyColl[id], x.staticColl[id] = true, true
			}
		}
	}
}

// book returns the lot's book quantity at now: pledged, less authorised releases, plus
// top-ups, each converted to the lot's unit.
func (ts *tenantState) book(c *gt.Collateral, now time.Time) float64 {
	lot := c.Inventory
	b := lot.Quantity
	for _, id := range ts.idx().collRel[c.ID] {
		r := ts.Releases[id]
		if r == nil || r.CollateralID != c.ID || r.At.After(now) {
			continue
		}
		q, err := risk.Convert(r.Quantity, r.Unit, lot.Unit, lot.UnitWeightKg, lot.BulkDensity)
		if err != nil {
			continue
		}
		if r.Direction == gt.ReleaseOut {
			b -= q
		} else {
			b += q
		}
	}
	return math.Max(b, 0)
}

// sourceInfo is the quantity sources of a collateral with what trust needs.
type sourceInfo struct {
	sources  []gt.QuantitySource
	fused    []risk.Source
	signed   bool // every contributing device's latest pack was signed
	lastSeen time.Time
	interval time.Duration
	devices  int       // devices bound, reporting or not
	bound    time.Time // when the first of them was registered
	unkeyed  bool      // some of them have no public key: their data will be unsigned
	partial  bool      // load cells bound but not all have reported: their sum is left out
	readings []gt.EvidenceReading
}

// sources gathers the latest reading of each device bound to c that measures quantity:
// the load cells summed into one source, each other device a source of its own.
func (ts *tenantState) sources(c *gt.Collateral) sourceInfo {
	var si sourceInfo
	si.signed = true
	lot := c.Inventory
	var cells *gt.QuantitySource
	var cellVar float64
	cellsBound, cellsIn := 0, 0 // load cells bound to the lot, and those with a reading
	for _, id := range sorted(ts.idx().collDevices[c.ID]) {
		d := ts.Devices[id]
		if d == nil || d.Disabled {
			continue
		}
		si.devices++
		if d.Kind == gt.DeviceLoadCell {
			cellsBound++
		}
		if si.bound.IsZero() || d.CreatedAt.Before(si.bound) {
			si.bound = d.CreatedAt
		}
		si.unkeyed = si.unkeyed || d.PublicKey == ""
		if si.interval == 0 || d.Interval.Std() < si.interval {
			si.interval = d.Interval.Std()
		}
		name, ok := measurement[d.Kind]
		t := ts.Telemetry[id]
		if t == nil {
			continue
		}
		// A device is seen by its newest reading of any kind: a tracker's position or a
		// reader's tags are data as much as a load cell's mass.
		dr := ts.Risk.Devices[id]
		seen := t.Health.LastReadingAt
		if dr == nil || seen.IsZero() {
			continue
		}
		if seen.After(si.lastSeen) {
			si.lastSeen = seen
		}
		if !dr.Signed {
			si.signed = false
		}
		if !ok || lot == nil {
			continue
		}
		r, ok := t.Health.Last[name]
		if !ok || r.V == nil {
			continue
		}
		v := *r.V
		q, err := risk.Convert(v, measurementUnit[name], lot.Unit, lot.UnitWeightKg, lot.BulkDensity)
		if err != nil {
			continue
		}
		noise := d.Calibration.Noise
		if noise == 0 {
			noise = defaultNoise * math.Abs(v)
		}
		sigma, _ := risk.Convert(noise, measurementUnit[name], lot.Unit, lot.UnitWeightKg, lot.BulkDensity)
		sigma = math.Max(sigma, 1e-9)
		at := r.Time()
		si.readings = append(si.readings, gt.EvidenceReading{Device: id, Name: name, At: at, Value: v, Seq: dr.LastSeq, Signed: dr.Signed})
		if d.Kind == gt.DeviceLoadCell {
			cellsIn++
			if cells == nil {
				si.sources = append(si.sources, gt.QuantitySource{Kind: string(gt.DeviceLoadCell)})
				cells = &si.sources[len(si.sources)-1]
			}
			cells.Devices = append(cells.Devices, id)
			cells.Quantity += q
			cellVar += sigma * sigma
			if at.After(cells.At) {
				cells.At = at
			}
			continue
		}
		si.sources = append(si.sources, gt.QuantitySource{Kind: string(d.Kind), Devices: []string{id}, Quantity: q, Sigma: sigma, At: at})
	}
	if cells != nil && cellsIn < cellsBound {
		si.partial = true
		// The cells share the load: until each has reported, their sum is not the lot's
		// weight. The partial sum is left out (the lot awaits data or uses other sources).
		for i := range si.sources {
			if si.sources[i].Kind == string(gt.DeviceLoadCell) {
				si.sources = append(si.sources[:i], si.sources[i+1:]...)
				break
			}
		}
		var kept []gt.EvidenceReading
		for _, r := range si.readings {
			if r.Name != "mass" {
				kept = append(kept, r)
			}
		}
		si.readings = kept
	}
	for i := range si.sources {
		s := &si.sources[i]
		if s.Kind == string(gt.DeviceLoadCell) {
			s.Sigma = math.Sqrt(cellVar)
		}
		si.fused = append(si.fused, risk.Source{Kind: s.Kind, Quantity: s.Quantity, Sigma: s.Sigma, At: s.At})
	}
	return si
}

// trust returns the trust factor of data last seen at lastSeen and why.
func trustOf(pol *risk.Policy, si *sourceInfo, now time.Time) (float64, string) {
	switch {
	case si.devices == 0:
		return pol.UnsignedTrustCap, "not_monitored"
	case (si.lastSeen.IsZero() || si.partial && len(si.fused) == 0) && now.Sub(si.bound) < pol.BlindAfter:
		// Devices just installed have not reported yet: the collateral keeps the value it
		// was lent against (its book, at the trust its devices' data will have: full for
		// devices with keys, capped for unsigned ones) until they report, or until they
		// have been silent as long as a blind collateral has.
		if si.unkeyed {
			return pol.UnsignedTrustCap, "awaiting_data"
		}
		return 1, "awaiting_data"
	case si.lastSeen.IsZero():
		return 0, "blind"
	case risk.Blind(*pol, si.lastSeen, now):
		return 0, "blind"
	}
	t := risk.Trust(*pol, si.signed, si.lastSeen, now, si.interval)
	full := 1.0
	if !si.signed {
		full = pol.UnsignedTrustCap
	}
	switch {
	case t < full:
		return t, "stale"
	case si.signed:
		return t, "signed"
	}
	return t, "unsigned"
}

// value computes a collateral's valuation at now.
func (ts *tenantState) value(c *gt.Collateral, seq uint64, now time.Time) (gt.Valuation, sourceInfo) {
	v := gt.Valuation{TenantID: ts.Tenant.ID, CollateralID: c.ID, Kind: c.Kind, At: now, Seq: seq,
		HaircutFloor: ts.policy().Floor(c.Kind), LiquidationDays: ts.policy().Days(c.Kind)}
	si := ts.sources(c)
	v.Trust, v.TrustReason = trustOf(ts.policy(), &si, now)
	v.Sources = si.sources
	var gross float64
	var currency string
	switch c.Kind {
	case gt.KindInventoryLot:
		lot := c.Inventory
		v.Commodity, v.CustodianID, v.SiteID, v.Unit = lot.Commodity, lot.CustodianID, lot.SiteID, lot.Unit
		v.BookQuantity = ts.book(c, now)
		v.VerifiedQuantity = v.BookQuantity
		v.QuantitySource = "book"
		if q, _, ok := risk.Fuse(si.fused); ok {
			o := q // on the heap only when there is one
			v.ObservedQuantity = &o
			v.VerifiedQuantity = risk.Verified(o, v.BookQuantity, true)
			v.QuantitySource = "fused"
			if len(si.fused) == 1 {
				v.QuantitySource = si.fused[0].Kind
			}
		} else if si.devices > 0 && v.TrustReason != "awaiting_data" {
			v.VerifiedQuantity, v.QuantitySource = 0, "none"
		}
		cm := ts.Risk.Commodities[lot.Commodity]
		if cm == nil {
			break
		}
		p := cm.Tick
		v.Price = cm.priceRef()
		if cm.EWMA.Ready(minReturns) {
			v.SigmaDaily = cm.EWMA.Sigma()
		}
		q, err := risk.Convert(v.VerifiedQuantity, lot.Unit, p.Unit, lot.UnitWeightKg, lot.BulkDensity)
		if err != nil {
			v.Price = nil // a price in a unit the lot cannot be converted to
			break
		}
		gross, currency = q*float64(p.Price.Amount), p.Price.Currency
	case gt.KindVehicle:
		veh := c.Vehicle
		v.SiteID = veh.SiteID
		v.QuantitySource = "appraisal"
		d := risk.Depreciate(veh.Value, veh.DepreciationRate, c.CreatedAt, now)
		gross, currency = float64(d.Amount), d.Currency
	case gt.KindLivestock:
		h := c.Livestock
		v.SiteID, v.Unit = h.SiteID, "head"
		v.BookQuantity = float64(h.HeadCount)
		v.VerifiedQuantity = v.BookQuantity
		v.QuantitySource = "book"
		if seen, ok := ts.tagsSeen(c, now); ok {
			v.ObservedQuantity = &seen
			// The count verifies the herd once its readers have watched it for a whole
			// window: before, an animal not yet read is not a missing one.
			if hs := ts.Risk.Herds[c.ID]; hs != nil && !hs.Start.IsZero() && now.Sub(hs.Start) >= herdWindow {
				v.VerifiedQuantity = math.Min(seen, v.BookQuantity)
				v.QuantitySource = "tags"
			}
		}
		gross, currency = v.VerifiedQuantity*float64(h.PricePerHead.Amount), h.PricePerHead.Currency
	case gt.KindReceivable:
		r := c.Receivable
		v.QuantitySource = "invoice"
		v.Trust, v.TrustReason = 1, "buyer_unconfirmed"
		if r.BuyerConfirmed {
			v.TrustReason = "buyer_confirmed"
			gross = float64(r.Amount.Amount)
		}
		currency = r.Amount.Currency
	case gt.KindCropField:
		gross, currency = ts.cropValue(c, &v, now)
	}
	v.Haircut, v.HaircutVolatility = risk.Haircut(v.HaircutFloor, v.SigmaDaily, v.LiquidationDays)
	v.Gross = gt.Money{Amount: int64(math.Round(gross)), Currency: currency}
	v.Value = gt.Money{Amount: int64(math.Round(gross * (1 - v.Haircut) * v.Trust)), Currency: currency}
	return v, si
}

// tagsSeen counts the herd's pledged tags seen within herdWindow, when the herd has
// readers that have reported.
func (ts *tenantState) tagsSeen(c *gt.Collateral, now time.Time) (float64, bool) {
	hs := ts.Risk.Herds[c.ID]
	if hs == nil || len(hs.Seen) == 0 {
		return 0, false
	}
	n := 0
	for _, t := range c.Livestock.TagIDs {
		if at, ok := hs.Seen[t]; ok && now.Sub(at) <= herdWindow {
			n++
		}
	}
	return float64(n), true
}

// sameValuation reports whether b differs from a only in time and sequence.
func sameValuation(a, b *gt.Valuation) bool {
	if a == nil {
		return false
	}
	same := a.Value == b.Value && a.Gross == b.Gross && a.Trust == b.Trust && a.Haircut == b.Haircut &&
		a.VerifiedQuantity == b.VerifiedQuantity && a.BookQuantity == b.BookQuantity &&
		a.QuantitySource == b.QuantitySource && a.TrustReason == b.TrustReason
	if !same || (a.Price == nil) != (b.Price == nil) {
		return false
	}
	return a.Price == nil || a.Price.Seq == b.Price.Seq && a.Price.At.Equal(b.Price.At)
}

// loanRisk computes a loan's metrics at now from the stored valuations of its
// collateral colls.
func (ts *tenantState) loanRisk(l *gt.Loan, colls []*collRef, prev *gt.LoanRisk, seq uint64, now time.Time) gt.LoanRisk {
	lr := gt.LoanRisk{TenantID: ts.Tenant.ID, LoanID: l.ID, At: now, Seq: seq, Exposure: l.Outstanding,
		CollateralValue: gt.Money{Currency: l.Outstanding.Currency}, DaysPastDue: l.DaysPastDue,
		BorrowerID: l.BorrowerID, CoreEnterpriseID: l.CoreEnterpriseID, Allocations: make([]gt.AllocatedValue, 0, len(colls))}
	if l.Status == gt.LoanClosed {
		lr.Exposure.Amount = 0
	} else if acc := l.AccruedInterest(now); acc > 0 {
		lr.AccruedInterest = &gt.Money{Amount: acc, Currency: l.Outstanding.Currency}
		lr.Exposure.Amount += acc
	}
	var value float64
	for _, cr := range colls {
		cid, c, val := cr.id, cr.c, cr.v
		if c == nil || val == nil {
			continue
		}
		for _, a := range c.Allocations {
			if a.LoanID != l.ID {
				continue
			}
			av := gt.AllocatedValue{CollateralID: cid, Share: a.Share, Value: gt.Money{Currency: val.Value.Currency}}
			switch amount := float64(val.Value.Amount) * a.Share; {
			case val.Value.Currency == l.Outstanding.Currency:
				av.Value.Amount = int64(math.Round(amount))
			default:
				// Collateral in another currency at the latest exchange rate; without one
				// it counts for nothing.
				if av.FX = ts.fx(val.Value.Currency, l.Outstanding.Currency); av.FX != nil {
					av.Value = gt.Money{Amount: int64(math.Round(av.FX.Convert(amount, l.Outstanding.Currency))), Currency: l.Outstanding.Currency}
				}
			}
			if av.Value.Currency == l.Outstanding.Currency {
				value += float64(av.Value.Amount)
			}
			lr.Allocations = append(lr.Allocations, av)
		}
	}
	lr.CollateralValue.Amount = int64(value)
	exposure := float64(lr.Exposure.Amount)
	ltv := risk.LTV(exposure, value)
	if !math.IsInf(ltv, 0) {
		lr.LTV = &ltv
	}
	if exposure > 0 {
		lr.Coverage = value / exposure
	}
	prevBand := risk.Band("")
	if prev != nil {
		prevBand = risk.Band(prev.Band)
		lr.BandSince, lr.MarginCall = prev.BandSince, prev.MarginCall
	}
	lr.Band = string(risk.NextBand(prevBand, ltv, l.Terms, ts.policy().Hysteresis))
	if prev == nil || prev.Band != lr.Band {
		lr.BandSince = now
	}
	lr.Credit = ts.creditRisk(l, &lr, now)
	return lr
}

// sameLoanRisk reports whether b differs from a only in time and sequence.
func sameLoanRisk(a, b *gt.LoanRisk) bool {
	if a == nil {
		return false
	}
	if a.Exposure != b.Exposure || a.CollateralValue != b.CollateralValue || a.Band != b.Band ||
		a.DaysPastDue != b.DaysPastDue || (a.LTV == nil) != (b.LTV == nil) || len(a.Allocations) != len(b.Allocations) ||
		(a.MarginCall == nil) != (b.MarginCall == nil) || a.CoreEnterpriseID != b.CoreEnterpriseID {
		return false
	}
	if a.LTV != nil && *a.LTV != *b.LTV {
		return false
	}
	if (a.Credit == nil) != (b.Credit == nil) || a.Credit != nil && *a.Credit != *b.Credit {
		return false
	}
	if a.MarginCall != nil && *a.MarginCall != *b.MarginCall {
		return false
	}
	for i := range a.Allocations {
		x, y := a.Allocations[i], b.Allocations[i]
		if (x.FX == nil) != (y.FX == nil) || x.FX != nil && *x.FX != *y.FX {
			return false
		}
		x.FX, y.FX = nil, nil
		if x != y {
			return false
		}
	}
	return true
}

// fx returns the exchange rate from currency from to currency to: the latest tick of
// fx.<from> priced in to, or the inverse of the latest fx.<to> priced in from; nil when
// the tenant has recorded neither.
func (ts *tenantState) fx(from, to string) *gt.FXConversion {
	if t := ts.Prices[gt.FXCommodity(from)]; t != nil && t.Price.Currency == to {
		if _, rate, ok := t.FXRate(); ok {
			return &gt.FXConversion{From: from, Rate: rate, Commodity: t.Commodity, At: t.At, Seq: t.Seq}
		}
	}
	if t := ts.Prices[gt.FXCommodity(to)]; t != nil && t.Price.Currency == from {
		if _, rate, ok := t.FXRate(); ok {
			return &gt.FXConversion{From: from, Rate: 1 / rate, Commodity: t.Commodity, At: t.At, Seq: t.Seq}
		}
	}
	return nil
}
