package engine

import (
	"sort"
	"time"

	gt "groundtruth"
	"groundtruth/senml"
)

// Telemetry state per device (SPEC §5, issue "readings become journal events"):
//
//   - Packs are deduplicated by digest against the device's last digestWindow packs, so a
//     device that resends a pack it got no acknowledgement for (the server crashed after
//     the append, before the PUBACK) has it applied once.
//   - A signed pack whose seq is not above the last accepted one is a replay: counted
//     under Rejected["replay"], not applied.
//   - Numeric readings (booleans as 0/1) are downsampled into SeriesStep buckets. The
//     engine keeps the buckets of the last seriesWindow steps of each measurement open;
//     a reading older than that is late (SPEC §4.2): it counts, updates nothing in the
//     series, and is flagged in Health.Late.
//   - Calibration (value - tare) x scale applies to the numeric measurements whose
//     canonical unit is the device's calibration unit; the journal keeps the raw value.
const (
	digestWindow = 64
	seriesWindow = 10 // steps of SeriesStep
)

// telemetry is the engine state of one device's telemetry.
type telemetry struct {
	Health  gt.DeviceHealth              `json:"health"`
	Digests []string                     `json:"digests"` // newest last
	Buckets map[string][]gt.SeriesBucket `json:"buckets"` // by measurement, oldest first

	digestSet map[string]int // how often each digest is in Digests; built when first needed
}

// seenDigest reports whether d is among the device's last digestWindow digests.
func (t *telemetry) seenDigest(d string) bool {
	if t.digestSet == nil {
		t.digestSet = make(map[string]int, digestWindow)
		for _, x := range t.Digests {
			t.digestSet[x]++
		}
	}
	_, ok := t.digestSet[d]
	return ok
}

// addDigest appends d, not seen yet, to the window, dropping the oldest when it is full.
// seenDigest must have been called before.
func (t *telemetry) addDigest(d string) {
	if len(t.Digests) == digestWindow {
		old := t.Digests[0]
		t.Digests = append(t.Digests[:0], t.Digests[1:]...)
		if t.digestSet[old]--; t.digestSet[old] <= 0 {
			delete(t.digestSet, old)
		}
	}
	t.Digests = append(t.Digests, d)
	t.digestSet[d]++
}

func newTelemetry(tenant, device string) *telemetry {
	return &telemetry{
		Health: gt.DeviceHealth{TenantID: tenant, DeviceID: device, State: "unknown",
			Rejected: map[string]uint64{}, Last: map[string]gt.Reading{}},
		Digests: []string{},
		Buckets: map[string][]gt.SeriesBucket{},
	}
}

// changeIndex remembers where the telemetry rows of the Changes being filled are, so that
// a device or bucket touched by several events of one batch appears once, with its final
// state. It is rebuilt whenever the Changes is not the one it describes.
type changeIndex struct {
	ch      *gt.Changes
	nHealth int
	nSeries int
	health  map[ref]int
	series  map[seriesKey]int
}

type seriesKey struct {
	tenant, device, name string
	start                int64
}

func (x *changeIndex) sync(ch *gt.Changes) {
	if x.ch == ch && x.nHealth == len(ch.Health) && x.nSeries == len(ch.Series) {
		return
	}
	x.ch = ch
	x.health = make(map[ref]int, len(ch.Health))
	for i, h := range ch.Health {
		x.health[ref{h.TenantID, h.DeviceID}] = i
	}
	x.series = make(map[seriesKey]int, len(ch.Series))
	for i, b := range ch.Series {
		x.series[seriesKey{b.TenantID, b.DeviceID, b.Name, b.Start.UnixMicro()}] = i
	}
	x.nHealth, x.nSeries = len(ch.Health), len(ch.Series)
}

func (x *changeIndex) putHealth(ch *gt.Changes, h *gt.DeviceHealth) {
	k := ref{h.TenantID, h.DeviceID}
	row := *h
	row.Rejected = cloneMap(h.Rejected)
	row.Last = cloneMap(h.Last)
	if i, ok := x.health[k]; ok {
		ch.Health[i] = row
		return
	}
	x.health[k] = len(ch.Health)
	ch.Health = append(ch.Health, row)
	x.nHealth = len(ch.Health)
}

func (x *changeIndex) putBucket(ch *gt.Changes, b *gt.SeriesBucket) {
	k := seriesKey{b.TenantID, b.DeviceID, b.Name, b.Start.UnixMicro()}
	if i, ok := x.series[k]; ok {
		ch.Series[i] = *b
		return
	}
	x.series[k] = len(ch.Series)
	ch.Series = append(ch.Series, *b)
	x.nSeries = len(ch.Series)
}

func cloneMap[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// applyIngest applies the packs of one tenant. Packs are independent: one that names a
// device the tenant no longer has is skipped, the others apply.
func (e *Engine) applyIngest(ts *tenantState, ev *gt.Event, ch *gt.Changes) error {
	var b gt.IngestBatch
	if err := decodeIngest(ev, &b); err != nil {
		return err
	}
	e.idx.sync(ch)
	touched := map[*telemetry]bool{}
	for i := range b.Items {
		p := &b.Items[i]
		dev, ok := ts.Devices[p.Device]
		if !ok {
			continue
		}
		t := ts.Telemetry[p.Device]
		if t == nil {
			t = newTelemetry(ts.Tenant.ID, p.Device)
			ts.Telemetry[p.Device] = t
		}
		replays := t.Health.Rejected[gt.ReasonReplay]
		if t.applyPack(dev, p, ev.Seq, &e.idx, ch) {
			touched[t] = true
		}
		replayed := p.Rejected == nil && t.Health.Rejected[gt.ReasonReplay] > replays
		e.devicePack(ts, dev, p, replayed)
	}
	// Emit health rows in device order so that the Changes are deterministic.
	rows := make([]*telemetry, 0, len(touched))
	for t := range touched {
		rows = append(rows, t)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Health.DeviceID < rows[j].Health.DeviceID })
	for _, t := range rows {
		t.Health.Seq = ev.Seq
		e.idx.putHealth(ch, &t.Health)
	}
	return nil
}

// applyPack applies one pack and reports whether the device's health changed.
func (t *telemetry) applyPack(dev *gt.Device, p *gt.DevicePack, seq uint64, idx *changeIndex, ch *gt.Changes) bool {
	h := &t.Health
	if p.Rejected != nil {
		h.Rejected[clip(p.Rejected.Reason, 40)]++
		return true
	}
	if p.Digest != "" && t.seenDigest(p.Digest) {
		h.Duplicates++
		return true
	}
	if p.Signed {
		if p.Seq <= h.LastSeq {
			h.Rejected[gt.ReasonReplay]++
			return true
		}
		h.LastSeq = p.Seq
	}
	if p.Digest != "" {
		t.addDigest(p.Digest)
		h.LastDigest = p.Digest
	}
	if p.Received.After(h.LastSeen) {
		h.LastSeen = p.Received.UTC().Truncate(time.Microsecond)
	}
	if s := p.Status; s != nil {
		h.State = clip(s.State, 40)
		h.StateAt = p.Received.UTC().Truncate(time.Microsecond)
		return true
	}
	h.Packs++
	for i := range p.Readings {
		r := p.Readings[i]
		if r.Name == "" || len(r.Name) > 64 {
			continue
		}
		h.Readings++
		at := time.UnixMicro(r.T).UTC()
		if at.After(h.LastReadingAt) {
			h.LastReadingAt = at
		}
		if r.V != nil {
			v := calibrate(dev, r.Name, *r.V)
			r.V = &v
		}
		if old, ok := h.Last[r.Name]; !ok || r.T >= old.T {
			h.Last[r.Name] = r
		}
		if v, ok := r.Number(); ok {
			if !t.addToSeries(dev, r.Name, r.T, v, idx, ch) {
				h.Late++
			}
		}
	}
	return true
}

// calibrate applies the device's calibration to a measurement in its calibration unit.
func calibrate(dev *gt.Device, name string, v float64) float64 {
	c := dev.Calibration
	if c.Unit == "" || senml.Units[name] != c.Unit || (c.Tare == 0 && c.Scale == 1) {
		return v
	}
	return (v - c.Tare) * c.Scale
}

// addToSeries adds one value to its bucket and emits the bucket. It returns false for a
// late reading, older than the open buckets.
func (t *telemetry) addToSeries(dev *gt.Device, name string, us int64, v float64, idx *changeIndex, ch *gt.Changes) bool {
	step := gt.SeriesStep.Microseconds()
	start := us - mod(us, step)
	bs := t.Buckets[name]
	if n := len(bs); n > 0 && start < bs[n-1].Start.UnixMicro()-(seriesWindow-1)*step {
		return false
	}
	i := sort.Search(len(bs), func(i int) bool { return bs[i].Start.UnixMicro() >= start })
	if i == len(bs) || bs[i].Start.UnixMicro() != start {
		bs = append(bs, gt.SeriesBucket{})
		copy(bs[i+1:], bs[i:])
		bs[i] = gt.SeriesBucket{TenantID: t.Health.TenantID, DeviceID: dev.ID, Name: name,
			Start: time.UnixMicro(start).UTC(), Min: v, Max: v}
	}
	b := &bs[i]
	b.Count++
	b.Sum += v
	b.Min = min(b.Min, v)
	b.Max = max(b.Max, v)
	if at := time.UnixMicro(us).UTC(); !at.Before(b.LastAt) {
		b.Last, b.LastAt = v, at
	}
	idx.putBucket(ch, b)
	// Close the buckets that fell out of the window.
	newest := bs[len(bs)-1].Start.UnixMicro()
	drop := 0
	for drop < len(bs) && bs[drop].Start.UnixMicro() < newest-(seriesWindow-1)*step {
		drop++
	}
	if drop > 0 {
		bs = append(bs[:0], bs[drop:]...)
	}
	t.Buckets[name] = bs
	return true
}

// mod returns a mod m in [0, m), also for negative a.
func mod(a, m int64) int64 {
	r := a % m
	if r < 0 {
		r += m
	}
	return r
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// DeviceHealth returns a copy of a device's telemetry health, and false when the device
// has sent nothing yet.
func (e *Engine) DeviceHealth(tenant, device string) (gt.DeviceHealth, bool) {
	ts, ok := e.tenants[tenant]
	if !ok {
		return gt.DeviceHealth{}, false
	}
	t, ok := ts.Telemetry[device]
	if !ok {
		return gt.DeviceHealth{}, false
	}
	h := t.Health
	h.Rejected, h.Last = cloneMap(h.Rejected), cloneMap(h.Last)
	return h, true
}
