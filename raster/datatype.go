package raster

import (
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by the errors returned for input that is not a valid TIFF:
// truncated data, offsets beyond the end of the file, inconsistent counts, or sizes
// beyond the package's limits.
var ErrMalformed = errors.New("malformed tiff")

// ErrUnsupported is wrapped by the errors returned for a valid TIFF that uses a feature
// this package does not read, such as JPEG compression or 1-bit samples.
var ErrUnsupported = errors.New("unsupported tiff feature")

func malformed(format string, a ...any) error {
	return fmt.Errorf(format+": %w", append(a, ErrMalformed)...)
}

func unsupported(format string, a ...any) error {
	return fmt.Errorf(format+": %w", append(a, ErrUnsupported)...)
}

// DataType is the type of one sample as stored in the file.
type DataType int

// The sample types this package reads, from SampleFormat and BitsPerSample.
const (
	Uint8 DataType = iota + 1
	Int8
	Uint16
	Int16
	Uint32
	Int32
	Float32
	Float64
)

// Size returns the size of one sample of type t in bytes, or 0 for an unknown type.
func (t DataType) Size() int {
	switch t {
	case Uint8, Int8:
		return 1
	case Uint16, Int16:
		return 2
	case Uint32, Int32, Float32:
		return 4
	case Float64:
		return 8
	}
	return 0
}

// String returns the lower-case Go name of the type, such as "uint16".
func (t DataType) String() string {
	switch t {
	case Uint8:
		return "uint8"
	case Int8:
		return "int8"
	case Uint16:
		return "uint16"
	case Int16:
		return "int16"
	case Uint32:
		return "uint32"
	case Int32:
		return "int32"
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	}
	return fmt.Sprintf("DataType(%d)", int(t))
}

// IsFloat reports whether t is an IEEE floating-point type.
func (t DataType) IsFloat() bool { return t == Float32 || t == Float64 }

// dataType maps TIFF SampleFormat (1 unsigned, 2 signed, 3 float) and BitsPerSample to a
// DataType.
func dataType(format, bits uint64) (DataType, error) {
	if format == 4 { // "undefined data format": read as unsigned, as GDAL does
		format = 1
	}
	switch {
	case format == 1 && bits == 8:
		return Uint8, nil
	case format == 2 && bits == 8:
		return Int8, nil
	case format == 1 && bits == 16:
		return Uint16, nil
	case format == 2 && bits == 16:
		return Int16, nil
	case format == 1 && bits == 32:
		return Uint32, nil
	case format == 2 && bits == 32:
		return Int32, nil
	case format == 3 && bits == 32:
		return Float32, nil
	case format == 3 && bits == 64:
		return Float64, nil
	}
	return 0, unsupported("sample format %d with %d bits per sample", format, bits)
}
