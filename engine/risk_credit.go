package engine

import (
	"math"
	"time"

	gt "groundtruth"
	"groundtruth/credit"
)

// creditRisk computes a loan's credit figures at now from its PD and the verified market
// value of its collateral (gross value x trust, before the lender's haircut), with
// credit.LoanFigures: F-IRB LGD* with each kind of collateral's supervisory LGD_S and
// haircut (receivables 20% / 40%, physical collateral 25% / 40%), the IRB risk weight of
// Basel III (PD floored at 0.05%), and the IFRS 9 stage and expected losses. It returns
// nil for a loan without a PD or without exposure.
func (ts *tenantState) creditRisk(l *gt.Loan, lr *gt.LoanRisk, now time.Time) *gt.CreditRisk {
	if l.PD == nil || lr.Exposure.Amount <= 0 {
		return nil
	}
	in := CreditInput(l, lr.Exposure, now)
	for _, a := range lr.Allocations {
		v, c := ts.Risk.Values[a.CollateralID], ts.Collateral[a.CollateralID]
		if v != nil && c != nil {
			in.Collateral = append(in.Collateral, CreditCollateral(c.Kind, v, a.Share, lr.Exposure.Currency, a.FX)...)
		}
	}
	f, err := credit.LoanFigures(in)
	if err != nil {
		return nil
	}
	return CreditRiskOf(f, lr.Exposure)
}

// CreditInput is the credit.Loan of a loan with a PD, without its collateral.
func CreditInput(l *gt.Loan, exposure gt.Money, now time.Time) credit.Loan {
	orig := math.NaN()
	if l.PDAtOrigination != nil {
		orig = *l.PDAtOrigination
	}
	// Whole days, so that the figures change once a day rather than with every event.
	years := math.Floor(l.MaturityDate.Sub(now).Hours()/24) / 365.25
	return credit.Loan{PD: *l.PD, PDAtOrigination: orig, SalesEURm: l.SalesEURm, EAD: float64(exposure.Amount),
		Years: years, DaysPastDue: l.DaysPastDue, EIR: l.InterestRate}
}

// CreditCollateral is a collateral's contribution to LGD*: its verified market value
// (gross x trust, times the loan's share), in the loan's currency, converted at fx when
// the collateral is in another; nothing when it is and fx is nil.
func CreditCollateral(kind gt.CollateralKind, v *gt.Valuation, share float64, currency string, fx *gt.FXConversion) []credit.Collateral {
	value := float64(v.Gross.Amount) * v.Trust * share
	if v.Gross.Currency != currency {
		if fx == nil || fx.From != v.Gross.Currency {
			return nil
		}
		value = fx.Convert(value, currency)
	}
	typ := credit.OtherPhysical
	if kind == gt.KindReceivable {
		typ = credit.Receivables
	}
	return []credit.Collateral{{Type: typ, Value: value, Haircut: credit.PhysicalHaircut}}
}

// CreditRiskOf turns credit figures into the API's CreditRisk.
func CreditRiskOf(f credit.Figures, ead gt.Money) *gt.CreditRisk {
	money := func(x float64) gt.Money { return gt.Money{Amount: int64(math.Round(x)), Currency: ead.Currency} }
	return &gt.CreditRisk{PD: f.PD, LGD: f.LGD, EAD: ead, Maturity: f.M, Correlation: f.R, K: f.K, RiskWeight: f.RiskWeight,
		RWA: money(f.RWA), EL: money(f.EL), Stage: int(f.Stage), ECL12m: money(f.ECL12m), ECLLifetime: money(f.ECLLifetime),
		Allowance: money(f.Allow)}
}
