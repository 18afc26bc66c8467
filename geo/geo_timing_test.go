package geo_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"groundtruth/geo"
)

// points returns n longitude/latitude pairs spread over UTM zone 33 and a little beyond.
func points(n int) [][2]float64 {
	rng := rand.New(rand.NewPCG(1, 33))
	p := make([][2]float64, n)
	for i := range p {
		p[i] = [2]float64{15 + 8*(rng.Float64()-0.5), 80 * rng.Float64()}
	}
	return p
}

// BenchmarkForward measures one WGS84 to UTM conversion; an op is one point.
func BenchmarkForward(b *testing.B) {
	p := points(1024)
	b.ReportAllocs()
	i := 0
	var sink float64
	for b.Loop() {
		x, y, err := geo.Forward(32633, p[i&1023][0], p[i&1023][1])
		if err != nil {
			b.Fatal(err)
		}
		sink += x + y
		i++
	}
	_ = sink
}

// BenchmarkInverse measures one UTM to WGS84 conversion; an op is one point.
func BenchmarkInverse(b *testing.B) {
	p := points(1024)
	for i := range p {
		x, y, err := geo.Forward(32633, p[i][0], p[i][1])
		if err != nil {
			b.Fatal(err)
		}
		p[i] = [2]float64{x, y}
	}
	b.ReportAllocs()
	i := 0
	var sink float64
	for b.Loop() {
		lon, lat, err := geo.Inverse(32633, p[i&1023][0], p[i&1023][1])
		if err != nil {
			b.Fatal(err)
		}
		sink += lon + lat
		i++
	}
	_ = sink
}

// BenchmarkSpans rasterises a concave polygon of 1000 vertices (a star whose radius
// varies between 30% and 50% of the tile) over a 10980 × 10980 grid, the size of a
// Sentinel-2 tile at 10 m. An op is the whole polygon; pixels/op is the count inside.
func BenchmarkSpans(b *testing.B) {
	const size = 10980
	rng := rand.New(rand.NewPCG(10980, 1000))
	ring := make([][2]float64, 0, 1001)
	for i := range 1000 {
		a := 2 * math.Pi * float64(i) / 1000
		r := size * (0.3 + 0.2*rng.Float64())
		ring = append(ring, [2]float64{size/2 + r*math.Cos(a), size/2 + r*math.Sin(a)})
	}
	m := geo.MultiPolygon{{append(ring, ring[0])}}
	b.ReportAllocs()
	var pixels int
	for b.Loop() {
		pixels = 0
		for s := range geo.Spans(m, size, size) {
			pixels += s.Col1 - s.Col0
		}
	}
	b.ReportMetric(float64(pixels), "pixels/op")
}

// BenchmarkTransformPolygon reprojects a 1000-vertex field boundary from longitude and
// latitude to UTM; an op is the whole polygon.
func BenchmarkTransformPolygon(b *testing.B) {
	ring := make([][2]float64, 0, 1001)
	for i := range 1000 {
		a := 2 * math.Pi * float64(i) / 1000
		ring = append(ring, [2]float64{14.56 + 0.01*math.Cos(a), 45.87 + 0.01*math.Sin(a)})
	}
	m := geo.MultiPolygon{{append(ring, ring[0])}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Transform(geo.LonLat, 32633); err != nil {
			b.Fatal(err)
		}
	}
}
