package raster

import (
	"encoding/binary"
	"io"
	"math"
	"strings"
)

// TIFF and GeoTIFF tags read by this package.
const (
	tagNewSubfileType     = 254
	tagImageWidth         = 256
	tagImageLength        = 257
	tagBitsPerSample      = 258
	tagCompression        = 259
	tagStripOffsets       = 273
	tagSamplesPerPixel    = 277
	tagRowsPerStrip       = 278
	tagStripByteCounts    = 279
	tagPlanarConfig       = 284
	tagPredictor          = 317
	tagTileWidth          = 322
	tagTileLength         = 323
	tagTileOffsets        = 324
	tagTileByteCounts     = 325
	tagSampleFormat       = 339
	tagModelPixelScale    = 33550
	tagModelTiepoint      = 33922
	tagModelTransform     = 34264
	tagGeoKeyDirectory    = 34735
	tagGeoDoubleParams    = 34736
	tagGeoASCIIParams     = 34737
	tagGDALNoData         = 42113
	subfileReduced        = 1 // NewSubfileType bit 0: reduced-resolution version
	subfileMask           = 4 // NewSubfileType bit 2: transparency mask
	typeByte, typeASCII   = 1, 2
	typeShort, typeLong   = 3, 4
	typeRational          = 5
	typeSByte, typeUndef  = 6, 7
	typeSShort, typeSLong = 8, 9
	typeSRational         = 10
	typeFloat, typeDouble = 11, 12
	typeIFD               = 13
	typeLong8, typeSLong8 = 16, 17
	typeIFD8              = 18
)

// typeSize returns the size in bytes of one value of a TIFF field type, 0 if unknown.
func typeSize(t uint16) uint64 {
	switch t {
	case typeByte, typeASCII, typeSByte, typeUndef:
		return 1
	case typeShort, typeSShort:
		return 2
	case typeLong, typeSLong, typeFloat, typeIFD:
		return 4
	case typeRational, typeSRational, typeDouble, typeLong8, typeSLong8, typeIFD8:
		return 8
	}
	return 0
}

// parser reads the structure of one TIFF. budget is the number of bytes it may still
// read for directories and tag values, so that directories pointing many times at the
// same large array cannot multiply memory use.
type parser struct {
	r      io.ReaderAt
	size   int64
	order  binary.ByteOrder
	big    bool
	budget int64
}

// entry is one directory entry, its value either inline or at off.
type entry struct {
	tag, typ uint16
	count    uint64
	inline   [8]byte
	off      uint64
	isInline bool
}

// ifd is one image file directory.
type ifd struct {
	entries []entry
}

// find returns the first entry for tag, or nil.
func (d *ifd) find(tag uint16) *entry {
	for i := range d.entries {
		if d.entries[i].tag == tag {
			return &d.entries[i]
		}
	}
	return nil
}

// readFull reads len(b) bytes at off, which must lie inside the file.
func (p *parser) readFull(b []byte, off uint64) error {
	n := uint64(len(b))
	if off > uint64(p.size) || n > uint64(p.size)-off {
		return malformed("%d bytes at offset %d run past the end of the %d-byte file", n, off, p.size)
	}
	got, err := p.r.ReadAt(b, int64(off))
	if got == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return malformed("read %d bytes at offset %d: %v", n, off, err)
}

// alloc reads n bytes at off, charging them to the budget.
func (p *parser) alloc(off, n uint64) ([]byte, error) {
	if off > uint64(p.size) || n > uint64(p.size)-off {
		return nil, malformed("%d bytes at offset %d run past the end of the %d-byte file", n, off, p.size)
	}
	if int64(n) > p.budget {
		return nil, malformed("directories and tags exceed %d bytes", 2*p.size+budgetSlack)
	}
	p.budget -= int64(n)
	b := make([]byte, n)
	if err := p.readFull(b, off); err != nil {
		return nil, err
	}
	return b, nil
}

// readIFD reads the directory at off and returns it with the offset of the next one.
func (p *parser) readIFD(off uint64) (*ifd, uint64, error) {
	countSize, entrySize, nextSize := uint64(2), uint64(12), uint64(4)
	if p.big {
		countSize, entrySize, nextSize = 8, 20, 8
	}
	head, err := p.alloc(off, countSize)
	if err != nil {
		return nil, 0, err
	}
	var n uint64
	if p.big {
		n = p.order.Uint64(head)
	} else {
		n = uint64(p.order.Uint16(head))
	}
	if n == 0 || n > maxIFDEntries {
		return nil, 0, malformed("directory at offset %d has %d entries", off, n)
	}
	body, err := p.alloc(off+countSize, n*entrySize+nextSize)
	if err != nil {
		return nil, 0, err
	}
	d := &ifd{entries: make([]entry, n)}
	for i := range d.entries {
		b := body[uint64(i)*entrySize:]
		e := &d.entries[i]
		e.tag = p.order.Uint16(b)
		e.typ = p.order.Uint16(b[2:])
		var val []byte
		if p.big {
			e.count = p.order.Uint64(b[4:])
			val = b[12:20]
		} else {
			e.count = uint64(p.order.Uint32(b[4:]))
			val = b[8:12]
		}
		copy(e.inline[:], val)
		sz := typeSize(e.typ)
		e.isInline = sz != 0 && e.count <= uint64(len(val))/sz
		if !e.isInline {
			if p.big {
				e.off = p.order.Uint64(val)
			} else {
				e.off = uint64(p.order.Uint32(val))
			}
		}
	}
	nb := body[n*entrySize:]
	if p.big {
		return d, p.order.Uint64(nb), nil
	}
	return d, uint64(p.order.Uint32(nb)), nil
}

// raw returns the bytes of an entry's value.
func (p *parser) raw(e *entry) ([]byte, error) {
	sz := typeSize(e.typ)
	if sz == 0 {
		return nil, malformed("tag %d has unknown type %d", e.tag, e.typ)
	}
	if e.count > maxTagValues {
		return nil, malformed("tag %d has %d values", e.tag, e.count)
	}
	if e.isInline {
		return e.inline[:e.count*sz], nil
	}
	return p.alloc(e.off, e.count*sz)
}

// uints returns an entry's values as unsigned integers; the entry must have an unsigned
// integer type.
func (p *parser) uints(e *entry) ([]uint64, error) {
	switch e.typ {
	case typeByte, typeUndef, typeShort, typeLong, typeIFD, typeLong8, typeIFD8:
	default:
		return nil, malformed("tag %d has type %d, want an unsigned integer", e.tag, e.typ)
	}
	b, err := p.raw(e)
	if err != nil {
		return nil, err
	}
	sz := typeSize(e.typ)
	v := make([]uint64, e.count)
	for i := range v {
		c := b[uint64(i)*sz:]
		switch sz {
		case 1:
			v[i] = uint64(c[0])
		case 2:
			v[i] = uint64(p.order.Uint16(c))
		case 4:
			v[i] = uint64(p.order.Uint32(c))
		default:
			v[i] = p.order.Uint64(c)
		}
	}
	return v, nil
}

// floats returns an entry's values as float64; integer and rational types are converted.
func (p *parser) floats(e *entry) ([]float64, error) {
	b, err := p.raw(e)
	if err != nil {
		return nil, err
	}
	sz := typeSize(e.typ)
	v := make([]float64, e.count)
	for i := range v {
		c := b[uint64(i)*sz:]
		switch e.typ {
		case typeByte, typeUndef:
			v[i] = float64(c[0])
		case typeSByte:
			v[i] = float64(int8(c[0]))
		case typeShort:
			v[i] = float64(p.order.Uint16(c))
		case typeSShort:
			v[i] = float64(int16(p.order.Uint16(c)))
		case typeLong, typeIFD:
			v[i] = float64(p.order.Uint32(c))
		case typeSLong:
			v[i] = float64(int32(p.order.Uint32(c)))
		case typeLong8, typeIFD8:
			v[i] = float64(p.order.Uint64(c))
		case typeSLong8:
			v[i] = float64(int64(p.order.Uint64(c)))
		case typeFloat:
			v[i] = float64(math.Float32frombits(p.order.Uint32(c)))
		case typeDouble:
			v[i] = math.Float64frombits(p.order.Uint64(c))
		case typeRational:
			v[i] = float64(p.order.Uint32(c)) / float64(p.order.Uint32(c[4:]))
		case typeSRational:
			v[i] = float64(int32(p.order.Uint32(c))) / float64(int32(p.order.Uint32(c[4:])))
		default:
			return nil, malformed("tag %d has type %d, want a number", e.tag, e.typ)
		}
	}
	return v, nil
}

// ascii returns an entry's value as a string without its trailing NULs.
func (p *parser) ascii(e *entry) (string, error) {
	if e.typ != typeASCII && e.typ != typeByte && e.typ != typeUndef {
		return "", malformed("tag %d has type %d, want ascii", e.tag, e.typ)
	}
	b, err := p.raw(e)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\x00"), nil
}

// scalar returns the single value of an unsigned integer tag, or def when it is absent.
// A tag holding several values must hold the same value in each (as BitsPerSample does).
func (p *parser) scalar(d *ifd, tag uint16, def uint64) (uint64, error) {
	e := d.find(tag)
	if e == nil {
		return def, nil
	}
	if e.count == 0 {
		return 0, malformed("tag %d has no value", tag)
	}
	v, err := p.uints(e)
	if err != nil {
		return 0, err
	}
	for _, x := range v[1:] {
		if x != v[0] {
			return 0, unsupported("tag %d has differing values %d and %d", tag, v[0], x)
		}
	}
	return v[0], nil
}
