// Package e2e_test drives whole capabilities through the real components wired in one
// process: the embedded journal, the SQLite store, the node, the ingest service and the
// HTTP API, with a simulated clock for the devices so that minutes pass in milliseconds.
package e2e_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/engine"
	"groundtruth/httpapi"
	"groundtruth/ingest"
	"groundtruth/journal"
	"groundtruth/node"
	"groundtruth/sqlite"

	"github.com/prometheus/client_golang/prometheus"
)

// clock is the simulated time of the devices and ticks.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock to t.
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t.UTC() }

func (c *clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

type system struct {
	t     *testing.T
	srv   *httptest.Server
	node  *node.Node
	store gt.Store
	j     gt.Journal
	clock *clock
	key   string
	stop  func()
}

func start(t *testing.T) *system {
	t.Helper()
	return startAt(t, time.Now().UTC().Truncate(time.Minute).Add(time.Hour))
}

// startAt starts the system with its clock at t0; opts change the API's options.
func startAt(t *testing.T, t0 time.Time, opts ...func(*httpapi.Options)) *system {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	j, err := journal.Open(ctx, journal.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "gt.db"))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: t0.UTC()}
	n, err := node.New(node.Options{Journal: j, Store: st, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	<-n.Ready()
	c := ingest.NewCommitter(j, ingest.CommitterOptions{})
	go c.Run(ctx)
	svc, err := ingest.NewService(ingest.Options{Committer: c, Store: st, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	s := &system{t: t, node: n, store: st, j: j, clock: clk}
	o := httpapi.Options{Node: n, Store: st, Gatherer: reg, Registerer: reg, Ingest: svc}
	for _, f := range opts {
		f(&o)
	}
	s.srv = httptest.NewServer(httpapi.New(o))
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			s.srv.Close()
			cancel()
			if err := <-done; err != nil && ctx.Err() == nil {
				t.Errorf("node.Run: %v", err)
			}
			st.Close()
			j.Close()
		})
	}
	t.Cleanup(s.stop)
	_, s.key, err = n.CreateTenant(context.Background(), "acme", "Acme Bank")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// call sends a JSON request with a bearer token and decodes the answer into out.
func (s *system) call(method, path, token string, body any, out any) int {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	if resp.StatusCode >= 300 && out == nil {
		s.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode
}

// tick appends a tick at the simulated time, as the server's ticker does in real time.
func (s *system) tick() {
	s.t.Helper()
	ev, _ := gt.NewEvent(gt.EventTick, "", s.clock.Now(), "test", nil)
	if _, err := s.node.Submit(context.Background(), ev); err != nil {
		s.t.Fatal(err)
	}
}

// copper reads the World Bank Pink Sheet's monthly copper price ($/mt) for months in
// [from, to], in order.
func copper(t *testing.T, from, to string) []float64 {
	t.Helper()
	p, _ := filepath.Abs("../../shared/data/prices/worldbank_pinksheet_monthly_1960-2022.csv")
	f, err := os.Open(p)
	if err != nil {
		if os.Getenv("GT_REQUIRE_DATA") == "1" {
			t.Fatalf("GT_REQUIRE_DATA=1 but %s: %v", p, err)
		}
		t.Skipf("shared data missing: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range rows[0] {
		if h == "Copper ($/mt)" {
			col = i
		}
	}
	var out []float64
	for _, r := range rows[1:] {
		if r[0] >= from && r[0] <= to {
			v, err := strconv.ParseFloat(r[col], 64)
			if err != nil {
				t.Fatalf("copper %s: %v", r[0], err)
			}
			out = append(out, v)
		}
	}
	return out
}

func polygon(lon, lat float64) map[string]any {
	return map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{lon, lat}, {lon + 0.01, lat}, {lon + 0.01, lat + 0.01}, {lon, lat + 0.01}, {lon, lat}}}}
}

// TestWarehouseRiskEndToEnd is issue 4's acceptance test. Two copper lots of 1000 t in a
// bonded warehouse, each watched by four load cells and securing its own loan; prices are
// the World Bank's monthly copper series, each month played as one day. Through the real
// ingest path (device tokens, POST /api/v1/ingest) the cells report every minute:
//   - lot A loses 200 t with no release: unauthorized_outflow must fire within the 15
//     minute dwell (plus one reporting interval), naming the cells' readings;
//   - lot B loses the same 200 t under an authorised release: nothing fires;
//   - then the 2008 copper crash is played: loan B must enter margin call with a cure
//     deadline 72 h (its terms) after the alert fired, and the alert must name the tick;
//   - finally a replay of the whole journal into a fresh engine gives the same alerts and
//     actions, byte for byte, as the store holds.
func TestWarehouseRiskEndToEnd(t *testing.T) {
	history := copper(t, "2007-01", "2008-07") // 19 closes before the start
	crash := copper(t, "2008-08", "2008-12")
	s := start(t)
	t0 := s.clock.Now()
	must := func(method, path string, body any) map[string]any {
		t.Helper()
		var out map[string]any
		if code := s.call(method, path, s.key, body, &out); code >= 300 {
			t.Fatalf("%s %s: %d %v", method, path, code, out)
		}
		return out
	}
	must("POST", "/api/v1/records", map[string]any{
		"parties": []map[string]any{
			{"id": "trader-a", "name": "Trader A", "roles": []string{"borrower"}},
			{"id": "trader-b", "name": "Trader B", "roles": []string{"borrower"}},
			{"id": "bonded", "name": "Bonded Warehousing", "roles": []string{"custodian"}},
		},
		"sites": []map[string]any{{"id": "wh1", "name": "Bonded warehouse", "kind": "warehouse", "custodian_id": "bonded",
			"boundary": polygon(120.31, 36.08), "throughput_per_hour": 2_000_000}},
		"loans": []map[string]any{
			{"id": "loan-a", "borrower_id": "trader-a", "product": "inventory", "principal": map[string]any{"amount": 150_000_000, "currency": "USD"},
				"start_date": t0.Add(-30 * 24 * time.Hour), "maturity_date": t0.Add(180 * 24 * time.Hour)},
			{"id": "loan-b", "borrower_id": "trader-b", "product": "inventory", "principal": map[string]any{"amount": 170_000_000, "currency": "USD"},
				"start_date": t0.Add(-30 * 24 * time.Hour), "maturity_date": t0.Add(180 * 24 * time.Hour)},
		},
		"collateral": []map[string]any{
			{"id": "lot-a", "kind": "inventory_lot", "allocations": []map[string]any{{"loan_id": "loan-a", "share": 1}},
				"inventory": map[string]any{"commodity": "copper", "quantity": 1000, "unit": "t", "site_id": "wh1", "receipt_no": "QD-1", "custodian_id": "bonded"}},
			{"id": "lot-b", "kind": "inventory_lot", "allocations": []map[string]any{{"loan_id": "loan-b", "share": 1}},
				"inventory": map[string]any{"commodity": "copper", "quantity": 1000, "unit": "t", "site_id": "wh1", "receipt_no": "QD-2", "custodian_id": "bonded"}},
		},
	})
	tokens := map[string]string{}
	var cells []string
	for _, lot := range []string{"a", "b"} {
		for i := 1; i <= 4; i++ {
			id := fmt.Sprintf("cell-%s%d", lot, i)
			cells = append(cells, id)
			must("POST", "/api/v1/devices", map[string]any{"id": id, "kind": "load_cell", "collateral_id": "lot-" + lot,
				"interval": "1m", "calibration": map[string]any{"unit": "kg", "noise": 50}})
			tokens[id] = must("POST", "/api/v1/devices/"+id+"/token", nil)["token"].(string)
		}
	}
	var ticks []map[string]any
	for i, p := range history {
		at := t0.Add(time.Duration(i-len(history)) * 24 * time.Hour)
		ticks = append(ticks, map[string]any{"commodity": "copper", "at": at, "unit": "t", "source": "World Bank Pink Sheet",
			"price": map[string]any{"amount": int64(p * 100), "currency": "USD"}})
	}
	must("POST", "/api/v1/prices", map[string]any{"ticks": ticks})

	rng := rand.New(rand.NewPCG(4, 2))
	perCell := map[string]float64{}
	for _, id := range cells {
		perCell[id] = 250_000 // kg: 1000 t on four cells
	}
	report := func() {
		now := s.clock.Now()
		for _, id := range cells {
			body := fmt.Sprintf(`{"t":%d,"mass":%.1f}`, now.Unix(), perCell[id]+rng.NormFloat64()*50)
			req, _ := http.NewRequest("POST", s.srv.URL+"/api/v1/ingest", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tokens[id])
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 202 {
				t.Fatalf("ingest %s: %d", id, resp.StatusCode)
			}
		}
		s.tick()
	}
	for range 10 { // ten quiet minutes
		s.clock.Add(time.Minute)
		report()
	}
	// The release of 200 t from lot B is authorised now; both lots lose 200 t.
	must("POST", "/api/v1/releases", map[string]any{"id": "rel-1", "collateral_id": "lot-b", "direction": "out",
		"quantity": 200, "unit": "t", "at": s.clock.Now(), "reference": "repayment 1"})
	incident := s.clock.Now()
	for _, id := range cells {
		perCell[id] = 200_000
	}
	var fired *gt.Alert
	for minute := 1; minute <= 30 && fired == nil; minute++ {
		s.clock.Add(time.Minute)
		report()
		fired = s.firingAlert("unauthorized_outflow", "collateral:lot-a")
	}
	if fired == nil {
		t.Fatalf("unauthorized_outflow on lot-a did not fire within 30 minutes")
	}
	if d := fired.FiredAt.Sub(incident); d < 15*time.Minute || d > 16*time.Minute {
		t.Errorf("outflow fired %v after the goods left, want within the 15m dwell plus one reporting interval", d)
	}
	named := map[string]bool{}
	for _, r := range fired.Evidence.Readings {
		if r.Name == "mass" && r.Seq > 0 && r.Value > 190_000 && r.Value < 210_000 {
			named[r.Device] = true
		}
	}
	for i := 1; i <= 4; i++ {
		if !named[fmt.Sprintf("cell-a%d", i)] {
			t.Errorf("outflow evidence does not name cell-a%d's reading: %+v", i, fired.Evidence.Readings)
		}
	}
	if len(fired.Evidence.Valuations) != 1 || fired.Evidence.Valuations[0].BookQuantity != 1000 {
		t.Errorf("outflow evidence valuations = %+v, want lot-a with book 1000 t", fired.Evidence.Valuations)
	}
	for range 20 { // lot B stays quiet well past its dwell
		s.clock.Add(time.Minute)
		report()
	}
	var all []gt.Alert
	s.call("GET", "/api/v1/alerts?subject=collateral:lot-b&limit=500", s.key, nil, &struct{ Items *[]gt.Alert }{&all})
	if len(all) != 0 {
		t.Errorf("lot-b, released before the goods left, raised %d alerts: %+v", len(all), all)
	}
	var risk struct {
		Risk gt.LoanRisk `json:"risk"`
	}
	s.call("GET", "/api/v1/loans/loan-b/risk", s.key, nil, &risk)
	if risk.Risk.Band != gt.BandHealthy {
		t.Fatalf("loan-b before the crash: band %s (LTV %v), want healthy", risk.Risk.Band, risk.Risk.LTV)
	}

	// The copper crash of 2008, one month a day.
	var mc *gt.Alert
	var tickSeq uint64
	for i, p := range crash {
		at := t0.Add(time.Duration(i+1) * 24 * time.Hour)
		s.clock.Add(at.Sub(s.clock.Now()))
		var rec struct{ Seq uint64 }
		s.call("POST", "/api/v1/prices", s.key, map[string]any{"ticks": []map[string]any{{"commodity": "copper", "at": at, "unit": "t",
			"source": "World Bank Pink Sheet", "price": map[string]any{"amount": int64(p * 100), "currency": "USD"}}}}, &rec)
		tickSeq = rec.Seq
		report()
		if mc = s.firingAlert("ltv_margin_call", "loan:loan-b"); mc != nil {
			break
		}
	}
	if mc == nil {
		t.Fatalf("loan-b never entered margin call during the 2008 crash")
	}
	s.call("GET", "/api/v1/loans/loan-b/risk", s.key, nil, &risk)
	if b := risk.Risk.Band; b != gt.BandMarginCall && b != gt.BandLiquidation {
		t.Errorf("loan-b band %s after the crash", b)
	}
	if m := risk.Risk.MarginCall; m == nil || !m.CureBy.Equal(mc.FiredAt.Add(72*time.Hour)) {
		t.Errorf("margin call = %+v, want a cure deadline 72h after %v", m, mc.FiredAt)
	}
	var acts []gt.Action
	s.call("GET", "/api/v1/actions?limit=500", s.key, nil, &struct{ Items *[]gt.Action }{&acts})
	found := false
	for _, a := range acts {
		if a.Kind == gt.ActionMarginCall && a.AlertID == mc.ID && a.CureBy.Equal(mc.FiredAt.Add(72*time.Hour)) {
			found = true
		}
	}
	if !found {
		t.Errorf("no margin_call action for alert %s with its cure deadline: %+v", mc.ID, acts)
	}
	priced := false
	for _, p := range mc.Evidence.Prices {
		priced = priced || p.Seq == tickSeq
	}
	if !priced {
		t.Errorf("margin-call evidence prices %+v do not name the tick recorded at seq %d", mc.Evidence.Prices, tickSeq)
	}

	// A resolved alert, which the engine keeps as a status only, is acknowledged and
	// closed through the API like any other, its evidence kept.
	var resolved []gt.Alert
	s.call("GET", "/api/v1/alerts?state=resolved&limit=1", s.key, nil, &struct{ Items *[]gt.Alert }{&resolved})
	if len(resolved) != 1 {
		t.Fatalf("no resolved alert to acknowledge")
	}
	before := resolved[0]
	var acked, closed gt.Alert
	if code := s.call("POST", "/api/v1/alerts/"+before.ID+"/ack", s.key, map[string]any{"comment": "seen"}, &acked); code != 200 ||
		acked.Status != gt.AlertAcknowledged || acked.State != gt.AlertResolved || acked.Comment != "seen" {
		t.Errorf("ack of resolved alert %s: %d %+v", before.ID, code, acked)
	}
	if code := s.call("POST", "/api/v1/alerts/"+before.ID+"/close", s.key, map[string]any{"reason": "cured"}, &closed); code != 200 ||
		closed.Status != gt.AlertClosed || closed.AckedAt.IsZero() {
		t.Errorf("close of resolved alert %s: %d %+v", before.ID, code, closed)
	}
	if b, a := fmt.Sprint(before.Evidence), fmt.Sprint(closed.Evidence); a != b || closed.Summary != before.Summary {
		t.Errorf("closing changed the alert's evidence or summary:\n before %s\n after  %s", b, a)
	}
	var problem struct{ Detail string }
	if code := s.call("POST", "/api/v1/alerts/"+before.ID+"/ack", s.key, map[string]any{}, &problem); code != 409 {
		t.Errorf("ack of a closed resolved alert: %d, want 409", code)
	}

	// Replay the journal from zero into a fresh engine.
	storeAlerts, storeActions := s.storeAlerts(), s.storeActions()
	e := engine.New()
	ctx, cancel := context.WithCancel(context.Background())
	last, _ := s.j.LastSeq(ctx)
	var log engine.AlertLog // the engine keeps resolved alerts as a status only
	err := s.j.Consume(ctx, 1, func(evs []gt.Event) error {
		for i := range evs {
			var ch gt.Changes
			if e.Apply(&evs[i], &ch) == nil { // rejected events are rejected the same way
				log.Add(&ch)
			}
			if evs[i].Seq == last {
				cancel()
			}
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name       string
		live, repl any
	}{{"alerts", storeAlerts, log.Alerts("acme")}, {"actions", storeActions, log.Actions("acme")}} {
		a, _ := json.Marshal(c.live)
		b, _ := json.Marshal(c.repl)
		if !bytes.Equal(a, b) {
			t.Errorf("replayed %s differ from the store's:\n live %s\n repl %s", c.name, a, b)
		}
	}
	if n := len(storeAlerts); n < 2 {
		t.Errorf("only %d alerts: the replay comparison proves little", n)
	}
}

// firingAlert returns the firing alert of a rule on a subject, or nil.
func (s *system) firingAlert(rule, subject string) *gt.Alert {
	s.t.Helper()
	var items []gt.Alert
	s.call("GET", "/api/v1/alerts?state=firing&rule="+rule+"&subject="+subject, s.key, nil, &struct{ Items *[]gt.Alert }{&items})
	if len(items) == 0 {
		return nil
	}
	return &items[0]
}

// storeAlerts reads every alert of the tenant from the store, oldest first.
func (s *system) storeAlerts() []gt.Alert {
	var out []gt.Alert
	q := gt.AlertQuery{Limit: gt.MaxPageSize}
	for {
		page, err := s.store.Alerts(context.Background(), "acme", q)
		if err != nil {
			s.t.Fatal(err)
		}
		out = append(out, page...)
		if len(page) < q.Limit {
			break
		}
		q.After = page[len(page)-1].ID
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func (s *system) storeActions() []gt.Action {
	var out []gt.Action
	o := gt.ListOptions{Limit: gt.MaxPageSize}
	for {
		page, err := s.store.Actions(context.Background(), "acme", o)
		if err != nil {
			s.t.Fatal(err)
		}
		out = append(out, page...)
		if len(page) < o.Limit {
			break
		}
		o.After = page[len(page)-1].ID
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// staleOnce is a store whose first read of one alert returns it as it was before its last
// change, as a store that has not yet projected the engine's latest rows would.
type staleOnce struct {
	gt.Store
	id    string
	stale *gt.Alert
	done  atomic.Bool
}

func (s *staleOnce) Alert(ctx context.Context, tenant, id string) (*gt.Alert, error) {
	if id == s.id && s.stale != nil && s.done.CompareAndSwap(false, true) {
		cp := *s.stale
		return &cp, nil
	}
	return s.Store.Alert(ctx, tenant, id)
}

// TestAckRetriesAfterTheStoreCatchesUp acknowledges a resolved alert through the API
// while the store still shows it firing: the engine refuses the stale copy, and the API
// reads the alert again and succeeds.
func TestAckRetriesAfterTheStoreCatchesUp(t *testing.T) {
	var wrapped *staleOnce
	s := startAt(t, time.Now().UTC().Truncate(time.Minute).Add(time.Hour), func(o *httpapi.Options) {
		wrapped = &staleOnce{Store: o.Store}
		o.Store = wrapped
	})
	t0 := s.clock.Now()
	s.call("POST", "/api/v1/records", s.key, map[string]any{
		"parties": []map[string]any{{"id": "trader", "name": "Trader", "roles": []string{"borrower"}}},
		"sites":   []map[string]any{{"id": "wh1", "name": "Warehouse", "kind": "warehouse", "boundary": polygon(120.31, 36.08)}},
		"loans": []map[string]any{{"id": "loan-a", "borrower_id": "trader", "product": "inventory",
			"principal":  map[string]any{"amount": 500_000_000, "currency": "USD"},
			"start_date": t0.Add(-30 * 24 * time.Hour), "maturity_date": t0.Add(180 * 24 * time.Hour)}},
		"collateral": []map[string]any{{"id": "lot-a", "kind": "inventory_lot", "allocations": []map[string]any{{"loan_id": "loan-a", "share": 1}},
			"inventory": map[string]any{"commodity": "copper", "quantity": 1000, "unit": "t", "site_id": "wh1"}}},
	}, nil)
	price := func(minor int64) {
		s.clock.Add(time.Minute)
		s.call("POST", "/api/v1/prices", s.key, map[string]any{"ticks": []map[string]any{{"commodity": "copper", "at": s.clock.Now(),
			"unit": "t", "price": map[string]any{"amount": minor, "currency": "USD"}}}}, nil)
	}
	price(500_000) // 1000 t at 5,000 USD, 15% floor and the unmonitored cap: LTV 147%
	firing := s.firingAlert("ltv_margin_call", "loan:loan-a")
	if firing == nil {
		t.Fatal("no margin call fired")
	}
	price(2_000_000) // LTV 37%: resolved
	var now gt.Alert
	if code := s.call("GET", "/api/v1/alerts/"+firing.ID, s.key, nil, &now); code != 200 || now.State != gt.AlertResolved {
		t.Fatalf("alert %s after the recovery: %d %s, want resolved", firing.ID, code, now.State)
	}
	wrapped.id, wrapped.stale = firing.ID, firing
	var acked gt.Alert
	if code := s.call("POST", "/api/v1/alerts/"+firing.ID+"/ack", s.key, map[string]any{}, &acked); code != 200 ||
		acked.Status != gt.AlertAcknowledged || acked.State != gt.AlertResolved {
		t.Errorf("ack read from a lagging store: %d %+v, want 200, acknowledged", code, acked)
	}
	if !wrapped.done.Load() {
		t.Error("the stale copy was never read: the test proves nothing")
	}
}
