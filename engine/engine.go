// Package engine is the deterministic state machine of groundtruth (SPEC §4.1): it
// applies journal events in sequence order to in-memory state and reports the records
// each event changed, for the store to project. It does no I/O and never reads the wall
// clock: engine time is the latest event time seen (SPEC §4.2).
//
// An Engine is owned by one goroutine; it is not safe for concurrent use.
package engine

import (
	"bytes"
	"fmt"
	"time"

	gt "groundtruth"
	"groundtruth/crop"
	"groundtruth/risk"
)

// Engine holds the state of one partition.
type Engine struct {
	seq     uint64
	now     time.Time
	tenants map[string]*tenantState
	// Global indexes over secrets, kept unique across tenants.
	keyHashes   map[string]ref
	tokenHashes map[string]ref
	idx         changeIndex          // telemetry rows of the Changes being filled
	rows        rowIndex             // risk rows of the Changes being filled
	crossDirty  map[string]bool      // tenants a settle of another tenant left to settle
	override    map[string][]gt.Rule // SetRules
	// fullRevaluation turns the repricing of lots off (risk_reprice.go): every lot a
	// price moves is revalued in full. For the tests that compare the two.
	fullRevaluation bool
	repricedLots    uint64 // lot valuations made by repricing, for the tests
}

type ref struct{ tenant, id string }

// tenantState is everything the engine knows of one tenant.
type tenantState struct {
	Tenant     gt.Tenant                 `json:"tenant"`
	Keys       map[string]*gt.APIKey     `json:"keys"`
	Parties    map[string]*gt.Party      `json:"parties"`
	Sites      map[string]*gt.Site       `json:"sites"`
	Loans      map[string]*gt.Loan       `json:"loans"`
	Collateral map[string]*gt.Collateral `json:"collateral"`
	Devices    map[string]*gt.Device     `json:"devices"`
	Releases   map[string]*gt.Release    `json:"releases"`
	Prices     map[string]*gt.PriceTick  `json:"prices"`    // latest tick per commodity
	Telemetry  map[string]*telemetry     `json:"telemetry"` // by device id
	Risk       *riskState                `json:"risk"`
	Webhook    *gt.WebhookConfig         `json:"webhook,omitempty"`
	index      *riskIndex
	pol        *risk.Policy // Tenant.Policy resolved against the defaults, built on first use
	cpol       *crop.Policy // and its crop thresholds
}

func newTenantState(t gt.Tenant) *tenantState {
	return &tenantState{
		Tenant:     t,
		Keys:       map[string]*gt.APIKey{},
		Parties:    map[string]*gt.Party{},
		Sites:      map[string]*gt.Site{},
		Loans:      map[string]*gt.Loan{},
		Collateral: map[string]*gt.Collateral{},
		Devices:    map[string]*gt.Device{},
		Releases:   map[string]*gt.Release{},
		Prices:     map[string]*gt.PriceTick{},
		Telemetry:  map[string]*telemetry{},
		Risk:       newRiskState(),
	}
}

// New returns an empty engine that expects event sequence 1 next.
func New() *Engine {
	return &Engine{
		tenants:     map[string]*tenantState{},
		keyHashes:   map[string]ref{},
		tokenHashes: map[string]ref{},
		crossDirty:  map[string]bool{},
	}
}

// Seq returns the sequence of the last event applied, 0 for a new engine.
func (e *Engine) Seq() uint64 { return e.seq }

// Now returns engine time: the latest event time applied.
func (e *Engine) Now() time.Time { return e.now }

// Apply applies one event and appends the records it changed to ch, setting ch.Seq.
//
// An event that breaks a rule against the current state (a reference to a missing loan,
// a duplicate id) is rejected as a whole: Apply returns a *groundtruth.Error and changes
// nothing but the sequence, so that replay rejects it the same way. Events must arrive in
// increasing sequence; an event at or below Seq() returns an EINVALID error and is ignored.
func (e *Engine) Apply(ev *gt.Event, ch *gt.Changes) error {
	if ev.Seq <= e.seq {
		return gt.Errorf(gt.EINVALID, "event %d is not after the last applied event %d", ev.Seq, e.seq)
	}
	e.seq = ev.Seq
	ch.Seq = ev.Seq
	e.rows.release(ch)
	if ev.Time.After(e.now) {
		e.now = ev.Time.UTC()
	}
	switch ev.Type {
	case gt.EventTick:
		for _, id := range sortedKeys(e.tenants) {
			e.tenants[id].begin(e, ev, ch)
			e.settle(e.tenants[id], ev, ch)
		}
		return nil
	case gt.EventTenantCreate:
		return e.applyTenantCreate(ev, ch)
	}
	ts, ok := e.tenants[ev.Tenant]
	if !ok {
		return gt.Errorf(gt.ENOTFOUND, "tenant %q does not exist", ev.Tenant)
	}
	ts.begin(e, ev, ch)
	if err := e.applyTenant(ts, ev, ch); err != nil {
		return err
	}
	e.settle(ts, ev, ch)
	for len(e.crossDirty) > 0 {
		for _, id := range sorted(e.crossDirty) {
			delete(e.crossDirty, id)
			e.tenants[id].begin(e, ev, ch)
			e.settle(e.tenants[id], ev, ch)
		}
	}
	return nil
}

func (e *Engine) applyTenant(ts *tenantState, ev *gt.Event, ch *gt.Changes) error {
	switch ev.Type {
	case gt.EventAPIKeyCreate:
		return e.applyKeyCreate(ts, ev, ch)
	case gt.EventAPIKeyRevoke:
		return e.applyKeyRevoke(ts, ev, ch)
	case gt.EventRecordsCreate:
		return e.applyRecords(ts, ev, ch, modeCreate)
	case gt.EventRecordsUpdate:
		return e.applyRecords(ts, ev, ch, modeUpdate)
	case gt.EventRecordsPut:
		return e.applyRecords(ts, ev, ch, modePut)
	case gt.EventPricesRecord:
		return e.applyRecords(ts, ev, ch, modePrices)
	case gt.EventDeviceToken, gt.EventDeviceKey:
		return e.applyDeviceCredential(ts, ev, ch)
	case gt.EventIngest:
		return e.applyIngest(ts, ev, ch)
	case gt.EventRulePut:
		return e.applyRulePut(ts, ev, ch)
	case gt.EventAlertAck:
		return e.applyAlertUpdate(ts, ev, ch, false)
	case gt.EventAlertClose:
		return e.applyAlertUpdate(ts, ev, ch, true)
	case gt.EventInspectionComplete:
		return e.applyInspectionComplete(ts, ev, ch)
	case gt.EventWebhookPut:
		return e.applyWebhookPut(ts, ev, ch)
	case gt.EventPolicyPut:
		return e.applyPolicyPut(ts, ev, ch)
	case gt.EventLoanPDs:
		return e.applyLoanPDs(ts, ev, ch)
	case gt.EventSceneStats:
		return e.applySceneStats(ts, ev, ch)
	}
	return gt.Errorf(gt.EINVALID, "unknown event type %q", string(ev.Type))
}

// Tenant returns a copy of a tenant's record, and false when it does not exist.
func (e *Engine) Tenant(id string) (gt.Tenant, bool) {
	ts, ok := e.tenants[id]
	if !ok {
		return gt.Tenant{}, false
	}
	return ts.Tenant, true
}

// Loan returns a copy of a loan, and false when it does not exist.
func (e *Engine) Loan(tenant, id string) (gt.Loan, bool) {
	ts, ok := e.tenants[tenant]
	if !ok {
		return gt.Loan{}, false
	}
	l, ok := ts.Loans[id]
	if !ok {
		return gt.Loan{}, false
	}
	return *l, true
}

func decode(ev *gt.Event, v any) error {
	// A NUL character is valid JSON but no SQL store keeps it in text: refuse it here so
	// that it never reaches the projection.
	if bytes.Contains(ev.Data, []byte(`\u0000`)) {
		return gt.Errorf(gt.EINVALID, "text must not contain NUL characters")
	}
	if err := unmarshalStrict(ev.Data, v); err != nil {
		return gt.Errorf(gt.EINVALID, "event %d (%s): bad data: %v", ev.Seq, ev.Type, err)
	}
	return nil
}

func errorf(code, format string, args ...any) error {
	return &gt.Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
