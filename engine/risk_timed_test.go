package engine_test

import (
	"testing"
	"time"

	gt "groundtruth"
)

// TestRulesReadingNowFireWithTimeAlone: a loan past its maturity and a device offline for
// 6 hours start alerts with nothing but ticks arriving, within the minute the condition
// starts to hold.
func TestRulesReadingNowFireWithTimeAlone(t *testing.T) {
	r := copperRig(t)
	r.do(gt.EventRulePut, "bank-a", gt.Rule{Name: "past_maturity", Expr: `loan.status != "closed" && now > loan.maturity_date`,
		Severity: gt.SeverityWarning, Summary: "Loan {{ loan.id }} is past its maturity"})
	r.do(gt.EventRulePut, "bank-a", gt.Rule{Name: "offline_6h",
		Expr:     `signal.name == "device_offline" && signal.active && now - signal.since > duration("6h")`,
		Severity: gt.SeverityCritical, Summary: "{{ signal.subject }} offline for 6 hours"})
	// The cells report every 5 minutes; cell-b stops. device_offline after 3 intervals.
	for range 4 {
		r.now = r.now.Add(5 * time.Minute)
		r.send(r.cellPacks(1_000_000, false)[0])
	}
	if !r.active("device_offline", "device:cell-b") {
		t.Fatal("cell-b is not offline")
	}
	s, _ := r.e.Signal("bank-a", "device_offline", "device:cell-b")
	for r.now.Before(s.Since.Add(6*time.Hour + 30*time.Second)) {
		r.wait(30 * time.Second)
		r.send(r.cellPacks(1_000_000, false)[0])
	}
	as := r.alerts("offline_6h", "device:cell-b")
	if len(as) != 0 {
		t.Fatalf("offline_6h before 6h: %+v", as)
	}
	r.wait(time.Minute)
	if as := r.alerts("offline_6h", "device:cell-b"); len(as) != 1 || as[0].State != gt.AlertFiring ||
		as[0].FiredAt.Sub(s.Since) < 6*time.Hour || as[0].FiredAt.Sub(s.Since) > 6*time.Hour+2*time.Minute {
		t.Fatalf("offline_6h = %+v, want one firing within 2 minutes of 6h after %v", as, s.Since)
	}
	// Maturity is a year after t0: ticks only, past it by a minute.
	l, _ := r.e.Loan("bank-a", "loan-1")
	r.now = l.MaturityDate.Add(-time.Minute)
	r.do(gt.EventTick, "", nil)
	if len(r.alerts("past_maturity", "loan:loan-1")) != 0 {
		t.Fatal("past_maturity before the maturity date")
	}
	r.wait(2 * time.Minute)
	if as := r.alerts("past_maturity", "loan:loan-1"); len(as) != 1 || as[0].State != gt.AlertFiring {
		t.Errorf("past_maturity after the maturity date = %+v, want one firing", as)
	}
}

// TestTimedSignalRuleSeesEverySignalOfASubject: a rule reading now that does not name
// its signal (`signal.active && now - signal.since > 1h`) fires for a tamper that lasts an
// hour even when the device also has an older, inactive device_offline signal: the
// subject's rule holds when it holds for any of its signals.
func TestTimedSignalRuleSeesEverySignalOfASubject(t *testing.T) {
	r := copperRig(t)
	r.do(gt.EventRulePut, "bank-a", gt.Rule{Name: "long_signal", Expr: `signal.active && now - signal.since > duration("1h")`,
		Severity: gt.SeverityWarning, Summary: "{{ signal.subject }}: {{ signal.name }} for an hour"})
	// cell-b reported offline then online: device_offline|device:cell-b stays, inactive.
	r.now = r.now.Add(time.Minute)
	r.send(r.status("cell-b", gt.StateOffline))
	r.now = r.now.Add(time.Minute)
	r.send(r.status("cell-b", gt.StateOnline))
	// Both cells report tamper and keep weighing.
	r.now = r.now.Add(time.Minute)
	r.send(r.status("cell-a", gt.StateTamper), r.status("cell-b", gt.StateTamper))
	for range 30 { // 2.5 hours
		r.now = r.now.Add(reportEach)
		r.send(r.cellPacks(1_000_000, true)...)
	}
	if !r.active(gt.StateTamper, "device:cell-a") || !r.active(gt.StateTamper, "device:cell-b") {
		t.Fatal("the tamper signals are not active")
	}
	if len(r.alerts("long_signal", "device:cell-a")) != 1 {
		t.Fatalf("control: long_signal on cell-a = %+v, want one", r.alerts("long_signal", "device:cell-a"))
	}
	if as := r.alerts("long_signal", "device:cell-b"); len(as) != 1 {
		t.Errorf("long_signal on cell-b (tamper for 2.5h, an old inactive device_offline) = %+v, want one alert", as)
	}
}
