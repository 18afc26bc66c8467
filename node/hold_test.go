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
	if _, _, err := r.n.CreateTenant(ctx, "bank-a", "Bank A"); err != nil {
		t.Fatal(err)
	}
	dev := gt.Device{ID: "cell-1", Kind: gt.DeviceLoadCell, SiteID: "wh-1", Interval: gt.Duration(time.Minute)}
	site := gt.Site{ID: "wh-1", Name: "WH", Kind: gt.SiteWarehouse, Boundary: gt.Polygon{Type: "Polygon",
		Coordinates: [][][2]float64{{{0, 0}, {0.01, 0}, {0.01, 0.01}, {0, 0.01}, {0, 0}}}}}
	if _, err := r.n.Command(ctx, gt.EventRecordsCreate, "bank-a", "test", gt.Records{Sites: []gt.Site{site}, Devices: []gt.Device{dev}}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
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
