package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"groundtruth/httpapi"
	"groundtruth/journal"
	"groundtruth/node"
	"groundtruth/sqlite"
)

func TestCreateReadUpdateRoundTrip(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("bank-a")
	f := h.seed(key, "A")

	loan := h.must(http.StatusOK, http.MethodGet, "/api/v1/loans/loan-1", key, nil).json(t)
	if loan["borrower_id"] != "borrower-1" || loan["status"] != "active" || loan["tenant_id"] != "bank-a" {
		t.Errorf("GET loan = %v, want borrower-1, active, tenant bank-a", loan)
	}
	terms := loan["terms"].(map[string]any)
	if terms["margin_call_ltv"] != 0.8 || terms["cure_period"] != "72h0m0s" {
		t.Errorf("default terms = %v, want margin call 0.8 and cure 72h", terms)
	}
	lot := h.must(http.StatusOK, http.MethodGet, "/api/v1/collateral/lot-1", key, nil).json(t)
	if inv := lot["inventory"].(map[string]any); inv["quantity"] != 1200.0 || inv["receipt_no"] != "QD-A" {
		t.Errorf("GET lot inventory = %v", inv)
	}

	upd := f["loan"].(map[string]any)
	upd["outstanding"] = map[string]any{"amount": 400000000, "currency": "USD"}
	got := h.must(http.StatusOK, http.MethodPut, "/api/v1/loans/loan-1", key, upd).json(t)
	if got["outstanding"].(map[string]any)["amount"] != 400000000.0 || got["version"].(float64) <= loan["version"].(float64) {
		t.Errorf("PUT loan = %v, want outstanding 400000000 and a higher version than %v", got, loan["version"])
	}
	if got["created_at"] != loan["created_at"] {
		t.Errorf("created_at changed on update: %v -> %v", loan["created_at"], got["created_at"])
	}

	// A generated id when the client gives none; Location points at the record.
	r := h.must(http.StatusCreated, http.MethodPost, "/api/v1/parties", key, map[string]any{"name": "Debtor Ltd", "roles": []string{"debtor"}})
	id := r.json(t)["id"].(string)
	if !strings.HasPrefix(id, "party_") || r.header.Get("Location") != "/api/v1/parties/"+id {
		t.Errorf("generated id %q, Location %q", id, r.header.Get("Location"))
	}
}

func TestListPaginatesByCursor(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("bank-a")
	for i := 0; i < 7; i++ {
		h.must(http.StatusCreated, http.MethodPost, "/api/v1/parties", key,
			map[string]any{"id": fmt.Sprintf("p-%02d", i), "name": fmt.Sprint("Party ", i), "roles": []string{"borrower"}})
	}
	var seen []string
	path := "/api/v1/parties?limit=3"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		page := h.must(http.StatusOK, http.MethodGet, path, key, nil).json(t)
		for _, it := range page["items"].([]any) {
			seen = append(seen, it.(map[string]any)["id"].(string))
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			break
		}
		path = "/api/v1/parties?limit=3&cursor=" + next
	}
	if got := strings.Join(seen, ","); got != "p-00,p-01,p-02,p-03,p-04,p-05,p-06" {
		t.Errorf("pages gave %s, want p-00..p-06 once each", got)
	}
	if r := h.do(http.MethodGet, "/api/v1/parties?cursor=not*a*cursor", key, nil); r.status != http.StatusBadRequest && r.status != http.StatusUnprocessableEntity {
		t.Errorf("bad cursor: %d %s", r.status, r.body)
	}
	empty := h.must(http.StatusOK, http.MethodGet, "/api/v1/sites", key, nil)
	if !strings.Contains(string(empty.body), `"items":[]`) {
		t.Errorf("empty list = %s, want items []", empty.body)
	}
}

func TestErrorsAreProblemsNamingTheField(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("bank-a")
	f := h.seed(key, "A")
	loan := func(edit func(m map[string]any)) map[string]any {
		m := map[string]any{}
		for k, v := range f["loan"].(map[string]any) {
			m[k] = v
		}
		m["id"] = "loan-2"
		edit(m)
		return m
	}
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		loc    string
	}{
		{"bands out of order", "POST", "/api/v1/loans", loan(func(m map[string]any) {
			m["terms"] = map[string]any{"warn_ltv": 0.9, "margin_call_ltv": 0.8, "liquidation_ltv": 0.95, "cure_period": "72h"}
		}), 422, "body.terms.margin_call_ltv"},
		{"missing borrower", "POST", "/api/v1/loans", loan(func(m map[string]any) { m["borrower_id"] = "nobody" }), 422, "body.borrower_id"},
		{"unknown currency", "POST", "/api/v1/loans", loan(func(m map[string]any) {
			m["principal"] = map[string]any{"amount": 1, "currency": "XXX"}
		}), 422, "body.principal.currency"},
		{"unknown field", "POST", "/api/v1/loans", loan(func(m map[string]any) { m["colour"] = "red" }), 422, "body.colour"},
		{"duplicate id", "POST", "/api/v1/loans", loan(func(m map[string]any) { m["id"] = "loan-1" }), 409, "body.id"},
		{"open polygon", "POST", "/api/v1/sites", map[string]any{"name": "x", "kind": "yard",
			"boundary": map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}}}, 422, "body.boundary.coordinates[0]"},
		{"malformed json", "POST", "/api/v1/parties", `{"name": `, 400, ""},
		{"id mismatch", "PUT", "/api/v1/loans/loan-1", loan(func(m map[string]any) {}), 422, "body.id"},
		{"update missing", "PUT", "/api/v1/loans/loan-2", loan(func(m map[string]any) {}), 404, "body.id"},
		{"get missing", "GET", "/api/v1/loans/nope", nil, 404, ""},
		{"oversized", "POST", "/api/v1/parties", `{"name":"` + strings.Repeat("x", 2<<20) + `"}`, 413, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(tc.method, tc.path, key, tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d %s, want %d", r.status, r.body, tc.status)
			}
			loc, detail := r.problem(t)
			if tc.loc != "" && loc != tc.loc {
				t.Errorf("location %q (detail %q), want %q", loc, detail, tc.loc)
			}
			if detail == "" {
				t.Error("problem has no detail")
			}
		})
	}
	// Nothing of the failed writes exists.
	h.must(http.StatusNotFound, http.MethodGet, "/api/v1/loans/loan-2", key, nil)
}

func TestAuthenticationAndRoles(t *testing.T) {
	h := newHarness(t)
	admin := h.tenant("bank-a")
	h.seed(admin, "A")
	newKey := func(role string) string {
		m := h.must(http.StatusCreated, http.MethodPost, "/api/v1/api-keys", admin, map[string]any{"name": role, "role": role}).json(t)
		if m["key"].(map[string]any)["role"] != role || !strings.HasPrefix(m["secret"].(string), "gtk_") {
			t.Fatalf("created key = %v", m)
		}
		return m["secret"].(string)
	}
	auditor, device, officer := newKey("auditor"), newKey("device"), newKey("risk_officer")

	if r := h.do("GET", "/api/v1/loans", "", nil); r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("no key: %d, WWW-Authenticate %q", r.status, r.header.Get("WWW-Authenticate"))
	}
	h.must(401, "GET", "/api/v1/loans", "gtk_not-a-key", nil)
	h.must(200, "GET", "/api/v1/loans/loan-1", auditor, nil)
	h.must(403, "POST", "/api/v1/parties", auditor, map[string]any{"name": "x", "roles": []string{"borrower"}})
	h.must(403, "GET", "/api/v1/loans", device, nil)
	h.must(403, "GET", "/api/v1/api-keys", officer, nil)
	h.must(201, "POST", "/api/v1/parties", officer, map[string]any{"name": "x", "roles": []string{"borrower"}})
	h.must(403, "POST", "/api/v1/tenants", admin, map[string]any{"name": "Other"})

	// Revoking a key locks it out at once; the list shows it revoked.
	keys := h.must(200, "GET", "/api/v1/api-keys", admin, nil).json(t)["items"].([]any)
	var auditorID string
	for _, k := range keys {
		if k := k.(map[string]any); k["role"] == "auditor" {
			auditorID = k["id"].(string)
		}
		if strings.Contains(fmt.Sprint(k), "hash") {
			t.Errorf("key listing exposes a hash: %v", k)
		}
	}
	h.must(200, "DELETE", "/api/v1/api-keys/"+auditorID, admin, nil)
	h.must(401, "GET", "/api/v1/loans/loan-1", auditor, nil)
}

func TestOperatorCreatesTenants(t *testing.T) {
	h := newHarness(t)
	h.must(403, "POST", "/api/v1/tenants", "wrong", map[string]any{"name": "Acme Bank"})
	m := h.must(201, "POST", "/api/v1/tenants", "operator-secret", map[string]any{"name": "Acme Bank"}).json(t)
	if m["tenant"].(map[string]any)["id"] != "acme-bank" {
		t.Errorf("tenant = %v, want id acme-bank", m["tenant"])
	}
	key := m["admin_key"].(string)
	if got := h.must(200, "GET", "/api/v1/tenant", key, nil).json(t); got["name"] != "Acme Bank" {
		t.Errorf("GET tenant = %v", got)
	}
	r := h.do("POST", "/api/v1/tenants", "operator-secret", map[string]any{"name": "Acme Bank"})
	if r.status != 409 {
		t.Errorf("second Acme Bank: %d %s, want 409", r.status, r.body)
	}
}

func TestDeviceCredentials(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("bank-a")
	h.seed(key, "A")
	tok := h.must(200, "POST", "/api/v1/devices/cell-1/token", key, nil).json(t)["token"].(string)
	if !strings.HasPrefix(tok, "gtd_") {
		t.Fatalf("token %q", tok)
	}
	d := h.must(200, "GET", "/api/v1/devices/cell-1", key, nil)
	if strings.Contains(string(d.body), tok) || !strings.Contains(string(d.body), `"has_token":true`) {
		t.Errorf("device = %s: want has_token and no secret", d.body)
	}
	dev, err := h.store.DeviceByTokenHash(t.Context(), hashOf(tok))
	if err != nil || dev.ID != "cell-1" {
		t.Errorf("DeviceByTokenHash = %v, %v", dev, err)
	}
	r := h.do("PUT", "/api/v1/devices/cell-1/public-key", key, map[string]any{"public_key": "too-short"})
	if loc, _ := r.problem(t); r.status != 422 || loc != "body.public_key" {
		t.Errorf("bad key: %d at %q", r.status, loc)
	}
	h.must(200, "PUT", "/api/v1/devices/cell-1/public-key", key, map[string]any{"public_key": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})
	h.must(404, "POST", "/api/v1/devices/nope/token", key, nil)
}

func TestPriceSeries(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("bank-a")
	var ticks []map[string]any
	for m := 1; m <= 12; m++ {
		ticks = append(ticks, map[string]any{"commodity": "copper", "at": fmt.Sprintf("2014-%02d-01T00:00:00Z", m),
			"price": map[string]any{"amount": 700000 - m*1000, "currency": "USD"}, "unit": "t"})
	}
	h.must(200, "POST", "/api/v1/prices", key, map[string]any{"ticks": ticks})
	got := h.must(200, "GET", "/api/v1/prices/copper?from=2014-03-01T00:00:00Z&to=2014-06-01T00:00:00Z", key, nil).json(t)
	items := got["items"].([]any)
	if len(items) != 3 || items[0].(map[string]any)["price"].(map[string]any)["amount"] != 697000.0 {
		t.Errorf("March..May = %v, want 3 ticks starting at 697000", items)
	}
	page := h.must(200, "GET", "/api/v1/prices/copper?limit=5", key, nil).json(t)
	next := page["next_cursor"].(string)
	page2 := h.must(200, "GET", "/api/v1/prices/copper?limit=5&cursor="+next, key, nil).json(t)
	first := page2["items"].([]any)[0].(map[string]any)["at"]
	if first != "2014-06-01T00:00:00Z" {
		t.Errorf("second page starts at %v, want 2014-06-01", first)
	}
	if c := h.must(200, "GET", "/api/v1/prices", key, nil).json(t); fmt.Sprint(c["commodities"]) != "[copper]" {
		t.Errorf("commodities = %v", c)
	}
	r := h.do("POST", "/api/v1/prices", key, map[string]any{"ticks": []map[string]any{{"commodity": "copper", "at": "2014-01-01T00:00:00Z",
		"price": map[string]any{"amount": -5, "currency": "USD"}, "unit": "t"}}})
	if loc, _ := r.problem(t); r.status != 422 || loc != "body.ticks[0].price.amount" {
		t.Errorf("negative price: %d at %q", r.status, loc)
	}
}

func TestHealthReadinessMetricsOpenAPI(t *testing.T) {
	h := newHarness(t)
	h.must(200, "GET", "/healthz", "", nil)
	h.must(200, "GET", "/readyz", "", nil)
	key := h.tenant("bank-a")
	h.must(201, "POST", "/api/v1/parties", key, map[string]any{"name": "x", "roles": []string{"borrower"}})
	h.must(422, "POST", "/api/v1/parties", key, map[string]any{"name": "x", "roles": []string{"lender"}})
	m := string(h.must(200, "GET", "/metrics", "", nil).body)
	for _, want := range []string{`groundtruth_http_requests_total{code="201",operation="create-party"} 1`,
		`groundtruth_http_requests_total{code="422",operation="create-party"} 1`} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	doc := h.must(200, "GET", "/api/v1/openapi.json", "", nil).json(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v", doc["openapi"])
	}
}

// TestNotReadyWhileReplaying: before the node has caught up with the journal, /healthz
// answers, /readyz and the API answer 503 with Retry-After.
func TestNotReadyWhileReplaying(t *testing.T) {
	dir := t.TempDir()
	j, err := journal.Open(t.Context(), journal.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	st, err := sqlite.Open(t.Context(), dir+"/gt.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, _ := node.New(node.Options{Journal: j, Store: st}) // never Run: never ready
	srv := httptest.NewServer(httpapi.New(httpapi.Options{Node: n, Store: st}))
	defer srv.Close()
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 503, "/api/v1/loans": 503} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want || (want == 503 && path != "/readyz" && resp.Header.Get("Retry-After") == "") {
			t.Errorf("GET %s = %d (Retry-After %q), want %d", path, resp.StatusCode, resp.Header.Get("Retry-After"), want)
		}
	}
}
