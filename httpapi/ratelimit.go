package httpapi

import (
	"math"
	"sync"
	"time"
)

// DefaultTenantRate is the API requests per second one tenant may make (its keys
// together), with bursts of twice that; Options.TenantRate changes it.
const DefaultTenantRate = 500

// tenantLimiter is a token bucket per tenant: one tenant's load (a runaway script, a
// leaked key) cannot starve the others.
type tenantLimiter struct {
	rate, burst float64
	now         func() time.Time
	mu          sync.Mutex
	buckets     map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newTenantLimiter(rate float64, now func() time.Time) *tenantLimiter {
	return &tenantLimiter{rate: rate, burst: 2 * rate, now: now, buckets: map[string]*bucket{}}
}

// allow takes a token of the tenant's bucket; when there is none it answers how long
// until there is.
func (l *tenantLimiter) allow(tenant string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[tenant]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[tenant] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}
