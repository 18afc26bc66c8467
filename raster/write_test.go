package raster_test

import (
	"bytes"
	"math"
	"testing"

	"groundtruth/raster"
)

// TestWriteReadsBack: what Write writes, Open reads back exactly, georeferencing and
// nodata included, for each data type, with and without DEFLATE.
func TestWriteReadsBack(t *testing.T) {
	for _, dt := range []raster.DataType{raster.Uint8, raster.Uint16, raster.Float32} {
		for _, deflate := range []bool{false, true} {
			const w, h, bands = 37, 23, 2
			px := make([]float64, w*h*bands)
			for i := range px {
				switch dt {
				case raster.Float32:
					px[i] = float64(float32(math.Sin(float64(i)) * 0.9))
				case raster.Uint8:
					px[i] = float64(i * 7 % 256)
				default:
					px[i] = float64(i * 977 % 65536)
				}
			}
			nd := -9999.0
			tr := raster.Transform{465180, 10, 0, 5080260, 0, -10}
			var buf bytes.Buffer
			err := raster.Write(&buf, raster.WriteOptions{Width: w, Height: h, Bands: bands, DataType: dt, EPSG: 32633,
				Transform: tr, NoData: &nd, Deflate: deflate, RowsPerStrip: 5}, px)
			if err != nil {
				t.Fatal(err)
			}
			f, err := raster.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err != nil {
				t.Fatalf("%v deflate %v: %v", dt, deflate, err)
			}
			im := f.Image()
			gotTr, ok := im.Transform()
			gotND, hasND := im.NoData()
			if im.Width() != w || im.Height() != h || im.Bands() != bands || im.EPSG() != 32633 || !ok || gotTr != tr || !hasND || gotND != nd {
				t.Fatalf("%v deflate %v: %dx%d %d bands EPSG %d transform %v nodata %v", dt, deflate, im.Width(), im.Height(), im.Bands(), im.EPSG(), gotTr, gotND)
			}
			for b := range bands {
				got := make([]float64, w*h)
				if err := im.ReadWindow(0, 0, w, h, b, got); err != nil {
					t.Fatal(err)
				}
				for i, v := range got {
					if v != px[i*bands+b] {
						t.Fatalf("%v deflate %v band %d pixel %d = %v, want %v", dt, deflate, b, i, v, px[i*bands+b])
					}
				}
			}
		}
	}
}
