package satellite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"groundtruth/crop"
	"groundtruth/geo"
	"groundtruth/raster"
	"groundtruth/satellite"
)

// fullTile is the size of a Sentinel-2 tile at 10 m.
const fullTile = 10980

// syntheticTile writes (once, in the temp directory) a 10980 x 10980 scene of two
// uint16 bands, red and near-infrared, made by tiling the real Landsat 8 scene's B4 and
// B5, uncompressed in strips of 16 rows, on the Landsat scene's grid extended east and
// south, and returns its path.
func syntheticTile(b *testing.B) (string, *raster.Image) {
	b.Helper()
	path := filepath.Join(os.TempDir(), "groundtruth-bench-tile-10980.tif")
	red, nir := open(b, data(b, "landsat8", "l8_B4.tif")), open(b, data(b, "landsat8", "l8_B5.tif"))
	if _, err := os.Stat(path); err != nil {
		rv, nv := readAll(b, red, 0), readAll(b, nir, 0)
		w, h := red.Width(), red.Height()
		t, _ := red.Transform()
		f, err := os.Create(path + ".tmp")
		if err != nil {
			b.Fatal(err)
		}
		err = raster.WriteRows(f, raster.WriteOptions{Width: fullTile, Height: fullTile, Bands: 2, DataType: raster.Uint16,
			EPSG: red.EPSG(), Transform: t}, func(y int, dst []float64) error {
			for x := range fullTile {
				i := (y%h)*w + x%w
				dst[2*x], dst[2*x+1] = rv[i], nv[i]
			}
			return nil
		})
		if err == nil {
			err = f.Close()
		}
		if err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			b.Fatal(err)
		}
	}
	return path, open(b, path)
}

// benchFields lays out n square fields of side metres on a regular grid over the tile,
// in lon/lat.
func benchFields(b *testing.B, im *raster.Image, n int, side float64) []satellite.Field {
	b.Helper()
	crs, gt, err := satellite.Grid(im)
	if err != nil {
		b.Fatal(err)
	}
	per := 1
	for per*per < n {
		per++
	}
	span := float64(fullTile) * gt.DX / float64(per)
	var out []satellite.Field
	for k := range n {
		x := gt.X0 + (float64(k%per)+0.5)*span
		y := gt.Y0 - (float64(k/per)+0.5)*span
		var ring [][2]float64
		for _, c := range [][2]float64{{0, 0}, {side, 0}, {side, -side}, {0, -side}, {0, 0}} {
			lon, lat, err := geo.Inverse(crs, x+c[0], y+c[1])
			if err != nil {
				b.Fatal(err)
			}
			ring = append(ring, [2]float64{lon, lat})
		}
		out = append(out, satellite.Field{ID: strconv.Itoa(k), Polygon: geo.MultiPolygon{geo.Polygon{ring}}})
	}
	return out
}

// BenchmarkZonalFullTile reads a full-size 10980 x 10980 two-band scene from disk and
// computes NDVI and the zonal statistics of fields covering GT_BENCH_COVER (default all)
// of it, reporting megapixels of the scene per second and the peak resident memory.
func BenchmarkZonalFullTile(b *testing.B) {
	path, im := syntheticTile(b)
	fields := benchFields(b, im, 1000, float64(fullTile)*30/32) // 1000 fields that tile the scene
	b.Logf("scene %s: %dx%d, %d fields", path, im.Width(), im.Height(), len(fields))
	s := satellite.Scene{Red: im, NIR: im, RedBand: 0, NIRBand: 1}
	b.ResetTimer()
	for b.Loop() {
		res, err := satellite.Zonal(context.Background(), s, fields, nil)
		if err != nil {
			b.Fatal(err)
		}
		if res[0].Valid == 0 {
			b.Fatal("no pixel in the first field")
		}
	}
	b.ReportMetric(float64(fullTile*fullTile)/1e6*float64(b.N)/b.Elapsed().Seconds(), "Mpx/s")
	b.ReportMetric(peakRSS(b), "peak-MB")
}

// BenchmarkNDVIZonalBlocks measures the computation alone on 256 x 256 blocks already
// decoded: NDVI with a quality mask and zonal accumulation into a field that covers the
// block.
func BenchmarkNDVIZonalBlocks(b *testing.B) {
	const n = 256
	red, nir, mask := make([]float64, n*n), make([]float64, n*n), make([]uint8, n*n)
	for i := range red {
		red[i], nir[i] = float64(8000+i%997), float64(12000+i%1499)
		if i%53 == 0 {
			mask[i] = crop.Cloud
		}
	}
	var spans []crop.Span
	for y := range n {
		spans = append(spans, crop.Span{Row: y, Col0: 0, Col1: n})
	}
	z := crop.NewZones([][]crop.Span{spans})
	vals, cls := make([]float32, n*n), make([]uint8, n*n)
	b.SetBytes(n * n) // "bytes" here are pixels: MB/s reads as Mpx/s
	for b.Loop() {
		crop.NDVIBlock(red, nir, mask, nil, vals, cls)
		z.AddBlock(0, 0, n, n, vals, cls)
	}
}

// peakRSS returns the process's peak resident set size in MB (Linux), or the Go
// runtime's memory from the OS when /proc is not there.
func peakRSS(b *testing.B) float64 {
	if st, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(st), "\n") {
			if strings.HasPrefix(line, "VmHWM:") {
				var kb float64
				fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(line, "VmHWM:"), "kB")), &kb)
				return kb / 1024
			}
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.Sys) / (1 << 20)
}
