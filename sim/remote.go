package sim

import (
	"context"
	"fmt"
	"time"
)

// Remote is a running server started with `groundtruth serve --simulated-clock`, driven
// through its /api/v1/clock routes with the driver token it printed.
type Remote struct {
	api   *client
	token string
	mqtt  string
}

// NewRemote checks that the server at base runs on a simulated clock that token drives
// and learns its MQTT address; mqtt, when not empty, overrides it (a broker behind a
// different address than the server sees).
func NewRemote(ctx context.Context, base, token, mqtt string) (*Remote, error) {
	r := &Remote{api: newClient(base), token: token}
	var st struct {
		Now  time.Time `json:"now"`
		MQTT string    `json:"mqtt"`
	}
	if err := r.api.call(ctx, "GET", "/api/v1/clock", token, nil, &st); err != nil {
		return nil, fmt.Errorf("%s is not a server on a simulated clock that this token drives (start it with serve --simulated-clock): %w", base, err)
	}
	r.mqtt = st.MQTT
	if mqtt != "" {
		r.mqtt = mqtt
	}
	if r.mqtt == "" {
		return nil, fmt.Errorf("%s has no MQTT broker; give its address", base)
	}
	return r, nil
}

// API returns the server's base URL.
func (r *Remote) API() string { return r.api.base }

// MQTT returns the broker's address.
func (r *Remote) MQTT() string { return r.mqtt }

// CreateTenant creates a tenant through the clock driver's route.
func (r *Remote) CreateTenant(ctx context.Context, id, name string) (string, error) {
	var out struct {
		AdminKey string `json:"admin_key"`
	}
	err := r.api.call(ctx, "POST", "/api/v1/clock/tenants", r.token, map[string]string{"id": id, "name": name}, &out)
	return out.AdminKey, err
}

// SetClock sets the server's simulated time.
func (r *Remote) SetClock(ctx context.Context, t time.Time) error {
	return r.api.call(ctx, "PUT", "/api/v1/clock", r.token, map[string]time.Time{"now": t.UTC()}, nil)
}

// Tick appends a tick and waits until it is applied.
func (r *Remote) Tick(ctx context.Context) error {
	return r.api.call(ctx, "POST", "/api/v1/clock/tick", r.token, nil, nil)
}
