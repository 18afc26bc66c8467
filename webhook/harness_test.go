package webhook_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/sqlite"
	"groundtruth/webhook"
)

// serverKey is the webhook key of the tests' server.
var serverKey = bytes.Repeat([]byte{0x5a}, 32)

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
	at     time.Time
}

// receiver is an httptest server that records every request and answers with the
// status (and headers) its reply function returns for the n-th request (from 1).
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
}

func newReceiver(t *testing.T, reply func(n int, w http.ResponseWriter)) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, received{header: r.Header.Clone(), body: b, at: time.Now()})
		n := len(rc.reqs)
		rc.mu.Unlock()
		reply(n, w)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// requests returns a copy of the requests received so far.
func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.reqs...)
}

// status answers every request with code.
func status(code int) func(int, http.ResponseWriter) {
	return func(_ int, w http.ResponseWriter) { w.WriteHeader(code) }
}

// env is a SQLite store with tenants and a dispatcher's options on it.
type env struct {
	t     *testing.T
	path  string
	store *sqlite.Store
	seq   uint64
	logs  *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for concurrent writes (the dispatcher logs from
// several goroutines).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newEnv opens a store with the given tenants.
func newEnv(t *testing.T, tenants ...string) *env {
	t.Helper()
	e := &env{t: t, path: filepath.Join(t.TempDir(), "gt.db"), logs: &syncBuffer{}}
	e.open()
	c := &gt.Changes{}
	for _, id := range tenants {
		tn := gt.Tenant{ID: id, Name: "Bank " + id}
		tn.Stamp(id, 1, time.Now(), true)
		c.Tenants = append(c.Tenants, tn)
	}
	e.apply(c)
	return e
}

// open (re)opens the store.
func (e *env) open() {
	e.t.Helper()
	s, err := sqlite.Open(context.Background(), e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	e.store = s
	e.t.Cleanup(func() { s.Close() })
}

// apply writes c at the next sequence and returns it, as the node projects changes.
func (e *env) apply(c *gt.Changes) *gt.Changes {
	e.t.Helper()
	e.seq++
	c.Seq = e.seq
	for i := range c.Actions {
		c.Actions[i].Seq = e.seq
	}
	for i := range c.Webhooks {
		c.Webhooks[i].Seq, c.Webhooks[i].UpdatedAt = e.seq, time.Now().UTC()
	}
	if err := e.store.ApplyChanges(context.Background(), c); err != nil {
		e.t.Fatalf("ApplyChanges: %v", err)
	}
	return c
}

// webhook sets a tenant's webhook.
func (e *env) webhook(tenant, url string, disabled bool) *gt.Changes {
	e.t.Helper()
	return e.apply(&gt.Changes{Webhooks: []gt.WebhookConfig{{TenantID: tenant, URL: url, Disabled: disabled}}})
}

// action returns an action of tenant in state.
func action(tenant, id, state string) gt.Action {
	return gt.Action{ID: id, TenantID: tenant, Kind: gt.ActionMarginCall, AlertID: "al-" + id, Rule: "ltv_breach",
		Subject: "loan:ln-1", Loans: []string{"ln-1"}, Severity: gt.SeverityCritical, Summary: "Restore the LTV",
		Created: time.Date(2026, 4, 20, 6, 0, 0, 0, time.UTC), CureBy: time.Date(2026, 4, 22, 6, 0, 0, 0, time.UTC), State: state}
}

// actions projects actions and returns their changes.
func (e *env) actions(as ...gt.Action) *gt.Changes {
	e.t.Helper()
	return e.apply(&gt.Changes{Actions: as})
}

// options returns dispatcher options with fast retries and the env's log, allowed to
// deliver to the test receivers on the loopback address.
func (e *env) options() webhook.Options {
	return webhook.Options{Store: e.store, Key: serverKey, Backoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond, AllowPrivate: true,
		MaxAttempts: 5, Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
}

// start runs a dispatcher with o until the test ends or the returned stop is called.
func (e *env) start(o webhook.Options) (*webhook.Dispatcher, func()) {
	e.t.Helper()
	d, err := webhook.New(o)
	if err != nil {
		e.t.Fatal(err)
	}
	return d, e.startDispatcher(d)
}

// startDispatcher runs d until the test ends or the returned stop is called.
func (e *env) startDispatcher(d *webhook.Dispatcher) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				e.t.Errorf("Run = %v, want nil", err)
			}
		case <-time.After(10 * time.Second):
			e.t.Error("Run did not return within 10s of its context ending")
		}
	}
	e.t.Cleanup(stop)
	return stop
}

// deliveries returns the deliveries of an action.
func (e *env) deliveries(tenant, action string) []gt.WebhookDelivery {
	e.t.Helper()
	ds, err := e.store.Deliveries(context.Background(), tenant, action)
	if err != nil {
		e.t.Fatalf("Deliveries: %v", err)
	}
	return ds
}

// settled waits until the deliveries of an action number want and none is pending,
// and returns them.
func (e *env) settled(tenant, action string, want int) []gt.WebhookDelivery {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ds := e.deliveries(tenant, action)
		done := len(ds) == want
		for _, d := range ds {
			done = done && d.Status != gt.DeliveryPending
		}
		if done {
			return ds
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("deliveries of %s/%s = %+v, want %d settled", tenant, action, ds, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitFor polls cond until it holds, failing the test after 15s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
