package raster

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// GeoKeys read from the GeoKeyDirectory.
const (
	keyModelType      = 1024
	keyRasterType     = 1025
	keyGeographicType = 2048
	keyProjectedType  = 3072
	userDefined       = 32767
	modelGeographic   = 2
)

// RasterType is the GeoTIFF RasterTypeGeoKey (1025): whether a pixel's model coordinates
// name the area it covers or a point at its centre.
type RasterType int

// The two raster types of GeoTIFF.
const (
	// PixelIsArea (the default) means the tiepoint's raster position (0,0) is the outer
	// corner of the first pixel.
	PixelIsArea RasterType = 1
	// PixelIsPoint means raster position (0,0) is the centre of the first pixel, as in
	// Landsat Level-1 products.
	PixelIsPoint RasterType = 2
)

// String returns "area" or "point".
func (t RasterType) String() string {
	switch t {
	case PixelIsArea:
		return "area"
	case PixelIsPoint:
		return "point"
	}
	return fmt.Sprintf("RasterType(%d)", int(t))
}

// Transform is an affine geotransform in GDAL's order: the model coordinates of pixel
// position (col, row) are
//
//	x = T[0] + col*T[1] + row*T[2]
//	y = T[3] + col*T[4] + row*T[5]
//
// where integer positions are pixel corners: (0,0) is the outer corner of the first
// pixel and (col+0.5, row+0.5) the centre of pixel (col, row), whatever the file's
// RasterType (a PixelIsPoint file's tiepoint is shifted by half a pixel, as GDAL does).
type Transform [6]float64

// Apply returns the model coordinates of pixel position (col, row).
func (t Transform) Apply(col, row float64) (x, y float64) {
	return t[0] + col*t[1] + row*t[2], t[3] + col*t[4] + row*t[5]
}

// Invert returns the transform from model coordinates back to pixel positions, or an
// error when t is singular.
func (t Transform) Invert() (Transform, error) {
	det := t[1]*t[5] - t[2]*t[4]
	if det == 0 || math.IsNaN(det) || math.IsInf(det, 0) {
		return Transform{}, fmt.Errorf("cannot invert transform %v: singular", t)
	}
	a, b, d, e := t[5]/det, -t[2]/det, -t[4]/det, t[1]/det
	return Transform{-a*t[0] - b*t[3], a, b, -d*t[0] - e*t[3], d, e}, nil
}

// geoInfo is the georeferencing of one image.
type geoInfo struct {
	epsg         int
	rasterType   RasterType
	transform    Transform
	hasTransform bool
	noData       float64
	hasNoData    bool
}

// readGeo reads the GeoTIFF tags and GDAL_NODATA of a directory. Absent tags leave the
// corresponding fields unset.
func readGeo(p *parser, d *ifd) (geoInfo, error) {
	var g geoInfo
	keys := map[uint16]uint16{}
	if e := d.find(tagGeoKeyDirectory); e != nil {
		dir, err := p.uints(e)
		if err != nil {
			return g, err
		}
		if keys, err = geoKeys(dir); err != nil {
			return g, err
		}
	}
	g.rasterType = RasterType(keys[keyRasterType])
	if g.rasterType != 0 && g.rasterType != PixelIsArea && g.rasterType != PixelIsPoint {
		return g, malformed("raster type %d", g.rasterType)
	}
	order := []uint16{keyProjectedType, keyGeographicType}
	if keys[keyModelType] == modelGeographic {
		order = []uint16{keyGeographicType, keyProjectedType}
	}
	for _, k := range order {
		if v, ok := keys[k]; ok && v != 0 && v != userDefined {
			g.epsg = int(v)
			break
		}
	}
	if err := g.readTransform(p, d); err != nil {
		return g, err
	}
	if e := d.find(tagGDALNoData); e != nil {
		s, err := p.ascii(e)
		if err != nil {
			return g, err
		}
		s = strings.TrimSpace(s)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return g, malformed("GDAL_NODATA %q is not a number", s)
		}
		g.noData, g.hasNoData = v, true
	}
	return g, nil
}

// geoKeys returns the SHORT-valued keys of a GeoKeyDirectory: its header (version,
// revision, minor revision, key count) is followed by four SHORTs per key (id, location,
// count, value); location 0 means the value is the key's value itself.
func geoKeys(dir []uint64) (map[uint16]uint16, error) {
	if len(dir) < 4 {
		return nil, malformed("GeoKeyDirectory of %d values", len(dir))
	}
	n := dir[3]
	if n > uint64(len(dir)-4)/4 {
		return nil, malformed("GeoKeyDirectory claims %d keys in %d values", n, len(dir))
	}
	keys := make(map[uint16]uint16, n)
	for i := range n {
		k := dir[4+4*i:]
		id, loc, count, val := k[0], k[1], k[2], k[3]
		switch {
		case loc == 0:
			keys[uint16(id)] = uint16(val)
		case loc == tagGeoKeyDirectory && count == 1 && val < uint64(len(dir)):
			keys[uint16(id)] = uint16(dir[val])
		}
	}
	return keys, nil
}

// readTransform reads ModelTransformation, or else ModelTiepoint with ModelPixelScale.
func (g *geoInfo) readTransform(p *parser, d *ifd) error {
	var t Transform
	if e := d.find(tagModelTransform); e != nil {
		m, err := p.floats(e)
		if err != nil {
			return err
		}
		if len(m) != 16 {
			return malformed("ModelTransformation of %d values, want 16", len(m))
		}
		t = Transform{m[3], m[0], m[1], m[7], m[4], m[5]}
	} else {
		se, te := d.find(tagModelPixelScale), d.find(tagModelTiepoint)
		if se == nil || te == nil {
			return nil // not georeferenced, or by ground control points only
		}
		s, err := p.floats(se)
		if err != nil {
			return err
		}
		tp, err := p.floats(te)
		if err != nil {
			return err
		}
		if len(s) < 2 || len(tp) < 6 {
			return malformed("ModelPixelScale of %d or ModelTiepoint of %d values", len(s), len(tp))
		}
		i, j, x, y := tp[0], tp[1], tp[3], tp[4]
		t = Transform{x - i*s[0], s[0], 0, y + j*s[1], 0, -s[1]}
	}
	for _, v := range t {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return malformed("geotransform %v is not finite", t)
		}
	}
	if g.rasterType == PixelIsPoint {
		t[0] -= 0.5*t[1] + 0.5*t[2]
		t[3] -= 0.5*t[4] + 0.5*t[5]
	}
	g.transform, g.hasTransform = t, true
	return nil
}

// EPSG returns the EPSG code of the image's coordinate reference system, from
// ProjectedCSTypeGeoKey (3072) or GeographicTypeGeoKey (2048), or 0 when the file names
// none or a user-defined one. Overviews without GeoKeys report the full image's code.
func (im *Image) EPSG() int { return im.geo.epsg }

// RasterType returns the file's RasterTypeGeoKey, PixelIsArea when absent. Transform has
// already accounted for it.
func (im *Image) RasterType() RasterType {
	if im.geo.rasterType == 0 {
		return PixelIsArea
	}
	return im.geo.rasterType
}

// Transform returns the affine transform from pixel corner positions to model
// coordinates, and false when the image is not georeferenced by a transform. An overview
// without its own georeferencing reports the full image's transform scaled to its size.
func (im *Image) Transform() (Transform, bool) { return im.geo.transform, im.geo.hasTransform }

// NoData returns the nodata value from the GDAL_NODATA tag (42113), and false when the
// file declares none. It may be NaN.
func (im *Image) NoData() (float64, bool) { return im.geo.noData, im.geo.hasNoData }
