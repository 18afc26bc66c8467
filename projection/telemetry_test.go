package projection_test

import (
	"reflect"
	"testing"

	gt "groundtruth"
	"groundtruth/projection"
)

// checkRow checks that r has one column per field of T, every field pointed to once, so
// that a field added to T without a column fails here instead of going unstored.
func checkRow[T any](t *testing.T, r projection.Row[T]) {
	t.Helper()
	var v T
	rv := reflect.ValueOf(&v).Elem()
	fields := r.Fields(&v)
	if len(fields) != len(r.Cols) {
		t.Errorf("%s: %d fields for %d columns", r.Table, len(fields), len(r.Cols))
	}
	if r.Key < 1 || r.Key > len(r.Cols) || r.Cols[0] != "tenant_id" {
		t.Errorf("%s: key of %d columns from %q, want tenant_id first", r.Table, r.Key, r.Cols[0])
	}
	seen := map[uintptr]bool{}
	for _, f := range fields {
		p := reflect.ValueOf(f)
		if p.Kind() != reflect.Pointer {
			t.Errorf("%s: field %v is not a pointer", r.Table, f)
			continue
		}
		seen[p.Pointer()] = true
	}
	for i := range rv.NumField() {
		if !seen[rv.Field(i).Addr().Pointer()] {
			t.Errorf("%s: no column for %T.%s", r.Table, v, rv.Type().Field(i).Name)
		}
	}
	cols := map[string]bool{}
	for _, c := range r.Cols {
		if cols[c] {
			t.Errorf("%s: column %s twice", r.Table, c)
		}
		cols[c] = true
	}
}

// TestRowsCoverEveryField checks the telemetry tables against their record types.
func TestRowsCoverEveryField(t *testing.T) {
	checkRow[gt.DeviceHealth](t, projection.Health)
	checkRow[gt.SeriesBucket](t, projection.Series)
}
