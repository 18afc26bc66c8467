package engine_test

import (
	"fmt"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/engine"
)

// BenchmarkApplyIngest measures the engine's share of ingestion: one op is one ingest
// event of 100 packs of 10 readings, one pack per load cell of a warehouse, as the
// group commit writes them under load. "on-time" readings are a second old when they
// arrive; "skewed" ones are 11 minutes old, so every device has an active clock_skew.
func BenchmarkApplyIngest(b *testing.B) {
	for _, lag := range []struct {
		name string
		d    time.Duration
	}{{"on-time", time.Second}, {"skewed", 11 * time.Minute}} {
		b.Run(lag.name, func(b *testing.B) {
			e := engine.New()
			seq := uint64(0)
			at := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
			apply := func(typ gt.EventType, v any) {
				seq++
				ev, err := gt.NewEvent(typ, "bank", at, "bench", v)
				if err != nil {
					b.Fatal(err)
				}
				ev.Seq = seq
				var ch gt.Changes
				if err := e.Apply(&ev, &ch); err != nil {
					b.Fatal(err)
				}
			}
			_, hash := gt.NewSecret("gtk")
			apply(gt.EventTenantCreate, gt.TenantCreate{Tenant: gt.Tenant{ID: "bank", Name: "Bank"},
				Key: gt.APIKeyCreate{Key: gt.APIKey{ID: "k", Role: gt.RoleAdmin, Prefix: "gtk_"}, Hash: hash}})
			r := gt.Records{Sites: []gt.Site{{ID: "wh", Name: "Warehouse", Kind: gt.SiteWarehouse, Boundary: gt.Polygon{Type: "Polygon",
				Coordinates: [][][2]float64{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}}}}}
			for i := range 100 {
				r.Devices = append(r.Devices, gt.Device{ID: fmt.Sprintf("cell-%03d", i), Kind: gt.DeviceLoadCell, SiteID: "wh",
					Interval: gt.Duration(time.Minute), Calibration: gt.Calibration{Noise: 5}})
			}
			apply(gt.EventRecordsCreate, r)
			var ch gt.Changes
			n := 0
			for b.Loop() {
				at = at.Add(time.Second)
				var batch gt.IngestBatch
				for i := range 100 {
					p := gt.DevicePack{Device: fmt.Sprintf("cell-%03d", i), Via: gt.ViaMQTT, Received: at, Digest: fmt.Sprintf("%032x", n*100+i)}
					for j := range 10 {
						v := 10000 + float64((n+j)%7)
						p.Readings = append(p.Readings, gt.Reading{Name: "mass", Unit: "kg", T: at.Add(-lag.d).UnixMicro() - int64(j), V: &v})
					}
					batch.Items = append(batch.Items, p)
				}
				seq++
				ev, _ := gt.NewEvent(gt.EventIngest, "bank", at, "ingest", batch)
				ev.Seq = seq
				// Changes accumulate over many events, as the node holds telemetry.
				if n%50 == 0 {
					ch = gt.Changes{}
				}
				if err := e.Apply(&ev, &ch); err != nil {
					b.Fatal(err)
				}
				n++
			}
		})
	}
}
