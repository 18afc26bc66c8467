package e2e_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/geo"
	"groundtruth/raster"
)

// satData returns a path under ../shared/data/satellite/sentinel2-slovenia, skipping the
// test when the shared data is absent (failing when GT_REQUIRE_DATA=1).
func satData(t *testing.T, name string) string {
	t.Helper()
	p, _ := filepath.Abs(filepath.Join("..", "..", "shared", "data", "satellite", "sentinel2-slovenia", name))
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("GT_REQUIRE_DATA") == "1" {
			t.Fatalf("GT_REQUIRE_DATA=1 but %s: %v", p, err)
		}
		t.Skipf("shared data missing: %v", err)
	}
	return p
}

// npyBytes returns the data of a NumPy .npy file of one-byte values.
func npyBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hlen := int(b[8]) | int(b[9])<<8
	return b[10+hlen:]
}

// TestNotPlantedOnSentinel2 is issue 7's acceptance scenario on the real Sentinel-2
// scenes of the Slovenian test area: a lender finances two parcels as maize for the 2016
// season (planting by 1 May, harvest from 1 September): the cultivated parcel 1468978,
// and parcel 706572 (5 ha), which is never sown. Every parcel of this area carries
// vegetation in summer, so the unsown field is modelled on the real scenes: its pixels
// are set to bare soil (NDVI 0.12-0.24, the range of the cultivated parcel's own
// post-harvest scenes) in every scene, while the clouds, the cloud mask and every other
// pixel stay as the satellite saw them. Every 2016 scene up to October is uploaded
// through POST /api/v1/scenes with its cloud mask (CLM, with the pixels IS_VALID
// rejects, as a binary mask GeoTIFF) on a clock that follows the acquisition dates.
// not_planted must fire on 706572 once the 45 days after planting_by have passed, and
// the cultivated parcel must raise nothing.
func TestNotPlantedOnSentinel2(t *testing.T) {
	stack := satData(t, "derived_s2_ndvi_timeseries_68bands.tif")
	clm, valid := npyBytes(t, satData(t, "CLM.npy")), npyBytes(t, satData(t, "IS_VALID.npy"))
	var stamps []string
	if b, err := os.ReadFile(satData(t, "timestamps.json")); err != nil || json.Unmarshal(b, &stamps) != nil {
		t.Fatalf("timestamps: %v", err)
	}
	geojson, err := os.ReadFile(satData(t, "derived_LULC_fields_wgs84.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Properties struct {
				Index string  `json:"index"`
				Area  float64 `json:"AREA"`
			} `json:"properties"`
			Geometry gt.Polygon `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(geojson, &fc); err != nil {
		t.Fatal(err)
	}
	stackBytes, err := os.ReadFile(stack)
	if err != nil {
		t.Fatal(err)
	}
	f, err := raster.Open(bytes.NewReader(stackBytes), int64(len(stackBytes)))
	if err != nil {
		t.Fatal(err)
	}
	im := f.Image()
	tr, _ := im.Transform()
	w, h := im.Width(), im.Height()

	s := startAt(t, time.Date(2016, 1, 2, 0, 0, 0, 0, time.UTC))
	planting, harvest := time.Date(2016, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2016, 9, 1, 0, 0, 0, 0, time.UTC)
	var colls []map[string]any
	for _, ft := range fc.Features {
		if ft.Properties.Index != "1468978" && ft.Properties.Index != "706572" {
			continue
		}
		colls = append(colls, map[string]any{"id": "parcel-" + ft.Properties.Index, "kind": "crop_field",
			"allocations": []map[string]any{{"loan_id": "maize-2016", "share": 1}},
			"crop": map[string]any{"field": ft.Geometry, "crop": "maize", "area_ha": ft.Properties.Area / 10000,
				"season": "2016", "planting_by": planting, "harvest_from": harvest}})
	}
	if len(colls) != 2 {
		t.Fatalf("found %d of the 2 parcels", len(colls))
	}
	s.call("POST", "/api/v1/prices", s.key, map[string]any{"ticks": []map[string]any{{"commodity": "maize", "at": "2016-01-01T00:00:00Z",
		"unit": "t", "source": "test", "price": map[string]any{"amount": 16000, "currency": "EUR"}}}}, nil)
	var out map[string]any
	if code := s.call("POST", "/api/v1/records", s.key, map[string]any{
		"parties": []map[string]any{{"id": "farm", "name": "Farm", "roles": []string{"borrower"}}},
		"loans": []map[string]any{{"id": "maize-2016", "borrower_id": "farm", "product": "crop",
			"principal": map[string]any{"amount": 100_00, "currency": "EUR"}, "start_date": "2016-01-01T00:00:00Z", "maturity_date": "2016-12-31T00:00:00Z"}},
		"collateral": colls,
	}, &out); code != 200 {
		t.Fatalf("records: %d %v", code, out)
	}
	// The unsown parcel's pixels.
	var unsown geo.MultiPolygon
	for _, ft := range fc.Features {
		if ft.Properties.Index == "706572" {
			unsown = geo.MultiPolygon{geo.Polygon(ft.Geometry.Coordinates)}
		}
	}
	m, err := unsown.Transform(geo.LonLat, geo.CRS(im.EPSG()))
	if err != nil {
		t.Fatal(err)
	}
	px, err := geo.GeoTransform{X0: tr[0], DX: tr[1], Y0: tr[3], DY: tr[5]}.ToPixels(m)
	if err != nil {
		t.Fatal(err)
	}
	var bare []int
	for sp := range geo.Spans(px, w, h) {
		for c := sp.Col0; c < sp.Col1; c++ {
			bare = append(bare, sp.Row*w+c)
		}
	}
	if len(bare) < 50 {
		t.Fatalf("the unsown parcel covers %d pixels", len(bare))
	}

	uploaded := 0
	for band, st := range stamps {
		at, err := time.Parse("2006-01-02T15:04:05", st)
		if err != nil {
			t.Fatal(err)
		}
		if at.Year() != 2016 || at.Month() > time.October {
			continue
		}
		// The scene's cloud mask: CLM, and the pixels IS_VALID rejects, as cloud.
		mask := make([]float64, w*h)
		for i := range mask {
			if clm[band*w*h+i] != 0 || valid[band*w*h+i] == 0 {
				mask[i] = 1
			}
		}
		var mb bytes.Buffer
		if err := raster.Write(&mb, raster.WriteOptions{Width: w, Height: h, Bands: 1, DataType: raster.Uint8, EPSG: im.EPSG(),
			Transform: tr, Deflate: true}, mask); err != nil {
			t.Fatal(err)
		}
		ndvi := make([]float64, w*h)
		if err := im.ReadWindow(0, 0, w, h, band, ndvi); err != nil {
			t.Fatal(err)
		}
		for k, i := range bare {
			ndvi[i] = 0.12 + 0.12*float64((k*7919+band*104729)%97)/96 // bare soil, varied deterministically
		}
		var nb bytes.Buffer
		if err := raster.Write(&nb, raster.WriteOptions{Width: w, Height: h, Bands: 1, DataType: raster.Float32, EPSG: im.EPSG(),
			Transform: tr, Deflate: true}, ndvi); err != nil {
			t.Fatal(err)
		}
		s.clock.Set(at.Add(time.Hour))
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range map[string]string{"acquired_at": at.Format(time.RFC3339), "scene": "S2-" + at.Format("20060102"),
			"source": "Sentinel-2 (eo-learn test patch)", "mask_kind": "binary"} {
			mw.WriteField(k, v)
		}
		for name, data := range map[string][]byte{"ndvi": nb.Bytes(), "mask": mb.Bytes()} {
			fw, _ := mw.CreateFormFile(name, name+".tif")
			fw.Write(data)
		}
		mw.Close()
		req, _ := http.NewRequest("POST", s.srv.URL+"/api/v1/scenes", &body)
		req.Header.Set("Authorization", "Bearer "+s.key)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rb, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("scene %s: %d %s", st, resp.StatusCode, rb)
		}
		uploaded++
	}
	s.clock.Set(time.Date(2016, 10, 31, 0, 0, 0, 0, time.UTC))
	s.tick()

	all := s.storeAlerts()
	var notPlanted *gt.Alert
	for i, a := range all {
		t.Logf("%s %s fired %s: %s", a.Rule, a.Subject, a.FiredAt.Format(time.DateOnly), a.Summary)
		if strings.HasSuffix(a.Subject, "parcel-1468978") {
			t.Errorf("the cultivated parcel raised %s: %s", a.Rule, a.Summary)
		}
		if a.Rule == "not_planted" && a.Subject == "collateral:parcel-706572" {
			notPlanted = &all[i]
		}
	}
	if notPlanted == nil {
		t.Fatalf("no not_planted on the parcel that is never planted (%d scenes uploaded)", uploaded)
	}
	due := planting.Add(45 * 24 * time.Hour)
	if notPlanted.FiredAt.Before(due) || notPlanted.FiredAt.After(due.Add(30*24*time.Hour)) {
		t.Errorf("not_planted fired %v, want within a month after the canopy was due (%v)", notPlanted.FiredAt, due)
	}
	var series struct {
		Observations []gt.FieldObservation `json:"observations"`
	}
	s.call("GET", "/api/v1/collateral/parcel-1468978/ndvi", s.key, nil, &series)
	if len(series.Observations) != uploaded {
		t.Errorf("the cultivated parcel's series has %d observations, want one per scene (%d)", len(series.Observations), uploaded)
	}
	// The map colours each field by the NDVI of its latest scene: bare soil for the unsown one.
	var layers struct {
		Fields struct {
			Features []struct {
				Properties map[string]any `json:"properties"`
			} `json:"features"`
		} `json:"fields"`
	}
	s.call("GET", "/api/v1/map", s.key, nil, &layers)
	ndvi := map[string]float64{}
	for _, f := range layers.Fields.Features {
		v, _ := f.Properties["ndvi"].(float64)
		ndvi[f.Properties["collateral_id"].(string)] = v
	}
	if len(ndvi) != 2 || ndvi["parcel-706572"] > 0.3 || ndvi["parcel-1468978"] < 0.4 {
		t.Errorf("map fields' latest NDVI = %v, want the unsown parcel bare and the cultivated one green", ndvi)
	}
	t.Logf("%d scenes of 2016 uploaded; not_planted fired %s; latest NDVI %v", uploaded, notPlanted.FiredAt.Format(time.DateOnly), ndvi)
}
