// Package satellite turns a satellite scene into the statistics of the financed fields it
// covers (SPEC §7): it reads the scene's rasters block by block (package raster),
// computes NDVI under the scene's quality mask (package crop), reprojects each field's
// polygon from WGS84 into the scene's CRS (package geo) and gathers zonal statistics of
// the pixels whose centres lie inside it. Memory is that of one block per band plus a
// histogram per field, whatever the scene's size.
package satellite

import (
	"context"
	"fmt"
	"image"

	"groundtruth/crop"
	"groundtruth/geo"
	"groundtruth/raster"
)

// Mask kinds of a scene's quality band.
const (
	MaskLandsatQA = "landsat_bqa" // Landsat 8 Collection 1 BQA (crop.LandsatQA)
	MaskSCL       = "scl"         // Sentinel-2 L2A scene classification (crop.SentinelSCL)
	MaskBinary    = "binary"      // non-zero is cloud (crop.CloudMask)
)

// Scene is the rasters of one scene: red and near-infrared bands (in one file or two)
// with an optional quality mask, or a band of NDVI already computed. Every raster must
// have the same size and georeferencing as the first one.
type Scene struct {
	Red, NIR         *raster.Image
	RedBand, NIRBand int
	Mask             *raster.Image
	MaskBand         int
	MaskKind         string
	NDVI             *raster.Image // instead of Red and NIR
	NDVIBand         int
	// Classes, instead of Mask, gives each pixel's class (crop.Clear, crop.Cloud or
	// crop.NoData), row-major over the whole scene: for masks that come as arrays.
	Classes []uint8
}

// Field is a field to measure: its id and its polygon in WGS84 (lon, lat).
type Field struct {
	ID      string
	Polygon geo.MultiPolygon
}

// Result is a field's statistics, with the number of its pixels that fell outside the
// scene (counted as NoData).
type Result struct {
	Field   string
	Outside bool // the field does not touch the scene
	crop.Stats
}

// reference returns the raster that defines the scene's grid.
func (s *Scene) reference() (*raster.Image, error) {
	ref := s.NDVI
	if ref == nil {
		ref = s.Red
	}
	if ref == nil || s.NDVI == nil && s.NIR == nil {
		return nil, fmt.Errorf("a scene needs red and nir bands, or an ndvi band")
	}
	for _, im := range []*raster.Image{s.Red, s.NIR, s.Mask, s.NDVI} {
		if im == nil {
			continue
		}
		if im.Width() != ref.Width() || im.Height() != ref.Height() {
			return nil, fmt.Errorf("the scene's rasters differ in size: %dx%d and %dx%d", ref.Width(), ref.Height(), im.Width(), im.Height())
		}
		t1, _ := ref.Transform()
		t2, _ := im.Transform()
		if t1 != t2 || im.EPSG() != ref.EPSG() {
			return nil, fmt.Errorf("the scene's rasters are not on the same grid")
		}
	}
	switch s.MaskKind {
	case "", MaskLandsatQA, MaskSCL, MaskBinary:
	default:
		return nil, fmt.Errorf("mask kind %q is not %s, %s or %s", s.MaskKind, MaskLandsatQA, MaskSCL, MaskBinary)
	}
	if s.Mask != nil && s.MaskKind == "" {
		return nil, fmt.Errorf("a mask needs its kind: %s, %s or %s", MaskLandsatQA, MaskSCL, MaskBinary)
	}
	if s.Classes != nil && len(s.Classes) != ref.Width()*ref.Height() {
		return nil, fmt.Errorf("the classes hold %d pixels, the scene %dx%d", len(s.Classes), ref.Width(), ref.Height())
	}
	return ref, nil
}

// Grid returns the scene's CRS and geotransform.
func Grid(ref *raster.Image) (geo.CRS, geo.GeoTransform, error) {
	t, ok := ref.Transform()
	if !ok {
		return 0, geo.GeoTransform{}, fmt.Errorf("the scene has no georeferencing (no tie point and pixel scale)")
	}
	if t[2] != 0 || t[4] != 0 {
		return 0, geo.GeoTransform{}, fmt.Errorf("the scene is rotated; only north-up rasters are supported")
	}
	if ref.EPSG() == 0 {
		return 0, geo.GeoTransform{}, fmt.Errorf("the scene's CRS has no EPSG code")
	}
	return geo.CRS(ref.EPSG()), geo.GeoTransform{X0: t[0], DX: t[1], Y0: t[3], DY: t[5]}, nil
}

// Zonal computes the statistics of each field in the scene. progress, when set, is
// called after each block with the blocks done and their total.
func Zonal(ctx context.Context, s Scene, fields []Field, progress func(done, total int)) ([]Result, error) {
	ref, err := s.reference()
	if err != nil {
		return nil, err
	}
	crs, gt, err := Grid(ref)
	if err != nil {
		return nil, err
	}
	w, h := ref.Width(), ref.Height()
	spans := make([][]crop.Span, len(fields))
	union := image.Rectangle{}
	out := make([]Result, len(fields))
	for i, f := range fields {
		out[i].Field = f.ID
		m, err := f.Polygon.Transform(geo.LonLat, crs)
		if err != nil {
			// Too far from the scene's zone to project: it cannot touch the scene.
			out[i].Outside = true
			continue
		}
		px, err := gt.ToPixels(m)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.ID, err)
		}
		for sp := range geo.Spans(px, w, h) {
			spans[i] = append(spans[i], crop.Span{Row: sp.Row, Col0: sp.Col0, Col1: sp.Col1})
			union = union.Union(image.Rect(sp.Col0, sp.Row, sp.Col1, sp.Row+1))
		}
		out[i].Outside = len(spans[i]) == 0
	}
	zones := crop.NewZones(spans)
	bw, bh := ref.BlockSize()
	n := bw * bh
	red, nir, mask, ndvi := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	cls, vals, maskCls := make([]uint8, n), make([]float32, n), make([]uint8, n)
	var nodata *float64
	if v, ok := ref.NoData(); ok {
		nodata = &v
	}
	total, done := ref.NumBlocks(), 0
	for i, r := range ref.Blocks() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		done++
		if !r.Overlaps(union) {
			if progress != nil {
				progress(done, total)
			}
			continue
		}
		k := r.Dx() * r.Dy()
		read := func(im *raster.Image, band int, dst []float64) error {
			if im == ref {
				_, err := im.ReadBlock(i, band, dst)
				return err
			}
			return im.ReadWindow(r.Min.X, r.Min.Y, r.Dx(), r.Dy(), band, dst)
		}
		var m []uint8
		switch {
		case s.Classes != nil:
			for y := range r.Dy() {
				copy(maskCls[y*r.Dx():(y+1)*r.Dx()], s.Classes[(r.Min.Y+y)*w+r.Min.X:(r.Min.Y+y)*w+r.Max.X])
			}
			m = maskCls[:k]
		case s.Mask != nil:
			if err := read(s.Mask, s.MaskBand, mask); err != nil {
				return nil, fmt.Errorf("mask: %w", err)
			}
			for j := range k {
				maskCls[j] = classify(s.MaskKind, mask[j])
			}
			m = maskCls[:k]
		}
		if s.NDVI != nil {
			if err := read(s.NDVI, s.NDVIBand, ndvi); err != nil {
				return nil, fmt.Errorf("ndvi: %w", err)
			}
			ndviBlock(ndvi[:k], m, nodata, vals[:k], cls[:k])
		} else {
			if err := read(s.Red, s.RedBand, red); err != nil {
				return nil, fmt.Errorf("red: %w", err)
			}
			if err := read(s.NIR, s.NIRBand, nir); err != nil {
				return nil, fmt.Errorf("nir: %w", err)
			}
			crop.NDVIBlock(red[:k], nir[:k], m, nodata, vals[:k], cls[:k])
		}
		zones.AddBlock(r.Min.X, r.Min.Y, r.Dx(), r.Dy(), vals[:k], cls[:k])
		if progress != nil {
			progress(done, total)
		}
	}
	for i, st := range zones.Stats() {
		out[i].Stats = st
	}
	return out, nil
}

// classify maps a mask value to a pixel class.
func classify(kind string, v float64) uint8 {
	switch kind {
	case MaskLandsatQA:
		return crop.LandsatQA(uint16(v))
	case MaskSCL:
		return crop.SentinelSCL(uint8(v))
	}
	if v != 0 {
		return crop.Cloud
	}
	return crop.Clear
}

// ndviBlock classifies a block of ready NDVI values: NaN, the nodata value or a value
// outside [-1, 1] is NoData.
func ndviBlock(v []float64, mask []uint8, nodata *float64, out []float32, class []uint8) {
	for i, x := range v {
		c := crop.Clear
		if mask != nil {
			c = mask[i]
		}
		if c == crop.Clear && (x != x || x < -1 || x > 1 || nodata != nil && x == *nodata) {
			c = crop.NoData
		}
		class[i] = c
		out[i] = float32(x)
	}
}
