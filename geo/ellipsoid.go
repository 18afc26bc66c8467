package geo

import (
	"fmt"
	"math"
)

// Ellipsoid is a reference ellipsoid of revolution: semi-major axis A in metres and
// flattening F = (A-B)/A, where B is the semi-minor axis (F = 0 for a sphere).
type Ellipsoid struct {
	A float64
	F float64
}

// WGS84 is the World Geodetic System 1984 ellipsoid (EPSG:7030), the ellipsoid of
// EPSG:4326 and of the UTM zones EPSG:326xx and EPSG:327xx.
var WGS84 = Ellipsoid{A: 6378137, F: 1 / 298.257223563}

// GRS80 is the Geodetic Reference System 1980 ellipsoid (EPSG:7019) of ETRS89, NAD83 and
// most national grids; its semi-minor axis is 0.1 mm shorter than that of WGS84.
var GRS80 = Ellipsoid{A: 6378137, F: 1 / 298.257222101}

// validate accepts the oblate ellipsoids of geodesy (and the sphere): the series of
// TransverseMercator are truncated in the third flattening and lose accuracy as it grows,
// so flattenings beyond 1/50 (Earth's is 1/298) are refused.
func (e Ellipsoid) validate() error {
	if !(e.A > 0) || math.IsInf(e.A, 0) {
		return fmt.Errorf("ellipsoid semi-major axis %g is not a positive length", e.A)
	}
	if !(e.F >= 0 && e.F <= 0.02) {
		return fmt.Errorf("ellipsoid flattening %g is outside [0, 1/50]", e.F)
	}
	return nil
}
