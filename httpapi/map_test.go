package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"
	"time"

	gt "groundtruth"
)

type mapLayers struct {
	Sites, Geofences, Devices struct {
		Features []struct {
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	Clustered bool `json:"clustered"`
	Total     int  `json:"total_devices"`
}

func square(lon, lat, d float64) map[string]any {
	return map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}}}
}

// mapWorld records two sites, a vehicle with a home geofence and its tracker, and n load
// cells at the warehouse, for a tenant.
func mapWorld(t testing.TB, h *harness, key string, n int) {
	devices := []map[string]any{{"id": "gps-1", "kind": "gps_tracker", "collateral_id": "car-1", "interval": "15m"}}
	var cells []map[string]any
	for i := range n {
		cells = append(cells, map[string]any{"id": "cell-" + strconv.Itoa(i), "kind": "load_cell", "site_id": "wh-1", "interval": "5m"})
	}
	defer func() { // in requests the journal takes
		for len(cells) > 0 {
			k := min(len(cells), 20000)
			h.must(200, "POST", "/api/v1/records", key, map[string]any{"devices": cells[:k]})
			cells = cells[k:]
		}
	}()
	h.must(200, "POST", "/api/v1/records", key, map[string]any{
		"parties": []map[string]any{{"id": "dealer", "name": "Dealer", "roles": []string{"borrower"}}},
		"sites": []map[string]any{
			{"id": "wh-1", "name": "Warehouse", "kind": "warehouse", "boundary": square(120.31, 36.08, 0.002)},
			{"id": "lot-1", "name": "Dealer lot", "kind": "lot", "boundary": square(-96.80, 32.78, 0.002)},
		},
		"loans": []map[string]any{{"id": "fp-1", "borrower_id": "dealer", "product": "vehicle_floorplan",
			"principal": map[string]any{"amount": 2_000_000, "currency": "USD"}, "start_date": "2026-01-01T00:00:00Z", "maturity_date": "2027-01-01T00:00:00Z"}},
		"collateral": []map[string]any{{"id": "car-1", "kind": "vehicle", "allocations": []map[string]any{{"loan_id": "fp-1", "share": 1}},
			"vehicle": map[string]any{"vin": "1HGCM82633A004352", "value": map[string]any{"amount": 3_000_000, "currency": "USD"},
				"site_id": "lot-1", "home_geofence": square(-96.801, 32.779, 0.004)}}},
		"devices": devices,
	})
}

func TestMapLayers(t *testing.T) {
	h := newHarness(t)
	a, b := h.tenant("bank-a"), h.tenant("bank-b")
	mapWorld(t, h, a, 3)
	h.must(200, "POST", "/api/v1/records", b, map[string]any{"sites": []map[string]any{
		{"id": "other", "name": "B's warehouse", "kind": "warehouse", "boundary": square(4.3, 51.9, 0.002)}}})
	tok := h.must(200, "POST", "/api/v1/devices/gps-1/token", a, nil).json(t)["token"].(string)
	h.must(202, "POST", "/api/v1/ingest", tok, fmt.Sprintf(`{"t":%d,"lat":32.7805,"lon":-96.7995}`, time.Now().Unix()))
	// Telemetry is projected with the next event; without a ticker here, append one.
	tick, _ := gt.NewEvent(gt.EventTick, "", time.Now(), "test", nil)
	if _, err := h.node.Submit(context.Background(), tick); err != nil {
		t.Fatal(err)
	}
	var m mapLayers
	deadline := time.Now().Add(10 * time.Second)
	for { // the pack is applied after the 202
		if err := json.Unmarshal(h.must(200, "GET", "/api/v1/map", a, nil).body, &m); err != nil {
			t.Fatal(err)
		}
		if math.Abs(placed(t, &m)["gps-1"][0]+96.7995) < 1e-9 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(m.Sites.Features) != 2 || len(m.Geofences.Features) != 1 || m.Total != 4 || m.Clustered {
		t.Fatalf("map = %d sites, %d geofences, %d devices (clustered %v); want 2, 1, 4 and points", len(m.Sites.Features), len(m.Geofences.Features), m.Total, m.Clustered)
	}
	byID := placed(t, &m)
	for _, f := range m.Devices.Features {
		if f.Properties["id"] == "gps-1" && f.Properties["reporting"] != true {
			t.Errorf("the tracker that just reported is not reporting: %v", f.Properties)
		}
	}
	near := func(p []float64, lon, lat float64) bool {
		return len(p) == 2 && math.Abs(p[0]-lon) < 1e-9 && math.Abs(p[1]-lat) < 1e-9
	}
	if p := byID["gps-1"]; !near(p, -96.7995, 32.7805) {
		t.Errorf("tracker at %v, want its reported position", p)
	}
	if p := byID["cell-0"]; !near(p, 120.311, 36.081) {
		t.Errorf("load cell at %v, want the centre of its warehouse", p)
	}
	// A box around the dealer lot holds the tracker alone.
	if err := json.Unmarshal(h.must(200, "GET", "/api/v1/map?bbox=-97,32,-96,33", a, nil).body, &m); err != nil || m.Total != 1 {
		t.Errorf("map in a box around the lot: %d devices (%v), want 1", m.Total, err)
	}
	// Tenant B sees its own site only.
	if err := json.Unmarshal(h.must(200, "GET", "/api/v1/map", b, nil).body, &m); err != nil || len(m.Sites.Features) != 1 || m.Total != 0 ||
		m.Sites.Features[0].Properties["id"] != "other" {
		t.Errorf("tenant B's map: %+v (%v)", m, err)
	}
	if loc, _ := h.must(422, "GET", "/api/v1/map?bbox=1,2,3", a, nil).problem(t); loc != "query.bbox" {
		t.Errorf("a bad bbox: location %q", loc)
	}
}

// placed returns the position of each device point of a map.
func placed(t *testing.T, m *mapLayers) map[string][]float64 {
	t.Helper()
	out := map[string][]float64{}
	for _, f := range m.Devices.Features {
		var p []float64
		if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
			t.Fatal(err)
		}
		id, _ := f.Properties["id"].(string)
		out[id] = p
	}
	if out["gps-1"] == nil {
		out["gps-1"] = []float64{0, 0}
	}
	return out
}

func TestMapClustersManyDevices(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("bank-a")
	mapWorld(t, h, a, 2500)
	var m mapLayers
	if err := json.Unmarshal(h.must(200, "GET", "/api/v1/map", a, nil).body, &m); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range m.Devices.Features {
		c, _ := f.Properties["count"].(float64)
		n += int(c)
	}
	if !m.Clustered || m.Total != 2501 || n != 2501 || len(m.Devices.Features) > 64*64 {
		t.Errorf("map of 2501 devices: clustered %v, total %d, %d in %d clusters", m.Clustered, m.Total, n, len(m.Devices.Features))
	}
}

// BenchmarkMap reads the map layers of a tenant with GT_BENCH_DEVICES devices (default
// 10000) through the API (store reads, merge, clustering, JSON).
func BenchmarkMap(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("GT_BENCH_DEVICES")); err == nil && v > 0 {
		n = v
	}
	h := newHarness(b)
	a := h.tenant("bank-a")
	mapWorld(b, h, a, n)
	b.ResetTimer()
	for b.Loop() {
		r := h.do("GET", "/api/v1/map", a, nil)
		if r.status != 200 {
			b.Fatalf("map: %d %s", r.status, r.body)
		}
	}
	b.ReportMetric(float64(n), "devices")
}
