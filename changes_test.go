package groundtruth_test

import (
	"reflect"
	"testing"

	gt "groundtruth"
)

// TestChangesReset: Reset empties every slice of a Changes, its records' too, and keeps
// their room; a slice field added later without Reset knowing fails here.
func TestChangesReset(t *testing.T) {
	var c gt.Changes
	c.Seq = 7
	slices := 0
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		for i := range v.NumField() {
			f := v.Field(i)
			switch f.Kind() {
			case reflect.Slice:
				f.Set(reflect.MakeSlice(f.Type(), 3, 5))
				slices++
			case reflect.Struct:
				if v.Type().Field(i).Anonymous {
					fill(f)
				}
			}
		}
	}
	fill(reflect.ValueOf(&c).Elem())
	if slices < 20 {
		t.Fatalf("filled %d slices, want all of Changes and Records", slices)
	}
	c.Reset()
	var check func(v reflect.Value, path string)
	check = func(v reflect.Value, path string) {
		for i := range v.NumField() {
			f, name := v.Field(i), path+v.Type().Field(i).Name
			switch f.Kind() {
			case reflect.Slice:
				if f.Len() != 0 || f.Cap() != 5 {
					t.Errorf("%s after Reset: len %d cap %d, want 0 and the room kept (5)", name, f.Len(), f.Cap())
				}
			case reflect.Struct:
				if v.Type().Field(i).Anonymous {
					check(f, name+".")
				}
			}
		}
	}
	check(reflect.ValueOf(&c).Elem(), "")
	if c.Seq != 0 || !c.Empty() {
		t.Errorf("after Reset: seq %d, empty %v", c.Seq, c.Empty())
	}
}
