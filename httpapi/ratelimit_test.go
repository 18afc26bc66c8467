package httpapi_test

import (
	"sync"
	"testing"
	"time"

	"groundtruth/httpapi"
)

// TestTenantRateLimit: at 5 requests per second (bursts of 10) a tenant's 11th request
// in the same instant is answered 429 with Retry-After, another tenant is unaffected,
// and a second later the tenant may call again.
func TestTenantRateLimit(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := newHarness(t, func(o *httpapi.Options) { o.TenantRate, o.Now = 5, clock })
	a, b := h.tenant("bank-a"), h.tenant("bank-b")
	for range 10 {
		h.must(200, "GET", "/api/v1/loans", a, nil)
	}
	r := h.do("GET", "/api/v1/loans", a, nil)
	if r.status != 429 || r.header.Get("Retry-After") != "1" {
		t.Fatalf("11th request: %d, Retry-After %q; want 429 and 1", r.status, r.header.Get("Retry-After"))
	}
	h.must(200, "GET", "/api/v1/loans", b, nil)
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	for range 5 {
		h.must(200, "GET", "/api/v1/loans", a, nil)
	}
	if r := h.do("GET", "/api/v1/loans", a, nil); r.status != 429 {
		t.Errorf("6th request a second later: %d, want 429 (5 tokens a second)", r.status)
	}
}
