package geo

import (
	"errors"
	"fmt"
	"math"
)

const (
	deg = math.Pi / 180 // radians per degree
	rad = 180 / math.Pi // degrees per radian
)

// TransverseMercator is a transverse Mercator projection of an ellipsoid: central
// meridian, scale factor on it, false easting and false northing (latitude of origin 0,
// the equator). Every UTM zone is one, with scale 0.9996 and false easting 500 000 m.
//
// It evaluates the Krüger series to sixth order in the third flattening n with
// Clenshaw summation, as in Karney (2011), "Transverse Mercator with an accuracy of a few
// nanometers", J. Geodesy 85:475-485, eqs. (7)-(11) and (35)-(36): for the Earth the
// error is below 10 nm up to 3 900 km (about 35° of longitude at the equator) from the
// central meridian, that is to say everywhere a UTM zone and its neighbours reach.
// Points 90° or more from the central meridian are refused.
//
// A TransverseMercator never changes after NewTransverseMercator and is safe for
// concurrent use; its zero value returns an error from every method.
type TransverseMercator struct {
	s      *tmSeries
	lon0   float64 // central meridian in degrees
	k0     float64 // scale on the central meridian
	fe, fn float64 // false easting and northing in metres
}

// NewTransverseMercator returns the transverse Mercator projection of ellipsoid e with
// central meridian lon0 (degrees east), scale factor k0 on it and the given false
// easting and false northing in metres. It returns an error for an ellipsoid with a
// non-positive axis or a flattening beyond 1/50, or for a non-finite or non-positive
// parameter.
func NewTransverseMercator(e Ellipsoid, lon0, k0, falseEasting, falseNorthing float64) (*TransverseMercator, error) {
	if err := e.validate(); err != nil {
		return nil, err
	}
	if !(lon0 >= -180 && lon0 <= 180) {
		return nil, fmt.Errorf("central meridian %g is outside [-180, 180]", lon0)
	}
	if !(k0 > 0) || math.IsInf(k0, 0) {
		return nil, fmt.Errorf("scale factor %g is not positive", k0)
	}
	if !finite(falseEasting) || !finite(falseNorthing) {
		return nil, fmt.Errorf("false easting %g or northing %g is not finite", falseEasting, falseNorthing)
	}
	s := newSeries(e)
	return &TransverseMercator{s: &s, lon0: lon0, k0: k0, fe: falseEasting, fn: falseNorthing}, nil
}

// Forward projects longitude lon and latitude lat (degrees) to easting x and northing y
// (metres, false easting and northing included). It returns an error when lat is outside
// [-90, 90], lon is not finite, or lon is 90° or more from the central meridian (except
// at the poles, which have every longitude).
func (t *TransverseMercator) Forward(lon, lat float64) (x, y float64, err error) {
	lam, phi, err := t.angles(lon, lat)
	if err != nil {
		return 0, 0, err
	}
	xi, eta, _, _ := t.s.forward(lam, phi, false)
	ka := t.k0 * t.s.rect
	return t.fe + ka*eta, t.fn + ka*xi, nil
}

// Inverse returns the longitude and latitude (degrees; longitude in [-180, 180]) of
// easting x and northing y (metres). It returns an error when x or y is not finite or
// lies too far east or west of the central meridian for the series (|x - false easting|
// beyond 2.6 times k0 times the rectifying radius, some 16 500 km on the Earth).
func (t *TransverseMercator) Inverse(x, y float64) (lon, lat float64, err error) {
	if t == nil || t.s == nil {
		return 0, 0, errNotInitialised
	}
	if !finite(x) || !finite(y) {
		return 0, 0, fmt.Errorf("coordinates (%g, %g) are not finite", x, y)
	}
	ka := t.k0 * t.s.rect
	xi, eta := (y-t.fn)/ka, (x-t.fe)/ka
	if math.Abs(eta) > 2.6 {
		return 0, 0, fmt.Errorf("easting %g is outside the transverse Mercator projection", x)
	}
	lam, phi := t.s.inverse(xi, eta)
	lon = math.Remainder(t.lon0+lam*rad, 360)
	lat = phi * rad
	if !finite(lon) || !finite(lat) {
		return 0, 0, fmt.Errorf("coordinates (%g, %g) are outside the transverse Mercator projection", x, y)
	}
	return lon, lat, nil
}

// Distortion returns, at longitude lon and latitude lat, the meridian convergence (the
// bearing of grid north clockwise from true north, in degrees: positive east of the
// central meridian in the northern hemisphere) and the point scale factor k (grid length
// over ellipsoid length; k0 on the central meridian). A small area in the projection is
// k² times its area on the ellipsoid. It returns the errors of Forward.
func (t *TransverseMercator) Distortion(lon, lat float64) (convergence, scale float64, err error) {
	lam, phi, err := t.angles(lon, lat)
	if err != nil {
		return 0, 0, err
	}
	_, _, gamma, k := t.s.forward(lam, phi, true)
	return gamma * rad, t.k0 * k, nil
}

// angles returns the longitude from the central meridian and the latitude in radians.
func (t *TransverseMercator) angles(lon, lat float64) (lam, phi float64, err error) {
	if t == nil || t.s == nil {
		return 0, 0, errNotInitialised
	}
	if !(lat >= -90 && lat <= 90) {
		return 0, 0, fmt.Errorf("latitude %g is outside [-90, 90]", lat)
	}
	if !finite(lon) {
		return 0, 0, fmt.Errorf("longitude %g is not finite", lon)
	}
	d := math.Remainder(lon-t.lon0, 360)
	if math.Abs(lat) == 90 {
		d = 0 // a pole is one point whatever its longitude
	}
	if math.Abs(d) >= 90 {
		return 0, 0, fmt.Errorf("longitude %g is %g° from the central meridian %g, 90° or more", lon, math.Abs(d), t.lon0)
	}
	return d * deg, lat * deg, nil
}

var errNotInitialised = errors.New("transverse mercator is not initialised: use NewTransverseMercator")

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
