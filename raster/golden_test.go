package raster_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"groundtruth/raster"
)

// The files in testdata/libtiff were written by libtiff's tiffcp (libtiff 4.5.0) from the
// uncompressed sources below, so that the LZW, DEFLATE and predictor decoders are checked
// against an independent encoder and not only against this package's test encoder. To
// regenerate: GT_WRITE_TESTDATA=1 go test ./raster -run TestWriteTestdata, then
// testdata/libtiff/make.sh.

// smooth returns image-like samples (gradients and texture) of type t, so that the
// predictors have something to predict.
func smooth(t raster.DataType, w, h, bands int) layer {
	l := layer{w: w, h: h, bands: bands, dtype: t, compression: 1, predictor: 1}
	for b := range bands {
		v := make([]float64, w*h)
		for y := range h {
			for x := range w {
				i := y*w + x
				switch t {
				case raster.Float32:
					v[i] = float64(float32(100*math.Sin(float64(x)*0.1)*math.Cos(float64(y)*0.13) + float64(b)))
				case raster.Uint8:
					v[i] = float64((x*3 + y*5 + b*40 + (x*y*7)%23) % 256)
				default:
					v[i] = float64((x*37 + y*101 + b*1000 + (x*y)%17*9) % 65536)
				}
			}
		}
		l.data = append(l.data, v)
	}
	return l
}

// goldenSources are the uncompressed inputs of testdata/libtiff/make.sh.
var goldenSources = map[string]layer{
	"src_u16x3.tif": smooth(raster.Uint16, 40, 30, 3),
	"src_f32x2.tif": smooth(raster.Float32, 40, 30, 2),
	"src_u8x1.tif":  smooth(raster.Uint8, 200, 150, 1),
	"src_u8x3.tif":  smooth(raster.Uint8, 40, 30, 3),
}

// TestLibtiffGolden reads every file tiffcp made and compares it with its source data.
func TestLibtiffGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "libtiff", "*.tif"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files in testdata/libtiff: %v", err)
	}
	for _, path := range files {
		name := filepath.Base(path)
		var src layer
		found := false
		for s, l := range goldenSources {
			// lzw2_u16x3_be.tif comes from src_u16x3.tif
			if containsWord(name, s[len("src_"):len(s)-len(".tif")]) {
				src, found = l, true
			}
		}
		if !found {
			t.Errorf("%s: no source layer", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			im := open(t, b).Image()
			t.Logf("%s: compression %d predictor %d tiled %v planar %v", name, im.Compression(), im.Predictor(), im.Tiled(), im.Planar())
			checkWindow(t, im, src, 0, 0, src.w, src.h)
		})
	}
}

func containsWord(name, word string) bool {
	for i := 0; i+len(word) <= len(name); i++ {
		if name[i:i+len(word)] == word && (i+len(word) == len(name) || name[i+len(word)] == '_' || name[i+len(word)] == '.') {
			return true
		}
	}
	return false
}

// TestWriteTestdata writes the golden sources and the fuzz seed corpus; it runs only
// with GT_WRITE_TESTDATA=1.
func TestWriteTestdata(t *testing.T) {
	if os.Getenv("GT_WRITE_TESTDATA") != "1" {
		t.Skip("set GT_WRITE_TESTDATA=1 to rewrite testdata")
	}
	dir := filepath.Join("testdata", "libtiff")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, l := range goldenSources {
		l.rowsPerStrip = 8
		if err := os.WriteFile(filepath.Join(dir, name), encodeTIFF(binary.LittleEndian, false, l), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir = filepath.Join("testdata", "fuzz", "FuzzOpen")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, seed := range fuzzSeeds() {
		body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(seed)) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
