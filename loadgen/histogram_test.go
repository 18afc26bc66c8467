package loadgen_test

import (
	"sync"
	"testing"
	"time"

	"groundtruth/loadgen"
)

func TestHistogramExact(t *testing.T) {
	var h loadgen.Histogram
	if q := h.Quantile(0.5); q != 0 || h.Count() != 0 {
		t.Errorf("empty: Quantile(0.5) = %v, Count = %d", q, h.Count())
	}
	for i := 100; i >= 1; i-- { // 1 µs to 100 µs, in any order
		h.Record(time.Duration(i)*time.Microsecond + 300) // sub-µs parts are dropped
	}
	us := time.Microsecond
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.01, 1 * us}, {0.5, 50 * us}, {0.9, 90 * us}, {0.99, 99 * us}, {0.991, 100 * us}, {1, 100 * us}, {0, 1 * us}} {
		if got := h.Quantile(c.q); got != c.want {
			t.Errorf("Quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	l := h.Latency()
	if l.Count != 100 || l.Max != 100*us+300 || l.Mean != 50*us || l.P50 != 50*us || l.P99 != 99*us {
		t.Errorf("Latency = %+v", l)
	}
}

func TestHistogramLogBuckets(t *testing.T) {
	var h loadgen.Histogram
	for range 1000 {
		h.Record(time.Millisecond)
	}
	for range 10 {
		h.Record(100 * time.Millisecond)
	}
	// 1000 µs falls in [1000, 1008) µs (2^3 µs wide), read as its middle, 1004 µs;
	// 100,000 µs in [99,328, 100,352) µs, read as 99,840 µs.
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 1004 * time.Microsecond}, {0.99, 1004 * time.Microsecond}, {0.995, 99840 * time.Microsecond}} {
		if got := h.Quantile(c.q); got != c.want {
			t.Errorf("Quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if h.Max() != 100*time.Millisecond {
		t.Errorf("Max = %v", h.Max())
	}
	// Every value comes back within 1/128 of itself.
	for v := time.Duration(1); v < 10*time.Second; v = v*17/16 + time.Microsecond {
		var one loadgen.Histogram
		one.Record(v)
		one.Record(v + 1) // so that Max does not clamp the reading
		got, want := one.Quantile(0.5), v.Truncate(time.Microsecond)
		if d := got - want; d < 0 && -d > want/128 || d > want/128 {
			t.Errorf("Record(%v): Quantile = %v, more than 1/128 off", v, got)
		}
	}
}

func TestHistogramConcurrent(t *testing.T) {
	var h loadgen.Histogram
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				h.Record(time.Duration(g*1000+i) * time.Microsecond)
			}
		})
	}
	wg.Wait()
	if h.Count() != 8000 || h.Max() != 7999*time.Microsecond {
		t.Errorf("Count, Max = %d, %v", h.Count(), h.Max())
	}
}
