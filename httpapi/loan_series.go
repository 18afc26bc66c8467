package httpapi

import (
	"context"
	"net/http"
	"time"

	gt "groundtruth"

	"github.com/danielgtaylor/huma/v2"
)

// MaxLoanPoints bounds the points of one GET /api/v1/loans/{id}/series.
const MaxLoanPoints = 5000

// LoanSeries answers GET /api/v1/loans/{id}/series.
type LoanSeries struct {
	LoanID string         `json:"loan_id"`
	Points []gt.LoanPoint `json:"points" doc:"Hourly points, oldest first; hours without a change are left out"`
}

type loanSeriesInput struct {
	ID    string    `path:"id" maxLength:"64"`
	From  time.Time `query:"from" doc:"Start (RFC 3339); default the beginning"`
	To    time.Time `query:"to" doc:"End (RFC 3339), exclusive; default no end"`
	Limit int       `query:"limit" minimum:"1" maximum:"5000" default:"2000" doc:"The newest points when there are more"`
}

type loanSeriesOutput struct{ Body LoanSeries }

func (s *Server) registerLoanSeries() {
	o := op("get-loan-series", http.MethodGet, "/api/v1/loans/{id}/series", "read a loan's LTV over time", "risk", readers...)
	o.Description = "The loan's metrics hour by hour (LTV range and last value, exposure, collateral value, band), " +
		"for charts of the LTV against its bands. 404 when the loan does not exist."
	huma.Register(s.api, o, func(ctx context.Context, in *loanSeriesInput) (*loanSeriesOutput, error) {
		p := caller(ctx)
		if _, err := s.o.Store.Loan(ctx, p.tenant, in.ID); err != nil {
			return nil, s.problem(ctx, err)
		}
		to := in.To
		if to.IsZero() {
			to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		if !in.From.Before(to) {
			return nil, s.problem(ctx, gt.FieldErrorf("from", "must be before to"))
		}
		ps, err := s.o.Store.LoanPoints(ctx, p.tenant, in.ID, in.From, to, in.Limit)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &loanSeriesOutput{Body: LoanSeries{LoanID: in.ID, Points: ps}}, nil
	})
}
