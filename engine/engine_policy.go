package engine

import gt "groundtruth"

// applyPolicyPut replaces the tenant's risk policy and revalues everything it holds
// under it: every collateral (trust, haircuts, detectors) and every loan (bands).
func (e *Engine) applyPolicyPut(ts *tenantState, ev *gt.Event, ch *gt.Changes) error {
	var p gt.Policy
	if err := decode(ev, &p); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	t := ts.Tenant
	t.Policy = &p
	t.Meta.Stamp(t.ID, ev.Seq, ev.Time, false)
	ts.Tenant, ts.pol, ts.cpol = t, nil, nil
	ch.Tenants = append(ch.Tenants, t)
	x := ts.idx()
	for id := range ts.Collateral {
		x.dirtyColl[id] = true
	}
	for id := range ts.Loans {
		x.dirtyLoans[id] = true
	}
	return nil
}
