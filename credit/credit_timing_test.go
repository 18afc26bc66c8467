package credit_test

import (
	"testing"

	"groundtruth/credit"
)

// corporates returns 1024 exposures with PDs from 0.03% to about 20%, a third of them
// SMEs, maturities 1 to 5 years.
func corporates() []credit.Corporate {
	c := make([]credit.Corporate, 1024)
	pd := 0.0003
	for i := range c {
		c[i] = credit.Corporate{PD: pd, LGD: 0.45, EAD: 1e6, M: 1 + float64(i%5), SalesEURm: float64(i%3) * 20}
		pd *= 1.0064
	}
	return c
}

// BenchmarkIRB measures one corporate risk weight, K and RWA; an op is one exposure.
func BenchmarkIRB(b *testing.B) {
	c := corporates()
	b.ReportAllocs()
	i := 0
	var sink float64
	for b.Loop() {
		k, err := credit.IRB(c[i&1023], credit.BaselIII)
		if err != nil {
			b.Fatal(err)
		}
		sink += k.RWA
		i++
	}
	_ = sink
}

// BenchmarkNormInv measures one standard normal quantile (AS 241); an op is one call.
func BenchmarkNormInv(b *testing.B) {
	b.ReportAllocs()
	p := 0.0
	var sink float64
	for b.Loop() {
		p += 0.000977
		if p >= 1 {
			p -= 1
		}
		sink += credit.NormInv(p)
	}
	_ = sink
}

// BenchmarkNormCDF measures one standard normal probability; an op is one call.
func BenchmarkNormCDF(b *testing.B) {
	b.ReportAllocs()
	x := -5.0
	var sink float64
	for b.Loop() {
		x += 0.00977
		if x > 5 {
			x -= 10
		}
		sink += credit.NormCDF(x)
	}
	_ = sink
}

// BenchmarkEffectiveLGD measures the LGD* of an exposure with three items of collateral.
func BenchmarkEffectiveLGD(b *testing.B) {
	s := credit.Secured{E: 100, LGDU: credit.LGDSeniorCorporate, Collateral: []credit.Collateral{
		{Type: credit.OtherPhysical, Value: 50},
		{Type: credit.Receivables, Value: 50},
		{Type: credit.Financial, Value: 10, Haircut: 0.04},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := credit.EffectiveLGD(s); err != nil {
			b.Fatal(err)
		}
	}
}
