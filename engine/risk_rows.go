package engine

import (
	gt "groundtruth"
)

// rowIndex keeps each risk row at most once in the Changes being filled (a Changes may
// span several events, and a store writes a batch with one statement per kind), with
// its final state. It is rebuilt whenever the Changes is not the one it describes.
type rowIndex struct {
	ch   *gt.Changes
	lens [6]int
	keys [6]map[string]int
}

const (
	rowValuation = iota
	rowLoan
	rowSignal
	rowAlert
	rowAction
	rowInspection
)

func (x *rowIndex) lengths(ch *gt.Changes) [6]int {
	return [6]int{len(ch.Valuations), len(ch.LoanRisks), len(ch.Signals), len(ch.Alerts), len(ch.Actions), len(ch.Inspections)}
}

func (x *rowIndex) sync(ch *gt.Changes) {
	if x.ch == ch && x.lens == x.lengths(ch) {
		return
	}
	x.ch = ch
	for i := range x.keys {
		x.keys[i] = map[string]int{}
	}
	for i, r := range ch.Valuations {
		x.keys[rowValuation][r.TenantID+"/"+r.CollateralID] = i
	}
	for i, r := range ch.LoanRisks {
		x.keys[rowLoan][r.TenantID+"/"+r.LoanID] = i
	}
	for i, r := range ch.Signals {
		x.keys[rowSignal][r.TenantID+"/"+r.Name+"|"+r.Subject] = i
	}
	for i, r := range ch.Alerts {
		x.keys[rowAlert][r.TenantID+"/"+r.ID] = i
	}
	for i, r := range ch.Actions {
		x.keys[rowAction][r.TenantID+"/"+r.ID] = i
	}
	for i, r := range ch.Inspections {
		x.keys[rowInspection][r.TenantID+"/"+r.ID] = i
	}
	x.lens = x.lengths(ch)
}

// putRow appends row to *rows, or replaces the row of the same key already there.
func putRow[T any](x *rowIndex, ch *gt.Changes, kind int, rows *[]T, key string, row T) {
	x.sync(ch)
	if i, ok := x.keys[kind][key]; ok {
		(*rows)[i] = row
		return
	}
	x.keys[kind][key] = len(*rows)
	*rows = append(*rows, row)
	x.lens = x.lengths(ch)
}

func (e *Engine) putValuation(ch *gt.Changes, v gt.Valuation) {
	putRow(&e.rows, ch, rowValuation, &ch.Valuations, v.TenantID+"/"+v.CollateralID, v)
}

func (e *Engine) putLoanRisk(ch *gt.Changes, r gt.LoanRisk) {
	putRow(&e.rows, ch, rowLoan, &ch.LoanRisks, r.TenantID+"/"+r.LoanID, r)
}

func (e *Engine) putSignal(ch *gt.Changes, s gt.Signal) {
	putRow(&e.rows, ch, rowSignal, &ch.Signals, s.TenantID+"/"+s.Name+"|"+s.Subject, s)
}

func (e *Engine) putAlert(ch *gt.Changes, a gt.Alert) {
	a.Loans = append([]string{}, a.Loans...)
	putRow(&e.rows, ch, rowAlert, &ch.Alerts, a.TenantID+"/"+a.ID, a)
}

func (e *Engine) putAction(ch *gt.Changes, a gt.Action) {
	a.Loans = append([]string{}, a.Loans...)
	putRow(&e.rows, ch, rowAction, &ch.Actions, a.TenantID+"/"+a.ID, a)
}

func (e *Engine) putInspection(ch *gt.Changes, i gt.Inspection) {
	putRow(&e.rows, ch, rowInspection, &ch.Inspections, i.TenantID+"/"+i.ID, i)
}
