package satellite_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"groundtruth/crop"
	"groundtruth/geo"
	"groundtruth/satellite"
)

// npyU8 reads a NumPy .npy array of uint8 or bool (C order) and returns its values and
// shape.
func npyU8(t testing.TB, path string) ([]uint8, []int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 10 || !bytes.HasPrefix(b, []byte("\x93NUMPY")) {
		t.Fatalf("%s is not a .npy file", path)
	}
	hlen := int(b[8]) | int(b[9])<<8
	header := string(b[10 : 10+hlen])
	if !strings.Contains(header, "'|u1'") && !strings.Contains(header, "'|b1'") || strings.Contains(header, "'fortran_order': True") {
		t.Fatalf("%s: unsupported header %s", path, header)
	}
	i, j := strings.Index(header, "'shape': ("), strings.Index(header, ")")
	var shape []int
	for _, f := range strings.Split(header[i+len("'shape': ("):j], ",") {
		if f = strings.TrimSpace(f); f != "" {
			var n int
			fmt.Sscan(f, &n)
			shape = append(shape, n)
		}
	}
	return b[10+hlen:], shape
}

// parcel is a land-use parcel of the Slovenian test area.
type parcel struct {
	id, class string
	poly      geo.MultiPolygon
}

func parcels(t testing.TB) []parcel {
	t.Helper()
	b, err := os.ReadFile(data(t, "sentinel2-slovenia", "derived_LULC_fields_wgs84.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Properties struct {
				Index string `json:"index"`
				Class string `json:"LULC_NAME"`
			} `json:"properties"`
			Geometry json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	var out []parcel
	for _, f := range fc.Features {
		m, _, err := geo.DecodeGeoJSON(f.Geometry)
		if err != nil {
			t.Fatalf("parcel %s: %v", f.Properties.Index, err)
		}
		out = append(out, parcel{id: f.Properties.Index, class: f.Properties.Class, poly: m})
	}
	return out
}

// s2Series computes the zonal statistics of every parcel in every one of the 68 scenes
// of the NDVI stack, masking the pixels the cloud mask (CLM) marks or IS_VALID rejects.
func s2Series(t testing.TB) ([]parcel, []time.Time, [][]satellite.Result) {
	t.Helper()
	im := open(t, data(t, "sentinel2-slovenia", "derived_s2_ndvi_timeseries_68bands.tif"))
	clm, shape := npyU8(t, data(t, "sentinel2-slovenia", "CLM.npy"))
	valid, _ := npyU8(t, data(t, "sentinel2-slovenia", "IS_VALID.npy"))
	var stamps []string
	b, err := os.ReadFile(data(t, "sentinel2-slovenia", "timestamps.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &stamps); err != nil {
		t.Fatal(err)
	}
	if im.Bands() != 68 || len(stamps) != 68 || shape[0] != 68 || shape[1] != im.Height() || shape[2] != im.Width() {
		t.Fatalf("stack %dx%d with %d bands, %d dates, masks of shape %v", im.Width(), im.Height(), im.Bands(), len(stamps), shape)
	}
	ps := parcels(t)
	fields := make([]satellite.Field, len(ps))
	for i, p := range ps {
		fields[i] = satellite.Field{ID: p.id, Polygon: p.poly}
	}
	n := im.Width() * im.Height()
	var dates []time.Time
	var out [][]satellite.Result
	for band := range 68 {
		at, err := time.Parse("2006-01-02T15:04:05", stamps[band])
		if err != nil {
			t.Fatal(err)
		}
		classes := make([]uint8, n)
		for i := range n {
			switch {
			case valid[band*n+i] == 0:
				classes[i] = crop.NoData
			case clm[band*n+i] != 0:
				classes[i] = crop.Cloud
			}
		}
		rs, err := satellite.Zonal(context.Background(), satellite.Scene{NDVI: im, NDVIBand: band, Classes: classes}, fields, nil)
		if err != nil {
			t.Fatalf("scene %s: %v", stamps[band], err)
		}
		dates = append(dates, at.UTC())
		out = append(out, rs)
	}
	return ps, dates, out
}

// TestSentinel2Series: over the 68 real Sentinel-2 scenes of 2015-2017, the 88 parcels'
// NDVI series show the cycle of cultivated land, a summer canopy as dense as a forest's
// and bare soil after harvest (November-December), which forest does not have; scenes
// where clouds hide every parcel are recognised. (January and February are left out of
// the winter figures: snow lowers every parcel's NDVI alike.)
func TestSentinel2Series(t *testing.T) {
	ps, dates, series := s2Series(t)
	p := crop.DefaultPolicy()
	median := func(xs []float64) float64 {
		s := append([]float64(nil), xs...)
		sort.Float64s(s)
		if len(s) == 0 {
			return math.NaN()
		}
		return s[len(s)/2]
	}
	type profile struct{ summer, winter float64 }
	by := map[string][]profile{}
	inScene := 0
	for k, pc := range ps {
		if series[0][k].Outside {
			continue
		}
		inScene++
		var summer, winter []float64
		for d, at := range dates {
			o := crop.Observation{At: at, Stats: series[d][k].Stats}
			if !p.Usable(o) {
				continue
			}
			switch at.Month() {
			case time.June, time.July, time.August:
				summer = append(summer, o.Mean)
			case time.November, time.December:
				winter = append(winter, o.Mean)
			}
		}
		if len(summer) >= 5 && len(winter) >= 3 {
			by[pc.class] = append(by[pc.class], profile{median(summer), median(winter)})
		}
	}
	cloudy := 0
	for d := range dates {
		all := true
		for k := range ps {
			if !series[d][k].Outside && p.Usable(crop.Observation{Stats: series[d][k].Stats}) {
				all = false
			}
		}
		if all {
			cloudy++
		}
	}
	for class, prs := range by {
		for _, pr := range prs {
			t.Logf("%-18s summer median NDVI %.2f, November-December median %.2f", class, pr.summer, pr.winter)
		}
	}
	t.Logf("%d of 88 parcels in the scene; %d of 68 scenes too cloudy for any parcel", inScene, cloudy)
	if len(by["cultivated land"]) == 0 || len(by["forest"]) < 3 {
		t.Fatalf("parcels with enough clear scenes: %d cultivated, %d forest", len(by["cultivated land"]), len(by["forest"]))
	}
	for _, c := range by["cultivated land"] {
		if c.summer < 0.5 || c.winter > 0.25 {
			t.Errorf("cultivated parcel: summer %.2f, winter %.2f; want a canopy (>= 0.5) and bare soil (<= 0.25)", c.summer, c.winter)
		}
	}
	for _, f := range by["forest"] {
		if f.summer < 0.5 || f.winter < 0.3 {
			t.Errorf("forest parcel: summer %.2f, winter %.2f; want a canopy and no bare soil (>= 0.3)", f.summer, f.winter)
		}
	}
	if cloudy == 0 {
		t.Error("no scene was recognised as cloud-blocked")
	}
}
