package engine

import (
	"math"
	"slices"
	"sort"
	"time"

	gt "groundtruth"
	"groundtruth/risk"
	"groundtruth/rules"
)

// A price tick moves the value of every inventory lot of its commodity (SPEC §6.3), and a
// portfolio holds up to millions of them (SPEC §14). Most of a lot's valuation does not
// depend on the price: its quantities, sources, trust and detector state. A full
// revaluation (value, sources, detectCollateral) recomputes all of it; the repricing below
// recomputes only the price-dependent fields of a lot whose other inputs are known not to
// have changed since its last full revaluation, which leaves for each lot the arithmetic
// of its haircut and value.
//
// Soundness: a lot is repriced only while everything else a full revaluation would read
// is as it was, so that both give the same valuation and the same side effects (none).
// The last full revaluation records how long that holds (fastVal.until): the trust of
// fresh data is its full value until the data goes stale; devices awaiting their first
// report keep the book until they count as blind; a source counts in
// sensor_disagreement until it goes stale. Anything else that changes a lot (a reading, a
// release, a record, a policy, a timer) marks it dirty, and a dirty lot is revalued in
// full. A lot in the middle of a dwell (outflow, surplus, disagreement) is always
// revalued in full. TestRepricingEqualsFullRevaluation checks the equality over random
// histories.

// fastVal is what the repricing of a lot reuses from its last full revaluation.
type fastVal struct {
	ok    bool
	unit  string    // the price unit qp is in
	qp    float64   // the verified quantity in that unit
	until time.Time // the repricing holds while now is before it; zero: no limit
}

// sameInputs reports whether b equals a in everything but time and sequence.
func sameInputs(a, b *gt.Valuation) bool {
	if a.TenantID != b.TenantID || a.CollateralID != b.CollateralID || a.Kind != b.Kind || a.Commodity != b.Commodity ||
		a.CustodianID != b.CustodianID || a.SiteID != b.SiteID || a.Unit != b.Unit || a.BookQuantity != b.BookQuantity ||
		a.VerifiedQuantity != b.VerifiedQuantity || a.QuantitySource != b.QuantitySource || a.SigmaDaily != b.SigmaDaily ||
		a.LiquidationDays != b.LiquidationDays || a.HaircutFloor != b.HaircutFloor || a.HaircutVolatility != b.HaircutVolatility ||
		a.Haircut != b.Haircut || a.Trust != b.Trust || a.TrustReason != b.TrustReason || a.Gross != b.Gross || a.Value != b.Value ||
		(a.ObservedQuantity == nil) != (b.ObservedQuantity == nil) || a.ObservedQuantity != nil && *a.ObservedQuantity != *b.ObservedQuantity ||
		(a.Price == nil) != (b.Price == nil) || a.Price != nil && *a.Price != *b.Price || len(a.Sources) != len(b.Sources) {
		return false
	}
	for i := range a.Sources {
		x, y := &a.Sources[i], &b.Sources[i]
		if x.Kind != y.Kind || x.Quantity != y.Quantity || x.Sigma != y.Sigma || !x.At.Equal(y.At) || !slices.Equal(x.Devices, y.Devices) {
			return false
		}
	}
	return true
}

// listLot moves a collateral reference to the lot list of commodity ("" for none).
func (x *riskIndex) listLot(cr *collRef, commodity string) {
	if cr.lotOf == commodity {
		return
	}
	if cr.lotOf != "" {
		list := x.lotsOf[cr.lotOf]
		last := list[len(list)-1]
		list[cr.lotAt], last.lotAt = last, cr.lotAt
		list[len(list)-1] = nil
		if list = list[:len(list)-1]; len(list) == 0 {
			delete(x.lotsOf, cr.lotOf)
		} else {
			x.lotsOf[cr.lotOf] = list
		}
	}
	cr.lotOf = commodity
	if commodity != "" {
		cr.lotAt = len(x.lotsOf[commodity])
		x.lotsOf[commodity] = append(x.lotsOf[commodity], cr)
	}
}

// noteFast records, after a full revaluation of cr at now, whether and until when a price
// move alone may be applied by repricing.
func (ts *tenantState) noteFast(cr *collRef, v *gt.Valuation, si *sourceInfo, now time.Time) {
	cr.fast = fastVal{}
	c := cr.c
	if c == nil || c.Inventory == nil || v.Price == nil || ts.disabledRepricing() {
		return
	}
	if ls := ts.Risk.Lots[c.ID]; ls == nil || !ls.Below.IsZero() || !ls.Above.IsZero() || !ls.Apart.IsZero() {
		return
	}
	pol := ts.policy()
	lot := c.Inventory
	q, err := risk.Convert(v.VerifiedQuantity, lot.Unit, v.Price.Unit, lot.UnitWeightKg, lot.BulkDensity)
	if err != nil {
		return
	}
	f := fastVal{ok: true, unit: v.Price.Unit, qp: q}
	switch v.TrustReason {
	case "not_monitored", "blind":
		// No devices, or blind until new data arrives (which marks the lot dirty).
	case "awaiting_data":
		f.until = si.bound.Add(pol.BlindAfter)
	case "signed", "unsigned":
		f.until = si.lastSeen.Add(risk.StaleAfter(*pol, si.interval))
	default: // stale: the trust decays with time
		return
	}
	if si.devices > 0 {
		// A source stops counting in sensor_disagreement when it goes stale.
		limit := time.Duration(pol.StaleFactor * float64(si.interval))
		for _, s := range si.fused {
			if end := s.At.Add(limit); now.Sub(s.At) <= limit && (f.until.IsZero() || end.Before(f.until)) {
				f.until = end
			}
		}
	}
	cr.fast = f
}

// reprice revalues the inventory lots of the commodities whose price moved in this
// settle: by repricing where it holds, otherwise by marking them for the full
// revaluation. The loans of the repriced lots are collected in x.fastLoans.
func (e *Engine) reprice(ts *tenantState, ch *gt.Changes) {
	x := ts.idx()
	if len(x.repriced) == 0 {
		return
	}
	now, seq := e.now, x.ev.Seq
	pol := ts.policy()
	coll := ts.ruleSet().coll
	commodities := make([]string, 0, len(x.repriced))
	for name := range x.repriced {
		commodities = append(commodities, name)
	}
	sort.Strings(commodities)
	for _, name := range commodities {
		cm := ts.Risk.Commodities[name]
		lots := x.lotsOf[name]
		if cm == nil || len(lots) == 0 {
			continue
		}
		p := &cm.Tick
		ref := cm.priceRef()
		sigma := 0.0
		if cm.EWMA.Ready(minReturns) {
			sigma = cm.EWMA.Sigma()
		}
		price, currency := float64(p.Price.Amount), p.Price.Currency
		for _, cr := range lots {
			f := &cr.fast
			v := cr.v
			if !f.ok || f.unit != p.Unit || !f.until.IsZero() && !now.Before(f.until) || v == nil || x.dirtyColl[cr.id] {
				x.dirtyColl[cr.id] = true
				continue
			}
			if cr.shadow != nil {
				*v, cr.shadow = *cr.shadow, nil // the inputs of the last full revaluation
			}
			// The fields value() computes from the price, in its order.
			v.At, v.Seq = now, seq
			v.HaircutFloor, v.LiquidationDays = pol.Floor(v.Kind), pol.Days(v.Kind)
			v.Price, v.SigmaDaily = ref, sigma
			gross := f.qp * price
			v.Haircut, v.HaircutVolatility = risk.Haircut(v.HaircutFloor, v.SigmaDaily, v.LiquidationDays)
			v.Gross = gt.Money{Amount: int64(math.Round(gross)), Currency: currency}
			v.Value = gt.Money{Amount: int64(math.Round(gross * (1 - v.Haircut) * v.Trust)), Currency: currency}
			e.putValuation(ch, *v)
			e.repricedLots++
			if coll {
				x.evalColl[cr.id] = true
			}
			for _, l := range cr.loans {
				if l.mark != x.mark {
					l.mark = x.mark
					x.fastLoans = append(x.fastLoans, l)
				}
			}
		}
	}
	clear(x.repriced)
}

// disabledRepricing reports whether the engine revalues every lot in full (for the
// equivalence tests).
func (ts *tenantState) disabledRepricing() bool {
	return ts.index != nil && ts.index.eng != nil && ts.index.eng.fullRevaluation
}

// The loan fields of the rules' variable that a repricing can change (the others come
// from the loan record, which a repricing does not change).
const (
	loanBand uint8 = 1 << iota
	loanLTV
	loanValue
	loanCoverage
	loanExposure
	loanAll uint8 = 0xff
)

var loanFieldBits = map[string]uint8{"band": loanBand, "ltv": loanLTV, "value": loanValue, "coverage": loanCoverage, "exposure": loanExposure}

// loanReads returns the bits of the loan fields a loan rule reads, all of them when it
// reads the loan whole or reads now (its result can change with time alone).
func loanReads(c *rules.Compiled) uint8 {
	fields, whole := c.LoanFields()
	if whole || c.UsesNow() {
		return loanAll
	}
	var m uint8
	for _, f := range fields {
		m |= loanFieldBits[f]
	}
	return m
}

// fastEval is a loan whose metrics a repricing changed, with the fields that moved.
type fastEval struct {
	ref   *loanRef
	moved uint8
}

// remeasureRepriced is remeasure for a loan a repricing touched: a change of its metrics
// is queued with the fields it moved for runRepricedLoanRules.
func (ts *tenantState) remeasureRepriced(r *loanRef, ch *gt.Changes) {
	x := ts.idx()
	// The fields of the rules' loan variable from the metrics (fillLoanRef), before.
	prev := r.lr
	var band string
	var ltv *float64
	var value, exposure gt.Money
	var coverage float64
	if prev != nil {
		band, ltv, value, exposure, coverage = prev.Band, prev.LTV, prev.CollateralValue, prev.Exposure, prev.Coverage
	}
	if !ts.measure(r, ch) {
		return
	}
	moved := loanAll
	if lr := r.lr; prev != nil && lr == prev {
		moved = 0
		if lr.Band != band {
			moved |= loanBand
		}
		if (lr.LTV == nil) != (ltv == nil) || ltv != nil && *lr.LTV != *ltv {
			moved |= loanLTV
		}
		if lr.CollateralValue != value {
			moved |= loanValue
		}
		if lr.Coverage != coverage {
			moved |= loanCoverage
		}
		if lr.Exposure != exposure {
			moved |= loanExposure
		}
	}
	x.fastEval = append(x.fastEval, fastEval{r, moved})
}

// runRepricedLoanRules evaluates the loan rules over the loans whose metrics a repricing
// changed, leaving out a rule whose fields did not move for a loan for which every loan
// rule was evaluated since the rule set and the loan record last changed: its result
// would be the one it had, which the open alerts already reflect.
func (ts *tenantState) runRepricedLoanRules(rs *ruleSet, r *ruleRun) {
	x := ts.idx()
	cs := rs.scope[rules.ScopeLoan]
	for _, fe := range x.fastEval {
		lref := fe.ref
		all := lref.ruleGen != rs.gen || lref.evalRec != lref.l || lref.evalRec == nil
		var vars rules.Vars
		filled := false
		for i, c := range cs {
			if !all && !c.UsesNow() && rs.loanReads[i]&fe.moved == 0 {
				continue
			}
			if !filled {
				if ts.fillLoanRef(lref, &r.loan) {
					vars.Loan = &r.loan
				}
				filled = true
			}
			r.consider(c, "loan:", lref.id, &vars, nil, evidenceOf{kind: evLoan, id: lref.id})
		}
		lref.ruleGen, lref.evalRec, lref.evalMark = rs.gen, lref.l, x.mark
	}
}
