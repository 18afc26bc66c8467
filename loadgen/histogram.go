package loadgen

import (
	"encoding/json"
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// Histogram layout: durations are counted in whole microseconds, one bucket per
// microsecond below 2*subBuckets µs, then subBuckets buckets per power of two, so a
// quantile is exact to the microsecond below 128 µs and within 1/128 (0.8%) above.
const (
	subBits    = 6
	subBuckets = 1 << subBits
	maxExp     = 34 // the last power of two: values up to 2^41 µs (25 days)
	nBuckets   = 2*subBuckets + maxExp*subBuckets
)

// Histogram records durations in log-linear buckets with constant memory (18 KiB),
// however many it records. Record, Count, Max and Quantile are safe for concurrent use;
// a quantile read while others record sees some recent values and not others.
type Histogram struct {
	counts [nBuckets]atomic.Int64
	n      atomic.Int64
	sumUS  atomic.Int64
	maxNS  atomic.Int64
}

// Record adds one duration; negative ones count as zero.
func (h *Histogram) Record(d time.Duration) {
	d = max(d, 0)
	us := uint64(d / time.Microsecond)
	h.counts[bucketOf(us)].Add(1)
	h.n.Add(1)
	h.sumUS.Add(int64(us))
	for {
		m := h.maxNS.Load()
		if int64(d) <= m || h.maxNS.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// Count returns the number of durations recorded.
func (h *Histogram) Count() int64 { return h.n.Load() }

// Max returns the largest duration recorded, exactly, or 0.
func (h *Histogram) Max() time.Duration { return time.Duration(h.maxNS.Load()) }

// Mean returns the mean of the durations recorded, to the microsecond, or 0.
func (h *Histogram) Mean() time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sumUS.Load()/n) * time.Microsecond
}

// Quantile returns the q-quantile (0 < q <= 1) by nearest rank: the smallest recorded
// value v such that at least ceil(q*Count) values are <= v, read as the middle of its
// bucket (exact to the microsecond below 128 µs, within 0.8% above) and never above Max.
// It returns 0 when nothing was recorded.
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(n)))
	rank = min(max(rank, 1), n)
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return min(bucketValue(i), h.Max())
		}
	}
	return h.Max()
}

// Latency summarises a Histogram.
func (h *Histogram) Latency() Latency {
	return Latency{Count: h.Count(), Mean: h.Mean(), P50: h.Quantile(0.50), P90: h.Quantile(0.90),
		P99: h.Quantile(0.99), Max: h.Max()}
}

// bucketOf returns the bucket of a value in microseconds.
func bucketOf(us uint64) int {
	if us < 2*subBuckets {
		return int(us)
	}
	e := bits.Len64(us) - (subBits + 1) // us>>e is in [subBuckets, 2*subBuckets)
	if e > maxExp {
		return nBuckets - 1
	}
	return 2*subBuckets + (e-1)*subBuckets + int(us>>e) - subBuckets
}

// bucketValue returns the duration a bucket stands for: its value below 2*subBuckets µs,
// else the middle of its range.
func bucketValue(i int) time.Duration {
	if i < 2*subBuckets {
		return time.Duration(i) * time.Microsecond
	}
	e := (i-2*subBuckets)/subBuckets + 1
	m := uint64((i-2*subBuckets)%subBuckets + subBuckets)
	lo := m << e
	return time.Duration(lo+(1<<e)/2) * time.Microsecond
}

// Latency is a summary of durations: how many, their mean, three quantiles and the
// maximum. In JSON the durations are milliseconds.
type Latency struct {
	Count int64
	Mean  time.Duration
	P50   time.Duration
	P90   time.Duration
	P99   time.Duration
	Max   time.Duration
}

// MarshalJSON writes the durations as milliseconds: {"count":..,"p50_ms":..}.
func (l Latency) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Count int64   `json:"count"`
		Mean  float64 `json:"mean_ms"`
		P50   float64 `json:"p50_ms"`
		P90   float64 `json:"p90_ms"`
		P99   float64 `json:"p99_ms"`
		Max   float64 `json:"max_ms"`
	}{l.Count, ms(l.Mean), ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max)})
}

// ms returns d in milliseconds, rounded to the microsecond.
func ms(d time.Duration) float64 {
	return math.Round(float64(d)/1e3) / 1e3
}
