package mqtt

import (
	"maps"
	"sync"
)

// Counter reasons reported by Broker.Counters.
const (
	reasonAccepted       = "accepted"
	reasonAuthFailed     = "auth_failed"
	reasonACLDenied      = "acl_denied"
	reasonPayloadInvalid = "payload_invalid"
	reasonTooLarge       = "too_large"
	reasonUnavailable    = "unavailable"
	reasonRefused        = "refused"      // handler refused: bad signature, replay, disabled
	reasonRateLimited    = "rate_limited" // handler: the device sends above its limit
	reasonFailed         = "failed"       // handler error without a mapped code
)

// counters counts outcomes per device and reason. Auth failures whose token matched no
// device count under the device "" so unknown usernames cannot grow the map.
type counters struct {
	mu sync.Mutex
	m  map[string]map[string]uint64
}

func newCounters() *counters { return &counters{m: map[string]map[string]uint64{}} }

func (c *counters) add(device, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.m[device]
	if r == nil {
		r = map[string]uint64{}
		c.m[device] = r
	}
	r[reason]++
}

// Counters returns a copy of the outcome counts by device id and reason: accepted,
// auth_failed, acl_denied, payload_invalid, too_large, unavailable and failed. Failed
// connects whose token matched no device count under the device id "". It is safe for
// concurrent use.
func (b *Broker) Counters() map[string]map[string]uint64 {
	b.counters.mu.Lock()
	defer b.counters.mu.Unlock()
	out := make(map[string]map[string]uint64, len(b.counters.m))
	for d, r := range b.counters.m {
		out[d] = maps.Clone(r)
	}
	return out
}
