package webhook_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/webhook"
)

// TestRetriesUntilAccepted checks that 500 and a network-level failure are retried,
// that each attempt is counted, and that the idempotency key, the body and a valid
// signature come with every attempt.
func TestRetriesUntilAccepted(t *testing.T) {
	e := newEnv(t, "bank-a")
	rc := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n < 3 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	e.webhook("bank-a", rc.URL, false)
	d, _ := e.start(e.options())
	d.Observe(e.actions(action("bank-a", "act-1", gt.ActionOpen)))

	ds := e.settled("bank-a", "act-1", 1)
	if got := ds[0]; got.Status != gt.DeliveryDelivered || got.Attempts != 3 || got.LastStatusCode != 200 || got.LastError != "" {
		t.Errorf("delivery = %+v, want delivered at attempt 3 with 200", got)
	}
	reqs := rc.requests()
	if len(reqs) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(reqs))
	}
	secret := gt.WebhookSecret(serverKey, "bank-a")
	for i, r := range reqs {
		if k := r.header.Get("Idempotency-Key"); k != "act-1:open" {
			t.Errorf("attempt %d: Idempotency-Key = %q, want act-1:open", i+1, k)
		}
		if string(r.body) != string(reqs[0].body) {
			t.Errorf("attempt %d: body %s differs from the first %s", i+1, r.body, reqs[0].body)
		}
		if !verifySignature(secret, r.header.Get("Groundtruth-Signature"), r.body, time.Now()) {
			t.Errorf("attempt %d: signature does not verify", i+1)
		}
	}
}

// TestRetryAfter checks that a 429's Retry-After is honoured although the backoff is
// shorter.
func TestRetryAfter(t *testing.T) {
	e := newEnv(t, "bank-a")
	rc := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	e.webhook("bank-a", rc.URL, false)
	d, _ := e.start(e.options())
	d.Observe(e.actions(action("bank-a", "act-1", gt.ActionOpen)))

	waitFor(t, "the first attempt to be recorded", func() bool {
		ds := e.deliveries("bank-a", "act-1")
		return len(ds) == 1 && ds[0].Attempts == 1
	})
	first := e.deliveries("bank-a", "act-1")[0]
	if wait := first.NextAttemptAt.Sub(first.LastAttemptAt); wait < time.Second || first.LastStatusCode != 429 {
		t.Errorf("after a 429 with Retry-After: 1, delivery = %+v: next attempt in %v, want at least 1s", first, wait)
	}
	ds := e.settled("bank-a", "act-1", 1)
	if ds[0].Status != gt.DeliveryDelivered || ds[0].Attempts != 2 {
		t.Errorf("delivery = %+v, want delivered at attempt 2", ds[0])
	}
	reqs := rc.requests()
	if len(reqs) != 2 {
		t.Fatalf("receiver got %d requests, want 2", len(reqs))
	}
	if gap := reqs[1].at.Sub(reqs[0].at); gap < 900*time.Millisecond {
		t.Errorf("second attempt came %v after the first, want about 1s (Retry-After)", gap)
	}
}

// TestGivesUp checks that a receiver failing every time gets MaxAttempts attempts and the
// delivery is then failed with the reason.
func TestGivesUp(t *testing.T) {
	e := newEnv(t, "bank-a")
	rc := newReceiver(t, status(http.StatusServiceUnavailable))
	e.webhook("bank-a", rc.URL, false)
	o := e.options()
	o.MaxAttempts = 3
	d, _ := e.start(o)
	d.Observe(e.actions(action("bank-a", "act-1", gt.ActionOpen)))

	ds := e.settled("bank-a", "act-1", 1)
	if got := ds[0]; got.Status != gt.DeliveryFailed || got.Attempts != 3 || got.LastStatusCode != 503 ||
		!strings.Contains(got.LastError, "503") || !strings.Contains(got.LastError, "gave up after 3 attempts") ||
		!got.NextAttemptAt.IsZero() || !got.DeliveredAt.IsZero() {
		t.Errorf("delivery = %+v, want failed after 3 attempts with 503", got)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(rc.requests()); n != 3 {
		t.Errorf("receiver got %d requests, want 3", n)
	}
}

// TestNoRetryOnClientError checks that a 4xx other than 429 fails the delivery at once.
func TestNoRetryOnClientError(t *testing.T) {
	e := newEnv(t, "bank-a")
	rc := newReceiver(t, status(http.StatusBadRequest))
	e.webhook("bank-a", rc.URL, false)
	d, _ := e.start(e.options())
	d.Observe(e.actions(action("bank-a", "act-1", gt.ActionOpen)))

	ds := e.settled("bank-a", "act-1", 1)
	if got := ds[0]; got.Status != gt.DeliveryFailed || got.Attempts != 1 || got.LastStatusCode != 400 ||
		!strings.Contains(got.LastError, "not retried") {
		t.Errorf("delivery = %+v, want failed at the first attempt with 400", got)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(rc.requests()); n != 1 {
		t.Errorf("receiver got %d requests, want 1", n)
	}
}

// TestEachStateIsADelivery checks that every state change of an action is delivered
// with its own idempotency key, and that a repeated change is not delivered twice.
func TestEachStateIsADelivery(t *testing.T) {
	e := newEnv(t, "bank-a")
	rc := newReceiver(t, status(http.StatusOK))
	e.webhook("bank-a", rc.URL, false)
	d, _ := e.start(e.options())
	d.Observe(e.actions(action("bank-a", "act-1", gt.ActionOpen)))
	e.settled("bank-a", "act-1", 1)
	d.Observe(e.actions(action("bank-a", "act-1", gt.ActionEscalated)))
	ds := e.settled("bank-a", "act-1", 2)
	if ds[0].IdempotencyKey != "act-1:open" || ds[1].IdempotencyKey != "act-1:escalated" {
		t.Errorf("deliveries = %+v, want act-1:open then act-1:escalated", ds)
	}
	d.Observe(e.actions(action("bank-a", "act-1", gt.ActionEscalated))) // seen again
	time.Sleep(50 * time.Millisecond)
	var keys []string
	for _, r := range rc.requests() {
		keys = append(keys, r.header.Get("Idempotency-Key"))
	}
	if strings.Join(keys, " ") != "act-1:open act-1:escalated" {
		t.Errorf("receiver got keys %v, want act-1:open then act-1:escalated", keys)
	}
}

// TestBackoff checks the bounds of the jittered exponential backoff and the parsing of
// Retry-After.
func TestBackoff(t *testing.T) {
	d, err := webhook.New(webhook.Options{Store: newEnv(t).store, Key: serverKey})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		attempts int
		lo, hi   time.Duration
	}{
		{1, 500 * time.Millisecond, time.Second},
		{2, time.Second, 2 * time.Second},
		{5, 8 * time.Second, 16 * time.Second},
		{10, 256 * time.Second, 512 * time.Second},
		{11, 512 * time.Second, 1024 * time.Second},
		{13, 30 * time.Minute, time.Hour},
		{40, 30 * time.Minute, time.Hour},
	} {
		for range 50 {
			if b := d.Backoff(tc.attempts); b < tc.lo || b > tc.hi {
				t.Fatalf("Backoff(%d) = %v, want within [%v, %v]", tc.attempts, b, tc.lo, tc.hi)
			}
		}
	}
	now := time.Date(2026, 4, 20, 6, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want time.Duration
	}{
		{"", 0}, {"7", 7 * time.Second}, {" 120 ", 2 * time.Minute}, {"-3", 0}, {"soon", 0},
		{"99999999", webhook.MaxRetryAfter},
		{"Mon, 20 Apr 2026 06:00:30 GMT", 30 * time.Second},
		{"Mon, 20 Apr 2026 05:00:00 GMT", 0},
	} {
		if got := webhook.RetryAfter(tc.v, now); got != tc.want {
			t.Errorf("RetryAfter(%q) = %v, want %v", tc.v, got, tc.want)
		}
	}
}
