package raster_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"groundtruth/raster"
)

// fuzzSeeds returns small valid files of every layout and codec, and truncated and
// corrupted copies of some of them.
func fuzzSeeds() [][]byte {
	var seeds [][]byte
	add := func(order binary.ByteOrder, big bool, layers ...layer) []byte {
		b := encodeTIFF(order, big, layers...)
		seeds = append(seeds, b)
		return b
	}
	l := newLayer(raster.Uint16, 9, 7, 2, 3)
	l.rowsPerStrip = 3
	strips := add(binary.LittleEndian, false, l)

	l = newLayer(raster.Float32, 9, 7, 2, 3)
	l.tileW, l.tileH, l.compression, l.predictor = 16, 16, 8, 3
	l.tags = geoTags(500000, 4000000, 10, 32633, 1)
	l.tags = append(l.tags, tag{42113, "-9999"})
	deflate := add(binary.BigEndian, true, l)

	l = newLayer(raster.Int16, 9, 7, 3, 3)
	l.tileW, l.tileH, l.compression, l.predictor, l.planar = 16, 16, 5, 2, true
	lzw := add(binary.LittleEndian, true, l)

	l = newLayer(raster.Uint8, 20, 12, 1, 3)
	l.rowsPerStrip, l.compression, l.predictor = 5, 32946, 2
	ov := newLayer(raster.Uint8, 10, 6, 1, 4)
	ov.subfile, ov.rowsPerStrip, ov.compression = 1, 6, 5
	add(binary.BigEndian, false, l, ov)

	for _, dt := range []raster.DataType{raster.Int8, raster.Uint32, raster.Int32, raster.Float64} {
		l = newLayer(dt, 5, 4, 1, 5)
		l.tileW, l.tileH, l.compression = 16, 16, 8
		add(binary.LittleEndian, false, l)
	}
	for _, b := range [][]byte{strips, deflate, lzw} {
		seeds = append(seeds, b[:len(b)/2], b[:len(b)-3])
		c := bytes.Clone(b)
		for i := 8; i < len(c); i += 7 {
			c[i] ^= 0x5a
		}
		seeds = append(seeds, c)
	}
	return seeds
}

// FuzzOpen opens arbitrary bytes as a TIFF and reads the first block of every band of
// every image; it must return errors, never panic or allocate without bound.
func FuzzOpen(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := raster.Open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		for _, im := range file.Images() {
			r, err := im.BlockBounds(0)
			if err != nil {
				t.Fatalf("BlockBounds(0) error = %v", err)
			}
			w, h := min(r.Dx(), 256), min(r.Dy(), 256)
			dst := make([]float64, w*h)
			for band := range im.Bands() {
				// A window inside block 0 decodes exactly that block.
				im.ReadWindow(0, 0, w, h, band, dst)
			}
			if tr, ok := im.Transform(); ok {
				if inv, err := tr.Invert(); err == nil {
					inv.Apply(1, 1)
				}
			}
		}
	})
}
