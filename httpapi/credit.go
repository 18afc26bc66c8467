package httpapi

import (
	"context"
	"math"
	"net/http"
	"sort"
	"strconv"

	gt "groundtruth"
	"groundtruth/credit"

	"github.com/danielgtaylor/huma/v2"
)

// CreditSummary answers GET /api/v1/portfolio/credit: the portfolio's credit figures
// (SPEC §11) summed over the loans that have them, per currency, with the IFRS 9 stages
// and the credit VaR of the asymptotic single risk factor model.
type CreditSummary struct {
	Confidence float64          `json:"confidence" doc:"Confidence level of the loss quantile and the credit VaR."`
	Loans      int              `json:"loans" doc:"Loans with credit figures (loans with a PD)."`
	WithoutPD  int              `json:"without_pd" doc:"Loans without a PD, which count nothing here."`
	ByStage    map[string]int   `json:"by_stage" doc:"Loans with credit figures by IFRS 9 stage (1, 2, 3)."`
	Currencies []CurrencyCredit `json:"currencies" doc:"The sums per currency of exposure, sorted by currency."`
}

// CurrencyCredit are the credit figures of a portfolio's loans in one currency.
type CurrencyCredit struct {
	Currency  string              `json:"currency"`
	Loans     int                 `json:"loans"`
	EAD       gt.Money            `json:"ead"`
	EL        gt.Money            `json:"expected_loss" doc:"Sum of PD x LGD x EAD."`
	RWA       gt.Money            `json:"rwa" doc:"Sum of the IRB risk-weighted assets."`
	Capital   gt.Money            `json:"capital" doc:"Sum of K x EAD (RWA / 12.5): the IRB capital requirement."`
	Allowance gt.Money            `json:"allowance" doc:"IFRS 9 loss allowance: 12-month ECL in stage 1, lifetime ECL in stages 2 and 3."`
	ByStage   map[string]gt.Money `json:"allowance_by_stage"`
	// The ASRF model's loss distribution (credit.CreditVaR): each loan defaults with its
	// PD, its asset value loads on one common factor with the IRB correlation.
	LossQuantile gt.Money `json:"loss_quantile" doc:"Portfolio loss not exceeded with the confidence: the sum of EAD x LGD x the PD conditional on the common factor at its adverse quantile."`
	CreditVaR    gt.Money `json:"credit_var" doc:"Unexpected loss: the loss quantile less the expected loss. At 99.9% it is the IRB capital before the maturity adjustment."`
}

type creditInput struct {
	Confidence float64 `query:"confidence" default:"0.999" doc:"Confidence level of the credit VaR, in (0.5, 1)."`
}

type creditOutput struct{ Body CreditSummary }

func (s *Server) registerCredit() {
	o := op("get-portfolio-credit", http.MethodGet, "/api/v1/portfolio/credit", "read the portfolio's credit figures", "risk", readers...)
	o.Description = "Sums the loans' EAD, expected loss, IRB RWA and capital and IFRS 9 allowance per currency, counts " +
		"the loans by IFRS 9 stage, and gives the portfolio's credit VaR under the asymptotic single risk factor " +
		"(Vasicek) model at the confidence asked (99.9% by default, the IRB confidence)."
	huma.Register(s.api, o, func(ctx context.Context, in *creditInput) (*creditOutput, error) {
		q := in.Confidence
		if math.IsNaN(q) || q <= 0.5 || q >= 1 {
			return nil, huma.NewError(http.StatusUnprocessableEntity, "confidence: must be above 0.5 and below 1",
				&huma.ErrorDetail{Location: "query.confidence", Message: "must be above 0.5 and below 1", Value: q})
		}
		risks, err := all(ctx, func(ctx context.Context, o gt.ListOptions) ([]gt.LoanRisk, error) {
			return s.o.Store.LoanRisks(ctx, caller(ctx).tenant, "", o)
		}, func(x *gt.LoanRisk) string { return x.LoanID })
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		sum, err := SummarizeCredit(risks, q)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &creditOutput{Body: *sum}, nil
	})
}

// SummarizeCredit sums the credit figures of the loans that have them, per currency of
// exposure, and computes each currency's credit VaR at confidence q.
func SummarizeCredit(risks []gt.LoanRisk, q float64) (*CreditSummary, error) {
	out := &CreditSummary{Confidence: q, ByStage: map[string]int{"1": 0, "2": 0, "3": 0}, Currencies: []CurrencyCredit{}}
	type acc struct {
		c        CurrencyCredit
		obligors []credit.Obligor
	}
	by := map[string]*acc{}
	for i := range risks {
		c := risks[i].Credit
		if c == nil {
			out.WithoutPD++
			continue
		}
		out.Loans++
		stage := strconv.Itoa(c.Stage)
		out.ByStage[stage]++
		cur := risks[i].Exposure.Currency
		a := by[cur]
		if a == nil {
			a = &acc{c: CurrencyCredit{Currency: cur, ByStage: map[string]gt.Money{}}}
			by[cur] = a
		}
		a.c.Loans++
		a.c.EAD.Amount += c.EAD.Amount
		a.c.EL.Amount += c.EL.Amount
		a.c.RWA.Amount += c.RWA.Amount
		a.c.Capital.Amount += int64(math.Round(c.K * float64(c.EAD.Amount)))
		a.c.Allowance.Amount += c.Allowance.Amount
		m := a.c.ByStage[stage]
		m.Amount += c.Allowance.Amount
		a.c.ByStage[stage] = m
		a.obligors = append(a.obligors, credit.Obligor{PD: c.PD, LGD: c.LGD, EAD: float64(c.EAD.Amount), Rho: c.Correlation})
	}
	for cur, a := range by {
		l, err := credit.CreditVaR(a.obligors, q)
		if err != nil {
			return nil, err
		}
		a.c.LossQuantile.Amount, a.c.CreditVaR.Amount = int64(math.Round(l.Quantile)), int64(math.Round(l.VaR))
		for _, m := range []*gt.Money{&a.c.EAD, &a.c.EL, &a.c.RWA, &a.c.Capital, &a.c.Allowance, &a.c.LossQuantile, &a.c.CreditVaR} {
			m.Currency = cur
		}
		for k, m := range a.c.ByStage {
			m.Currency = cur
			a.c.ByStage[k] = m
		}
		out.Currencies = append(out.Currencies, a.c)
	}
	sort.Slice(out.Currencies, func(i, j int) bool { return out.Currencies[i].Currency < out.Currencies[j].Currency })
	return out, nil
}

// LoanPDsSet answers POST /api/v1/loans/pd.
type LoanPDsSet struct {
	Updated int    `json:"updated" doc:"Loans whose PD was set."`
	Seq     uint64 `json:"seq" doc:"Journal sequence of the change."`
}

type loanPDsInput struct{ Body gt.LoanPDs }

type loanPDsOutput struct{ Body LoanPDsSet }

func (s *Server) registerLoanPDs() {
	o := op("set-loan-pds", http.MethodPost, "/api/v1/loans/pd", "set loans' PDs", "risk", gt.RoleAdmin, gt.RoleRiskOfficer, gt.RoleAnalyst)
	o.Description = "Sets the one-year PD (and optionally the PD at origination) of existing loans, all or none, " +
		"changing nothing else on them: the way a scorecard's results reach the loans (`groundtruth scorecard apply " +
		"--set-pd`). The loans' credit figures are recomputed at once."
	huma.Register(s.api, o, func(ctx context.Context, in *loanPDsInput) (*loanPDsOutput, error) {
		if err := in.Body.Validate(); err != nil {
			return nil, s.problem(ctx, err)
		}
		p := caller(ctx)
		seq, err := s.o.Node.Command(ctx, gt.EventLoanPDs, p.tenant, p.keyID, in.Body)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &loanPDsOutput{Body: LoanPDsSet{Updated: len(in.Body.Items), Seq: seq}}, nil
	})
}
