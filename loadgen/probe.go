package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.golang/paho"

	gt "groundtruth"
)

// Defaults of ProbeConfig.
const (
	DefaultProbeEvery   = time.Second
	DefaultProbeTimeout = 10 * time.Second
)

// ProbeConfig is a measurement of the time from a device's message to the alert it
// raises reaching the bank (SPEC §14: reading->alert p99 <= 50 ms at half the sustained
// rate). Each probe device in turn reports tamper on its status topic (MQTT QoS 1, the
// same path as readings: durable append, engine, rules) and waits for the webhook
// delivering the request_inspection action of the tamper alert; then it reports online,
// which resolves the alert, so that the next tamper opens a new one. The latency runs from
// just before the publish to the webhook's arrival, so it holds the ingest, the engine,
// the projection to the store and the webhook dispatcher.
//
// The probe points the tenant's webhook at its own receiver for the run and restores the
// previous configuration afterwards (disabled when there was none); the server must allow
// webhooks to loopback addresses (serve --webhook-allow-private).
type ProbeConfig struct {
	Server string // base URL of the HTTP API
	APIKey string // an admin key of the devices' tenant
	Target string // the server's MQTT broker, tcp://host:port
	// Devices are the probe devices (Provision), all of one tenant.
	Devices []Device
	// Every is the period of each device's probe (default 1 s).
	Every time.Duration
	// Timeout is how long a probe waits for its webhook before it counts as missed
	// (default 10 s).
	Timeout time.Duration
	// Listen is the receiver's address (default 127.0.0.1:0).
	Listen string
}

// ProbeReport is what the probes measured.
type ProbeReport struct {
	Probes  int     `json:"probes"`  // probe devices
	Sent    int64   `json:"sent"`    // tamper reports acknowledged by the broker
	Missed  int64   `json:"missed"`  // of them, without a webhook within the timeout
	Failed  int64   `json:"failed"`  // publishes refused or lost
	Latency Latency `json:"latency"` // publish to webhook arrival
}

// probeRun is the state of one RunProbe.
type probeRun struct {
	c       ProbeConfig
	arrived map[string]chan time.Time // by device id
	seen    sync.Map                  // action ids delivered (deliveries are at least once)
	lat     Histogram
	sent    atomic.Int64
	missed  atomic.Int64
	failed  atomic.Int64
}

// RunProbe runs the probes until ctx ends (or until an error in the setup) and reports
// what they measured.
func RunProbe(ctx context.Context, c ProbeConfig) (*ProbeReport, error) {
	if c.Every <= 0 {
		c.Every = DefaultProbeEvery
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultProbeTimeout
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:0"
	}
	if len(c.Devices) == 0 {
		return nil, errors.New("probe: no devices")
	}
	u, err := url.Parse(c.Target)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("probe: target %q is not an MQTT URL such as tcp://127.0.0.1:1883", c.Target)
	}
	p := &probeRun{c: c, arrived: make(map[string]chan time.Time, len(c.Devices))}
	for _, d := range c.Devices {
		p.arrived[d.ID] = make(chan time.Time, 16)
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return nil, fmt.Errorf("probe: webhook receiver: %w", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(p.receive), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	api := &apiClient{base: strings.TrimSuffix(c.Server, "/"), key: c.APIKey, http: &http.Client{Timeout: 30 * time.Second}}
	var prev gt.WebhookConfig
	hadPrev := api.call(ctx, http.MethodGet, "/api/v1/webhook", nil, &prev) == nil
	hook := "http://" + ln.Addr().String() + "/hook"
	if err := api.call(ctx, http.MethodPut, "/api/v1/webhook", map[string]any{"url": hook}, nil); err != nil {
		return nil, fmt.Errorf("probe: point the tenant's webhook at %s: %w", hook, err)
	}
	defer func() {
		restore := map[string]any{"url": hook, "disabled": true}
		if hadPrev {
			restore = map[string]any{"url": prev.URL, "disabled": prev.Disabled}
		}
		rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = api.call(rctx, http.MethodPut, "/api/v1/webhook", restore, nil)
	}()

	r := &run{hard: ctx, epoch: time.Now()}
	var wg sync.WaitGroup
	for i, d := range c.Devices {
		l, err := r.dialMQTT(mqttOptions{url: u, clientID: d.ID, user: d.ID, password: d.Token})
		if err != nil {
			return nil, fmt.Errorf("probe: %w", err)
		}
		defer l.close()
		cctx, cancel := context.WithTimeout(ctx, DefaultConnectTimeout)
		_, err = l.await(cctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("probe: connect %s: %w", d.ID, err)
		}
		// The probes start spread over one period.
		first := time.Now().Add(c.Every * time.Duration(i) / time.Duration(len(c.Devices)))
		wg.Go(func() { p.device(ctx, l, d, first) })
	}
	wg.Wait()
	return &ProbeReport{Probes: len(c.Devices), Sent: p.sent.Load(), Missed: p.missed.Load(), Failed: p.failed.Load(),
		Latency: p.lat.Latency()}, nil
}

// device runs one probe device's cycles until ctx ends.
func (p *probeRun) device(ctx context.Context, l *mqttLink, d Device, due time.Time) {
	topic := "gt/v1/" + d.Tenant + "/" + d.ID + "/status"
	ch := p.arrived[d.ID]
	if !p.publish(ctx, l, topic, "online") {
		return
	}
	for sleepUntil(ctx, due) {
		due = due.Add(p.c.Every)
		for len(ch) > 0 { // a late webhook of an earlier probe
			<-ch
		}
		t0 := time.Now()
		if !p.publish(ctx, l, topic, "tamper") {
			if ctx.Err() == nil {
				p.failed.Add(1)
			}
			continue
		}
		wait := time.NewTimer(p.c.Timeout)
		select {
		case at := <-ch:
			p.sent.Add(1)
			p.lat.Record(at.Sub(t0))
		case <-wait.C:
			p.sent.Add(1)
			p.missed.Add(1)
		case <-ctx.Done(): // the run ended first: this probe is not counted
			wait.Stop()
			return
		}
		wait.Stop()
		if !p.publish(ctx, l, topic, "online") && ctx.Err() == nil {
			p.failed.Add(1)
		}
		if n := time.Now(); due.Before(n) {
			due = n // a slow cycle does not make the next ones burst
		}
	}
}

// publish sends payload with QoS 1 and reports whether it was acknowledged.
func (p *probeRun) publish(ctx context.Context, l *mqttLink, topic, payload string) bool {
	conn, err := l.await(ctx)
	if err != nil {
		return false
	}
	l.mu.Lock()
	cm := l.cm
	l.mu.Unlock()
	pr, err := cm.Publish(conn, &paho.Publish{QoS: 1, Topic: topic, Payload: []byte(payload)})
	return err == nil && pr != nil && pr.ReasonCode < 0x80
}

// receive takes a webhook delivery: an open action of a tamper alert on a probe device
// stops that device's clock.
func (p *probeRun) receive(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	var body struct {
		Action gt.Action `json:"action"`
	}
	b, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil || json.Unmarshal(b, &body) != nil {
		http.Error(w, "not a webhook delivery", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
	a := &body.Action
	if a.Rule != "tamper" || a.State != "open" {
		return
	}
	if _, dup := p.seen.LoadOrStore(a.ID, true); dup {
		return
	}
	if ch, ok := p.arrived[strings.TrimPrefix(a.Subject, "device:")]; ok {
		select {
		case ch <- at:
		default:
		}
	}
}
