package raster

import (
	"encoding/binary"
	"image"
	"io"
	"sync"
)

// Compression codes this package decodes.
const (
	compressionNone         = 1
	compressionLZW          = 5
	compressionDeflate      = 8
	compressionAdobeDeflate = 32946
)

// Image is one raster of a File: the full-resolution image or an overview. Its methods
// are safe for concurrent use.
type Image struct {
	r     io.ReaderAt
	size  int64
	order binary.ByteOrder

	width, height int
	bands         int // samples per pixel
	dtype         DataType
	compression   int
	predictor     int
	planar        bool // PlanarConfiguration 2: each band in its own blocks
	tiled         bool
	blockW        int // tile width, or the image width for strips
	blockH        int // tile height, or rows per strip
	across, down  int // blocks per row and per column of the image
	offsets       []uint64
	counts        []uint64
	overview      bool

	geo  geoInfo
	pool sync.Pool // *scratch
}

// newImage builds an Image from a directory, validating every layout field.
func newImage(p *parser, d *ifd) (*Image, error) {
	im := &Image{r: p.r, size: p.size, order: p.order}
	if d.find(tagImageWidth) == nil || d.find(tagImageLength) == nil {
		return nil, malformed("ImageWidth or ImageLength missing")
	}
	var err error
	get := func(tag uint16, def uint64) uint64 {
		if err != nil {
			return 0
		}
		var v uint64
		v, err = p.scalar(d, tag, def)
		return v
	}
	w := get(tagImageWidth, 0)
	h := get(tagImageLength, 0)
	spp := get(tagSamplesPerPixel, 1)
	bits := get(tagBitsPerSample, 1)
	format := get(tagSampleFormat, 1)
	comp := get(tagCompression, compressionNone)
	pred := get(tagPredictor, 1)
	planar := get(tagPlanarConfig, 1)
	rowsPerStrip := get(tagRowsPerStrip, 1<<32-1)
	if err != nil {
		return nil, err
	}
	if w == 0 || h == 0 || w > maxDimension || h > maxDimension {
		return nil, malformed("image size %dx%d outside 1..%d", w, h, maxDimension)
	}
	if spp == 0 || spp > maxBands {
		return nil, malformed("%d samples per pixel outside 1..%d", spp, maxBands)
	}
	im.width, im.height, im.bands = int(w), int(h), int(spp)
	if im.dtype, err = dataType(format, bits); err != nil {
		return nil, err
	}
	if int64(w)*int64(h)*int64(spp)*int64(im.dtype.Size()) > maxImageBytes {
		return nil, malformed("image of %dx%dx%d %s samples exceeds %d bytes", w, h, spp, im.dtype, int64(maxImageBytes))
	}
	switch comp {
	case compressionNone, compressionLZW, compressionDeflate, compressionAdobeDeflate:
		im.compression = int(comp)
	default:
		return nil, unsupported("compression %d", comp)
	}
	switch {
	case pred == 1, pred == 2:
	case pred == 3 && im.dtype.IsFloat():
	case pred == 3:
		return nil, malformed("floating-point predictor with %s samples", im.dtype)
	default:
		return nil, unsupported("predictor %d", pred)
	}
	im.predictor = int(pred)
	switch planar {
	case 1:
	case 2:
		im.planar = true
	default:
		return nil, malformed("planar configuration %d", planar)
	}
	if err := im.layout(p, d, rowsPerStrip); err != nil {
		return nil, err
	}
	if im.geo, err = readGeo(p, d); err != nil {
		return nil, err
	}
	return im, nil
}

// layout reads the tile or strip geometry with its offsets and byte counts.
func (im *Image) layout(p *parser, d *ifd, rowsPerStrip uint64) error {
	offTag, countTag := uint16(tagStripOffsets), uint16(tagStripByteCounts)
	var bw, bh uint64
	if d.find(tagTileWidth) != nil || d.find(tagTileOffsets) != nil {
		im.tiled = true
		offTag, countTag = tagTileOffsets, tagTileByteCounts
		var err error
		if bw, err = p.scalar(d, tagTileWidth, 0); err != nil {
			return err
		}
		if bh, err = p.scalar(d, tagTileLength, 0); err != nil {
			return err
		}
		if bw == 0 || bh == 0 || bw > maxDimension || bh > maxDimension {
			return malformed("tile size %dx%d", bw, bh)
		}
	} else {
		bw, bh = uint64(im.width), min(rowsPerStrip, uint64(im.height))
		if bh == 0 {
			return malformed("rows per strip is 0")
		}
	}
	if bw*bh > maxBlockPixels {
		return unsupported("block of %dx%d pixels exceeds %d", bw, bh, maxBlockPixels)
	}
	im.blockW, im.blockH = int(bw), int(bh)
	if int64(im.blockBytes(im.blockH)) > maxBlockBytes {
		return unsupported("block of %d bytes exceeds %d", im.blockBytes(im.blockH), maxBlockBytes)
	}
	im.across = (im.width + im.blockW - 1) / im.blockW
	im.down = (im.height + im.blockH - 1) / im.blockH
	want := uint64(im.across) * uint64(im.down)
	if im.planar {
		want *= uint64(im.bands)
	}
	oe, ce := d.find(offTag), d.find(countTag)
	if oe == nil || ce == nil {
		return malformed("tag %d or %d missing", offTag, countTag)
	}
	if oe.count < want || ce.count < want {
		return malformed("%d offsets and %d byte counts for %d blocks", oe.count, ce.count, want)
	}
	// Only the blocks the image needs are loaded; extra entries are ignored.
	oe2, ce2 := *oe, *ce
	oe2.count, ce2.count = want, want
	var err error
	if im.offsets, err = p.uints(&oe2); err != nil {
		return err
	}
	if im.counts, err = p.uints(&ce2); err != nil {
		return err
	}
	for i, n := range im.counts {
		off := im.offsets[i]
		if n != 0 && (off > uint64(im.size) || n > uint64(im.size)-off) {
			return malformed("block %d: %d bytes at offset %d run past the end of the %d-byte file", i, n, off, im.size)
		}
	}
	return nil
}

// samplesPerBlock returns the number of samples per pixel stored in one block.
func (im *Image) samplesPerBlock() int {
	if im.planar {
		return 1
	}
	return im.bands
}

// blockBytes returns the decoded size of a block holding rows rows.
func (im *Image) blockBytes(rows int) int {
	return im.blockW * rows * im.samplesPerBlock() * im.dtype.Size()
}

// inherit copies georeferencing the overview lacks from the full-resolution image,
// scaling the transform to the overview's size.
func (im *Image) inherit(main *Image) {
	if im.geo.epsg == 0 {
		im.geo.epsg = main.geo.epsg
	}
	if im.geo.rasterType == 0 {
		im.geo.rasterType = main.geo.rasterType
	}
	if !im.geo.hasNoData && main.geo.hasNoData {
		im.geo.hasNoData, im.geo.noData = true, main.geo.noData
	}
	if !im.geo.hasTransform && main.geo.hasTransform {
		t := main.geo.transform
		sx := float64(main.width) / float64(im.width)
		sy := float64(main.height) / float64(im.height)
		t[1], t[4] = t[1]*sx, t[4]*sx
		t[2], t[5] = t[2]*sy, t[5]*sy
		im.geo.transform, im.geo.hasTransform = t, true
	}
}

// Width returns the image width in pixels.
func (im *Image) Width() int { return im.width }

// Height returns the image height in pixels.
func (im *Image) Height() int { return im.height }

// Bounds returns the image rectangle, (0,0)-(Width,Height).
func (im *Image) Bounds() image.Rectangle { return image.Rect(0, 0, im.width, im.height) }

// Bands returns the number of bands (TIFF SamplesPerPixel).
func (im *Image) Bands() int { return im.bands }

// DataType returns the type of the stored samples.
func (im *Image) DataType() DataType { return im.dtype }

// BitsPerSample returns the size of one stored sample in bits.
func (im *Image) BitsPerSample() int { return 8 * im.dtype.Size() }

// Compression returns the TIFF compression code: 1 none, 5 LZW, 8 or 32946 DEFLATE.
func (im *Image) Compression() int { return im.compression }

// Predictor returns the TIFF predictor: 1 none, 2 horizontal differencing, 3 floating point.
func (im *Image) Predictor() int { return im.predictor }

// Planar reports whether bands are stored in separate blocks (PlanarConfiguration 2)
// rather than interleaved pixel by pixel (PlanarConfiguration 1).
func (im *Image) Planar() bool { return im.planar }

// Tiled reports whether the image is stored in tiles rather than strips.
func (im *Image) Tiled() bool { return im.tiled }

// BlockSize returns the size of one tile, or for a stripped image the image width and
// the rows per strip. Blocks on the right and bottom edges may be smaller in the image.
func (im *Image) BlockSize() (width, height int) { return im.blockW, im.blockH }

// IsOverview reports whether the image is a reduced-resolution subfile.
func (im *Image) IsOverview() bool { return im.overview }
