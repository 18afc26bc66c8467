package engine

import (
	"fmt"

	gt "groundtruth"
)

// applyLoanPDs sets the PDs of existing loans, all or none, leaving every other field as
// it is in the engine's state.
func (e *Engine) applyLoanPDs(ts *tenantState, ev *gt.Event, ch *gt.Changes) error {
	var p gt.LoanPDs
	if err := decode(ev, &p); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	for i, it := range p.Items {
		if ts.Loans[it.LoanID] == nil {
			return &gt.Error{Code: gt.ENOTFOUND, Field: fmt.Sprintf("items[%d].loan_id", i), Message: fmt.Sprintf("loan %q not found", it.LoanID)}
		}
	}
	x := ts.idx()
	for _, it := range p.Items {
		l := *ts.Loans[it.LoanID]
		pd := it.PD
		l.PD = &pd
		if o := it.PDAtOrigination; o != nil {
			v := *o
			l.PDAtOrigination = &v
		}
		l.Meta.Stamp(ts.Tenant.ID, ev.Seq, ev.Time, false)
		ts.setLoan(&l)
		ch.Loans = append(ch.Loans, l)
		x.dirtyLoans[l.ID] = true
	}
	return nil
}
