package credit

import "math"

// Loan is what Figures needs of a loan: its PD now and at origination, the borrower's
// sales, its exposure and collateral, its remaining life, days past due and interest rate.
type Loan struct {
	PD, PDAtOrigination float64 // one-year PDs; PDAtOrigination NaN when unknown
	SalesEURm           float64
	EAD                 float64
	Collateral          []Collateral // at their verified market values
	Years               float64      // remaining life
	DaysPastDue         int
	EIR                 float64 // annual effective interest rate
}

// Figures are a loan's Basel IRB (foundation approach, Basel III) and IFRS 9 figures.
type Figures struct {
	Capital
	LGD                        float64
	Stage                      Stage
	ECL12m, ECLLifetime, Allow float64
}

// LoanFigures computes a senior corporate loan's figures: F-IRB LGD* of its collateral,
// the Basel III IRB capital with the effective maturity of its remaining life, the IFRS 9
// stage (lifetime PDs from a constant yearly hazard, DefaultSICR) and 12-month and
// lifetime ECL on annual periods discounted at the loan's rate.
func LoanFigures(l Loan) (Figures, error) {
	var f Figures
	lgd, err := EffectiveLGD(Secured{E: l.EAD, LGDU: LGDSeniorCorporate, Collateral: l.Collateral})
	if err != nil {
		return f, err
	}
	capital, err := IRB(Corporate{PD: l.PD, LGD: lgd.LGD, EAD: l.EAD, M: l.Years, SalesEURm: l.SalesEURm}, BaselIII)
	if err != nil {
		return f, err
	}
	f.Capital, f.LGD = capital, lgd.LGD
	life := math.Max(l.Years, 1.0/12)
	lifetime := func(pd float64) float64 { return 1 - math.Pow(1-pd, life) }
	f.Stage = IFRS9Stage(Staging{DaysPastDue: l.DaysPastDue, PD: lifetime(l.PD), OriginationPD: lifetime(l.PDAtOrigination)}, DefaultSICR)
	s := Schedule{PerYear: 1, EIR: l.EIR}
	survive := 1.0
	for t := 0.0; t < life; t++ {
		pd := survive * (1 - math.Pow(1-l.PD, math.Min(1, life-t))) // the last period may be part of a year
		s.Periods = append(s.Periods, Period{PD: pd, LGD: lgd.LGD, EAD: l.EAD})
		survive -= pd
	}
	if f.ECL12m, err = s.TwelveMonth(); err != nil {
		return f, err
	}
	if f.ECLLifetime, err = s.Lifetime(); err != nil {
		return f, err
	}
	f.Allow = f.ECL12m
	if f.Stage != Stage1 {
		f.Allow = f.ECLLifetime
	}
	return f, nil
}
