package raster_test

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"groundtruth/raster"
)

// satDir returns the shared satellite data folder (../shared/data/satellite from the
// repository root), skipping the test when it is absent unless GT_REQUIRE_DATA=1.
func satDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "data", "satellite")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("GT_REQUIRE_DATA") == "1" {
			t.Fatalf("real data required (GT_REQUIRE_DATA=1) but %s is missing: %v", dir, err)
		}
		t.Skipf("real data not present at %s; set GT_REQUIRE_DATA=1 to require it", dir)
	}
	return dir
}

// openFile opens a TIFF file in place; the file is closed when the test ends.
func openFile(t testing.TB, path string) *raster.File {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fh.Close() })
	st, err := fh.Stat()
	if err != nil {
		t.Fatal(err)
	}
	f, err := raster.Open(fh, st.Size())
	if err != nil {
		t.Fatalf("Open(%s) error = %v", path, err)
	}
	return f
}

// readBand reads a whole band of an image.
func readBand(t testing.TB, im *raster.Image, band int) []float64 {
	t.Helper()
	v := make([]float64, im.Width()*im.Height())
	if err := im.ReadWindow(0, 0, im.Width(), im.Height(), band, v); err != nil {
		t.Fatalf("ReadWindow(band %d) error = %v", band, err)
	}
	return v
}

// mtl reads the KEY = value lines of a Landsat MTL file.
func mtl(t *testing.T, path string) map[string]float64 {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	m := map[string]float64{}
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			m[strings.TrimSpace(k)] = f
		}
	}
	return m
}

// TestLandsat8 reads the three single-band Landsat files and checks their georeferencing
// against the scene metadata: the files are a 627x603 crop of the scene, so the crop's
// pixel centres must lie on the scene's 30 m grid, whose corner pixel centres the MTL
// gives, and inside the scene.
func TestLandsat8(t *testing.T) {
	dir := filepath.Join(satDir(t), "landsat8")
	meta := mtl(t, filepath.Join(dir, "l8_MTL.txt"))
	px := meta["GRID_CELL_SIZE_REFLECTIVE"]
	ulx, uly := meta["CORNER_UL_PROJECTION_X_PRODUCT"], meta["CORNER_UL_PROJECTION_Y_PRODUCT"]
	lrx, lry := meta["CORNER_LR_PROJECTION_X_PRODUCT"], meta["CORNER_LR_PROJECTION_Y_PRODUCT"]
	if px != 30 || ulx == 0 || lry == 0 {
		t.Fatalf("MTL cell %v, UL (%v,%v), LR (%v,%v): metadata not parsed", px, ulx, uly, lrx, lry)
	}
	for _, name := range []string{"l8_B4.tif", "l8_B5.tif", "l8_BQA.tif"} {
		f := openFile(t, filepath.Join(dir, name))
		im := f.Image()
		if len(f.Images()) != 1 || im.Width() != 627 || im.Height() != 603 || im.Bands() != 1 || im.DataType() != raster.Uint16 {
			t.Errorf("%s: %d images, %dx%dx%d %v, want 1 image 627x603x1 uint16", name, len(f.Images()), im.Width(), im.Height(), im.Bands(), im.DataType())
		}
		if im.Compression() != 1 || im.Tiled() || im.EPSG() != 32616 || im.RasterType() != raster.PixelIsPoint {
			t.Errorf("%s: compression %d tiled %v EPSG %d raster type %v, want 1 false 32616 point", name, im.Compression(), im.Tiled(), im.EPSG(), im.RasterType())
		}
		tr, ok := im.Transform()
		if !ok || tr[1] != px || tr[5] != -px || tr[2] != 0 || tr[4] != 0 {
			t.Fatalf("%s: Transform() = %v, %v, want 30 m north-up pixels", name, tr, ok)
		}
		cx, cy := tr.Apply(0.5, 0.5) // centre of the first pixel
		col, row := (cx-ulx)/px, (uly-cy)/px
		if col != math.Trunc(col) || row != math.Trunc(row) {
			t.Errorf("%s: first pixel centre (%v,%v) is off the scene grid: scene column %v row %v", name, cx, cy, col, row)
		}
		ex, ey := tr.Apply(627, 603)
		if tr[0] < ulx-px/2 || tr[3] > uly+px/2 || ex > lrx+px/2 || ey < lry-px/2 {
			t.Errorf("%s: extent (%v,%v)-(%v,%v) outside the scene (%v,%v)-(%v,%v)", name, tr[0], tr[3], ex, ey, ulx, uly, lrx, lry)
		}
		t.Logf("%s: corner (%v, %v), scene column %v row %v", name, tr[0], tr[3], col, row)
	}
}

// TestLandsat8NDVI computes NDVI = (B5-B4)/(B5+B4) over the pixels with B4+B5 > 0,
// streaming block by block, and compares it with the figures of the data README.
func TestLandsat8NDVI(t *testing.T) {
	dir := filepath.Join(satDir(t), "landsat8")
	red := openFile(t, filepath.Join(dir, "l8_B4.tif")).Image()
	nir := openFile(t, filepath.Join(dir, "l8_B5.tif")).Image()
	bw, bh := red.BlockSize()
	r, n := make([]float64, bw*bh), make([]float64, bw*bh)
	var sum, maxNDVI float64
	count := 0
	maxNDVI = math.Inf(-1)
	for i := range red.Blocks() {
		rect, err := red.ReadBlock(i, 0, r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nir.ReadBlock(i, 0, n); err != nil {
			t.Fatal(err)
		}
		for k := range rect.Dx() * rect.Dy() {
			if s := r[k] + n[k]; s > 0 {
				v := (n[k] - r[k]) / s
				sum += v
				count++
				maxNDVI = max(maxNDVI, v)
			}
		}
	}
	mean := sum / float64(count)
	t.Logf("NDVI over %d of %d pixels: mean %.6f, max %.6f", count, 627*603, mean, maxNDVI)
	if math.Abs(mean-0.29) > 0.01 || math.Abs(maxNDVI-0.56) > 0.01 {
		t.Errorf("NDVI mean %.4f max %.4f, want about 0.29 and 0.56", mean, maxNDVI)
	}
}

// TestLandsat8COG checks that the 2-band DEFLATE COG holds exactly the pixels of the
// single-band files at full resolution and that its overviews are found.
func TestLandsat8COG(t *testing.T) {
	dir := filepath.Join(satDir(t), "landsat8")
	f := openFile(t, filepath.Join(dir, "derived_l8_B4red_B5nir_cog.tif"))
	ims := f.Images()
	full := ims[0]
	if full.Width() != 627 || full.Height() != 603 || full.Bands() != 2 || !full.Tiled() || full.Compression() != 8 || full.EPSG() != 32616 {
		t.Fatalf("COG = %dx%dx%d tiled %v compression %d EPSG %d, want 627x603x2 tiled DEFLATE 32616",
			full.Width(), full.Height(), full.Bands(), full.Tiled(), full.Compression(), full.EPSG())
	}
	for band, name := range []string{"l8_B4.tif", "l8_B5.tif"} {
		want := readBand(t, openFile(t, filepath.Join(dir, name)).Image(), 0)
		got := readBand(t, full, band)
		diff := 0
		for i := range want {
			if got[i] != want[i] {
				diff++
			}
		}
		if diff != 0 {
			t.Errorf("COG band %d differs from %s in %d of %d pixels", band, name, diff, len(want))
		}
	}
	if len(ims) < 2 {
		t.Fatalf("COG has %d images, want overviews", len(ims))
	}
	ft, _ := full.Transform()
	fx, fy := ft.Apply(627, 603)
	fullMean := mean(readBand(t, full, 1))
	for i, ov := range ims[1:] {
		prev := ims[i]
		if !ov.IsOverview() || ov.Width() >= prev.Width() || ov.Height() >= prev.Height() || ov.Bands() != 2 || ov.EPSG() != 32616 {
			t.Errorf("overview %d: %dx%dx%d overview %v EPSG %d", i+1, ov.Width(), ov.Height(), ov.Bands(), ov.IsOverview(), ov.EPSG())
		}
		tr, ok := ov.Transform()
		x, y := tr.Apply(float64(ov.Width()), float64(ov.Height()))
		if !ok || tr[0] != ft[0] || tr[3] != ft[3] || math.Abs(x-fx) > 1e-6 || math.Abs(y-fy) > 1e-6 {
			t.Errorf("overview %d transform %v covers to (%v,%v), want the full extent to (%v,%v)", i+1, tr, x, y, fx, fy)
		}
		m := mean(readBand(t, ov, 1))
		if math.Abs(m-fullMean) > 0.02*fullMean {
			t.Errorf("overview %d NIR mean %.1f, full resolution %.1f", i+1, m, fullMean)
		}
		t.Logf("overview %d: %dx%d, pixel %.3f x %.3f m, NIR mean %.1f (full %.1f)", i+1, ov.Width(), ov.Height(), tr[1], -tr[5], m, fullMean)
	}
	if got := f.Overview(300, 300); got != ims[1] {
		t.Errorf("Overview(300, 300) = %dx%d, want the first overview", got.Width(), got.Height())
	}
	if got := f.Overview(1000, 1000); got != full {
		t.Errorf("Overview(1000, 1000) = %dx%d, want full resolution", got.Width(), got.Height())
	}
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
