package credit_test

import (
	"errors"
	"math"
	"testing"

	"groundtruth/credit"
)

// The examples below are worked by hand from the CRE32.16 table (LGD_S 0% financial,
// 20% receivables and real estate, 25% other physical; H_C 40% for all but financial)
// and CRE32.9-32.10 (LGD_U 40% senior corporate, 45% senior financial institution, 75%
// subordinated), with the formula of CRE32.22:
//
//	E_S = min(C·(1−H_C), E·(1+H_E)), E_U = E·(1+H_E) − E_S
//	LGD* = LGD_U·E_U/(E·(1+H_E)) + LGD_S·E_S/(E·(1+H_E))
func TestEffectiveLGD(t *testing.T) {
	tests := []struct {
		name   string
		in     credit.Secured
		lgd    float64
		eu     float64
		es     []float64
		reason string
	}{
		{
			name: "unsecured",
			in:   credit.Secured{E: 100, LGDU: credit.LGDSeniorCorporate},
			lgd:  0.40, eu: 100, es: []float64{},
			reason: "no collateral: E_U = 100, LGD* = LGD_U = 40%",
		},
		{
			name: "other physical 100",
			in: credit.Secured{E: 100, LGDU: credit.LGDSeniorCorporate, Collateral: []credit.Collateral{
				{Type: credit.OtherPhysical, Value: 100}}},
			lgd: 0.31, eu: 40, es: []float64{60},
			reason: "E_S = min(100·0.6, 100) = 60, E_U = 40; LGD* = 0.40·0.40 + 0.25·0.60 = 0.16 + 0.15 = 31%",
		},
		{
			name: "receivables 100",
			in: credit.Secured{E: 100, LGDU: credit.LGDSeniorCorporate, Collateral: []credit.Collateral{
				{Type: credit.Receivables, Value: 100}}},
			lgd: 0.28, eu: 40, es: []float64{60},
			reason: "E_S = 60, E_U = 40; LGD* = 0.40·0.40 + 0.20·0.60 = 0.16 + 0.12 = 28%",
		},
		{
			name: "real estate 50",
			in: credit.Secured{E: 100, LGDU: credit.LGDSeniorCorporate, Collateral: []credit.Collateral{
				{Type: credit.RealEstate, Value: 50}}},
			lgd: 0.34, eu: 70, es: []float64{30},
			reason: "E_S = 50·0.6 = 30, E_U = 70; LGD* = 0.40·0.70 + 0.20·0.30 = 0.28 + 0.06 = 34%",
		},
		{
			name: "over-collateralised real estate",
			in: credit.Secured{E: 100, LGDU: credit.LGDSeniorCorporate, Collateral: []credit.Collateral{
				{Type: credit.RealEstate, Value: 250}}},
			lgd: 0.20, eu: 0, es: []float64{100},
			reason: "C·(1−H_C) = 150 > E = 100: E_S = 100, E_U = 0; LGD* = LGD_S = 20%",
		},
		{
			name: "mixed, given out of order",
			in: credit.Secured{E: 100, LGDU: credit.LGDSeniorCorporate, Collateral: []credit.Collateral{
				{Type: credit.OtherPhysical, Value: 50},
				{Type: credit.Receivables, Value: 50},
				{Type: credit.Financial, Value: 10, Haircut: 0}}},
			lgd: 0.255, eu: 30, es: []float64{30, 30, 10},
			reason: "cash first: E_S = 10 (left 90); receivables 50·0.6 = 30 (left 60); other physical " +
				"50·0.6 = 30 (left 30) = E_U; LGD* = 0·0.10 + 0.20·0.30 + 0.25·0.30 + 0.40·0.30 = 0 + 0.06 + 0.075 + 0.12 = 25.5%",
		},
		{
			name: "mixed, lowest LGD_S first",
			in: credit.Secured{E: 100, LGDU: credit.LGDSeniorCorporate, Collateral: []credit.Collateral{
				{Type: credit.OtherPhysical, Value: 100},
				{Type: credit.Receivables, Value: 100}}},
			lgd: 0.22, eu: 0, es: []float64{40, 60},
			reason: "receivables first: E_S = 60 (left 40); other physical min(60, 40) = 40, E_U = 0; " +
				"LGD* = 0.20·0.60 + 0.25·0.40 = 0.12 + 0.10 = 22% (other physical first would give 0.15 + 0.08 = 23%)",
		},
		{
			name: "financial collateral with haircuts on both sides",
			in: credit.Secured{E: 100, HE: 0.08, LGDU: credit.LGDSeniorCorporate, Collateral: []credit.Collateral{
				{Type: credit.Financial, Value: 100, Haircut: 0.04}}},
			lgd: 0.4 * 12 / 108, eu: 12, es: []float64{96},
			reason: "E·(1+H_E) = 108, E_S = min(100·0.96, 108) = 96, E_U = 12; LGD* = 0.40·12/108 = 4.44%",
		},
		{
			name: "subordinated",
			in: credit.Secured{E: 100, LGDU: credit.LGDSubordinated, Collateral: []credit.Collateral{
				{Type: credit.OtherPhysical, Value: 100}}},
			lgd: 0.45, eu: 40, es: []float64{60},
			reason: "E_S = 60, E_U = 40; LGD* = 0.75·0.40 + 0.25·0.60 = 0.30 + 0.15 = 45%",
		},
		{
			name: "financial institution, ineligible collateral ignored",
			in: credit.Secured{E: 200, LGDU: credit.LGDSeniorFinancial, Collateral: []credit.Collateral{
				{Type: credit.Ineligible, Value: 1000},
				{Type: credit.RealEstate, Value: 100}}},
			lgd: 0.375, eu: 140, es: []float64{0, 60},
			reason: "ineligible collateral not recognised; real estate E_S = 100·0.6 = 60, E_U = 140; " +
				"LGD* = 0.45·140/200 + 0.20·60/200 = 0.315 + 0.06 = 37.5%",
		},
		{
			name: "zero exposure",
			in: credit.Secured{E: 0, LGDU: credit.LGDSeniorCorporate, Collateral: []credit.Collateral{
				{Type: credit.RealEstate, Value: 100}}},
			lgd: 0.40, eu: 0, es: []float64{0},
			reason: "nothing to secure: LGD* = LGD_U",
		},
	}
	for _, tt := range tests {
		got, err := credit.EffectiveLGD(tt.in)
		if err != nil {
			t.Errorf("%s: EffectiveLGD error: %v", tt.name, err)
			continue
		}
		if math.Abs(got.LGD-tt.lgd) > 1e-12 || math.Abs(got.EU-tt.eu) > 1e-9 || len(got.ES) != len(tt.es) {
			t.Errorf("%s: EffectiveLGD = %+v, want LGD* %v, E_U %v, E_S %v (%s)", tt.name, got, tt.lgd, tt.eu, tt.es, tt.reason)
			continue
		}
		for i := range tt.es {
			if math.Abs(got.ES[i]-tt.es[i]) > 1e-9 {
				t.Errorf("%s: E_S = %v, want %v (%s)", tt.name, got.ES, tt.es, tt.reason)
				break
			}
		}
	}
}

func TestEffectiveLGDInvalid(t *testing.T) {
	for _, in := range []credit.Secured{
		{E: -1, LGDU: 0.4},
		{E: math.NaN(), LGDU: 0.4},
		{E: 100, HE: -0.1, LGDU: 0.4},
		{E: 100, LGDU: 1.1},
		{E: 100, LGDU: 0.4, Collateral: []credit.Collateral{{Type: "gold bars", Value: 10}}},
		{E: 100, LGDU: 0.4, Collateral: []credit.Collateral{{Type: credit.RealEstate, Value: -10}}},
		{E: 100, LGDU: 0.4, Collateral: []credit.Collateral{{Type: credit.Financial, Value: 10, Haircut: 1.5}}},
	} {
		if _, err := credit.EffectiveLGD(in); !errors.Is(err, credit.ErrInvalid) {
			t.Errorf("EffectiveLGD(%+v) error %v, want ErrInvalid", in, err)
		}
	}
}

// TestScaleHaircut checks H = H_10·sqrt((N_R + T_M − 1)/10) of CRE22.57, worked by hand.
func TestScaleHaircut(t *testing.T) {
	tests := []struct {
		h10      float64
		tm, nr   int
		want     float64
		workings string
	}{
		{0.04, credit.HoldingCapitalMarket, 1, 0.04, "sqrt(10/10) = 1"},
		{0.04, credit.HoldingSecuredLending, 1, 0.04 * math.Sqrt2, "sqrt(20/10) = 1.41421: 5.657%"},
		{0.04, credit.HoldingRepo, 1, 0.04 * math.Sqrt(0.5), "sqrt(5/10) = 0.70711: 2.828%"},
		{0.15, credit.HoldingCapitalMarket, 31, 0.30, "sqrt((31+9)/10) = 2: 30%"},
		{0.20, credit.HoldingSecuredLending, 20, 0.20 * math.Sqrt(3.9), "sqrt((20+19)/10) = 1.97484: 39.497%"},
		{0.25, credit.HoldingSecuredLending, 60, 0.25 * math.Sqrt(7.9), "sqrt((60+19)/10) = 2.81069: 70.267%"},
		{0.50, credit.HoldingSecuredLending, 60, 1, "0.5·2.81069 = 1.405, capped at 100%"},
		{0.04, 0, 0, 0.04 * math.Sqrt(0.1), "days below 1 count as 1: sqrt(1/10)"},
		{-0.1, 10, 1, 0, "negative haircut counts as 0"},
		{math.NaN(), 10, 1, 1, "NaN: no value recognised"},
	}
	for _, tt := range tests {
		if got := credit.ScaleHaircut(tt.h10, tt.tm, tt.nr); math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("ScaleHaircut(%v, %d, %d) = %v, want %v (%s)", tt.h10, tt.tm, tt.nr, got, tt.want, tt.workings)
		}
	}
}

// TestScaledFinancialCollateral feeds a scaled haircut into LGD*: a bond with a 4%
// 10-day haircut securing a loan (T_M 20, daily revaluation) has H_C = 5.657%, so
// E_S = 100·(1−0.05657) = 94.343 and LGD* = 0.40·5.657/100 = 2.263%.
func TestScaledFinancialCollateral(t *testing.T) {
	h := credit.ScaleHaircut(0.04, credit.HoldingSecuredLending, 1)
	got, err := credit.EffectiveLGD(credit.Secured{E: 100, LGDU: credit.LGDSeniorCorporate,
		Collateral: []credit.Collateral{{Type: credit.Financial, Value: 100, Haircut: h}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := 0.4 * 0.04 * math.Sqrt2; math.Abs(got.LGD-want) > 1e-15 {
		t.Errorf("LGD* = %v, want %v", got.LGD, want)
	}
}
