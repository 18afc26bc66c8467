package engine_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/engine"
)

// unmonitoredValue is the value of lot-1 without devices: 1000 t x 8000.00 USD x 0.85 x
// 0.8 (the trust of unmonitored collateral), in cents.
const unmonitoredValue = 544_000_000

// loanRig is a rig with bank-a's copper financing without devices, so that its value
// stays 544,000,000 cents while time passes, and loan-1 at the given LTV with a cure
// period of 48 hours.
func loanRig(t *testing.T, ltv float64) *rig {
	r := newRig(t, "bank-a")
	recs := copperRecords()
	recs.Devices = nil
	recs.Loans[0].Terms = gt.DefaultTerms
	recs.Loans[0].Terms.CurePeriod = gt.Duration(48 * time.Hour)
	recs.Loans[0].Outstanding = gt.Money{Amount: int64(math.Round(ltv * unmonitoredValue)), Currency: "USD"}
	r.price("copper", copperUSD)
	r.records(recs)
	return r
}

// setLTV changes loan-1's outstanding so that its LTV is ltv.
func (r *rig) setLTV(ltv float64) *gt.Changes {
	r.t.Helper()
	l, _ := r.e.Loan("bank-a", "loan-1")
	l.Outstanding.Amount = int64(math.Round(ltv * unmonitoredValue))
	return r.update(gt.Records{Loans: []gt.Loan{l}})
}

func TestLoanBandsWithHysteresis(t *testing.T) {
	r := loanRig(t, 0.5)
	for _, step := range []struct {
		ltv  float64
		band string
	}{
		{0.5, gt.BandHealthy},
		{0.81, gt.BandMarginCall},
		{0.79, gt.BandMarginCall}, // clears only below 0.78
		{0.77, gt.BandWarn},
		{0.69, gt.BandWarn},
		{0.67, gt.BandHealthy},
		{0.91, gt.BandLiquidation},
		{0.885, gt.BandLiquidation},
		{0.5, gt.BandHealthy}, // several bands at once
	} {
		r.now = r.now.Add(time.Minute)
		r.setLTV(step.ltv)
		lr := r.loanRisk("loan-1")
		if lr.Band != step.band || lr.LTV == nil || math.Abs(*lr.LTV-step.ltv) > 1e-9 {
			t.Fatalf("LTV %v: band %q LTV %v, want %q", step.ltv, lr.Band, lr.LTV, step.band)
		}
		if lr.CollateralValue.Amount != unmonitoredValue || math.Abs(lr.Coverage-1/step.ltv) > 1e-9 {
			t.Errorf("LTV %v: value %v coverage %v, want %d and %v", step.ltv, lr.CollateralValue, lr.Coverage, unmonitoredValue, 1/step.ltv)
		}
	}
	// One margin-call alert for the first stay in the band (0.81, 0.79), one for the
	// liquidation stay.
	as := r.alerts("ltv_margin_call", "loan:loan-1")
	if len(as) != 2 || as[0].State != gt.AlertResolved || as[1].State != gt.AlertResolved {
		t.Errorf("ltv_margin_call alerts = %d, want 2 resolved", len(as))
	}
}

func TestMarginCall(t *testing.T) {
	start := func(t *testing.T) (*rig, gt.Action) {
		r := loanRig(t, 0.5)
		r.now = r.now.Add(time.Minute)
		ch := r.setLTV(0.81)
		calls := r.actions(gt.ActionMarginCall)
		if len(calls) != 1 || len(ch.Actions) != 1 || ch.Actions[0].ID != calls[0].ID {
			t.Fatalf("margin calls = %+v (changes %+v), want one, reported in the changes", calls, ch.Actions)
		}
		mc := calls[0]
		if !mc.CureBy.Equal(r.now.Add(48*time.Hour)) || mc.State != gt.ActionOpen || mc.Severity != gt.SeverityCritical ||
			strings.Join(mc.Loans, ",") != "loan-1" {
			t.Fatalf("margin call = %+v, want open, critical, on loan-1, cure by %v", mc, r.now.Add(48*time.Hour))
		}
		lr := r.loanRisk("loan-1")
		if lr.MarginCall == nil || lr.MarginCall.ActionID != mc.ID || !lr.MarginCall.CureBy.Equal(mc.CureBy) || lr.MarginCall.Escalated {
			t.Fatalf("loan's margin call = %+v, want the action's", lr.MarginCall)
		}
		return r, mc
	}
	t.Run("cured", func(t *testing.T) {
		r, mc := start(t)
		r.wait(47 * time.Hour)
		r.setLTV(0.77)
		got := r.actions(gt.ActionMarginCall)[0]
		if got.State != gt.ActionCured || len(r.actions(gt.ActionEscalation)) != 0 {
			t.Errorf("margin call %s after the cure: %s, want cured and no escalation", mc.ID, got.State)
		}
		if lr := r.loanRisk("loan-1"); lr.MarginCall != nil || lr.Band != gt.BandWarn {
			t.Errorf("loan after the cure: margin call %+v band %s, want none, warn", lr.MarginCall, lr.Band)
		}
		r.wait(2 * time.Hour)
		if len(r.actions(gt.ActionEscalation)) != 0 {
			t.Error("a cured margin call escalated at its deadline")
		}
	})
	t.Run("escalated", func(t *testing.T) {
		r, mc := start(t)
		r.wait(47*time.Hour + 59*time.Minute)
		if len(r.actions(gt.ActionEscalation)) != 0 {
			t.Fatal("escalated before the deadline")
		}
		r.wait(2 * time.Minute)
		esc := r.actions(gt.ActionEscalation)
		if len(esc) != 1 || esc[0].AlertID != mc.AlertID || esc[0].Severity != gt.SeverityCritical || strings.Join(esc[0].Loans, ",") != "loan-1" {
			t.Fatalf("escalations = %+v, want one, critical, for the margin call's alert", esc)
		}
		if got := r.actions(gt.ActionMarginCall)[0]; got.State != gt.ActionEscalated {
			t.Errorf("margin call state %s, want escalated", got.State)
		}
		if lr := r.loanRisk("loan-1"); lr.MarginCall == nil || !lr.MarginCall.Escalated || lr.MarginCall.ActionID != mc.ID {
			t.Errorf("loan's margin call = %+v, want escalated", lr.MarginCall)
		}
		// Cured late: the loan's margin call ends, the action stays escalated.
		r.wait(time.Hour)
		r.setLTV(0.77)
		if lr := r.loanRisk("loan-1"); lr.MarginCall != nil || lr.Band != gt.BandWarn {
			t.Errorf("loan cured after the escalation: margin call %+v band %s, want none, warn", lr.MarginCall, lr.Band)
		}
		if got := r.actions(gt.ActionMarginCall)[0]; got.State != gt.ActionEscalated {
			t.Errorf("margin call state %s after the late cure, want escalated", got.State)
		}
	})
}

func TestRuleForDuration(t *testing.T) {
	rule := gt.Rule{Name: "ltv_above_half", Expr: "loan.ltv > 0.5", For: gt.Duration(10 * time.Minute),
		Severity: gt.SeverityWarning, Summary: "Loan {{ loan.id }} is above half"}
	setup := func(t *testing.T) (*rig, time.Time) {
		r := loanRig(t, 0.3)
		ch := r.do(gt.EventRulePut, "bank-a", rule)
		if len(ch.Rules) != 1 || ch.Rules[0].Version != 1 || ch.Rules[0].Action != gt.ActionAlert {
			t.Fatalf("rule changes = %+v, want version 1 with action alert", ch.Rules)
		}
		r.now = r.now.Add(time.Minute)
		ch = r.setLTV(0.6)
		as := r.alerts("ltv_above_half", "loan:loan-1")
		if len(as) != 1 || as[0].State != gt.AlertPending || !as[0].ActiveAt.Equal(r.now) || len(ch.Alerts) != 1 {
			t.Fatalf("alerts = %+v, want one pending since now", as)
		}
		return r, r.now
	}
	t.Run("fires after for", func(t *testing.T) {
		r, since := setup(t)
		r.wait(9 * time.Minute)
		if a := r.alerts("ltv_above_half", "loan:loan-1")[0]; a.State != gt.AlertPending {
			t.Fatalf("after 9 minutes: %s, want pending", a.State)
		}
		r.wait(time.Minute)
		a := r.alerts("ltv_above_half", "loan:loan-1")[0]
		if a.State != gt.AlertFiring || !a.FiredAt.Equal(since.Add(10*time.Minute)) || a.Summary != "Loan loan-1 is above half" || a.RuleVersion != 1 {
			t.Errorf("after 10 minutes: %+v, want firing since then", a)
		}
	})
	t.Run("resolves before for", func(t *testing.T) {
		r, _ := setup(t)
		r.wait(6 * time.Minute)
		r.setLTV(0.3)
		r.wait(20 * time.Minute)
		as := r.alerts("ltv_above_half", "loan:loan-1")
		if len(as) != 1 || as[0].State != gt.AlertResolved || !as[0].FiredAt.IsZero() {
			t.Errorf("alerts = %+v, want one resolved that never fired", as)
		}
	})
}

func TestTenantRuleOverridesBuiltin(t *testing.T) {
	r := copperRig(t)
	ch := r.do(gt.EventRulePut, "bank-a", gt.Rule{Name: "tamper", Expr: `signal.active && signal.name == "tamper"`, Severity: gt.SeverityInfo})
	if ch.Rules[0].Version != 2 {
		t.Fatalf("override of a built-in rule: version %d, want 2", ch.Rules[0].Version)
	}
	r.send(r.status("cell-a", gt.StateTamper))
	as := r.alerts("tamper", "device:cell-a")
	if len(as) != 1 || as[0].RuleVersion != 2 || as[0].Evidence.RuleVersion != 2 || as[0].Severity != gt.SeverityInfo {
		t.Fatalf("alerts = %+v, want one of version 2 at info", as)
	}
	r.do(gt.EventRulePut, "bank-a", gt.Rule{Name: "power_cut", Expr: "false", Severity: gt.SeverityInfo, Disabled: true})
	r.send(r.status("cell-b", gt.StatePowerCut))
	if !r.active("power_cut", "device:cell-b") || len(r.alerts("power_cut", "device:cell-b")) != 0 {
		t.Error("a disabled rule raised an alert")
	}
	if _, err := r.apply(gt.EventRulePut, "bank-a", gt.Rule{Name: "broken", Expr: "loan.nope >", Severity: gt.SeverityInfo}); gt.ErrorCode(err) != gt.EINVALID {
		t.Errorf("a rule that does not compile: %v, want invalid", err)
	}
}

func TestAlertsAreDeduplicatedByRuleAndSubject(t *testing.T) {
	r := copperRig(t)
	for range 3 {
		r.now = r.now.Add(time.Minute)
		r.send(r.status("cell-a", gt.StateTamper))
	}
	r.send(r.status("cell-b", gt.StateTamper))
	if a, b := r.alerts("tamper", "device:cell-a"), r.alerts("tamper", "device:cell-b"); len(a) != 1 || len(b) != 1 {
		t.Fatalf("tamper alerts: %d on cell-a, %d on cell-b; want one each", len(a), len(b))
	}
	r.now = r.now.Add(time.Minute)
	r.send(r.status("cell-a", gt.StateOnline))
	r.now = r.now.Add(time.Minute)
	r.send(r.status("cell-a", gt.StateTamper))
	as := r.alerts("tamper", "device:cell-a")
	if len(as) != 2 || as[0].State != gt.AlertResolved || as[1].State != gt.AlertFiring || as[0].ID == as[1].ID {
		t.Errorf("alerts = %+v, want the first resolved and a new one firing", as)
	}
}

func TestAcknowledgeAndClose(t *testing.T) {
	r := copperRig(t)
	r.send(r.status("cell-a", gt.StateTamper))
	id := r.alerts("tamper", "device:cell-a")[0].ID
	update := func(typ gt.EventType, u gt.AlertUpdate, code string) *gt.Changes {
		t.Helper()
		r.now = r.now.Add(time.Minute)
		ch, err := r.apply(typ, "bank-a", u)
		if gt.ErrorCode(err) != code || (code != "" && !ch.Empty()) {
			t.Fatalf("%s %+v: %v (changes %+v), want code %q", typ, u, err, ch.Alerts, code)
		}
		return ch
	}
	ch := update(gt.EventAlertAck, gt.AlertUpdate{ID: id, Comment: "on my way"}, "")
	a := ch.Alerts[0]
	if a.Status != gt.AlertAcknowledged || a.AckedBy != "tester" || !a.AckedAt.Equal(r.now) || a.Comment != "on my way" || a.State != gt.AlertFiring {
		t.Errorf("acknowledged alert = %+v", a)
	}
	update(gt.EventAlertAck, gt.AlertUpdate{ID: id}, gt.ECONFLICT)
	update(gt.EventAlertClose, gt.AlertUpdate{ID: id}, gt.EINVALID) // no reason
	ch = update(gt.EventAlertClose, gt.AlertUpdate{ID: id, Reason: gt.CloseConfirmed}, "")
	if a := ch.Alerts[0]; a.Status != gt.AlertClosed || a.CloseReason != gt.CloseConfirmed || a.ClosedBy != "tester" || !a.ClosedAt.Equal(r.now) {
		t.Errorf("closed alert = %+v", a)
	}
	update(gt.EventAlertClose, gt.AlertUpdate{ID: id, Reason: gt.CloseFalsePositive}, gt.ECONFLICT)
	update(gt.EventAlertAck, gt.AlertUpdate{ID: id}, gt.ECONFLICT)
	update(gt.EventAlertClose, gt.AlertUpdate{ID: "al-nothing", Reason: gt.CloseConfirmed}, gt.ENOTFOUND)
	if got := r.alerts("tamper", "device:cell-a")[0]; got.Status != gt.AlertClosed || got.CloseReason != gt.CloseConfirmed {
		t.Errorf("alert after refused updates = %+v, want closed as confirmed", got)
	}
}

func TestInspectionFromRequestToFindings(t *testing.T) {
	r := copperRig(t)
	r.send(r.status("cell-a", gt.StateTamper))
	acts := r.actions(gt.ActionRequestInspection)
	if len(acts) != 1 || acts[0].InspectionID == "" {
		t.Fatalf("actions = %+v, want one inspection request", acts)
	}
	alert := r.alerts("tamper", "device:cell-a")[0]
	r.now = r.now.Add(2 * time.Hour)
	ch := r.do(gt.EventInspectionComplete, "bank-a", gt.InspectionUpdate{ID: acts[0].InspectionID, Findings: "seal broken, cell re-sealed"})
	if len(ch.Inspections) != 1 || len(ch.Actions) != 1 {
		t.Fatalf("changes: %d inspections, %d actions; want one each", len(ch.Inspections), len(ch.Actions))
	}
	in := ch.Inspections[0]
	if in.State != "done" || in.Findings != "seal broken, cell re-sealed" || in.CompletedBy != "tester" || !in.CompletedAt.Equal(r.now) ||
		in.AlertID != alert.ID || in.ActionID != acts[0].ID || in.Subject != "device:cell-a" || in.CollateralID != "lot-1" || in.SiteID != "wh-1" {
		t.Errorf("inspection = %+v", in)
	}
	if got := r.actions(gt.ActionRequestInspection)[0]; got.State != gt.ActionDone {
		t.Errorf("action state %s, want done", got.State)
	}
	if _, err := r.apply(gt.EventInspectionComplete, "bank-a", gt.InspectionUpdate{ID: in.ID, Findings: "again"}); gt.ErrorCode(err) != gt.ECONFLICT {
		t.Errorf("completing twice: %v, want conflict", err)
	}
	if _, err := r.apply(gt.EventInspectionComplete, "bank-a", gt.InspectionUpdate{ID: "in-none", Findings: "x"}); gt.ErrorCode(err) != gt.ENOTFOUND {
		t.Errorf("completing a missing inspection: %v, want not found", err)
	}
}

func TestSetRulesReplacesThePolicy(t *testing.T) {
	r := copperRig(t)
	notice := gt.Rule{Name: "tamper_notice", Expr: `signal.active && signal.name == "tamper"`, Severity: gt.SeverityInfo, Action: gt.ActionNotify}
	if err := r.e.SetRules([]gt.Rule{notice}); err != nil {
		t.Fatal(err)
	}
	ch := r.send(r.status("cell-a", gt.StateTamper), r.status("cell-b", gt.StatePowerCut))
	as := ch.Alerts
	notified := 0
	for _, a := range r.actions(gt.ActionNotify) {
		if len(as) > 0 && a.AlertID == as[0].ID {
			notified++
		}
	}
	if len(as) != 1 || as[0].Rule != "tamper_notice" || as[0].RuleVersion != 1 || notified != 1 {
		t.Fatalf("alerts = %+v, want only tamper_notice", as)
	}
	if err := r.e.SetRules([]gt.Rule{{Name: "broken", Expr: "loan.nope >", Severity: gt.SeverityInfo}}); err == nil {
		t.Fatal("SetRules accepted a rule that does not compile")
	}
	if err := r.e.SetRules([]gt.Rule{notice, notice}); err == nil {
		t.Fatal("SetRules accepted a rule twice")
	}
	r.now = r.now.Add(time.Minute)
	r.send(r.status("cell-b", gt.StateTamper))
	if len(r.alerts("tamper_notice", "device:cell-b")) != 1 || len(r.alerts("tamper", "device:cell-b")) != 0 {
		t.Fatal("a refused SetRules changed the policy")
	}
	if err := r.e.SetRules(nil); err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(time.Minute)
	r.send(r.status("cell-a", gt.StateOnline))
	r.send(r.status("cell-a", gt.StateTamper))
	if len(r.alerts("tamper", "device:cell-a")) != 1 {
		t.Error("SetRules(nil) did not restore the built-in rules")
	}
}

func TestEvidenceNamesReadingsValuationsAndPrices(t *testing.T) {
	r := copperRig(t)
	var seq uint64
	var ch *gt.Changes
	for range 4 {
		r.now = r.now.Add(reportEach)
		ch = r.cells(970_000)
		seq = r.seq
	}
	as := r.alerts("unauthorized_outflow", "collateral:lot-1")
	if len(as) != 1 {
		t.Fatalf("outflow alerts = %d, want 1", len(as))
	}
	ev := as[0].Evidence
	if len(ev.Readings) != 2 {
		t.Fatalf("evidence readings = %+v, want the two cells", ev.Readings)
	}
	for i, dev := range []string{"cell-a", "cell-b"} {
		rd := ev.Readings[i]
		if rd.Device != dev || rd.Name != "mass" || rd.Value != 485_000 || rd.Seq != seq || !rd.Signed || !rd.At.Equal(r.now) {
			t.Errorf("evidence reading %d = %+v, want %s mass 485000 kg from event %d", i, rd, dev, seq)
		}
	}
	if len(ev.Valuations) != 1 || ev.Valuations[0].ObservedQuantity == nil || *ev.Valuations[0].ObservedQuantity != 970 ||
		ev.Valuations[0].BookQuantity != 1000 || ev.Valuations[0].Seq != seq {
		t.Errorf("evidence valuations = %+v, want observed 970 of 1000 at event %d", ev.Valuations, seq)
	}
	if len(ev.Prices) != 1 || ev.Prices[0].Price.Amount != copperUSD || ev.RuleVersion != 1 || !containsSeq(ev.Events, seq) {
		t.Errorf("evidence = %+v, want the copper price, rule version 1 and event %d", ev, seq)
	}
	if len(ch.Inspections) != 1 || ch.Inspections[0].CollateralID != "lot-1" || ch.Inspections[0].SiteID != "wh-1" ||
		ch.Inspections[0].Subject != "collateral:lot-1" || ch.Inspections[0].State != "open" {
		t.Errorf("inspections = %+v, want one open at lot-1 in wh-1", ch.Inspections)
	}

	// A price fall puts the loan into margin call: the alert names the tick.
	l, _ := r.e.Loan("bank-a", "loan-1")
	l.Outstanding.Amount = 300_000_000
	r.update(gt.Records{Loans: []gt.Loan{l}})
	r.cells(1_000_000)
	r.now = r.now.Add(time.Minute)
	tick := r.seq + 1
	r.price("copper", 4000_00) // value 340,000,000: LTV 0.88
	// (Pledged before its cells reported, the lot was valued on its book meanwhile: no
	// margin call then.)
	mc := r.alerts("ltv_margin_call", "loan:loan-1")
	if len(mc) != 1 || mc[0].State != gt.AlertFiring {
		t.Fatalf("margin-call alerts = %+v, want one, firing", mc)
	}
	ev = mc[0].Evidence
	if !containsSeq(ev.Events, tick) || len(ev.Prices) != 1 || ev.Prices[0].Seq != tick || ev.Prices[0].Price.Amount != 4000_00 {
		t.Errorf("margin-call evidence = %+v, want the price tick of event %d", ev, tick)
	}
	if len(ev.Valuations) != 1 || ev.Valuations[0].CollateralID != "lot-1" || ev.Valuations[0].Value.Amount != 340_000_000 {
		t.Errorf("margin-call evidence valuations = %+v, want lot-1 at 340000000", ev.Valuations)
	}
}

func containsSeq(seqs []uint64, s uint64) bool {
	for _, v := range seqs {
		if v == s {
			return true
		}
	}
	return false
}

// riskHistory is a month of bank-a's copper financing with most detectors firing and
// clearing, human actions on alerts, a tenant rule, a margin call that escalates, and
// bank-b double-pledging the lot.
func riskHistory(t *testing.T) *rig {
	r := newRig(t, "bank-a", "bank-b")
	recs := copperRecords()
	recs.Devices = append(recs.Devices, camera(), envSensor())
	r.records(recs)
	r.records(fleetRecords(gt.ProductFloorplan))
	r.do(gt.EventRulePut, "bank-a", gt.Rule{Name: "ltv_above_half", Expr: "loan.ltv > 0.5", For: gt.Duration(30 * time.Minute), Severity: gt.SeverityWarning})
	p := float64(copperUSD)
	kg, bundles := 1_000_000.0, 400.0
	for day := 0; day < 30; day++ {
		p *= math.Exp(r.noise(0.01))
		if day == 20 {
			p *= 0.7 // a shock and a margin call
		}
		r.now = t0.AddDate(0, 0, day)
		r.price("copper", int64(math.Round(p)))
		switch day {
		case 3: // an outflow
			kg, bundles = 900_000, 360
		case 4: // the release is recorded
			r.records(gt.Records{Releases: []gt.Release{{ID: "rel-1", CollateralID: "lot-1", Direction: gt.ReleaseOut, Quantity: 100, Unit: "t", At: r.now}}})
		case 6:
			r.send(r.status("cell-a", gt.StateTamper))
			r.send(gt.DevicePack{Device: "cell-b", Via: gt.ViaMQTT, Received: r.now, Rejected: &gt.IngestFailure{Reason: gt.ReasonSignature, Message: "bad"}})
		case 7:
			// Every alert, resolved ones too, with the store's copy as the API sends it.
			for _, a := range r.store.Alerts("bank-a") {
				r.apply(gt.EventAlertAck, "bank-a", gt.AlertUpdate{ID: a.ID, Alert: r.storeAlert("bank-a", a.ID)})
				r.apply(gt.EventAlertClose, "bank-a", gt.AlertUpdate{ID: a.ID, Reason: gt.CloseFalsePositive,
					Alert: r.storeAlert("bank-a", a.ID)})
			}
			for _, a := range r.store.Actions("bank-a") {
				if a.InspectionID != "" {
					r.apply(gt.EventInspectionComplete, "bank-a", gt.InspectionUpdate{ID: a.InspectionID, Findings: "checked"})
				}
			}
			r.send(r.status("cell-a", gt.StateOnline))
		case 10: // the car leaves the lot for good; bank-b pledges the same receipt
			r.send(r.position("gps-1", offLot))
			b := copperRecords()
			b.Devices = nil
			r.do(gt.EventRecordsCreate, "bank-b", b)
		}
		for h := 0; h < 24; h += 2 { // a report every 2 hours, ticks in between
			r.now = t0.AddDate(0, 0, day).Add(time.Duration(h)*time.Hour + time.Minute)
			if day == 15 || day == 16 { // the devices fall silent for two days
				r.do(gt.EventTick, "", nil)
				continue
			}
			r.send(append(r.cellPacks(kg, true), r.pack("cam-1", true, r.at("count", math.Round(bundles+r.noise(camNoise)))))...)
			r.now = r.now.Add(time.Hour)
			r.do(gt.EventTick, "", nil)
		}
	}
	return r
}

func TestRiskSnapshotPlusTailEqualsFullReplay(t *testing.T) {
	r := riskHistory(t)
	want, err := r.e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.store.Alerts("bank-a")) < 10 || len(r.actions(gt.ActionEscalation)) == 0 || len(r.store.Alerts("bank-b")) == 0 {
		t.Fatalf("the history is too tame: %d alerts, %d escalations, %d alerts of bank-b",
			len(r.store.Alerts("bank-a")), len(r.actions(gt.ActionEscalation)), len(r.store.Alerts("bank-b")))
	}
	n := len(r.log)
	for _, cut := range []int{0, 1, n / 5, n / 3, n / 2, 2 * n / 3, n - 1, n} {
		e := engine.New()
		replay(t, e, r.log[:cut])
		snap, err := e.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		restored, err := engine.Restore(snap)
		if err != nil {
			t.Fatalf("Restore: %v", err)
		}
		applyTail(t, restored, r.log, cut)
		got, err := restored.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("snapshot at event %d of %d + tail differs from the live engine (%d vs %d bytes)", cut, n, len(got), len(want))
		}
	}
}

// applyTail applies log[cut:] to restored, an engine restored from a snapshot taken after
// log[:cut], and checks that each event changes the same rows, tenants included, as in an
// engine that applied the whole log.
func applyTail(t *testing.T, restored *engine.Engine, log []gt.Event, cut int) {
	t.Helper()
	full := engine.New()
	replay(t, full, log[:cut])
	for i := cut; i < len(log); i++ {
		var a, b gt.Changes
		errA, errB := restored.Apply(&log[i], &a), full.Apply(&log[i], &b)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("event %d after a restore at %d: %v, in the whole history: %v", log[i].Seq, cut, errA, errB)
		}
		if ga, gb := sortedChanges(t, &a), sortedChanges(t, &b); !bytes.Equal(ga, gb) {
			t.Fatalf("event %d after a restore at %d changes other rows than in the whole history: %s", log[i].Seq, cut, firstDiff(ga, gb))
		}
	}
}

func TestRiskReplayGivesTheSameAlertsAndActions(t *testing.T) {
	r := riskHistory(t)
	a, b := engine.New(), engine.New()
	aLog, bLog := replay(t, a, r.log), replay(t, b, r.log)
	for _, tenant := range []string{"bank-a", "bank-b"} {
		live := r.store.Alerts(tenant)
		if len(live) == 0 {
			t.Fatalf("%s has no alerts", tenant)
		}
		if !reflect.DeepEqual(aLog.Alerts(tenant), bLog.Alerts(tenant)) || !reflect.DeepEqual(aLog.Alerts(tenant), live) {
			t.Errorf("%s: alerts differ between replays or from the live engine", tenant)
		}
		if !reflect.DeepEqual(aLog.Actions(tenant), bLog.Actions(tenant)) || !reflect.DeepEqual(aLog.Actions(tenant), r.store.Actions(tenant)) {
			t.Errorf("%s: actions differ between replays or from the live engine", tenant)
		}
		// What the engines hold: the alerts not resolved and their actions.
		if !reflect.DeepEqual(a.Alerts(tenant), r.e.Alerts(tenant)) || !reflect.DeepEqual(a.Actions(tenant), r.e.Actions(tenant)) {
			t.Errorf("%s: the alerts or actions held differ between a replay and the live engine", tenant)
		}
	}
}

// resolvedMarginCall returns a rig whose loan-1 went into margin call and out of it an
// hour later, the margin call, and its alert as the store holds it.
func resolvedMarginCall(t *testing.T) (*rig, gt.Action, *gt.Alert) {
	t.Helper()
	r := loanRig(t, 0.5)
	r.now = r.now.Add(time.Minute)
	r.setLTV(0.81)
	mc := r.actions(gt.ActionMarginCall)[0]
	r.wait(time.Hour)
	r.setLTV(0.5)
	return r, mc, r.storeAlert("bank-a", mc.AlertID)
}

// TestResolvedAlertsAreSettled checks that a resolved alert leaves the engine's memory
// with its finished actions, and that it can still be acknowledged and closed with the
// store's copy, through a snapshot too, and from a snapshot that still holds it whole.
func TestResolvedAlertsAreSettled(t *testing.T) {
	r, mc, stored := resolvedMarginCall(t)
	if stored.State != gt.AlertResolved || len(stored.Evidence.Valuations) == 0 {
		t.Fatalf("alert %s = %+v, want resolved with its evidence", mc.AlertID, stored)
	}
	for _, a := range r.e.Alerts("bank-a") {
		if a.State == gt.AlertResolved {
			t.Errorf("the engine still holds resolved alert %s", a.ID)
		}
	}
	for _, a := range r.e.Actions("bank-a") {
		if a.ID == mc.ID {
			t.Errorf("the engine still holds the cured margin call %+v", a)
		}
	}

	code := func(err error) string {
		if err == nil {
			return "ok"
		}
		return gt.ErrorCode(err)
	}
	stale := *stored
	stale.Seq--
	for _, tc := range []struct {
		name string
		u    gt.AlertUpdate
		want string
	}{
		{"a stale copy", gt.AlertUpdate{ID: stored.ID, Alert: &stale}, gt.ECONFLICT},
		{"another alert's copy", gt.AlertUpdate{ID: "al-000000000001-0001", Alert: stored}, gt.EINVALID},
		{"an unknown alert", gt.AlertUpdate{ID: "al-999999999999-0001"}, gt.ENOTFOUND},
	} {
		if _, err := r.apply(gt.EventAlertAck, "bank-a", tc.u); code(err) != tc.want {
			t.Errorf("ack with %s: %v, want %s", tc.name, err, tc.want)
		}
	}
	ch, err := r.apply(gt.EventAlertAck, "bank-a", gt.AlertUpdate{ID: stored.ID, Comment: "seen", Alert: stored})
	if err != nil || len(ch.Alerts) != 1 {
		t.Fatalf("ack with the store's copy: %v, changes %+v", err, ch.Alerts)
	}
	acked := ch.Alerts[0]
	want := *stored
	want.Status, want.AckedBy, want.AckedAt, want.Comment, want.Seq = gt.AlertAcknowledged, "tester", r.now, "seen", r.seq
	// Compared as the store keeps them (JSON: the tenant of a valuation is not in it).
	if got, want := jsonOf(t, acked), jsonOf(t, want); got != want {
		t.Errorf("acknowledged alert\n got %s\nwant %s", got, want)
	}
	if _, err := r.apply(gt.EventAlertAck, "bank-a", gt.AlertUpdate{ID: stored.ID, Alert: r.storeAlert("bank-a", stored.ID)}); code(err) != gt.ECONFLICT {
		t.Errorf("second ack: %v, want conflict", err)
	}

	// Through a snapshot: the status is kept.
	snap, err := r.e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if r.e, err = engine.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if _, err := r.apply(gt.EventAlertAck, "bank-a", gt.AlertUpdate{ID: stored.ID, Alert: r.storeAlert("bank-a", stored.ID)}); code(err) != gt.ECONFLICT {
		t.Errorf("ack after a restore: %v, want conflict (already acknowledged)", err)
	}
	// Closed with the copy the API sends, without its evidence (the store keeps it).
	noEvidence := *r.storeAlert("bank-a", stored.ID)
	noEvidence.Evidence = gt.Evidence{}
	if _, err := r.apply(gt.EventAlertClose, "bank-a", gt.AlertUpdate{ID: stored.ID, Reason: gt.CloseCured,
		Alert: &noEvidence}); err != nil {
		t.Fatalf("close after a restore: %v", err)
	}
	if got := r.storeAlert("bank-a", stored.ID); got.Status != gt.AlertClosed || got.CloseReason != gt.CloseCured ||
		got.AckedBy != "tester" || jsonOf(t, got.Evidence) != jsonOf(t, stored.Evidence) {
		t.Errorf("closed alert = %+v, want closed, still acknowledged, with its evidence", got)
	}
	// Nothing is kept of a resolved alert once closed; an update names it closed.
	if _, err := r.apply(gt.EventAlertAck, "bank-a", gt.AlertUpdate{ID: stored.ID, Alert: r.storeAlert("bank-a", stored.ID)}); code(err) != gt.ECONFLICT {
		t.Errorf("ack of the closed resolved alert: %v, want conflict", err)
	}
	if snap, err := r.e.Snapshot(); err != nil || strings.Contains(string(snap), stored.ID) {
		t.Errorf("the snapshot still names closed resolved alert %s (%v)", stored.ID, err)
	}

	// A snapshot of an engine that kept resolved alerts whole: they are settled on restore.
	doc, risk := snapshotDoc(t, snap, "bank-a")
	whole, _ := json.Marshal(stored)
	var wholeDoc any
	json.Unmarshal(whole, &wholeDoc)
	risk["alerts"].(map[string]any)[stored.ID] = wholeDoc
	delete(risk, "settled_alerts")
	old, _ := json.Marshal(doc)
	e, err := engine.Restore(old)
	if err != nil {
		t.Fatalf("restore a snapshot holding a resolved alert: %v", err)
	}
	for _, a := range e.Alerts("bank-a") {
		if a.ID == stored.ID {
			t.Errorf("restored engine holds resolved alert %s", a.ID)
		}
	}
	r.e = e
	if _, err := r.apply(gt.EventAlertAck, "bank-a", gt.AlertUpdate{ID: stored.ID, Alert: stored}); err != nil {
		t.Errorf("ack of the alert settled on restore: %v", err)
	}
}

// snapshotDoc decodes a snapshot into a document to edit, with the risk state of tenant.
func snapshotDoc(t *testing.T, snap []byte, tenant string) (doc, risk map[string]any) {
	t.Helper()
	if err := json.Unmarshal(snap, &doc); err != nil {
		t.Fatal(err)
	}
	return doc, doc["tenants"].(map[string]any)[tenant].(map[string]any)["risk"].(map[string]any)
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPreparedAlertsEqualSequential replays a history rich in alerts of every kind
// (loans, collateral, devices, signals) with each alert's summary and evidence gathered
// ahead on several goroutines, and requires every event's changes to be those of the
// engine that gathers them one by one.
func TestPreparedAlertsEqualSequential(t *testing.T) {
	r := riskHistory(t)
	changes := func(prepareMin int) []string {
		old := engine.SetPrepareMinAlerts(prepareMin)
		defer engine.SetPrepareMinAlerts(old)
		e := engine.New()
		var out []string
		for i := range r.log {
			var ch gt.Changes
			err := e.Apply(&r.log[i], &ch)
			out = append(out, fmt.Sprint(err)+string(sortedChanges(t, &ch)))
		}
		return out
	}
	seq, par := changes(1<<30), changes(1)
	opened := 0
	for i := range seq {
		if seq[i] != par[i] {
			t.Fatalf("event %d (%s): changes differ\n one by one %s\n ahead      %s", i, r.log[i].Type, seq[i], par[i])
		}
		opened += strings.Count(seq[i], `"state":"pending"`) + strings.Count(seq[i], `"fired_at"`)
	}
	if opened == 0 {
		t.Fatal("the history opened no alert")
	}
}

// TestResolvedAlertAckJournaledWithoutCopy replays an acknowledgement and a closure of a
// resolved alert as they were journaled before updates carried the store's copy: the
// engine accepts them, changing only the status it keeps (the store then written holds
// their rows), and a later update with the store's copy agrees with it.
func TestResolvedAlertAckJournaledWithoutCopy(t *testing.T) {
	r, _, stored := resolvedMarginCall(t)
	ch, err := r.apply(gt.EventAlertAck, "bank-a", gt.AlertUpdate{ID: stored.ID})
	if err != nil || len(ch.Alerts) != 0 {
		t.Fatalf("ack without a copy: %v, rows %+v; want accepted, no row", err, ch.Alerts)
	}
	if _, err := r.apply(gt.EventAlertAck, "bank-a", gt.AlertUpdate{ID: stored.ID}); gt.ErrorCode(err) != gt.ECONFLICT {
		t.Errorf("second ack without a copy: %v, want conflict", err)
	}
	// The store as the engine of the time wrote it: acknowledged at the ack's sequence.
	inStore := *stored
	inStore.Status, inStore.AckedBy, inStore.AckedAt, inStore.Seq = gt.AlertAcknowledged, "tester", r.now, r.seq-1
	if _, err := r.apply(gt.EventAlertClose, "bank-a", gt.AlertUpdate{ID: stored.ID, Reason: gt.CloseCured, Alert: &inStore}); err != nil {
		t.Errorf("close with the store's copy: %v", err)
	}
	if _, err := r.apply(gt.EventAlertClose, "bank-a", gt.AlertUpdate{ID: stored.ID, Reason: gt.CloseCured}); gt.ErrorCode(err) != gt.ENOTFOUND {
		t.Errorf("close without a copy of an alert closed and forgotten: %v, want not found", err)
	}
}

// TestTwoSignalsOfOneSubjectOpenOneAlert checks a rule over any signal when two signals
// of one device change in one event: it opens one alert for the device, whose timers (its
// for, the cure of its margin call) find it, and which both signals ending resolve once.
// Each outcome used to open an alert of its own, one of which nothing resolved; found
// through the index, its timers dereferenced nothing.
func TestTwoSignalsOfOneSubjectOpenOneAlert(t *testing.T) {
	for _, rule := range []gt.Rule{
		{Name: "any_signal", Expr: `signal.active`, For: gt.Duration(10 * time.Minute), Severity: gt.SeverityInfo},
		{Name: "any_signal", Expr: `signal.active`, Action: gt.ActionMarginCall, Severity: gt.SeverityInfo},
	} {
		name := "for"
		if rule.Action != "" {
			name = rule.Action
		}
		t.Run(name, func(t *testing.T) {
			defer engine.SetPrepareMinAlerts(engine.SetPrepareMinAlerts(1)) // the rows of this run in bulk
			r := copperRig(t)
			r.do(gt.EventRulePut, "bank-a", rule)
			r.now = r.now.Add(time.Minute)
			r.send(r.status("cell-a", gt.StateTamper), r.status("cell-a", gt.StatePowerCut))
			if n := len(r.alerts("any_signal", "device:cell-a")); n != 1 {
				t.Fatalf("%d alerts of any_signal for cell-a after tamper and power cut in one pack, want 1", n)
			}
			r.wait(15 * time.Minute) // fires the pending alert
			ofRule := func(kind string) (n int) {
				for _, a := range r.actions(kind) {
					if a.Rule == "any_signal" && a.Subject == "device:cell-a" {
						n++
					}
				}
				return n
			}
			if rule.Action == gt.ActionMarginCall {
				if n := ofRule(gt.ActionMarginCall); n != 1 {
					t.Fatalf("%d margin calls of any_signal for cell-a, want 1", n)
				}
				r.wait(100 * time.Hour) // past the cure period
				if n := ofRule(gt.ActionEscalation); n != 1 {
					t.Fatalf("%d escalations of the margin call not cured, want 1", n)
				}
			}
			if got := r.alerts("any_signal", "device:cell-a"); len(got) != 1 || got[0].State != gt.AlertFiring {
				t.Fatalf("alerts of any_signal for cell-a: %+v, want one, firing", got)
			}
			r.now = r.now.Add(time.Minute)
			ch := r.send(r.status("cell-a", gt.StateOnline), r.cellPacks(1_000_000, false)[0]) // ends the signals
			rows := map[string]int{}
			for _, a := range ch.Alerts {
				rows[a.ID]++
			}
			for id, n := range rows {
				if n != 1 {
					t.Errorf("alert %s has %d rows in one Changes", id, n)
				}
			}
			if got := r.alerts("any_signal", "device:cell-a"); len(got) != 1 || got[0].State != gt.AlertResolved {
				t.Fatalf("alerts of any_signal for cell-a: %+v, want one, resolved", got)
			}
		})
	}
}

// TestStrayAlertOfAnOlderEngine restores a snapshot in which an older engine left two
// alerts of one rule and subject open (see TestTwoSignalsOfOneSubjectOpenOneAlert), each
// pending with its timer: both fire and escalate their margin calls, the resolution of
// the one the index holds resolves both, and an engine restored from a snapshot taken
// while both were open does the same.
func TestStrayAlertOfAnOlderEngine(t *testing.T) {
	r := copperRig(t)
	r.do(gt.EventRulePut, "bank-a", gt.Rule{Name: "any_signal", Expr: `signal.active`, For: gt.Duration(10 * time.Minute),
		Action: gt.ActionMarginCall, Severity: gt.SeverityInfo})
	r.now = r.now.Add(time.Minute)
	r.send(r.status("cell-a", gt.StateTamper))
	open := r.alerts("any_signal", "device:cell-a")
	if len(open) != 1 || open[0].State != gt.AlertPending {
		t.Fatalf("alerts %+v, want one pending", open)
	}
	snap, err := r.e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	doc, risk := snapshotDoc(t, snap, "bank-a")
	alerts, timers := risk["alerts"].(map[string]any), risk["timers"].(map[string]any)
	first := open[0].ID
	stray := strings.TrimSuffix(first, "1") + "0" // an id before it, of the same event
	a := maps.Clone(alerts[first].(map[string]any))
	a["id"] = stray
	alerts[stray], timers["fire|"+stray] = a, timers["fire|"+first]
	data, _ := json.Marshal(doc)
	if r.e, err = engine.Restore(data); err != nil {
		t.Fatal(err)
	}
	r.wait(15 * time.Minute)
	r.wait(100 * time.Hour)
	states := map[string]string{}
	for _, a := range r.e.Alerts("bank-a") {
		states[a.ID] = a.State
	}
	if states[stray] != gt.AlertFiring || states[first] != gt.AlertFiring {
		t.Fatalf("alerts held %v, want %s and %s firing", states, stray, first)
	}
	escalated := map[string]bool{}
	for _, act := range r.e.Actions("bank-a") {
		if act.Kind == gt.ActionEscalation {
			escalated[act.AlertID] = true
		}
	}
	if !escalated[stray] || !escalated[first] {
		t.Errorf("escalations of %v, want both alerts'", escalated)
	}
	// A second engine restored now, with both alerts open, must go on as this one.
	both, err := r.e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	twin, err := engine.Restore(both)
	if err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(time.Minute)
	r.send(r.status("cell-a", gt.StateOnline))
	live := r.e
	last := r.log[len(r.log)-1]
	var ch gt.Changes
	if err := twin.Apply(&last, &ch); err != nil {
		t.Fatal(err)
	}
	for _, a := range live.Alerts("bank-a") {
		if a.ID == stray || a.ID == first {
			t.Errorf("alert %s still %s after the tamper ended", a.ID, a.State)
		}
	}
	stored := map[string]string{}
	for _, a := range r.alerts("any_signal", "device:cell-a") {
		stored[a.ID] = a.State
	}
	if len(stored) != 2 || stored[stray] != gt.AlertResolved || stored[first] != gt.AlertResolved {
		t.Errorf("the store's alerts of any_signal for cell-a: %v, want %s and %s resolved", stored, stray, first)
	}
	ls, _ := live.Snapshot()
	ts, _ := twin.Snapshot()
	if string(ls) != string(ts) {
		t.Error("the engine restored with both alerts open went on otherwise than the live one")
	}
}

// TestSnapshotFormats checks which snapshot formats restore: the current one, and format
// 3, which still carried the open alerts by rule and subject; neither older nor newer.
func TestSnapshotFormats(t *testing.T) {
	r := copperRig(t)
	r.now = r.now.Add(time.Minute)
	r.send(r.status("cell-a", gt.StateTamper))
	if len(r.e.Alerts("bank-a")) == 0 {
		t.Fatal("no alert open to snapshot")
	}
	snap, err := r.e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	doc, risk := snapshotDoc(t, snap, "bank-a")
	if doc["format"] != float64(4) {
		t.Fatalf("snapshot format %v, want 4", doc["format"])
	}
	open := map[string]any{}
	for _, a := range r.e.Alerts("bank-a") {
		open[a.Rule+"|"+a.Subject] = a.ID
	}
	risk["open"] = open
	for format, ok := range map[int]bool{2: false, 3: true, 4: true, 5: false} {
		doc["format"] = format
		data, _ := json.Marshal(doc)
		e, err := engine.Restore(data)
		if (err == nil) != ok {
			t.Errorf("restore format %d: %v", format, err)
			continue
		}
		if ok {
			if again, _ := e.Snapshot(); string(again) != string(snap) {
				t.Errorf("format %d restored to another state", format)
			}
		}
	}
}

// TestAnySignalRuleHoldsWhileOneSignalDoes checks that a rule over any signal is judged by
// its subject's active signals and those that just ended: one of them ending while
// another still holds the rule keeps the alert, the last ending resolves it, and a rule
// about an ending sees it while another signal is active.
func TestAnySignalRuleHoldsWhileOneSignalDoes(t *testing.T) {
	r := copperRig(t)
	r.do(gt.EventRulePut, "bank-a", gt.Rule{Name: "any_signal", Expr: `signal.active`, Severity: gt.SeverityInfo})
	r.do(gt.EventRulePut, "bank-a", gt.Rule{Name: "ended", Expr: `!signal.active`, Severity: gt.SeverityInfo})
	state := func() string {
		t.Helper()
		got := r.alerts("any_signal", "device:cell-a")
		if len(got) != 1 {
			t.Fatalf("alerts of any_signal for cell-a: %+v, want one", got)
		}
		return got[0].State
	}
	r.now = r.now.Add(time.Minute)
	r.send(r.status("cell-a", gt.StateTamper))
	r.now = r.now.Add(time.Minute)
	r.send(r.status("cell-a", gt.StateOffline))
	if !r.active("device_offline", "device:cell-a") || state() != gt.AlertFiring {
		t.Fatalf("after tamper and offline: offline %v, alert %s", r.active("device_offline", "device:cell-a"), state())
	}
	snap, err := r.e.Snapshot() // the restored engine finds the device's signals again
	if err != nil {
		t.Fatal(err)
	}
	if r.e, err = engine.Restore(snap); err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(time.Minute)
	r.send(r.cellPacks(1_000_000, false)[0]) // reporting again: device_offline ends, tamper holds
	if r.active("device_offline", "device:cell-a") || !r.active(gt.StateTamper, "device:cell-a") {
		t.Fatal("readings should end device_offline and leave tamper")
	}
	if s := state(); s != gt.AlertFiring {
		t.Errorf("alert %s while tamper is active, want firing", s)
	}
	if got := r.alerts("ended", "device:cell-a"); len(got) != 1 || got[0].State != gt.AlertFiring {
		t.Errorf("alerts of a rule on a signal ending, after device_offline ended: %+v, want one firing", got)
	}
	r.now = r.now.Add(time.Minute)
	r.send(r.status("cell-a", gt.StateOnline))
	if s := state(); s != gt.AlertResolved {
		t.Errorf("alert %s after every signal ended, want resolved", s)
	}
}

// TestRestoredRowsKeepTheirTenant checks that the rows an engine restored from a snapshot
// puts of the records it restored (alerts, actions, signals, valuations, loan metrics and
// points, whose JSON form leaves the tenant out) name their tenant: the store files each
// row under it.
func TestRestoredRowsKeepTheirTenant(t *testing.T) {
	r := copperRig(t)
	r.do(gt.EventRulePut, "bank-a", gt.Rule{Name: "tampered", Expr: `signal.active && signal.name == "tamper"`,
		Action: gt.ActionMarginCall, Severity: gt.SeverityCritical})
	r.now = r.now.Add(time.Minute)
	r.send(r.status("cell-a", gt.StateTamper))
	if len(r.e.Alerts("bank-a")) == 0 || len(r.e.Actions("bank-a")) == 0 {
		t.Fatal("no alert and action open to restore")
	}
	snap, err := r.e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if r.e, err = engine.Restore(snap); err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(time.Minute)
	chs := []*gt.Changes{r.send(r.status("cell-a", gt.StateOnline)), r.price("copper", 600_000), r.wait(time.Hour)}
	rows := 0
	check := func(kind, id, tenant string) {
		rows++
		if tenant != "bank-a" {
			t.Errorf("%s row %s of the restored engine names tenant %q", kind, id, tenant)
		}
	}
	for _, ch := range chs {
		for _, v := range ch.Alerts {
			check("alert", v.ID, v.TenantID)
		}
		for _, v := range ch.Actions {
			check("action", v.ID, v.TenantID)
		}
		for _, v := range ch.Signals {
			check("signal", v.Name+"|"+v.Subject, v.TenantID)
		}
		for _, v := range ch.Valuations {
			check("valuation", v.CollateralID, v.TenantID)
		}
		for _, v := range ch.LoanRisks {
			check("loan metrics", v.LoanID, v.TenantID)
		}
		for _, v := range ch.LoanPoints {
			check("loan point", v.LoanID, v.TenantID)
		}
	}
	if rows < 6 {
		t.Errorf("only %d rows after the restore", rows)
	}
}
