package geo

import (
	"encoding/json"
	"fmt"
	"strings"
)

// geoJSON is the part of a GeoJSON object DecodeGeoJSON reads.
type geoJSON struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
	Geometry    *geoJSON        `json:"geometry"`
	CRS         *struct {
		Type       string `json:"type"`
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	} `json:"crs"`
}

// DecodeGeoJSON reads a GeoJSON Polygon or MultiPolygon geometry, or a Feature holding
// one, as a MultiPolygon (a Polygon becomes a MultiPolygon of one) and returns it with its
// CRS: LonLat per RFC 7946, or the CRS named by a "crs" member of the 2008 GeoJSON
// specification ({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32633"}}),
// which older files and the GDAL/OGR writers still carry. Positions may hold a third
// (altitude) value, which is dropped.
//
// It returns an error for invalid JSON, another geometry type, a position with fewer than
// two numbers, a ring of fewer than four positions or whose last position differs from
// its first (RFC 7946 §3.1.6), LonLat positions outside the longitude and latitude
// ranges, or an unsupported CRS; it does not check that rings are simple or that holes
// lie inside their exterior.
func DecodeGeoJSON(data []byte) (MultiPolygon, CRS, error) {
	var g geoJSON
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, 0, fmt.Errorf("decode geojson: %w", err)
	}
	crs := LonLat
	if g.CRS != nil {
		if !strings.EqualFold(g.CRS.Type, "name") {
			return nil, 0, fmt.Errorf("decode geojson: crs of type %q is not supported, only \"name\"", g.CRS.Type)
		}
		c, err := ParseCRS(g.CRS.Properties.Name)
		if err != nil {
			return nil, 0, fmt.Errorf("decode geojson: %w", err)
		}
		crs = c
	}
	geom := &g
	if g.Type == "Feature" {
		if g.Geometry == nil {
			return nil, 0, fmt.Errorf("decode geojson: feature has no geometry")
		}
		geom = g.Geometry
	}
	var m MultiPolygon
	switch geom.Type {
	case "Polygon":
		var c [][][]float64
		if err := json.Unmarshal(geom.Coordinates, &c); err != nil {
			return nil, 0, fmt.Errorf("decode geojson polygon coordinates: %w", err)
		}
		p, err := polygonOf(c, crs, "coordinates")
		if err != nil {
			return nil, 0, err
		}
		m = MultiPolygon{p}
	case "MultiPolygon":
		var c [][][][]float64
		if err := json.Unmarshal(geom.Coordinates, &c); err != nil {
			return nil, 0, fmt.Errorf("decode geojson multipolygon coordinates: %w", err)
		}
		for i, pc := range c {
			p, err := polygonOf(pc, crs, fmt.Sprintf("coordinates[%d]", i))
			if err != nil {
				return nil, 0, err
			}
			m = append(m, p)
		}
	default:
		return nil, 0, fmt.Errorf("decode geojson: type %q is not a Polygon, MultiPolygon or Feature", geom.Type)
	}
	return m, crs, nil
}

// polygonOf checks and converts the coordinates of one polygon; field names it in errors.
func polygonOf(c [][][]float64, crs CRS, field string) (Polygon, error) {
	if len(c) == 0 {
		return nil, fmt.Errorf("decode geojson %s: polygon has no exterior ring", field)
	}
	p := make(Polygon, len(c))
	for r, ring := range c {
		if len(ring) < 4 {
			return nil, fmt.Errorf("decode geojson %s[%d]: a ring needs at least 4 positions, got %d", field, r, len(ring))
		}
		dst := make([][2]float64, len(ring))
		for i, pos := range ring {
			if len(pos) < 2 {
				return nil, fmt.Errorf("decode geojson %s[%d][%d]: a position needs 2 numbers, got %d", field, r, i, len(pos))
			}
			if crs == LonLat {
				if err := checkLonLat(pos[0], pos[1]); err != nil {
					return nil, fmt.Errorf("decode geojson %s[%d][%d]: %w", field, r, i, err)
				}
			}
			dst[i] = [2]float64{pos[0], pos[1]}
		}
		if dst[0] != dst[len(dst)-1] {
			return nil, fmt.Errorf("decode geojson %s[%d]: ring is not closed, its first and last positions differ", field, r)
		}
		p[r] = dst
	}
	return p, nil
}
