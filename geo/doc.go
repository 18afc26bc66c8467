// Package geo holds the coordinate and polygon arithmetic behind zonal statistics of
// field polygons over satellite rasters (SPEC §7), with the standard library only.
//
// Coordinates: WGS84 longitude/latitude (EPSG:4326, always in lon, lat order, as in
// GeoJSON) and the 120 WGS84 UTM zones (EPSG:32601-32660 north, 32701-32760 south), named
// by CRS. Forward, Inverse and Transform convert between them with the Krüger series of
// the transverse Mercator projection to sixth order in the third flattening (Karney 2011,
// "Transverse Mercator with an accuracy of a few nanometers", J. Geodesy 85; the
// algorithm of GeographicLib's TransverseMercator and of PROJ's tmerc/etmerc since 6.0):
// errors below 10 nm within a zone and far beyond it (see TransverseMercator).
// TransverseMercator also serves any other transverse Mercator grid on any Ellipsoid.
//
// Polygons: Polygon and MultiPolygon hold GeoJSON rings (RFC 7946; holes allowed), read
// by DecodeGeoJSON and reprojected vertex by vertex with MultiPolygon.Transform.
// PointInPolygon is the even-odd rule with a stated tie rule for points on an edge; Area
// is the planar (shoelace) area in the units of the CRS, square metres for UTM.
//
// Rasters: Spans yields, row by row, the runs of pixels whose centres lie inside a
// polygon given in pixel coordinates, with the same tie rule as PointInPolygon, in time
// proportional to the edges crossing each row rather than to the pixels; GeoTransform
// maps a polygon in model coordinates to pixel coordinates first.
//
// Nothing here does I/O, keeps state between calls or panics on bad input: bad
// coordinates, unsupported EPSG codes and malformed GeoJSON return errors.
package geo
