package engine

import (
	"weak"

	gt "groundtruth"
)

// rowIndex keeps each risk row at most once in the Changes being filled (a Changes may
// span several events, and a store writes a batch with one statement per kind), with
// its final state. It is rebuilt whenever the Changes is not the one it describes. It
// holds the Changes weakly, so that a Changes the caller has written and dropped is not
// kept alive by the engine until another event fills one.
type rowIndex struct {
	ch   weak.Pointer[gt.Changes]
	lens [7]int
	keys [7]map[rowKey]int
}

// rowKey identifies a row within its kind: the tenant and the row's own key, kept apart
// so that looking a row up allocates nothing.
type rowKey struct {
	tenant, id string
	at         int64 // a loan point's hour
}

const (
	rowValuation = iota
	rowLoan
	rowSignal
	rowAlert
	rowAction
	rowInspection
	rowPoint
)

func (x *rowIndex) lengths(ch *gt.Changes) [7]int {
	return [7]int{len(ch.Valuations), len(ch.LoanRisks), len(ch.Signals), len(ch.Alerts), len(ch.Actions), len(ch.Inspections), len(ch.LoanPoints)}
}

func (x *rowIndex) sync(ch *gt.Changes) {
	if x.ch.Value() == ch && x.lens == x.lengths(ch) {
		return
	}
	x.ch = weak.Make(ch)
	for i := range x.keys {
		x.keys[i] = map[rowKey]int{}
	}
	for i, r := range ch.Valuations {
		x.keys[rowValuation][rowKey{tenant: r.TenantID, id: r.CollateralID}] = i
	}
	for i, r := range ch.LoanRisks {
		x.keys[rowLoan][rowKey{tenant: r.TenantID, id: r.LoanID}] = i
	}
	for i, r := range ch.Signals {
		x.keys[rowSignal][signalKey(&r)] = i
	}
	for i, r := range ch.Alerts {
		x.keys[rowAlert][rowKey{tenant: r.TenantID, id: r.ID}] = i
	}
	for i, r := range ch.Actions {
		x.keys[rowAction][rowKey{tenant: r.TenantID, id: r.ID}] = i
	}
	for i, r := range ch.Inspections {
		x.keys[rowInspection][rowKey{tenant: r.TenantID, id: r.ID}] = i
	}
	for i, r := range ch.LoanPoints {
		x.keys[rowPoint][pointKey(&r)] = i
	}
	x.lens = x.lengths(ch)
}

// reserve makes room in the index for n more rows of a kind, so that a settle adding many
// rows to a new Changes does not grow the map again and again.
func (x *rowIndex) reserve(ch *gt.Changes, kind, n int) {
	if n <= 8 {
		return
	}
	x.sync(ch)
	if len(x.keys[kind]) == 0 {
		x.keys[kind] = make(map[rowKey]int, n)
	}
}

// release drops the index unless it describes ch: the index of a Changes already
// written is not kept until the next event fills one.
func (x *rowIndex) release(ch *gt.Changes) {
	if x.ch.Value() != ch {
		*x = rowIndex{}
	}
}

// putRow appends row to *rows, or replaces the row of the same key already there.
func putRow[T any](x *rowIndex, ch *gt.Changes, kind int, rows *[]T, key rowKey, row T) {
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
	putRow(&e.rows, ch, rowValuation, &ch.Valuations, rowKey{tenant: v.TenantID, id: v.CollateralID}, v)
}

func (e *Engine) putLoanRisk(ch *gt.Changes, r gt.LoanRisk) {
	putRow(&e.rows, ch, rowLoan, &ch.LoanRisks, rowKey{tenant: r.TenantID, id: r.LoanID}, r)
}

func (e *Engine) putSignal(ch *gt.Changes, s gt.Signal) {
	putRow(&e.rows, ch, rowSignal, &ch.Signals, signalKey(&s), s)
}

func (e *Engine) putAlert(ch *gt.Changes, a gt.Alert) {
	a.Loans = append([]string{}, a.Loans...)
	putRow(&e.rows, ch, rowAlert, &ch.Alerts, rowKey{tenant: a.TenantID, id: a.ID}, a)
}

func (e *Engine) putAction(ch *gt.Changes, a gt.Action) {
	a.Loans = append([]string{}, a.Loans...)
	putRow(&e.rows, ch, rowAction, &ch.Actions, rowKey{tenant: a.TenantID, id: a.ID}, a)
}

func (e *Engine) putInspection(ch *gt.Changes, i gt.Inspection) {
	putRow(&e.rows, ch, rowInspection, &ch.Inspections, rowKey{tenant: i.TenantID, id: i.ID}, i)
}

func (e *Engine) putLoanPoint(ch *gt.Changes, p gt.LoanPoint) {
	putRow(&e.rows, ch, rowPoint, &ch.LoanPoints, pointKey(&p), p)
}

func pointKey(p *gt.LoanPoint) rowKey {
	return rowKey{tenant: p.TenantID, id: p.LoanID, at: p.Start.Unix()}
}

// signalKey is a signal's row key; a signal is named by its name and subject.
func signalKey(s *gt.Signal) rowKey {
	return rowKey{tenant: s.TenantID, id: s.Name + "|" + s.Subject}
}
