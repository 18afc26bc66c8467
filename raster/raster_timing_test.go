package raster_test

import (
	"encoding/binary"
	"path/filepath"
	"testing"

	"groundtruth/raster"
)

// benchImage encodes a 1024x1024 single-band image of smooth data with some noise, as
// satellite bands have, in the given layout.
func benchImage(b *testing.B, dt raster.DataType, set func(*layer)) *raster.Image {
	b.Helper()
	l := smooth(dt, 1024, 1024, 1)
	noise := pattern(dt, 1024, 1024, 0, 9)
	for i := range l.data[0] {
		if dt == raster.Float32 {
			l.data[0][i] += float64(float32(noise[i] / 1e5))
			l.data[0][i] = float64(float32(l.data[0][i]))
		} else {
			l.data[0][i] = float64((int(l.data[0][i]) + int(noise[i])%64) % 65536)
		}
	}
	set(&l)
	return open(b, encodeTIFF(binary.LittleEndian, false, l)).Image()
}

// decodeAll reads every block of band 0, reporting throughput in decoded pixel bytes.
func decodeAll(b *testing.B, im *raster.Image) {
	bw, bh := im.BlockSize()
	dst := make([]float64, bw*bh)
	b.SetBytes(int64(im.Width() * im.Height() * im.DataType().Size()))
	b.ReportAllocs()
	for b.Loop() {
		for i := range im.Blocks() {
			if _, err := im.ReadBlock(i, 0, dst); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkDecodeDeflatePredictorTiles decodes 256x256 uint16 tiles with DEFLATE and
// horizontal differencing, the layout of a typical COG band.
func BenchmarkDecodeDeflatePredictorTiles(b *testing.B) {
	decodeAll(b, benchImage(b, raster.Uint16, func(l *layer) {
		l.tileW, l.tileH, l.compression, l.predictor = 256, 256, 8, 2
	}))
}

// BenchmarkDecodeDeflateFloatPredictorTiles decodes 256x256 float32 tiles with DEFLATE
// and the floating-point predictor, the layout of an NDVI product.
func BenchmarkDecodeDeflateFloatPredictorTiles(b *testing.B) {
	decodeAll(b, benchImage(b, raster.Float32, func(l *layer) {
		l.tileW, l.tileH, l.compression, l.predictor = 256, 256, 8, 3
	}))
}

// BenchmarkDecodeLZWPredictorTiles decodes 256x256 uint16 tiles with LZW and horizontal
// differencing.
func BenchmarkDecodeLZWPredictorTiles(b *testing.B) {
	decodeAll(b, benchImage(b, raster.Uint16, func(l *layer) {
		l.tileW, l.tileH, l.compression, l.predictor = 256, 256, 5, 2
	}))
}

// BenchmarkDecodeUncompressedStrips decodes uncompressed uint16 strips of 8 rows, the
// layout of the Landsat Level-1 files.
func BenchmarkDecodeUncompressedStrips(b *testing.B) {
	decodeAll(b, benchImage(b, raster.Uint16, func(l *layer) { l.rowsPerStrip = 8 }))
}

// BenchmarkRealCOG decodes the NIR band of the real 2-band Landsat COG from disk.
func BenchmarkRealCOG(b *testing.B) {
	dir := satDir(b)
	f := openFile(b, filepath.Join(dir, "landsat8", "derived_l8_B4red_B5nir_cog.tif"))
	decodeAll(b, f.Image())
}
