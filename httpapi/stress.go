package httpapi

import (
	"context"
	"math"
	"net/http"
	"sort"

	gt "groundtruth"
	"groundtruth/credit"
	"groundtruth/engine"
	"groundtruth/risk"

	"github.com/danielgtaylor/huma/v2"
)

// StressRequest is the body of POST /api/v1/portfolio/stress: price shocks by commodity.
type StressRequest struct {
	Shocks map[string]float64 `json:"shocks" doc:"Relative price change by commodity, e.g. {\"copper\": -0.3} for a 30% fall; -1 to 10"`
}

// StressedLoan is one loan under the shocks.
type StressedLoan struct {
	LoanID      string    `json:"loan_id"`
	Exposure    gt.Money  `json:"exposure"`
	ValueBefore gt.Money  `json:"value_before"`
	ValueAfter  gt.Money  `json:"value_after"`
	LTVBefore   *float64  `json:"ltv_before,omitempty"`
	LTVAfter    *float64  `json:"ltv_after,omitempty"`
	BandBefore  string    `json:"band_before"`
	BandAfter   string    `json:"band_after"`
	ELBefore    *gt.Money `json:"el_before,omitempty" doc:"Expected loss, for a loan with a PD"`
	ELAfter     *gt.Money `json:"el_after,omitempty"`
	RWABefore   *gt.Money `json:"rwa_before,omitempty"`
	RWAAfter    *gt.Money `json:"rwa_after,omitempty"`
}

// StressResult answers POST /api/v1/portfolio/stress.
type StressResult struct {
	Shocks    map[string]float64 `json:"shocks"`
	Loans     int                `json:"loans" doc:"Loans stressed"`
	Changed   []StressedLoan     `json:"changed" doc:"Loans whose band changes, by loan id"`
	ByBand    map[string]int     `json:"by_band_after"`
	Affected  int                `json:"affected" doc:"Loans whose collateral value changes"`
	ELChange  []gt.Money         `json:"el_change" doc:"Change of the portfolio's expected loss, per currency (loans with a PD)"`
	RWAChange []gt.Money         `json:"rwa_change" doc:"Change of the portfolio's IRB RWA, per currency"`
	VaRBefore []gt.Money         `json:"credit_var_before" doc:"The portfolio's 99.9% credit VaR (ASRF model) before the shocks, per currency"`
	VaRAfter  []gt.Money         `json:"credit_var_after" doc:"The same under the shocks"`
}

type stressInput struct{ Body StressRequest }

type stressOutput struct{ Body StressResult }

func (s *Server) registerStress() {
	o := op("stress-portfolio", http.MethodPost, "/api/v1/portfolio/stress", "stress the portfolio with price shocks", "risk", readers...)
	o.Description = "Applies relative price shocks by commodity to the latest valuations (collateral priced in a " +
		"shocked commodity changes its value in proportion; haircuts and trust stay) and answers, for every loan, " +
		"the LTV and band it would have, listing the loans whose band changes. Nothing is recorded."
	huma.Register(s.api, o, func(ctx context.Context, in *stressInput) (*stressOutput, error) {
		p := caller(ctx)
		for c, v := range in.Body.Shocks {
			if math.IsNaN(v) || v < -1 || v > 10 {
				return nil, s.problem(ctx, gt.FieldErrorf("shocks."+c, "must be a relative change from -1 to 10"))
			}
		}
		res, err := Stress(ctx, s.o.Store, p.tenant, in.Body.Shocks)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &stressOutput{Body: *res}, nil
	})
}

// Stress values every loan of a tenant under relative price shocks by commodity, from
// the store's latest valuations; POST /api/v1/portfolio/stress answers with it.
func Stress(ctx context.Context, st gt.Store, tenant string, shocks map[string]float64) (*StressResult, error) {
	risks, err := all(ctx, func(ctx context.Context, o gt.ListOptions) ([]gt.LoanRisk, error) {
		return st.LoanRisks(ctx, tenant, "", o)
	},
		func(x *gt.LoanRisk) string { return x.LoanID })
	if err != nil {
		return nil, err
	}
	pol, err := tenantPolicy(ctx, st, tenant)
	if err != nil {
		return nil, err
	}
	res := &StressResult{Shocks: shocks, Loans: len(risks), Changed: []StressedLoan{},
		ByBand: map[string]int{gt.BandHealthy: 0, gt.BandWarn: 0, gt.BandMarginCall: 0, gt.BandLiquidation: 0}}
	vals := map[string]*gt.Valuation{}
	dEL, dRWA := map[string]int64{}, map[string]int64{}
	stressed := make([]gt.LoanRisk, 0, len(risks))
	for _, r := range risks {
		after := 0.0
		affected := false
		var shocked []credit.Collateral
		for _, a := range r.Allocations {
			v, ok := vals[a.CollateralID]
			if !ok {
				if v, err = st.Valuation(ctx, tenant, a.CollateralID); err != nil && gt.ErrorCode(err) != gt.ENOTFOUND {
					return nil, err
				}
				vals[a.CollateralID] = v
			}
			f := 1.0
			if v != nil {
				if sh, ok := shocks[v.Commodity]; ok && v.Commodity != "" {
					f, affected = 1+sh, true
				}
				sv := *v
				sv.Gross.Amount = int64(math.Round(float64(v.Gross.Amount) * f))
				shocked = append(shocked, engine.CreditCollateral(v.Kind, &sv, a.Share, r.Exposure.Currency, a.FX)...)
			}
			after += float64(a.Value.Amount) * f
		}
		if affected {
			res.Affected++
		}
		l, err := st.Loan(ctx, tenant, r.LoanID)
		if err != nil {
			return nil, err
		}
		ltv := risk.LTV(float64(r.Exposure.Amount), after)
		band := string(risk.NextBand(risk.Band(r.Band), ltv, l.Terms, pol.Hysteresis))
		res.ByBand[band]++
		var after2 *gt.CreditRisk
		if r.Credit != nil && l.PD != nil {
			in := engine.CreditInput(l, r.Exposure, r.At)
			in.Collateral = shocked
			if f, err := credit.LoanFigures(in); err == nil {
				after2 = engine.CreditRiskOf(f, r.Exposure)
				dEL[r.Exposure.Currency] += after2.EL.Amount - r.Credit.EL.Amount
				dRWA[r.Exposure.Currency] += after2.RWA.Amount - r.Credit.RWA.Amount
			}
		}
		sr := r
		if after2 != nil {
			sr.Credit = after2
		}
		stressed = append(stressed, sr)
		if band == r.Band {
			continue
		}
		sl := StressedLoan{LoanID: r.LoanID, Exposure: r.Exposure, ValueBefore: r.CollateralValue,
			ValueAfter: gt.Money{Amount: int64(math.Round(after)), Currency: r.CollateralValue.Currency},
			LTVBefore:  r.LTV, BandBefore: r.Band, BandAfter: band}
		if after2 != nil {
			sl.ELBefore, sl.ELAfter, sl.RWABefore, sl.RWAAfter = &r.Credit.EL, &after2.EL, &r.Credit.RWA, &after2.RWA
		}
		if !math.IsInf(ltv, 0) && !math.IsNaN(ltv) {
			sl.LTVAfter = &ltv
		}
		res.Changed = append(res.Changed, sl)
	}
	sort.Slice(res.Changed, func(i, j int) bool { return res.Changed[i].LoanID < res.Changed[j].LoanID })
	res.ELChange, res.RWAChange = moneyList(dEL), moneyList(dRWA)
	if res.VaRBefore, err = creditVaRs(risks); err != nil {
		return nil, err
	}
	if res.VaRAfter, err = creditVaRs(stressed); err != nil {
		return nil, err
	}
	return res, nil
}

// moneyList returns amounts by currency as a list sorted by currency.
func moneyList(m map[string]int64) []gt.Money {
	out := []gt.Money{}
	for c, a := range m {
		out = append(out, gt.Money{Amount: a, Currency: c})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}

// creditVaRs returns the loans' 99.9% credit VaR per currency.
func creditVaRs(risks []gt.LoanRisk) ([]gt.Money, error) {
	sum, err := SummarizeCredit(risks, 0.999)
	if err != nil {
		return nil, err
	}
	out := []gt.Money{}
	for _, c := range sum.Currencies {
		out = append(out, c.CreditVaR)
	}
	return out, nil
}
