package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	gt "groundtruth"

	"github.com/danielgtaylor/huma/v2"
)

// PricesRequest is the body of POST /api/v1/prices.
type PricesRequest struct {
	Ticks []gt.PriceTick `json:"ticks" minItems:"1" maxItems:"5000"`
}

// PricesRecorded answers POST /api/v1/prices.
type PricesRecorded struct {
	Recorded int    `json:"recorded"`
	Seq      uint64 `json:"seq" doc:"Journal sequence of the event that recorded them"`
}

// Commodities lists the commodities that have prices.
type Commodities struct {
	Commodities []string `json:"commodities"`
}

type pricesInput struct{ Body PricesRequest }

type pricesOutput struct{ Body PricesRecorded }

type commoditiesOutput struct{ Body Commodities }

type seriesInput struct {
	Commodity string    `path:"commodity" maxLength:"64"`
	From      time.Time `query:"from" doc:"Inclusive start (RFC 3339)"`
	To        time.Time `query:"to" doc:"Exclusive end (RFC 3339)"`
	Cursor    string    `query:"cursor"`
	Limit     int       `query:"limit" minimum:"1" maximum:"500" default:"500"`
}

func (s *Server) registerPrices() {
	priceWriters := []gt.Role{gt.RoleAdmin, gt.RoleRiskOfficer, gt.RoleAnalyst}
	huma.Register(s.api, op("record-prices", http.MethodPost, "/api/v1/prices", "record price ticks", "prices", priceWriters...),
		func(ctx context.Context, in *pricesInput) (*pricesOutput, error) {
			for i := range in.Body.Ticks {
				if err := in.Body.Ticks[i].Validate(); err != nil {
					return nil, s.problem(ctx, &gt.Error{Code: gt.EINVALID, Message: gt.ErrorMessage(err),
						Field: fmt.Sprintf("ticks[%d].%s", i, gt.ErrorField(err))})
				}
			}
			p := caller(ctx)
			seq, err := s.o.Node.Command(ctx, gt.EventPricesRecord, p.tenant, p.keyID, gt.Records{Prices: in.Body.Ticks})
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &pricesOutput{Body: PricesRecorded{Recorded: len(in.Body.Ticks), Seq: seq}}, nil
		})

	huma.Register(s.api, op("list-commodities", http.MethodGet, "/api/v1/prices", "list commodities with prices", "prices", readers...),
		func(ctx context.Context, _ *struct{}) (*commoditiesOutput, error) {
			c, err := s.o.Store.Commodities(ctx, caller(ctx).tenant)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			if c == nil {
				c = []string{}
			}
			return &commoditiesOutput{Body: Commodities{Commodities: c}}, nil
		})

	huma.Register(s.api, op("get-price-series", http.MethodGet, "/api/v1/prices/{commodity}", "read a commodity's price series", "prices", readers...),
		func(ctx context.Context, in *seriesInput) (*pageOutput[gt.PriceTick], error) {
			var after string
			if in.Cursor != "" {
				a, err := decodeCursor(in.Cursor)
				if err != nil {
					return nil, err
				}
				after = a
			}
			ticks, err := s.o.Store.Prices(ctx, caller(ctx).tenant, gt.PriceQuery{Commodity: in.Commodity,
				From: in.From, To: in.To, After: after, Limit: in.Limit + 1})
			if gt.ErrorCode(err) == gt.EINVALID && after != "" {
				return nil, huma.NewError(http.StatusBadRequest, "cursor: not a cursor returned by this API",
					&huma.ErrorDetail{Location: "query.cursor", Message: "not a cursor returned by this API", Value: in.Cursor})
			}
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &pageOutput[gt.PriceTick]{Body: paginate(ticks, in.Limit,
				func(t *gt.PriceTick) string { return t.At.Format(time.RFC3339Nano) })}, nil
		})
}
