package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/rules"
)

// riskRows returns engine-derived rows of one tenant about the fixtures' loan-1 and
// lot-1, with marker in their free text: a valuation, the loan's metrics, two signals,
// five alerts (two of them open on loan-1), an action, an inspection and a saved rule.
func riskRows(tenant, marker string) gt.Changes {
	usd := func(a int64) gt.Money { return gt.Money{Amount: a, Currency: "USD"} }
	ltv := 0.72
	at := day0.Add(time.Hour)
	alert := func(id, state, status, sev string, loans ...string) gt.Alert {
		return gt.Alert{ID: id, TenantID: tenant, Rule: "ltv_warn", RuleVersion: 1, Subject: "loan:" + loans[0], Loans: loans,
			Severity: sev, Action: gt.ActionAlert, State: state, Status: status, Summary: "LTV high " + marker,
			ActiveAt: at, Evidence: gt.Evidence{Events: []uint64{1}}, Seq: 1}
	}
	return gt.Changes{
		Valuations: []gt.Valuation{{TenantID: tenant, CollateralID: "lot-1", Kind: gt.KindInventoryLot, Commodity: "copper",
			At: at, Seq: 1, Unit: "t", BookQuantity: 1190, VerifiedQuantity: 1190, QuantitySource: "book",
			Haircut: 0.2, Trust: 1, TrustReason: "not_monitored", Gross: usd(1085690550), Value: usd(694841952)}},
		LoanRisks: []gt.LoanRisk{{TenantID: tenant, LoanID: "loan-1", At: at, Seq: 1, Exposure: usd(500000000),
			CollateralValue: usd(694841952), LTV: &ltv, Coverage: 1.39, Band: gt.BandWarn, BandSince: at,
			Allocations: []gt.AllocatedValue{{CollateralID: "lot-1", Share: 1, Value: usd(694841952)}}, BorrowerID: "borrower-1"}},
		Signals: []gt.Signal{
			{TenantID: tenant, Name: "unauthorized_outflow", Subject: "collateral:lot-1", Active: true, Since: at, Value: 0.1,
				Detail: "shortfall " + marker, Seq: 1},
			{TenantID: tenant, Name: "device_offline", Subject: "device:cell-1", Active: false, Since: at,
				Detail: "back " + marker, Seq: 1},
		},
		Alerts: []gt.Alert{
			alert("alert-1", gt.AlertFiring, gt.AlertOpen, gt.SeverityWarning, "loan-1"),
			alert("alert-2", gt.AlertPending, gt.AlertAcknowledged, gt.SeverityInfo, "loan-1"),
			alert("alert-3", gt.AlertFiring, gt.AlertClosed, gt.SeverityCritical, "loan-1"),
			alert("alert-4", gt.AlertResolved, gt.AlertOpen, gt.SeverityWarning, "loan-1"),
			alert("alert-5", gt.AlertFiring, gt.AlertOpen, gt.SeverityCritical, "loan-9"),
		},
		Actions: []gt.Action{{ID: "action-1", TenantID: tenant, Kind: gt.ActionRequestInspection, AlertID: "alert-1",
			Rule: "ltv_warn", Subject: "loan:loan-1", Loans: []string{"loan-1"}, Severity: gt.SeverityWarning,
			Summary: "inspect " + marker, Created: at, State: gt.ActionOpen, InspectionID: "insp-1", Seq: 1}},
		Inspections: []gt.Inspection{{ID: "insp-1", TenantID: tenant, ActionID: "action-1", AlertID: "alert-1",
			Subject: "collateral:lot-1", CollateralID: "lot-1", SiteID: "wh-1", Reason: "count the cathodes " + marker,
			State: "open", Created: at, Seq: 1}},
		Rules: []gt.Rule{{Name: "secret-rule", TenantID: tenant, Expr: "loan.ltv > 0.5", Severity: gt.SeverityWarning,
			Action: gt.ActionAlert, Summary: "rule " + marker, Version: 1, Seq: 1, SavedAt: at}},
	}
}

func itemIDs(t *testing.T, page map[string]any) string {
	t.Helper()
	var out []string
	for _, it := range page["items"].([]any) {
		m := it.(map[string]any)
		switch {
		case m["id"] != nil:
			out = append(out, m["id"].(string))
		case m["loan_id"] != nil:
			out = append(out, m["loan_id"].(string))
		default:
			out = append(out, fmt.Sprint(m["subject"], "/", m["name"]))
		}
	}
	return strings.Join(out, ",")
}

// quiet disables every built-in rule of the tenant, so that the engine raises no alert.
func quiet(h *harness, admin string) {
	h.t.Helper()
	for _, r := range rules.Builtin() {
		h.must(200, "PUT", "/api/v1/rules/"+r.Name, admin, map[string]any{"expr": r.Expr, "severity": r.Severity,
			"action": r.Action, "summary": r.Summary, "disabled": true})
	}
}

func TestRiskReads(t *testing.T) {
	h := newHarness(t)
	admin := h.tenant("bank-a")
	quiet(h, admin) // only the rows below
	h.seed(admin, "A")
	auditor, _ := h.key(admin, "auditor")
	device, _ := h.key(admin, "device")

	// Before any risk rows: the loan exists, so 200 with empty lists.
	r := h.must(200, "GET", "/api/v1/loans/loan-1/risk", auditor, nil)
	if !strings.Contains(string(r.body), `"valuations":[`) || !strings.Contains(string(r.body), `"alerts":[`) {
		t.Errorf("risk of an unvalued loan = %s, want valuations and alerts lists", r.body)
	}
	h.project(riskRows("bank-a", "A"))

	got := h.must(200, "GET", "/api/v1/loans/loan-1/risk", auditor, nil).json(t)
	if risk := got["risk"].(map[string]any); risk["band"] != "warn" || risk["ltv"] != 0.72 {
		t.Errorf("risk = %v, want band warn, ltv 0.72", risk)
	}
	vals := got["valuations"].([]any)
	if len(vals) != 1 || vals[0].(map[string]any)["collateral_id"] != "lot-1" || vals[0].(map[string]any)["haircut"] != 0.2 {
		t.Errorf("valuations = %v, want lot-1's", vals)
	}
	if got := itemIDs(t, map[string]any{"items": got["alerts"]}); got != "alert-2,alert-1" {
		t.Errorf("open alerts of loan-1 = %s, want alert-2,alert-1 (pending or firing, not closed, newest first)", got)
	}
	if r := h.do("GET", "/api/v1/loans/nope/risk", auditor, nil); r.status != 404 {
		t.Errorf("risk of a missing loan = %d %s, want 404", r.status, r.body)
	} else if _, detail := r.problem(t); detail == "" {
		t.Error("404 problem without detail")
	}

	pf := h.must(200, "GET", "/api/v1/portfolio", auditor, nil).json(t)
	if _, ok := pf["by_band"]; !ok {
		t.Errorf("portfolio = %v, want by_band", pf)
	}
	h.must(403, "GET", "/api/v1/portfolio", device, nil)
	h.must(401, "GET", "/api/v1/portfolio", "", nil)

	for _, c := range []struct{ path, want string }{
		{"/api/v1/loan-risks", "loan-1"},
		{"/api/v1/loan-risks?band=warn", "loan-1"},
		{"/api/v1/loan-risks?band=healthy", ""},
		{"/api/v1/signals", "collateral:lot-1/unauthorized_outflow,device:cell-1/device_offline"},
		{"/api/v1/signals?active=true", "collateral:lot-1/unauthorized_outflow"},
		{"/api/v1/alerts", "alert-5,alert-4,alert-3,alert-2,alert-1"},
		{"/api/v1/alerts?state=firing&status=open", "alert-5,alert-1"},
		{"/api/v1/alerts?severity=critical", "alert-5,alert-3"},
		{"/api/v1/alerts?loan=loan-9", "alert-5"},
		{"/api/v1/alerts?rule=ltv_warn&subject=loan:loan-1&status=closed", "alert-3"},
		{"/api/v1/alerts?rule=other", ""},
		{"/api/v1/actions", "action-1"},
		{"/api/v1/inspections", "insp-1"},
	} {
		if got := itemIDs(t, h.must(200, "GET", c.path, auditor, nil).json(t)); got != c.want {
			t.Errorf("GET %s = %s, want %s", c.path, got, c.want)
		}
	}
	for path, want := range map[string]string{"/api/v1/alerts/alert-3": "closed", "/api/v1/actions/action-1": "open", "/api/v1/inspections/insp-1": "open"} {
		m := h.must(200, "GET", path, auditor, nil).json(t)
		if m["id"] != path[strings.LastIndex(path, "/")+1:] || (m["status"] != want && m["state"] != want) {
			t.Errorf("GET %s = %v, want it with status or state %s", path, m, want)
		}
	}
	for _, p := range []string{"/api/v1/alerts/nope", "/api/v1/actions/nope", "/api/v1/inspections/nope"} {
		if _, detail := h.must(404, "GET", p, auditor, nil).problem(t); detail == "" {
			t.Errorf("GET %s: 404 without detail", p)
		}
	}
	if loc, _ := h.must(422, "GET", "/api/v1/alerts?state=burning", auditor, nil).problem(t); loc != "query.state" {
		t.Errorf("bad state at %q, want query.state", loc)
	}

	// Cursor pagination over alerts (descending id) and signals ("subject/name" keys).
	var seen []string
	path := "/api/v1/alerts?limit=2"
	for range 5 {
		page := h.must(200, "GET", path, auditor, nil).json(t)
		seen = append(seen, itemIDs(t, page))
		next, _ := page["next_cursor"].(string)
		if next == "" {
			break
		}
		path = "/api/v1/alerts?limit=2&cursor=" + next
	}
	if got := strings.Join(seen, "|"); got != "alert-5,alert-4|alert-3,alert-2|alert-1" {
		t.Errorf("alert pages = %s", got)
	}
	page := h.must(200, "GET", "/api/v1/signals?limit=1", auditor, nil).json(t)
	page = h.must(200, "GET", "/api/v1/signals?limit=1&cursor="+page["next_cursor"].(string), auditor, nil).json(t)
	if got := itemIDs(t, page); got != "device:cell-1/device_offline" {
		t.Errorf("second signal page = %s", got)
	}
	h.must(400, "GET", "/api/v1/signals?cursor=bm90LWEtY3Vyc29y", auditor, nil)
}

func TestAlertAndInspectionCommandsRoles(t *testing.T) {
	h := newHarness(t)
	admin := h.tenant("bank-a")
	h.seed(admin, "A")
	h.project(riskRows("bank-a", "A"))
	officer, _ := h.key(admin, "risk_officer")
	for _, role := range []string{"auditor", "analyst", "inspector", "device"} {
		k, _ := h.key(admin, role)
		h.must(403, "POST", "/api/v1/alerts/alert-1/ack", k, map[string]any{})
		h.must(403, "POST", "/api/v1/alerts/alert-1/close", k, map[string]any{"reason": "confirmed"})
		if role == "inspector" {
			continue
		}
		h.must(403, "POST", "/api/v1/inspections/insp-1/complete", k, map[string]any{"findings": "all there"})
	}
	h.must(401, "POST", "/api/v1/alerts/alert-1/ack", "", map[string]any{})
	inspector, _ := h.key(admin, "inspector")

	h.must(404, "POST", "/api/v1/alerts/nope/ack", officer, nil)
	h.must(404, "POST", "/api/v1/alerts/nope/close", officer, map[string]any{"reason": "cured"})
	h.must(404, "POST", "/api/v1/inspections/nope/complete", inspector, map[string]any{"findings": "x"})
	for _, c := range []struct {
		path string
		body any
		loc  string
	}{
		{"/api/v1/alerts/alert-1/close", map[string]any{"reason": "bored"}, "body.reason"},
		{"/api/v1/alerts/alert-1/close", map[string]any{}, "body"}, // huma: "expected required property reason"
		{"/api/v1/alerts/alert-1/ack", map[string]any{"comment": strings.Repeat("x", 2001)}, "body.comment"},
		{"/api/v1/alerts/alert-1/ack", map[string]any{"reason": "cured"}, "body.reason"},
		{"/api/v1/inspections/insp-1/complete", map[string]any{"findings": ""}, "body.findings"},
		{"/api/v1/inspections/insp-1/complete", map[string]any{"findings": "a\x00b"}, "body.findings"},
	} {
		r := h.do("POST", c.path, officer, c.body)
		if loc, _ := r.problem(t); r.status != 422 || loc != c.loc {
			t.Errorf("POST %s %v = %d at %q, want 422 at %s", c.path, c.body, r.status, loc, c.loc)
		}
	}
}

// waitItems polls a list until it has an item, for rows the engine derives.
func waitItems(h *harness, path, key string) []any {
	h.t.Helper()
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var page struct{ Items []any }
		r := h.must(200, "GET", path, key, nil)
		if err := json.Unmarshal(r.body, &page); err != nil {
			h.t.Fatal(err)
		}
		if len(page.Items) > 0 {
			return page.Items
		}
	}
	return nil
}

// TestAlertLifecycle acknowledges and closes an alert the engine raised from a tenant
// rule, and completes the inspection its request_inspection action created.
func TestAlertLifecycle(t *testing.T) {
	h := newHarness(t)
	admin := h.tenant("bank-a")
	officer, officerID := h.key(admin, "risk_officer")
	inspector, inspectorID := h.key(admin, "inspector")
	quiet(h, admin)
	h.must(200, "PUT", "/api/v1/rules/any-exposure", officer, map[string]any{"expr": "loan.exposure > 0.0",
		"severity": "warning", "action": "request_inspection", "summary": "loan {{ loan.id }} is exposed"})
	h.seed(admin, "A")
	alerts := waitItems(h, "/api/v1/alerts?rule=any-exposure&state=firing", admin)
	if alerts == nil {
		t.Fatal("the engine raised no alert for a rule over loan.exposure > 0")
	}
	a := alerts[0].(map[string]any)
	id := a["id"].(string)
	if a["status"] != "open" || a["rule_version"] != 1.0 || a["subject"] != "loan:loan-1" {
		t.Errorf("raised alert = %v, want open, rule version 1, subject loan:loan-1", a)
	}
	if got := itemIDs(t, map[string]any{"items": h.must(200, "GET", "/api/v1/loans/loan-1/risk", admin, nil).json(t)["alerts"]}); !strings.Contains(got, id) {
		t.Errorf("open alerts of loan-1 = %s, want %s", got, id)
	}

	h.must(403, "POST", "/api/v1/alerts/"+id+"/ack", inspector, map[string]any{})
	got := h.must(200, "POST", "/api/v1/alerts/"+id+"/ack", officer, nil).json(t) // the body is optional
	if got["status"] != "acknowledged" || got["acked_by"] != officerID || got["state"] != "firing" {
		t.Errorf("acked alert = %v, want acknowledged by %s, still firing", got, officerID)
	}
	got = h.must(200, "POST", "/api/v1/alerts/"+id+"/close", officer, map[string]any{"reason": "false_positive", "comment": "test lot"}).json(t)
	if got["status"] != "closed" || got["close_reason"] != "false_positive" || got["closed_by"] != officerID || got["comment"] != "test lot" {
		t.Errorf("closed alert = %v", got)
	}
	if read := h.must(200, "GET", "/api/v1/alerts/"+id, admin, nil).json(t); read["status"] != "closed" {
		t.Errorf("GET closed alert = %v", read)
	}
	h.must(409, "POST", "/api/v1/alerts/"+id+"/close", officer, map[string]any{"reason": "cured"})
	h.must(409, "POST", "/api/v1/alerts/"+id+"/ack", officer, nil)
	if got := itemIDs(t, map[string]any{"items": h.must(200, "GET", "/api/v1/loans/loan-1/risk", admin, nil).json(t)["alerts"]}); strings.Contains(got, id) {
		t.Errorf("open alerts of loan-1 = %s, still listing the closed %s", got, id)
	}

	insps := waitItems(h, "/api/v1/inspections", admin)
	if insps == nil {
		t.Fatal("request_inspection created no inspection")
	}
	in := insps[0].(map[string]any)
	done := h.must(200, "POST", "/api/v1/inspections/"+in["id"].(string)+"/complete", inspector, map[string]any{"findings": "1190 t on site"}).json(t)
	if done["state"] != "done" || done["findings"] != "1190 t on site" || done["completed_by"] != inspectorID {
		t.Errorf("completed inspection = %v", done)
	}
	h.must(409, "POST", "/api/v1/inspections/"+in["id"].(string)+"/complete", inspector, map[string]any{"findings": "again"})
	if acts := h.must(200, "GET", "/api/v1/actions", admin, nil).json(t)["items"].([]any); len(acts) == 0 {
		t.Error("no action listed for the fired request_inspection rule")
	}
}
