package engine

import (
	"math"
	"strings"
	"time"

	gt "groundtruth"
	"groundtruth/risk"
)

// settle brings a tenant's risk state up to date after an event was applied: timers
// that came due, revaluation of the collateral the event touched, loan metrics, then
// rules and alerts. It is the only place where risk rows reach the Changes.
func (e *Engine) settle(ts *tenantState, ev *gt.Event, ch *gt.Changes) {
	x := ts.idx()
	x.mark++
	e.runTimers(ts, ch)
	// Room for a row per collateral and loan at most, so that a tick touching many of
	// them does not regrow the slices of large rows again and again. Each collateral and
	// loan puts its rows once here: they are distinct.
	n := len(x.dirtyColl)
	for name := range x.repriced {
		n += len(x.lotsOf[name])
	}
	startFresh(&e.rows, ch, rowValuation, &ch.Valuations, n)
	e.reprice(ts, ch) // a price move: most lots repriced, the others marked dirty
	for id := range x.dirtyColl {
		e.revalue(ts, id, ch)
	}
	e.rows.endFresh(rowValuation)
	clear(x.dirtyColl)
	n = len(x.dirtyLoans) + len(x.fastLoans)
	startFresh(&e.rows, ch, rowLoan, &ch.LoanRisks, n)
	startFresh(&e.rows, ch, rowPoint, &ch.LoanPoints, n)
	for id := range x.dirtyLoans {
		ts.remeasure(id, ch)
	}
	ts.remeasureAllRepriced(ch)
	clear(x.fastLoans)
	x.fastLoans = x.fastLoans[:0]
	e.rows.endFresh(rowLoan)
	e.rows.endFresh(rowPoint)
	clear(x.dirtyLoans)
	ts.runRules(ch)
}

// begin prepares the tenant's risk state for applying ev.
func (ts *tenantState) begin(e *Engine, ev *gt.Event, ch *gt.Changes) {
	x := ts.idx()
	if x.ev != ev {
		x.ev, x.ids = ev, 0
	}
	x.eng, x.ch = e, ch
}

// revalue values one collateral, runs the collateral detectors and marks its loans when
// the value changed.
func (e *Engine) revalue(ts *tenantState, id string, ch *gt.Changes) {
	x := ts.idx()
	cr := x.colls[id]
	if cr == nil || cr.c == nil {
		return
	}
	c := cr.c
	now := e.now
	v, si := ts.value(c, x.ev.Seq, now)
	old := cr.v
	switch {
	case sameValuation(old, &v) && sameInputs(old, &v):
		cr.shadow = nil
	case sameValuation(old, &v):
		// No new row, but inputs the value does not show moved (sources, observed
		// quantity): a repricing starts from them (risk_reprice.go).
		if cr.shadow == nil {
			cr.shadow = new(gt.Valuation)
		}
		*cr.shadow = v
	default:
		cr.shadow = nil
		// The stored valuation is updated in place: rows and evidence hold copies.
		if old == nil {
			old = new(gt.Valuation)
			ts.Risk.Values[id], cr.v = old, old
		}
		*old = v
		e.putValuation(ch, v)
		if ts.ruleSet().coll {
			x.evalColl[id] = true
		}
		for _, a := range c.Allocations {
			x.dirtyLoans[a.LoanID] = true
		}
	}
	ts.trustTimer(id, &si, now)
	e.detectCollateral(ts, c, &v, &si, now)
	ts.noteFast(cr, &v, &si, now)
}

// trustTimer schedules the next revaluation a collateral needs without new data: when
// its data goes stale, hourly while its trust decays, and when it goes blind.
func (ts *tenantState) trustTimer(id string, si *sourceInfo, now time.Time) {
	if si.devices == 0 {
		if len(ts.Risk.Timers) > 0 {
			ts.clearTimer("trust|" + id)
		}
		return
	}
	key := "trust|" + id
	if si.lastSeen.IsZero() { // awaiting data: blind when the devices stay silent
		if blind := si.bound.Add(ts.policy().BlindAfter); now.Before(blind) {
			ts.setTimer(key, blind)
		} else {
			ts.clearTimer(key)
		}
		return
	}
	stale := si.lastSeen.Add(time.Duration(ts.policy().StaleFactor * float64(si.interval)))
	blind := si.lastSeen.Add(ts.policy().BlindAfter)
	switch {
	case now.Before(stale):
		ts.setTimer(key, stale)
	case now.Before(blind):
		ts.setTimer(key, minTime(now.Add(time.Hour), blind))
	default:
		ts.clearTimer(key)
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// remeasure recomputes a loan's metrics and emits them when they changed; the loan's
// rules are then evaluated.
func (ts *tenantState) remeasure(id string, ch *gt.Changes) {
	x := ts.idx()
	if ts.measure(x.loan(ts, id), ch) {
		x.evalLoans[id] = true
	}
}

// measure recomputes the metrics of the loan of r and emits them when they changed,
// which it reports.
func (ts *tenantState) measure(r *loanRef, ch *gt.Changes) bool {
	x := ts.idx()
	if r.l == nil {
		return false
	}
	var lr gt.LoanRisk
	m := ts.measureCore(r, ts.now(), x.ev.Seq, &lr)
	ts.measured(r, m)
	if !m.changed {
		return false
	}
	// The stored metrics are updated in place (as fire and endMarginCall do): rows hold
	// copies.
	prev := r.lr
	if prev == nil {
		prev = new(gt.LoanRisk)
		ts.Risk.Loans[r.id], r.lr = prev, prev
	}
	*prev = lr
	r.row = x.eng.putLoanRisk(ch, lr)
	ts.pointOf(r, &lr, ch)
	return true
}

// loanMeasure is what measuring a loan found beside its metrics.
type loanMeasure struct {
	changed bool      // the metrics differ from the stored ones
	fx      bool      // collateral in another currency
	accrue  time.Time // when interest accrues next (zero: it does not)
}

// measureCore computes the metrics of the loan of r into *lr. It changes nothing: loans
// may be measured in parallel (their effects are applied by measured and the caller).
func (ts *tenantState) measureCore(r *loanRef, now time.Time, seq uint64, lr *gt.LoanRisk) loanMeasure {
	l := r.l
	*lr = ts.loanRisk(l, r.colls, r.lr, seq, now)
	m := loanMeasure{fx: foreignCollateral(lr), changed: !sameLoanRisk(r.lr, lr)}
	// Interest accrues by the day: measure the loan again when the next day begins.
	if p := l.InterestPaidTo; p != nil && l.InterestRate > 0 && l.Status != gt.LoanClosed {
		days := gt.AccrualDays(*p, now)
		m.accrue = time.Unix(p.Unix()+(days+1)*86400, 0).UTC()
	}
	return m
}

// measured applies what measuring the loan of r found to the tenant's indexes and timers.
func (ts *tenantState) measured(r *loanRef, m loanMeasure) {
	x := ts.idx()
	if m.fx {
		x.fxLoans[r.id] = true
	} else if len(x.fxLoans) > 0 {
		delete(x.fxLoans, r.id)
	}
	if !m.accrue.IsZero() {
		ts.setTimer("accrue|"+r.id, m.accrue)
		r.accrues = true
	} else if r.accrues && len(ts.Risk.Timers) > 0 {
		ts.clearTimer("accrue|" + r.id)
		r.accrues = false
	}
}

// foreignCollateral reports whether a loan has collateral valued in another currency.
func foreignCollateral(lr *gt.LoanRisk) bool {
	for i := range lr.Allocations {
		if lr.Allocations[i].FX != nil || lr.Allocations[i].Value.Currency != lr.Exposure.Currency {
			return true
		}
	}
	return false
}

// point adds a loan's new metrics to the point of their hour and emits it.
func (ts *tenantState) point(lr *gt.LoanRisk, ch *gt.Changes) {
	ts.pointOf(ts.idx().loan(ts, lr.LoanID), lr, ch)
}

// pointOf is point for the loan of r, whose reference keeps the point.
func (ts *tenantState) pointOf(r *loanRef, lr *gt.LoanRisk, ch *gt.Changes) {
	if ts.Risk.Points == nil { // a snapshot from before points were kept
		ts.Risk.Points = map[string]*gt.LoanPoint{}
	}
	hour := lr.At.UTC().Truncate(time.Hour)
	p := r.pt
	if p == nil {
		p = ts.Risk.Points[lr.LoanID]
	}
	if p == nil {
		p = &gt.LoanPoint{TenantID: ts.Tenant.ID, LoanID: lr.LoanID, Start: hour}
		ts.Risk.Points[lr.LoanID] = p
	}
	r.pt = p
	advancePoint(p, ts.Tenant.ID, lr, hour)
	ts.idx().eng.putLoanPoint(ch, *p)
}

// advancePoint adds a loan's new metrics of hour to its point p.
func advancePoint(p *gt.LoanPoint, tenant string, lr *gt.LoanRisk, hour time.Time) {
	if !p.Start.Equal(hour) {
		// The point of a new hour takes the place of the last one in place: rows hold copies.
		*p = gt.LoanPoint{TenantID: tenant, LoanID: lr.LoanID, Start: hour}
	}
	p.Count++
	p.Exposure, p.Value, p.Band, p.At, p.Seq = lr.Exposure, lr.CollateralValue, lr.Band, lr.At, lr.Seq
	// The LTVs share the loan metrics' own: no one changes the value behind either.
	p.LastLTV = lr.LTV
	if v := lr.LTV; v != nil {
		if p.MinLTV == nil || *v < *p.MinLTV {
			p.MinLTV = v
		}
		if p.MaxLTV == nil || *v > *p.MaxLTV {
			p.MaxLTV = v
		}
	}
}

// now is engine time as the tenant's settle sees it.
func (ts *tenantState) now() time.Time { return ts.idx().eng.now }

// runTimers handles the timers due at engine time.
func (e *Engine) runTimers(ts *tenantState, ch *gt.Changes) {
	for _, key := range ts.dueTimers(e.now) {
		kind, id, _ := strings.Cut(key, "|")
		switch kind {
		case "trust", "release", "dwell":
			id, _, _ = strings.Cut(id, "|") // dwell|lot|signal
			ts.idx().dirtyColl[id] = true
		case "oot":
			ts.outOfTrustDue(id)
		case "accrue":
			ts.idx().dirtyLoans[id] = true
		case "crop":
			ts.idx().dirtyColl[id] = true
		case "offline":
			ts.setSignal("device_offline", "device:"+id, true, 0, "no data for 3 reporting intervals", ts.deviceEvidence(id))
		case "quiet":
			name, subject, _ := strings.Cut(id, "@")
			ts.setSignal(name, subject, false, 0, "no recurrence", gt.Evidence{})
		case "fire":
			ts.fireDue(id, ch)
		case "cure":
			ts.cureDue(id, ch)
		}
	}
}

// setSignal records a detector's finding. Only a change of Active makes a new row; the
// evidence and detail are those of the change.
func (ts *tenantState) setSignal(name, subject string, active bool, value float64, detail string, ev gt.Evidence) {
	x := ts.idx() // built before a signal is added: it indexes the signals it finds
	s := ts.signal(name, subject)
	if s == nil {
		if !active {
			return
		}
		s = &gt.Signal{TenantID: ts.Tenant.ID, Name: name, Subject: subject}
		ts.Risk.Signals[name+"|"+subject] = s
		x.signalsOf[subject] = append(x.signalsOf[subject], s)
	} else if s.Active == active {
		return
	}
	key := name + "|" + subject
	s.Active, s.Since, s.Value, s.Detail, s.Seq = active, ts.now(), value, detail, x.ev.Seq
	if ev.Events == nil {
		ev.Events = []uint64{x.ev.Seq}
	}
	s.Evidence = ev
	x.dirtySignals[key] = true
}

// signal returns the signal of a name and subject, nil when there is none, without
// building its key: detectors ask for every pack and every lot.
func (ts *tenantState) signal(name, subject string) *gt.Signal {
	if len(ts.Risk.Signals) == 0 {
		return nil
	}
	var buf [128]byte
	k := append(append(append(buf[:0], name...), '|'), subject...)
	return ts.Risk.Signals[string(k)]
}

// signalSettled reports whether setSignal(name, subject, active, ...) would change
// nothing, so that a caller can leave out building the detail and evidence.
func (ts *tenantState) signalSettled(name, subject string, active bool) bool {
	s := ts.signal(name, subject)
	return s == nil && !active || s != nil && s.Active == active
}

// detectCollateral runs the detectors of SPEC §6.5 that judge a whole collateral.
func (e *Engine) detectCollateral(ts *tenantState, c *gt.Collateral, v *gt.Valuation, si *sourceInfo, now time.Time) {
	evidence := func() gt.Evidence {
		ev := gt.Evidence{Events: []uint64{ts.idx().ev.Seq}, Readings: si.readings, Valuations: []gt.Valuation{*v}}
		if v.Price != nil {
			ev.Prices = []gt.PriceRef{*v.Price}
		}
		return ev
	}
	if c.Inventory != nil {
		// Most lots hold no dwell: their state is kept only while one is holding.
		var ls lotState
		if held := ts.Risk.Lots[c.ID]; held != nil {
			ls = *held
		}
		fresh := v.ObservedQuantity != nil && v.Trust > 0
		tol := ts.policy().OutflowTolerance * v.BookQuantity
		below := fresh && *v.ObservedQuantity < v.BookQuantity-tol
		above := fresh && *v.ObservedQuantity > v.BookQuantity+tol
		ts.dwell(&ls.Below, below, "unauthorized_outflow", c.ID, now, func() (float64, string) {
			short := v.BookQuantity - *v.ObservedQuantity
			return short / v.BookQuantity, "observed " + fmtQty(*v.ObservedQuantity, v.Unit) + " is " + fmtQty(short, v.Unit) +
				" below the book " + fmtQty(v.BookQuantity, v.Unit) + " with no release"
		}, evidence)
		ts.dwell(&ls.Above, above, "surplus", c.ID, now, func() (float64, string) {
			extra := *v.ObservedQuantity - v.BookQuantity
			return extra / v.BookQuantity, "observed " + fmtQty(*v.ObservedQuantity, v.Unit) + " is " + fmtQty(extra, v.Unit) +
				" above the book " + fmtQty(v.BookQuantity, v.Unit)
		}, evidence)
		// Sources read at different moments and a reading can be an outlier: only a
		// disagreement that lasts the dwell is one.
		current := freshSources(ts.policy(), si, now)
		i, j, found := risk.Disagreement(current, ts.policy().DisagreementK)
		ts.dwellOn(&ls.Apart, found, "sensor_disagreement", c.ID, now, func() (float64, string) {
			a, b := current[i], current[j]
			return math.Abs(a.Quantity-b.Quantity) / math.Max(b.Quantity, 1e-9),
				a.Kind + " says " + fmtQty(a.Quantity, v.Unit) + ", " + b.Kind + " says " + fmtQty(b.Quantity, v.Unit)
		}, evidence, "sources agree")
		switch held := ts.Risk.Lots[c.ID]; {
		case ls == lotState{}:
			if held != nil {
				delete(ts.Risk.Lots, c.ID)
			}
		case held != nil:
			*held = ls
		default:
			kept := ls
			ts.Risk.Lots[c.ID] = &kept
		}
		if ts.idx().staticColl[c.ID] {
			ts.relatedParty(c, "collateral:"+c.ID)
		}
	}
	if c.Livestock != nil {
		seen, ok := ts.tagsSeen(c, now)
		hs := ts.Risk.Herds[c.ID]
		short := ok && hs != nil && !hs.Start.IsZero() && now.Sub(hs.Start) >= herdWindow &&
			seen < float64(c.Livestock.HeadCount)*(1-ts.policy().OutflowTolerance)
		if short {
			ts.setSignal("herd_shortfall", "collateral:"+c.ID, true, 1-seen/float64(c.Livestock.HeadCount),
				fmtQty(seen, "head")+" seen of "+fmtQty(float64(c.Livestock.HeadCount), "head")+" pledged", evidence())
		} else {
			ts.setSignal("herd_shortfall", "collateral:"+c.ID, false, 0, "herd complete", gt.Evidence{})
		}
	}
	if c.Crop != nil {
		ts.detectCrop(c, now)
	}
	// A lot that never went blind has no signal to end: the lookup is left out while the
	// tenant has no signals at all.
	if blind := v.TrustReason == "blind"; blind || len(ts.Risk.Signals) > 0 && ts.Risk.Signals["collateral_blind|collateral:"+c.ID] != nil {
		ts.setSignal("collateral_blind", "collateral:"+c.ID, blind, 0, "no data from its devices for "+ts.policy().BlindAfter.String(), evidence())
	}
	x := ts.idx()
	if x.staticColl[c.ID] || x.crossColl[c.ID] {
		e.doublePledge(ts, c, "collateral:"+c.ID)
		delete(x.staticColl, c.ID)
		delete(x.crossColl, c.ID)
	}
}

// freshSources returns the sources whose latest reading is within the stale window.
func freshSources(pol *risk.Policy, si *sourceInfo, now time.Time) []risk.Source {
	var out []risk.Source
	limit := time.Duration(pol.StaleFactor * float64(si.interval))
	for _, s := range si.fused {
		if now.Sub(s.At) <= limit {
			out = append(out, s)
		}
	}
	return out
}

// dwell turns a condition into a signal once it has held for the outflow dwell.
func (ts *tenantState) dwell(since *time.Time, cond bool, name, id string, now time.Time, what func() (float64, string), evidence func() gt.Evidence) {
	ts.dwellOn(since, cond, name, id, now, what, evidence, "back within tolerance")
}

// dwellOn is dwell with the detail of the signal's end.
func (ts *tenantState) dwellOn(since *time.Time, cond bool, name, id string, now time.Time, what func() (float64, string), evidence func() gt.Evidence, ended string) {
	if !cond && since.IsZero() {
		return // not holding, and not held since the signal last ended
	}
	key := "dwell|" + id + "|" + name // one timer per signal: each has its own due time
	subject := "collateral:" + id
	if !cond {
		*since = time.Time{}
		ts.setSignal(name, subject, false, 0, ended, gt.Evidence{})
		return
	}
	if since.IsZero() {
		*since = now
	}
	due := since.Add(ts.policy().OutflowDwell)
	if now.Before(due) {
		ts.setTimer(key, due)
		return
	}
	v, d := what()
	ts.setSignal(name, subject, true, v, d, evidence())
}

// relatedParty checks whether the lot's custodian is the borrower of a loan it secures,
// or linked to it by ownership.
func (ts *tenantState) relatedParty(c *gt.Collateral, subject string) {
	cust := c.Inventory.CustodianID
	found := ""
	if cust != "" {
		for _, a := range c.Allocations {
			l := ts.Loans[a.LoanID]
			if l != nil && related(ts, cust, l.BorrowerID) {
				found = l.BorrowerID
				break
			}
		}
	}
	ts.setSignal("related_party_custodian", subject, found != "", 0,
		"custodian "+cust+" is related to borrower "+found, gt.Evidence{})
}

func related(ts *tenantState, a, b string) bool {
	if a == b {
		return true
	}
	pa, pb := ts.Parties[a], ts.Parties[b]
	for _, p := range [][2]*gt.Party{{pa, pb}, {pb, pa}} {
		if p[0] == nil || p[1] == nil {
			continue
		}
		for _, r := range p[0].RelatedParties {
			if r == p[1].ID {
				return true
			}
		}
	}
	return false
}

// doublePledge checks the collateral's exact identifiers against every other pledge in
// this deployment. Another tenant's pledge is reported without naming the tenant. The
// other pledges of an identifier are judged again when one is added or removed
// (pledgeChanged).
func (e *Engine) doublePledge(ts *tenantState, c *gt.Collateral, subject string) {
	detail := ""
	for _, k := range pledgeKeys(c) {
		for _, other := range ts.idx().Pledges(k) {
			if other != c.ID {
				detail = k + " is also pledged as collateral " + other
				break
			}
		}
		if detail != "" {
			break
		}
		for _, tid := range sortedKeys(e.tenants) {
			o := e.tenants[tid]
			if o == ts || len(o.idx().Pledges(k)) == 0 {
				continue
			}
			detail = k + " is also pledged to another lender in this deployment"
			break
		}
		if detail != "" {
			break
		}
	}
	ts.setSignal("double_pledge", subject, detail != "", 0, detail, gt.Evidence{})
}
