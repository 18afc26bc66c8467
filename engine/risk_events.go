package engine

import (
	gt "groundtruth"
	"groundtruth/rules"
)

// applyRulePut saves a new version of a tenant rule. The rule must compile; the version
// continues the built-in rule's when it overrides one.
func (e *Engine) applyRulePut(ts *tenantState, ev *gt.Event, ch *gt.Changes) error {
	var r gt.Rule
	if err := decode(ev, &r); err != nil {
		return err
	}
	c, err := rules.Compile(r)
	if err != nil {
		return err
	}
	r = c.Rule
	vs := ts.Risk.Rules[r.Name]
	r.Version = 1
	if n := len(vs); n > 0 {
		r.Version = vs[n-1].Version + 1
	} else if _, ok := builtinRules()[r.Name]; ok {
		r.Version = 2
	}
	r.Builtin, r.TenantID, r.Seq, r.SavedAt = false, ts.Tenant.ID, ev.Seq, ev.Time.UTC()
	ts.Risk.Rules[r.Name] = append(vs, r)
	ts.idx().rules = nil
	ch.Rules = append(ch.Rules, r)
	return nil
}

// applyAlertUpdate acknowledges or closes an alert.
func (e *Engine) applyAlertUpdate(ts *tenantState, ev *gt.Event, ch *gt.Changes, closing bool) error {
	var u gt.AlertUpdate
	if err := decode(ev, &u); err != nil {
		return err
	}
	if err := u.Validate(closing); err != nil {
		return err
	}
	a := ts.Risk.Alerts[u.ID]
	settled, isSettled := ts.Risk.Settled.get(u.ID)
	if a == nil && !isSettled {
		if u.Alert != nil && u.Alert.Status == gt.AlertClosed {
			return errorf(gt.ECONFLICT, "alert %q is closed", u.ID) // resolved and closed: nothing is kept of it
		}
		return errorf(gt.ENOTFOUND, "alert %q not found", u.ID)
	}
	if a == nil {
		// Resolved: the engine kept its status, the update carries the store's copy.
		if u.Alert == nil {
			return ts.updateSettled(&u, settled, ev, closing)
		}
		if u.Alert.Seq != settled.Seq || u.Alert.State != gt.AlertResolved {
			return errorf(gt.ECONFLICT, "alert %q changed since it was read; read it again", u.ID)
		}
		cp := *u.Alert
		cp.TenantID, cp.Status = ts.Tenant.ID, settled.Status
		a = &cp
	}
	status, err := nextStatus(u.ID, a.Status, closing)
	if err != nil {
		return err
	}
	now := ev.Time.UTC()
	a.Status = status
	if closing {
		a.ClosedBy, a.ClosedAt, a.CloseReason = ev.Actor, now, u.Reason
	} else {
		a.AckedBy, a.AckedAt = ev.Actor, now
	}
	if u.Comment != "" {
		a.Comment = u.Comment
	}
	a.Seq = ev.Seq
	e.putAlert(ch, *a)
	if isSettled {
		ts.Risk.Settled.set(a.ID, settledAlert{Seq: a.Seq, Status: a.Status})
	}
	return nil
}

// updateSettled applies to a resolved alert an acknowledgement or closure journaled
// before updates carried the store's copy of the alert: the store written then holds the
// row it made, so only the status the engine keeps changes.
func (ts *tenantState) updateSettled(u *gt.AlertUpdate, s settledAlert, ev *gt.Event, closing bool) error {
	status, err := nextStatus(u.ID, s.Status, closing)
	if err != nil {
		return err
	}
	ts.Risk.Settled.set(u.ID, settledAlert{Seq: ev.Seq, Status: status})
	return nil
}

// nextStatus returns the status an acknowledgement (or a closure) moves an alert from
// status cur to, or the conflict that refuses it.
func nextStatus(id, cur string, closing bool) (string, error) {
	switch {
	case cur == gt.AlertClosed:
		return "", errorf(gt.ECONFLICT, "alert %q is closed", id)
	case closing:
		return gt.AlertClosed, nil
	case cur == gt.AlertAcknowledged:
		return "", errorf(gt.ECONFLICT, "alert %q is already acknowledged", id)
	}
	return gt.AlertAcknowledged, nil
}

// applyInspectionComplete records an inspector's findings.
func (e *Engine) applyInspectionComplete(ts *tenantState, ev *gt.Event, ch *gt.Changes) error {
	var u gt.InspectionUpdate
	if err := decode(ev, &u); err != nil {
		return err
	}
	if err := u.Validate(); err != nil {
		return err
	}
	in := ts.Risk.Inspections[u.ID]
	if in == nil {
		return errorf(gt.ENOTFOUND, "inspection %q not found", u.ID)
	}
	if in.State == "done" {
		return errorf(gt.ECONFLICT, "inspection %q is already complete", u.ID)
	}
	in.State, in.Findings, in.CompletedAt, in.CompletedBy, in.Seq = "done", u.Findings, ev.Time.UTC(), ev.Actor, ev.Seq
	e.putInspection(ch, *in)
	if act := ts.Risk.Actions[in.ActionID]; act != nil && act.State == gt.ActionOpen {
		act.State, act.Seq = gt.ActionDone, ev.Seq
		e.putAction(ch, *act)
		if ts.Risk.Alerts[act.AlertID] == nil {
			delete(ts.Risk.Actions, act.ID) // its alert is settled: nothing changes it any more
		}
	}
	return nil
}

// Alerts returns copies of the alerts a tenant has that are not resolved, ordered by id
// (creation). Resolved alerts are in the store (AlertLog keeps them for a replay).
func (e *Engine) Alerts(tenant string) []gt.Alert {
	ts, ok := e.tenants[tenant]
	if !ok {
		return nil
	}
	out := make([]gt.Alert, 0, len(ts.Risk.Alerts))
	for _, id := range sortedKeys(ts.Risk.Alerts) {
		out = append(out, *ts.Risk.Alerts[id])
	}
	return out
}

// Actions returns copies of the actions of a tenant's alerts that are not resolved, and of
// requests for inspection not yet done, ordered by id (creation).
func (e *Engine) Actions(tenant string) []gt.Action {
	ts, ok := e.tenants[tenant]
	if !ok {
		return nil
	}
	out := make([]gt.Action, 0, len(ts.Risk.Actions))
	for _, id := range sortedKeys(ts.Risk.Actions) {
		out = append(out, *ts.Risk.Actions[id])
	}
	return out
}

// LoanRisk returns a copy of a loan's metrics, and false before the first.
func (e *Engine) LoanRisk(tenant, loan string) (gt.LoanRisk, bool) {
	ts, ok := e.tenants[tenant]
	if !ok || ts.Risk.Loans[loan] == nil {
		return gt.LoanRisk{}, false
	}
	return *ts.Risk.Loans[loan], true
}

// Valuation returns a copy of a collateral's latest valuation, and false before the first.
func (e *Engine) Valuation(tenant, collateral string) (gt.Valuation, bool) {
	ts, ok := e.tenants[tenant]
	if !ok || ts.Risk.Values[collateral] == nil {
		return gt.Valuation{}, false
	}
	return *ts.Risk.Values[collateral], true
}

// Signal returns a copy of a signal, and false when the detector never raised it.
func (e *Engine) Signal(tenant, name, subject string) (gt.Signal, bool) {
	ts, ok := e.tenants[tenant]
	if !ok || ts.Risk.Signals[name+"|"+subject] == nil {
		return gt.Signal{}, false
	}
	return *ts.Risk.Signals[name+"|"+subject], true
}
