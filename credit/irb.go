package credit

import (
	"fmt"
	"math"
)

// DefaultPDFloor is the Basel III floor on the PD of a corporate exposure, 0.05%
// (Basel Framework CRE32.4); Basel II used 0.03% (§285).
const DefaultPDFloor = 0.0005

// g999 is G(0.999), the standard normal quantile at the IRB confidence level.
const g999 = 3.090232306167813541540399830

// IRBOptions selects the version of the IRB risk-weight function.
type IRBOptions struct {
	// PDFloor is the lowest PD used: smaller PDs are raised to it. 0 means no floor.
	PDFloor float64
	// Scaling106 multiplies risk weights and RWA by the 1.06 scaling factor of Basel II
	// (§44); Basel III dropped it.
	Scaling106 bool
}

// BaselIII are the options of the Basel III corporate risk-weight function: PD floored
// at DefaultPDFloor (0.05%), no scaling factor. It is the default.
var BaselIII = IRBOptions{PDFloor: DefaultPDFloor}

// BaselII are the options of the Basel II (June 2006) corporate risk-weight function: PD
// floored at 0.03% (§285) and the 1.06 scaling factor (§44). The illustrative risk
// weights of Basel II Annex 5 use the 0.03% floor without the scaling factor.
var BaselII = IRBOptions{PDFloor: 0.0003, Scaling106: true}

// Corporate is a corporate, sovereign or bank exposure not in default, the input of the
// IRB risk-weight function (Basel II §272-273, Basel Framework CRE31.4-31.10).
type Corporate struct {
	PD  float64 // one-year probability of default, in [0, 1]; 1 means in default
	LGD float64 // loss given default, in [0, 1]
	EAD float64 // exposure at default, in currency units, >= 0
	// M is the effective maturity in years, clamped to [1, 5] (CRE32.46-32.47); the
	// foundation approach uses 2.5.
	M float64
	// SalesEURm is the borrower's consolidated annual sales in millions of euros, for the
	// SME firm-size adjustment; 0 means unknown or not an SME, and sales of 50 or more
	// give no adjustment.
	SalesEURm float64
	// LargeFinancial applies the 1.25 correlation multiplier for large regulated and
	// unregulated financial institutions (CRE31.6).
	LargeFinancial bool
}

// Capital is the IRB capital requirement of one exposure and the intermediate values of
// the formula, so that a report can show how it was reached.
type Capital struct {
	PD         float64 // the PD used, after the floor
	M          float64 // the maturity used, after clamping to [1, 5]
	R          float64 // asset correlation, after the SME and financial adjustments
	B          float64 // maturity adjustment slope b = (0.11852 − 0.05478·ln PD)²
	K          float64 // capital requirement per unit of EAD
	RiskWeight float64 // K·12.5, times 1.06 under Scaling106; 0.9232 means 92.32%
	RWA        float64 // risk-weighted assets, RiskWeight·EAD
	EL         float64 // expected loss PD·LGD·EAD
}

// Correlation returns the asset correlation of a corporate exposure with the given PD,
// before any firm-size adjustment (Basel II §272, CRE31.5):
//
//	R = 0.12·(1−e^(−50·PD))/(1−e^(−50)) + 0.24·[1 − (1−e^(−50·PD))/(1−e^(−50))]
//
// It falls from 0.24 at PD = 0 to 0.12 for large PDs.
func Correlation(pd float64) float64 {
	w := -math.Expm1(-50*pd) / -math.Expm1(-50)
	return 0.12*w + 0.24*(1-w)
}

// SMEAdjustment returns the firm-size term added to the correlation of an exposure to a
// borrower with annual sales of salesEURm million euros (Basel II §273, CRE31.9):
//
//	−0.04·(1 − (S−5)/45), S = min(max(salesEURm, 5), 50)
//
// It is −0.04 for sales of €5m or less and 0 from €50m; 0 also when salesEURm is 0 or
// less (unknown) or NaN.
func SMEAdjustment(salesEURm float64) float64 {
	if !(salesEURm > 0) || salesEURm >= 50 {
		return 0
	}
	s := max(salesEURm, 5)
	return -0.04 * (1 - (s-5)/45)
}

// MaturitySlope returns the maturity adjustment slope b = (0.11852 − 0.05478·ln PD)²
// (Basel II §272, CRE31.7).
func MaturitySlope(pd float64) float64 {
	b := 0.11852 - 0.05478*math.Log(pd)
	return b * b
}

// IRB returns the capital requirement of a corporate exposure under the IRB risk-weight
// function of Basel II §272-273 and CRE31.4-31.10:
//
//	K = [LGD·N((1−R)^−0.5·G(PD) + (R/(1−R))^0.5·G(0.999)) − PD·LGD]
//	    · (1 − 1.5·b)^−1 · (1 + (M − 2.5)·b)
//	RWA = K·12.5·EAD (·1.06 under Scaling106)
//
// with the PD floored at o.PDFloor, R from Correlation (times 1.25 for a large financial
// institution) plus SMEAdjustment, b from MaturitySlope and M clamped to [1, 5].
//
// A PD of 1 (in default) gives K = max(0, LGD − EL_BE) = 0 with the best estimate of
// expected loss EL_BE taken equal to the LGD, as the foundation approach does (Basel II
// §272, CRE31.3, CRE35.3); the advanced approach needs its own EL_BE, not an input here.
// A PD of 0 with no floor gives K = 0. It returns an error wrapping ErrInvalid for a PD
// or LGD outside [0, 1], a negative or infinite EAD, negative sales, a NaN anywhere, or a
// floor outside [0, 1).
func IRB(c Corporate, o IRBOptions) (Capital, error) {
	switch {
	case !(c.PD >= 0 && c.PD <= 1):
		return Capital{}, fmt.Errorf("pd %v outside [0, 1]: %w", c.PD, ErrInvalid)
	case !(c.LGD >= 0 && c.LGD <= 1):
		return Capital{}, fmt.Errorf("lgd %v outside [0, 1]: %w", c.LGD, ErrInvalid)
	case !(c.EAD >= 0) || math.IsInf(c.EAD, 1):
		return Capital{}, fmt.Errorf("ead %v not a finite amount >= 0: %w", c.EAD, ErrInvalid)
	case math.IsNaN(c.M):
		return Capital{}, fmt.Errorf("maturity is NaN: %w", ErrInvalid)
	case !(c.SalesEURm >= 0):
		return Capital{}, fmt.Errorf("sales %v below 0: %w", c.SalesEURm, ErrInvalid)
	case !(o.PDFloor >= 0 && o.PDFloor < 1):
		return Capital{}, fmt.Errorf("pd floor %v outside [0, 1): %w", o.PDFloor, ErrInvalid)
	}
	pd := max(c.PD, o.PDFloor)
	r := Correlation(pd)
	if c.LargeFinancial {
		r *= 1.25
	}
	r += SMEAdjustment(c.SalesEURm)
	m := min(max(c.M, 1), 5)
	b := MaturitySlope(pd)
	var k float64
	if pd > 0 && pd < 1 {
		cond := NormCDF((NormInv(pd) + math.Sqrt(r)*g999) / math.Sqrt(1-r))
		k = c.LGD * (cond - pd) * (1 + (m-2.5)*b) / (1 - 1.5*b)
	}
	rw := k * 12.5
	if o.Scaling106 {
		rw *= 1.06
	}
	return Capital{
		PD: pd, M: m, R: r, B: b, K: k,
		RiskWeight: rw,
		RWA:        rw * c.EAD,
		EL:         pd * c.LGD * c.EAD,
	}, nil
}
