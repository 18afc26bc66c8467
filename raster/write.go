package raster

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
)

// WriteOptions describe a GeoTIFF to write.
type WriteOptions struct {
	Width, Height int
	Bands         int      // samples per pixel, stored chunky
	DataType      DataType // Uint8, Uint16 or Float32
	EPSG          int      // a projected (or 4326 geographic) CRS; 0 writes no GeoKeys
	Transform     Transform
	NoData        *float64
	Deflate       bool // DEFLATE strips with the horizontal predictor (floating point for Float32)
	RowsPerStrip  int  // default 16
}

// Write writes a classic little-endian GeoTIFF of pixels (band-interleaved by pixel,
// row-major: pixels[(row*Width+col)*Bands+band]) to w, with the georeferencing of o: a
// north-up transform as ModelPixelScale and ModelTiepoint, the EPSG code as
// ProjectedCSTypeGeoKey (GeographicTypeGeoKey for 4326), PixelIsArea, and the nodata
// value as GDAL_NODATA.
func Write(w io.Writer, o WriteOptions, pixels []float64) error {
	if len(pixels) != o.Width*o.Height*o.Bands {
		return fmt.Errorf("cannot write %d samples for a %dx%dx%d image", len(pixels), o.Width, o.Height, o.Bands)
	}
	var b bytes.Buffer
	err := WriteRows(&b, o, func(y int, dst []float64) error {
		copy(dst, pixels[y*o.Width*o.Bands:(y+1)*o.Width*o.Bands])
		return nil
	})
	if err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}

// WriteRows writes the GeoTIFF that Write would, asking row(y, dst) for the samples of
// each row in turn (dst holds Width*Bands values), so that an image of any size is
// written with the memory of one strip. The strips come first and the directory last.
func WriteRows(w io.Writer, o WriteOptions, row func(y int, dst []float64) error) error {
	if o.Width <= 0 || o.Height <= 0 || o.Bands <= 0 || o.Bands > 64 {
		return fmt.Errorf("cannot write a %dx%d image of %d bands", o.Width, o.Height, o.Bands)
	}
	if o.Transform[2] != 0 || o.Transform[4] != 0 {
		return fmt.Errorf("cannot write a rotated transform")
	}
	var format, bits uint16
	switch o.DataType {
	case Uint8:
		format, bits = 1, 8
	case Uint16:
		format, bits = 1, 16
	case Float32:
		format, bits = 3, 32
	default:
		return fmt.Errorf("cannot write data type %v", o.DataType)
	}
	rps := o.RowsPerStrip
	if rps <= 0 {
		rps = 16
	}
	size := int(bits) / 8
	rowBytes := o.Width * o.Bands * size
	const header = 8
	pos := int64(header)
	if _, err := w.Write([]byte{'I', 'I', 42, 0, 0, 0, 0, 0}); err != nil { // directory offset patched below
		return err
	}
	var offsets, counts []uint32
	samples := make([]float64, o.Width*o.Bands)
	raw := make([]byte, rps*rowBytes)
	var zb bytes.Buffer
	for y0 := 0; y0 < o.Height; y0 += rps {
		rows := min(rps, o.Height-y0)
		strip := raw[:rows*rowBytes]
		for y := range rows {
			if err := row(y0+y, samples); err != nil {
				return fmt.Errorf("row %d: %w", y0+y, err)
			}
			r := strip[y*rowBytes : (y+1)*rowBytes]
			for i, v := range samples {
				switch o.DataType {
				case Uint8:
					r[i] = uint8(math.Max(0, math.Min(255, math.Round(v))))
				case Uint16:
					binary.LittleEndian.PutUint16(r[2*i:], uint16(math.Max(0, math.Min(65535, math.Round(v)))))
				case Float32:
					binary.LittleEndian.PutUint32(r[4*i:], math.Float32bits(float32(v)))
				}
			}
			if o.Deflate {
				predict(r, o.Width, o.Bands, size, o.DataType == Float32)
			}
		}
		out := strip
		if o.Deflate {
			zb.Reset()
			zw := zlib.NewWriter(&zb)
			zw.Write(strip)
			zw.Close()
			out = zb.Bytes()
		}
		if pos+int64(len(out)) > math.MaxUint32 {
			return fmt.Errorf("cannot write more than 4 GiB in a classic TIFF")
		}
		offsets, counts = append(offsets, uint32(pos)), append(counts, uint32(len(out)))
		if _, err := w.Write(out); err != nil {
			return err
		}
		pos += int64(len(out))
	}
	if pos%2 == 1 { // the directory starts on a word boundary
		w.Write([]byte{0})
		pos++
	}

	type entry struct {
		tag, typ uint16
		vals     []byte // little-endian values
		count    uint32
	}
	short := func(vs ...uint16) []byte {
		b := make([]byte, 2*len(vs))
		for i, v := range vs {
			binary.LittleEndian.PutUint16(b[2*i:], v)
		}
		return b
	}
	long := func(vs ...uint32) []byte {
		b := make([]byte, 4*len(vs))
		for i, v := range vs {
			binary.LittleEndian.PutUint32(b[4*i:], v)
		}
		return b
	}
	double := func(vs ...float64) []byte {
		b := make([]byte, 8*len(vs))
		for i, v := range vs {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
		}
		return b
	}
	compression, predictor := uint16(1), uint16(1)
	if o.Deflate {
		compression, predictor = 8, 2
		if o.DataType == Float32 {
			predictor = 3
		}
	}
	bitsList := make([]uint16, o.Bands)
	formats := make([]uint16, o.Bands)
	for i := range bitsList {
		bitsList[i], formats[i] = bits, format
	}
	entries := []entry{
		{256, 4, long(uint32(o.Width)), 1},
		{257, 4, long(uint32(o.Height)), 1},
		{258, 3, short(bitsList...), uint32(o.Bands)},
		{259, 3, short(compression), 1},
		{262, 3, short(1), 1}, // BlackIsZero
		{273, 4, long(offsets...), uint32(len(offsets))},
		{277, 3, short(uint16(o.Bands)), 1},
		{278, 4, long(uint32(rps)), 1},
		{279, 4, long(counts...), uint32(len(counts))},
		{284, 3, short(1), 1}, // chunky
		{317, 3, short(predictor), 1},
		{339, 3, short(formats...), uint32(o.Bands)},
	}
	if o.EPSG != 0 {
		t := o.Transform
		keyCode := uint16(3072) // ProjectedCSTypeGeoKey
		model := uint16(1)      // ModelTypeProjected
		if o.EPSG == 4326 {
			keyCode, model = 2048, 2 // GeographicTypeGeoKey, ModelTypeGeographic
		}
		keys := short(1, 1, 0, 3, 1024, 0, 1, model, 1025, 0, 1, 1, keyCode, 0, 1, uint16(o.EPSG))
		entries = append(entries,
			entry{33550, 12, double(t[1], -t[5], 0), 3},
			entry{33922, 12, double(0, 0, 0, t[0], t[3], 0), 6},
			entry{34735, 3, keys, 16})
	}
	if o.NoData != nil {
		s := strconv.FormatFloat(*o.NoData, 'g', -1, 64) + "\x00"
		entries = append(entries, entry{42113, 2, []byte(s), uint32(len(s))})
	}
	ifd := pos
	extra := ifd + int64(2+12*len(entries)+4)
	var b, tail bytes.Buffer
	b.Write(short(uint16(len(entries))))
	for _, e := range entries {
		b.Write(short(e.tag, e.typ))
		b.Write(long(e.count))
		if len(e.vals) <= 4 {
			v := make([]byte, 4)
			copy(v, e.vals)
			b.Write(v)
			continue
		}
		b.Write(long(uint32(extra + int64(tail.Len()))))
		tail.Write(e.vals)
		if len(e.vals)%2 == 1 {
			tail.WriteByte(0)
		}
	}
	b.Write(long(0))
	b.Write(tail.Bytes())
	if extra+int64(tail.Len()) > math.MaxUint32 {
		return fmt.Errorf("cannot write more than 4 GiB in a classic TIFF")
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return err
	}
	return patchHeader(w, uint32(ifd))
}

// patchHeader writes the directory's offset into the header: in place for a buffer, by
// seeking back for a file.
func patchHeader(w io.Writer, ifd uint32) error {
	switch x := w.(type) {
	case *bytes.Buffer:
		binary.LittleEndian.PutUint32(x.Bytes()[4:8], ifd)
		return nil
	case io.WriteSeeker:
		end, err := x.Seek(0, io.SeekCurrent)
		if err != nil {
			return err
		}
		if _, err := x.Seek(4, io.SeekStart); err != nil {
			return err
		}
		if err := binary.Write(x, binary.LittleEndian, ifd); err != nil {
			return err
		}
		_, err = x.Seek(end, io.SeekStart)
		return err
	}
	return fmt.Errorf("cannot write a TIFF to a %T: it must be a file (io.WriteSeeker) or a bytes.Buffer", w)
}

// predict applies TIFF predictor 2 (integers) or 3 (floating point) to one row in place.
func predict(row []byte, width, bands, size int, float bool) {
	if !float {
		for i := width*bands - 1; i >= bands; i-- {
			switch size {
			case 1:
				row[i] -= row[i-bands]
			case 2:
				v := binary.LittleEndian.Uint16(row[2*i:]) - binary.LittleEndian.Uint16(row[2*(i-bands):])
				binary.LittleEndian.PutUint16(row[2*i:], v)
			}
		}
		return
	}
	// Floating point predictor: bytes regrouped most significant first, then differenced.
	n := width * bands
	tmp := make([]byte, len(row))
	for i := range n {
		for k := range size {
			tmp[k*n+i] = row[i*size+size-1-k]
		}
	}
	for i := len(tmp) - 1; i >= bands; i-- {
		tmp[i] -= tmp[i-bands]
	}
	copy(row, tmp)
}
