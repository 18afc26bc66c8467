package storetest

import (
	"context"
	"testing"
	"time"

	gt "groundtruth"
)

// testDevicePositions reads the map's view of the devices: every device of the tenant
// (those without health too), its binding and interval from the device record, its state,
// last seen time and newest lat/lon from its health row, and nothing of another tenant.
func testDevicePositions(t *testing.T, s gt.Store) {
	ctx := context.Background()
	c := seed(t, s, tenantA, 2)
	seed(t, s, tenantB, 3)
	rows := healthRows(tenantA)
	// The tracker has a position; the load cell only other readings; the collar none.
	rows[1].Last = map[string]gt.Reading{
		"lat": {Name: "lat", T: healthAt.UnixMicro(), V: num(48.137154)},
		"lon": {Name: "lon", T: healthAt.UnixMicro(), V: num(-11.576124)},
		"spd": {Name: "spd", T: healthAt.UnixMicro(), V: num(0)},
	}
	rows = rows[:2] // the collar has not reported
	other := healthRows(tenantB)
	other[1].Last = map[string]gt.Reading{"lat": {Name: "lat", V: num(1)}, "lon": {Name: "lon", V: num(2)}}
	apply(t, s, healthChanges(4, append(rows, other...)...))

	got, err := s.DevicePositions(ctx, tenantA)
	if err != nil {
		t.Fatalf("DevicePositions: %v", err)
	}
	var want []gt.DevicePosition
	for _, d := range c.Devices {
		want = append(want, gt.DevicePosition{DeviceID: d.ID, Kind: d.Kind, SiteID: d.SiteID, CollateralID: d.CollateralID,
			Interval: d.Interval.Std()})
	}
	// By id, as the store lists them: collar-..., gps-..., lc-...
	want[0], want[2] = want[2], want[0]
	want[2].Reported, want[2].State, want[2].LastSeen = true, rows[0].State, rows[0].LastSeen
	want[1].Reported, want[1].State, want[1].LastSeen = true, rows[1].State, rows[1].LastSeen
	want[1].Lat, want[1].Lon = num(48.137154), num(-11.576124)
	equal(t, "DevicePositions("+tenantA+")", got, want)

	none, err := s.DevicePositions(ctx, "no-such-tenant")
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("DevicePositions of an unknown tenant = %v, %v; want an empty list", none, err)
	}
	if got[1].LastSeen.Location() != time.UTC {
		t.Errorf("LastSeen %v, want UTC", got[1].LastSeen)
	}
}

// DevicePositionsFromDocuments checks DevicePositions on devices written before the
// interval column existed: nullInterval sets the column to NULL in every devices row
// (with the store's own SQL), and the intervals must still come back, read from the
// documents.
func DevicePositionsFromDocuments(t *testing.T, s gt.Store, nullInterval func(t *testing.T)) {
	t.Helper()
	c := seed(t, s, tenantA, 2)
	nullInterval(t)
	got, err := s.DevicePositions(context.Background(), tenantA)
	if err != nil {
		t.Fatalf("DevicePositions: %v", err)
	}
	want := map[string]time.Duration{}
	for _, d := range c.Devices {
		want[d.ID] = d.Interval.Std()
	}
	if len(got) != len(want) {
		t.Fatalf("DevicePositions: %d devices, want %d", len(got), len(want))
	}
	for _, p := range got {
		if p.Interval != want[p.DeviceID] || p.Interval == 0 {
			t.Errorf("device %s: interval %v, want %v from its document", p.DeviceID, p.Interval, want[p.DeviceID])
		}
	}
}
