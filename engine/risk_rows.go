package engine

import (
	"slices"
	"weak"

	gt "groundtruth"
)

// rowIndex keeps each risk row at most once in the Changes being filled (a Changes may
// span several events, and a store writes a batch with one statement per kind), with
// its final state. It is rebuilt whenever the Changes is not the one it describes. It
// holds the Changes weakly, so that a Changes the caller has written and dropped is not
// kept alive by the engine until another event fills one.
//
// A settle adding many rows of a kind the Changes holds none of yet knows them distinct
// (fresh): they are appended without being indexed, and the index of the kind catches up
// only when a later put of it needs a lookup. Most Changes never need it.
type rowIndex struct {
	ch      weak.Pointer[gt.Changes]
	lens    [7]int
	keys    [7]map[rowKey]int
	indexed [7]int  // the rows of each kind in keys: those after are not yet
	fresh   [7]bool // the rows being put of a kind are distinct and not yet in the Changes
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

// sync points the index at ch. The keys of a Changes it did not describe are indexed
// again when a put needs them.
func (x *rowIndex) sync(ch *gt.Changes) {
	if x.ch.Value() == ch && x.lens == x.lengths(ch) {
		return
	}
	x.ch = weak.Make(ch)
	x.keys, x.indexed, x.fresh = [7]map[rowKey]int{}, [7]int{}, [7]bool{}
	x.lens = x.lengths(ch)
}

// catchUp indexes the rows of a kind not yet in keys.
func (x *rowIndex) catchUp(ch *gt.Changes, kind int) {
	n := x.lens[kind]
	if x.indexed[kind] == n {
		return
	}
	if x.keys[kind] == nil {
		x.keys[kind] = make(map[rowKey]int, n)
	}
	m := x.keys[kind]
	for i := x.indexed[kind]; i < n; i++ {
		var k rowKey
		switch kind {
		case rowValuation:
			r := &ch.Valuations[i]
			k = rowKey{tenant: r.TenantID, id: r.CollateralID}
		case rowLoan:
			r := &ch.LoanRisks[i]
			k = rowKey{tenant: r.TenantID, id: r.LoanID}
		case rowSignal:
			k = signalKey(&ch.Signals[i])
		case rowAlert:
			r := &ch.Alerts[i]
			k = rowKey{tenant: r.TenantID, id: r.ID}
		case rowAction:
			r := &ch.Actions[i]
			k = rowKey{tenant: r.TenantID, id: r.ID}
		case rowInspection:
			r := &ch.Inspections[i]
			k = rowKey{tenant: r.TenantID, id: r.ID}
		case rowPoint:
			k = pointKey(&ch.LoanPoints[i])
		}
		m[k] = i
	}
	x.indexed[kind] = n
}

// startFresh begins putting up to n rows of a kind that are distinct from each other:
// when ch holds no row of the kind yet, they are appended without a lookup until
// endFresh. It makes room for them in the rows.
func startFresh[T any](x *rowIndex, ch *gt.Changes, kind int, rows *[]T, n int) {
	*rows = slices.Grow(*rows, n)
	x.sync(ch)
	x.fresh[kind] = len(*rows) == 0
}

// isFresh reports whether rows of a kind put now into ch are appended without a lookup
// (startFresh found none of the kind in ch).
func (x *rowIndex) isFresh(ch *gt.Changes, kind int) bool {
	return x.ch.Value() == ch && x.fresh[kind] && x.lens == x.lengths(ch)
}

// appended records n rows of a kind appended to ch directly while fresh. Should the
// index not describe ch any more, it is dropped and rebuilt by the next put.
func (x *rowIndex) appended(ch *gt.Changes, kind, n int) {
	x.lens[kind] += n
	if x.lens[kind] != x.lengths(ch)[kind] {
		*x = rowIndex{}
	}
}

// endFresh ends the distinct rows of a kind begun by startFresh.
func (x *rowIndex) endFresh(kind int) { x.fresh[kind] = false }

// reserve makes room in the index for n more rows of a kind, so that a settle adding many
// rows to a new Changes does not grow the map again and again.
func (x *rowIndex) reserve(ch *gt.Changes, kind, n int) {
	if n <= 8 {
		return
	}
	x.sync(ch)
	if x.keys[kind] == nil {
		x.keys[kind] = make(map[rowKey]int, x.lens[kind]+n)
	}
}

// release drops the index unless it describes ch: the index of a Changes already
// written is not kept until the next event fills one.
func (x *rowIndex) release(ch *gt.Changes) {
	if x.ch.Value() != ch {
		*x = rowIndex{}
	}
}

// putRow appends row to *rows, or replaces the row of the same key already there, and
// returns its index.
func putRow[T any](x *rowIndex, ch *gt.Changes, kind int, rows *[]T, key rowKey, row T) int {
	return putRowKeep(x, ch, kind, rows, key, row, nil)
}

// putRowKeep is putRow; when it replaces a row, keep (if not nil) returns the row to put
// in its place, with what row leaves out taken from the old one. (Neither row nor old
// escapes: the rows of every kind go through here.)
func putRowKeep[T any](x *rowIndex, ch *gt.Changes, kind int, rows *[]T, key rowKey, row T, keep func(old *T, row T) T) int {
	x.sync(ch)
	if !x.fresh[kind] {
		x.catchUp(ch, kind)
		if i, ok := x.keys[kind][key]; ok {
			if keep != nil {
				row = keep(&(*rows)[i], row)
			}
			(*rows)[i] = row
			return i
		}
		if x.keys[kind] == nil {
			x.keys[kind] = map[rowKey]int{}
		}
		x.keys[kind][key] = len(*rows)
		x.indexed[kind]++
	}
	*rows = append(*rows, row)
	x.lens[kind]++
	return len(*rows) - 1
}

func (e *Engine) putValuation(ch *gt.Changes, v gt.Valuation) {
	putRow(&e.rows, ch, rowValuation, &ch.Valuations, rowKey{tenant: v.TenantID, id: v.CollateralID}, v)
}

func (e *Engine) putLoanRisk(ch *gt.Changes, r gt.LoanRisk) int {
	return putRow(&e.rows, ch, rowLoan, &ch.LoanRisks, rowKey{tenant: r.TenantID, id: r.LoanID}, r)
}

// putLoanRiskOf is putLoanRisk for the loan of ref, whose row it finds without a lookup
// when it is where the loan's last row was put: a margin call that replaces the row a
// price tick wrote does not index the tick's hundreds of thousands of rows.
func (e *Engine) putLoanRiskOf(ch *gt.Changes, ref *loanRef, r gt.LoanRisk) {
	if i := ref.row; i >= 0 && i < len(ch.LoanRisks) && ch.LoanRisks[i].LoanID == r.LoanID && ch.LoanRisks[i].TenantID == r.TenantID {
		ch.LoanRisks[i] = r
		return
	}
	ref.row = e.putLoanRisk(ch, r)
}

func (e *Engine) putSignal(ch *gt.Changes, s gt.Signal) {
	putRow(&e.rows, ch, rowSignal, &ch.Signals, signalKey(&s), s)
}

// putAlert puts an alert's row. The engine keeps an alert's evidence only until its
// first row is put (the store keeps it from there: a row without evidence leaves the
// stored evidence as it is), so a later row of the same alert in ch keeps the evidence of
// the row it replaces.
func (e *Engine) putAlert(ch *gt.Changes, a gt.Alert) {
	a.Loans = append([]string{}, a.Loans...)
	putRowKeep(&e.rows, ch, rowAlert, &ch.Alerts, rowKey{tenant: a.TenantID, id: a.ID}, a, keepEvidence)
}

// keepEvidence returns row with the evidence of old when it has none.
func keepEvidence(old *gt.Alert, row gt.Alert) gt.Alert {
	if row.Evidence.RuleVersion == 0 {
		row.Evidence = old.Evidence
	}
	return row
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
