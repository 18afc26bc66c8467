package httpapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"

	gt "groundtruth"

	"github.com/danielgtaylor/huma/v2"
)

// LoanRiskView answers GET /api/v1/loans/{id}/risk: the loan's metrics with the
// valuations of its collateral and its open alerts, so that a loan page explains itself.
type LoanRiskView struct {
	Risk       *gt.LoanRisk   `json:"risk,omitempty" doc:"The loan's current metrics; absent until the engine has valued the loan"`
	Valuations []gt.Valuation `json:"valuations" doc:"Latest valuation of each collateral allocated to the loan (per the metrics), in allocation order; collateral not yet valued is left out"`
	Alerts     []gt.Alert     `json:"alerts" doc:"Alerts about the loan that are pending or firing and not closed, newest first"`
}

type loanRiskOutput struct{ Body LoanRiskView }

type portfolioOutput struct{ Body gt.Portfolio }

type loanRisksInput struct {
	Band string `query:"band" enum:"healthy,warn,margin_call,liquidation" doc:"Only loans in this band"`
	ListInput
}

type signalsInput struct {
	Active bool `query:"active" doc:"true lists only active signals; false (the default) lists all, cleared ones included"`
	ListInput
}

// maxOpenAlerts bounds the open alerts shown on a loan's risk page.
const maxOpenAlerts = 1000

func (s *Server) registerRisk() {
	o := op("get-loan-risk", http.MethodGet, "/api/v1/loans/{id}/risk", "read a loan's risk", "risk", readers...)
	o.Description = "The loan's metrics (exposure, collateral value, LTV, band, margin call), the valuation of " +
		"each allocated collateral with its inputs (quantity sources, price tick, haircut, trust) and the loan's " +
		"open alerts. 404 when the loan does not exist; a loan the engine has not valued yet answers 200 without `risk`."
	huma.Register(s.api, o, func(ctx context.Context, in *idInput) (*loanRiskOutput, error) {
		p := caller(ctx)
		if _, err := s.o.Store.Loan(ctx, p.tenant, in.ID); err != nil {
			return nil, s.problem(ctx, err)
		}
		v := LoanRiskView{Valuations: []gt.Valuation{}}
		r, err := s.o.Store.LoanRisk(ctx, p.tenant, in.ID)
		switch {
		case err == nil:
			v.Risk = r
		case gt.ErrorCode(err) != gt.ENOTFOUND:
			return nil, s.problem(ctx, err)
		}
		if r != nil {
			for _, a := range r.Allocations {
				val, err := s.o.Store.Valuation(ctx, p.tenant, a.CollateralID)
				if gt.ErrorCode(err) == gt.ENOTFOUND {
					continue
				}
				if err != nil {
					return nil, s.problem(ctx, err)
				}
				v.Valuations = append(v.Valuations, *val)
			}
		}
		if v.Alerts, err = s.openAlerts(ctx, p.tenant, in.ID); err != nil {
			return nil, s.problem(ctx, err)
		}
		return &loanRiskOutput{Body: v}, nil
	})

	o = op("get-portfolio", http.MethodGet, "/api/v1/portfolio", "read the portfolio's risk", "risk", readers...)
	o.Description = "Loans by band, exposure and collateral value per currency, open alerts by severity and " +
		"concentrations by custodian, core enterprise, commodity and region."
	huma.Register(s.api, o, func(ctx context.Context, _ *struct{}) (*portfolioOutput, error) {
		pf, err := s.o.Store.Portfolio(ctx, caller(ctx).tenant)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &portfolioOutput{Body: *pf}, nil
	})

	huma.Register(s.api, op("list-loan-risks", http.MethodGet, "/api/v1/loan-risks", "list loans' risk metrics", "risk", readers...),
		func(ctx context.Context, in *loanRisksInput) (*pageOutput[gt.LoanRisk], error) {
			after, err := decodeCursor(in.Cursor)
			if err != nil {
				return nil, err
			}
			items, err := s.o.Store.LoanRisks(ctx, caller(ctx).tenant, in.Band, gt.ListOptions{After: after, Limit: in.Limit + 1})
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &pageOutput[gt.LoanRisk]{Body: paginate(items, in.Limit, func(r *gt.LoanRisk) string { return r.LoanID })}, nil
		})

	o = op("list-signals", http.MethodGet, "/api/v1/signals", "list detector signals", "risk", readers...)
	o.Description = "Detector outputs (SPEC §6.5) by subject then name, with their evidence."
	huma.Register(s.api, o, func(ctx context.Context, in *signalsInput) (*pageOutput[gt.Signal], error) {
		after, err := decodeSignalCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		items, err := s.o.Store.Signals(ctx, caller(ctx).tenant, in.Active, gt.ListOptions{After: after, Limit: in.Limit + 1})
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &pageOutput[gt.Signal]{Body: paginate(items, in.Limit, func(g *gt.Signal) string { return g.Subject + "/" + g.Name })}, nil
	})
}

// openAlerts returns the alerts of a loan that are pending or firing and not closed,
// newest first, at most maxOpenAlerts.
func (s *Server) openAlerts(ctx context.Context, tenant, loan string) ([]gt.Alert, error) {
	out := []gt.Alert{}
	for _, state := range []string{gt.AlertFiring, gt.AlertPending} {
		q := gt.AlertQuery{State: state, Loan: loan, Limit: gt.MaxPageSize}
		for len(out) < maxOpenAlerts {
			page, err := s.o.Store.Alerts(ctx, tenant, q)
			if err != nil {
				return nil, err
			}
			for _, a := range page {
				if a.Status != gt.AlertClosed && len(out) < maxOpenAlerts {
					out = append(out, a)
				}
			}
			if len(page) < q.Limit {
				break
			}
			q.After = page[len(page)-1].ID
		}
	}
	// Merge the two states into the store's order: newest first, by descending id.
	slices.SortFunc(out, func(a, b gt.Alert) int { return strings.Compare(b.ID, a.ID) })
	return out, nil
}

// decodeSignalCursor decodes the cursor of the signals list, "subject/name".
func decodeSignalCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	subject, name, ok := strings.Cut(string(b), "/")
	if err != nil || !ok || gt.ValidateID("cursor", subject) != nil || gt.ValidateID("cursor", name) != nil {
		return "", huma.NewError(http.StatusBadRequest, "cursor: not a cursor returned by this API",
			&huma.ErrorDetail{Location: "query.cursor", Message: "not a cursor returned by this API", Value: c})
	}
	return string(b), nil
}
