package engine

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	gt "groundtruth"
	"groundtruth/rules"
)

var builtin struct {
	once  sync.Once
	rules map[string]*rules.Compiled
}

// builtinRules returns the built-in pack, compiled once.
func builtinRules() map[string]*rules.Compiled {
	builtin.once.Do(func() {
		builtin.rules = map[string]*rules.Compiled{}
		for _, r := range rules.Builtin() {
			c, err := rules.Compile(r)
			if err != nil {
				panic("built-in rule " + r.Name + ": " + err.Error()) // a bug caught by every test run
			}
			builtin.rules[r.Name] = c
		}
	})
	return builtin.rules
}

// ruleSet returns the tenant's effective rules: the built-in pack with the tenant's
// latest versions overriding it by name (a disabled latest version removes the rule).
func (ts *tenantState) ruleSet() *ruleSet {
	x := ts.idx()
	if x.rules != nil {
		return x.rules
	}
	eff := map[string]*rules.Compiled{}
	for n, c := range builtinRules() {
		eff[n] = c
	}
	tenantRules := ts.Risk.Rules
	if ov := x.eng.override; ov != nil {
		// A backtest or rules test: the given rules are the whole policy.
		clear(eff)
		tenantRules = ov
	}
	for n, vs := range tenantRules {
		last := vs[len(vs)-1]
		if last.Disabled {
			delete(eff, n)
			continue
		}
		c, err := rules.Compile(last)
		if err != nil {
			delete(eff, n) // compiled when saved; a later CEL version may refuse it
			continue
		}
		c.Rule = last
		eff[n] = c
	}
	rs := &ruleSet{bySignal: map[string][]*rules.Compiled{}, scope: map[rules.Scope][]*rules.Compiled{}}
	for _, n := range sortedKeys(eff) {
		c := eff[n]
		rs.all = append(rs.all, c)
		if c.UsesNow() {
			rs.timed = append(rs.timed, c)
		}
		if c.Scope() == rules.ScopeSignal && c.SignalName() != "" {
			rs.bySignal[c.SignalName()] = append(rs.bySignal[c.SignalName()], c)
			continue
		}
		rs.scope[c.Scope()] = append(rs.scope[c.Scope()], c)
		rs.coll = rs.coll || c.Scope() == rules.ScopeCollateral
	}
	x.rulesGen++
	rs.gen = x.rulesGen
	for _, c := range rs.scope[rules.ScopeLoan] {
		rs.loanReads = append(rs.loanReads, loanReads(c))
	}
	x.rules = rs
	return rs
}

// SetRules makes rs the whole rule set of every tenant, in place of the built-in pack
// and the tenants' saved rules (which are still recorded): for backtests and rule tests.
// Each rule must compile; nil restores the normal rule sets.
func (e *Engine) SetRules(rs []gt.Rule) error {
	var ov map[string][]gt.Rule
	if rs != nil {
		ov = map[string][]gt.Rule{}
		for _, r := range rs {
			c, err := rules.Compile(r)
			if err != nil {
				return fmt.Errorf("rule %q: %w", r.Name, err)
			}
			r = c.Rule
			if r.Version == 0 {
				r.Version = 1
			}
			if _, dup := ov[r.Name]; dup {
				return fmt.Errorf("rule %q appears twice", r.Name)
			}
			ov[r.Name] = []gt.Rule{r}
		}
	}
	e.override = ov
	for _, ts := range e.tenants {
		if ts.index != nil {
			ts.index.rules = nil
		}
	}
	return nil
}

// outcome is a rule's result for one subject that changes an alert.
type outcome struct {
	rule    *rules.Compiled
	subject string
	holds   bool
	loan    int32 // index of its loan variable in ruleRun.loans, or -1 (vars.Loan is set when applied)
	vars    rules.Vars
	loans   []string
	ev      evidenceOf
	open    *openAlert // the alert it resolves, when it does not hold
	// For an outcome that opens an alert in a large run, its summary and evidence
	// gathered ahead on every core (prepareAlerts).
	prep *prepared
}

// openAlert is an alert not yet resolved with the actions it raised, in order, as the
// index finds it by rule and subject: on its loan's reference when the subject is a loan
// (a price crash opens and resolves hundreds of thousands), else in riskIndex.open.
type openAlert struct {
	a       *gt.Alert
	actions []*gt.Action
	// twins are alerts of the same rule and subject that an engine before runRules kept
	// one outcome per rule and subject could leave open beside this one (two signals of a
	// device changing in one event opened two): they are resolved with it. Each has an
	// entry in riskIndex.stray, for its timers.
	twins []*openAlert
}

// openOf returns the loan's alert of rule name not yet resolved, nil when none.
func (r *loanRef) openOf(name string) *openAlert {
	for _, oa := range r.open {
		if oa.a.Rule == name {
			return oa
		}
	}
	return nil
}

// openAlert returns the alert of rule name about subject not yet resolved, nil when none.
func (ts *tenantState) openAlert(name, subject string) *openAlert {
	x := ts.idx()
	if id, ok := strings.CutPrefix(subject, "loan:"); ok {
		if r := x.loans[id]; r != nil {
			return r.openOf(name)
		}
		return nil
	}
	return x.open[name+"|"+subject]
}

// attachOpen indexes an alert that opens (or is restored open, in the order of ids). An
// alert of the same rule and subject already indexed, which only a restored snapshot of
// an older engine holds, becomes its twin.
func (ts *tenantState) attachOpen(oa *openAlert) {
	x := ts.idx()
	var prev *openAlert
	if id, ok := strings.CutPrefix(oa.a.Subject, "loan:"); ok {
		r := x.loan(ts, id)
		i := slices.IndexFunc(r.open, func(o *openAlert) bool { return o.a.Rule == oa.a.Rule })
		if i < 0 {
			r.open = append(r.open, oa)
			return
		}
		prev, r.open[i] = r.open[i], oa
	} else {
		key := oa.a.Rule + "|" + oa.a.Subject
		prev, x.open[key] = x.open[key], oa
		if prev == nil {
			return
		}
	}
	oa.twins, prev.twins = append(prev.twins, prev), nil
	x.stray[prev.a.ID] = prev
}

// openFor returns the entry of the alert a, which is not resolved: in the index, or in
// riskIndex.stray for the twin of an alert in the index.
func (ts *tenantState) openFor(a *gt.Alert) *openAlert {
	if oa := ts.openAlert(a.Rule, a.Subject); oa != nil && oa.a == a {
		return oa
	}
	return ts.idx().stray[a.ID]
}

// detachOpen removes a resolved alert from the index.
func (ts *tenantState) detachOpen(oa *openAlert) {
	x := ts.idx()
	if id, ok := strings.CutPrefix(oa.a.Subject, "loan:"); ok {
		if r := x.loans[id]; r != nil {
			r.open = slices.DeleteFunc(r.open, func(o *openAlert) bool { return o == oa })
		}
		return
	}
	delete(x.open, oa.a.Rule+"|"+oa.a.Subject)
}

// prepared is the summary and evidence of an alert about to be opened.
type prepared struct {
	summary  string
	evidence gt.Evidence
}

// evidenceOf names the evidence of an outcome, gathered only when it opens an alert.
type evidenceOf struct {
	kind   evidenceKind
	id     string     // the loan, collateral or device
	signal *gt.Signal // evSignal: its evidence as it is when the alert opens
}

type evidenceKind uint8

const (
	evEvent evidenceKind = iota // the event being applied
	evLoan
	evCollateral
	evDevice
	evSignal
)

// evidence gathers the evidence an outcome names.
func (ts *tenantState) evidence(e evidenceOf) gt.Evidence {
	switch e.kind {
	case evLoan:
		return ts.loanEvidence(e.id)
	case evCollateral:
		return ts.collateralEvidence(e.id)
	case evDevice:
		return ts.deviceEvidence(e.id)
	case evSignal:
		return e.signal.Evidence
	}
	return gt.Evidence{Events: []uint64{ts.idx().ev.Seq}}
}

// ruleRun is one evaluation of the rules over what changed.
type ruleRun struct {
	ts    *tenantState
	now   time.Time
	outs  []outcome
	loans []rules.Loan // copies of loan for the outcomes
	vars  rules.Vars   // the variables of the evaluation in progress
	key   []byte       // an open-alert key being looked up
	loan  rules.Loan   // the loan of the loan subject being evaluated
}

// consider evaluates rule c for a subject, named by its kind's prefix ("loan:") and id,
// and keeps the outcome when it opens or ends an alert. The subject, the loans of a
// loan's subject (ev.kind evLoan) and a copy of the shared r.loan are made only then.
// lref is the loan's reference when the subject is a loan known to be one, else nil.
func (r *ruleRun) consider(c *rules.Compiled, prefix, id string, lref *loanRef, vars *rules.Vars, loans []string, ev evidenceOf) {
	r.vars = *vars
	r.vars.Now = r.now
	holds, err := c.Eval(&r.vars)
	if err != nil {
		holds = false // a runtime error (cost, missing key) does not fire
	}
	var open *openAlert
	switch {
	case lref != nil:
		open = lref.openOf(c.Rule.Name)
	case prefix == "" && strings.HasPrefix(id, "loan:"):
		open = r.ts.openAlert(c.Rule.Name, id)
	default:
		open = r.ts.idx().open[string(r.openKey(c.Rule.Name, prefix, id))]
	}
	if holds != (open != nil) {
		if loans == nil && ev.kind == evLoan {
			loans = []string{ev.id}
		}
		o := outcome{rule: c, subject: prefix + id, holds: holds, loan: -1, vars: r.vars, loans: loans, ev: ev, open: open}
		if r.vars.Loan == &r.loan {
			o.loan, o.vars.Loan = int32(len(r.loans)), nil
			r.loans = append(r.loans, r.loan)
		}
		r.outs = append(r.outs, o)
	}
}

// openKey returns the key of riskIndex.open for a rule and the subject prefix+id, in a
// buffer reused by the next call.
func (r *ruleRun) openKey(rule, prefix, id string) []byte {
	r.key = append(append(append(append(r.key[:0], rule...), '|'), prefix...), id...)
	return r.key
}

// runRules evaluates the rules over what changed and applies the alerts they start or
// end, in (rule, subject) order so that ids are the same under replay.
func (ts *tenantState) runRules(ch *gt.Changes) {
	x := ts.idx()
	rs := ts.ruleSet()
	now := ts.now()
	r := &ruleRun{ts: ts, now: now, outs: x.outs[:0], loans: x.outLoans[:0]}
	anySignal := rs.scope[rules.ScopeSignal] // the rules over signals that name none
	var changed []string                     // subjects of the signals that changed, for them
	judged := map[string][]*gt.Signal{}      // the signals each is judged by
	for _, key := range sorted(x.dirtySignals) {
		s := ts.Risk.Signals[key]
		x.eng.putSignal(ch, *s)
		if len(anySignal) > 0 {
			if _, seen := judged[s.Subject]; !seen {
				changed = append(changed, s.Subject)
				judged[s.Subject] = nil
			}
			if !s.Active { // the active ones are added below
				judged[s.Subject] = append(judged[s.Subject], s)
			}
		}
		if len(rs.bySignal[s.Name]) == 0 {
			continue
		}
		vars, loans := ts.subjectVars(s.Subject)
		vars.Signal = signalVar(s)
		ev := evidenceOf{kind: evSignal, signal: s}
		for _, c := range rs.bySignal[s.Name] {
			r.consider(c, "", s.Subject, nil, &vars, loans, ev)
		}
	}
	if len(changed) > 0 {
		// A rule over any signal is judged once per subject, by the subject's active
		// signals and those that just ended: it holds when it holds for one of them. A
		// signal ending while another holds the rule does not resolve its alert, and a
		// rule about an ending (!signal.active) sees it.
		for _, subject := range changed {
			for _, s := range x.signalsOf[subject] {
				if s.Active {
					judged[subject] = append(judged[subject], s)
				}
			}
		}
		sort.Strings(changed)
		for _, subject := range changed {
			list := judged[subject]
			slices.SortFunc(list, func(a, b *gt.Signal) int { return strings.Compare(a.Name, b.Name) })
			vars, loans := ts.subjectVars(subject)
			for _, c := range anySignal {
				s := ts.pickSignal(c, vars, list)
				if s == nil {
					continue
				}
				v := vars
				v.Signal = signalVar(s)
				r.consider(c, "", subject, nil, &v, loans, evidenceOf{kind: evSignal, signal: s})
			}
		}
	}
	if cs := rs.scope[rules.ScopeLoan]; len(cs) > 0 {
		for id := range x.evalLoans {
			var vars rules.Vars // subjectVars of a loan, in r.loan
			lref := x.loan(ts, id)
			if ts.fillLoanRef(lref, &r.loan) {
				vars.Loan = &r.loan
			}
			ev := evidenceOf{kind: evLoan, id: id}
			for _, c := range cs {
				r.consider(c, "loan:", id, lref, &vars, nil, ev)
			}
			lref.ruleGen, lref.evalRec = rs.gen, lref.l
		}
		ts.runRepricedLoanRules(rs, r)
	}
	for i := range x.fastEval {
		x.fastEval[i] = fastEval{}
	}
	x.fastEval = x.fastEval[:0]
	if cs := rs.scope[rules.ScopeCollateral]; len(cs) > 0 {
		for id := range x.evalColl {
			vars, loans := ts.subjectVars("collateral:" + id)
			ev := evidenceOf{kind: evCollateral, id: id}
			for _, c := range cs {
				r.consider(c, "collateral:", id, nil, &vars, loans, ev)
			}
		}
	}
	if cs := rs.scope[rules.ScopeDevice]; len(cs) > 0 {
		for id := range x.dirtyDevices {
			vars, loans := ts.subjectVars("device:" + id)
			ev := evidenceOf{kind: evDevice, id: id}
			for _, c := range cs {
				r.consider(c, "device:", id, nil, &vars, loans, ev)
			}
		}
	}
	if cs := rs.scope[rules.ScopePrice]; len(cs) > 0 {
		for id := range x.dirtyPrices {
			subject := "price:" + id
			vars, loans := ts.subjectVars(subject)
			for _, c := range cs {
				r.consider(c, "", subject, nil, &vars, loans, evidenceOf{})
			}
		}
	}
	if cs := rs.scope[rules.ScopePortfolio]; len(cs) > 0 && (len(x.evalLoans) > 0 || len(x.dirtyPrices) > 0) {
		vars := rules.Vars{Portfolio: ts.portfolioVar()}
		for _, c := range cs {
			r.consider(c, "", "portfolio", nil, &vars, nil, evidenceOf{})
		}
	}
	// Rules that read now can change with time alone: once a minute of event time they
	// are evaluated over every subject of their scope that nothing above evaluated.
	if minute := now.Truncate(time.Minute); len(rs.timed) > 0 && minute.After(ts.Risk.NowEval) {
		ts.Risk.NowEval = minute
		ts.runTimedRules(rs.timed, r)
	}
	clear(x.dirtySignals)
	clear(x.evalLoans)
	clear(x.evalColl)
	clear(x.dirtyDevices)
	clear(x.dirtyPrices)
	outs := r.outs
	order := make([]int32, len(outs)) // sorted as indexes: an outcome is large to move
	for i := range outs {
		order[i] = int32(i)
		if o := &outs[i]; o.loan >= 0 {
			o.vars.Loan = &r.loans[o.loan]
		}
	}
	slices.SortFunc(order, func(i, j int32) int {
		if c := strings.Compare(outs[i].rule.Rule.Name, outs[j].rule.Rule.Name); c != 0 {
			return c
		}
		if c := strings.Compare(outs[i].subject, outs[j].subject); c != 0 {
			return c
		}
		return int(i - j)
	})
	// Many outcomes into a Changes without alert or action rows (a price crash, or its
	// recovery): each opens or resolves an alert of its own and puts the rows of that
	// alert and of its actions, so that the rows are appended without indexing them.
	// Else the index is made room for.
	opens := 0
	for i := range outs {
		if outs[i].holds {
			opens++
		}
	}
	if opens >= prepareMinAlerts {
		ts.prepareAlerts(outs)
	}
	bulk := len(outs) >= prepareMinAlerts && len(ch.Alerts) == 0 && len(ch.Actions) == 0
	if bulk {
		startFresh(&x.eng.rows, ch, rowAlert, &ch.Alerts, len(outs))
		startFresh(&x.eng.rows, ch, rowAction, &ch.Actions, len(outs))
	} else {
		ch.Alerts, ch.Actions = slices.Grow(ch.Alerts, len(outs)), slices.Grow(ch.Actions, len(outs))
		x.eng.rows.reserve(ch, rowAlert, len(outs))
		x.eng.rows.reserve(ch, rowAction, len(outs))
	}
	for n, i := range order {
		o := &outs[i]
		if n > 0 {
			// One outcome per rule and subject: a second would open a second alert of
			// the same key. Every path above evaluates a rule once per subject (a rule
			// over any signal once per subject, not per signal); this keeps it so.
			if p := &outs[order[n-1]]; p.rule.Rule.Name == o.rule.Rule.Name && p.subject == o.subject {
				continue
			}
		}
		if o.holds {
			ts.startAlert(o, ch)
		} else {
			ts.resolveAlert(o.open, ch)
		}
	}
	if bulk {
		x.eng.rows.endFresh(rowAlert)
		x.eng.rows.endFresh(rowAction)
	}
	// The buffers are kept for the next run, unless this one used little of them (a price
	// crash grows them; the ticks after it should not keep that).
	clear(outs)
	clear(r.loans)
	x.outs, x.outLoans = keep(outs), keep(r.loans)
}

// keep returns s emptied for reuse, or nil when less than a quarter of it was used.
func keep[T any](s []T) []T {
	if len(s) < cap(s)/4 {
		return nil
	}
	return s[:0]
}

// runTimedRules evaluates the rules that read now over the subjects of their scopes,
// leaving out the subjects this event already evaluated.
func (ts *tenantState) runTimedRules(timed []*rules.Compiled, r *ruleRun) {
	x := ts.idx()
	subjects := map[rules.Scope][]string{}
	bySubject := map[string][]*gt.Signal{} // active signals by subject, by name
	for _, c := range timed {
		sc := c.Scope()
		if _, done := subjects[sc]; done {
			continue
		}
		var ids []string
		switch sc {
		case rules.ScopeLoan:
			for id := range ts.Loans {
				if !x.evalLoans[id] && !(x.loans[id] != nil && x.loans[id].evalMark == x.mark) {
					ids = append(ids, "loan:"+id)
				}
			}
		case rules.ScopeCollateral:
			for id := range ts.Collateral {
				if !x.evalColl[id] {
					ids = append(ids, "collateral:"+id)
				}
			}
		case rules.ScopeDevice:
			for id := range ts.Devices {
				if !x.dirtyDevices[id] {
					ids = append(ids, "device:"+id)
				}
			}
		case rules.ScopePrice:
			for id := range ts.Risk.Commodities {
				if !x.dirtyPrices[id] {
					ids = append(ids, "price:"+id)
				}
			}
		case rules.ScopeSignal:
			// The subjects with an active signal: a signal that ended keeps no alert open
			// by time alone.
			for _, s := range ts.Risk.Signals {
				if s.Active {
					bySubject[s.Subject] = append(bySubject[s.Subject], s)
				}
			}
			for key := range x.dirtySignals {
				delete(bySubject, ts.Risk.Signals[key].Subject)
			}
			for subj, list := range bySubject {
				sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
				ids = append(ids, "signal:"+subj)
			}
		case rules.ScopePortfolio:
			if len(x.evalLoans) == 0 && len(x.dirtyPrices) == 0 {
				ids = []string{"portfolio"}
			}
		}
		sort.Strings(ids)
		subjects[sc] = ids
	}
	for _, c := range timed {
		for _, subject := range subjects[c.Scope()] {
			var vars rules.Vars
			var loans []string
			var ev evidenceOf
			switch kind, id, _ := strings.Cut(subject, ":"); kind {
			case "loan":
				vars, loans = ts.subjectVars(subject)
				ev = evidenceOf{kind: evLoan, id: id}
			case "collateral":
				vars, loans = ts.subjectVars(subject)
				ev = evidenceOf{kind: evCollateral, id: id}
			case "device":
				vars, loans = ts.subjectVars(subject)
				ev = evidenceOf{kind: evDevice, id: id}
			case "price":
				vars, loans = ts.subjectVars(subject)
			case "signal":
				// The rule holds for the subject when it holds for any of its active
				// signals (the first by name gives the variables and the evidence).
				subject = id
				vars, loans = ts.subjectVars(subject)
				s := ts.pickSignal(c, vars, bySubject[subject])
				if s == nil {
					continue
				}
				vars.Signal = signalVar(s)
				ev = evidenceOf{kind: evSignal, signal: s}
			default:
				vars = rules.Vars{Portfolio: ts.portfolioVar()}
			}
			r.consider(c, "", subject, nil, &vars, loans, ev)
		}
	}
}

// signalVar is a signal as rules read it.
func signalVar(s *gt.Signal) *rules.Signal {
	return &rules.Signal{Name: s.Name, Subject: s.Subject, Detail: s.Detail, Active: s.Active, Value: s.Value, Since: s.Since}
}

// pickSignal returns the signal by which rule c judges a subject: of signals (the
// subject's, by name; of them, those of the name c requires, if any), the first for which
// c holds, else the first, else nil.
func (ts *tenantState) pickSignal(c *rules.Compiled, vars rules.Vars, signals []*gt.Signal) *gt.Signal {
	var first *gt.Signal
	for _, s := range signals {
		if c.SignalName() != "" && c.SignalName() != s.Name {
			continue
		}
		v := vars
		v.Now, v.Signal = ts.now(), signalVar(s)
		if ok, err := c.Eval(&v); err == nil && ok {
			return s
		}
		if first == nil {
			first = s
		}
	}
	return first
}

// subjectVars returns the CEL variables describing a subject and the loans it concerns.
func (ts *tenantState) subjectVars(subject string) (rules.Vars, []string) {
	var vars rules.Vars
	kind, id, _ := strings.Cut(subject, ":")
	collID := ""
	switch kind {
	case "loan":
		vars.Loan = ts.loanVar(id)
		return vars, []string{id}
	case "collateral":
		collID = id
	case "device":
		if d := ts.Devices[id]; d != nil {
			vars.Device = ts.deviceVar(d)
			collID = d.CollateralID
		}
	case "price":
		if cm := ts.Risk.Commodities[id]; cm != nil {
			vars.Price = priceVar(id, cm)
		}
		return vars, nil
	}
	c := ts.Collateral[collID]
	if c == nil {
		return vars, nil
	}
	vars.Collateral = ts.collateralVar(c)
	var loans []string
	for _, a := range c.Allocations {
		loans = append(loans, a.LoanID)
	}
	sort.Strings(loans)
	if len(loans) > 0 {
		vars.Loan = ts.loanVar(loans[0])
	}
	if c.Inventory != nil {
		if cm := ts.Risk.Commodities[c.Inventory.Commodity]; cm != nil {
			vars.Price = priceVar(c.Inventory.Commodity, cm)
		}
	}
	return vars, loans
}

func major(m gt.Money) float64 {
	exp, _ := gt.CurrencyExponent(m.Currency)
	f := float64(m.Amount)
	for range exp {
		f /= 10
	}
	return f
}

func (ts *tenantState) loanVar(id string) *rules.Loan {
	v := new(rules.Loan)
	if !ts.fillLoanVar(id, v) {
		return nil
	}
	return v
}

// fillLoanVar sets *v to the CEL variable of a loan and reports whether the loan exists.
func (ts *tenantState) fillLoanVar(id string, v *rules.Loan) bool {
	return ts.fillLoanRef(ts.idx().loan(ts, id), v)
}

// fillLoanRef is fillLoanVar of the loan of a reference.
func (ts *tenantState) fillLoanRef(r *loanRef, v *rules.Loan) bool {
	l := r.l
	if l == nil {
		return false
	}
	*v = rules.Loan{ID: l.ID, Product: string(l.Product), Status: string(l.Status), Currency: l.Outstanding.Currency,
		BorrowerID: l.BorrowerID, CoreEnterpriseID: l.CoreEnterpriseID, DaysPastDue: int64(l.DaysPastDue),
		WarnLTV: l.Terms.WarnLTV, MarginCallLTV: l.Terms.MarginCallLTV, LiquidationLTV: l.Terms.LiquidationLTV,
		Exposure: major(l.Outstanding), MaturityDate: l.MaturityDate}
	if lr := r.lr; lr != nil {
		v.Band, v.Value, v.Coverage, v.Exposure = lr.Band, major(lr.CollateralValue), lr.Coverage, major(lr.Exposure)
		v.LTV = 1e9
		if lr.LTV != nil {
			v.LTV = *lr.LTV
		}
	}
	return true
}

func (ts *tenantState) collateralVar(c *gt.Collateral) *rules.Collateral {
	v := &rules.Collateral{ID: c.ID, Kind: string(c.Kind)}
	if val := ts.Risk.Values[c.ID]; val != nil {
		v.Commodity, v.SiteID, v.CustodianID, v.Unit = val.Commodity, val.SiteID, val.CustodianID, val.Unit
		v.Book, v.Verified, v.Trust, v.Haircut, v.Value = val.BookQuantity, val.VerifiedQuantity, val.Trust, val.Haircut, major(val.Value)
		if val.ObservedQuantity != nil {
			v.Observed = *val.ObservedQuantity
		}
	}
	return v
}

func (ts *tenantState) deviceVar(d *gt.Device) *rules.Device {
	v := &rules.Device{ID: d.ID, Kind: string(d.Kind), CollateralID: d.CollateralID, SiteID: d.SiteID, Rejected: map[string]int64{}}
	if t := ts.Telemetry[d.ID]; t != nil {
		v.State = t.Health.State
		for k, n := range t.Health.Rejected {
			v.Rejected[k] = int64(n)
		}
	}
	if dr := ts.Risk.Devices[d.ID]; dr != nil {
		v.Signed = dr.Signed
	}
	return v
}

func priceVar(name string, cm *commodity) *rules.Price {
	return &rules.Price{Commodity: name, Price: major(cm.Tick.Price), Return: cm.EWMA.LastReturn, Sigma: cm.EWMA.Sigma()}
}

func (ts *tenantState) portfolioVar() *rules.Portfolio {
	p := &rules.Portfolio{}
	for _, lr := range ts.Risk.Loans {
		p.Loans++
		p.Exposure += major(lr.Exposure)
		p.Value += major(lr.CollateralValue)
		if lr.Band == gt.BandMarginCall || lr.Band == gt.BandLiquidation {
			p.LoansInMarginCall++
		}
	}
	return p
}

// loanEvidence names the valuations securing a loan and the price ticks they used.
func (ts *tenantState) loanEvidence(id string) gt.Evidence {
	x := ts.idx()
	ids := x.loan(ts, id).colls
	ev := gt.Evidence{Events: make([]uint64, 1, 1+len(ids))}
	ev.Events[0] = x.ev.Seq
	for _, cr := range ids {
		if v := cr.v; v != nil {
			if ev.Valuations == nil {
				ev.Valuations = make([]gt.Valuation, 0, len(ids))
			}
			ev.Valuations = append(ev.Valuations, *v)
			if v.Price != nil {
				if ev.Prices == nil {
					ev.Prices = make([]gt.PriceRef, 0, len(ids))
				}
				ev.Prices = append(ev.Prices, *v.Price)
				if v.Price.Seq != 0 && v.Price.Seq != ev.Events[0] {
					ev.Events = append(ev.Events, v.Price.Seq)
				}
			}
		}
	}
	return ev
}

func (ts *tenantState) collateralEvidence(id string) gt.Evidence {
	ev := gt.Evidence{Events: []uint64{ts.idx().ev.Seq}}
	if v := ts.Risk.Values[id]; v != nil {
		ev.Valuations = []gt.Valuation{*v}
		if v.Price != nil {
			ev.Prices = []gt.PriceRef{*v.Price}
		}
	}
	return ev
}

// prepareMinAlerts is the number of alerts opened by one rule run from which their
// summaries and evidence are gathered on every core and their rows put in bulk.
var prepareMinAlerts = 2048

// prepareAlerts gathers the summary and evidence of the outcomes that open an alert, on
// every core (a price crash over a large book opens many). Both only read state that
// applying the outcomes does not change: the outcome's variables, and the valuations,
// which no alert or action touches. A loan's evidence is gathered ahead only when its
// index entry exists (looking one up may create it).
func (ts *tenantState) prepareAlerts(outs []outcome) {
	x := ts.idx()
	prep := make([]prepared, len(outs))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(outs)/workers, (w+1)*len(outs)/workers
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				o := &outs[i]
				if !o.holds || (o.ev.kind == evLoan && x.loans[o.ev.id] == nil) {
					continue
				}
				p := &prep[i]
				p.summary, p.evidence, o.prep = o.rule.Summary(&o.vars), ts.evidence(o.ev), p
			}
		})
	}
	wg.Wait()
}

// startAlert opens a pending alert and fires it at once when the rule has no for.
func (ts *tenantState) startAlert(o *outcome, ch *gt.Changes) {
	x := ts.idx()
	r := o.rule.Rule
	p := o.prep
	if p == nil {
		p = &prepared{o.rule.Summary(&o.vars), ts.evidence(o.ev)}
	}
	a := &gt.Alert{ID: x.newID("al"), TenantID: ts.Tenant.ID, Rule: r.Name, RuleVersion: r.Version, Subject: o.subject,
		Loans: o.loans, Severity: r.Severity, Action: r.Action, State: gt.AlertPending, Status: gt.AlertOpen,
		Summary: p.summary, ActiveAt: ts.now(), Evidence: p.evidence, Seq: x.ev.Seq}
	if a.Loans == nil {
		a.Loans = []string{}
	}
	a.Evidence.RuleVersion = r.Version
	ts.Risk.Alerts[a.ID] = a
	oa := &openAlert{a: a}
	ts.attachOpen(oa)
	if r.For <= 0 {
		ts.fire(oa, ch)
	} else {
		ts.setTimer("fire|"+a.ID, a.ActiveAt.Add(r.For.Std()))
		x.eng.putAlert(ch, *a)
	}
	a.Evidence = gt.Evidence{} // in the row, and from there in the store: the engine keeps no copy
}

// fireDue fires a pending alert whose for has elapsed (it would have been resolved had
// its expression stopped holding).
func (ts *tenantState) fireDue(id string, ch *gt.Changes) {
	if a := ts.Risk.Alerts[id]; a != nil && a.State == gt.AlertPending {
		if oa := ts.openFor(a); oa != nil {
			ts.fire(oa, ch)
		}
	}
}

// fire moves an alert to firing and takes its rule's action.
func (ts *tenantState) fire(oa *openAlert, ch *gt.Changes) {
	x := ts.idx()
	a := oa.a
	now := ts.now()
	a.State, a.FiredAt, a.Seq = gt.AlertFiring, now, x.ev.Seq
	x.eng.putAlert(ch, *a)
	if a.Action == gt.ActionAlert || a.Action == "" {
		return
	}
	act := &gt.Action{ID: x.newID("ac"), TenantID: ts.Tenant.ID, Kind: a.Action, AlertID: a.ID, Rule: a.Rule,
		Subject: a.Subject, Loans: a.Loans, Severity: a.Severity, Summary: a.Summary, Created: now,
		State: gt.ActionOpen, Seq: x.ev.Seq}
	switch a.Action {
	case gt.ActionMarginCall:
		for _, lid := range a.Loans {
			lref := x.loan(ts, lid)
			l, lr := lref.l, lref.lr
			if l == nil || lr == nil {
				continue
			}
			cure := now.Add(l.Terms.CurePeriod.Std())
			if act.CureBy.IsZero() || cure.Before(act.CureBy) {
				act.CureBy = cure
			}
			// In place, as measure updates it: rows hold copies (and a margin call of
			// their own).
			lr.MarginCall = &gt.MarginCall{ActionID: act.ID, Opened: now, CureBy: cure}
			lr.Seq, lr.At = x.ev.Seq, now
			x.eng.putLoanRiskOf(ch, lref, *lr)
		}
		if !act.CureBy.IsZero() {
			ts.setTimer("cure|"+act.ID, act.CureBy)
		}
	case gt.ActionRequestInspection:
		in := &gt.Inspection{ID: x.newID("in"), TenantID: ts.Tenant.ID, ActionID: act.ID, AlertID: a.ID,
			Subject: a.Subject, Reason: a.Summary, State: "open", Created: now, Seq: x.ev.Seq}
		kind, id, _ := strings.Cut(a.Subject, ":")
		if kind == "device" {
			if d := ts.Devices[id]; d != nil {
				id, in.SiteID = d.CollateralID, d.SiteID
			}
		}
		if c := ts.Collateral[id]; c != nil {
			in.CollateralID = c.ID
			if in.SiteID == "" {
				in.SiteID = collateralSite(c)
			}
		}
		act.InspectionID = in.ID
		ts.Risk.Inspections[in.ID] = in
		x.eng.putInspection(ch, *in)
	}
	ts.addAction(oa, act)
	x.eng.putAction(ch, *act)
}

// addAction records a new action of the alert oa.
func (ts *tenantState) addAction(oa *openAlert, act *gt.Action) {
	ts.Risk.Actions[act.ID] = act
	oa.actions = append(oa.actions, act)
}

func collateralSite(c *gt.Collateral) string {
	switch {
	case c.Inventory != nil:
		return c.Inventory.SiteID
	case c.Vehicle != nil:
		return c.Vehicle.SiteID
	case c.Livestock != nil:
		return c.Livestock.SiteID
	case c.Crop != nil:
		return c.Crop.SiteID
	}
	return ""
}

// resolveAlert ends an alert whose expression stopped holding. A margin call it raised
// is cured when the deadline has not passed.
func (ts *tenantState) resolveAlert(oa *openAlert, ch *gt.Changes) {
	ts.detachOpen(oa)
	for _, tw := range oa.twins {
		delete(ts.idx().stray, tw.a.ID)
		ts.endAlert(tw, ch)
	}
	ts.endAlert(oa, ch)
}

// endAlert resolves an alert taken out of the index, cures its open margin calls and
// settles it.
func (ts *tenantState) endAlert(oa *openAlert, ch *gt.Changes) {
	a := oa.a
	x := ts.idx()
	now := ts.now()
	if a.State == gt.AlertPending { // a firing alert's timer is spent
		ts.clearTimer("fire|" + a.ID)
	}
	a.State, a.ResolvedAt, a.Seq = gt.AlertResolved, now, x.ev.Seq
	x.eng.putAlert(ch, *a)
	for _, act := range oa.actions { // resolving adds no action
		if act.Kind != gt.ActionMarginCall {
			continue
		}
		switch act.State {
		case gt.ActionOpen:
			act.State, act.Seq = gt.ActionCured, x.ev.Seq
			ts.clearTimer("cure|" + act.ID)
			x.eng.putAction(ch, *act)
			ts.endMarginCall(act, false, ch)
		case gt.ActionEscalated:
			// Cured late: the action stays escalated, the loan's margin call ends.
			ts.endMarginCall(act, false, ch)
		}
	}
	ts.Risk.settle(a, oa.actions)
}

// endMarginCall clears (cured) or marks escalated the margin call on the action's loans.
func (ts *tenantState) endMarginCall(act *gt.Action, escalated bool, ch *gt.Changes) {
	x := ts.idx()
	for _, lid := range act.Loans {
		lr := ts.Risk.Loans[lid]
		if lr == nil || lr.MarginCall == nil || lr.MarginCall.ActionID != act.ID {
			continue
		}
		if escalated {
			mc := *lr.MarginCall // rows already put share the old one
			mc.Escalated = true
			lr.MarginCall = &mc
		} else {
			lr.MarginCall = nil
		}
		lr.Seq, lr.At = x.ev.Seq, ts.now()
		x.eng.putLoanRiskOf(ch, x.loan(ts, lid), *lr)
	}
}

// cureDue escalates a margin call whose loan is still in the band at its deadline.
func (ts *tenantState) cureDue(id string, ch *gt.Changes) {
	act := ts.Risk.Actions[id]
	if act == nil || act.State != gt.ActionOpen {
		return
	}
	a := ts.Risk.Alerts[act.AlertID]
	if a == nil || a.State != gt.AlertFiring {
		return
	}
	oa := ts.openFor(a)
	if oa == nil {
		return
	}
	x := ts.idx()
	act.State, act.Seq = gt.ActionEscalated, x.ev.Seq
	x.eng.putAction(ch, *act)
	esc := &gt.Action{ID: x.newID("ac"), TenantID: ts.Tenant.ID, Kind: gt.ActionEscalation, AlertID: a.ID, Rule: a.Rule,
		Subject: a.Subject, Loans: act.Loans, Severity: gt.SeverityCritical,
		Summary: "margin call not cured by " + act.CureBy.Format(time.RFC3339) + ": " + a.Summary,
		Created: ts.now(), State: gt.ActionOpen, Seq: x.ev.Seq}
	ts.addAction(oa, esc)
	x.eng.putAction(ch, *esc)
	ts.endMarginCall(act, true, ch)
}
