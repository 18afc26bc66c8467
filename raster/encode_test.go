package raster_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"

	"groundtruth/raster"
)

// This file is a small test-only TIFF encoder: enough of TIFF 6.0, BigTIFF and GeoTIFF
// to produce every layout the reader supports, so pixels can be checked to round-trip.

// layer describes one image (directory) to encode.
type layer struct {
	w, h, bands  int
	dtype        raster.DataType
	data         [][]float64 // per band, row-major w*h
	planar       bool
	tileW, tileH int // tiles when tileW > 0
	rowsPerStrip int // strips otherwise; 0 means one strip
	compression  int // 1, 5, 8 or 32946
	predictor    int // 1, 2 or 3
	subfile      int // NewSubfileType
	tags         []tag
}

// tag is an extra directory entry: vals is []uint16, []uint32, []uint64, []float64 or
// string. It replaces a standard entry with the same number; nil vals removes that entry.
type tag struct {
	id   uint16
	vals any
}

// geoTags returns GeoTIFF tags for a north-up grid with top left corner (x, y) and
// square pixels of size px, in EPSG code epsg (projected when above 4999).
func geoTags(x, y, px float64, epsg uint16, rasterType uint16) []tag {
	key := uint16(3072)
	model := uint16(1)
	if epsg < 5000 {
		key, model = 2048, 2
	}
	return []tag{
		{33550, []float64{px, px, 0}},
		{33922, []float64{0, 0, 0, x, y, 0}},
		{34735, []uint16{1, 1, 0, 3, 1024, 0, 1, model, 1025, 0, 1, rasterType, key, 0, 1, epsg}},
	}
}

// pattern returns deterministic pseudo-random samples of type t for w*h pixels.
func pattern(t raster.DataType, w, h, band int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, uint64(band)))
	v := make([]float64, w*h)
	for i := range v {
		switch t {
		case raster.Uint8:
			v[i] = float64(r.IntN(256))
		case raster.Int8:
			v[i] = float64(r.IntN(256) - 128)
		case raster.Uint16:
			v[i] = float64(r.IntN(1 << 16))
		case raster.Int16:
			v[i] = float64(r.IntN(1<<16) - 1<<15)
		case raster.Uint32:
			v[i] = float64(r.Uint32())
		case raster.Int32:
			v[i] = float64(int32(r.Uint32()))
		case raster.Float32:
			v[i] = float64(float32(r.NormFloat64() * 1000))
		case raster.Float64:
			v[i] = r.NormFloat64() * 1e6
		}
	}
	return v
}

// newLayer returns a layer of pattern data with the given layout; the caller sets the
// block layout and codecs.
func newLayer(t raster.DataType, w, h, bands int, seed uint64) layer {
	l := layer{w: w, h: h, bands: bands, dtype: t, compression: 1, predictor: 1}
	for b := range bands {
		l.data = append(l.data, pattern(t, w, h, b, seed))
	}
	return l
}

// encodeTIFF encodes the layers as one TIFF, in directory order.
func encodeTIFF(bo binary.ByteOrder, big bool, layers ...layer) []byte {
	order := bo.(byteOrder)
	e := &encoder{order: order, big: big}
	if order == binary.ByteOrder(binary.LittleEndian) {
		e.buf = []byte("II")
	} else {
		e.buf = []byte("MM")
	}
	if big {
		e.buf = order.AppendUint16(e.buf, 43)
		e.buf = order.AppendUint16(e.buf, 8)
		e.buf = order.AppendUint16(e.buf, 0)
		e.buf = order.AppendUint64(e.buf, 0)
	} else {
		e.buf = order.AppendUint16(e.buf, 42)
		e.buf = order.AppendUint32(e.buf, 0)
	}
	link := len(e.buf) - e.offSize()
	for _, l := range layers {
		offsets, counts := e.writeBlocks(l)
		link = e.writeIFD(l, offsets, counts, link)
	}
	return e.buf
}

// byteOrder is what binary.LittleEndian and binary.BigEndian both are.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

type encoder struct {
	order byteOrder
	big   bool
	buf   []byte
}

func (e *encoder) offSize() int {
	if e.big {
		return 8
	}
	return 4
}

func (e *encoder) putOff(at int, v uint64) {
	if e.big {
		e.order.PutUint64(e.buf[at:], v)
	} else {
		e.order.PutUint32(e.buf[at:], uint32(v))
	}
}

// writeBlocks appends every block of l and returns their offsets and byte counts.
func (e *encoder) writeBlocks(l layer) (offsets, counts []uint64) {
	bw, bh := l.tileW, l.tileH
	if bw == 0 {
		bw, bh = l.w, l.rowsPerStrip
		if bh == 0 {
			bh = l.h
		}
	}
	across, down := (l.w+bw-1)/bw, (l.h+bh-1)/bh
	planes, spb := 1, l.bands
	if l.planar {
		planes, spb = l.bands, 1
	}
	size := l.dtype.Size()
	for p := range planes {
		for bi := range across * down {
			x0, y0 := bi%across*bw, bi/across*bh
			rows := bh
			if l.tileW == 0 {
				rows = min(bh, l.h-y0)
			}
			raw := make([]byte, 0, bw*rows*spb*size)
			for y := y0; y < y0+rows; y++ {
				for x := x0; x < x0+bw; x++ {
					for s := range spb {
						v := 0.0
						if x < l.w && y < l.h {
							v = l.data[p+s][y*l.w+x]
						}
						raw = appendSample(raw, e.order, l.dtype, v)
					}
				}
			}
			rowBytes := bw * spb * size
			for r := range rows {
				row := raw[r*rowBytes : (r+1)*rowBytes]
				switch l.predictor {
				case 2:
					diffHorizontal(row, spb, size, e.order)
				case 3:
					diffFloat(row, spb, size, e.order)
				}
			}
			var c []byte
			switch l.compression {
			case 1:
				c = raw
			case 5:
				c = lzwEncode(raw)
			default:
				var z bytes.Buffer
				zw := zlib.NewWriter(&z)
				zw.Write(raw)
				zw.Close()
				c = z.Bytes()
			}
			offsets = append(offsets, uint64(len(e.buf)))
			counts = append(counts, uint64(len(c)))
			e.buf = append(e.buf, c...)
			if len(e.buf)%2 == 1 {
				e.buf = append(e.buf, 0) // word alignment, as TIFF recommends
			}
		}
	}
	return offsets, counts
}

func appendSample(b []byte, o byteOrder, t raster.DataType, v float64) []byte {
	switch t {
	case raster.Uint8:
		return append(b, uint8(v))
	case raster.Int8:
		return append(b, uint8(int8(v)))
	case raster.Uint16:
		return o.AppendUint16(b, uint16(v))
	case raster.Int16:
		return o.AppendUint16(b, uint16(int16(v)))
	case raster.Uint32:
		return o.AppendUint32(b, uint32(v))
	case raster.Int32:
		return o.AppendUint32(b, uint32(int32(v)))
	case raster.Float32:
		return o.AppendUint32(b, math.Float32bits(float32(v)))
	default:
		return o.AppendUint64(b, math.Float64bits(v))
	}
}

// diffHorizontal applies predictor 2 to one row in place.
func diffHorizontal(b []byte, spp, size int, o binary.ByteOrder) {
	for i := len(b)/size - 1; i >= spp; i-- {
		a, p := b[i*size:], b[(i-spp)*size:]
		switch size {
		case 1:
			a[0] -= p[0]
		case 2:
			o.PutUint16(a, o.Uint16(a)-o.Uint16(p))
		case 4:
			o.PutUint32(a, o.Uint32(a)-o.Uint32(p))
		case 8:
			o.PutUint64(a, o.Uint64(a)-o.Uint64(p))
		}
	}
}

// diffFloat applies predictor 3 to one row in place: byte planes, most significant
// first, then byte differences with a stride of spp.
func diffFloat(b []byte, spp, size int, o binary.ByteOrder) {
	wc := len(b) / size
	tmp := slices.Clone(b)
	for i := range wc {
		for k := range size {
			pos := size - 1 - k
			if o == binary.ByteOrder(binary.BigEndian) {
				pos = k
			}
			b[k*wc+i] = tmp[i*size+pos]
		}
	}
	for i := len(b) - 1; i >= spp; i-- {
		b[i] -= b[i-spp]
	}
}

// lzwEncode compresses b with TIFF's LZW: MSB-first codes, early change, a clear code
// first and whenever the table fills, as libtiff writes it.
func lzwEncode(b []byte) []byte {
	var out []byte
	var acc uint64
	var n uint
	width := uint(9)
	put := func(code int) {
		acc = acc<<width | uint64(code)
		n += width
		for n >= 8 {
			out = append(out, byte(acc>>(n-8)))
			n -= 8
		}
	}
	dict := map[uint32]int{}
	next := 258
	added := func() {
		next++
		if next == 4094 {
			put(256)
			clear(dict)
			next, width = 258, 9
		} else if next > 1<<width-1 {
			width++
		}
	}
	put(256)
	prev := -1
	for _, c := range b {
		if prev < 0 {
			prev = int(c)
			continue
		}
		key := uint32(prev)<<8 | uint32(c)
		if code, ok := dict[key]; ok {
			prev = code
			continue
		}
		put(prev)
		dict[key] = next
		added()
		prev = int(c)
	}
	if prev >= 0 {
		put(prev)
		added()
	}
	put(257)
	if n > 0 {
		out = append(out, byte(acc<<(8-n)))
	}
	return out
}

// writeIFD appends l's directory, points the offset at link to it, and returns where the
// directory's own next-directory offset is.
func (e *encoder) writeIFD(l layer, offsets, counts []uint64, link int) int {
	formats := map[raster.DataType]uint16{
		raster.Uint8: 1, raster.Uint16: 1, raster.Uint32: 1,
		raster.Int8: 2, raster.Int16: 2, raster.Int32: 2,
		raster.Float32: 3, raster.Float64: 3,
	}
	rep := func(v uint16) []uint16 {
		s := make([]uint16, l.bands)
		for i := range s {
			s[i] = v
		}
		return s
	}
	planar := uint16(1)
	if l.planar {
		planar = 2
	}
	tags := []tag{
		{254, []uint32{uint32(l.subfile)}},
		{256, []uint32{uint32(l.w)}},
		{257, []uint32{uint32(l.h)}},
		{258, rep(uint16(8 * l.dtype.Size()))},
		{259, []uint16{uint16(l.compression)}},
		{262, []uint16{1}},
		{277, []uint16{uint16(l.bands)}},
		{284, []uint16{planar}},
		{317, []uint16{uint16(l.predictor)}},
		{339, rep(formats[l.dtype])},
	}
	offs, cnts := any(offsets), any(counts)
	if !e.big {
		offs, cnts = toUint32(offsets), toUint32(counts)
	}
	if l.tileW > 0 {
		tags = append(tags, tag{322, []uint32{uint32(l.tileW)}}, tag{323, []uint32{uint32(l.tileH)}},
			tag{324, offs}, tag{325, cnts})
	} else {
		rps := l.rowsPerStrip
		if rps == 0 {
			rps = l.h
		}
		tags = append(tags, tag{273, offs}, tag{278, []uint32{uint32(rps)}}, tag{279, cnts})
	}
	// Extra tags replace standard ones of the same number; a nil value drops the tag.
	tags = slices.DeleteFunc(tags, func(t tag) bool {
		return slices.ContainsFunc(l.tags, func(x tag) bool { return x.id == t.id })
	})
	for _, t := range l.tags {
		if t.vals != nil {
			tags = append(tags, t)
		}
	}
	slices.SortStableFunc(tags, func(a, b tag) int { return int(a.id) - int(b.id) })

	if len(e.buf)%2 == 1 {
		e.buf = append(e.buf, 0)
	}
	e.putOff(link, uint64(len(e.buf)))
	entrySize, inline := 12, 4
	if e.big {
		entrySize, inline = 20, 8
		e.buf = e.order.AppendUint64(e.buf, uint64(len(tags)))
	} else {
		e.buf = e.order.AppendUint16(e.buf, uint16(len(tags)))
	}
	start := len(e.buf)
	e.buf = append(e.buf, make([]byte, len(tags)*entrySize+e.offSize())...)
	next := len(e.buf) - e.offSize()
	for i, t := range tags {
		typ, count, val := e.value(t.vals)
		p := start + i*entrySize
		e.order.PutUint16(e.buf[p:], t.id)
		e.order.PutUint16(e.buf[p+2:], typ)
		vp := p + 8
		if e.big {
			e.order.PutUint64(e.buf[p+4:], uint64(count))
			vp = p + 12
		} else {
			e.order.PutUint32(e.buf[p+4:], uint32(count))
		}
		if len(val) <= inline {
			copy(e.buf[vp:], val)
			continue
		}
		if len(e.buf)%2 == 1 {
			e.buf = append(e.buf, 0)
		}
		e.putOff(vp, uint64(len(e.buf)))
		e.buf = append(e.buf, val...)
	}
	return next
}

func toUint32(v []uint64) []uint32 {
	s := make([]uint32, len(v))
	for i, x := range v {
		s[i] = uint32(x)
	}
	return s
}

// value returns the TIFF type, count and bytes of a tag value.
func (e *encoder) value(v any) (typ uint16, count int, b []byte) {
	switch v := v.(type) {
	case []uint16:
		for _, x := range v {
			b = e.order.AppendUint16(b, x)
		}
		return 3, len(v), b
	case []uint32:
		for _, x := range v {
			b = e.order.AppendUint32(b, x)
		}
		return 4, len(v), b
	case []uint64:
		for _, x := range v {
			b = e.order.AppendUint64(b, x)
		}
		return 16, len(v), b
	case []float64:
		for _, x := range v {
			b = e.order.AppendUint64(b, math.Float64bits(x))
		}
		return 12, len(v), b
	case string:
		b = append([]byte(v), 0)
		return 2, len(b), b
	}
	panic("test encoder: unknown tag value type")
}
