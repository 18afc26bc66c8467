package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/httpapi"
	"groundtruth/ingest"
	"groundtruth/journal"
	"groundtruth/node"
	"groundtruth/sqlite"

	"github.com/prometheus/client_golang/prometheus"
)

// harness is a real server in-process: embedded journal, SQLite store, node and API.
type harness struct {
	t     testing.TB
	srv   *httptest.Server
	node  *node.Node
	store gt.Store
}

func newHarness(t testing.TB, opts ...func(*httpapi.Options)) *harness {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	j, err := journal.Open(ctx, journal.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, dir+"/gt.db")
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.New(node.Options{Journal: j, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	<-n.Ready()
	h := &harness{t: t, node: n, store: st}
	reg := prometheus.NewRegistry()
	c := ingest.NewCommitter(j, ingest.CommitterOptions{})
	go c.Run(ctx)
	svc, err := ingest.NewService(ingest.Options{Committer: c, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	o := httpapi.Options{Node: n, Store: st, Gatherer: reg, Registerer: reg, Ingest: svc,
		Operator: func(tok string) bool { return tok == "operator-secret" }, WebhookKey: webhookKey}
	for _, f := range opts {
		f(&o)
	}
	h.srv = httptest.NewServer(httpapi.New(o))
	t.Cleanup(func() {
		h.srv.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("node.Run: %v", err)
		}
		st.Close()
		j.Close()
	})
	return h
}

// webhookKey is the harness server's webhook key.
var webhookKey = []byte("0123456789abcdef0123456789abcdef")

// tenant creates a tenant and returns its admin key.
func (h *harness) tenant(id string) string {
	h.t.Helper()
	_, key, err := h.node.CreateTenant(context.Background(), id, "Bank "+id)
	if err != nil {
		h.t.Fatalf("CreateTenant(%s): %v", id, err)
	}
	return key
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return m
}

// problem returns the first error location and the detail of a problem+json answer.
func (r response) problem(t *testing.T) (location, detail string) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type = %q, want application/problem+json (body %s)", ct, r.body)
	}
	var p struct {
		Detail string `json:"detail"`
		Errors []struct {
			Location string `json:"location"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("decode problem %s: %v", r.body, err)
	}
	if len(p.Errors) > 0 {
		location = p.Errors[0].Location
	}
	return location, p.Detail
}

func (h *harness) do(method, path, key string, body any) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// must sends a request and fails the test unless the status is want.
func (h *harness) must(want int, method, path, key string, body any) response {
	h.t.Helper()
	r := h.do(method, path, key, body)
	if r.status != want {
		h.t.Fatalf("%s %s = %d %s, want %d", method, path, r.status, r.body, want)
	}
	return r
}

var day0 = time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)

// fixtures returns valid request bodies for one portfolio whose names carry marker.
func fixtures(marker string) map[string]any { return fixturesWithIDs(marker, "") }

// fixturesWithIDs is fixtures with every record id prefixed by pre.
func fixturesWithIDs(marker, pre string) map[string]any {
	poly := map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{120.31, 36.08}, {120.312, 36.08}, {120.312, 36.082}, {120.31, 36.082}, {120.31, 36.08}}}}
	return map[string]any{
		"borrower":  map[string]any{"id": pre + "borrower-1", "name": "Borrower " + marker, "roles": []string{"borrower"}, "country": "CN"},
		"custodian": map[string]any{"id": pre + "custodian-1", "name": "Custodian " + marker, "roles": []string{"custodian"}},
		"site": map[string]any{"id": pre + "wh-1", "name": "Warehouse " + marker, "kind": "warehouse", "custodian_id": pre + "custodian-1",
			"boundary": poly, "zones": []map[string]any{{"id": "bay-1"}}},
		"loan": map[string]any{"id": pre + "loan-1", "borrower_id": pre + "borrower-1", "product": "inventory",
			"principal": map[string]any{"amount": 500000000, "currency": "USD"}, "interest_rate": 0.07,
			"start_date": day0, "maturity_date": day0.AddDate(1, 0, 0)},
		"collateral": map[string]any{"id": pre + "lot-1", "kind": "inventory_lot", "description": "Copper cathodes " + marker,
			"allocations": []map[string]any{{"loan_id": pre + "loan-1", "share": 1}},
			"inventory": map[string]any{"commodity": "copper", "quantity": 1200, "unit": "t", "site_id": pre + "wh-1", "zone_id": "bay-1",
				"receipt_no": "QD-" + marker, "custodian_id": pre + "custodian-1"}},
		"device":  map[string]any{"id": pre + "cell-1", "kind": "load_cell", "collateral_id": pre + "lot-1", "site_id": pre + "wh-1", "zone_id": "bay-1", "interval": "1m"},
		"release": map[string]any{"id": pre + "rel-1", "collateral_id": pre + "lot-1", "direction": "out", "quantity": 10, "unit": "t", "at": day0, "reference": "Release " + marker},
		"prices": map[string]any{"ticks": []map[string]any{{"commodity": "copper", "at": day0, "price": map[string]any{"amount": 912345, "currency": "USD"},
			"unit": "t", "source": "Source " + marker}}},
	}
}

// seed creates the whole portfolio of fixtures through the API.
func (h *harness) seed(key, marker string) map[string]any {
	h.t.Helper()
	f := fixtures(marker)
	for _, c := range []struct{ path, fx string }{
		{"/api/v1/parties", "borrower"}, {"/api/v1/parties", "custodian"}, {"/api/v1/sites", "site"},
		{"/api/v1/loans", "loan"}, {"/api/v1/collateral", "collateral"}, {"/api/v1/devices", "device"},
		{"/api/v1/releases", "release"},
	} {
		h.must(http.StatusCreated, http.MethodPost, c.path, key, f[c.fx])
	}
	h.must(http.StatusOK, http.MethodPost, "/api/v1/prices", key, f["prices"])
	return f
}

// key creates an API key of role in the tenant of admin and returns its secret and id.
func (h *harness) key(admin, role string) (secret, id string) {
	h.t.Helper()
	var m map[string]any
	r := h.must(http.StatusCreated, http.MethodPost, "/api/v1/api-keys", admin, map[string]any{"name": role, "role": role})
	if err := json.Unmarshal(r.body, &m); err != nil {
		h.t.Fatal(err)
	}
	return m["secret"].(string), m["key"].(map[string]any)["id"].(string)
}

// project writes engine-derived rows (alerts, valuations, ...) straight into the store
// at the sequence it has already projected, so the node is not disturbed: the store's
// sequence does not move and the engine never sees these rows. Call it only while no
// command is in flight. It stands in for detectors and rules in tests of the read routes.
func (h *harness) project(c gt.Changes) {
	h.t.Helper()
	ctx := context.Background()
	seq, err := h.store.ProjectedSeq(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	c.Seq = seq
	if err := h.store.ApplyChanges(ctx, &c); err != nil {
		h.t.Fatalf("ApplyChanges: %v", err)
	}
}
