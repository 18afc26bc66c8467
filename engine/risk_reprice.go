package engine

import (
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
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
	if ts.Risk.Lots[c.ID] != nil { // a dwell is holding
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
	// A release dated ahead changes the book when it takes effect (its timer marks the lot
	// dirty then; the bound is a margin).
	for _, id := range ts.idx().collRel[c.ID] {
		if r := ts.Releases[id]; r != nil && r.CollateralID == c.ID && r.At.After(now) && (f.until.IsZero() || r.At.Before(f.until)) {
			f.until = r.At
		}
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
		m := repricing{now: now, seq: seq, pol: pol, ref: ref, sigma: sigma, unit: p.Unit,
			price: float64(p.Price.Amount), currency: p.Price.Currency, dirty: x.dirtyColl}
		if w := repriceWorkers(len(lots)); w > 1 && !coll && e.rows.isFresh(ch, rowValuation) {
			e.repriceParallel(ts, &m, lots, w, ch)
			continue
		}
		for _, cr := range lots {
			v, ok := m.lot(cr)
			if !ok {
				x.dirtyColl[cr.id] = true
				continue
			}
			e.putValuation(ch, *v)
			e.repricedLots++
			if coll {
				x.evalColl[cr.id] = true
			}
			x.stampLoans(cr)
		}
	}
	clear(x.repriced)
}

// repricing is one commodity's price move, as the repricing of its lots reads it.
type repricing struct {
	now      time.Time
	seq      uint64
	pol      *risk.Policy
	ref      *gt.PriceRef
	sigma    float64
	unit     string
	price    float64
	currency string
	dirty    map[string]bool // read only while lots are repriced
}

// lot reprices a lot and returns its valuation, or false when the lot must be revalued
// in full. It changes nothing but the lot's own valuation: lots may be repriced in
// parallel.
func (m *repricing) lot(cr *collRef) (*gt.Valuation, bool) {
	f := &cr.fast
	v := cr.v
	if !f.ok || f.unit != m.unit || !f.until.IsZero() && !m.now.Before(f.until) || v == nil || m.dirty[cr.id] {
		return nil, false
	}
	if cr.shadow != nil {
		*v, cr.shadow = *cr.shadow, nil // the inputs of the last full revaluation
	}
	// The fields value() computes from the price, in its order.
	v.At, v.Seq = m.now, m.seq
	v.HaircutFloor, v.LiquidationDays = m.pol.Floor(v.Kind), m.pol.Days(v.Kind)
	v.Price, v.SigmaDaily = m.ref, m.sigma
	gross := f.qp * m.price
	v.Haircut, v.HaircutVolatility = risk.Haircut(v.HaircutFloor, v.SigmaDaily, v.LiquidationDays)
	v.Gross = gt.Money{Amount: int64(math.Round(gross)), Currency: m.currency}
	v.Value = gt.Money{Amount: int64(math.Round(gross * (1 - v.Haircut) * v.Trust)), Currency: m.currency}
	return v, true
}

// stampLoans adds the loans of a repriced lot to x.fastLoans, once each per settle.
func (x *riskIndex) stampLoans(cr *collRef) {
	for _, l := range cr.loans {
		if l.mark != x.mark {
			l.mark = x.mark
			x.fastLoans = append(x.fastLoans, l)
		}
	}
}

// repriceMinLots is the fewest lots worth repricing on several goroutines (a variable
// for the tests, which reprice small portfolios in parallel too).
var repriceMinLots = 20_000

// repriceWorkers returns the goroutines to reprice n lots on.
func repriceWorkers(n int) int {
	if n < repriceMinLots {
		return 1
	}
	return min(runtime.GOMAXPROCS(0), 8, n/(repriceMinLots/2))
}

// repriceParallel reprices lots on w goroutines, each writing the valuation rows of its
// share of the lots in its own range of ch.Valuations (which holds no valuation row of
// another event: the rows are distinct, fresh). The ranges are then closed up, in lot
// order, and the lots' loans stamped in that order, as the sequential loop would.
func (e *Engine) repriceParallel(ts *tenantState, m *repricing, lots []*collRef, w int, ch *gt.Changes) {
	x := ts.idx()
	base := len(ch.Valuations)
	rows := slices.Grow(ch.Valuations, len(lots))[:base+len(lots)]
	chunk := (len(lots) + w - 1) / w
	done := make([]int, w)        // rows written by each goroutine
	skip := make([][]*collRef, w) // lots each left to the full revaluation
	var wg sync.WaitGroup
	for i := range w {
		lo, hi := min(i*chunk, len(lots)), min((i+1)*chunk, len(lots))
		wg.Go(func() {
			out := rows[base+lo : base+hi]
			for _, cr := range lots[lo:hi] {
				v, ok := m.lot(cr)
				if !ok {
					skip[i] = append(skip[i], cr)
					continue
				}
				out[done[i]] = *v
				done[i]++
			}
		})
	}
	wg.Wait()
	n, _ := closeRanges(rows, base, chunk, done)
	ch.Valuations = rows[:n]
	e.rows.appended(ch, rowValuation, n-base)
	e.repricedLots += uint64(n - base)
	for _, list := range skip {
		for _, cr := range list {
			x.dirtyColl[cr.id] = true
		}
	}
	for _, cr := range lots {
		// Repriced now: nothing else values a lot in this settle before the repricing.
		if v := cr.v; v != nil && v.Seq == m.seq && v.At.Equal(m.now) {
			x.stampLoans(cr)
		}
	}
}

// closeRanges closes up the rows that goroutine i wrote from base+i*chunk (done[i] of
// them), in goroutine order, clears what is left over (no copies kept alive) and returns
// the end of the rows and where each goroutine's rows now start.
func closeRanges[T any](rows []T, base, chunk int, done []int) (int, []int) {
	at := make([]int, len(done))
	n := base
	for i := range done {
		lo := base + min(i*chunk, len(rows)-base)
		at[i] = n
		n += copy(rows[n:], rows[lo:lo+done[i]])
	}
	clear(rows[n:])
	return n, at
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

// loanFields are the fields of the rules' loan variable that come from its metrics
// (fillLoanRef), as they were before a remeasure.
type loanFields struct {
	band            string
	ltv             *float64
	value, exposure gt.Money
	coverage        float64
}

func fieldsOf(lr *gt.LoanRisk) loanFields {
	return loanFields{lr.Band, lr.LTV, lr.CollateralValue, lr.Exposure, lr.Coverage}
}

// moved returns the bits of the fields that differ in lr.
func (f *loanFields) moved(lr *gt.LoanRisk) uint8 {
	var m uint8
	if lr.Band != f.band {
		m |= loanBand
	}
	if (lr.LTV == nil) != (f.ltv == nil) || f.ltv != nil && *lr.LTV != *f.ltv {
		m |= loanLTV
	}
	if lr.CollateralValue != f.value {
		m |= loanValue
	}
	if lr.Coverage != f.coverage {
		m |= loanCoverage
	}
	if lr.Exposure != f.exposure {
		m |= loanExposure
	}
	return m
}

// remeasureAllRepriced remeasures the loans the repricing touched that nothing else
// marked (those are remeasured in full), on several goroutines when they are many.
func (ts *tenantState) remeasureAllRepriced(ch *gt.Changes) {
	x := ts.idx()
	e := x.eng
	if w := repriceWorkers(len(x.fastLoans)); w > 1 && e.rows.isFresh(ch, rowLoan) && e.rows.isFresh(ch, rowPoint) {
		ts.remeasureParallel(w, ch)
		return
	}
	for _, l := range x.fastLoans {
		if !x.dirtyLoans[l.id] {
			ts.remeasureRepriced(l, ch)
		}
	}
}

// remeasureRepriced is remeasure for a loan a repricing touched: a change of its metrics
// is queued with the fields it moved for runRepricedLoanRules.
func (ts *tenantState) remeasureRepriced(r *loanRef, ch *gt.Changes) {
	x := ts.idx()
	prev := r.lr
	var before loanFields
	if prev != nil {
		before = fieldsOf(prev)
	}
	if !ts.measure(r, ch) {
		return
	}
	moved := loanAll // metrics the loan had none of
	if prev != nil { // updated in place by measure
		moved = before.moved(prev)
	}
	x.fastEval = append(x.fastEval, fastEval{r, moved})
}

// loanResult is what a goroutine of remeasureParallel found for one loan.
type loanResult struct {
	m     loanMeasure
	moved uint8
	later bool // left to the sequential remeasure
	row   int  // the index of its rows in the goroutine's range
}

// remeasureParallel is remeasureAllRepriced on w goroutines. Each measures its share of
// the loans that have metrics and a point already, writing their rows in its own range
// of the loan and point rows; the ranges are closed up in loan order. Then, in loan
// order, the effects on the tenant's indexes and timers are applied and the other loans
// remeasured one by one, as the sequential loop would.
func (ts *tenantState) remeasureParallel(w int, ch *gt.Changes) {
	x := ts.idx()
	e := x.eng
	loans := x.fastLoans
	if cap(x.results) < len(loans) {
		x.results = make([]loanResult, len(loans))
	}
	res := x.results[:len(loans)]
	now, seq, tenant := ts.now(), x.ev.Seq, ts.Tenant.ID
	hour := now.UTC().Truncate(time.Hour)
	baseR, baseP := len(ch.LoanRisks), len(ch.LoanPoints)
	rowsR := slices.Grow(ch.LoanRisks, len(loans))[:baseR+len(loans)]
	rowsP := slices.Grow(ch.LoanPoints, len(loans))[:baseP+len(loans)]
	chunk := (len(loans) + w - 1) / w
	done := make([]int, w)
	var wg sync.WaitGroup
	for i := range w {
		lo, hi := min(i*chunk, len(loans)), min((i+1)*chunk, len(loans))
		wg.Go(func() {
			outR, outP := rowsR[baseR+lo:baseR+hi], rowsP[baseP+lo:baseP+hi]
			for j := lo; j < hi; j++ {
				r := loans[j]
				res[j] = loanResult{}
				if r.l == nil || r.lr == nil || r.pt == nil || x.dirtyLoans[r.id] {
					res[j].later = true
					continue
				}
				prev := r.lr
				before := fieldsOf(prev)
				var lr gt.LoanRisk
				res[j].m = ts.measureCore(r, now, seq, &lr)
				if !res[j].m.changed {
					continue
				}
				*prev = lr
				res[j].moved = before.moved(prev)
				advancePoint(r.pt, tenant, prev, hour)
				outR[done[i]], outP[done[i]] = lr, *r.pt
				res[j].row = done[i]
				done[i]++
			}
		})
	}
	wg.Wait()
	nR, at := closeRanges(rowsR, baseR, chunk, done)
	nP, _ := closeRanges(rowsP, baseP, chunk, done)
	ch.LoanRisks, ch.LoanPoints = rowsR[:nR], rowsP[:nP]
	e.rows.appended(ch, rowLoan, nR-baseR)
	e.rows.appended(ch, rowPoint, nP-baseP)
	for j, r := range loans {
		switch {
		case res[j].later:
			if !x.dirtyLoans[r.id] {
				ts.remeasureRepriced(r, ch)
			}
		default:
			ts.measured(r, res[j].m)
			if res[j].m.changed {
				r.row = at[j/chunk] + res[j].row
				x.fastEval = append(x.fastEval, fastEval{r, res[j].moved})
			}
		}
		res[j] = loanResult{}
	}
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
			r.consider(c, "loan:", lref.id, lref, &vars, nil, evidenceOf{kind: evLoan, id: lref.id})
		}
		lref.ruleGen, lref.evalRec, lref.evalMark = rs.gen, lref.l, x.mark
	}
}
