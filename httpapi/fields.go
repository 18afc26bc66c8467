package httpapi

import (
	"context"
	"net/http"
	"time"

	gt "groundtruth"

	"github.com/danielgtaylor/huma/v2"
)

// FieldSeries answers GET /api/v1/collateral/{id}/ndvi.
type FieldSeries struct {
	CollateralID string                `json:"collateral_id"`
	Observations []gt.FieldObservation `json:"observations" doc:"The field in each scene, oldest first"`
}

type fieldSeriesOutput struct{ Body FieldSeries }

func (s *Server) registerFieldSeries() {
	o := op("get-field-ndvi", http.MethodGet, "/api/v1/collateral/{id}/ndvi", "read a crop field's NDVI time series", "risk", readers...)
	o.Description = "The crop field's zonal statistics in each scene recorded (valid, cloud and nodata pixels; mean, " +
		"std, p10, p50 and p90 NDVI). 404 when the collateral does not exist; 422 when it is not a crop field."
	huma.Register(s.api, o, func(ctx context.Context, in *loanSeriesInput) (*fieldSeriesOutput, error) {
		p := caller(ctx)
		c, err := s.o.Store.Collateral(ctx, p.tenant, in.ID)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		if c.Crop == nil {
			return nil, s.problem(ctx, gt.FieldErrorf("id", "collateral %q is a %s, not a crop field", in.ID, c.Kind))
		}
		to := in.To
		if to.IsZero() {
			to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		obs, err := s.o.Store.FieldObservations(ctx, p.tenant, in.ID, in.From, to, in.Limit)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &fieldSeriesOutput{Body: FieldSeries{CollateralID: in.ID, Observations: obs}}, nil
	})
}
