package geo_test

import (
	"strings"
	"testing"

	"groundtruth/geo"
)

func TestDecodeGeoJSON(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		crs   geo.CRS
		polys int
		rings int // rings of the first polygon
		first [2]float64
	}{
		{"polygon with a hole",
			`{"type":"Polygon","coordinates":[[[14.5,45.8],[14.6,45.8],[14.6,45.9],[14.5,45.8]],[[14.55,45.82],[14.57,45.82],[14.57,45.85],[14.55,45.82]]]}`,
			geo.LonLat, 1, 2, [2]float64{14.5, 45.8}},
		{"multipolygon with altitudes",
			`{"type":"MultiPolygon","coordinates":[[[[1,2,100],[3,2,100],[3,4,100],[1,2,100]]],[[[5,6],[7,6],[7,8],[5,6]]]]}`,
			geo.LonLat, 2, 1, [2]float64{1, 2}},
		{"feature",
			`{"type":"Feature","properties":{"name":"field 7"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}`,
			geo.LonLat, 1, 1, [2]float64{0, 0}},
		// shared/data/satellite/sentinel2-slovenia/bbox.geojson, which names its CRS the
		// GeoJSON 2008 way.
		{"named crs",
			`{"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32633"}},"type":"Polygon","coordinates":[[[465181.0522318204,5079244.8912012065],[465181.0522318204,5080254.63349641],[466180.53145382757,5080254.63349641],[466180.53145382757,5079244.8912012065],[465181.0522318204,5079244.8912012065]]]}`,
			32633, 1, 1, [2]float64{465181.0522318204, 5079244.8912012065}},
		{"CRS84",
			`{"type":"Feature","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}`,
			geo.LonLat, 1, 1, [2]float64{0, 0}},
	}
	for _, c := range cases {
		m, crs, err := geo.DecodeGeoJSON([]byte(c.in))
		if err != nil {
			t.Errorf("%s: DecodeGeoJSON: %v", c.name, err)
			continue
		}
		if crs != c.crs || len(m) != c.polys || len(m[0]) != c.rings || m[0][0][0] != c.first {
			t.Errorf("%s: DecodeGeoJSON = %v (%v), want %d polygons, %d rings, first %v, %v", c.name, m, crs, c.polys, c.rings, c.first, c.crs)
		}
	}
	if m, _, _ := geo.DecodeGeoJSON([]byte(cases[3].in)); geo.Area(m) < 1_009_000 || geo.Area(m) > 1_010_000 {
		t.Errorf("area of the Sentinel-2 patch = %.0f m², want about 1 009 000", geo.Area(m))
	}
}

func TestDecodeGeoJSONErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"type":"Polygon"`, "decode geojson"},
		{`{"type":"Point","coordinates":[1,2]}`, "not a Polygon"},
		{`{"type":"Feature","properties":{}}`, "no geometry"},
		{`{"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}`, "not a Polygon"},
		{`{"type":"Polygon","coordinates":[]}`, "no exterior ring"},
		{`{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`, "at least 4 positions"},
		{`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`, "not closed"},
		{`{"type":"Polygon","coordinates":[[[0,0],[1],[1,1],[0,0]]]}`, "coordinates[0][1]"},
		{`{"type":"Polygon","coordinates":[[[0,0],[200,0],[1,1],[0,0]]]}`, "longitude, latitude"},
		{`{"type":"Polygon","coordinates":[[["a",0],[1,0],[1,1],["a",0]]]}`, "coordinates"},
		{`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[0,0],[1,0],[1,1]]]]}`, "coordinates[1][0]"},
		{`{"type":"Polygon","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`, "not supported"},
		{`{"type":"Polygon","crs":{"type":"link","properties":{"href":"x"}},"coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`, "link"},
	} {
		m, _, err := geo.DecodeGeoJSON([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("DecodeGeoJSON(%s) = %v, %v, want an error containing %q", c.in, m, err, c.want)
		}
	}
}

// FuzzDecodeGeoJSON feeds arbitrary bytes to DecodeGeoJSON and whatever it accepts to
// the rest of the package, which must return errors, never panic.
func FuzzDecodeGeoJSON(f *testing.F) {
	f.Add([]byte(`{"type":"Polygon","coordinates":[[[14.5,45.8],[14.6,45.8],[14.6,45.9],[14.5,45.8]]]}`))
	f.Add([]byte(`{"type":"MultiPolygon","coordinates":[[[[1,2,3],[3,2],[3,4],[1,2]]],[[[5,6],[7,6],[7,8],[5,6]],[[5.5,6.5],[6,6.5],[6,7],[5.5,6.5]]]]}`))
	f.Add([]byte(`{"crs":{"type":"name","properties":{"name":"EPSG:32633"}},"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[4e5,5e6],[5e5,5e6],[5e5,6e6],[4e5,5e6]]]}}`))
	f.Add([]byte(`{"type":"Polygon","coordinates":[[[1e308,-1e308],[1,0],[1,1],[1e308,-1e308]]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, crs, err := geo.DecodeGeoJSON(data)
		if err != nil {
			return
		}
		_ = geo.Area(m)
		_, _, _, _, _ = m.Bounds()
		_ = geo.PointInPolygon(m, 0.5, 0.5)
		for range geo.Spans(m, 64, 64) {
		}
		for _, to := range []geo.CRS{geo.LonLat, 32633, 32733} {
			if u, err := m.Transform(crs, to); err == nil {
				if px, err := (geo.GeoTransform{X0: 4e5, DX: 10, Y0: 6e6, DY: -10}).ToPixels(u); err == nil {
					for range geo.Spans(px, 100, 100) {
					}
				}
			}
		}
	})
}
