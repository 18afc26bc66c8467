package raster_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"math"
	"testing"

	"groundtruth/raster"
)

var allTypes = []raster.DataType{
	raster.Uint8, raster.Int8, raster.Uint16, raster.Int16,
	raster.Uint32, raster.Int32, raster.Float32, raster.Float64,
}

// open opens an in-memory TIFF, failing the test on error.
func open(t testing.TB, b []byte) *raster.File {
	t.Helper()
	f, err := raster.Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("Open() error = %v", err)
	}
	return f
}

// checkWindow reads a window of every band and compares it with the layer's data.
func checkWindow(t *testing.T, im *raster.Image, l layer, x0, y0, w, h int) {
	t.Helper()
	bands := make([]int, l.bands)
	dst := make([][]float64, l.bands)
	for b := range bands {
		bands[b], dst[b] = b, make([]float64, w*h)
	}
	if err := im.ReadWindowBands(x0, y0, w, h, bands, dst); err != nil {
		t.Fatalf("ReadWindowBands(%d,%d,%d,%d) error = %v", x0, y0, w, h, err)
	}
	for b := range bands {
		one := make([]float64, w*h)
		if err := im.ReadWindow(x0, y0, w, h, b, one); err != nil {
			t.Fatalf("ReadWindow(%d,%d,%d,%d, band %d) error = %v", x0, y0, w, h, b, err)
		}
		for y := range h {
			for x := range w {
				want := l.data[b][(y0+y)*l.w+x0+x]
				if got := dst[b][y*w+x]; got != want {
					t.Fatalf("band %d pixel (%d,%d) = %v, want %v", b, x0+x, y0+y, got, want)
				}
				if got := one[y*w+x]; got != want {
					t.Fatalf("ReadWindow band %d pixel (%d,%d) = %v, want %v", b, x0+x, y0+y, got, want)
				}
			}
		}
	}
}

// TestRoundTrip encodes every combination of byte order, TIFF version, layout, planar
// configuration, sample type, compression and predictor, and reads every pixel back.
func TestRoundTrip(t *testing.T) {
	type layout struct {
		name              string
		tileW, tileH, rps int
		planar            bool
		bands             int
	}
	layouts := []layout{
		{name: "strips", rps: 3, bands: 1},
		{name: "onestrip", bands: 2},
		{name: "strips-chunky", rps: 4, bands: 3},
		{name: "strips-planar", rps: 5, planar: true, bands: 3},
		{name: "tiles-chunky", tileW: 16, tileH: 16, bands: 3},
		{name: "tiles-planar", tileW: 16, tileH: 32, planar: true, bands: 2},
	}
	orders := []binary.ByteOrder{binary.LittleEndian, binary.BigEndian}
	for _, order := range orders {
		for _, big := range []bool{false, true} {
			for _, lay := range layouts {
				for _, dt := range allTypes {
					for _, comp := range []int{1, 5, 8, 32946} {
						preds := []int{1, 2}
						if dt.IsFloat() {
							preds = append(preds, 3)
						}
						for _, pred := range preds {
							name := fmt.Sprintf("%v/big=%v/%s/%v/c%d/p%d", order, big, lay.name, dt, comp, pred)
							l := newLayer(dt, 37, 23, lay.bands, 1)
							l.tileW, l.tileH, l.rowsPerStrip, l.planar = lay.tileW, lay.tileH, lay.rps, lay.planar
							l.compression, l.predictor = comp, pred
							t.Run(name, func(t *testing.T) {
								f := open(t, encodeTIFF(order, big, l))
								im := f.Image()
								if f.BigTIFF() != big || f.ByteOrder() != order {
									t.Errorf("BigTIFF, ByteOrder = %v, %v, want %v, %v", f.BigTIFF(), f.ByteOrder(), big, order)
								}
								if im.Width() != l.w || im.Height() != l.h || im.Bands() != l.bands || im.DataType() != dt {
									t.Fatalf("image = %dx%dx%d %v, want %dx%dx%d %v", im.Width(), im.Height(), im.Bands(), im.DataType(), l.w, l.h, l.bands, dt)
								}
								if im.Compression() != comp || im.Predictor() != pred || im.Planar() != lay.planar || im.Tiled() != (lay.tileW > 0) {
									t.Errorf("codec = %d/%d planar %v tiled %v", im.Compression(), im.Predictor(), im.Planar(), im.Tiled())
								}
								checkWindow(t, im, l, 0, 0, l.w, l.h)
								checkBlocks(t, im, l)
							})
						}
					}
				}
			}
		}
	}
}

// checkBlocks reads every block of every band through Blocks and ReadBlock and checks
// that the blocks tile the image exactly once.
func checkBlocks(t *testing.T, im *raster.Image, l layer) {
	t.Helper()
	bw, bh := im.BlockSize()
	buf := make([]float64, bw*bh)
	covered := make([]int, l.w*l.h)
	n := 0
	for i, r := range im.Blocks() {
		if i != n {
			t.Fatalf("Blocks yielded %d, want %d", i, n)
		}
		n++
		if want, _ := im.BlockBounds(i); r != want {
			t.Fatalf("Blocks rect %v, BlockBounds %v", r, want)
		}
		for b := range l.bands {
			got, err := im.ReadBlock(i, b, buf)
			if err != nil {
				t.Fatalf("ReadBlock(%d, %d) error = %v", i, b, err)
			}
			if got != r {
				t.Fatalf("ReadBlock(%d) rect = %v, want %v", i, got, r)
			}
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					if b == 0 {
						covered[y*l.w+x]++
					}
					v := buf[(y-r.Min.Y)*r.Dx()+x-r.Min.X]
					if want := l.data[b][y*l.w+x]; v != want {
						t.Fatalf("ReadBlock(%d, %d) pixel (%d,%d) = %v, want %v", i, b, x, y, v, want)
					}
				}
			}
		}
	}
	if n != im.NumBlocks() {
		t.Errorf("Blocks yielded %d blocks, NumBlocks = %d", n, im.NumBlocks())
	}
	for i, c := range covered {
		if c != 1 {
			t.Fatalf("pixel %d covered by %d blocks", i, c)
		}
	}
}

// TestWindows reads windows that cross tile and strip boundaries, with several bands.
func TestWindows(t *testing.T) {
	windows := []image.Rectangle{
		image.Rect(0, 0, 1, 1), image.Rect(15, 15, 17, 17), image.Rect(10, 5, 70, 60),
		image.Rect(99, 69, 100, 70), image.Rect(0, 63, 100, 70), image.Rect(31, 0, 33, 70),
		image.Rect(16, 16, 32, 32), image.Rect(0, 0, 100, 70),
	}
	layouts := map[string]func(*layer){
		"tiles-chunky": func(l *layer) { l.tileW, l.tileH = 16, 16 },
		"tiles-planar": func(l *layer) { l.tileW, l.tileH, l.planar = 32, 16, true },
		"strips":       func(l *layer) { l.rowsPerStrip = 7 },
		"strips-plan":  func(l *layer) { l.rowsPerStrip = 9; l.planar = true },
	}
	for name, set := range layouts {
		t.Run(name, func(t *testing.T) {
			l := newLayer(raster.Int16, 100, 70, 4, 7)
			l.compression, l.predictor = 8, 2
			set(&l)
			im := open(t, encodeTIFF(binary.LittleEndian, false, l)).Image()
			for _, w := range windows {
				checkWindow(t, im, l, w.Min.X, w.Min.Y, w.Dx(), w.Dy())
			}
		})
	}
}

// TestLZWTableResets uses inputs long and varied enough to fill the LZW table several
// times, and runs long enough to build the longest strings.
func TestLZWTableResets(t *testing.T) {
	inputs := map[string]func(i int) float64{
		"random":   func(i int) float64 { return float64((i*2654435761)>>13) / 1 },
		"constant": func(int) float64 { return 42 },
		"ramp":     func(i int) float64 { return float64(i % 251) },
	}
	for name, f := range inputs {
		t.Run(name, func(t *testing.T) {
			l := newLayer(raster.Uint8, 300, 200, 1, 1)
			for i := range l.data[0] {
				l.data[0][i] = float64(uint8(f(i)))
			}
			l.compression, l.tileW, l.tileH = 5, 256, 256
			checkWindow(t, open(t, encodeTIFF(binary.BigEndian, false, l)).Image(), l, 0, 0, 300, 200)
		})
	}
}

// TestSpecialFloats checks that NaN, infinities and negative zero survive the
// floating-point predictor.
func TestSpecialFloats(t *testing.T) {
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), math.SmallestNonzeroFloat32, math.MaxFloat32}
	for _, dt := range []raster.DataType{raster.Float32, raster.Float64} {
		l := newLayer(dt, len(special), 1, 1, 1)
		copy(l.data[0], special)
		l.compression, l.predictor = 8, 3
		dst := make([]float64, len(special))
		if err := open(t, encodeTIFF(binary.BigEndian, true, l)).Image().ReadWindow(0, 0, len(special), 1, 0, dst); err != nil {
			t.Fatal(err)
		}
		for i, v := range dst {
			if math.Float64bits(v) != math.Float64bits(special[i]) && !(math.IsNaN(v) && math.IsNaN(special[i])) {
				t.Errorf("%v sample %d = %v, want %v", dt, i, v, special[i])
			}
		}
	}
}

// TestReadErrors checks argument validation of the read methods.
func TestReadErrors(t *testing.T) {
	l := newLayer(raster.Uint8, 20, 10, 2, 1)
	l.tileW, l.tileH = 16, 16
	im := open(t, encodeTIFF(binary.LittleEndian, false, l)).Image()
	buf := make([]float64, 400)
	for name, err := range map[string]error{
		"negative x":     im.ReadWindow(-1, 0, 2, 2, 0, buf),
		"past right":     im.ReadWindow(19, 0, 2, 2, 0, buf),
		"past bottom":    im.ReadWindow(0, 9, 2, 2, 0, buf),
		"empty":          im.ReadWindow(0, 0, 0, 2, 0, buf),
		"band":           im.ReadWindow(0, 0, 2, 2, 2, buf),
		"negative band":  im.ReadWindow(0, 0, 2, 2, -1, buf),
		"short dst":      im.ReadWindow(0, 0, 20, 10, 0, buf[:199]),
		"bands mismatch": im.ReadWindowBands(0, 0, 2, 2, []int{0, 1}, [][]float64{buf}),
		"no bands":       im.ReadWindowBands(0, 0, 2, 2, nil, nil),
	} {
		if err == nil {
			t.Errorf("%s: error = nil, want an error", name)
		}
	}
	for _, i := range []int{-1, 2} {
		if _, err := im.ReadBlock(i, 0, buf); err == nil {
			t.Errorf("ReadBlock(%d) error = nil, want an error", i)
		}
	}
	if _, err := im.ReadBlock(0, 0, buf[:10]); err == nil {
		t.Errorf("ReadBlock with short dst error = nil, want an error")
	}
}

// TestConcurrentReads reads one image from several goroutines at once; run with -race.
func TestConcurrentReads(t *testing.T) {
	l := newLayer(raster.Float32, 90, 70, 3, 5)
	l.tileW, l.tileH, l.compression, l.predictor = 16, 16, 8, 3
	im := open(t, encodeTIFF(binary.LittleEndian, false, l)).Image()
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			dst := make([]float64, 40*30)
			for k := range 20 {
				x, y, band := (g*7+k*3)%50, (g*5+k)%40, (g+k)%3
				if err := im.ReadWindow(x, y, 40, 30, band, dst); err != nil {
					errs <- err
					return
				}
				for i, v := range dst {
					if want := l.data[band][(y+i/40)*90+x+i%40]; v != want {
						errs <- fmt.Errorf("goroutine %d: band %d pixel %d = %v, want %v", g, band, i, v, want)
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
