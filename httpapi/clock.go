package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// ClockDriver is the simulated clock of a server started with `serve --simulated-clock`,
// for scenario runs against it (SPEC §10): a driver holding its token sets the time,
// appends ticks and creates the scenarios' tenants. A server on the wall clock has none
// and these routes do not exist. Implementations must be safe for concurrent use.
type ClockDriver interface {
	// Check reports whether token is the driver token (compared by hash).
	Check(token string) bool
	// Now returns the simulated time.
	Now() time.Time
	// Set moves the clock to t; moving it backwards is an EINVALID error.
	Set(t time.Time) error
	// Tick appends a tick at the clock's time and returns once it is applied and
	// projected, with its sequence.
	Tick(ctx context.Context) (uint64, error)
	// MQTT returns the address devices publish to ("" without a broker).
	MQTT() string
}

// ClockState answers GET and PUT /api/v1/clock.
type ClockState struct {
	Now  time.Time `json:"now" doc:"The simulated time"`
	MQTT string    `json:"mqtt,omitempty" doc:"host:port of the embedded MQTT broker"`
}

// TickResult answers POST /api/v1/clock/tick.
type TickResult struct {
	Seq uint64 `json:"seq" doc:"Journal sequence of the tick; everything before it is applied and visible"`
}

type clockOutput struct{ Body ClockState }

type clockSetInput struct {
	Body struct {
		Now time.Time `json:"now" doc:"The new simulated time; not before the current one"`
	}
}

type tickOutput struct{ Body TickResult }

func (s *Server) registerClock() {
	if s.o.Clock == nil {
		return
	}
	clockOp := func(id, method, path, summary string) huma.Operation {
		o := op(id, method, path, summary, "clock")
		o.Metadata["clock"] = true
		o.Description = "Only on a server started with --simulated-clock; the bearer token is the driver token it printed."
		return o
	}
	state := func() *clockOutput {
		return &clockOutput{Body: ClockState{Now: s.o.Clock.Now().UTC(), MQTT: s.o.Clock.MQTT()}}
	}
	huma.Register(s.api, clockOp("get-clock", http.MethodGet, "/api/v1/clock", "read the simulated clock"),
		func(ctx context.Context, _ *struct{}) (*clockOutput, error) { return state(), nil })
	huma.Register(s.api, clockOp("set-clock", http.MethodPut, "/api/v1/clock", "set the simulated clock"),
		func(ctx context.Context, in *clockSetInput) (*clockOutput, error) {
			if err := s.o.Clock.Set(in.Body.Now); err != nil {
				return nil, s.problem(ctx, unprefix(err, "now"))
			}
			return state(), nil
		})
	huma.Register(s.api, clockOp("tick-clock", http.MethodPost, "/api/v1/clock/tick", "append a tick at the simulated time"),
		func(ctx context.Context, _ *struct{}) (*tickOutput, error) {
			seq, err := s.o.Clock.Tick(ctx)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &tickOutput{Body: TickResult{Seq: seq}}, nil
		})
	o := clockOp("clock-create-tenant", http.MethodPost, "/api/v1/clock/tenants", "create a scenario's tenant")
	o.DefaultStatus = http.StatusCreated
	huma.Register(s.api, o, func(ctx context.Context, in *tenantCreateInput) (*tenantCreateOutput, error) {
		t, secret, err := s.o.Node.CreateTenant(ctx, in.Body.ID, in.Body.Name)
		if err != nil {
			return nil, s.problem(ctx, unprefix(err, "tenant"))
		}
		return &tenantCreateOutput{Body: TenantCreated{Tenant: *t, AdminKey: secret}}, nil
	})
}
