package groundtruth_test

import (
	"math"
	"testing"

	gt "groundtruth"
)

func ring(pts ...[2]float64) [][2]float64 { return append(pts, pts[0]) }

func TestPolygonValidate(t *testing.T) {
	sq := ring([2]float64{0, 0}, [2]float64{1, 0}, [2]float64{1, 1}, [2]float64{0, 1})
	tests := []struct {
		name  string
		rings [][][2]float64
		field string // "" = valid
	}{
		{"square", [][][2]float64{sq}, ""},
		{"square with hole", [][][2]float64{sq, ring([2]float64{0.2, 0.2}, [2]float64{0.4, 0.2}, [2]float64{0.4, 0.4})}, ""},
		{"bow tie", [][][2]float64{ring([2]float64{0, 0}, [2]float64{1, 1}, [2]float64{1, 0}, [2]float64{0, 1})}, "coordinates[0]"},
		{"hole outside", [][][2]float64{sq, ring([2]float64{2, 2}, [2]float64{3, 2}, [2]float64{3, 3})}, "coordinates[1][0]"},
		{"hole across the notch of a U", [][][2]float64{
			ring([2]float64{0, 0}, [2]float64{3, 0}, [2]float64{3, 3}, [2]float64{2, 3}, [2]float64{2, 1}, [2]float64{1, 1}, [2]float64{1, 3}, [2]float64{0, 3}),
			ring([2]float64{0.5, 2}, [2]float64{2.5, 2}, [2]float64{2.5, 2.5}, [2]float64{0.5, 2.5})}, "coordinates[1]"},
		{"hole touching the exterior", [][][2]float64{sq, ring([2]float64{0, 0.5}, [2]float64{0.5, 0.4}, [2]float64{0.5, 0.6})}, "coordinates[1]"},
		{"open ring", [][][2]float64{sq[:4]}, "coordinates[0]"},
		{"latitude 91", [][][2]float64{ring([2]float64{0, 0}, [2]float64{1, 0}, [2]float64{1, 91})}, "coordinates[0][2]"},
		{"NaN", [][][2]float64{ring([2]float64{0, 0}, [2]float64{math.NaN(), 0}, [2]float64{1, 1})}, "coordinates[0][1]"},
		{"collinear", [][][2]float64{ring([2]float64{0, 0}, [2]float64{1, 0}, [2]float64{2, 0})}, "coordinates[0]"},
		{"spike touching an edge", [][][2]float64{ring([2]float64{0, 0}, [2]float64{2, 0}, [2]float64{2, 2}, [2]float64{1, 0}, [2]float64{0, 2})}, "coordinates[0]"},
	}
	for _, tc := range tests {
		p := gt.Polygon{Type: "Polygon", Coordinates: tc.rings}
		err := p.Validate()
		if got := gt.ErrorField(err); got != tc.field || (tc.field == "" && err != nil) {
			t.Errorf("%s: Validate() = %v (field %q), want field %q", tc.name, err, got, tc.field)
		}
	}
}

// circle returns a ring of n vertices on a circle: simple, every edge short in x.
func circle(n int) [][2]float64 {
	var r [][2]float64
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		r = append(r, [2]float64{10 + math.Cos(a), 45 + math.Sin(a)})
	}
	return append(r, r[0])
}

func TestPolygonLargeRingAndLimit(t *testing.T) {
	p := gt.Polygon{Type: "Polygon", Coordinates: [][][2]float64{circle(3999)}}
	if err := p.Validate(); err != nil {
		t.Errorf("circle of 3999 vertices: %v", err)
	}
	p.Coordinates[0] = circle(4000)
	if err := p.Validate(); gt.ErrorField(err) != "coordinates" {
		t.Errorf("circle of 4000 vertices (4001 positions): %v, want a size error", err)
	}
}

func BenchmarkPolygonValidate(b *testing.B) {
	p := gt.Polygon{Type: "Polygon", Coordinates: [][][2]float64{circle(3999)}}
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPolygonCentre(t *testing.T) {
	sq := gt.Polygon{Type: "Polygon", Coordinates: [][][2]float64{{{10, 20}, {12, 20}, {12, 24}, {10, 24}, {10, 20}}}}
	if c, ok := sq.Centre(); !ok || c != [2]float64{11, 22} {
		t.Errorf("Centre of the square = %v, %v; want [11 22] (the closing vertex counted once)", c, ok)
	}
	for _, p := range []gt.Polygon{{}, {Coordinates: [][][2]float64{{}}}, {Coordinates: [][][2]float64{{{1, 1}}}}} {
		if c, ok := p.Centre(); ok {
			t.Errorf("Centre of %v = %v, want none", p.Coordinates, c)
		}
	}
}
