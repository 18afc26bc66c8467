package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	gt "groundtruth"
)

// Pointers to reading values.
func num(v float64) *float64 { return &v }
func flag(b bool) *bool      { return &b }
func text(s string) *string  { return &s }

// healthAt is the time of the health fixtures: whole microseconds, as the engine emits.
var healthAt = time.Date(2026, 4, 20, 6, 45, 12, 345678000, time.UTC)

// healthRows returns device health rows of tenant: a load cell that reports readings of
// every kind and has refused payloads, a GPS tracker that only sent a status (nil maps),
// and a collar whose every pack was refused (no times but empty maps).
func healthRows(tenant string) []gt.DeviceHealth {
	at := healthAt
	return []gt.DeviceHealth{
		{TenantID: tenant, DeviceID: "lc-qd3-bay-a-01", State: gt.StateOnline, StateAt: at.Add(-36 * time.Hour),
			LastSeen: at, LastReadingAt: at.Add(-2*time.Second - 1*time.Microsecond),
			LastSeq: 1<<53 - 1, LastDigest: "9f86d081884c7d659a2feaa0c55ad015", Packs: 1_204, Readings: 9_632,
			Duplicates: 3, Late: 1,
			Rejected: map[string]uint64{gt.ReasonSignature: 2, gt.ReasonReplay: 1},
			Last: map[string]gt.Reading{
				"weight": {Name: "weight", Unit: "kg", T: at.Add(-2*time.Second - time.Microsecond).UnixMicro(), V: num(248_731.25)},
				"temp":   {Name: "temp", Unit: "Cel", T: at.Add(-time.Minute).UnixMicro(), V: num(0)},
				"door":   {Name: "door", T: at.Add(-time.Hour).UnixMicro(), B: flag(false)},
				"tags":   {Name: "tags", T: at.Add(-time.Hour).UnixMicro(), S: text("BR076000104511,BR076000104512")},
				"note":   {Name: "note", T: at.Add(-time.Hour).UnixMicro(), S: text("")},
			},
			Seq: 812},
		{TenantID: tenant, DeviceID: "gps-wba8e1c5", State: gt.StatePowerCut, StateAt: at.Add(-90 * time.Second),
			LastSeen: at.Add(-90 * time.Second), Packs: 1, Seq: 790},
		{TenantID: tenant, DeviceID: "collar-br076000104511", State: "unknown",
			Rejected: map[string]uint64{gt.ReasonUnsigned: 5}, Last: map[string]gt.Reading{}, Seq: 801},
	}
}

// everyField fails the test when a field of the fixture r is zero: a round trip of it
// then covers every column, and a field added to the type needs a value here.
func everyField(t *testing.T, what string, r any) {
	t.Helper()
	rv := reflect.ValueOf(r)
	for i := range rv.NumField() {
		if rv.Field(i).IsZero() {
			t.Fatalf("fixture %s leaves %s zero; set it so that the round trip covers it", what, rv.Type().Field(i).Name)
		}
	}
}

// healthChanges returns changes writing rows at seq.
func healthChanges(seq uint64, rows ...gt.DeviceHealth) *gt.Changes {
	return &gt.Changes{Seq: seq, Health: rows}
}

// deviceHealthID is the id of a health row, for walk and byID.
func deviceHealthID(r *gt.DeviceHealth) string { return r.DeviceID }

// checkHealth reads every row of want one by one and as a list, and compares.
func checkHealth(t *testing.T, s gt.Store, tenant string, want []gt.DeviceHealth) {
	t.Helper()
	ctx := context.Background()
	for i := range want {
		w := &want[i]
		get(t, describe("DeviceHealth", tenant, w.DeviceID),
			func() (*gt.DeviceHealth, error) { return s.DeviceHealth(ctx, tenant, w.DeviceID) }, w)
	}
	all := walk(t, "DeviceHealths", 50, deviceHealthID, func(o gt.ListOptions) ([]gt.DeviceHealth, error) {
		return s.DeviceHealths(ctx, tenant, o)
	})
	equal(t, "DeviceHealths("+tenant+")", all, byID(want, deviceHealthID))
}

// testHealthRoundTrip writes health rows and reads them back equal: maps with readings
// of every kind, nil and empty maps, microsecond and zero times, times given in another
// zone (read back in UTC).
func testHealthRoundTrip(t *testing.T, s gt.Store) {
	seedTenants(t, s, 1, tenantA)
	rows := healthRows(tenantA)
	everyField(t, "healthRows()[0]", rows[0])
	everyField(t, "weightBuckets()[0]", weightBuckets(tenantA)[0])
	zoned := slices.Clone(rows)
	cst := time.FixedZone("CST", 8*3600)
	zoned[0].StateAt, zoned[0].LastSeen = rows[0].StateAt.In(cst), rows[0].LastSeen.In(cst)
	apply(t, s, healthChanges(2, zoned...))
	checkHealth(t, s, tenantA, rows)
	if got := projected(t, s); got != 2 {
		t.Errorf("ProjectedSeq after health = %d, want 2", got)
	}
	h, err := s.DeviceHealth(context.Background(), tenantA, rows[0].DeviceID)
	if err == nil && h.LastSeen.Location() != time.UTC {
		t.Errorf("DeviceHealth.LastSeen = %v, want it in UTC", h.LastSeen)
	}
}

// testHealthReplace writes a device's health again and expects the new row whole: map
// entries dropped, times set back to zero, counters lowered.
func testHealthReplace(t *testing.T, s gt.Store) {
	seedTenants(t, s, 1, tenantA)
	rows := healthRows(tenantA)
	apply(t, s, healthChanges(2, rows...))

	next := rows[0]
	next.State, next.StateAt = gt.StateTamper, healthAt.Add(time.Second)
	next.LastSeen, next.LastReadingAt = healthAt.Add(time.Second+time.Microsecond), time.Time{}
	next.LastSeq, next.Packs, next.Readings, next.Duplicates, next.Late = 7, 1, 0, 0, 0
	next.LastDigest = "2c26b46b68ffc68ff99b453c1d304134"
	next.Rejected = map[string]uint64{gt.ReasonReplay: 4}
	next.Last = map[string]gt.Reading{"door": {Name: "door", T: healthAt.UnixMicro(), B: flag(true)}}
	next.Seq = 815
	gps := rows[1]
	gps.Rejected, gps.Last = map[string]uint64{}, map[string]gt.Reading{"lat": {Name: "lat", Unit: "lat", T: 1, V: num(-15.6012)}}
	apply(t, s, healthChanges(3, next, gps))
	checkHealth(t, s, tenantA, []gt.DeviceHealth{next, gps, rows[2]})

	// Of two rows of one device in the same changes, the last is kept.
	first, second := next, next
	first.Packs, first.Seq = 100, 820
	second.Packs, second.Seq = 101, 821
	apply(t, s, healthChanges(4, first, rows[2], second))
	checkHealth(t, s, tenantA, []gt.DeviceHealth{second, gps, rows[2]})
}

// testHealthNotFound checks ENOTFOUND for a device that has not reported, before and
// after others did, and that each tenant sees only its own rows.
func testHealthNotFound(t *testing.T, s gt.Store) {
	ctx := context.Background()
	notFound(t, "DeviceHealth(empty store)", func() (*gt.DeviceHealth, error) {
		return s.DeviceHealth(ctx, tenantA, "lc-qd3-bay-a-01")
	})
	seedTenants(t, s, 1, tenantA, tenantB)
	a := healthRows(tenantA)
	b := healthRows(tenantB)[:2]
	b[0].Packs, b[0].Last = 5, map[string]gt.Reading{"weight": {Name: "weight", Unit: "kg", T: 2, V: num(12.5)}}
	apply(t, s, healthChanges(2, a[0], a[2], b[0]))
	apply(t, s, healthChanges(3, b[1]))

	notFound(t, "DeviceHealth(A, device without health)", func() (*gt.DeviceHealth, error) {
		return s.DeviceHealth(ctx, tenantA, "gps-wba8e1c5")
	})
	notFound(t, "DeviceHealth(A, unknown device)", func() (*gt.DeviceHealth, error) {
		return s.DeviceHealth(ctx, tenantA, "no-such-device")
	})
	notFound(t, "DeviceHealth(A, B's device)", func() (*gt.DeviceHealth, error) {
		return s.DeviceHealth(ctx, tenantA, b[1].DeviceID)
	})
	notFound(t, "DeviceHealth(B, A's device)", func() (*gt.DeviceHealth, error) {
		return s.DeviceHealth(ctx, tenantB, a[2].DeviceID)
	})
	for _, tenant := range []string{"", "no-such-bank", "NORTHWIND-BANK"} {
		notFound(t, describe("DeviceHealth", tenant, a[0].DeviceID), func() (*gt.DeviceHealth, error) {
			return s.DeviceHealth(ctx, tenant, a[0].DeviceID)
		})
		if got, err := s.DeviceHealths(ctx, tenant, gt.ListOptions{}); err != nil || len(got) != 0 {
			t.Errorf("DeviceHealths(%q) = %d rows, %v; want none", tenant, len(got), err)
		}
	}
	checkHealth(t, s, tenantA, []gt.DeviceHealth{a[0], a[2]})
	checkHealth(t, s, tenantB, b)
}

// testHealthPaging walks the health rows of many devices page by page, in byte order of
// the device id, and checks the default and maximum page sizes.
func testHealthPaging(t *testing.T, s gt.Store) {
	ctx := context.Background()
	seedTenants(t, s, 1, tenantA, tenantB)
	proto := healthRows(tenantA)[0]
	var rows []gt.DeviceHealth
	for _, id := range []string{"b-2", "B-2", "a.1", "a-1", "a_1", "A:1", "Z9", "z9", "0-first", "_x", "a1", "A1", "b-10"} {
		h := proto
		h.DeviceID = id
		rows = append(rows, h)
	}
	for i := range gt.MaxPageSize + 1 {
		h := proto
		h.DeviceID, h.Packs = fmt.Sprintf("tag-%04d", i), uint64(i)
		rows = append(rows, h)
	}
	apply(t, s, healthChanges(2, rows...))
	other := proto
	other.TenantID, other.DeviceID = tenantB, "b-3"
	apply(t, s, healthChanges(3, other))

	list := func(o gt.ListOptions) ([]gt.DeviceHealth, error) { return s.DeviceHealths(ctx, tenantA, o) }
	want := byID(rows, deviceHealthID)
	for _, limit := range []int{1, 7, 100, gt.MaxPageSize} {
		got := walk(t, "DeviceHealths", limit, deviceHealthID, list)
		if !slices.Equal(ids(got, deviceHealthID), ids(want, deviceHealthID)) {
			t.Errorf("DeviceHealths walked with limit %d = %d rows, want %d in byte order of the id", limit, len(got), len(want))
		}
	}
	equal(t, "DeviceHealths walked", walk(t, "DeviceHealths", 100, deviceHealthID, list), want)
	for _, tc := range []struct{ limit, want int }{{0, gt.DefaultPageSize}, {gt.MaxPageSize + 1, gt.MaxPageSize}} {
		if got, err := list(gt.ListOptions{Limit: tc.limit}); err != nil || len(got) != tc.want {
			t.Errorf("DeviceHealths(Limit %d) = %d rows, %v; want %d", tc.limit, len(got), err, tc.want)
		}
	}
	// A cursor need not be a device that reported.
	got, err := list(gt.ListOptions{After: "tag-0499x", Limit: 1})
	if err != nil || len(got) != 1 || got[0].DeviceID != "tag-0500" {
		t.Errorf("DeviceHealths(after tag-0499x) = %v, %v; want tag-0500", ids(got, deviceHealthID), err)
	}
}
