package raster

import (
	"encoding/binary"
	"fmt"
	"image"
	"iter"
	"math"
)

// NumBlocks returns the number of blocks (tiles or strips) covering the image. Blocks
// are numbered row by row from the top left; a planar image stores each block once per
// band, under the same number.
func (im *Image) NumBlocks() int { return im.across * im.down }

// BlockBounds returns the pixel rectangle of block i, clipped to the image.
func (im *Image) BlockBounds(i int) (image.Rectangle, error) {
	if i < 0 || i >= im.NumBlocks() {
		return image.Rectangle{}, fmt.Errorf("cannot locate block %d: outside 0..%d", i, im.NumBlocks()-1)
	}
	return im.blockRect(i), nil
}

func (im *Image) blockRect(i int) image.Rectangle {
	x, y := (i%im.across)*im.blockW, (i/im.across)*im.blockH
	return image.Rect(x, y, min(x+im.blockW, im.width), min(y+im.blockH, im.height))
}

// Blocks returns an iterator over the blocks of the image in storage order, yielding
// each block's number and pixel rectangle, for use with ReadBlock. Processing an image
// block by block holds one block in memory at a time.
func (im *Image) Blocks() iter.Seq2[int, image.Rectangle] {
	return func(yield func(int, image.Rectangle) bool) {
		for i := range im.NumBlocks() {
			if !yield(i, im.blockRect(i)) {
				return
			}
		}
	}
}

// ReadBlock decodes band band of block i into dst, row by row with a stride of the
// block's clipped width, and returns the block's pixel rectangle. dst must hold at
// least the rectangle's pixel count, which is at most the product of BlockSize.
func (im *Image) ReadBlock(i, band int, dst []float64) (image.Rectangle, error) {
	return im.ReadBlockBands(i, []int{band}, [][]float64{dst})
}

// ReadBlockBands is ReadBlock for several bands at once, decoding a chunky block once
// for all of them: dst[k] receives band bands[k].
func (im *Image) ReadBlockBands(i int, bands []int, dst [][]float64) (image.Rectangle, error) {
	r, err := im.BlockBounds(i)
	if err != nil {
		return r, err
	}
	if err := im.readRect(r, bands, dst); err != nil {
		return r, fmt.Errorf("cannot read block %d: %w", i, err)
	}
	return r, nil
}

// ReadWindow decodes band band of the w x h pixels with top left corner (x0, y0) into
// dst, row by row with a stride of w, decoding only the blocks that intersect the
// window. The window must lie inside the image and dst must hold w*h values.
func (im *Image) ReadWindow(x0, y0, w, h, band int, dst []float64) error {
	return im.ReadWindowBands(x0, y0, w, h, []int{band}, [][]float64{dst})
}

// ReadWindowBands is ReadWindow for several bands at once, decoding each chunky block
// once for all of them: dst[k] receives band bands[k].
func (im *Image) ReadWindowBands(x0, y0, w, h int, bands []int, dst [][]float64) error {
	if w <= 0 || h <= 0 || x0 < 0 || y0 < 0 || x0 > im.width-w || y0 > im.height-h {
		return fmt.Errorf("cannot read window %dx%d at (%d,%d): outside the %dx%d image", w, h, x0, y0, im.width, im.height)
	}
	if err := im.readRect(image.Rect(x0, y0, x0+w, y0+h), bands, dst); err != nil {
		return fmt.Errorf("cannot read window %dx%d at (%d,%d): %w", w, h, x0, y0, err)
	}
	return nil
}

// readRect reads rectangle r, inside the image, of the given bands into dst with a
// stride of r.Dx().
func (im *Image) readRect(r image.Rectangle, bands []int, dst [][]float64) error {
	if len(bands) == 0 || len(bands) != len(dst) {
		return fmt.Errorf("%d bands for %d destinations", len(bands), len(dst))
	}
	n := r.Dx() * r.Dy()
	for k, b := range bands {
		if b < 0 || b >= im.bands {
			return fmt.Errorf("band %d outside 0..%d", b, im.bands-1)
		}
		if len(dst[k]) < n {
			return fmt.Errorf("destination of %d values for %d pixels", len(dst[k]), n)
		}
	}
	s := im.getScratch()
	defer im.pool.Put(s)
	for by := r.Min.Y / im.blockH; by <= (r.Max.Y-1)/im.blockH; by++ {
		for bx := r.Min.X / im.blockW; bx <= (r.Max.X-1)/im.blockW; bx++ {
			bi := by*im.across + bx
			if err := im.copyBlock(bi, r, bands, dst, s); err != nil {
				return fmt.Errorf("block %d: %w", bi, err)
			}
		}
	}
	return nil
}

// copyBlock decodes block bi and copies its intersection with r into dst.
func (im *Image) copyBlock(bi int, r image.Rectangle, bands []int, dst [][]float64, s *scratch) error {
	br := im.blockRect(bi)
	in := br.Intersect(r)
	spb := im.samplesPerBlock()
	var data []byte
	var err error
	if !im.planar {
		if data, err = im.decodeBlock(0, bi, s); err != nil {
			return err
		}
	}
	for k, band := range bands {
		sample := band
		if im.planar {
			if data, err = im.decodeBlock(band, bi, s); err != nil {
				return err
			}
			sample = 0
		}
		for y := in.Min.Y; y < in.Max.Y; y++ {
			d := dst[k][(y-r.Min.Y)*r.Dx()+in.Min.X-r.Min.X:][:in.Dx()]
			if data == nil {
				fill := 0.0
				if im.geo.hasNoData {
					fill = im.geo.noData
				}
				for i := range d {
					d[i] = fill
				}
				continue
			}
			first := ((y-br.Min.Y)*im.blockW+in.Min.X-br.Min.X)*spb + sample
			im.convert(d, data, first, spb)
		}
	}
	return nil
}

// convert decodes len(d) samples from data, the first at sample index first and then
// every stride samples.
func (im *Image) convert(d []float64, data []byte, first, stride int) {
	o := im.order
	switch im.dtype {
	case Uint8:
		for i := range d {
			d[i] = float64(data[first+i*stride])
		}
	case Int8:
		for i := range d {
			d[i] = float64(int8(data[first+i*stride]))
		}
	case Uint16:
		if o == binary.ByteOrder(binary.LittleEndian) {
			for i := range d {
				d[i] = float64(binary.LittleEndian.Uint16(data[2*(first+i*stride):]))
			}
			return
		}
		for i := range d {
			d[i] = float64(o.Uint16(data[2*(first+i*stride):]))
		}
	case Int16:
		for i := range d {
			d[i] = float64(int16(o.Uint16(data[2*(first+i*stride):])))
		}
	case Uint32:
		for i := range d {
			d[i] = float64(o.Uint32(data[4*(first+i*stride):]))
		}
	case Int32:
		for i := range d {
			d[i] = float64(int32(o.Uint32(data[4*(first+i*stride):])))
		}
	case Float32:
		for i := range d {
			d[i] = float64(math.Float32frombits(o.Uint32(data[4*(first+i*stride):])))
		}
	case Float64:
		for i := range d {
			d[i] = math.Float64frombits(o.Uint64(data[8*(first+i*stride):]))
		}
	}
}
