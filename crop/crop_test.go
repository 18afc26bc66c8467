package crop_test

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"groundtruth/crop"
)

func TestMasks(t *testing.T) {
	// Landsat 8 Collection 1 BQA: bit 0 fill, bit 4 cloud, bits 5-6 cloud confidence,
	// 7-8 cloud shadow confidence, 11-12 cirrus confidence.
	for _, tc := range []struct {
		qa   uint16
		want uint8
	}{
		{1, crop.NoData},
		{2720, crop.Clear},    // clear land: low cloud, shadow, snow and cirrus confidence
		{1 << 4, crop.Cloud},  // cloud bit
		{3 << 5, crop.Cloud},  // high cloud confidence
		{2 << 5, crop.Clear},  // medium cloud confidence alone
		{3 << 7, crop.Cloud},  // high cloud shadow confidence
		{3 << 11, crop.Cloud}, // high cirrus confidence
		{1<<11 | 1<<7 | 1<<5, crop.Clear},
	} {
		if got := crop.LandsatQA(tc.qa); got != tc.want {
			t.Errorf("LandsatQA(%d) = %d, want %d", tc.qa, got, tc.want)
		}
	}
	scl := map[uint8]uint8{0: crop.NoData, 1: crop.NoData, 2: crop.Clear, 3: crop.Cloud, 4: crop.Clear, 5: crop.Clear,
		6: crop.Clear, 7: crop.Clear, 8: crop.Cloud, 9: crop.Cloud, 10: crop.Cloud, 11: crop.Clear, 12: crop.NoData}
	for c, want := range scl {
		if got := crop.SentinelSCL(c); got != want {
			t.Errorf("SentinelSCL(%d) = %d, want %d", c, got, want)
		}
	}
}

func TestNDVI(t *testing.T) {
	for _, tc := range []struct {
		red, nir, want float64
		ok             bool
	}{
		{0.1, 0.5, 4.0 / 6, true}, {0.5, 0.1, -4.0 / 6, true}, {100, 100, 0, true},
		{0, 0, 0, false}, {-1, 0.5, 0, false}, {math.NaN(), 1, 0, false}, {math.Inf(1), 1, 0, false},
	} {
		got, ok := crop.NDVI(tc.red, tc.nir)
		if ok != tc.ok || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("NDVI(%v, %v) = %v, %v; want %v, %v", tc.red, tc.nir, got, ok, tc.want, tc.ok)
		}
	}
	red, nir := []float64{10, 0, 20, 5}, []float64{30, 0, 20, 65535}
	mask := []uint8{crop.Clear, crop.Clear, crop.Cloud, crop.Clear}
	nd := 65535.0
	out, class := make([]float32, 4), make([]uint8, 4)
	crop.NDVIBlock(red, nir, mask, &nd, out, class)
	if out[0] != 0.5 || class[0] != crop.Clear || class[1] != crop.NoData || class[2] != crop.Cloud || class[3] != crop.NoData ||
		!math.IsNaN(float64(out[1])) || !math.IsNaN(float64(out[2])) {
		t.Errorf("NDVIBlock = %v %v", out, class)
	}
}

// TestZonesMatchBruteForce: zonal statistics gathered block by block, for any block
// size, equal those computed directly from the zone's pixel list (mean and standard
// deviation to 1e-9, quantiles to the histogram's 0.001).
func TestZonesMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const w, h = 97, 83
	ndvi, class := make([]float32, w*h), make([]uint8, w*h)
	for i := range ndvi {
		ndvi[i] = float32(rng.Float64()*1.6 - 0.6)
		switch r := rng.Float64(); {
		case r < 0.1:
			class[i] = crop.Cloud
		case r < 0.15:
			class[i] = crop.NoData
		}
	}
	// A disc and a ring, as spans.
	disc := func(cx, cy, r0, r1 float64) []crop.Span {
		var out []crop.Span
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
				if d < r1 && d >= r0 {
					out = append(out, crop.Span{Row: y, Col0: x, Col1: x + 1})
				}
			}
		}
		return out
	}
	zones := [][]crop.Span{disc(30, 30, 0, 20), disc(60, 50, 10, 25)}
	for _, block := range [][2]int{{w, h}, {16, 16}, {7, 13}, {w, 1}} {
		z := crop.NewZones(zones)
		for y0 := 0; y0 < h; y0 += block[1] {
			for x0 := 0; x0 < w; x0 += block[0] {
				bw, bh := min(block[0], w-x0), min(block[1], h-y0)
				nd, cl := make([]float32, bw*bh), make([]uint8, bw*bh)
				for y := range bh {
					for x := range bw {
						nd[y*bw+x], cl[y*bw+x] = ndvi[(y0+y)*w+x0+x], class[(y0+y)*w+x0+x]
					}
				}
				z.AddBlock(x0, y0, bw, bh, nd, cl)
			}
		}
		for i, got := range z.Stats() {
			var vals []float64
			cloud, nodata := 0, 0
			for _, sp := range zones[i] {
				for c := sp.Col0; c < sp.Col1; c++ {
					switch class[sp.Row*w+c] {
					case crop.Cloud:
						cloud++
					case crop.NoData:
						nodata++
					default:
						vals = append(vals, float64(ndvi[sp.Row*w+c]))
					}
				}
			}
			sort.Float64s(vals)
			mean, ss := 0.0, 0.0
			for _, v := range vals {
				mean += v
			}
			mean /= float64(len(vals))
			for _, v := range vals {
				ss += (v - mean) * (v - mean)
			}
			q := func(p float64) float64 { return vals[max(int(math.Ceil(p*float64(len(vals))))-1, 0)] }
			if got.Valid != len(vals) || got.Cloud != cloud || got.NoData != nodata || got.Pixels != len(vals)+cloud+nodata ||
				math.Abs(got.Mean-mean) > 1e-9 || math.Abs(got.Std-math.Sqrt(ss/float64(len(vals)))) > 1e-9 ||
				math.Abs(got.P10-q(0.1)) > 0.001 || math.Abs(got.P50-q(0.5)) > 0.001 || math.Abs(got.P90-q(0.9)) > 0.001 {
				t.Errorf("block %v zone %d: %+v; want valid %d cloud %d nodata %d mean %v p10 %v p50 %v p90 %v",
					block, i, got, len(vals), cloud, nodata, mean, q(0.1), q(0.5), q(0.9))
			}
		}
	}
}

func obs(day int, mean float64) crop.Observation {
	return crop.Observation{At: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC).AddDate(0, 0, day),
		Stats: crop.Stats{Pixels: 100, Valid: 100, Mean: mean}}
}

func TestSignals(t *testing.T) {
	p := crop.DefaultPolicy()
	planting := obs(120, 0).At // 1 May
	bare := []crop.Observation{obs(100, 0.18), obs(130, 0.2), obs(150, 0.22), obs(170, 0.25)}
	if ok, _ := p.NotPlanted(bare, planting, obs(160, 0).At); ok {
		t.Error("not_planted before the emergence window closed")
	}
	if ok, d := p.NotPlanted(bare, planting, obs(170, 0).At); !ok || d == "" {
		t.Error("bare soil past the emergence window is not not_planted")
	}
	grown := append(bare[:3:3], obs(168, 0.62))
	if ok, _ := p.NotPlanted(grown, planting, obs(170, 0).At); ok {
		t.Error("a field with a canopy is not_planted")
	}
	cloudy := []crop.Observation{obs(100, 0.2), obs(150, 0.2)}
	cloudy[1].Cloud, cloudy[1].Valid = 90, 10
	if ok, _ := p.NotPlanted(cloudy, planting, obs(170, 0).At); ok {
		t.Error("one clear scene and one clouded one raised not_planted (needs two clear scenes since planting)")
	}

	peers := []crop.Observation{obs(200, 0.80), obs(200, 0.78), obs(200, 0.83), obs(200, 0.76)}
	if ok, z := p.StressVsPeers(obs(200, 0.45), peers); !ok || z > -3 {
		t.Errorf("0.45 among peers at 0.8: stress %v z %v", ok, z)
	}
	if ok, _ := p.StressVsPeers(obs(200, 0.74), peers); ok {
		t.Error("0.74 among peers at 0.8 is stress")
	}
	history := []crop.Observation{obs(200-365, 0.8), obs(205-365, 0.82), obs(195-730, 0.79)}
	if ok, d := p.StressVsOwn(obs(200, 0.5), history); !ok || math.Abs(d+0.3033) > 0.001 {
		t.Errorf("0.5 against an own curve of 0.80: %v %v", ok, d)
	}
	harvest := obs(250, 0).At
	season := []crop.Observation{obs(150, 0.3), obs(180, 0.7), obs(200, 0.8), obs(215, 0.25)}
	if ok, _ := p.EarlyHarvest(season, harvest, obs(220, 0).At); ok {
		t.Error("one low scene after the canopy is early_harvest (haze reads low too)")
	}
	if ok, _ := p.EarlyHarvest(append(season[:4:4], obs(217, 0.72)), harvest, obs(220, 0).At); ok {
		t.Error("a low scene followed by the canopy again is early_harvest")
	}
	season = append(season, obs(218, 0.22))
	if ok, d := p.EarlyHarvest(season, harvest, obs(220, 0).At); !ok || d == "" {
		t.Error("a canopy gone 35 days before harvest, in two scenes, is not early_harvest")
	}
	if ok, _ := p.EarlyHarvest(season, obs(230, 0).At, obs(220, 0).At); ok {
		t.Error("a canopy gone 15 days before harvest is early_harvest")
	}

	if tr, why := p.Trust(season, obs(230, 0).At); tr != 1 || why != "satellite" {
		t.Errorf("trust 15 days after a clear scene = %v %s", tr, why)
	}
	if tr, _ := p.Trust(season, obs(258, 0).At); math.Abs(tr-0.75) > 1e-9 { // 40 days: halfway from 20 to 60
		t.Errorf("trust 40 days after = %v, want 0.75", tr)
	}
	if tr, why := p.Trust(nil, obs(255, 0).At); tr != 0.5 || why != "no_clear_scene" {
		t.Errorf("trust without scenes = %v %s", tr, why)
	}
}

func TestYield(t *testing.T) {
	m, ok := crop.Yield("maize")
	if !ok || math.Abs(m.Expected(0.85)-9.475) > 1e-9 || m.Expected(0.2) != 0 || m.Expected(1.5) != 15 {
		t.Errorf("maize: %v %v %v %v", ok, m.Expected(0.85), m.Expected(0.2), m.Expected(1.5))
	}
	if _, ok := crop.Yield("quinoa"); ok {
		t.Error("a crop without a model has one")
	}
}
