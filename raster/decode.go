package raster

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// scratch holds the buffers and decompressor reused across block decodes; Images keep
// them in a sync.Pool.
type scratch struct {
	raw  []byte // compressed block
	buf  []byte // decoded block
	held int    // 1 + the plane-block index whose decoded data buf holds, or 0
	tmp  []byte // one row, for the floating-point predictor
	br   bytes.Reader
	zr   io.ReadCloser // zlib reader
	fr   io.ReadCloser // raw deflate reader
}

func (im *Image) getScratch() *scratch {
	if s, ok := im.pool.Get().(*scratch); ok {
		return s
	}
	return &scratch{}
}

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

// storedRows returns the number of rows stored for block row by: a full tile, or a strip
// clipped to the image.
func (im *Image) storedRows(by int) int {
	if im.tiled {
		return im.blockH
	}
	return min(im.blockH, im.height-by*im.blockH)
}

// decodeBlock decodes block bi of plane plane (0 unless planar) into s.buf and returns
// it, or nil for a sparse block (byte count 0) that the caller fills with nodata. The
// result holds storedRows rows of blockW pixels in the file's byte order.
func (im *Image) decodeBlock(plane, bi int, s *scratch) ([]byte, error) {
	idx := plane*im.across*im.down + bi
	off, n := im.offsets[idx], im.counts[idx]
	if n == 0 {
		return nil, nil
	}
	if s.held == idx+1 {
		return s.buf, nil // a scratch only ever serves one Image
	}
	s.held = 0
	rows := im.storedRows(bi / im.across)
	need := im.blockBytes(rows)
	if err := checkRatio(im.compression, n, need); err != nil {
		return nil, err
	}
	s.buf = grow(s.buf, need)
	if im.compression == compressionNone {
		if err := im.readAt(s.buf, off); err != nil {
			return nil, err
		}
	} else {
		s.raw = grow(s.raw, int(n))
		if err := im.readAt(s.raw, off); err != nil {
			return nil, err
		}
		if err := im.decompress(s); err != nil {
			return nil, err
		}
	}
	switch im.predictor {
	case 2:
		undoHorizontal(s.buf, rows, im.blockW*im.samplesPerBlock(), im.samplesPerBlock(), im.dtype.Size(), im.order)
	case 3:
		s.tmp = grow(s.tmp, im.blockBytes(1))
		undoFloat(s.buf, s.tmp, rows, im.samplesPerBlock(), im.dtype.Size(), im.order)
	}
	s.held = idx + 1
	return s.buf, nil
}

// readAt fills b from offset off of the file.
func (im *Image) readAt(b []byte, off uint64) error {
	got, err := im.r.ReadAt(b, int64(off))
	if got == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("cannot read %d bytes at offset %d: %w", len(b), off, err)
}

// Bounds on compression ratios, used to reject a block before allocating for it: DEFLATE
// expands at most 1032 times (RFC 1951: 258 bytes per 2-bit code), TIFF LZW at most
// 4096 bytes per 9-bit code; neither makes data more than half as large again.
const (
	maxDeflateRatio = 1032
	maxLZWRatio     = 4096 * 8 / 9
)

// checkRatio reports whether n stored bytes can hold a block of need decoded bytes.
func checkRatio(compression int, n uint64, need int) error {
	var lo, hi uint64
	switch compression {
	case compressionNone:
		lo, hi = uint64(need), 1<<62
	case compressionLZW:
		lo, hi = uint64(need)/maxLZWRatio, uint64(2*need+4096)
	default:
		lo, hi = uint64(need)/maxDeflateRatio, uint64(2*need+4096)
	}
	if n < lo || n > hi {
		return malformed("block of %d stored bytes cannot hold %d decoded bytes", n, need)
	}
	return nil
}

// decompress decodes s.raw into all of s.buf.
func (im *Image) decompress(s *scratch) error {
	switch im.compression {
	case compressionLZW:
		got, err := lzwDecode(s.buf, s.raw)
		if err != nil {
			return err
		}
		if got < len(s.buf) {
			return malformed("lzw block decodes to %d bytes, want %d", got, len(s.buf))
		}
		return nil
	case compressionDeflate, compressionAdobeDeflate:
		s.br.Reset(s.raw)
		var r io.Reader
		if isZlib(s.raw) {
			if s.zr == nil {
				zr, err := zlib.NewReader(&s.br)
				if err != nil {
					return malformed("deflate block: %v", err)
				}
				s.zr = zr
			} else if err := s.zr.(zlib.Resetter).Reset(&s.br, nil); err != nil {
				return malformed("deflate block: %v", err)
			}
			r = s.zr
		} else {
			if s.fr == nil {
				s.fr = flate.NewReader(&s.br)
			} else if err := s.fr.(flate.Resetter).Reset(&s.br, nil); err != nil {
				return malformed("deflate block: %v", err)
			}
			r = s.fr
		}
		// ReadFull stops at the block size: a stream decoding to more is never buffered.
		if _, err := io.ReadFull(r, s.buf); err != nil {
			return malformed("deflate block shorter than %d bytes: %v", len(s.buf), err)
		}
		return nil
	}
	return unsupported("compression %d", im.compression)
}

// isZlib reports whether b starts with a zlib header (RFC 1950) for deflate.
func isZlib(b []byte) bool {
	return len(b) >= 2 && b[0]&0x0f == 8 && b[0]>>4 <= 7 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}

// undoHorizontal reverses predictor 2: each sample was stored as its difference from the
// same band's sample one pixel to the left, in integers of the sample's size. The byte
// orders are spelled out so that the compiler inlines the loads and stores.
func undoHorizontal(buf []byte, rows, rowSamples, spp, size int, o binary.ByteOrder) {
	rowBytes := rowSamples * size
	le := o == binary.ByteOrder(binary.LittleEndian)
	for r := range rows {
		b := buf[r*rowBytes : (r+1)*rowBytes]
		d := spp * size
		switch {
		case size == 1:
			for i := spp; i < len(b); i++ {
				b[i] += b[i-spp]
			}
		case size == 2 && le && spp == 1:
			// The running sum stays in a register instead of being reloaded.
			var acc uint16
			for i := 0; i+2 <= len(b); i += 2 {
				acc += binary.LittleEndian.Uint16(b[i:])
				binary.LittleEndian.PutUint16(b[i:], acc)
			}
		case size == 2 && le:
			for i := d; i+2 <= len(b); i += 2 {
				binary.LittleEndian.PutUint16(b[i:], binary.LittleEndian.Uint16(b[i:])+binary.LittleEndian.Uint16(b[i-d:]))
			}
		case size == 2:
			for i := d; i+2 <= len(b); i += 2 {
				binary.BigEndian.PutUint16(b[i:], binary.BigEndian.Uint16(b[i:])+binary.BigEndian.Uint16(b[i-d:]))
			}
		case size == 4 && le:
			for i := d; i+4 <= len(b); i += 4 {
				binary.LittleEndian.PutUint32(b[i:], binary.LittleEndian.Uint32(b[i:])+binary.LittleEndian.Uint32(b[i-d:]))
			}
		case size == 4:
			for i := d; i+4 <= len(b); i += 4 {
				binary.BigEndian.PutUint32(b[i:], binary.BigEndian.Uint32(b[i:])+binary.BigEndian.Uint32(b[i-d:]))
			}
		case size == 8 && le:
			for i := d; i+8 <= len(b); i += 8 {
				binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])+binary.LittleEndian.Uint64(b[i-d:]))
			}
		case size == 8:
			for i := d; i+8 <= len(b); i += 8 {
				binary.BigEndian.PutUint64(b[i:], binary.BigEndian.Uint64(b[i:])+binary.BigEndian.Uint64(b[i-d:]))
			}
		}
	}
}

// undoFloat reverses predictor 3 (Adobe's floating-point predictor). Each row was
// rearranged into size byte planes, most significant byte first, and the planes were
// byte-differenced with a stride of spp. The result is written in the file's byte order.
func undoFloat(buf, tmp []byte, rows, spp, size int, o binary.ByteOrder) {
	rowBytes := len(tmp)
	wc := rowBytes / size
	big := o == binary.ByteOrder(binary.BigEndian)
	for r := range rows {
		b := buf[r*rowBytes : (r+1)*rowBytes]
		for i := spp; i < len(b); i++ {
			b[i] += b[i-spp]
		}
		copy(tmp, b)
		for k := range size {
			plane := tmp[k*wc : (k+1)*wc]
			pos := size - 1 - k
			if big {
				pos = k
			}
			for i, v := range plane {
				b[i*size+pos] = v
			}
		}
	}
}
