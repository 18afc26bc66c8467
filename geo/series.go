package geo

import "math"

// tmSeries holds what the transverse Mercator series need of an ellipsoid.
type tmSeries struct {
	a    float64    // semi-major axis
	e    float64    // eccentricity, sqrt(f(2-f))
	e2m  float64    // 1 - e²
	rect float64    // rectifying radius A: a meridian quadrant is A·π/2
	alp  [7]float64 // Krüger α1..α6 (index 0 unused), ellipsoid to sphere
	bet  [7]float64 // Krüger β1..β6, sphere to ellipsoid
}

// wgs84Series serves every UTM zone.
var wgs84Series = newSeries(WGS84)

// newSeries evaluates Karney (2011) eqs. (14), (35) and (36) to order n⁶, n being the
// third flattening f/(2-f).
func newSeries(el Ellipsoid) tmSeries {
	f := el.F
	n := f / (2 - f)
	n2 := n * n
	n3, n4, n5, n6 := n2*n, n2*n2, n2*n2*n, n2*n2*n2
	s := tmSeries{
		a:    el.A,
		e:    math.Sqrt(f * (2 - f)),
		e2m:  (1 - f) * (1 - f),
		rect: el.A / (1 + n) * (1 + n2/4 + n4/64 + n6/256),
	}
	s.alp = [7]float64{0,
		n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180 - 127*n5/288 + 7891*n6/37800,
		13*n2/48 - 3*n3/5 + 557*n4/1440 + 281*n5/630 - 1983433*n6/1935360,
		61*n3/240 - 103*n4/140 + 15061*n5/26880 + 167603*n6/181440,
		49561*n4/161280 - 179*n5/168 + 6601661*n6/7257600,
		34729*n5/80640 - 3418889*n6/1995840,
		212378941 * n6 / 319334400,
	}
	s.bet = [7]float64{0,
		n/2 - 2*n2/3 + 37*n3/96 - n4/360 - 81*n5/512 + 96199*n6/604800,
		n2/48 + n3/15 - 437*n4/1440 + 46*n5/105 - 1118711*n6/3870720,
		17*n3/480 - 37*n4/840 - 209*n5/4480 + 5569*n6/90720,
		4397*n4/161280 - 11*n5/504 - 830251*n6/7257600,
		4583*n5/161280 - 108847*n6/3991680,
		20648693 * n6 / 638668800,
	}
	return s
}

// taup returns τ' = tan χ, the tangent of the conformal latitude, from τ = tan φ
// (Karney 2011 eqs. 7-9, in the form that keeps full precision near the poles).
func (s *tmSeries) taup(tau float64) float64 {
	tau1 := math.Hypot(1, tau)
	sig := math.Sinh(s.e * math.Atanh(s.e*tau/tau1))
	return math.Hypot(1, sig)*tau - sig*tau1
}

// tauf inverts taup by Newton's method (Karney 2011 eqs. 19-21); two or three steps
// reach full double precision.
func (s *tmSeries) tauf(taup float64) float64 {
	const tol = 1.4901161193847656e-09 // sqrt(machine epsilon)/10
	tau := taup / s.e2m
	if math.Abs(taup) > 70 {
		tau = taup * math.Exp(s.e*math.Atanh(s.e))
	}
	stol := tol * math.Max(1, math.Abs(taup))
	for range 5 {
		t1 := s.taup(tau)
		d := (taup - t1) * (1 + s.e2m*tau*tau) / (s.e2m * math.Hypot(1, tau) * math.Hypot(1, t1))
		tau += d
		if !(math.Abs(d) >= stol) {
			break
		}
	}
	return tau
}

// clenshaw sums c[1]·sin(2ζ) + ... + c[6]·sin(12ζ) for complex ζ = ξ + iη given
// sin 2ξ, cos 2ξ, sinh 2η and cosh 2η, returning the real and imaginary parts; with
// deriv it also returns the derivative 2c[1]·cos(2ζ) + ... + 12c[6]·cos(12ζ).
func clenshaw(c *[7]float64, s2, c2, sh2, ch2 float64, deriv bool) (sr, si, dr, di float64) {
	// a = 2cos 2ζ; y(k) = c[k] + a·y(k+1) - y(k+2); sum = y(1)·sin 2ζ.
	ar, ai := 2*c2*ch2, -2*s2*sh2
	var y0r, y0i, y1r, y1i float64 // y(k+1), y(k+2)
	var z0r, z0i, z1r, z1i float64 // the same for the derivative with coefficients 2k·c[k]
	for k := 6; k >= 1; k-- {
		yr := c[k] + ar*y0r - ai*y0i - y1r
		yi := ar*y0i + ai*y0r - y1i
		y1r, y1i, y0r, y0i = y0r, y0i, yr, yi
		if deriv {
			zr := 2*float64(k)*c[k] + ar*z0r - ai*z0i - z1r
			zi := ar*z0i + ai*z0r - z1i
			z1r, z1i, z0r, z0i = z0r, z0i, zr, zi
		}
	}
	snr, sni := s2*ch2, c2*sh2 // sin 2ζ
	sr, si = y0r*snr-y0i*sni, y0r*sni+y0i*snr
	if deriv {
		// derivative sum = z(1)·cos 2ζ - z(2), cos 2ζ = a/2
		cr, ci := ar/2, ai/2
		dr, di = z0r*cr-z0i*ci-z1r, z0r*ci+z0i*cr-z1i
	}
	return sr, si, dr, di
}

// forward maps latitude phi and longitude lam from the central meridian (radians,
// |lam| < π/2) to ξ (northing) and η (easting) in units of the rectifying radius, and with
// scale also returns the convergence (radians) and the scale factor for k0 = 1.
func (s *tmSeries) forward(lam, phi float64, scale bool) (xi, eta, gamma, k float64) {
	sphi, cphi := math.Sincos(phi)
	slam, clam := math.Sincos(lam)
	tau := sphi / cphi // finite: cos(±π/2) rounds to ±6e-17, not 0
	taup := s.taup(tau)
	xip := math.Atan2(taup, clam)
	etap := math.Asinh(slam / math.Hypot(taup, clam))
	s2, c2 := math.Sincos(2 * xip)
	sh2, ch2 := math.Sinh(2*etap), math.Cosh(2*etap)
	sr, si, dr, di := clenshaw(&s.alp, s2, c2, sh2, ch2, scale)
	xi, eta = xip+sr, etap+si
	if scale {
		// dζ/dζ' = 1 + derivative sum = p - iq (Karney 2011 eqs. 23-27).
		p, q := 1+dr, -di
		gamma = math.Atan2(slam*taup, clam*math.Hypot(1, taup)) + math.Atan2(q, p)
		k = math.Sqrt(s.e2m+s.e*s.e*cphi*cphi) * math.Hypot(1, tau) / math.Hypot(taup, clam) *
			s.rect / s.a * math.Hypot(p, q)
	}
	return xi, eta, gamma, k
}

// inverse maps ξ and η (units of the rectifying radius) back to the longitude from the
// central meridian and the latitude, in radians (Karney 2011 eqs. 11 and 15-21).
func (s *tmSeries) inverse(xi, eta float64) (lam, phi float64) {
	s2, c2 := math.Sincos(2 * xi)
	sh2, ch2 := math.Sinh(2*eta), math.Cosh(2*eta)
	sr, si, _, _ := clenshaw(&s.bet, s2, c2, sh2, ch2, false)
	xip, etap := xi-sr, eta-si
	sxip, cxip := math.Sincos(xip)
	shetap := math.Sinh(etap)
	r := math.Hypot(shetap, cxip)
	if r == 0 {
		return 0, math.Copysign(math.Pi/2, sxip)
	}
	lam = math.Atan2(shetap, cxip)
	phi = math.Atan(s.tauf(sxip / r))
	return lam, phi
}
