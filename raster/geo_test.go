package raster_test

import (
	"encoding/binary"
	"math"
	"testing"

	"groundtruth/raster"
)

// TestOverviews encodes a full image, two overviews out of order and a mask, and checks
// the order of Images, overview selection and inherited georeferencing.
func TestOverviews(t *testing.T) {
	full := newLayer(raster.Uint16, 64, 48, 2, 1)
	full.tileW, full.tileH, full.compression = 16, 16, 8
	full.tags = append(geoTags(300000, 5000000, 10, 32633, 1), tag{42113, "0"})
	small := newLayer(raster.Uint16, 16, 12, 2, 2)
	small.subfile, small.tileW, small.tileH, small.compression = 1, 16, 16, 8
	mid := newLayer(raster.Uint16, 32, 24, 2, 3)
	mid.subfile, mid.tileW, mid.tileH, mid.compression = 1, 16, 16, 8
	mask := newLayer(raster.Uint8, 64, 48, 1, 4)
	mask.subfile = 4
	f := open(t, encodeTIFF(binary.LittleEndian, false, full, small, mask, mid))
	ims := f.Images()
	if len(ims) != 3 {
		t.Fatalf("Images() has %d images, want 3 (the mask left out)", len(ims))
	}
	for i, want := range []layer{full, mid, small} {
		im := ims[i]
		if im.Width() != want.w || im.IsOverview() != (i > 0) {
			t.Errorf("Images()[%d] = %dx%d overview %v, want width %d", i, im.Width(), im.Height(), im.IsOverview(), want.w)
		}
		checkWindow(t, im, want, 0, 0, want.w, want.h)
		if im.EPSG() != 32633 {
			t.Errorf("Images()[%d].EPSG() = %d, want 32633 inherited", i, im.EPSG())
		}
		if nd, ok := im.NoData(); !ok || nd != 0 {
			t.Errorf("Images()[%d].NoData() = %v, %v, want 0, true", i, nd, ok)
		}
		tr, _ := im.Transform()
		x, y := tr.Apply(float64(im.Width()), float64(im.Height()))
		if tr[0] != 300000 || tr[3] != 5000000 || x != 300640 || y != 4999520 {
			t.Errorf("Images()[%d] covers (%v,%v)-(%v,%v), want (300000,5000000)-(300640,4999520)", i, tr[0], tr[3], x, y)
		}
	}
	for _, c := range []struct{ w, h, want int }{{64, 48, 64}, {33, 10, 64}, {32, 24, 32}, {20, 20, 32}, {16, 12, 16}, {1, 1, 16}, {100, 100, 64}} {
		if got := f.Overview(c.w, c.h).Width(); got != c.want {
			t.Errorf("Overview(%d, %d).Width() = %d, want %d", c.w, c.h, got, c.want)
		}
	}
}

// TestGeoreferencing checks tiepoint and scale, PixelIsPoint, ModelTransformation,
// geographic codes and the nodata forms GDAL writes.
func TestGeoreferencing(t *testing.T) {
	base := func(tags ...tag) *raster.Image {
		l := newLayer(raster.Float32, 4, 3, 1, 1)
		l.tags = tags
		return open(t, encodeTIFF(binary.BigEndian, false, l)).Image()
	}
	im := base(geoTags(500000, 4000000, 20, 32616, 1)...)
	if tr, ok := im.Transform(); !ok || tr != (raster.Transform{500000, 20, 0, 4000000, 0, -20}) || im.RasterType() != raster.PixelIsArea || im.EPSG() != 32616 {
		t.Errorf("area: Transform() = %v, %v, %v, EPSG %d", tr, ok, im.RasterType(), im.EPSG())
	}
	im = base(geoTags(500000, 4000000, 20, 32616, 2)...)
	if tr, _ := im.Transform(); tr != (raster.Transform{499990, 20, 0, 4000010, 0, -20}) || im.RasterType() != raster.PixelIsPoint {
		t.Errorf("point: Transform() = %v, %v, want the corner half a pixel up and left", tr, im.RasterType())
	}
	im = base(geoTags(10.5, 45.25, 0.25, 4326, 1)...)
	if tr, _ := im.Transform(); im.EPSG() != 4326 || tr != (raster.Transform{10.5, 0.25, 0, 45.25, 0, -0.25}) {
		t.Errorf("geographic: EPSG %d Transform %v", im.EPSG(), tr)
	}
	// A tiepoint at raster position (2, 1) instead of (0, 0).
	im = base(tag{33550, []float64{20, 20, 0}}, tag{33922, []float64{2, 1, 0, 500040, 3999980, 0}})
	if tr, _ := im.Transform(); tr != (raster.Transform{500000, 20, 0, 4000000, 0, -20}) || im.EPSG() != 0 {
		t.Errorf("offset tiepoint: Transform %v EPSG %d", tr, im.EPSG())
	}
	// A rotated grid by ModelTransformation.
	im = base(tag{34264, []float64{2, 1, 0, 100, 0.5, -3, 0, 200, 0, 0, 0, 0, 0, 0, 0, 1}})
	tr, ok := im.Transform()
	if !ok || tr != (raster.Transform{100, 2, 1, 200, 0.5, -3}) {
		t.Errorf("ModelTransformation: Transform() = %v, %v", tr, ok)
	}
	inv, err := tr.Invert()
	if err != nil {
		t.Fatal(err)
	}
	x, y := tr.Apply(3.5, 1.25)
	if c, r := inv.Apply(x, y); math.Abs(c-3.5) > 1e-12 || math.Abs(r-1.25) > 1e-12 {
		t.Errorf("Invert: (%v,%v) back to (%v,%v), want (3.5,1.25)", x, y, c, r)
	}
	if _, err := (raster.Transform{0, 1, 2, 0, 2, 4}).Invert(); err == nil {
		t.Errorf("Invert of a singular transform: error = nil")
	}
	if _, ok := base().Transform(); ok {
		t.Errorf("Transform() of an image without geotags reports ok")
	}
	for s, want := range map[string]float64{"-9999": -9999, " 3.5 ": 3.5, "nan": math.NaN(), "-inf": math.Inf(-1)} {
		nd, ok := base(tag{42113, s}).NoData()
		if !ok || !(nd == want || math.IsNaN(nd) && math.IsNaN(want)) {
			t.Errorf("NoData() for %q = %v, %v, want %v", s, nd, ok, want)
		}
	}
	if _, ok := base().NoData(); ok {
		t.Errorf("NoData() without GDAL_NODATA reports ok")
	}
}

// TestSparseBlocks checks that blocks with byte count 0 (GDAL's sparse files) read as
// the nodata value, or 0 without one.
func TestSparseBlocks(t *testing.T) {
	for _, nodata := range []string{"", "-1"} {
		l := newLayer(raster.Int16, 32, 16, 1, 1)
		l.tileW, l.tileH = 16, 16
		l.tags = []tag{{324, []uint32{8, 8}}, {325, []uint32{0, 0}}}
		if nodata != "" {
			l.tags = append(l.tags, tag{42113, nodata})
		}
		im := open(t, encodeTIFF(binary.LittleEndian, false, l)).Image()
		dst := make([]float64, 32*16)
		if err := im.ReadWindow(0, 0, 32, 16, 0, dst); err != nil {
			t.Fatal(err)
		}
		want, _ := im.NoData()
		for i, v := range dst {
			if v != want {
				t.Fatalf("nodata %q: pixel %d = %v, want %v", nodata, i, v, want)
			}
		}
	}
}

// TestDataTypeNames checks the DataType helpers.
func TestDataTypeNames(t *testing.T) {
	for _, dt := range allTypes {
		if dt.Size() == 0 || dt.String() == "" {
			t.Errorf("%d: Size %d String %q", int(dt), dt.Size(), dt.String())
		}
	}
	if raster.Uint16.String() != "uint16" || raster.Float64.Size() != 8 || !raster.Float32.IsFloat() || raster.Int32.IsFloat() {
		t.Errorf("DataType helpers wrong")
	}
	if raster.DataType(99).Size() != 0 || raster.PixelIsPoint.String() != "point" {
		t.Errorf("unknown DataType or RasterType strings wrong")
	}
}
