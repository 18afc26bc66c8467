package raster

// TIFF's LZW (TIFF 6.0 section 13) differs from compress/lzw: codes are packed most
// significant bit first, code 256 clears the table, 257 ends the data, and the code width
// grows one code early ("early change": to 10 bits once the table holds 511 entries,
// 11 at 1023, 12 at 2047).
const (
	lzwClear    = 256
	lzwEOI      = 257
	lzwFirst    = 258
	lzwMaxCodes = 4096
	lzwMaxWidth = 12
)

// lzwDecode decodes TIFF LZW data from src into dst and returns the number of bytes
// written. It stops at the end-of-information code, at the end of src, or when dst is
// full, so it never writes more than len(dst) bytes.
func lzwDecode(dst, src []byte) (int, error) {
	if len(src) >= 2 && src[0] == 0 && src[1]&1 == 1 {
		return 0, unsupported("old-style (pre-TIFF 6.0) lzw")
	}
	var (
		prefix [lzwMaxCodes]uint16
		suffix [lzwMaxCodes]byte
		first  [lzwMaxCodes]byte
		length [lzwMaxCodes]uint16
		str    [lzwMaxCodes]byte // one decoded string, at most 4096 bytes
	)
	for i := range 256 {
		suffix[i], first[i], length[i] = byte(i), byte(i), 1
	}
	var (
		bits  uint64 // bit buffer, next code in the high bits of the low nbits
		nbits uint
		pos   int
		out   int
		width uint = 9
		next       = lzwFirst
		prev       = -1
	)
	for out < len(dst) {
		for nbits < width && pos < len(src) {
			bits = bits<<8 | uint64(src[pos])
			pos++
			nbits += 8
		}
		if nbits < width {
			break // data ends without an end-of-information code
		}
		code := int(bits>>(nbits-width)) & (1<<width - 1)
		nbits -= width
		switch {
		case code == lzwClear:
			width, next, prev = 9, lzwFirst, -1
			continue
		case code == lzwEOI:
			return out, nil
		case prev < 0:
			if code > 255 {
				return out, malformed("lzw code %d after a clear code", code)
			}
			dst[out] = byte(code)
			out++
			prev = code
			continue
		case code > next || (code == next && next >= lzwMaxCodes):
			return out, malformed("lzw code %d beyond table of %d", code, next)
		case code < next && code >= lzwFirst && length[code] == 0:
			return out, malformed("lzw code %d undefined", code)
		}
		// Decode the string for code into str[:n]; code == next is the KwKwK case,
		// prev's string followed by its own first byte.
		c, n, fb := code, 0, byte(0)
		if code == next {
			c = prev
			n = int(length[prev]) + 1
			fb = first[prev]
			str[n-1] = fb
		} else {
			n = int(length[code])
			fb = first[code]
		}
		for i := int(length[c]) - 1; i >= 0; i-- {
			str[i] = suffix[c]
			c = int(prefix[c])
		}
		out += copy(dst[out:], str[:n])
		if next < lzwMaxCodes {
			prefix[next] = uint16(prev)
			suffix[next] = fb
			first[next] = first[prev]
			length[next] = length[prev] + 1
			next++
		}
		if next >= 1<<width-1 && width < lzwMaxWidth {
			width++
		}
		prev = code
	}
	return out, nil
}
