package httpapi_test

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	gt "groundtruth"
	"groundtruth/rules"
)

// celError returns the message of the rules package for expr, checking that it names
// the line:column of the error.
func celError(t *testing.T, expr string) string {
	t.Helper()
	_, err := rules.Compile(gt.Rule{Name: "x", Expr: expr, Severity: gt.SeverityWarning})
	msg := gt.ErrorMessage(err)
	if !regexp.MustCompile(`^1:\d+: `).MatchString(msg) || gt.ErrorField(err) != "expr" {
		t.Fatalf("rules.Compile(%q) = %v, want an expr error at line:column", expr, err)
	}
	return "expr: " + msg
}

func TestRuleCompileErrors(t *testing.T) {
	h := newHarness(t)
	admin := h.tenant("bank-a")
	officer, _ := h.key(admin, "risk_officer")
	tests := []struct {
		name string
		body map[string]any
		loc  string
		msg  string
	}{
		{"unknown field", map[string]any{"expr": "loan.ltvv > 1", "severity": "warning"}, "body.expr", celError(t, "loan.ltvv > 1")},
		{"syntax", map[string]any{"expr": "loan.ltv >", "severity": "warning"}, "body.expr", "1:"},
		{"not bool", map[string]any{"expr": "loan.ltv", "severity": "warning"}, "body.expr", "bool"},
		{"summary", map[string]any{"expr": "loan.ltv > 1.0", "severity": "warning", "summary": "ltv {{ loan.nope }}"}, "body.summary", "1:"},
		{"severity", map[string]any{"expr": "loan.ltv > 1.0", "severity": "dire"}, "body.severity", ""},
		{"for", map[string]any{"expr": "loan.ltv > 1.0", "severity": "info", "for": "2400h"}, "body.for", ""},
		{"name mismatch", map[string]any{"name": "other", "expr": "loan.ltv > 1.0", "severity": "info"}, "body.name", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/api/v1/rules/ltv-high", "/api/v1/rules/check"} {
				method := "PUT"
				if strings.HasSuffix(path, "check") {
					method = "POST"
					if tc.name == "name mismatch" {
						continue
					}
				}
				r := h.do(method, path, officer, tc.body)
				loc, detail := r.problem(t)
				if r.status != 422 || loc != tc.loc || !strings.Contains(detail, tc.msg) {
					t.Errorf("%s %s = %d at %q %q, want 422 at %s containing %q", method, path, r.status, loc, detail, tc.loc, tc.msg)
				}
			}
		})
	}
	h.must(404, "GET", "/api/v1/rules/ltv-high", officer, nil)
	h.must(422, "GET", "/api/v1/rules/Not_A_Name", officer, nil)

	got := h.must(200, "POST", "/api/v1/rules/check", officer, map[string]any{"expr": "signal.name == 'tamper' && signal.active", "severity": "critical"}).json(t)
	if got["ok"] != true || got["scope"] != "signal" {
		t.Errorf("check = %v, want ok, scope signal", got)
	}
}

func TestRuleRolesAndVersions(t *testing.T) {
	h := newHarness(t)
	admin := h.tenant("bank-a")
	officer, _ := h.key(admin, "risk_officer")
	rule := map[string]any{"expr": "loan.ltv > 0.9", "severity": "warning", "summary": "LTV {{ loan.ltv }}"}
	for _, role := range []string{"analyst", "inspector", "auditor", "device"} {
		k, _ := h.key(admin, role)
		h.must(403, "PUT", "/api/v1/rules/ltv-high", k, rule)
		h.must(403, "POST", "/api/v1/rules/check", k, rule)
		if role != "device" {
			h.must(200, "GET", "/api/v1/rules", k, nil)
		}
	}
	h.must(401, "PUT", "/api/v1/rules/ltv-high", "", rule)

	v1 := h.must(200, "PUT", "/api/v1/rules/ltv-high", officer, rule).json(t)
	if v1["version"] != 1.0 || v1["name"] != "ltv-high" || v1["action"] != "alert" || v1["builtin"] != false {
		t.Errorf("first PUT = %v, want version 1 of ltv-high, action alert", v1)
	}
	rule["severity"], rule["name"], rule["for"] = "critical", "ltv-high", "30m"
	rule["version"] = 1 // read-only fields sent back are ignored
	v2 := h.must(200, "PUT", "/api/v1/rules/ltv-high", admin, rule).json(t)
	if v2["version"] != 2.0 || v2["severity"] != "critical" || v2["for"] != "30m0s" {
		t.Errorf("second PUT = %v, want version 2, critical, for 30m", v2)
	}
	d := h.must(200, "GET", "/api/v1/rules/ltv-high", admin, nil).json(t)
	vs := d["versions"].([]any)
	if len(vs) != 2 || vs[0].(map[string]any)["version"] != 1.0 || vs[1].(map[string]any)["severity"] != "critical" ||
		d["rule"].(map[string]any)["version"] != 2.0 {
		t.Errorf("GET rule = %v, want versions 1 and 2, rule in effect version 2", d)
	}

	// The effective set: the built-in pack, overridden by name, plus the tenant's rules.
	builtin := rules.Builtin()
	if len(builtin) == 0 {
		t.Fatal("rules.Builtin() is empty")
	}
	b := builtin[0]
	bd := h.must(200, "GET", "/api/v1/rules/"+b.Name, admin, nil).json(t)
	if bd["rule"].(map[string]any)["builtin"] != true || len(bd["versions"].([]any)) != 1 {
		t.Errorf("GET built-in %s = %v, want the built-in rule as its only version", b.Name, bd)
	}
	body := map[string]any{"expr": b.Expr, "severity": b.Severity, "for": b.For.Std().String(), "disabled": true}
	if b.Action != "" {
		body["action"] = b.Action
	}
	if b.Summary != "" {
		body["summary"] = b.Summary
	}
	over := h.must(200, "PUT", "/api/v1/rules/"+b.Name, officer, body).json(t)
	if over["disabled"] != true || over["builtin"] != false || over["version"] != 2.0 {
		t.Errorf("override of %s = %v, want a disabled tenant rule, version 2 (the built-in one is 1)", b.Name, over)
	}
	bd = h.must(200, "GET", "/api/v1/rules/"+b.Name, admin, nil).json(t)
	if vs := bd["versions"].([]any); len(vs) != 2 || vs[0].(map[string]any)["builtin"] != true ||
		vs[1].(map[string]any)["disabled"] != true || bd["rule"].(map[string]any)["version"] != 2.0 {
		t.Errorf("GET overridden %s = %v, want versions [built-in, override] and the override in effect", b.Name, bd)
	}
	items := h.must(200, "GET", "/api/v1/rules", admin, nil).json(t)["items"].([]any)
	var names []string
	for _, it := range items {
		m := it.(map[string]any)
		names = append(names, m["name"].(string))
		if m["name"] == b.Name && (m["builtin"] != false || m["disabled"] != true) {
			t.Errorf("listed %s = %v, want the tenant's disabled override", b.Name, m)
		}
	}
	if len(names) != len(builtin)+1 || !sort.StringsAreSorted(names) || !strings.Contains(","+strings.Join(names, ",")+",", ",ltv-high,") {
		t.Errorf("rules = %v, want the %d built-in rules and ltv-high, once each, sorted", names, len(builtin))
	}
}
