package httpapi

import (
	"context"
	"net/http"
	"time"

	gt "groundtruth"

	"github.com/danielgtaylor/huma/v2"
)

type healthOutput struct{ Body gt.DeviceHealth }

type deviceSeriesInput struct {
	ID   string    `path:"id" maxLength:"64" doc:"Device identifier"`
	Name string    `query:"name" required:"true" maxLength:"64" doc:"Measurement, e.g. mass"`
	From time.Time `query:"from" required:"true" doc:"Start (RFC 3339), aligned down to a multiple of step"`
	To   time.Time `query:"to" required:"true" doc:"End (RFC 3339), exclusive"`
	Step string    `query:"step" default:"1m" doc:"Point width, a whole number of minutes (1m, 15m, 1h, 24h)"`
}

// Series is a device's downsampled readings of one measurement.
type Series struct {
	DeviceID string           `json:"device_id"`
	Name     string           `json:"name"`
	Step     string           `json:"step"`
	Points   []gt.SeriesPoint `json:"points" doc:"Oldest first; steps without readings are left out"`
}

type seriesOutput struct{ Body Series }

func (s *Server) registerTelemetry() {
	o := op("get-device-health", http.MethodGet, "/api/v1/devices/{id}/health", "get a device's health", "devices", readers...)
	o.Description = "Telemetry health of a device: state from its status topic or last will, last seen, " +
		"last reading per measurement, last accepted signed seq, counters of packs, readings, duplicates, " +
		"late readings and refusals by reason. A device that has sent nothing has state unknown and zero counters."
	huma.Register(s.api, o, func(ctx context.Context, in *idInput) (*healthOutput, error) {
		p := caller(ctx)
		if _, err := s.o.Store.Device(ctx, p.tenant, in.ID); err != nil {
			return nil, s.problem(ctx, err)
		}
		h, err := s.o.Store.DeviceHealth(ctx, p.tenant, in.ID)
		if gt.ErrorCode(err) == gt.ENOTFOUND {
			h, err = &gt.DeviceHealth{DeviceID: in.ID, State: "unknown", Rejected: map[string]uint64{}, Last: map[string]gt.Reading{}}, nil
		}
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &healthOutput{Body: *h}, nil
	})

	o = op("get-device-series", http.MethodGet, "/api/v1/devices/{id}/series", "get a device's readings over time", "devices", readers...)
	o.Description = "Readings of one measurement downsampled for charts: count, sum, mean, min, max and last " +
		"per step (booleans count as 0 and 1). The engine keeps one-minute buckets; steps are whole minutes, " +
		"at most 10000 points per query."
	huma.Register(s.api, o, func(ctx context.Context, in *deviceSeriesInput) (*seriesOutput, error) {
		p := caller(ctx)
		step, err := time.ParseDuration(in.Step)
		if err != nil {
			return nil, s.problem(ctx, gt.FieldErrorf("step", "must be a duration such as 5m or 1h"))
		}
		if _, err := s.o.Store.Device(ctx, p.tenant, in.ID); err != nil {
			return nil, s.problem(ctx, err)
		}
		q := gt.SeriesQuery{Device: in.ID, Name: in.Name, From: in.From, To: in.To, Step: step}
		pts, err := s.o.Store.Series(ctx, p.tenant, q)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		if pts == nil {
			pts = []gt.SeriesPoint{}
		}
		return &seriesOutput{Body: Series{DeviceID: in.ID, Name: in.Name, Step: step.String(), Points: pts}}, nil
	})
}
