package geo

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// CRS is a coordinate reference system named by its EPSG code. The package supports
// LonLat (4326) and the WGS84 UTM zones: 32601-32660 (zones 1-60, north) and 32701-32760
// (south); every function given another code returns an error.
type CRS int

// LonLat is WGS84 geographic coordinates, EPSG:4326, in degrees. Coordinates are always
// (longitude, latitude) in that order, as in GeoJSON and OGC:CRS84, whatever the axis
// order of the EPSG definition.
const LonLat CRS = 4326

const (
	utmNorth = 32600 // EPSG code of UTM zone z north is utmNorth + z
	utmSouth = 32700
)

// UTM returns the CRS of WGS84 UTM zone 1-60, in the southern hemisphere (false northing
// 10 000 km) when south is set. It returns an error for a zone outside 1-60.
func UTM(zone int, south bool) (CRS, error) {
	if zone < 1 || zone > 60 {
		return 0, fmt.Errorf("utm zone %d is outside 1-60", zone)
	}
	if south {
		return CRS(utmSouth + zone), nil
	}
	return CRS(utmNorth + zone), nil
}

// Zone returns the UTM zone of c and whether it is a southern one; ok is false when c
// is not a UTM CRS.
func (c CRS) Zone() (zone int, south, ok bool) {
	switch {
	case c > utmNorth && c <= utmNorth+60:
		return int(c - utmNorth), false, true
	case c > utmSouth && c <= utmSouth+60:
		return int(c - utmSouth), true, true
	}
	return 0, false, false
}

// String returns "EPSG:" and the code.
func (c CRS) String() string { return "EPSG:" + strconv.Itoa(int(c)) }

// supported reports an error unless the package can transform c.
func (c CRS) supported() error {
	if _, _, ok := c.Zone(); ok || c == LonLat {
		return nil
	}
	return fmt.Errorf("crs %v is not supported (only EPSG:4326 and the WGS84 UTM zones EPSG:32601-32660, 32701-32760)", c)
}

// TransverseMercator returns the projection of a UTM CRS: WGS84, central meridian
// 6·zone - 183 degrees, scale 0.9996, false easting 500 000 m, false northing 0 (north) or
// 10 000 000 m (south). It returns an error when c is not a UTM CRS.
func (c CRS) TransverseMercator() (*TransverseMercator, error) {
	zone, south, ok := c.Zone()
	if !ok {
		return nil, fmt.Errorf("crs %v is not a utm zone", c)
	}
	tm := utm(zone, south)
	return &tm, nil
}

func utm(zone int, south bool) TransverseMercator {
	fn := 0.0
	if south {
		fn = 10_000_000
	}
	return TransverseMercator{s: &wgs84Series, lon0: float64(6*zone - 183), k0: 0.9996, fe: 500_000, fn: fn}
}

// ParseCRS reads an EPSG code written as "EPSG:32633", "urn:ogc:def:crs:EPSG::32633",
// "urn:ogc:def:crs:EPSG:6.6:32633", "http://www.opengis.net/def/crs/EPSG/0/32633" or a bare
// "32633"; "urn:ogc:def:crs:OGC:1.3:CRS84", "OGC:CRS84" and "CRS84" are LonLat. It
// returns an error for any other text or an unsupported code.
func ParseCRS(s string) (CRS, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if t == "CRS84" || strings.HasSuffix(t, ":CRS84") || strings.HasSuffix(t, "/CRS84") {
		return LonLat, nil
	}
	code := t
	switch {
	case strings.HasPrefix(t, "EPSG:"):
		code = t[len("EPSG:"):]
	case strings.HasPrefix(t, "URN:OGC:DEF:CRS:EPSG:"):
		code = t[strings.LastIndexByte(t, ':')+1:]
	case strings.HasPrefix(t, "HTTP://WWW.OPENGIS.NET/DEF/CRS/EPSG/"),
		strings.HasPrefix(t, "HTTPS://WWW.OPENGIS.NET/DEF/CRS/EPSG/"):
		code = t[strings.LastIndexByte(t, '/')+1:]
	}
	n, err := strconv.Atoi(code)
	if err != nil {
		return 0, fmt.Errorf("crs %q is not an EPSG code", s)
	}
	c := CRS(n)
	if err := c.supported(); err != nil {
		return 0, err
	}
	return c, nil
}

// UTMZone returns the standard UTM CRS of a point: zone floor((lon+180)/6)+1 with the
// exceptions of the UTM grid for south-west Norway (latitudes 56-64°N, longitudes 3-6°E
// belong to zone 32) and Svalbard (latitudes 72-84°N, longitudes 0-42°E use zones 31, 33,
// 35 and 37 only), as GeographicLib's UTMUPS::StandardZone; north for lat >= 0. Longitude
// 180 is zone 1. It returns an error outside the UTM latitudes [-80, 84] (the polar
// caps are UPS) or for a longitude outside [-180, 180].
func UTMZone(lon, lat float64) (CRS, error) {
	if !(lat >= -80 && lat <= 84) {
		return 0, fmt.Errorf("latitude %g is outside the utm range [-80, 84]", lat)
	}
	if !(lon >= -180 && lon <= 180) {
		return 0, fmt.Errorf("longitude %g is outside [-180, 180]", lon)
	}
	ilon := int(math.Floor(lon))
	if ilon == 180 {
		ilon = -180
	}
	zone := (ilon+180)/6 + 1
	switch {
	case lat >= 56 && lat < 64 && ilon >= 3 && ilon < 6:
		zone = 32
	case lat >= 72 && ilon >= 0 && ilon < 42:
		zone = 2*((ilon+183)/12) + 1
	}
	return UTM(zone, lat < 0)
}

// Forward converts longitude lon and latitude lat (degrees, WGS84) to coordinates in
// crs: easting and northing in metres for a UTM zone, (lon, lat) unchanged for LonLat.
// It returns an error for an unsupported crs, a latitude outside [-90, 90], a non-finite
// longitude, or a point 90° or more in longitude from the zone's central meridian.
// Accuracy is that of TransverseMercator: nanometres within a zone and well beyond it.
func Forward(crs CRS, lon, lat float64) (x, y float64, err error) {
	if crs == LonLat {
		if err := checkLonLat(lon, lat); err != nil {
			return 0, 0, err
		}
		return lon, lat, nil
	}
	zone, south, ok := crs.Zone()
	if !ok {
		return 0, 0, crs.supported()
	}
	tm := utm(zone, south)
	x, y, err = tm.Forward(lon, lat)
	if err != nil {
		return 0, 0, fmt.Errorf("project to %v: %w", crs, err)
	}
	return x, y, nil
}

// Inverse converts coordinates x, y in crs back to WGS84 longitude and latitude in
// degrees (longitude in [-180, 180]). It returns an error for an unsupported crs,
// non-finite coordinates, or for LonLat coordinates out of range.
func Inverse(crs CRS, x, y float64) (lon, lat float64, err error) {
	if crs == LonLat {
		if err := checkLonLat(x, y); err != nil {
			return 0, 0, err
		}
		return x, y, nil
	}
	zone, south, ok := crs.Zone()
	if !ok {
		return 0, 0, crs.supported()
	}
	tm := utm(zone, south)
	lon, lat, err = tm.Inverse(x, y)
	if err != nil {
		return 0, 0, fmt.Errorf("unproject from %v: %w", crs, err)
	}
	return lon, lat, nil
}

// Transform converts the point x, y from one CRS to another: LonLat to UTM, UTM to
// LonLat, UTM to another UTM zone (through longitude and latitude), or a CRS to itself
// (checked, unchanged). It returns the errors of Forward and Inverse.
func Transform(from, to CRS, x, y float64) (float64, float64, error) {
	if err := from.supported(); err != nil {
		return 0, 0, err
	}
	if err := to.supported(); err != nil {
		return 0, 0, err
	}
	if from == to {
		if !finite(x) || !finite(y) {
			return 0, 0, fmt.Errorf("coordinates (%g, %g) are not finite", x, y)
		}
		if from == LonLat {
			if err := checkLonLat(x, y); err != nil {
				return 0, 0, err
			}
		}
		return x, y, nil
	}
	lon, lat, err := Inverse(from, x, y)
	if err != nil {
		return 0, 0, err
	}
	return Forward(to, lon, lat)
}

func checkLonLat(lon, lat float64) error {
	if !(lon >= -180 && lon <= 180) || !(lat >= -90 && lat <= 90) {
		return fmt.Errorf("(%g, %g) is not a WGS84 longitude, latitude", lon, lat)
	}
	return nil
}
