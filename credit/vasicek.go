package credit

import (
	"fmt"
	"math"
)

// Vasicek is the limiting loss distribution of an infinitely granular, homogeneous
// portfolio under the one-factor Gaussian model (Vasicek 2002; the asymptotic single risk
// factor model behind the IRB formula): every loan defaults with probability PD, and
// the asset values of any two borrowers have correlation Rho. The loss fraction L is the
// share of the portfolio that defaults (multiply by LGD and EAD for a loss amount).
//
// Its methods return NaN when PD or Rho is outside [0, 1] or NaN.
type Vasicek struct {
	PD  float64 // probability of default of each loan
	Rho float64 // asset correlation
}

// valid reports whether v's parameters are probabilities.
func (v Vasicek) valid() bool {
	return v.PD >= 0 && v.PD <= 1 && v.Rho >= 0 && v.Rho <= 1
}

// CDF returns P(L ≤ x) = N((√(1−ρ)·G(x) − G(PD))/√ρ) for 0 < x < 1; it is 0 below 0
// and 1 from 1. At ρ = 0 every portfolio loses PD exactly (a step at PD); at ρ = 1 the
// whole portfolio defaults together (L is 0 with probability 1−PD, else 1).
func (v Vasicek) CDF(x float64) float64 {
	switch {
	case !v.valid() || math.IsNaN(x):
		return math.NaN()
	case x < 0:
		return 0
	case x >= 1:
		return 1
	case v.PD == 0:
		return 1
	case v.PD == 1:
		return 0
	case v.Rho == 0:
		if x < v.PD {
			return 0
		}
		return 1
	case v.Rho == 1:
		return 1 - v.PD
	}
	return NormCDF((math.Sqrt(1-v.Rho)*NormInv(x) - NormInv(v.PD)) / math.Sqrt(v.Rho))
}

// Quantile returns the loss fraction not exceeded with probability q,
// N((G(PD) + √ρ·G(q))/√(1−ρ)): the conditional PD when the common factor is at its
// q-quantile in the adverse direction. It is the inverse of CDF for 0 < ρ < 1.
func (v Vasicek) Quantile(q float64) float64 {
	switch {
	case !v.valid() || !(q >= 0 && q <= 1):
		return math.NaN()
	case v.Rho == 1:
		if q <= 1-v.PD {
			return 0
		}
		return 1
	}
	return ConditionalPD(v.PD, v.Rho, q)
}

// Mean returns the expected loss fraction, E[L] = PD.
func (v Vasicek) Mean() float64 {
	if !v.valid() {
		return math.NaN()
	}
	return v.PD
}

// VaR returns the credit value at risk at confidence q as a fraction of the portfolio:
// the unexpected loss Quantile(q) − Mean().
func (v Vasicek) VaR(q float64) float64 {
	return v.Quantile(q) - v.Mean()
}

// ConditionalPD returns the probability of default of a borrower with unconditional PD
// pd and asset correlation rho when the common factor sits at its q-quantile on the
// adverse side: N((G(pd) + √rho·G(q))/√(1−rho)). With q = 0.999 it is the term of the IRB
// formula that LGD multiplies. It is pd when rho is 0; NaN when an argument is outside
// [0, 1] or rho is 1.
func ConditionalPD(pd, rho, q float64) float64 {
	if !(pd >= 0 && pd <= 1 && rho >= 0 && rho < 1 && q >= 0 && q <= 1) {
		return math.NaN()
	}
	if pd == 0 || pd == 1 || rho == 0 {
		return pd
	}
	return NormCDF((NormInv(pd) + math.Sqrt(rho)*NormInv(q)) / math.Sqrt(1-rho))
}

// Obligor is one loan of a heterogeneous portfolio for CreditVaR.
type Obligor struct {
	PD  float64 // probability of default over the horizon
	LGD float64 // loss given default
	EAD float64 // exposure at default, currency units
	Rho float64 // asset correlation with the common factor, in [0, 1); Correlation(PD) for the IRB value
}

// PortfolioLoss is the loss of a portfolio at a confidence level under the asymptotic
// single risk factor model.
type PortfolioLoss struct {
	Quantile float64 // loss not exceeded with the given confidence: Σ EAD·LGD·ConditionalPD(PD, ρ, q)
	EL       float64 // expected loss Σ EAD·LGD·PD
	VaR      float64 // credit VaR, the unexpected loss Quantile − EL
}

// CreditVaR returns the loss of a heterogeneous portfolio at confidence q in the
// asymptotic single risk factor model (Gordy 2003, the model of the IRB approach): the
// sum of each obligor's loss conditional on the common factor at its q-quantile, less the
// expected loss. As every obligor's conditional loss falls as the factor rises, the sum is
// the q-quantile of the portfolio loss once idiosyncratic risk is diversified away; for a
// finite portfolio it understates the quantile by the granularity adjustment.
//
// It returns an error wrapping ErrInvalid for q outside (0, 1), or an obligor with a PD
// or LGD outside [0, 1], a negative or NaN EAD, or a correlation outside [0, 1).
func CreditVaR(obligors []Obligor, q float64) (PortfolioLoss, error) {
	if !(q > 0 && q < 1) {
		return PortfolioLoss{}, fmt.Errorf("confidence %v outside (0, 1): %w", q, ErrInvalid)
	}
	gq := NormInv(q)
	var out PortfolioLoss
	for i, o := range obligors {
		switch {
		case !(o.PD >= 0 && o.PD <= 1):
			return PortfolioLoss{}, fmt.Errorf("obligor %d: pd %v outside [0, 1]: %w", i, o.PD, ErrInvalid)
		case !(o.LGD >= 0 && o.LGD <= 1):
			return PortfolioLoss{}, fmt.Errorf("obligor %d: lgd %v outside [0, 1]: %w", i, o.LGD, ErrInvalid)
		case !(o.EAD >= 0) || math.IsInf(o.EAD, 1):
			return PortfolioLoss{}, fmt.Errorf("obligor %d: ead %v not a finite amount >= 0: %w", i, o.EAD, ErrInvalid)
		case !(o.Rho >= 0 && o.Rho < 1):
			return PortfolioLoss{}, fmt.Errorf("obligor %d: correlation %v outside [0, 1): %w", i, o.Rho, ErrInvalid)
		}
		cpd := o.PD
		if o.PD > 0 && o.PD < 1 && o.Rho > 0 {
			cpd = NormCDF((NormInv(o.PD) + math.Sqrt(o.Rho)*gq) / math.Sqrt(1-o.Rho))
		}
		out.Quantile += o.EAD * o.LGD * cpd
		out.EL += o.EAD * o.LGD * o.PD
	}
	out.VaR = out.Quantile - out.EL
	return out, nil
}
