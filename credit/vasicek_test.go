package credit_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"groundtruth/credit"
)

// TestVasicekInverse checks that Quantile and CDF invert each other. Where the loss
// fraction nears 1, or the CDF nears 0 or 1, float64 cannot hold the digits that tell
// neighbouring values apart, so those points are left out.
func TestVasicekInverse(t *testing.T) {
	for _, pd := range []float64{0.0003, 0.01, 0.05, 0.2, 0.6} {
		for _, rho := range []float64{0.01, 0.12, 0.24, 0.5, 0.9} {
			v := credit.Vasicek{PD: pd, Rho: rho}
			for _, q := range []float64{0.001, 0.1, 0.5, 0.9, 0.99, 0.999} {
				x := v.Quantile(q)
				if x > 0.9 {
					continue
				}
				if got := v.CDF(x); math.Abs(got-q) > 1e-12 {
					t.Errorf("%+v: CDF(Quantile(%v)) = %v", v, q, got)
				}
			}
			for _, x := range []float64{1e-6, 0.001, 0.02, 0.3, 0.9} {
				c := v.CDF(x)
				if c < 1e-6 || c > 1-1e-6 {
					continue
				}
				if got := v.Quantile(c); math.Abs(got-x) > 1e-9*x {
					t.Errorf("%+v: Quantile(CDF(%v)) = %v", v, x, got)
				}
			}
			if got := v.Mean(); got != pd {
				t.Errorf("%+v: Mean = %v", v, got)
			}
			if got := v.VaR(0.999); math.Abs(got-(v.Quantile(0.999)-pd)) > 0 || got <= 0 {
				t.Errorf("%+v: VaR(0.999) = %v", v, got)
			}
		}
	}
}

// TestVasicekCollapse: as ρ → 0 the loss fraction is PD for sure; at ρ = 1 the
// portfolio defaults as one.
func TestVasicekCollapse(t *testing.T) {
	const pd = 0.02
	// Quantile moves away from PD like √ρ: at ρ = 1e-12 by 7.5e-6 of PD at q = 0.999.
	for _, rho := range []float64{1e-12, 1e-16, 0} {
		v := credit.Vasicek{PD: pd, Rho: rho}
		if got := v.CDF(0.99 * pd); got > 1e-12 {
			t.Errorf("ρ %v: CDF(0.99·PD) = %v, want 0", rho, got)
		}
		if got := v.CDF(1.01 * pd); got < 1-1e-12 {
			t.Errorf("ρ %v: CDF(1.01·PD) = %v, want 1", rho, got)
		}
		if got := v.Quantile(0.999); math.Abs(got-pd) > 1e-5*pd {
			t.Errorf("ρ %v: Quantile(0.999) = %v, want %v", rho, got, pd)
		}
	}
	one := credit.Vasicek{PD: pd, Rho: 1}
	if got := one.CDF(0.5); got != 1-pd {
		t.Errorf("ρ 1: CDF(0.5) = %v, want %v", got, 1-pd)
	}
	if got := one.Quantile(0.97); got != 0 {
		t.Errorf("ρ 1: Quantile(0.97) = %v, want 0", got)
	}
	if got := one.Quantile(0.99); got != 1 {
		t.Errorf("ρ 1: Quantile(0.99) = %v, want 1", got)
	}
	v := credit.Vasicek{PD: pd, Rho: 0.2}
	if v.CDF(-0.1) != 0 || v.CDF(0) != 0 || v.CDF(1) != 1 || v.Quantile(0) != 0 || v.Quantile(1) != 1 {
		t.Errorf("%+v: wrong at the ends of [0, 1]", v)
	}
	for _, bad := range []credit.Vasicek{{PD: -0.1, Rho: 0.2}, {PD: 0.1, Rho: 1.2}, {PD: math.NaN(), Rho: 0.2}} {
		if !math.IsNaN(bad.CDF(0.1)) || !math.IsNaN(bad.Quantile(0.5)) || !math.IsNaN(bad.Mean()) {
			t.Errorf("%+v: want NaN", bad)
		}
	}
}

// TestVasicekIsIRB cross-checks with the IRB formula: at M = 1 the maturity adjustment
// is 1, so K = LGD·(Vasicek{PD, R}.Quantile(0.999) − PD) with R the IRB correlation.
func TestVasicekIsIRB(t *testing.T) {
	for _, pd := range []float64{0.0005, 0.001, 0.005, 0.01, 0.03, 0.1, 0.2} {
		for _, sales := range []float64{0, 5, 20} {
			k, err := credit.IRB(credit.Corporate{PD: pd, LGD: 0.45, EAD: 1, M: 1, SalesEURm: sales}, credit.BaselIII)
			if err != nil {
				t.Fatal(err)
			}
			v := credit.Vasicek{PD: pd, Rho: credit.Correlation(pd) + credit.SMEAdjustment(sales)}
			if want := 0.45 * v.VaR(0.999); math.Abs(k.K-want) > 1e-15 {
				t.Errorf("PD %v, sales %v: IRB K = %.17g, Vasicek LGD·VaR = %.17g", pd, sales, k.K, want)
			}
			pl, err := credit.CreditVaR([]credit.Obligor{{PD: pd, LGD: 0.45, EAD: 1, Rho: v.Rho}}, 0.999)
			if err != nil || math.Abs(pl.VaR-k.K) > 1e-15 {
				t.Errorf("PD %v: CreditVaR = %+v, %v; want VaR %v", pd, pl, err, k.K)
			}
		}
	}
}

// portfolio is a heterogeneous test portfolio with IRB correlations.
func portfolio() []credit.Obligor {
	var obs []credit.Obligor
	for i, pd := range []float64{0.0005, 0.001, 0.003, 0.007, 0.01, 0.02, 0.04, 0.08, 0.15} {
		obs = append(obs, credit.Obligor{
			PD: pd, LGD: 0.25 + 0.05*float64(i%5), EAD: 1000 * float64(1+i%4), Rho: credit.Correlation(pd),
		})
	}
	return obs
}

func TestCreditVaRSums(t *testing.T) {
	obs := portfolio()
	got, err := credit.CreditVaR(obs, 0.999)
	if err != nil {
		t.Fatal(err)
	}
	var q, el float64
	for _, o := range obs {
		q += o.EAD * o.LGD * credit.ConditionalPD(o.PD, o.Rho, 0.999)
		el += o.EAD * o.LGD * o.PD
	}
	if math.Abs(got.Quantile-q) > 1e-9 || math.Abs(got.EL-el) > 1e-9 || math.Abs(got.VaR-(q-el)) > 1e-9 {
		t.Errorf("CreditVaR = %+v, want quantile %v, EL %v", got, q, el)
	}
	for _, bad := range [][]credit.Obligor{
		{{PD: 1.5, LGD: 0.4, EAD: 1, Rho: 0.2}},
		{{PD: 0.1, LGD: 0.4, EAD: -1, Rho: 0.2}},
		{{PD: 0.1, LGD: 0.4, EAD: 1, Rho: 1}},
	} {
		if _, err := credit.CreditVaR(bad, 0.999); !errors.Is(err, credit.ErrInvalid) {
			t.Errorf("CreditVaR(%+v) error %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := credit.CreditVaR(obs, 1); !errors.Is(err, credit.ErrInvalid) {
		t.Errorf("CreditVaR(q = 1) error %v, want ErrInvalid", err)
	}
}

// Monte Carlo checks, 200,000 draws of the common factor Z ~ N(0, 1) from a PCG seeded
// (2026, 11). Given Z a borrower defaults when √ρ·Z + √(1−ρ)·ε < G(PD), so the
// loss fraction of the granular portfolio is N((G(PD) − √ρ·Z)/√(1−ρ)). An empirical
// probability from n draws has standard error sqrt(P(1−P)/n); the tolerance is 4 of
// those (a false alarm about once in 16,000 runs, but the seed is fixed).
const mcDraws = 200_000

// factors returns mcDraws draws of the common factor, the same on every run.
func factors() []float64 {
	rng := rand.New(rand.NewPCG(2026, 11))
	z := make([]float64, mcDraws)
	for i := range z {
		z[i] = rng.NormFloat64()
	}
	return z
}

// within4SE reports whether the empirical frequency hits/n is within 4 standard errors of p.
func within4SE(hits int, p float64) bool {
	return math.Abs(float64(hits)/mcDraws-p) <= 4*math.Sqrt(p*(1-p)/mcDraws)
}

func TestVasicekMonteCarlo(t *testing.T) {
	z := factors()
	v := credit.Vasicek{PD: 0.01, Rho: 0.12}
	g, sr, sr1 := credit.NormInv(v.PD), math.Sqrt(v.Rho), math.Sqrt(1-v.Rho)
	loss := make([]float64, len(z))
	var sum float64
	for i, zi := range z {
		loss[i] = credit.NormCDF((g - sr*zi) / sr1)
		sum += loss[i]
	}
	// The mean loss is PD; its standard error is the loss's standard deviation / √n.
	mean := sum / mcDraws
	var ss float64
	for _, l := range loss {
		ss += (l - mean) * (l - mean)
	}
	se := math.Sqrt(ss/(mcDraws-1)) / math.Sqrt(mcDraws)
	if math.Abs(mean-v.PD) > 4*se {
		t.Errorf("Monte Carlo mean loss %v, want %v ± %v", mean, v.PD, 4*se)
	}
	// The empirical CDF at a few points, and at the quantiles.
	for _, x := range []float64{0.001, 0.005, 0.01, 0.02, 0.05, v.Quantile(0.99), v.Quantile(0.999)} {
		hits := 0
		for _, l := range loss {
			if l <= x {
				hits++
			}
		}
		if p := v.CDF(x); !within4SE(hits, p) {
			t.Errorf("Monte Carlo P(L ≤ %v) = %v, want %v ± %v", x, float64(hits)/mcDraws, p, 4*math.Sqrt(p*(1-p)/mcDraws))
		}
	}
	sort.Float64s(loss)
	t.Logf("99.9%% loss: Monte Carlo %.5f, formula %.5f", loss[int(0.999*mcDraws)], v.Quantile(0.999))
}

// TestCreditVaRMonteCarlo: the portfolio's conditional loss falls as the factor rises,
// so it stays below CreditVaR's quantile with probability q; and its mean is the EL.
func TestCreditVaRMonteCarlo(t *testing.T) {
	obs := portfolio()
	const q = 0.99
	pl, err := credit.CreditVaR(obs, q)
	if err != nil {
		t.Fatal(err)
	}
	z := factors()
	hits := 0
	var sum, sum2 float64
	for _, zi := range z {
		var l float64
		for _, o := range obs {
			l += o.EAD * o.LGD * credit.NormCDF((credit.NormInv(o.PD)-math.Sqrt(o.Rho)*zi)/math.Sqrt(1-o.Rho))
		}
		if l <= pl.Quantile {
			hits++
		}
		sum += l
		sum2 += l * l
	}
	if !within4SE(hits, q) {
		t.Errorf("Monte Carlo P(L ≤ %v) = %v, want %v", pl.Quantile, float64(hits)/mcDraws, q)
	}
	mean := sum / mcDraws
	se := math.Sqrt((sum2/mcDraws-mean*mean)/mcDraws) * math.Sqrt(mcDraws/(mcDraws-1.0))
	if math.Abs(mean-pl.EL) > 4*se {
		t.Errorf("Monte Carlo mean loss %v, want EL %v ± %v", mean, pl.EL, 4*se)
	}
	t.Logf("EL %.2f (Monte Carlo %.2f ± %.2f), 99%% loss %.2f, VaR %.2f, P(L ≤ quantile) %.5f",
		pl.EL, mean, se, pl.Quantile, pl.VaR, float64(hits)/mcDraws)
}
