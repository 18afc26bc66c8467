package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	gt "groundtruth"
)

// testFieldObservations: a crop field's observations are kept by (tenant, field,
// acquisition, scene), read oldest first within [from, to), the newest when a limit
// cuts, one field and tenant at a time.
func testFieldObservations(t *testing.T, s gt.Store) {
	ctx := context.Background()
	seedTenants(t, s, 1, tenantA, tenantB)
	day := epoch.UTC().Truncate(24 * time.Hour)
	ob := func(tenant, field string, d int, scene string, mean float64) gt.FieldObservation {
		return gt.FieldObservation{TenantID: tenant, Scene: scene, At: day.AddDate(0, 0, d).Add(10 * time.Hour), Source: "S2",
			FieldStats: gt.FieldStats{CollateralID: field, Pixels: 10, Valid: 8, Cloud: 2, Mean: mean, Std: 0.05, P10: mean - 0.1,
				P50: mean, P90: mean + 0.1}, Seq: uint64(10 + d)}
	}
	var all []gt.FieldObservation
	for d := range 4 {
		all = append(all, ob(tenantA, "field-1", 5*d, "scene-"+string(rune('a'+d)), 0.2+0.1*float64(d)))
	}
	// Two scenes acquired at the same time (two tiles): both kept.
	twin := ob(tenantA, "field-1", 15, "scene-z", 0.55)
	apply(t, s, &gt.Changes{Seq: 20, FieldObservations: append(append([]gt.FieldObservation(nil), all...), twin,
		ob(tenantA, "field-2", 0, "scene-a", 0.9), ob(tenantB, "field-1", 0, "scene-a", 0.1))})
	all = append(all, twin)
	// The same scene again: replaced.
	all[1].Mean = 0.33
	apply(t, s, &gt.Changes{Seq: 21, FieldObservations: []gt.FieldObservation{all[1]}})

	read := func(tenant, field string, from, to time.Time, limit int) []gt.FieldObservation {
		t.Helper()
		os, err := s.FieldObservations(ctx, tenant, field, from, to, limit)
		if err != nil {
			t.Fatalf("FieldObservations(%s, %s) = %v", tenant, field, err)
		}
		return os
	}
	far := day.AddDate(1, 0, 0)
	want := []gt.FieldObservation{all[0], all[1], all[2], all[3], all[4]}
	if got := read(tenantA, "field-1", time.Time{}, far, 100); !reflect.DeepEqual(got, want) {
		t.Errorf("FieldObservations(all) =\n%+v\nwant\n%+v", got, want)
	}
	if got := read(tenantA, "field-1", day.AddDate(0, 0, 5), day.AddDate(0, 0, 11), 100); !reflect.DeepEqual(got, all[1:3]) {
		t.Errorf("FieldObservations(days 5-10) = %+v", got)
	}
	if got := read(tenantA, "field-1", time.Time{}, far, 2); !reflect.DeepEqual(got, all[3:5]) {
		t.Errorf("FieldObservations(limit 2) = %+v, want the newest two, oldest first", got)
	}
	if got := read(tenantB, "field-1", time.Time{}, far, 100); len(got) != 1 || got[0].Mean != 0.1 {
		t.Errorf("tenant B's observations = %+v", got)
	}
	if got := read(tenantB, "field-2", time.Time{}, far, 100); len(got) != 0 {
		t.Errorf("tenant B reads tenant A's field-2: %+v", got)
	}
}
