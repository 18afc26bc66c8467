package engine

import (
	"container/heap"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	gt "groundtruth"
	"groundtruth/risk"
	"groundtruth/rules"
)

// riskState is what the risk engine (SPEC §6) keeps of one tenant. It is part of the
// snapshot; the indexes beside it (riskIndex) are rebuilt from master data on restore.
type riskState struct {
	Lots        map[string]*lotState      `json:"lots"`    // inventory lots holding a dwell, by collateral id
	Devices     map[string]*devRisk       `json:"devices"` // detector state by device id
	Herds       map[string]*herdState     `json:"herds"`   // livestock by collateral id
	Commodities map[string]*commodity     `json:"commodities"`
	Values      map[string]*gt.Valuation  `json:"valuations"` // by collateral id
	Loans       map[string]*gt.LoanRisk   `json:"loans"`
	Signals     map[string]*gt.Signal     `json:"signals"` // by name|subject
	Alerts      map[string]*gt.Alert      `json:"alerts"`  // not resolved
	Settled     settledAlerts             `json:"settled_alerts"`
	Actions     map[string]*gt.Action     `json:"actions"`
	Inspections map[string]*gt.Inspection `json:"inspections"`
	Rules       map[string][]gt.Rule      `json:"rules"`  // the tenant's versions by name, oldest first
	Timers      map[string]time.Time      `json:"timers"` // key -> when it is due
	Points      map[string]*gt.LoanPoint  `json:"points"` // the current hour's point by loan id
	Crops       map[string]*cropState     `json:"crops"`  // satellite history by crop field
	// NowEval is the minute at which the rules reading now were last evaluated over every
	// subject of their scope.
	NowEval time.Time `json:"now_eval,omitzero"`
}

func newRiskState() *riskState {
	return &riskState{
		Lots: map[string]*lotState{}, Devices: map[string]*devRisk{}, Herds: map[string]*herdState{},
		Commodities: map[string]*commodity{}, Values: map[string]*gt.Valuation{},
		Loans: map[string]*gt.LoanRisk{}, Signals: map[string]*gt.Signal{}, Alerts: map[string]*gt.Alert{},
		Actions: map[string]*gt.Action{}, Inspections: map[string]*gt.Inspection{},
		Rules: map[string][]gt.Rule{}, Timers: map[string]time.Time{}, Points: map[string]*gt.LoanPoint{},
		Crops: map[string]*cropState{},
	}
}

// fill replaces the maps a snapshot left out by empty ones.
func (r *riskState) fill() {
	f := newRiskState()
	fillNil(&r.Lots, f.Lots)
	fillNil(&r.Devices, f.Devices)
	fillNil(&r.Herds, f.Herds)
	fillNil(&r.Commodities, f.Commodities)
	fillNil(&r.Values, f.Values)
	fillNil(&r.Loans, f.Loans)
	fillNil(&r.Signals, f.Signals)
	fillNil(&r.Alerts, f.Alerts)
	fillNil(&r.Actions, f.Actions)
	fillNil(&r.Inspections, f.Inspections)
	fillNil(&r.Rules, f.Rules)
	fillNil(&r.Timers, f.Timers)
	dropNil(r.Lots)
	dropNil(r.Alerts)
	dropNil(r.Actions)
	dropNil(r.Signals)
	for id, ls := range r.Lots {
		if *ls == (lotState{}) {
			delete(r.Lots, id) // an older snapshot kept every lot's
		}
	}
	// A snapshot taken before resolved alerts were settled, and before the engine left
	// their evidence to the store, still holds them whole.
	byAlert := map[string][]*gt.Action{}
	for _, a := range r.Actions {
		byAlert[a.AlertID] = append(byAlert[a.AlertID], a)
	}
	for _, a := range r.Alerts {
		a.Evidence = gt.Evidence{} // the store has it
		if a.State == gt.AlertResolved {
			r.settle(a, byAlert[a.ID])
		}
	}
}

// settledAlert is what the engine keeps of a resolved alert, whose expression no longer
// holds: enough to acknowledge or close it. The store holds the alert itself, and an
// acknowledgement or closure carries the store's copy (gt.AlertUpdate.Alert).
type settledAlert struct {
	Seq    uint64 `json:"seq"`    // of its last change
	Status string `json:"status"` // open, acknowledged or closed
}

// settle moves a resolved alert out of memory, with those of its actions that nothing
// can change any more: all but a request for inspection not yet done (its inspection
// completes it). What an engine holds thus grows with the alerts open, plus a status for
// each resolved alert not yet closed.
func (r *riskState) settle(a *gt.Alert, actions []*gt.Action) {
	delete(r.Alerts, a.ID)
	r.Settled.set(a.ID, settledAlert{Seq: a.Seq, Status: a.Status})
	for _, act := range actions {
		if !pendingInspection(act) {
			delete(r.Actions, act.ID)
		}
	}
}

// dropNil deletes the nil entries of m (a snapshot written by hand may hold some).
func dropNil[V any](m map[string]*V) {
	for k, v := range m {
		if v == nil {
			delete(m, k)
		}
	}
}

// pendingInspection reports whether act waits for its inspection to complete.
func pendingInspection(act *gt.Action) bool {
	return act.Kind == gt.ActionRequestInspection && act.State == gt.ActionOpen
}

// lotState is the detector state of an inventory lot.
type lotState struct {
	Below time.Time `json:"below,omitzero"` // since when observed < book beyond tolerance
	Above time.Time `json:"above,omitzero"` // since when observed > book beyond tolerance
	Apart time.Time `json:"apart,omitzero"` // since when two sources disagree
}

// herdState remembers when each ear tag was last seen by the herd's readers, and when
// they first read a tag: herd_shortfall judges only a herd watched for a whole window.
type herdState struct {
	Seen  map[string]time.Time `json:"seen"`
	Start time.Time            `json:"start,omitzero"`
}

// devRisk is the detector state of one device.
type devRisk struct {
	Values  []float64 `json:"values"` // recent values of the primary measurement, newest last
	Last    float64   `json:"last"`
	LastAt  time.Time `json:"last_at,omitzero"`
	LastSeq uint64    `json:"last_seq"` // event that carried the latest primary reading
	Signed  bool      `json:"signed"`   // the latest pack was signed
	Outside bool      `json:"outside"`  // the last position was outside its site or geofence
	Since   time.Time `json:"since,omitzero"`
	Lat     float64   `json:"lat"`
	Lon     float64   `json:"lon"`
}

// commodity is a commodity's price state: the EWMA of daily closes and the last tick.
type commodity struct {
	EWMA    risk.EWMA    `json:"ewma"`
	Day     string       `json:"day"`   // UTC date of Close
	Close   float64      `json:"close"` // latest price of that day, major units
	Tick    gt.PriceTick `json:"tick"`  // latest tick by time
	Shocked bool         `json:"shocked"`
	ref     *gt.PriceRef // Tick as the valuations name it, shared by all of them
}

// priceRef returns the reference to the latest tick that valuations carry, one for all
// the valuations of that tick (it is never changed once made).
func (cm *commodity) priceRef() *gt.PriceRef {
	p := &cm.Tick
	if r := cm.ref; r != nil && r.Seq == p.Seq && r.At.Equal(p.At) && r.Price == p.Price && r.Unit == p.Unit && r.Commodity == p.Commodity {
		return r
	}
	cm.ref = &gt.PriceRef{Commodity: p.Commodity, At: p.At, Seq: p.Seq, Price: p.Price, Unit: p.Unit}
	return cm.ref
}

// riskIndex are the engine's lookups over a tenant's master data, rebuilt on restore.
type riskIndex struct {
	lotsOf      map[string][]*collRef      // commodity -> its inventory lots (in no order)
	cropsOf     map[string]map[string]bool // commodity -> crop field collateral ids
	repriced    map[string]bool            // commodities whose price moved in this settle
	fastLoans   []*loanRef                 // loans a repricing touched in this settle
	fastEval    []fastEval                 // those of them whose metrics changed
	results     []loanResult               // remeasureParallel's, kept for the next
	mark        uint64                     // stamps loanRef.mark and evalMark, once per settle
	rulesGen    uint64                     // numbers the rule sets built
	loans       map[string]*loanRef        // loan -> its record, metrics and collateral
	colls       map[string]*collRef        // collateral -> its record and valuation
	fxLoans     map[string]bool            // loans with collateral valued in another currency
	collDevices map[string]map[string]bool // collateral -> device ids
	collRel     map[string][]string        // collateral -> release ids
	pledges     map[string]map[string]bool // pledge identifier -> collateral ids
	open        map[string]*openAlert      // rule|subject -> its alert not yet resolved, for subjects other than loans
	stray       map[string]*openAlert      // alert id -> the entry of an open alert's twin (openAlert.twins)
	signalsOf   map[string][]*gt.Signal    // subject -> its signals, active or not
	outs        []outcome                  // the buffers of the rule runs, reused
	outLoans    []rules.Loan
	rules       *ruleSet
	timers      timerHeap
	// Per settle: what changed.
	dirtyColl    map[string]bool
	dirtyLoans   map[string]bool
	dirtySignals map[string]bool
	dirtyDevices map[string]bool
	dirtyPrices  map[string]bool
	staticColl   map[string]bool // collateral whose record or parties changed
	crossColl    map[string]bool // collateral sharing an identifier with a pledge added or removed
	evalColl     map[string]bool // collateral whose valuation changed
	evalLoans    map[string]bool // loans whose metrics changed
	ev           *gt.Event
	eng          *Engine
	ch           *gt.Changes
	ids          int // ids handed out while applying ev
}

func newRiskIndex() *riskIndex {
	return &riskIndex{
		lotsOf: map[string][]*collRef{}, cropsOf: map[string]map[string]bool{}, repriced: map[string]bool{}, loans: map[string]*loanRef{}, colls: map[string]*collRef{}, fxLoans: map[string]bool{},
		collDevices: map[string]map[string]bool{}, collRel: map[string][]string{},
		pledges: map[string]map[string]bool{}, open: map[string]*openAlert{}, stray: map[string]*openAlert{}, signalsOf: map[string][]*gt.Signal{},
		dirtyColl: map[string]bool{}, dirtyLoans: map[string]bool{}, dirtySignals: map[string]bool{},
		dirtyDevices: map[string]bool{}, dirtyPrices: map[string]bool{},
		evalColl: map[string]bool{}, evalLoans: map[string]bool{}, staticColl: map[string]bool{}, crossColl: map[string]bool{},
	}
}

func addTo(m map[string]map[string]bool, k, v string) {
	s := m[k]
	if s == nil {
		s = map[string]bool{}
		m[k] = s
	}
	s[v] = true
}

func removeFrom(m map[string]map[string]bool, k, v string) {
	if s := m[k]; s != nil {
		delete(s, v)
		if len(s) == 0 {
			delete(m, k)
		}
	}
}

// collRef holds what the price tick reads of a collateral, so that it follows pointers
// instead of looking the id up again: c is ts.Collateral[id], v is ts.Risk.Values[id].
// Whoever replaces either entry sets the pointer here too (indexCollateral, revalue).
type collRef struct {
	id string
	c  *gt.Collateral
	v  *gt.Valuation
	// For the repricing of inventory lots (risk_reprice.go): the lot's place in
	// riskIndex.lotsOf, the loans it secures, and what a price-only revaluation reuses.
	lotOf string // the commodity list it is in, "" for none
	lotAt int
	loans []*loanRef
	fast  fastVal
	// shadow is the last full revaluation when it differs from v only in what the
	// value does not show (v keeps the last row's); nil when v is it.
	shadow *gt.Valuation
}

// loanRef is collRef for a loan: l is ts.Loans[id] and lr is ts.Risk.Loans[id], kept by
// whoever replaces either (setLoan, measure); colls are the loan's collateral,
// sorted by id.
type loanRef struct {
	id    string
	l     *gt.Loan
	lr    *gt.LoanRisk
	colls []*collRef
	mark  uint64 // riskIndex.mark when a repricing last touched it
	// The loan rules were last evaluated for this loan, all of them, with rule set
	// ruleGen and loan record evalRec; evalMark is riskIndex.mark when it was evaluated
	// by the repricing's pass (risk_reprice.go).
	ruleGen  uint64
	evalRec  *gt.Loan
	evalMark uint64
	pt       *gt.LoanPoint // ts.Risk.Points[id] once looked up
	open     []*openAlert  // the alerts not yet resolved whose subject is the loan
	row      int           // where its metrics were last put in a Changes (putLoanRiskOf)
	accrues  bool          // an accrue timer may be set for it
}

// coll returns the reference of a collateral, made from the tenant's state when new.
func (x *riskIndex) coll(ts *tenantState, id string) *collRef {
	r := x.colls[id]
	if r == nil {
		r = &collRef{id: id, c: ts.Collateral[id], v: ts.Risk.Values[id]}
		x.colls[id] = r
	}
	return r
}

// loan returns the reference of a loan, made from the tenant's state when new.
func (x *riskIndex) loan(ts *tenantState, id string) *loanRef {
	r := x.loans[id]
	if r == nil {
		r = &loanRef{id: id, l: ts.Loans[id], lr: ts.Risk.Loans[id]}
		x.loans[id] = r
	}
	return r
}

// setLoan stores a new version of a loan record.
func (ts *tenantState) setLoan(l *gt.Loan) {
	ts.Loans[l.ID] = l
	ts.idx().loan(ts, l.ID).l = l
}

// cmpColl orders collateral references by id.
func cmpColl(c *collRef, id string) int { return strings.Compare(c.id, id) }

// addColl adds c to the loan's collateral, once.
func (r *loanRef) addColl(c *collRef) {
	if i, found := slices.BinarySearchFunc(r.colls, c.id, cmpColl); !found {
		r.colls = slices.Insert(r.colls, i, c)
	}
}

// removeColl removes the collateral id from the loan's.
func (r *loanRef) removeColl(id string) {
	if i, found := slices.BinarySearchFunc(r.colls, id, cmpColl); found {
		r.colls = slices.Delete(r.colls, i, i+1)
	}
}

// sorted returns the keys of a set in order.
func sorted(s map[string]bool) []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// indexCollateral updates the indexes for a new version of c (old is the previous one).
func (ts *tenantState) indexCollateral(old, c *gt.Collateral) {
	x := ts.idx()
	if old != nil {
		for _, a := range old.Allocations {
			x.loan(ts, a.LoanID).removeColl(old.ID)
		}
		if old.Crop != nil {
			removeFrom(x.cropsOf, old.Crop.Crop, old.ID)
		}
		for _, k := range pledgeKeys(old) {
			removeFrom(x.pledges, k, old.ID)
			ts.pledgeChanged(k)
		}
	}
	cr := x.coll(ts, c.ID)
	cr.c = c
	cr.loans, cr.fast, cr.shadow = cr.loans[:0], fastVal{}, nil
	for _, a := range c.Allocations {
		lref := x.loan(ts, a.LoanID)
		lref.addColl(cr)
		if !slices.Contains(cr.loans, lref) {
			cr.loans = append(cr.loans, lref)
		}
		x.dirtyLoans[a.LoanID] = true
	}
	commodity := ""
	if c.Inventory != nil {
		commodity = c.Inventory.Commodity
	}
	x.listLot(cr, commodity)
	if c.Crop != nil {
		addTo(x.cropsOf, c.Crop.Crop, c.ID) // a crop is priced as its commodity
	}
	if c.Livestock != nil && ts.Risk.Herds[c.ID] == nil {
		ts.Risk.Herds[c.ID] = &herdState{Seen: map[string]time.Time{}}
	}
	for _, k := range pledgeKeys(c) {
		ts.pledgeChanged(k)
		addTo(x.pledges, k, c.ID)
	}
	x.dirtyColl[c.ID] = true
	x.staticColl[c.ID] = true
}

// pledgeChanged marks the other collateral pledging identifier k, of this tenant and of
// the others, for a new double_pledge judgement: a pledge of k is being added or removed.
func (ts *tenantState) pledgeChanged(k string) {
	x := ts.idx()
	for id := range x.pledges[k] {
		x.crossColl[id], x.dirtyColl[id] = true, true
	}
	e := x.eng
	if e == nil {
		return // rebuilding the index of a restored engine: nothing changes
	}
	for tid, o := range e.tenants {
		ox := o.idx()
		if o == ts || len(ox.pledges[k]) == 0 {
			continue
		}
		for id := range ox.pledges[k] {
			ox.crossColl[id], ox.dirtyColl[id] = true, true
		}
		e.crossDirty[tid] = true
	}
}

// pledgeKeys are the exact identifiers of a collateral's physical asset or document,
// for double_pledge: receipt number + custodian, VIN, serial, ear tags, invoice number
// + seller.
func pledgeKeys(c *gt.Collateral) []string {
	var ks []string
	switch {
	case c.Inventory != nil && c.Inventory.ReceiptNo != "":
		ks = append(ks, "receipt:"+c.Inventory.CustodianID+"/"+strings.ToUpper(c.Inventory.ReceiptNo))
	case c.Vehicle != nil:
		if c.Vehicle.VIN != "" {
			ks = append(ks, "vin:"+c.Vehicle.VIN)
		}
		if c.Vehicle.Serial != "" {
			ks = append(ks, "serial:"+c.Vehicle.Make+"/"+c.Vehicle.Serial)
		}
	case c.Livestock != nil:
		for _, t := range c.Livestock.TagIDs {
			ks = append(ks, "tag:"+t)
		}
	case c.Receivable != nil:
		ks = append(ks, "invoice:"+c.Receivable.SellerID+"/"+c.Receivable.InvoiceNumber)
	}
	return ks
}

// indexDevice updates the collateral -> devices index.
func (ts *tenantState) indexDevice(old, d *gt.Device) {
	x := ts.idx()
	if old != nil && old.CollateralID != "" {
		removeFrom(x.collDevices, old.CollateralID, old.ID)
		x.dirtyColl[old.CollateralID] = true
	}
	if d.CollateralID != "" {
		addTo(x.collDevices, d.CollateralID, d.ID)
		x.dirtyColl[d.CollateralID] = true
	}
	if ts.Risk.Devices[d.ID] == nil {
		ts.Risk.Devices[d.ID] = &devRisk{Values: []float64{}}
	}
}

// indexRelease records a release against its collateral.
func (ts *tenantState) indexRelease(old, r *gt.Release) {
	x := ts.idx()
	if old != nil && old.CollateralID != r.CollateralID {
		// Moved to another collateral: the old one's book no longer has it.
		x.collRel[old.CollateralID] = slices.DeleteFunc(x.collRel[old.CollateralID], func(id string) bool { return id == r.ID })
		x.dirtyColl[old.CollateralID] = true
	}
	for _, id := range x.collRel[r.CollateralID] {
		if id == r.ID {
			x.dirtyColl[r.CollateralID] = true
			return
		}
	}
	x.collRel[r.CollateralID] = append(x.collRel[r.CollateralID], r.ID)
	x.dirtyColl[r.CollateralID] = true
}

// idx returns the tenant's index, building it from state when missing (after restore).
func (ts *tenantState) idx() *riskIndex {
	if ts.index != nil {
		return ts.index
	}
	ts.index = newRiskIndex()
	if ts.Risk == nil {
		ts.Risk = newRiskState()
	}
	for _, id := range sortedKeys(ts.Collateral) {
		ts.indexCollateral(nil, ts.Collateral[id])
	}
	for _, id := range sortedKeys(ts.Devices) {
		ts.indexDevice(nil, ts.Devices[id])
	}
	for _, id := range sortedKeys(ts.Releases) {
		ts.indexRelease(nil, ts.Releases[id])
	}
	for _, k := range sortedKeys(ts.Risk.Signals) {
		s := ts.Risk.Signals[k]
		ts.index.signalsOf[s.Subject] = append(ts.index.signalsOf[s.Subject], s)
	}
	byAlert := make(map[string]*openAlert, len(ts.Risk.Alerts))
	for _, id := range sortedKeys(ts.Risk.Alerts) {
		oa := &openAlert{a: ts.Risk.Alerts[id]}
		ts.attachOpen(oa)
		byAlert[id] = oa
	}
	for _, id := range sortedKeys(ts.Risk.Actions) {
		// The actions of alerts not yet resolved, and requests for inspection of
		// settled alerts, which have none.
		act := ts.Risk.Actions[id]
		if oa := byAlert[act.AlertID]; oa != nil {
			oa.actions = append(oa.actions, act)
		}
	}
	for k, at := range ts.Risk.Timers {
		heap.Push(&ts.index.timers, timer{at, k})
		if id, ok := strings.CutPrefix(k, "accrue|"); ok {
			ts.index.loan(ts, id).accrues = true
		}
	}
	for id, lr := range ts.Risk.Loans {
		if foreignCollateral(lr) {
			ts.index.fxLoans[id] = true
		}
	}
	// A rebuilt index marks nothing dirty: the state it was built from is settled.
	clear(ts.index.dirtyColl)
	clear(ts.index.dirtyLoans)
	clear(ts.index.staticColl)
	clear(ts.index.crossColl)
	return ts.index
}

// Pledges returns the ids of the tenant's collateral pledging identifier k, sorted.
func (x *riskIndex) Pledges(k string) []string {
	return sorted(x.pledges[k])
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// timer is a deadline of the risk engine: a device going stale, a dwell ending, a
// pending alert's for elapsing, a cure period ending.
type timer struct {
	at  time.Time
	key string
}

type timerHeap []timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].key < h[j].key
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// setTimer schedules key at at, replacing an earlier schedule of the same key.
func (ts *tenantState) setTimer(key string, at time.Time) {
	if old, ok := ts.Risk.Timers[key]; ok && old.Equal(at) {
		return
	}
	ts.Risk.Timers[key] = at
	heap.Push(&ts.idx().timers, timer{at, key})
}

func (ts *tenantState) clearTimer(key string) { delete(ts.Risk.Timers, key) }

// dueTimers pops the timers due at or before now, in time then key order. Entries
// superseded by a later setTimer or cleared are skipped.
func (ts *tenantState) dueTimers(now time.Time) []string {
	x := ts.idx()
	var out []string
	for x.timers.Len() > 0 && !x.timers[0].at.After(now) {
		t := heap.Pop(&x.timers).(timer)
		if at, ok := ts.Risk.Timers[t.key]; ok && at.Equal(t.at) {
			delete(ts.Risk.Timers, t.key)
			out = append(out, t.key)
		}
	}
	return out
}

// newID returns the next id of the event being applied: deterministic under replay, and
// sorting by creation.
func (x *riskIndex) newID(prefix string) string {
	x.ids++
	// prefix-%012d-%04d, without fmt: ids are made for every alert and action.
	var buf [64]byte
	b := append(buf[:0], prefix...)
	b = appendPadded(append(b, '-'), x.ev.Seq, 12)
	b = appendPadded(append(b, '-'), uint64(x.ids), 4)
	return string(b)
}

// appendPadded appends n in decimal, zero-padded to width digits.
func appendPadded(b []byte, n uint64, width int) []byte {
	var digits [20]byte
	d := strconv.AppendUint(digits[:0], n, 10)
	for range width - len(d) {
		b = append(b, '0')
	}
	return append(b, d...)
}

// ruleSet is a tenant's effective rules, compiled.
type ruleSet struct {
	all      []*rules.Compiled
	bySignal map[string][]*rules.Compiled // rules requiring one signal name
	scope    map[rules.Scope][]*rules.Compiled
	timed    []*rules.Compiled // the rules that read now
	coll     bool              // some rule is of collateral scope: evalColl is read
	gen      uint64            // riskIndex.rulesGen when built
	// loanReads are, for each rule of scope[rules.ScopeLoan], the loan fields it reads
	// that a repricing can change (loanBand...), all of them for a rule reading now.
	loanReads []uint8
}
