package engine_test

import (
	"testing"
	"time"

	gt "groundtruth"
)

// telemetryFeeder returns a feeder with tenant bank-a and portfolio(1), whose load cell
// cell-1 is calibrated: kg = (raw - 10) x 2.
func telemetryFeeder(t *testing.T) *feeder {
	f := newFeeder()
	f.must(t, gt.EventTenantCreate, "bank-a", tenantCreate("bank-a"))
	r := portfolio(1)
	r.Devices[0].Calibration = gt.Calibration{Tare: 10, Scale: 2, Unit: "kg"}
	f.must(t, gt.EventRecordsCreate, "bank-a", r)
	return f
}

func num(v float64) *float64 { return &v }

func reading(name string, at time.Time, v float64) gt.Reading {
	return gt.Reading{Name: name, T: at.UnixMicro(), V: num(v)}
}

func pack(dev, digest string, rs ...gt.Reading) gt.DevicePack {
	return gt.DevicePack{Device: dev, Via: gt.ViaMQTT, Received: t0.Add(time.Hour), Digest: digest, Readings: rs}
}

func ingest(t *testing.T, f *feeder, packs ...gt.DevicePack) *gt.Changes {
	t.Helper()
	return f.must(t, gt.EventIngest, "bank-a", gt.IngestBatch{Items: packs})
}

func TestReadingsUpdateHealthAndSeries(t *testing.T) {
	f := telemetryFeeder(t)
	m := t0.Add(30 * time.Minute) // 08:30:00
	ch := ingest(t, f, pack("cell-1", "d1",
		reading("mass", m.Add(10*time.Second), 110),
		reading("mass", m.Add(50*time.Second), 130),
		reading("mass", m.Add(65*time.Second), 150),
		reading("temp", m.Add(65*time.Second), 21.5), // not in the calibration unit
	))
	if len(ch.Health) != 1 {
		t.Fatalf("health rows = %d, want 1", len(ch.Health))
	}
	h := ch.Health[0]
	if h.TenantID != "bank-a" || h.DeviceID != "cell-1" || h.Packs != 1 || h.Readings != 4 || h.Seq != f.seq {
		t.Errorf("health = %+v", h)
	}
	if !h.LastReadingAt.Equal(m.Add(65*time.Second)) || !h.LastSeen.Equal(t0.Add(time.Hour)) {
		t.Errorf("last reading at %v, last seen %v", h.LastReadingAt, h.LastSeen)
	}
	if v := h.Last["mass"].V; v == nil || *v != 280 { // (150 - 10) x 2
		t.Errorf("last mass = %v, want 280", v)
	}
	if v := h.Last["temp"].V; v == nil || *v != 21.5 {
		t.Errorf("last temp = %v, want 21.5 (uncalibrated)", v)
	}
	want := map[string]gt.SeriesBucket{
		"mass 08:30": {Count: 2, Sum: 440, Min: 200, Max: 240, Last: 240},
		"mass 08:31": {Count: 1, Sum: 280, Min: 280, Max: 280, Last: 280},
		"temp 08:31": {Count: 1, Sum: 21.5, Min: 21.5, Max: 21.5, Last: 21.5},
	}
	if len(ch.Series) != len(want) {
		t.Fatalf("series rows = %d, want %d: %+v", len(ch.Series), len(want), ch.Series)
	}
	for _, b := range ch.Series {
		w, ok := want[b.Name+" "+b.Start.Format("15:04")]
		if !ok || b.Count != w.Count || b.Sum != w.Sum || b.Min != w.Min || b.Max != w.Max || b.Last != w.Last || b.TenantID != "bank-a" {
			t.Errorf("bucket %s %s = %+v, want %+v", b.Name, b.Start.Format("15:04"), b, w)
		}
	}
}

func TestResentPackAppliesOnce(t *testing.T) {
	f := telemetryFeeder(t)
	p := pack("cell-1", "same", reading("mass", t0, 20))
	ingest(t, f, p)
	ch := ingest(t, f, p)
	h := ch.Health[0]
	if h.Packs != 1 || h.Readings != 1 || h.Duplicates != 1 {
		t.Errorf("after a resend: packs %d readings %d duplicates %d, want 1 1 1", h.Packs, h.Readings, h.Duplicates)
	}
	if len(ch.Series) != 0 {
		t.Errorf("a duplicate changed the series: %+v", ch.Series)
	}
	ch = ingest(t, f, pack("cell-1", "other", reading("mass", t0, 20)))
	if ch.Health[0].Packs != 2 {
		t.Errorf("a new digest was not applied: %+v", ch.Health[0])
	}
}

func TestSignedSeqMustIncrease(t *testing.T) {
	f := telemetryFeeder(t)
	signed := func(seq uint64, digest string) gt.DevicePack {
		p := pack("cell-1", digest, reading("mass", t0, 20))
		p.Signed, p.Seq = true, seq
		return p
	}
	ingest(t, f, signed(5, "a"))
	ingest(t, f, signed(5, "b"), signed(3, "c")) // two replays in one event
	ch := ingest(t, f, signed(7, "d"))
	h := ch.Health[0]
	if h.LastSeq != 7 || h.Packs != 2 || h.Rejected[gt.ReasonReplay] != 2 {
		t.Errorf("last seq %d, packs %d, replays %d; want 7, 2, 2", h.LastSeq, h.Packs, h.Rejected[gt.ReasonReplay])
	}
}

func TestLateReadingsStayOutOfTheSeries(t *testing.T) {
	f := telemetryFeeder(t)
	now := t0.Add(time.Hour)
	ingest(t, f, pack("cell-1", "1", reading("temp", now, 20)))
	ch := ingest(t, f, pack("cell-1", "2",
		reading("temp", now.Add(-9*time.Minute), 18),  // inside the open window
		reading("temp", now.Add(-11*time.Minute), 17), // late
	))
	h := ch.Health[0]
	if h.Late != 1 || h.Readings != 3 {
		t.Errorf("late %d readings %d, want 1 and 3", h.Late, h.Readings)
	}
	if len(ch.Series) != 1 || !ch.Series[0].Start.Equal(now.Add(-9*time.Minute)) || ch.Series[0].Sum != 18 {
		t.Errorf("series = %+v, want only the 08:51 bucket with 18", ch.Series)
	}
	if v := h.Last["temp"].V; v == nil || *v != 20 {
		t.Errorf("last temp = %v: an older reading replaced the newest", v)
	}
}

func TestIngestSkipsUnknownDevicesAndMergesRowsOfOneBatch(t *testing.T) {
	f := telemetryFeeder(t)
	var ch gt.Changes
	for i, p := range []gt.DevicePack{
		pack("ghost", "g", reading("mass", t0, 1)),
		pack("cell-1", "x", reading("mass", t0, 20)),
	} {
		ev := f.event(gt.EventIngest, "bank-a", gt.IngestBatch{Items: []gt.DevicePack{p}})
		if err := f.e.Apply(&ev, &ch); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	ev := f.event(gt.EventIngest, "bank-a", gt.IngestBatch{Items: []gt.DevicePack{
		pack("cell-1", "y", reading("mass", t0.Add(time.Second), 30)),
		{Device: "cell-1", Via: gt.ViaMQTT, Received: t0.Add(2 * time.Hour), Status: &gt.StatusReport{State: gt.StatePowerCut, Will: true}},
	}})
	if err := f.e.Apply(&ev, &ch); err != nil {
		t.Fatal(err)
	}
	if len(ch.Health) != 1 || len(ch.Series) != 1 {
		t.Fatalf("one device and one bucket touched by three events gave %d health and %d series rows", len(ch.Health), len(ch.Series))
	}
	h, b := ch.Health[0], ch.Series[0]
	if h.Packs != 2 || h.State != gt.StatePowerCut || !h.StateAt.Equal(t0.Add(2*time.Hour)) || h.Seq != ev.Seq {
		t.Errorf("health = %+v", h)
	}
	if b.Count != 2 || b.Sum != 2*(20-10)+2*(30-10) {
		t.Errorf("bucket = %+v, want both readings", b)
	}
	if _, ok := f.e.DeviceHealth("bank-a", "ghost"); ok {
		t.Error("a pack of an unknown device created telemetry state")
	}
}

func TestRefusalsAreCountedByReason(t *testing.T) {
	f := telemetryFeeder(t)
	rej := func(reason string) gt.DevicePack {
		return gt.DevicePack{Device: "cell-1", Via: gt.ViaHTTP, Received: t0, Rejected: &gt.IngestFailure{Reason: reason, Message: "m"}}
	}
	ch := ingest(t, f, rej(gt.ReasonSignature), rej(gt.ReasonSignature), rej(gt.ReasonUnit))
	h := ch.Health[0]
	if h.Rejected[gt.ReasonSignature] != 2 || h.Rejected[gt.ReasonUnit] != 1 || h.Packs != 0 {
		t.Errorf("rejected = %v, packs %d", h.Rejected, h.Packs)
	}
}
