package raster_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"groundtruth/raster"
)

// ifdOffset returns the offset of the first directory of a little-endian classic TIFF.
func ifdOffset(b []byte) int { return int(binary.LittleEndian.Uint32(b[4:])) }

// TestOpenMalformed checks that Open rejects broken headers, directories and tags with
// an error wrapping ErrMalformed or ErrUnsupported.
func TestOpenMalformed(t *testing.T) {
	valid := func(tags ...tag) []byte {
		l := newLayer(raster.Uint16, 20, 10, 1, 1)
		l.tileW, l.tileH = 16, 16
		l.tags = tags
		return encodeTIFF(binary.LittleEndian, false, l)
	}
	patch := func(b []byte, f func(b []byte)) []byte {
		b = bytes.Clone(b)
		f(b)
		return b
	}
	loop := patch(valid(), func(b []byte) {
		off := ifdOffset(b)
		n := int(binary.LittleEndian.Uint16(b[off:]))
		binary.LittleEndian.PutUint32(b[off+2+12*n:], uint32(off))
	})
	l := newLayer(raster.Uint8, 4, 4, 1, 1)
	two := encodeTIFF(binary.LittleEndian, false, l, l)
	loop2 := patch(two, func(b []byte) { // second directory points back to the first
		first := ifdOffset(b)
		n := int(binary.LittleEndian.Uint16(b[first:]))
		second := int(binary.LittleEndian.Uint32(b[first+2+12*n:]))
		m := int(binary.LittleEndian.Uint16(b[second:]))
		binary.LittleEndian.PutUint32(b[second+2+12*m:], uint32(first))
	})
	// entryPatch rewrites the type and count of the first entry (NewSubfileType).
	entryPatch := func(typ uint16, count uint32) []byte {
		return patch(valid(), func(b []byte) {
			off := ifdOffset(b) + 2
			binary.LittleEndian.PutUint16(b[off+2:], typ)
			binary.LittleEndian.PutUint32(b[off+4:], count)
		})
	}
	huge := newLayer(raster.Uint8, 1, 1, 1, 1)
	huge.tags = []tag{{256, []uint32{1 << 24}}, {257, []uint32{1 << 24}}, {277, []uint16{64}}}
	cases := []struct {
		name        string
		b           []byte
		unsupported bool
	}{
		{name: "empty", b: nil},
		{name: "short", b: []byte("II*\x00")},
		{name: "byte order", b: patch(valid(), func(b []byte) { copy(b, "XX") })},
		{name: "version", b: patch(valid(), func(b []byte) { b[2] = 44 })},
		{name: "ifd past end", b: patch(valid(), func(b []byte) { binary.LittleEndian.PutUint32(b[4:], 1<<30) })},
		{name: "ifd truncated", b: valid()[:len(valid())-20]},
		{name: "no ifd", b: patch(valid(), func(b []byte) { binary.LittleEndian.PutUint32(b[4:], 0) })},
		{name: "zero entries", b: patch(valid(), func(b []byte) { binary.LittleEndian.PutUint16(b[ifdOffset(b):], 0) })},
		{name: "too many entries", b: patch(valid(), func(b []byte) { binary.LittleEndian.PutUint16(b[ifdOffset(b):], 60000) })},
		{name: "ifd loop", b: loop},
		{name: "ifd loop of two", b: loop2},
		{name: "bigtiff offset size", b: patch(encodeTIFF(binary.LittleEndian, true, l), func(b []byte) { b[4] = 4 })},
		{name: "unknown type", b: entryPatch(99, 1)},
		{name: "huge count", b: entryPatch(4, 1<<30)},
		{name: "count past end", b: entryPatch(4, 1<<20)},
		{name: "signed subfile type", b: entryPatch(9, 1)},
		{name: "no width", b: valid(tag{256, nil})},
		{name: "zero width", b: valid(tag{256, []uint32{0}})},
		{name: "zero samples", b: valid(tag{277, []uint16{0}})},
		{name: "image too large", b: encodeTIFF(binary.LittleEndian, false, huge)},
		{name: "tile offset past end", b: valid(tag{324, []uint32{8, 1 << 30}})},
		{name: "tile count past end", b: valid(tag{325, []uint32{1 << 30, 10}})},
		{name: "too few tiles", b: valid(tag{324, []uint32{8}}, tag{325, []uint32{512}})},
		{name: "no byte counts", b: valid(tag{325, nil})},
		{name: "zero tile", b: valid(tag{322, []uint32{0}})},
		{name: "zero rows per strip", b: encodeTIFF(binary.LittleEndian, false, layer{w: 4, h: 4, bands: 1, dtype: raster.Uint8,
			data: [][]float64{make([]float64, 16)}, compression: 1, predictor: 1, tags: []tag{{278, []uint32{0}}}})},
		{name: "float predictor on integers", b: valid(tag{317, []uint16{3}})},
		{name: "planar config", b: valid(tag{284, []uint16{3}})},
		{name: "geokeys overrun", b: valid(tag{34735, []uint16{1, 1, 0, 100, 1024, 0, 1, 1}})},
		{name: "short geokeys", b: valid(tag{34735, []uint16{1, 1}})},
		{name: "transform of 15", b: valid(tag{34264, make([]float64, 15)})},
		{name: "short tiepoint", b: valid(tag{33550, []float64{1, 1, 0}}, tag{33922, []float64{0, 0}})},
		{name: "infinite scale", b: valid(tag{33550, []float64{math.Inf(1), 1, 0}}, tag{33922, []float64{0, 0, 0, 0, 0, 0}})},
		{name: "raster type", b: valid(tag{34735, []uint16{1, 1, 0, 1, 1025, 0, 1, 7}})},
		{name: "nodata text", b: valid(tag{42113, "none"})},
		{name: "huge tile", b: valid(tag{322, []uint32{1 << 13}}, tag{323, []uint32{1 << 13}}), unsupported: true},
		{name: "12 bits", b: valid(tag{258, []uint16{12}}), unsupported: true},
		{name: "mixed bits", b: patch(encodeTIFF(binary.LittleEndian, false, func() layer {
			l := newLayer(raster.Uint8, 4, 4, 2, 1)
			l.tags = []tag{{258, []uint16{8, 16}}}
			return l
		}()), func([]byte) {}), unsupported: true},
		{name: "complex int", b: valid(tag{339, []uint16{5}}), unsupported: true},
		{name: "jpeg", b: valid(tag{259, []uint16{7}}), unsupported: true},
		{name: "predictor 4", b: valid(tag{317, []uint16{4}}), unsupported: true},
	}
	for _, c := range cases {
		f, err := raster.Open(bytes.NewReader(c.b), int64(len(c.b)))
		want := raster.ErrMalformed
		if c.unsupported {
			want = raster.ErrUnsupported
		}
		if !errors.Is(err, want) {
			t.Errorf("%s: Open() = %v, %v, want an error wrapping %v", c.name, f != nil, err, want)
		}
	}
	if _, err := raster.Open(nil, 0); err == nil {
		t.Errorf("Open(nil) error = nil")
	}
}

// TestReadMalformed checks errors from blocks that Open accepts but cannot be decoded.
func TestReadMalformed(t *testing.T) {
	mk := func(comp int, tags ...tag) *raster.Image {
		l := newLayer(raster.Uint16, 16, 16, 1, 1)
		l.tileW, l.tileH, l.compression = 16, 16, comp
		l.tags = tags
		b := encodeTIFF(binary.LittleEndian, false, l)
		return open(t, b).Image()
	}
	cases := map[string]*raster.Image{
		"short uncompressed": mk(1, tag{325, []uint32{100}}),
		"truncated deflate":  mk(8, tag{325, []uint32{40}}),
		"garbage deflate":    mk(8, tag{324, []uint32{0}}),
		"garbage lzw":        mk(5, tag{324, []uint32{0}}),
		"truncated lzw":      mk(5, tag{325, []uint32{30}}),
		"too small deflate":  mk(8, tag{322, []uint32{4096}}, tag{323, []uint32{4096}}, tag{324, []uint32{8}}, tag{325, []uint32{1}}),
	}
	for name, im := range cases {
		dst := make([]float64, 16*16)
		err := im.ReadWindow(0, 0, 16, 16, 0, dst)
		if !errors.Is(err, raster.ErrMalformed) {
			t.Errorf("%s: ReadWindow() error = %v, want one wrapping ErrMalformed", name, err)
		}
	}
}

// TestCorruptionSweep truncates a file at every length and flips every byte of it in
// turn: opening and reading must fail or succeed, never panic.
func TestCorruptionSweep(t *testing.T) {
	full := newLayer(raster.Float32, 20, 12, 2, 1)
	full.tileW, full.tileH, full.compression, full.predictor = 16, 16, 8, 3
	full.tags = geoTags(1, 2, 3, 32633, 2)
	ov := newLayer(raster.Float32, 10, 6, 2, 2)
	ov.subfile, ov.rowsPerStrip, ov.compression, ov.planar = 1, 4, 5, true
	b := encodeTIFF(binary.BigEndian, true, full, ov)
	try := func(b []byte) {
		f, err := raster.Open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		for _, im := range f.Images() {
			dst := make([]float64, im.Width()*im.Height())
			for band := range im.Bands() {
				im.ReadWindow(0, 0, im.Width(), im.Height(), band, dst)
			}
		}
	}
	for n := range len(b) {
		try(b[:n])
	}
	for i := range b {
		c := bytes.Clone(b)
		c[i] ^= 0xff
		try(c)
	}
}
