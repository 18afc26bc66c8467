package geo_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"groundtruth/geo"
)

// mask returns the pixels Spans includes, checking on the way that the spans come row by
// row, left to right, merged, non-empty and inside the raster.
func mask(t *testing.T, m geo.MultiPolygon, cols, rows int) []bool {
	t.Helper()
	in := make([]bool, cols*rows)
	last := geo.Span{Row: -1}
	for s := range geo.Spans(m, cols, rows) {
		if s.Row < 0 || s.Row >= rows || s.Col0 < 0 || s.Col1 > cols || s.Col0 >= s.Col1 {
			t.Fatalf("span %+v outside a %d × %d raster or empty", s, cols, rows)
		}
		if s.Row < last.Row || (s.Row == last.Row && s.Col0 <= last.Col1) {
			t.Fatalf("span %+v after %+v: out of order, overlapping or not merged", s, last)
		}
		for c := s.Col0; c < s.Col1; c++ {
			in[s.Row*cols+c] = true
		}
		last = s
	}
	return in
}

// bruteForce compares Spans with PointInPolygon at every pixel centre and returns the
// number of pixels inside.
func bruteForce(t *testing.T, name string, m geo.MultiPolygon, cols, rows int) int {
	t.Helper()
	in := mask(t, m, cols, rows)
	n, bad := 0, 0
	for r := range rows {
		for c := range cols {
			want := geo.PointInPolygon(m, float64(c)+0.5, float64(r)+0.5)
			if in[r*cols+c] != want {
				if bad < 5 {
					t.Errorf("%s: pixel (%d, %d): Spans says %v, PointInPolygon %v", name, c, r, in[r*cols+c], want)
				}
				bad++
			}
			if want {
				n++
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d × %d pixels differ", name, bad, cols, rows)
	}
	return n
}

// star returns a closed ring of n vertices around (cx, cy) at radii drawn from
// [rmin, rmax] (concave for rmin < rmax), optionally snapped to a grid of step snap.
func star(rng *rand.Rand, cx, cy, rmin, rmax float64, n int, snap float64) [][2]float64 {
	ring := make([][2]float64, 0, n+1)
	for i := range n {
		a := 2 * math.Pi * (float64(i) + 0.8*rng.Float64()) / float64(n)
		r := rmin + (rmax-rmin)*rng.Float64()
		x, y := cx+r*math.Cos(a), cy+r*math.Sin(a)
		if snap > 0 {
			x, y = math.Round(x/snap)*snap, math.Round(y/snap)*snap
		}
		ring = append(ring, [2]float64{x, y})
	}
	return append(ring, ring[0])
}

// TestSpansBruteForce compares Spans with PointInPolygon over random polygons: concave
// stars with and without holes, multipolygons, self-intersecting vertex soups, polygons
// reaching past the raster, and polygons snapped to the half-pixel grid so that vertices,
// horizontal edges and edges through pixel centres produce ties.
func TestSpansBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 2024))
	total := 0
	for i := range 600 {
		cols, rows := 1+rng.IntN(70), 1+rng.IntN(70)
		w, h := float64(cols), float64(rows)
		snap := 0.0
		switch i % 3 {
		case 1:
			snap = 0.5 // vertices on pixel centres and corners
		case 2:
			snap = 1 // vertices on pixel corners, horizontal edges on row boundaries
		}
		var m geo.MultiPolygon
		var kind string
		switch i % 5 {
		case 0:
			kind = "concave star"
			m = geo.MultiPolygon{{star(rng, w/2, h/2, 0.1*w, 0.6*w, 3+rng.IntN(40), snap)}}
		case 1:
			kind = "star with holes"
			cx, cy, r := w*rng.Float64(), h*rng.Float64(), 0.2*w+0.5*h*rng.Float64()
			p := geo.Polygon{star(rng, cx, cy, 0.5*r, r, 5+rng.IntN(30), snap)}
			for range 1 + rng.IntN(2) {
				p = append(p, star(rng, cx+0.1*r*rng.NormFloat64(), cy+0.1*r*rng.NormFloat64(), 0.05*r, 0.25*r, 3+rng.IntN(8), snap))
			}
			m = geo.MultiPolygon{p}
		case 2:
			kind = "multipolygon"
			for range 2 + rng.IntN(4) {
				cx, cy, r := w*rng.Float64(), h*rng.Float64(), 1+0.3*w*rng.Float64()
				m = append(m, geo.Polygon{star(rng, cx, cy, 0.3*r, r, 3+rng.IntN(12), snap)})
			}
		case 3:
			kind = "vertex soup"
			n := 3 + rng.IntN(25)
			var ring [][2]float64
			for range n {
				x, y := -0.2*w+1.4*w*rng.Float64(), -0.2*h+1.4*h*rng.Float64()
				if snap > 0 {
					x, y = math.Round(x/snap)*snap, math.Round(y/snap)*snap
				}
				ring = append(ring, [2]float64{x, y})
			}
			m = geo.MultiPolygon{{ring}} // open ring: the last vertex joins the first
		case 4:
			kind = "axis-aligned boxes"
			for range 1 + rng.IntN(4) {
				x0, y0 := math.Round(2*w*rng.Float64())/2-1, math.Round(2*h*rng.Float64())/2-1
				x1, y1 := x0+math.Round(2*w*rng.Float64())/2, y0+math.Round(2*h*rng.Float64())/2
				m = append(m, geo.Polygon{square(x0, y0, x1, y1)})
			}
		}
		total += bruteForce(t, fmt.Sprintf("case %d (%s, snap %v, %d × %d)", i, kind, snap, cols, rows), m, cols, rows)
	}
	if total == 0 {
		t.Fatal("no pixel inside any polygon: the test tests nothing")
	}
}

func TestSpansSimple(t *testing.T) {
	collect := func(m geo.MultiPolygon, cols, rows int) []geo.Span {
		var out []geo.Span
		for s := range geo.Spans(m, cols, rows) {
			out = append(out, s)
		}
		return out
	}
	// The square [0.5, 1.5]² has pixel (0, 0)'s centre on its bottom-left corner (in) and
	// pixel (1, 1)'s on its top-right corner (out).
	if got := collect(geo.MultiPolygon{{square(0.5, 0.5, 1.5, 1.5)}}, 3, 3); len(got) != 1 || got[0] != (geo.Span{Row: 0, Col0: 0, Col1: 1}) {
		t.Errorf("Spans([0.5, 1.5]²) = %v, want [{0 0 1}]", got)
	}
	// A polygon larger than the raster covers every row in full.
	got := collect(geo.MultiPolygon{{square(-10, -10, 100, 100)}}, 7, 4)
	if len(got) != 4 {
		t.Fatalf("Spans(cover) = %v, want 4 full rows", got)
	}
	for r, s := range got {
		if s != (geo.Span{Row: r, Col0: 0, Col1: 7}) {
			t.Errorf("Spans(cover) row %d = %+v", r, s)
		}
	}
	// Two polygons sharing an edge make one run.
	two := geo.MultiPolygon{{square(0, 0, 2, 1)}, {reversed(square(2, 0, 5, 1))}}
	if got := collect(two, 6, 1); len(got) != 1 || got[0] != (geo.Span{Row: 0, Col0: 0, Col1: 5}) {
		t.Errorf("Spans(two adjacent boxes) = %v, want [{0 0 5}]", got)
	}
	// Nothing, nothing visible, or no raster.
	for _, c := range []struct {
		m          geo.MultiPolygon
		cols, rows int
	}{
		{nil, 10, 10},
		{geo.MultiPolygon{{square(20, 20, 30, 30)}}, 10, 10},
		{geo.MultiPolygon{{square(-5, 2, -1, 8)}}, 10, 10},
		{geo.MultiPolygon{{square(0, 0, 5, 5)}}, 0, 10},
		{geo.MultiPolygon{{square(0, 0, 5, 5)}}, 10, -1},
		{geo.MultiPolygon{{{{0, 0}, {math.NaN(), 3}, {math.Inf(1), 1}}}}, 10, 10},
		{geo.MultiPolygon{{square(0, 0.6, 10, 1.4)}}, 10, 10}, // between two rows of centres
	} {
		if got := collect(c.m, c.cols, c.rows); len(got) != 0 {
			t.Errorf("Spans(%v, %d, %d) = %v, want none", c.m, c.cols, c.rows, got)
		}
	}
	// The sequence stops when asked.
	n := 0
	for range geo.Spans(geo.MultiPolygon{{square(0, 0, 10, 10)}}, 10, 10) {
		n++
		if n == 3 {
			break
		}
	}
	if n != 3 {
		t.Errorf("stopped after %d spans, want 3", n)
	}
}

// landsat is the grid of shared/data/satellite/landsat8/l8_B4.tif: 627 × 603 pixels of
// 30 m in EPSG:32616, whose GeoTIFF tie point (452 490, 3 408 630) is a PixelIsPoint
// centre, so the outer corner of pixel (0, 0) is half a pixel up and left.
var landsat = geo.GeoTransform{X0: 452475, DX: 30, Y0: 3408645, DY: -30}

// TestSpansLandsatGrid rasterises a field drawn in longitude and latitude over the
// Landsat grid: a concave outline with two holes plus a separate second part, reprojected
// to UTM zone 16N. Every pixel agrees with PointInPolygon in pixel coordinates, and in
// model coordinates (pixel centres in metres against the UTM polygon) but for centres
// within a micrometre of an edge; the pixel count times 900 m² matches the polygon area
// within the pixels the boundary crosses.
func TestSpansLandsatGrid(t *testing.T) {
	const cols, rows = 627, 603
	lon0, lat0, err := geo.Inverse(32616, 452475+cols*15, 3408645-rows*15) // the grid centre
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(16, 32616))
	deg := func(ring [][2]float64) [][2]float64 { // metres around the centre to degrees
		out := make([][2]float64, len(ring))
		for i, p := range ring {
			out[i] = [2]float64{lon0 + p[0]/96_000, lat0 + p[1]/110_900}
		}
		return out
	}
	field := geo.MultiPolygon{
		{
			deg(star(rng, 0, 0, 2_500, 8_500, 120, 0)),
			deg(star(rng, -1_000, 500, 300, 900, 25, 0)),
			deg(square(1_200, -1_500, 2_000, -300)),
		},
		{deg(star(rng, 7_000, 7_000, 500, 1_500, 12, 0))},
	}
	utm, err := field.Transform(geo.LonLat, 32616)
	if err != nil {
		t.Fatal(err)
	}
	px, err := landsat.ToPixels(utm)
	if err != nil {
		t.Fatal(err)
	}
	n := bruteForce(t, "landsat grid", px, cols, rows)

	in := mask(t, px, cols, rows)
	near := 0
	for r := range rows {
		for c := range cols {
			x, y := landsat.Model(float64(c)+0.5, float64(r)+0.5)
			if geo.PointInPolygon(utm, x, y) != in[r*cols+c] {
				if d := edgeDistance(utm, x, y); d > 1e-6 {
					t.Errorf("pixel (%d, %d): centre (%v, %v) %.3g m from the boundary disagrees", c, r, x, y, d)
				}
				near++
			}
		}
	}
	area := geo.Area(utm)
	perimeter := 0.0
	for _, p := range utm {
		for _, ring := range p {
			for i := 0; i+1 < len(ring); i++ {
				perimeter += math.Hypot(ring[i+1][0]-ring[i][0], ring[i+1][1]-ring[i][1])
			}
		}
	}
	if d := math.Abs(float64(n)*900 - area); d > perimeter*30*math.Sqrt2 || n < 10_000 {
		t.Errorf("%d pixels = %.0f m², polygon %.0f m² (perimeter %.0f m)", n, float64(n)*900, area, perimeter)
	}
	t.Logf("landsat grid: %d of %d pixels inside (%.0f m² against %.0f m²), %d model-space ties", n, cols*rows, float64(n)*900, area, near)
}

// edgeDistance returns the distance from (x, y) to the nearest edge of m.
func edgeDistance(m geo.MultiPolygon, x, y float64) float64 {
	best := math.Inf(1)
	for _, p := range m {
		for _, ring := range p {
			for i := range ring {
				a, b := ring[i], ring[(i+1)%len(ring)]
				dx, dy := b[0]-a[0], b[1]-a[1]
				u := 0.0
				if l := dx*dx + dy*dy; l > 0 {
					u = math.Max(0, math.Min(1, ((x-a[0])*dx+(y-a[1])*dy)/l))
				}
				best = math.Min(best, math.Hypot(x-a[0]-u*dx, y-a[1]-u*dy))
			}
		}
	}
	return best
}

// TestSpansSentinelFields rasterises the 88 real parcels of the Slovenian test patch
// over its Sentinel-2 NDVI grid (shared/data/satellite/sentinel2-slovenia/
// derived_s2_ndvi_timeseries_68bands.tif: 100 × 101 pixels of about 10 m in EPSG:32633,
// GDAL geotransform origin (465 181.052, 5 080 254.633)), checks them against
// PointInPolygon, and checks that every pixel belongs to exactly one parcel.
func TestSpansSentinelFields(t *testing.T) {
	data := readData(t, "satellite/sentinel2-slovenia/derived_LULC_fields_wgs84.geojson")
	var fc struct {
		Features []struct {
			Geometry json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		t.Fatal(err)
	}
	g := geo.GeoTransform{X0: 465181.0522318204, DX: 9.99479222007154, Y0: 5080254.63349641, DY: -9.997448467363668}
	pixels := 0
	cover := make([]int, 100*101)
	for i, f := range fc.Features {
		m, crs, err := geo.DecodeGeoJSON(f.Geometry)
		if err != nil {
			t.Fatal(err)
		}
		utm, err := m.Transform(crs, 32633)
		if err != nil {
			t.Fatal(err)
		}
		px, err := g.ToPixels(utm)
		if err != nil {
			t.Fatal(err)
		}
		pixels += bruteForce(t, fmt.Sprintf("parcel %d", i), px, 100, 101)
		for s := range geo.Spans(px, 100, 101) {
			for c := s.Col0; c < s.Col1; c++ {
				cover[s.Row*100+c]++
			}
		}
	}
	// The parcels are a land-cover map: they tile the patch, so by the tie rule every
	// pixel centre falls in exactly one of them.
	for i, n := range cover {
		if n != 1 {
			t.Errorf("pixel (%d, %d) is in %d parcels, want 1", i%100, i/100, n)
		}
	}
	if pixels < 1000 {
		t.Errorf("the parcels cover %d pixels of the patch, want most of its 10 100", pixels)
	}
	t.Logf("88 parcels cover %d pixel centres of the 100 × 101 patch", pixels)
}

func TestGeoTransform(t *testing.T) {
	col, row := landsat.Pixel(452475+30*10.5, 3408645-30*20.5)
	if col != 10.5 || row != 20.5 {
		t.Errorf("Pixel = %v, %v, want 10.5, 20.5", col, row)
	}
	if x, y := landsat.Model(col, row); x != 452475+30*10.5 || y != 3408645-30*20.5 {
		t.Errorf("Model(Pixel(p)) = %v, %v", x, y)
	}
	for _, g := range []geo.GeoTransform{{DX: 0, DY: -1}, {DX: 1, DY: 0}, {DX: math.NaN(), DY: -1}, {X0: math.Inf(1), DX: 1, DY: -1}} {
		if _, err := g.ToPixels(geo.MultiPolygon{{square(0, 0, 1, 1)}}); err == nil {
			t.Errorf("ToPixels with %+v succeeded, want an error", g)
		}
	}
}
