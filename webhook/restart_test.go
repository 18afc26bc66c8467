package webhook_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/webhook"
)

// TestResumeAfterRestart stops the dispatcher while the receiver holds the first attempt
// (the attempt is then not counted), reopens the store as a restarted server would, and
// checks that a new dispatcher delivers it with the same id and idempotency key.
func TestResumeAfterRestart(t *testing.T) {
	e := newEnv(t, "bank-a")
	var up atomic.Bool
	release := make(chan struct{})
	rc := newReceiver(t, func(n int, w http.ResponseWriter) {
		if !up.Load() {
			<-release // hangs until the test lets go
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	defer close(release)
	e.webhook("bank-a", rc.URL, false)
	d, stop := e.start(e.options())
	d.Observe(e.actions(action("bank-a", "act-1", gt.ActionOpen)))
	waitFor(t, "the first attempt to reach the receiver", func() bool { return len(rc.requests()) == 1 })
	stop()
	ds := e.deliveries("bank-a", "act-1")
	if len(ds) != 1 || ds[0].Status != gt.DeliveryPending || ds[0].Attempts != 0 {
		t.Fatalf("after stopping mid-attempt, deliveries = %+v, want one pending with no attempt counted", ds)
	}

	e.store.Close()
	e.open()
	up.Store(true)
	e.start(e.options())
	ds = e.settled("bank-a", "act-1", 1)
	if ds[0].Status != gt.DeliveryDelivered || ds[0].Attempts != 1 {
		t.Errorf("after restart, delivery = %+v, want delivered at its first counted attempt", ds[0])
	}
	reqs := rc.requests()
	if len(reqs) != 2 {
		t.Fatalf("receiver got %d requests, want 2", len(reqs))
	}
	var p0, p1 webhook.Payload
	json.Unmarshal(reqs[0].body, &p0)
	json.Unmarshal(reqs[1].body, &p1)
	if p0.ID != p1.ID || p0.ID != ds[0].ID || reqs[0].header.Get("Idempotency-Key") != reqs[1].header.Get("Idempotency-Key") {
		t.Errorf("resent delivery has id %q and key %q, want the first's %q and %q", p1.ID,
			reqs[1].header.Get("Idempotency-Key"), p0.ID, reqs[0].header.Get("Idempotency-Key"))
	}
}

// TestFindsMissedActions checks that actions projected while no dispatcher ran (or that
// did not fit its queue) are delivered once it starts, except those changed before the
// tenant configured its webhook, and that a full queue falls back to the same scan.
func TestFindsMissedActions(t *testing.T) {
	e := newEnv(t, "bank-a")
	rc := newReceiver(t, status(http.StatusOK))
	e.actions(action("bank-a", "act-0", gt.ActionOpen)) // before the webhook: not delivered
	e.webhook("bank-a", rc.URL, false)
	e.actions(action("bank-a", "act-1", gt.ActionOpen), action("bank-a", "act-2", gt.ActionDone))
	d, err := webhook.New(e.options())
	if err != nil {
		t.Fatal(err)
	}
	// More changes than the queue holds, observed before Run starts.
	for i := range webhook.QueueSize + 10 {
		a := action("bank-a", "act-q"+itoa(i), gt.ActionOpen)
		d.Observe(e.actions(a))
	}
	e.startDispatcher(d)
	e.settled("bank-a", "act-1", 1)
	e.settled("bank-a", "act-2", 1)
	e.settled("bank-a", "act-q0000", 1)
	e.settled("bank-a", "act-q"+itoa(webhook.QueueSize+9), 1)
	if ds := e.deliveries("bank-a", "act-0"); len(ds) != 0 {
		t.Errorf("deliveries of an action changed before the webhook was set = %+v, want none", ds)
	}
	waitFor(t, "every delivery", func() bool { return len(rc.requests()) == webhook.QueueSize+12 })
}

func itoa(i int) string { return fmt.Sprintf("%04d", i) }

// TestTenantIsolation checks that each tenant's actions go only to its own URL, signed
// with its own secret.
func TestTenantIsolation(t *testing.T) {
	e := newEnv(t, "bank-a", "bank-b")
	ra, rb := newReceiver(t, status(http.StatusOK)), newReceiver(t, status(http.StatusOK))
	e.webhook("bank-a", ra.URL, false)
	e.webhook("bank-b", rb.URL, false)
	d, _ := e.start(e.options())
	d.Observe(e.actions(action("bank-b", "act-1", gt.ActionOpen), action("bank-b", "act-2", gt.ActionOpen)))
	d.Observe(e.actions(action("bank-a", "act-9", gt.ActionOpen)))
	e.settled("bank-b", "act-1", 1)
	e.settled("bank-b", "act-2", 1)
	e.settled("bank-a", "act-9", 1)
	check := func(name string, rc *receiver, tenant string, n int) {
		t.Helper()
		reqs := rc.requests()
		if len(reqs) != n {
			t.Errorf("%s's receiver got %d requests, want %d", name, len(reqs), n)
		}
		for _, r := range reqs {
			var p webhook.Payload
			json.Unmarshal(r.body, &p)
			if p.Tenant != tenant {
				t.Errorf("%s's receiver got an action of %q: %s", name, p.Tenant, r.body)
			}
			if !verifySignature(gt.WebhookSecret(serverKey, tenant), r.header.Get("Groundtruth-Signature"), r.body, time.Now()) {
				t.Errorf("%s's receiver got a body not signed with its secret", name)
			}
		}
	}
	check("A", ra, "bank-a", 1)
	check("B", rb, "bank-b", 2)
	if ds := e.deliveries("bank-a", "act-1"); len(ds) != 0 {
		t.Errorf("A's deliveries of B's act-1 = %+v, want none", ds)
	}
}

// TestDisabledHolds checks that a disabled webhook queues nothing new and holds pending
// deliveries until it is enabled again.
func TestDisabledHolds(t *testing.T) {
	e := newEnv(t, "bank-a")
	var ok atomic.Bool
	rc := newReceiver(t, func(_ int, w http.ResponseWriter) {
		if ok.Load() {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	e.webhook("bank-a", rc.URL, false)
	o := e.options()
	o.Backoff, o.MaxBackoff = 200*time.Millisecond, 200*time.Millisecond
	d, _ := e.start(o)
	d.Observe(e.actions(action("bank-a", "act-1", gt.ActionOpen)))
	waitFor(t, "a failed attempt", func() bool { return len(rc.requests()) >= 1 })
	d.Observe(e.webhook("bank-a", rc.URL, true))
	d.Observe(e.actions(action("bank-a", "act-2", gt.ActionOpen)))
	ok.Store(true)
	time.Sleep(500 * time.Millisecond)
	if ds := e.deliveries("bank-a", "act-2"); len(ds) != 0 {
		t.Errorf("deliveries of an action changed while disabled = %+v, want none", ds)
	}
	n := len(rc.requests())
	if ds := e.deliveries("bank-a", "act-1"); len(ds) != 1 || ds[0].Status != gt.DeliveryPending {
		t.Errorf("while disabled, deliveries = %+v, want one pending", ds)
	}
	d.Observe(e.webhook("bank-a", rc.URL, false))
	if ds := e.settled("bank-a", "act-1", 1); ds[0].Status != gt.DeliveryDelivered {
		t.Errorf("after enabling, delivery = %+v, want delivered", ds[0])
	}
	if got := len(rc.requests()); got != n+1 {
		t.Errorf("receiver got %d requests after enabling, want 1", got-n)
	}
}

// TestSecretsNotLogged runs deliveries that succeed, fail and cannot connect, with debug
// logging, and checks that neither the server key, nor a tenant's secret, nor a
// signature, nor a token in the URL's query appears in the logs or in the recorded errors.
func TestSecretsNotLogged(t *testing.T) {
	e := newEnv(t, "bank-a", "bank-b", "bank-c")
	rec := func(code int) *receiver {
		return newReceiver(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(code) })
	}
	ok, bad := rec(http.StatusOK), rec(http.StatusUnauthorized)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close() // connection refused
	const token = "tok-Zq81x"
	e.webhook("bank-a", ok.URL+"/h?token="+token, false)
	e.webhook("bank-b", bad.URL+"/h?token="+token, false)
	e.webhook("bank-c", deadURL+"/h?token="+token, false)
	o := e.options()
	o.MaxAttempts = 2
	d, _ := e.start(o)
	d.Observe(e.actions(action("bank-a", "act-1", gt.ActionOpen), action("bank-b", "act-1", gt.ActionOpen),
		action("bank-c", "act-1", gt.ActionOpen)))
	var errs []string
	for _, tenant := range []string{"bank-a", "bank-b", "bank-c"} {
		ds := e.settled(tenant, "act-1", 1)
		errs = append(errs, ds[0].LastError)
	}
	if ds := e.deliveries("bank-c", "act-1"); ds[0].Status != gt.DeliveryFailed || ds[0].LastError == "" {
		t.Errorf("delivery to a closed port = %+v, want failed with an error", ds[0])
	}
	secrets := []string{hex.EncodeToString(serverKey), base64.RawURLEncoding.EncodeToString(serverKey),
		base64.StdEncoding.EncodeToString(serverKey), string(serverKey), token}
	for _, tenant := range []string{"bank-a", "bank-b", "bank-c"} {
		s := gt.WebhookSecret(serverKey, tenant)
		secrets = append(secrets, s, strings.TrimPrefix(s, "gtw_"))
	}
	for _, r := range append(ok.requests(), bad.requests()...) {
		sig := r.header.Get("Groundtruth-Signature")
		_, v1, _ := strings.Cut(sig, "v1=")
		secrets = append(secrets, v1)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "webhook: delivered") || !strings.Contains(logs, "webhook: delivery failed") {
		t.Errorf("logs lack the deliveries; is the logger wired?\n%s", logs)
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if strings.Contains(logs, s) {
			t.Errorf("logs contain the secret %q:\n%s", s, logs)
		}
		for _, msg := range errs {
			if strings.Contains(msg, s) {
				t.Errorf("recorded error %q contains the secret %q", msg, s)
			}
		}
	}
}
