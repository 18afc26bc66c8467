package main_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func satFile(t *testing.T, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{"..", "..", "..", "shared", "data", "satellite"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("GT_REQUIRE_DATA") == "1" {
			t.Fatalf("GT_REQUIRE_DATA=1 but %s: %v", p, err)
		}
		t.Skipf("shared data missing: %v", err)
	}
	return p
}

// TestRasterCommands: raster info describes the Landsat COG; raster ndvi writes a
// float32 GeoTIFF that raster info reads back; raster zonal of the NDVI just written
// over a box gives the same figures as from the bands; zonal statistics of the 88
// Sentinel-2 parcels come out as CSV, the parcels off the stack marked empty.
func TestRasterCommands(t *testing.T) {
	l8 := func(n string) string { return satFile(t, "landsat8", n) }
	out, errOut, code := runStatus(t, "raster", "info", l8("derived_l8_B4red_B5nir_cog.tif"))
	if code != 0 || !strings.Contains(out, "image 0: 627x603, 2 bands of uint16, 256x256 tiles") || !strings.Contains(out, "CRS EPSG:32616") ||
		strings.Count(out, "overview") != 2 {
		t.Fatalf("raster info: exit %d\n%s%s", code, out, errOut)
	}
	ndvi := filepath.Join(t.TempDir(), "ndvi.tif")
	if _, errOut, code := runStatus(t, "raster", "ndvi", "--red", l8("l8_B4.tif"), "--nir", l8("l8_B5.tif"), "--mask", l8("l8_BQA.tif"),
		"--mask-kind", "landsat_bqa", "--out", ndvi); code != 0 || !strings.Contains(errOut, "100%") {
		t.Fatalf("raster ndvi: exit %d %s", code, errOut)
	}
	if out, _, _ := runStatus(t, "raster", "info", ndvi); !strings.Contains(out, "1 bands of float32") || !strings.Contains(out, "nodata -9999") {
		t.Errorf("raster info of the NDVI written:\n%s", out)
	}
	box := filepath.Join(t.TempDir(), "box.geojson")
	os.WriteFile(box, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"box","properties":{},"geometry":
		{"type":"Polygon","coordinates":[[[-87.49,30.75],[-87.40,30.75],[-87.40,30.80],[-87.49,30.80],[-87.49,30.75]]]}}]}`), 0o644)
	a, _, codeA := runStatus(t, "raster", "zonal", "--ndvi", ndvi, "--fields", box)
	b, _, codeB := runStatus(t, "raster", "zonal", "--red", l8("l8_B4.tif"), "--nir", l8("l8_B5.tif"), "--mask", l8("l8_BQA.tif"),
		"--mask-kind", "landsat_bqa", "--fields", box)
	// The NDVI file stores float32: the figures agree to the 4 decimals printed.
	if codeA != 0 || codeB != 0 || a != b || !strings.HasPrefix(strings.Split(a, "\n")[1], "box,53028,53028,0,0,") {
		t.Errorf("zonal from the NDVI file and from the bands differ:\n%s\n%s", a, b)
	}
	s2 := func(n string) string { return satFile(t, "sentinel2-slovenia", n) }
	out, errOut, code = runStatus(t, "raster", "zonal", "--ndvi", s2("derived_s2_ndvi_timeseries_68bands.tif"), "--ndvi-band", "30",
		"--fields", s2("derived_LULC_fields_wgs84.geojson"), "--id", "index")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(rows) != 89 || rows[0][0] != "field" {
		t.Fatalf("zonal of the 88 parcels: exit %d, %d rows, %v\n%s", code, len(rows), err, errOut)
	}
	empty := 0
	for _, r := range rows[1:] {
		if r[1] == "0" {
			empty++
		}
	}
	if empty == 0 || empty > 10 {
		t.Errorf("%d of 88 parcels have no pixel; the stack covers most of them", empty)
	}
}
