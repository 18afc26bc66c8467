package raster

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
)

// Limits on what Open accepts, so that a malformed or hostile file cannot make the reader
// allocate without bound or loop.
const (
	maxIFDs        = 1024    // image file directories in one file
	maxIFDEntries  = 4096    // entries in one directory
	maxTagValues   = 1 << 26 // values in one tag
	maxDimension   = 1 << 24 // image width or height in pixels
	maxBands       = 1 << 12 // samples per pixel
	maxBlockPixels = 1 << 24 // pixels in one tile or strip
	maxBlockBytes  = 1 << 28 // decoded bytes of one tile or strip
	maxImageBytes  = 1 << 42 // decoded bytes of a whole image
	budgetSlack    = 1 << 16 // tag bytes allowed beyond the file size
)

// File is an opened TIFF: its images, full resolution first, then overviews.
// A File and its Images are immutable and safe for concurrent use; the io.ReaderAt given
// to Open must stay usable for as long as pixels are read.
type File struct {
	big    bool
	order  binary.ByteOrder
	images []*Image
}

// Open reads the TIFF header and every image file directory of the size bytes in r and
// returns the file's images. It reads no pixels. It returns an error wrapping
// ErrMalformed or ErrUnsupported when the file is not a TIFF this package can read.
func Open(r io.ReaderAt, size int64) (*File, error) {
	if r == nil {
		return nil, fmt.Errorf("cannot open tiff: nil reader")
	}
	p := &parser{r: r, size: size}
	if size < 8 {
		return nil, fmt.Errorf("cannot open tiff: %w", malformed("file of %d bytes is too short", size))
	}
	p.budget = 2*size + budgetSlack
	first, err := p.header()
	if err != nil {
		return nil, fmt.Errorf("cannot open tiff: %w", err)
	}
	f := &File{big: p.big, order: p.order}
	var full []*Image
	var reduced []*Image
	seen := map[uint64]bool{}
	for n, off := 0, first; off != 0; n++ {
		if n >= maxIFDs {
			return nil, fmt.Errorf("cannot open tiff: %w", malformed("more than %d directories", maxIFDs))
		}
		if seen[off] {
			return nil, fmt.Errorf("cannot open tiff: %w", malformed("directory loop at offset %d", off))
		}
		seen[off] = true
		d, next, err := p.readIFD(off)
		if err != nil {
			return nil, fmt.Errorf("cannot open tiff: directory %d: %w", n, err)
		}
		off = next
		subfile, err := p.scalar(d, tagNewSubfileType, 0)
		if err != nil {
			return nil, fmt.Errorf("cannot open tiff: directory %d: %w", n, err)
		}
		if subfile&subfileMask != 0 {
			continue // transparency masks are not bands
		}
		if subfile&subfileReduced == 0 && len(full) > 0 {
			continue // later pages of a multi-page file are not read
		}
		im, err := newImage(p, d)
		if err != nil {
			return nil, fmt.Errorf("cannot open tiff: directory %d: %w", n, err)
		}
		im.overview = subfile&subfileReduced != 0
		if im.overview {
			reduced = append(reduced, im)
		} else {
			full = append(full, im)
		}
	}
	slices.SortStableFunc(reduced, func(a, b *Image) int {
		return b.width*b.height - a.width*a.height
	})
	f.images = append(full, reduced...)
	if len(f.images) == 0 {
		return nil, fmt.Errorf("cannot open tiff: %w", malformed("no image"))
	}
	// Without a full-resolution subfile the largest reduced one stands in for it.
	f.images[0].overview = false
	main := f.images[0]
	for _, im := range f.images[1:] {
		im.inherit(main)
	}
	return f, nil
}

// Images returns the file's images: the full-resolution image first, then the
// reduced-resolution subfiles (overviews, NewSubfileType bit 0) from largest to smallest.
// Transparency masks (NewSubfileType bit 2) and pages after the first full-resolution
// image are not included. The slice is a copy; it always holds at least one image.
func (f *File) Images() []*Image { return slices.Clone(f.images) }

// Image returns the full-resolution image, the first of Images.
func (f *File) Image() *Image { return f.images[0] }

// Overview returns the smallest image, full resolution or overview, that is at least
// width x height pixels, so that resampling it to that size never upsamples. When no
// image is that large it returns the full-resolution image.
func (f *File) Overview(width, height int) *Image {
	best := f.images[0]
	for _, im := range f.images[1:] {
		if im.width >= width && im.height >= height && im.width*im.height < best.width*best.height {
			best = im
		}
	}
	return best
}

// BigTIFF reports whether the file is a BigTIFF (version 43) rather than a classic TIFF.
func (f *File) BigTIFF() bool { return f.big }

// ByteOrder returns the file's byte order: binary.LittleEndian for "II" files and
// binary.BigEndian for "MM" files.
func (f *File) ByteOrder() binary.ByteOrder { return f.order }

// header reads the byte order, version and first directory offset.
func (p *parser) header() (uint64, error) {
	var h [16]byte
	n := 16
	if p.size < 16 {
		n = int(p.size)
	}
	if err := p.readFull(h[:n], 0); err != nil {
		return 0, err
	}
	switch string(h[:2]) {
	case "II":
		p.order = binary.LittleEndian
	case "MM":
		p.order = binary.BigEndian
	default:
		return 0, malformed("byte order mark %q is neither II nor MM", h[:2])
	}
	switch v := p.order.Uint16(h[2:]); v {
	case 42:
		return uint64(p.order.Uint32(h[4:])), nil
	case 43:
		if n < 16 {
			return 0, malformed("bigtiff header truncated")
		}
		if p.order.Uint16(h[4:]) != 8 || p.order.Uint16(h[6:]) != 0 {
			return 0, malformed("bigtiff offset size %d is not 8", p.order.Uint16(h[4:]))
		}
		p.big = true
		return p.order.Uint64(h[8:]), nil
	default:
		return 0, malformed("version %d is neither 42 (tiff) nor 43 (bigtiff)", v)
	}
}
