package geo_test

import (
	"math"
	"strings"
	"testing"

	"groundtruth/geo"
)

func TestUTMCodes(t *testing.T) {
	for _, c := range []struct {
		zone  int
		south bool
		want  geo.CRS
	}{
		{1, false, 32601}, {60, false, 32660}, {33, false, 32633}, {1, true, 32701}, {60, true, 32760},
	} {
		got, err := geo.UTM(c.zone, c.south)
		if err != nil || got != c.want {
			t.Errorf("UTM(%d, %v) = %v, %v, want %v", c.zone, c.south, got, err, c.want)
		}
		zone, south, ok := got.Zone()
		if !ok || zone != c.zone || south != c.south {
			t.Errorf("%v.Zone() = %d, %v, %v, want %d, %v, true", got, zone, south, ok, c.zone, c.south)
		}
	}
	for _, zone := range []int{0, 61, -1} {
		if _, err := geo.UTM(zone, false); err == nil {
			t.Errorf("UTM(%d, false) succeeded, want an error", zone)
		}
	}
	for _, c := range []geo.CRS{4326, 32600, 32661, 32700, 32761, 3857, 25833} {
		if _, _, ok := c.Zone(); ok {
			t.Errorf("%v.Zone() ok, want not a utm zone", c)
		}
	}
	if s := geo.CRS(32633).String(); s != "EPSG:32633" {
		t.Errorf("String() = %q, want EPSG:32633", s)
	}
}

func TestParseCRS(t *testing.T) {
	for in, want := range map[string]geo.CRS{
		"EPSG:32633":                     32633,
		"epsg:4326":                      geo.LonLat,
		" 32716 ":                        32716,
		"urn:ogc:def:crs:EPSG::32633":    32633,
		"urn:ogc:def:crs:EPSG:6.6:32616": 32616,
		"http://www.opengis.net/def/crs/EPSG/0/32760": 32760,
		"urn:ogc:def:crs:OGC:1.3:CRS84":               geo.LonLat,
		"OGC:CRS84":                                   geo.LonLat,
		"CRS84":                                       geo.LonLat,
	} {
		got, err := geo.ParseCRS(in)
		if err != nil || got != want {
			t.Errorf("ParseCRS(%q) = %v, %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "EPSG:", "EPSG:3857", "EPSG:25833", "EPSG:32661", "WGS 84", "urn:ogc:def:crs:EPSG::x", "EPSG:99999999999999999999"} {
		if got, err := geo.ParseCRS(in); err == nil {
			t.Errorf("ParseCRS(%q) = %v, want an error", in, got)
		}
	}
}

func TestUTMZone(t *testing.T) {
	for _, c := range []struct {
		lon, lat float64
		want     geo.CRS
	}{
		{14.56, 45.87, 32633}, // Slovenia (the Sentinel-2 test tile)
		{-87, 30.3, 32616},    // the Landsat test scene
		{-180, 0, 32601},      // first zone starts at the antimeridian
		{180, 0, 32601},       // 180 is -180
		{179.999, -10, 32760}, // last zone, south
		{-0.0001, 0, 32630},   // west of Greenwich
		{0, 0, 32631},         // Greenwich starts zone 31
		{0, -0.0001, 32731},   // south of the equator
		{4, 60, 32632},        // south-west Norway: 3-6°E at 56-64°N is zone 32
		{2.9, 60, 32631},      // west of the exception
		{4, 55.9, 32631},      // south of the exception
		{4, 64, 32631},        // north of the exception
		{8, 78, 32631},        // Svalbard: 0-9°E is zone 31
		{9, 78, 32633},        // 9-21°E is zone 33
		{20.9, 83.9, 32633},   //
		{21, 72, 32635},       // 21-33°E is zone 35
		{33, 80, 32637},       // 33-42°E is zone 37
		{42, 80, 32638},       // east of Svalbard
		{8, 71.9, 32632},      // south of Svalbard's band X
		{-75, -80, 32718},     // southern limit
		{100, 84, 32647},      // northern limit
	} {
		got, err := geo.UTMZone(c.lon, c.lat)
		if err != nil || got != c.want {
			t.Errorf("UTMZone(%v, %v) = %v, %v, want %v", c.lon, c.lat, got, err, c.want)
		}
	}
	for _, p := range [][2]float64{{0, 84.01}, {0, -80.01}, {0, 90}, {181, 0}, {-180.1, 0}, {math.NaN(), 0}, {0, math.NaN()}, {math.Inf(1), 0}} {
		if got, err := geo.UTMZone(p[0], p[1]); err == nil {
			t.Errorf("UTMZone(%v, %v) = %v, want an error", p[0], p[1], got)
		}
	}
}

func TestForwardErrors(t *testing.T) {
	for _, c := range []struct {
		crs      geo.CRS
		lon, lat float64
		want     string
	}{
		{3857, 0, 0, "not supported"},
		{32600, 0, 0, "not supported"},
		{32633, 15, 90.5, "latitude"},
		{32633, 15, math.NaN(), "latitude"},
		{32633, math.NaN(), 45, "longitude"},
		{32633, math.Inf(-1), 45, "longitude"},
		{32633, 105, 45, "90° or more"},
		{32633, -75, 45, "90° or more"},
		{geo.LonLat, 181, 0, "longitude, latitude"},
		{geo.LonLat, 0, -91, "longitude, latitude"},
	} {
		x, y, err := geo.Forward(c.crs, c.lon, c.lat)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Forward(%v, %v, %v) = %v, %v, %v, want an error containing %q", c.crs, c.lon, c.lat, x, y, err, c.want)
		}
	}
	for _, c := range []struct {
		crs  geo.CRS
		x, y float64
	}{
		{25833, 500000, 5e6}, {32633, math.NaN(), 5e6}, {32633, 5e5, math.Inf(1)}, {32633, 1e9, 5e6}, {geo.LonLat, 200, 0},
	} {
		if lon, lat, err := geo.Inverse(c.crs, c.x, c.y); err == nil {
			t.Errorf("Inverse(%v, %v, %v) = %v, %v, want an error", c.crs, c.x, c.y, lon, lat)
		}
	}
	if _, _, err := geo.Transform(4258, geo.LonLat, 0, 0); err == nil {
		t.Error("Transform from EPSG:4258 succeeded, want an error")
	}
	if _, _, err := geo.Transform(32633, 3857, 5e5, 5e6); err == nil {
		t.Error("Transform to EPSG:3857 succeeded, want an error")
	}
	if _, err := geo.NewTransverseMercator(geo.Ellipsoid{A: -1}, 0, 1, 0, 0); err == nil {
		t.Error("NewTransverseMercator with a negative axis succeeded")
	}
	if _, err := geo.NewTransverseMercator(geo.Ellipsoid{A: 6e6, F: 0.5}, 0, 1, 0, 0); err == nil {
		t.Error("NewTransverseMercator with flattening 1/2 succeeded")
	}
	if _, err := geo.NewTransverseMercator(geo.WGS84, 0, 0, 0, 0); err == nil {
		t.Error("NewTransverseMercator with scale 0 succeeded")
	}
	if _, err := geo.NewTransverseMercator(geo.WGS84, 200, 1, 0, 0); err == nil {
		t.Error("NewTransverseMercator with central meridian 200 succeeded")
	}
	if _, err := geo.NewTransverseMercator(geo.WGS84, 0, 1, math.NaN(), 0); err == nil {
		t.Error("NewTransverseMercator with a NaN false easting succeeded")
	}
}

// TestRoundTrip projects and unprojects a grid of points in every zone, north and south:
// the central meridian, the zone edges (±3°) and ±6° (the middle of the next zone), at
// latitudes from the equator to the UTM limits 84°N and 80°S. The round trip must come
// back within 1 mm; it comes back within nanometres.
func TestRoundTrip(t *testing.T) {
	offsets := []float64{-6, -4.5, -3, -1.5, -0.5, 0, 0.5, 1.5, 3, 4.5, 6}
	lats := []float64{0, 1e-9, 5, 15, 30, 45, 56, 64, 72, 79.9, 80, 83.99, 84}
	var worst, worstXY float64
	n := 0
	for zone := 1; zone <= 60; zone++ {
		cm := float64(6*zone - 183)
		for _, south := range []bool{false, true} {
			crs, err := geo.UTM(zone, south)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range offsets {
				for _, lat := range lats {
					if south {
						lat = -lat
						if lat < -80 {
							continue
						}
					}
					lon := math.Remainder(cm+d, 360)
					x, y, err := geo.Forward(crs, lon, lat)
					if err != nil {
						t.Fatalf("Forward(%v, %v, %v): %v", crs, lon, lat, err)
					}
					glon, glat, err := geo.Inverse(crs, x, y)
					if err != nil {
						t.Fatalf("Inverse(%v, %v, %v): %v", crs, x, y, err)
					}
					e := angleError(glon, glat, lon, lat)
					if e > 1e-3 {
						t.Errorf("%v: (%v, %v) -> (%.4f, %.4f) -> (%.12f, %.12f), %.3g m away", crs, lon, lat, x, y, glon, glat, e)
					}
					x2, y2, err := geo.Forward(crs, glon, glat)
					if err != nil {
						t.Fatal(err)
					}
					worst = max(worst, e)
					worstXY = max(worstXY, math.Hypot(x2-x, y2-y))
					n++
				}
			}
		}
	}
	t.Logf("round trip of %d points in 120 zones: max %.2g m on the ground, %.2g m on the grid", n, worst, worstXY)
}

// TestUTMFalseOrigin checks the definition of the UTM grid: the central meridian maps to
// easting 500 000 m, the equator to northing 0 (north) or 10 000 000 m (south), and points
// mirrored across the central meridian or the equator map to mirrored coordinates.
func TestUTMFalseOrigin(t *testing.T) {
	for zone := 1; zone <= 60; zone++ {
		cm := float64(6*zone - 183)
		north, _ := geo.UTM(zone, false)
		south, _ := geo.UTM(zone, true)
		x, y, err := geo.Forward(north, cm, 0)
		if err != nil || x != 500000 || y != 0 {
			t.Errorf("Forward(%v, %v, 0) = %v, %v, %v, want 500000, 0", north, cm, x, y, err)
		}
		x, y, err = geo.Forward(south, cm, 0)
		if err != nil || x != 500000 || y != 10000000 {
			t.Errorf("Forward(%v, %v, 0) = %v, %v, %v, want 500000, 10000000", south, cm, x, y, err)
		}
		xe, ye, _ := geo.Forward(north, cm+2.5, 37)
		xw, yw, _ := geo.Forward(north, cm-2.5, 37)
		xs, ys, _ := geo.Forward(south, cm+2.5, -37)
		if math.Abs((xe-5e5)+(xw-5e5)) > 1e-9 || math.Abs(ye-yw) > 1e-9 || math.Abs(xs-xe) > 1e-9 || math.Abs((ys-1e7)+ye) > 1e-8 {
			t.Errorf("zone %d: mirrored points map to %v, %v / %v, %v / %v, %v", zone, xe, ye, xw, yw, xs, ys)
		}
	}
}

// TestTransform checks the conversions between zones: a point on the edge of zones 32 and
// 33 goes from one to the other and back, and agrees with the direct projections.
func TestTransform(t *testing.T) {
	const lon, lat = 12.0, 46.5
	x32, y32, err := geo.Forward(32632, lon, lat)
	if err != nil {
		t.Fatal(err)
	}
	x33, y33, err := geo.Transform(32632, 32633, x32, y32)
	if err != nil {
		t.Fatal(err)
	}
	wx, wy, _ := geo.Forward(32633, lon, lat)
	if math.Hypot(x33-wx, y33-wy) > 1e-8 {
		t.Errorf("Transform(32632, 32633) = %v, %v, want %v, %v", x33, y33, wx, wy)
	}
	if math.Abs((x32-5e5)+(x33-5e5)) > 1e-8 || math.Abs(y32-y33) > 1e-8 {
		t.Errorf("the 12°E edge maps to %v, %v in zone 32 and %v, %v in 33, want mirror images", x32, y32, x33, y33)
	}
	glon, glat, err := geo.Transform(32633, geo.LonLat, x33, y33)
	if err != nil || angleError(glon, glat, lon, lat) > 1e-8 {
		t.Errorf("Transform(32633, LonLat) = %v, %v, %v, want %v, %v", glon, glat, err, lon, lat)
	}
	gx, gy, err := geo.Transform(geo.LonLat, 32632, lon, lat)
	if err != nil || gx != x32 || gy != y32 {
		t.Errorf("Transform(LonLat, 32632) = %v, %v, %v, want %v, %v", gx, gy, err, x32, y32)
	}
	sx, sy, err := geo.Transform(32633, 32633, 1, 2)
	if err != nil || sx != 1 || sy != 2 {
		t.Errorf("Transform(32633, 32633, 1, 2) = %v, %v, %v", sx, sy, err)
	}
	// North to south of the same zone shifts the northing by exactly the false northing.
	nx, ny, err := geo.Transform(32633, 32733, x33, y33)
	if err != nil || math.Abs(nx-x33) > 1e-8 || math.Abs(ny-(y33+1e7)) > 1e-7 {
		t.Errorf("Transform(32633, 32733) = %v, %v, %v, want %v, %v", nx, ny, err, x33, y33+1e7)
	}
	tm, err := geo.CRS(32633).TransverseMercator()
	if err != nil {
		t.Fatal(err)
	}
	if _, k, err := tm.Distortion(15, 0); err != nil || math.Abs(k-0.9996) > 1e-15 {
		t.Errorf("scale on the central meridian = %v, %v, want 0.9996", k, err)
	}
	if _, err := geo.LonLat.TransverseMercator(); err == nil {
		t.Error("LonLat.TransverseMercator() succeeded, want an error")
	}
}

// TestPoles checks that the exact poles and the antimeridian do not upset the series.
func TestPoles(t *testing.T) {
	for _, crs := range []geo.CRS{32601, 32631, 32660, 32701, 32760} {
		for _, lat := range []float64{90, -90} {
			x, y, err := geo.Forward(crs, 17, lat)
			if err != nil {
				t.Fatalf("Forward(%v, 17, %v): %v", crs, lat, err)
			}
			lon, glat, err := geo.Inverse(crs, x, y)
			if err != nil || math.Abs(glat-lat) > 1e-9 || math.IsNaN(lon) {
				t.Errorf("pole %v in %v: (%v, %v) -> %v, %v, %v", lat, crs, x, y, lon, glat, err)
			}
		}
	}
	// Zone 60 covers 174-180°E; its neighbour across the antimeridian is zone 1.
	x, y, err := geo.Forward(32660, -179, -10)
	if err != nil {
		t.Fatal(err)
	}
	lon, lat, err := geo.Inverse(32660, x, y)
	if err != nil || angleError(lon, lat, -179, -10) > 1e-8 || lon > 0 {
		t.Errorf("antimeridian: %v, %v, %v, want -179, -10", lon, lat, err)
	}
}

func TestZeroTransverseMercator(t *testing.T) {
	var tm geo.TransverseMercator
	if _, _, err := tm.Forward(0, 0); err == nil {
		t.Error("Forward on a zero TransverseMercator succeeded")
	}
	if _, _, err := tm.Inverse(0, 0); err == nil {
		t.Error("Inverse on a zero TransverseMercator succeeded")
	}
	var nilTM *geo.TransverseMercator
	if _, _, err := nilTM.Distortion(0, 0); err == nil {
		t.Error("Distortion on a nil TransverseMercator succeeded")
	}
}
