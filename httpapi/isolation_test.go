package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
)

func hashOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestTenantIsolation walks every operation of the OpenAPI document as tenant B, with
// tenant A's ids in the path and A-shaped bodies, and checks that nothing of A leaks
// and nothing of A changes. A new route is covered automatically; one that needs a body
// this test does not know fails the test until it is added to bodies below.
func TestTenantIsolation(t *testing.T) {
	h := newHarness(t)
	keyA, keyB := h.tenant("bank-a"), h.tenant("bank-b")
	const secret = "SECRET-OF-A"
	h.seed(keyA, secret)
	h.project(riskRows("bank-a", secret))
	fb := fixturesWithIDs("B", "b-")
	aKeyID := h.must(201, "POST", "/api/v1/api-keys", keyA, map[string]any{"name": "auditor " + secret, "role": "auditor"}).json(t)["key"].(map[string]any)["id"].(string)
	h.must(200, "PUT", "/api/v1/webhook", keyA, map[string]any{"url": "https://bank-a.example/" + secret})
	addDelivery(t, h, "bank-a", "action-1", "HTTP 500 "+secret)

	before := snapshotA(t, h, keyA)
	ids := map[string]string{"parties": "borrower-1", "sites": "wh-1", "loans": "loan-1", "collateral": "lot-1",
		"devices": "cell-1", "releases": "rel-1", "api-keys": aKeyID, "prices": "copper",
		"alerts": "alert-1", "actions": "action-1", "inspections": "insp-1", "rules": "secret-rule"}
	bodies := map[string]any{
		"create-party": fb["borrower"], "update-party": fb["borrower"],
		"create-site": fb["site"], "update-site": fb["site"],
		"create-loan": fb["loan"], "update-loan": fb["loan"],
		"create-collateral": fb["collateral"], "update-collateral": fb["collateral"],
		"create-device": fb["device"], "update-device": fb["device"],
		"create-release": fb["release"], "update-release": fb["release"],
		"record-prices":               fb["prices"],
		"create-api-key":              map[string]any{"name": "k", "role": "analyst"},
		"create-tenant":               map[string]any{"name": "Bank Z"},
		"register-device-key":         map[string]any{"public_key": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
		"register-device-certificate": map[string]any{"certificate": "-----BEGIN CERTIFICATE-----"},
		"put-records":                 map[string]any{"loans": []any{fb["loan"]}},
		"ingest":                      []any{map[string]any{"n": "mass", "v": 1}},
		"ack-alert":                   map[string]any{"comment": "seen"},
		"close-alert":                 map[string]any{"reason": "confirmed"},
		"complete-inspection":         map[string]any{"findings": "all there"},
		"put-rule":                    map[string]any{"expr": "loan.ltv > 0.5", "severity": "warning"},
		"check-rule":                  map[string]any{"expr": "loan.ltv > 0.5", "severity": "warning"},
		"put-webhook":                 map[string]any{"url": "https://bank-b.example/hook"},
		"put-policy":                  map[string]any{"unsigned_trust_cap": 0.5, "require_signatures": true},
		"set-loan-pds":                map[string]any{"items": []any{map[string]any{"loan_id": "loan-1", "pd": 0.5}}},
		"upload-scene":                map[string]any{},
		"stress-portfolio":            map[string]any{"shocks": map[string]any{"copper": -0.5}},
		"set-clock":                   map[string]any{"now": "2026-01-01T00:00:00Z"},
	}
	// Required query parameters, so that the walk reaches the handler.
	queries := map[string]string{
		"get-device-series": "?name=mass&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&step=1h",
	}

	// Before B writes anything: B's lists of engine-derived rows are empty.
	for _, p := range []string{"/api/v1/loan-risks", "/api/v1/signals", "/api/v1/alerts", "/api/v1/actions", "/api/v1/inspections"} {
		if got := itemIDs(t, h.must(200, "GET", p, keyB, nil).json(t)); got != "" {
			t.Errorf("GET %s as tenant B = %s, want nothing", p, got)
		}
	}
	if pf := h.must(200, "GET", "/api/v1/portfolio", keyB, nil).json(t); pf["loans"] != 0.0 {
		t.Errorf("B's portfolio = %v, want no loans", pf)
	}

	doc := h.must(200, "GET", "/api/v1/openapi.json", "", nil).json(t)
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	var walked []string
	paths := doc["paths"].(map[string]any)
	var keys []string
	for p := range paths {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	for _, path := range keys {
		// In the order delete, get, post, put: B reads A's rule before saving its own of
		// the same name.
		ops := paths[path].(map[string]any)
		var methods []string
		for m := range ops {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		for _, method := range methods {
			o := ops[method]
			opID, _ := o.(map[string]any)["operationId"].(string)
			if opID == "" {
				continue
			}
			coll := strings.Split(strings.TrimPrefix(path, "/api/v1/"), "/")[0]
			url := param.ReplaceAllStringFunc(path, func(string) string { return ids[coll] }) + queries[opID]
			var body any
			if _, hasBody := o.(map[string]any)["requestBody"]; hasBody {
				b, ok := bodies[opID]
				if !ok {
					t.Errorf("%s %s (%s): no request body known; add one to this test", method, path, opID)
					continue
				}
				body = b
				if m, ok := b.(map[string]any); ok && strings.HasPrefix(opID, "update-") {
					// No id in the body: the path's id (tenant A's) is the target.
					c := map[string]any{}
					for k, v := range m {
						c[k] = v
					}
					delete(c, "id")
					body = c
				}
			}
			r := h.do(strings.ToUpper(method), url, keyB, body)
			walked = append(walked, opID)
			if strings.Contains(string(r.body), secret) {
				t.Errorf("%s %s as tenant B leaks tenant A's data: %d %s", method, url, r.status, r.body)
			}
			// Reading one of A's records by id must not succeed.
			if method == "get" && strings.Contains(path, "{") && coll != "prices" && r.status != http.StatusNotFound {
				t.Errorf("GET %s as tenant B = %d, want 404", url, r.status)
			}
			// Writing to one of A's records by id answers 404 (or 403 for operator routes).
			// Rules are named by the tenant: B saving a rule of A's name saves B's own.
			ownName := opID == "put-rule" && r.status == http.StatusOK
			if method != "get" && strings.Contains(path, "{") && r.status != http.StatusNotFound && r.status != http.StatusForbidden && !ownName {
				t.Errorf("%s %s as tenant B = %d %s, want 404", method, url, r.status, r.body)
			}
			if r.status >= 500 {
				t.Errorf("%s %s = %d %s", method, url, r.status, r.body)
			}
		}
	}
	sort.Strings(walked)
	if len(walked) < 30 {
		t.Errorf("walked only %d operations: %v", len(walked), walked)
	}
	after := snapshotA(t, h, keyA)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("tenant A's %s changed while tenant B walked the API:\n before %s\n after  %s", k, v, after[k])
		}
	}
	// A's key still works; B's key still works.
	h.must(200, "GET", "/api/v1/loans/loan-1", keyA, nil)
	h.must(200, "GET", "/api/v1/tenant", keyB, nil)
}

// snapshotA reads everything tenant A can see.
func snapshotA(t *testing.T, h *harness, key string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range []string{"/api/v1/parties", "/api/v1/sites", "/api/v1/loans", "/api/v1/collateral",
		"/api/v1/devices", "/api/v1/releases", "/api/v1/api-keys", "/api/v1/prices/copper", "/api/v1/tenant",
		"/api/v1/loans/loan-1/risk", "/api/v1/portfolio", "/api/v1/loan-risks", "/api/v1/signals", "/api/v1/alerts",
		"/api/v1/alerts/alert-1", "/api/v1/actions", "/api/v1/inspections/insp-1", "/api/v1/rules", "/api/v1/rules/secret-rule",
		"/api/v1/webhook", "/api/v1/actions/action-1/deliveries", "/api/v1/policy", "/api/v1/portfolio/credit"} {
		out[p] = string(h.must(200, "GET", p, key, nil).body)
	}
	return out
}
