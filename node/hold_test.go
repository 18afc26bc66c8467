package node_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	gt "groundtruth"
)

// TestTelemetryIsProjectedLazily: ingest events are applied at once but reach the store
// only with the next other event (here a command), and then all of them; a restart after
// they were held replays them.
func TestTelemetryIsProjectedLazily(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "gt.db")
	r := start(t, dir, db, 1000)
	ctx := context.Background()
	loadCell(t, r)
	// Readings of now: old ones would raise clock_skew, and an alert is projected at once.
	at := time.Now().UTC().Truncate(time.Second)
	for i := 0; i < 5; i++ {
		v := float64(i)
		p := gt.DevicePack{Device: "cell-1", Via: gt.ViaMQTT, Received: at, Digest: string(rune('a' + i)),
			Readings: []gt.Reading{{Name: "mass", T: at.Add(time.Duration(i) * time.Second).UnixMicro(), V: &v}}}
		ev, _ := gt.NewEvent(gt.EventIngest, "bank-a", at, "ingest", gt.IngestBatch{Items: []gt.DevicePack{p}})
		if _, err := r.j.Append(ctx, []gt.Event{ev}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond) // let the node apply them (they must stay held)
	if h, err := r.s.DeviceHealth(ctx, "bank-a", "cell-1"); gt.ErrorCode(err) != gt.ENOTFOUND {
		t.Fatalf("telemetry projected before any flush: %+v, %v", h, err)
	}
	if _, err := r.n.Command(ctx, gt.EventRecordsCreate, "bank-a", "test", gt.Records{Parties: []gt.Party{party(1)}}); err != nil {
		t.Fatal(err)
	}
	h, err := r.s.DeviceHealth(ctx, "bank-a", "cell-1")
	if err != nil || h.Packs != 5 {
		t.Fatalf("after a command: %+v, %v; want 5 packs", h, err)
	}
	// Held at stop, replayed at restart.
	p := gt.DevicePack{Device: "cell-1", Via: gt.ViaMQTT, Received: at, Digest: "z",
		Readings: []gt.Reading{{Name: "temp", T: at.UnixMicro(), V: new(float64)}}}
	ev, _ := gt.NewEvent(gt.EventIngest, "bank-a", at, "ingest", gt.IngestBatch{Items: []gt.DevicePack{p}})
	if _, err := r.j.Append(ctx, []gt.Event{ev}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	r.stop()
	r2 := start(t, dir, db, 1000)
	if h, err := r2.s.DeviceHealth(ctx, "bank-a", "cell-1"); err != nil || h.Packs != 6 {
		t.Errorf("after restart: %+v, %v; want 6 packs", h, err)
	}
}

// TestTelemetryThatRaisesAnAlertIsProjectedAtOnce: an ingest event that opens an alert
// (a device reporting tamper) is not held: the alert and its action reach the store
// without waiting for another event, while the held health rows still wait and the
// store's projected sequence does not move until they are written.
func TestTelemetryThatRaisesAnAlertIsProjectedAtOnce(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir, filepath.Join(dir, "gt.db"), 1000)
	defer r.stop()
	ctx := context.Background()
	loadCell(t, r)
	at := time.Now().UTC()
	appendPack := func(p gt.DevicePack) {
		t.Helper()
		ev, _ := gt.NewEvent(gt.EventIngest, "bank-a", at, "ingest", gt.IngestBatch{Items: []gt.DevicePack{p}})
		if _, err := r.j.Append(ctx, []gt.Event{ev}); err != nil {
			t.Fatal(err)
		}
	}
	v := 1000.0
	appendPack(gt.DevicePack{Device: "cell-1", Via: gt.ViaMQTT, Received: at, Digest: "a",
		Readings: []gt.Reading{{Name: "mass", T: at.UnixMicro(), V: &v}}})
	appendPack(gt.DevicePack{Device: "cell-1", Via: gt.ViaMQTT, Received: at, Digest: "b",
		Status: &gt.StatusReport{State: gt.StateTamper}})
	deadline := time.Now().Add(300 * time.Millisecond) // well under the 500 ms hold
	var alerts []gt.Alert
	for time.Now().Before(deadline) {
		var err error
		if alerts, err = r.s.Alerts(ctx, "bank-a", gt.AlertQuery{Rule: "tamper"}); err != nil {
			t.Fatal(err)
		}
		if len(alerts) > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if len(alerts) != 1 || alerts[0].Subject != "device:cell-1" {
		t.Fatalf("tamper alerts in the store within 300 ms: %+v, want one for device:cell-1", alerts)
	}
	// Only the health rows and series stay held, and the store's projected sequence stays
	// where the last whole flush left it: a restart now would replay the held events.
	if h, err := r.s.DeviceHealth(ctx, "bank-a", "cell-1"); gt.ErrorCode(err) != gt.ENOTFOUND {
		t.Fatalf("health written with the alert: %+v, %v; want it still held", h, err)
	}
	if seq, err := r.s.ProjectedSeq(ctx); err != nil || seq != 2 {
		t.Fatalf("projected seq after the early write: %d, %v; want 2 (the records command)", seq, err)
	}
	acts, err := r.s.Actions(ctx, "bank-a", gt.ListOptions{})
	if err != nil || len(acts) != 1 || acts[0].AlertID != alerts[0].ID {
		t.Fatalf("actions: %+v, %v; want the tamper alert's", acts, err)
	}
	// The next other event flushes the rest, with the same alert.
	if _, err := r.n.Command(ctx, gt.EventRecordsCreate, "bank-a", "test", gt.Records{Parties: []gt.Party{party(1)}}); err != nil {
		t.Fatal(err)
	}
	if h, err := r.s.DeviceHealth(ctx, "bank-a", "cell-1"); err != nil || h.Packs != 1 || h.State != gt.StateTamper {
		t.Fatalf("health after the flush: %+v, %v; want 1 pack and state tamper", h, err)
	}
	if again, err := r.s.Alerts(ctx, "bank-a", gt.AlertQuery{Rule: "tamper"}); err != nil || len(again) != 1 || again[0].ID != alerts[0].ID {
		t.Fatalf("tamper alerts after the flush: %+v, %v", again, err)
	}
}

// loadCell creates tenant bank-a with a warehouse and its load cell cell-1.
func loadCell(t *testing.T, r *running) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := r.n.CreateTenant(ctx, "bank-a", "Bank A"); err != nil {
		t.Fatal(err)
	}
	dev := gt.Device{ID: "cell-1", Kind: gt.DeviceLoadCell, SiteID: "wh-1", Interval: gt.Duration(time.Minute)}
	site := gt.Site{ID: "wh-1", Name: "WH", Kind: gt.SiteWarehouse, Boundary: gt.Polygon{Type: "Polygon",
		Coordinates: [][][2]float64{{{0, 0}, {0.01, 0}, {0.01, 0.01}, {0, 0.01}, {0, 0}}}}}
	if _, err := r.n.Command(ctx, gt.EventRecordsCreate, "bank-a", "test", gt.Records{Sites: []gt.Site{site}, Devices: []gt.Device{dev}}); err != nil {
		t.Fatal(err)
	}
}
