package satellite_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"groundtruth/crop"
	"groundtruth/geo"
	"groundtruth/raster"
	"groundtruth/satellite"
)

// data returns the path of a file of ../shared/data/satellite, skipping the test when
// the shared data is absent (failing when GT_REQUIRE_DATA=1).
func data(t testing.TB, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{"..", "..", "shared", "data", "satellite"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("GT_REQUIRE_DATA") == "1" {
			t.Fatalf("GT_REQUIRE_DATA=1 but %s: %v", p, err)
		}
		t.Skipf("shared data missing: %v", err)
	}
	return p
}

func open(t testing.TB, path string) *raster.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	tf, err := raster.Open(f, fi.Size())
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return tf.Image()
}

func readAll(t testing.TB, im *raster.Image, band int) []float64 {
	t.Helper()
	out := make([]float64, im.Width()*im.Height())
	if err := im.ReadWindow(0, 0, im.Width(), im.Height(), band, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// lonLatPolygon returns the polygon with the given vertices in the scene's CRS, as
// WGS84 lon/lat, its edges cut every metre: a straight edge in UTM is not straight in
// lon/lat, and over a few km the two lines part by centimetres, which is enough to put
// a pixel centre on different sides.
func lonLatPolygon(t *testing.T, crs geo.CRS, ring [][2]float64) geo.MultiPolygon {
	t.Helper()
	var ll [][2]float64
	add := func(x, y float64) {
		lon, lat, err := geo.Inverse(crs, x, y)
		if err != nil {
			t.Fatal(err)
		}
		ll = append(ll, [2]float64{lon, lat})
	}
	for i := 0; i+1 < len(ring); i++ {
		a, b := ring[i], ring[i+1]
		n := int(math.Ceil(math.Hypot(b[0]-a[0], b[1]-a[1])))
		for k := range n {
			f := float64(k) / float64(n)
			add(a[0]+f*(b[0]-a[0]), a[1]+f*(b[1]-a[1]))
		}
	}
	add(ring[len(ring)-1][0], ring[len(ring)-1][1])
	return geo.MultiPolygon{geo.Polygon{ll}}
}

// TestLandsat8NDVIAndZonal: on the real Landsat 8 scene, the NDVI of the clear pixels
// (BQA-masked) has the mean the data's README gives (about 0.29), and the zonal
// statistics of fields drawn on the scene equal an independent computation that tests
// each pixel's centre, converted to lon/lat, against the polygon in lon/lat (instead of
// reprojecting the polygon and scanning rows).
func TestLandsat8NDVIAndZonal(t *testing.T) {
	red, nir, qa := open(t, data(t, "landsat8", "l8_B4.tif")), open(t, data(t, "landsat8", "l8_B5.tif")), open(t, data(t, "landsat8", "l8_BQA.tif"))
	rv, nv, qv := readAll(t, red, 0), readAll(t, nir, 0), readAll(t, qa, 0)
	sum, n, clouds, maxv := 0.0, 0, 0, -1.0
	for i := range rv {
		switch crop.LandsatQA(uint16(qv[i])) {
		case crop.Cloud:
			clouds++
			continue
		case crop.NoData:
			continue
		}
		if v, ok := crop.NDVI(rv[i], nv[i]); ok {
			sum += v
			n++
			maxv = math.Max(maxv, v)
		}
	}
	mean := sum / float64(n)
	t.Logf("Landsat 8 scene: %d clear pixels, %d cloud, NDVI mean %.4f, max %.4f", n, clouds, mean, maxv)
	if math.Abs(mean-0.29) > 0.02 || math.Abs(maxv-0.56) > 0.03 {
		t.Errorf("scene NDVI mean %.4f max %.4f, want about 0.29 and 0.56", mean, maxv)
	}

	crs, gt, err := satellite.Grid(red)
	if err != nil {
		t.Fatal(err)
	}
	// Fields drawn on the scene in its own CRS (UTM 16N): a rectangle, a concave L and a
	// triangle, a few km across.
	x0, y0 := gt.X0, gt.Y0
	rings := [][][2]float64{
		{{x0 + 3000, y0 - 3000}, {x0 + 5400, y0 - 3000}, {x0 + 5400, y0 - 4500}, {x0 + 3000, y0 - 4500}, {x0 + 3000, y0 - 3000}},
		{{x0 + 9000, y0 - 6000}, {x0 + 12000, y0 - 6000}, {x0 + 12000, y0 - 7000}, {x0 + 10000, y0 - 7000},
			{x0 + 10000, y0 - 9000}, {x0 + 9000, y0 - 9000}, {x0 + 9000, y0 - 6000}},
		// Vertices off the 30 m grid, so that no pixel centre lies exactly on an edge
		// (where the two methods' rounding could decide a tie differently).
		{{x0 + 15012.37, y0 - 10007.11}, {x0 + 17333.71, y0 - 12999.23}, {x0 + 13521.13, y0 - 13577.59}, {x0 + 15012.37, y0 - 10007.11}},
	}
	var fields []satellite.Field
	for i, r := range rings {
		fields = append(fields, satellite.Field{ID: string(rune('a' + i)), Polygon: lonLatPolygon(t, crs, r)})
	}
	got, err := satellite.Zonal(context.Background(), satellite.Scene{Red: red, NIR: nir, Mask: qa, MaskKind: satellite.MaskLandsatQA}, fields, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, f := range fields {
		var vals []float64
		cloud, nodata := 0, 0
		// Only the pixels of the ring's box (plus one) can be inside.
		minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, p := range rings[k] {
			minX, minY, maxX, maxY = math.Min(minX, p[0]), math.Min(minY, p[1]), math.Max(maxX, p[0]), math.Max(maxY, p[1])
		}
		c0, r0 := gt.Pixel(minX, maxY)
		c1, r1 := gt.Pixel(maxX, minY)
		for row := max(int(r0)-1, 0); row < min(int(r1)+2, red.Height()); row++ {
			for col := max(int(c0)-1, 0); col < min(int(c1)+2, red.Width()); col++ {
				x, y := gt.Model(float64(col)+0.5, float64(row)+0.5)
				lon, lat, err := geo.Inverse(crs, x, y)
				if err != nil {
					t.Fatal(err)
				}
				if !geo.PointInPolygon(f.Polygon, lon, lat) {
					continue
				}
				i := row*red.Width() + col
				switch crop.LandsatQA(uint16(qv[i])) {
				case crop.Cloud:
					cloud++
					continue
				case crop.NoData:
					nodata++
					continue
				}
				v, ok := crop.NDVI(rv[i], nv[i])
				if !ok {
					nodata++
					continue
				}
				vals = append(vals, v)
			}
		}
		sort.Float64s(vals)
		m := 0.0
		for _, v := range vals {
			m += v
		}
		m /= float64(len(vals))
		q := func(p float64) float64 { return vals[max(int(math.Ceil(p*float64(len(vals))))-1, 0)] }
		g := got[k]
		t.Logf("field %s: %d pixels (%d clear, %d cloud, %d nodata), mean %.4f p10 %.4f p50 %.4f p90 %.4f",
			f.ID, g.Pixels, g.Valid, g.Cloud, g.NoData, g.Mean, g.P10, g.P50, g.P90)
		if g.Valid != len(vals) || g.Cloud != cloud || g.NoData != nodata || math.Abs(g.Mean-m) > 1e-6 ||
			math.Abs(g.P10-q(0.1)) > 0.001 || math.Abs(g.P50-q(0.5)) > 0.001 || math.Abs(g.P90-q(0.9)) > 0.001 {
			t.Errorf("field %s: %+v; independent: %d clear, %d cloud, %d nodata, mean %.6f, p10 %.4f p50 %.4f p90 %.4f",
				f.ID, g.Stats, len(vals), cloud, nodata, m, q(0.1), q(0.5), q(0.9))
		}
	}
}

// TestLandsat8COGMatchesBands: the two-band COG gives the same statistics as the
// single-band files.
func TestLandsat8COGMatchesBands(t *testing.T) {
	red, nir := open(t, data(t, "landsat8", "l8_B4.tif")), open(t, data(t, "landsat8", "l8_B5.tif"))
	cog := open(t, data(t, "landsat8", "derived_l8_B4red_B5nir_cog.tif"))
	crs, gt, err := satellite.Grid(red)
	if err != nil {
		t.Fatal(err)
	}
	f := []satellite.Field{{ID: "a", Polygon: lonLatPolygon(t, crs, [][2]float64{{gt.X0 + 1000, gt.Y0 - 1000},
		{gt.X0 + 15000, gt.Y0 - 1000}, {gt.X0 + 15000, gt.Y0 - 15000}, {gt.X0 + 1000, gt.Y0 - 1000}})}}
	a, err := satellite.Zonal(context.Background(), satellite.Scene{Red: red, NIR: nir}, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := satellite.Zonal(context.Background(), satellite.Scene{Red: cog, NIR: cog, RedBand: 0, NIRBand: 1}, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	sa, sb := a[0].Stats, b[0].Stats
	if sa.Valid != sb.Valid || sa.Pixels != sb.Pixels || math.Abs(sa.Mean-sb.Mean) > 1e-12 || sa.P10 != sb.P10 || sa.P50 != sb.P50 ||
		sa.P90 != sb.P90 || sa.Valid < 1000 {
		t.Errorf("bands %+v, COG %+v", a[0].Stats, b[0].Stats)
	}
}
