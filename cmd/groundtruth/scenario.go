package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"crypto/subtle"

	gt "groundtruth"
	"groundtruth/httpapi"
	"groundtruth/node"
	"groundtruth/scenarios"
	"groundtruth/sim"
	"groundtruth/web"

	"github.com/prometheus/client_golang/prometheus"
)

type scenarioCmd struct {
	Run   scenarioRunCmd   `cmd:"" help:"Play scenario files against an embedded server on a simulated clock and print the detection report; exit status 1 when an expectation fails."`
	Check scenarioCheckCmd `cmd:"" help:"Check scenario files without playing them."`
}

type scenarioRunCmd struct {
	Files  []string      `arg:"" help:"Scenario files (YAML); 'zoo' plays the built-in fraud zoo." placeholder:"FILE"`
	Server string        `help:"Play against this running server (started with serve --simulated-clock) instead of an embedded one." placeholder:"URL"`
	Token  string        `name:"clock-token" env:"GT_CLOCK_TOKEN" help:"The driver token the --server printed." placeholder:"TOKEN"`
	Broker string        `name:"mqtt-addr" help:"host:port of the --server's MQTT broker when it differs from what the server reports." placeholder:"ADDR"`
	Report string        `help:"Report format: text or json." enum:"text,json" default:"text"`
	Tick   time.Duration `help:"Interval of the simulated tick events." default:"5m"`
	Seed   uint64        `help:"Seed every scenario's noise and dropouts with this instead of its own seed (0: their own)."`
}

type scenarioCheckCmd struct {
	Files []string `arg:"" help:"Scenario files (YAML)." placeholder:"FILE"`
}

func (c *scenarioCheckCmd) Run(e *env) error {
	scs, err := loadScenarios(c.Files)
	if err != nil {
		return err
	}
	for _, sc := range scs {
		fmt.Fprintf(e.stdout, "%s: %s, %d tenants, %d timeline steps: ok\n", sc.File, sc.Name, len(sc.Tenants), len(sc.Timeline))
	}
	return nil
}

func (c *scenarioRunCmd) Run(e *env) error {
	scs, err := loadScenarios(c.Files)
	if err != nil {
		return err
	}
	reseed(scs, c.Seed)
	var target sim.Target
	if c.Server != "" {
		if c.Token == "" {
			return fmt.Errorf("--server needs --clock-token (or GT_CLOCK_TOKEN): the driver token the server printed")
		}
		if target, err = sim.NewRemote(e.ctx, c.Server, c.Token, c.Broker); err != nil {
			return err
		}
	} else {
		srv, err := startSimServer(e, "127.0.0.1:0", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer srv.Close()
		target = srv
	}
	rep, err := sim.Play(e.ctx, target, scs, sim.Options{Tick: c.Tick, Progress: progressBar(e.stderr)})
	if err != nil {
		return err
	}
	if c.Report == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := rep.WriteText(e.stdout); err != nil {
		return err
	}
	if !rep.Passed() {
		return errExpectations
	}
	return nil
}

// reseed gives every scenario the seed, unless it is 0.
func reseed(scs []*sim.Scenario, seed uint64) {
	if seed == 0 {
		return
	}
	for _, sc := range scs {
		sc.Seed = seed
	}
}

// errExpectations is the error of a run whose report has a failed expectation.
var errExpectations = errors.New("an expectation failed (see the report)")

// loadScenarios parses files; "zoo" stands for every scenario of the built-in zoo.
func loadScenarios(files []string) ([]*sim.Scenario, error) {
	var out []*sim.Scenario
	for _, f := range files {
		if f == "zoo" {
			zoo, err := zooScenarios()
			if err != nil {
				return nil, err
			}
			out = append(out, zoo...)
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		sc, err := sim.Parse(b, f)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scenario given")
	}
	return out, nil
}

// zooScenarios parses the embedded zoo, in file name order.
func zooScenarios() ([]*sim.Scenario, error) {
	names, err := fs.Glob(scenarios.Zoo, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*sim.Scenario
	for _, n := range names {
		b, err := scenarios.Zoo.ReadFile(n)
		if err != nil {
			return nil, err
		}
		sc, err := sim.Parse(b, path.Join("scenarios", n))
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// simClock is a settable clock; after Run it follows the wall clock from where it was.
type simClock struct {
	mu    sync.Mutex
	t     time.Time
	wall  time.Time // when set, now = t + time since wall
	unset bool      // not set yet: the first Set may go anywhere
}

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.wall.IsZero() {
		return c.t.Add(time.Since(c.wall))
	}
	return c.t
}

// Set moves the clock to t, never backwards.
func (c *simClock) Set(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.t
	if !c.wall.IsZero() {
		now = c.t.Add(time.Since(c.wall))
	}
	if t.Before(now) && !c.unset {
		return gt.FieldErrorf("now", "%s is before the clock's %s: simulated time only moves forward",
			t.UTC().Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339Nano))
	}
	c.t, c.wall, c.unset = t.UTC(), time.Time{}, false
	return nil
}

// Run lets the clock go on in real time from where it is.
func (c *simClock) Run() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wall = time.Now()
}

// simServer is a whole server in this process on a simulated clock, in a temporary data
// directory: journal, store, engine, ingest with the MQTT broker, and the HTTP API.
type simServer struct {
	sys   *system
	ing   *ingestRuntime
	http  *http.Server
	ln    net.Listener
	clock *simClock
	dir   string
	errc  chan error

	mu      sync.Mutex
	tenants [][2]string // id, admin key
}

// keys returns the tenants created and their admin keys, by tenant id.
func (s *simServer) keys() [][2]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([][2]string(nil), s.tenants...)
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// startSimServer starts a server listening on httpAddr and mqttAddr, or on free ports
// when those are taken.
func startSimServer(parent *env, httpAddr, mqttAddr string) (*simServer, error) {
	dir, err := os.MkdirTemp("", "groundtruth-sim-")
	if err != nil {
		return nil, err
	}
	clock := &simClock{t: sim.DefaultEnd, unset: true}
	e := *parent
	e.now = clock.Now
	e.cfg = defaultConfig()
	e.cfg.Data, e.cfg.Journal, e.cfg.LogLevel = dir, "embedded", parent.cfg.LogLevel
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if parent.cfg.LogLevel == "debug" {
		log = newLogger(parent)
	}
	s := &simServer{clock: clock, dir: dir, errc: make(chan error, 2)}
	fail := func(err error) (*simServer, error) {
		s.Close()
		return nil, err
	}
	reg := prometheus.NewRegistry()
	if s.sys, err = openSystem(&e, log, reg, true); err != nil {
		return fail(err)
	}
	e.cfg.MQTT = mqttAddr
	if s.ing, err = startIngest(&e, log, s.sys, 1e6); err != nil {
		e.cfg.MQTT = "127.0.0.1:0"
		if s.ing, err = startIngest(&e, log, s.sys, 1e6); err != nil {
			return fail(err)
		}
	}
	if s.ln, err = net.Listen("tcp", httpAddr); err != nil {
		if s.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return fail(err)
		}
	}
	api := httpapi.New(httpapi.Options{Node: s.sys.node, Store: s.sys.store, Logger: log, Ingest: s.ing.svc,
		Gatherer: reg, Registerer: reg, Version: version, Dashboard: web.Handler(web.Options{}),
		TenantRate: -1}) // a local simulation plays as fast as it can
	s.http = &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
	go func() { s.errc <- s.http.Serve(s.ln) }()
	return s, nil
}

// API returns the base URL of the HTTP API.
func (s *simServer) API() string { return "http://" + displayAddr(s.ln.Addr()) }

// MQTT returns the broker's address.
func (s *simServer) MQTT() string { return displayAddr(s.ing.broker.Addr()) }

// CreateTenant creates a tenant with its first admin key.
func (s *simServer) CreateTenant(ctx context.Context, id, name string) (string, error) {
	_, key, err := s.sys.node.CreateTenant(ctx, id, name)
	if err == nil {
		s.mu.Lock()
		s.tenants = append(s.tenants, [2]string{id, key})
		s.mu.Unlock()
	}
	return key, err
}

// SetClock sets the simulated time.
func (s *simServer) SetClock(_ context.Context, t time.Time) error { return s.clock.Set(t) }

// Tick appends a tick at the simulated time and waits until it is applied and projected.
func (s *simServer) Tick(ctx context.Context) error {
	_, err := tickAt(ctx, s.sys.node, s.clock.Now())
	return err
}

// tickAt appends a tick at t and waits until it is applied and projected.
func tickAt(ctx context.Context, n *node.Node, t time.Time) (uint64, error) {
	ev, err := gt.NewEvent(gt.EventTick, "", t, "scenario", nil)
	if err != nil {
		return 0, err
	}
	seqs, err := n.Submit(ctx, ev)
	if err != nil || len(seqs) == 0 {
		return 0, err
	}
	return seqs[0], nil
}

// clockDriver is the simulated clock of serve --simulated-clock as the API drives it.
type clockDriver struct {
	clock *simClock
	node  *node.Node
	hash  string // of the driver token
	mqtt  string
}

func (d *clockDriver) Check(token string) bool {
	return subtle.ConstantTimeCompare([]byte(gt.HashSecret(token)), []byte(d.hash)) == 1
}
func (d *clockDriver) Now() time.Time        { return d.clock.Now() }
func (d *clockDriver) Set(t time.Time) error { return d.clock.Set(t) }
func (d *clockDriver) MQTT() string          { return d.mqtt }
func (d *clockDriver) Tick(ctx context.Context) (uint64, error) {
	return tickAt(ctx, d.node, d.clock.Now())
}

// Close stops everything and removes the data directory.
func (s *simServer) Close() {
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.http.Shutdown(ctx)
		cancel()
	}
	if s.ing != nil {
		s.ing.Close()
	}
	if s.sys != nil {
		s.sys.Close()
	}
	os.RemoveAll(s.dir)
}

// progressBar draws the simulated time reached on w, at most ten times a second.
func progressBar(w io.Writer) func(now, from, to time.Time) {
	var last time.Time
	return func(now, from, to time.Time) {
		done := now.Equal(to)
		if !done && time.Since(last) < 100*time.Millisecond {
			return
		}
		last = time.Now()
		frac := float64(now.Sub(from)) / float64(max(to.Sub(from), 1))
		n := int(frac * 40)
		fmt.Fprintf(w, "\r[%s%s] %3.0f%%  simulated %s", strings.Repeat("#", n), strings.Repeat(".", 40-n), 100*frac, now.Format("2006-01-02 15:04"))
		if done {
			fmt.Fprintln(w)
		}
	}
}
