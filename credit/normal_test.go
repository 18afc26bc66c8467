package credit_test

import (
	"math"
	"testing"

	"groundtruth/credit"
)

// The quantiles below were computed with mpmath at 800 decimal digits as
// -√2·erfinv(1−2p) and rounded to 22 significant digits. Upper-tail p stop at 0.999:
// beyond, the float64 nearest a decimal p has lost the digits of 1−p that fix G(p).
var quantiles = []struct{ p, x float64 }{
	{1e-300, -37.04709629936119923722},
	{1e-100, -21.27345356096532429512},
	{1e-50, -14.93333753478848898117},
	{1e-20, -9.262340089798407573717},
	{1e-10, -6.361340902404056204695},
	{1e-5, -4.264890793922824628499},
	{0.0003, -3.431614403623269306864},
	{0.0005, -3.290526731491894793222},
	{0.001, -3.090232306167813541540},
	{0.01, -2.326347874040841100886},
	{0.02425, -1.972961051311884850270},
	{0.025, -1.959963984540054235525},
	{0.2, -0.8416212335729142051787},
	{0.3, -0.5244005127080407840383},
	{0.42, -0.2018934791418508509514},
	{0.5, 0},
	{0.7, 0.5244005127080407840383},
	{0.975, 1.959963984540054235525},
	{0.97575, 1.972961051311884850270},
	{0.999, 3.090232306167813541540},
}

func TestNormInv(t *testing.T) {
	for _, q := range quantiles {
		got := credit.NormInv(q.p)
		if math.Abs(got-q.x) > 4e-16*max(1, math.Abs(q.x)) {
			t.Errorf("NormInv(%v) = %.17g, want %.17g", q.p, got, q.x)
		}
	}
	for _, c := range []struct{ p, want float64 }{
		{0, math.Inf(-1)}, {1, math.Inf(1)},
	} {
		if got := credit.NormInv(c.p); got != c.want {
			t.Errorf("NormInv(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	for _, p := range []float64{-0.1, 1.1, math.NaN()} {
		if got := credit.NormInv(p); !math.IsNaN(got) {
			t.Errorf("NormInv(%v) = %v, want NaN", p, got)
		}
	}
}

func TestNormCDF(t *testing.T) {
	for _, q := range quantiles {
		if q.p > 0.5 { // 1−p has lost digits; the lower tail is the test
			continue
		}
		got := credit.NormCDF(q.x)
		if math.Abs(got/q.p-1) > 1e-13 {
			t.Errorf("NormCDF(%.17g) = %.17g, want %v", q.x, got, q.p)
		}
	}
	for _, c := range []struct{ x, want float64 }{
		{0, 0.5}, {math.Inf(-1), 0}, {math.Inf(1), 1}, {-40, 0}, {40, 1},
	} {
		if got := credit.NormCDF(c.x); got != c.want {
			t.Errorf("NormCDF(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if got := credit.NormCDF(math.NaN()); !math.IsNaN(got) {
		t.Errorf("NormCDF(NaN) = %v, want NaN", got)
	}
}

// TestNormRoundTrip checks N(G(p)) = p over 1e-300..0.5 on a logarithmic grid, which
// covers every branch of AS 241. A relative error δ in x = G(p) becomes a relative error
// of x·φ(x)/N(x)·δ ≈ (1+x²)·δ in N(x); AS 241 is within 2-3 ulps in the far tail
// (x < −30), so the tolerance is 1e-15·(1+x²).
func TestNormRoundTrip(t *testing.T) {
	var worst float64
	for e := -300.0; e <= math.Log10(0.5); e += 0.25 {
		p := math.Pow(10, e)
		x := credit.NormInv(p)
		got := credit.NormCDF(x)
		r := math.Abs(got/p-1) / (1e-15 * (1 + x*x))
		worst = max(worst, r)
		if r > 1 {
			t.Errorf("NormCDF(NormInv(%v)) = %v, relative error %.2g", p, got, got/p-1)
		}
	}
	t.Logf("largest round-trip error: %.2f of the tolerance", worst)
	for p := 0.5; p < 1; p += 0.01 {
		if got := credit.NormCDF(credit.NormInv(p)); math.Abs(got-p) > 2e-16 {
			t.Errorf("NormCDF(NormInv(%v)) = %v", p, got)
		}
	}
}
