package credit

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Supervisory LGDs of unsecured exposures under the foundation IRB approach (Basel
// Framework CRE32.9-32.10).
const (
	LGDSeniorCorporate = 0.40 // senior claims on corporates that are not financial institutions
	LGDSeniorFinancial = 0.45 // senior claims on banks, securities firms and other financial institutions
	LGDSubordinated    = 0.75 // subordinated claims on corporates, banks and other financial institutions
)

// CollateralType is a kind of collateral recognised under the foundation IRB approach
// (CRE32.16 table).
type CollateralType string

// The collateral types of the CRE32.16 table, each with its LGD_S and haircut H_C:
//
//	financial collateral               LGD_S  0%   H_C supervisory (CRE22), per item
//	receivables                        LGD_S 20%   H_C 40%
//	commercial or residential property LGD_S 20%   H_C 40%
//	other physical collateral          LGD_S 25%   H_C 40%
//	ineligible collateral              not recognised (H_C 100%)
const (
	Financial     CollateralType = "financial"
	Receivables   CollateralType = "receivables"
	RealEstate    CollateralType = "real_estate"
	OtherPhysical CollateralType = "other_physical"
	Ineligible    CollateralType = "ineligible"
)

// PhysicalHaircut is the supervisory haircut H_C of receivables, real estate and other
// physical collateral under the foundation IRB approach (CRE32.16).
const PhysicalHaircut = 0.40

// LGDS returns the LGD of the part of an exposure secured by collateral of type t, LGD_S
// (CRE32.16), and false for Ineligible or an unknown type.
func (t CollateralType) LGDS() (float64, bool) {
	switch t {
	case Financial:
		return 0, true
	case Receivables, RealEstate:
		return 0.20, true
	case OtherPhysical:
		return 0.25, true
	}
	return 0, false
}

// Collateral is one item of collateral securing an exposure.
type Collateral struct {
	Type CollateralType
	// Value is the current market value C, in the exposure's currency, >= 0.
	Value float64
	// Haircut is H_C for Financial collateral: the supervisory haircut of the
	// comprehensive approach (CRE22.49), scaled with ScaleHaircut to the holding period
	// and revaluation frequency, plus the 8% currency mismatch haircut H_FX when the
	// currencies differ. It is ignored for the other types, whose H_C is fixed at
	// PhysicalHaircut.
	Haircut float64
}

// Secured is an exposure and the collateral securing it, the input of EffectiveLGD.
type Secured struct {
	E    float64 // current value of the exposure, >= 0
	HE   float64 // haircut H_E on the exposure: 0 for a loan, the securities haircut for securities lent
	LGDU float64 // LGD of the unsecured part, LGD_U: LGDSeniorCorporate, LGDSeniorFinancial or LGDSubordinated
	// Collateral is the collateral in any order; EffectiveLGD recognises it lowest
	// LGD_S first.
	Collateral []Collateral
}

// LGDStar is the effective LGD of a secured exposure and how the exposure was split.
type LGDStar struct {
	LGD float64   // LGD*, the effective loss given default
	EU  float64   // E_U, the unsecured part of E·(1+H_E)
	ES  []float64 // E_S of each item of Collateral, in the order given
}

// EffectiveLGD returns the effective LGD of an exposure secured by collateral under the
// foundation IRB approach (Basel Framework CRE32.22-32.24):
//
//	LGD* = LGD_U·E_U/(E·(1+H_E)) + Σ LGD_S,i·E_S,i/(E·(1+H_E))
//	E_S,i = min(C_i·(1−H_C,i), what remains of E·(1+H_E))
//	E_U = E·(1+H_E) − Σ E_S,i
//
// With several types of collateral the formula is applied in sequence, one item at a
// time, each recognising its adjusted value C·(1−H_C) against the part of the exposure
// still unsecured (CRE32.24). The order is the bank's choice; this function takes the
// items lowest LGD_S first (financial, then receivables and real estate, then other
// physical collateral; ties in the order given). As every item covers a fixed amount of
// exposure, that order gives the lowest LGD* any order can. Ineligible collateral is not
// recognised. An exposure of 0 has LGD* = LGD_U.
//
// It returns an error wrapping ErrInvalid for a NaN or negative E, H_E, value or
// haircut, an LGD_U outside [0, 1], a haircut above 1 or an unknown collateral type.
func EffectiveLGD(s Secured) (LGDStar, error) {
	switch {
	case !(s.E >= 0) || math.IsInf(s.E, 1):
		return LGDStar{}, fmt.Errorf("exposure %v not a finite amount >= 0: %w", s.E, ErrInvalid)
	case !(s.HE >= 0) || math.IsInf(s.HE, 1):
		return LGDStar{}, fmt.Errorf("exposure haircut %v not finite and >= 0: %w", s.HE, ErrInvalid)
	case !(s.LGDU >= 0 && s.LGDU <= 1):
		return LGDStar{}, fmt.Errorf("unsecured lgd %v outside [0, 1]: %w", s.LGDU, ErrInvalid)
	}
	order := make([]int, len(s.Collateral))
	lgds := make([]float64, len(s.Collateral))
	for i, c := range s.Collateral {
		l, ok := c.Type.LGDS()
		switch {
		case !ok && c.Type != Ineligible:
			return LGDStar{}, fmt.Errorf("collateral %d: unknown type %q: %w", i, c.Type, ErrInvalid)
		case !(c.Value >= 0):
			return LGDStar{}, fmt.Errorf("collateral %d: value %v below 0: %w", i, c.Value, ErrInvalid)
		case c.Type == Financial && !(c.Haircut >= 0 && c.Haircut <= 1):
			return LGDStar{}, fmt.Errorf("collateral %d: haircut %v outside [0, 1]: %w", i, c.Haircut, ErrInvalid)
		}
		if !ok {
			l = math.Inf(1) // never recognised; sorts last
		}
		order[i], lgds[i] = i, l
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(lgds[a], lgds[b]) })

	out := LGDStar{ES: make([]float64, len(s.Collateral))}
	total := s.E * (1 + s.HE)
	if total == 0 {
		out.LGD = s.LGDU
		return out, nil
	}
	left := total
	var loss float64
	for _, i := range order {
		c := s.Collateral[i]
		if math.IsInf(lgds[i], 1) || left == 0 {
			continue
		}
		h := PhysicalHaircut
		if c.Type == Financial {
			h = c.Haircut
		}
		es := min(c.Value*(1-h), left)
		out.ES[i] = es
		left -= es
		loss += lgds[i] * es
	}
	out.EU = left
	out.LGD = (loss + s.LGDU*left) / total
	return out, nil
}
