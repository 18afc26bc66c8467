// Package raster reads GeoTIFF and Cloud-Optimised GeoTIFF (COG) rasters in pure Go,
// with the standard library only.
//
// It reads classic TIFF (both byte orders) and BigTIFF, stripped and tiled layouts,
// chunky (PlanarConfiguration 1) and planar (PlanarConfiguration 2) sample layouts with any
// number of bands, unsigned and signed integer samples of 8, 16 and 32 bits and IEEE
// floats of 32 and 64 bits, compressed with nothing (1), LZW (5) or DEFLATE (8 and the
// older code 32946), with horizontal (2) or floating-point (3) prediction.
//
// The GeoTIFF tags ModelPixelScale, ModelTiepoint, ModelTransformation and
// GeoKeyDirectory give an affine Transform from pixel (column, row) to model x, y and an
// EPSG code; the GDAL_NODATA tag gives the nodata value. Reduced-resolution subfiles
// (overviews, as in a COG) are listed after the full-resolution image by File.Images.
//
// Pixels are read by window (Image.ReadWindow) or block by block (Image.Blocks,
// Image.ReadBlock), decoding only the tiles or strips that are needed, so an image of any
// size is processed with memory bounded by one block. Samples are returned as float64,
// which holds every supported sample type exactly.
//
// Malformed input yields an error wrapping ErrMalformed, a valid file using a feature the
// package does not implement yields one wrapping ErrUnsupported; neither panics. Every
// count, offset and size read from the file is checked against the file size and fixed
// limits before memory is allocated for it.
//
// The package does no I/O of its own: Open takes an io.ReaderAt and its size, so a file,
// a byte slice or an HTTP range reader serves equally.
package raster
