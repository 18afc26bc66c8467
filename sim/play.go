package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	gt "groundtruth"
	"groundtruth/risk"
)

// DefaultEnd is the simulated time at which every scenario ends unless Options.End says
// otherwise; a scenario starts at End minus its duration, so its times are the same
// whether it is played alone or in a zoo.
var DefaultEnd = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// DefaultTick is the interval of the tick events a play appends (SPEC §4.2).
const DefaultTick = 5 * time.Minute

// Target is the server a play runs against. It runs on a clock the play sets.
type Target interface {
	// API returns the base URL of the HTTP API, such as http://127.0.0.1:8080.
	API() string
	// MQTT returns the host:port of the MQTT broker devices publish to.
	MQTT() string
	// CreateTenant creates a tenant and returns its admin API key.
	CreateTenant(ctx context.Context, id, name string) (string, error)
	// SetClock sets the time the server stamps events with and judges readings by; it
	// never moves back.
	SetClock(ctx context.Context, t time.Time) error
	// Tick appends a tick event at the clock's time and returns once it is applied and
	// everything before it is visible through the API.
	Tick(ctx context.Context) error
}

// Options tune a play.
type Options struct {
	End  time.Time     // DefaultEnd when zero
	Tick time.Duration // DefaultTick when zero; every duration must be a multiple of it
	// Progress, when set, is called after each tick with the simulated time reached.
	Progress func(now, from, to time.Time)
}

// play is one run of several scenarios against a target.
type play struct {
	t      Target
	o      Options
	api    *client
	runs   []*scenarioRun
	from   time.Time
	nextAt time.Time // next grid tick
}

// scenarioRun is the state of one scenario in a play.
type scenarioRun struct {
	sc         *Scenario
	start, end time.Time
	setUp      bool
	keys       map[string]string              // tenant -> API key
	bodies     map[string]map[string]*body    // tenant -> collateral -> truth
	sites      map[string]map[string]*gt.Site // tenant -> site
	devices    []*device                      // in file order
	byID       map[string]map[string]*device  // tenant -> id -> device
	prices     []priced                       // in time order
	nextPrice  int
	nextStep   int
	steps      []int // timeline indexes in time order (file order within a time)
	incidents  []incident
	refused    map[string]int // refusal reason -> packs
	sent       int
}

type priced struct {
	at   time.Time
	path *PricePath
	v    float64
}

type incident struct {
	step int
	at   time.Time
	name string
	x    []Expectation
	ok   []Expectation
}

// Play plays the scenarios together on one simulated clock against t and returns the
// detection report. Scenarios must not share tenant ids. Each runs from End minus its
// duration to End; ticks are appended every Tick, counted back from End.
func Play(ctx context.Context, t Target, scs []*Scenario, o Options) (*Report, error) {
	if o.End.IsZero() {
		o.End = DefaultEnd
	}
	if o.Tick <= 0 {
		o.Tick = DefaultTick
	}
	p := &play{t: t, o: o, api: newClient(t.API()), from: o.End}
	tenants := map[string]string{}
	for _, sc := range scs {
		if sc.Duration.Std()%o.Tick != 0 {
			return nil, &FileError{File: sc.File, Line: sc.lines.at("duration"), Field: "duration",
				Msg: fmt.Sprintf("%s is not a multiple of the tick interval %s", sc.Duration, Span(o.Tick))}
		}
		for _, tn := range sc.Tenants {
			if other, ok := tenants[tn.ID]; ok {
				return nil, fmt.Errorf("%s and %s both declare tenant %q; scenarios played together need their own tenants", other, sc.File, tn.ID)
			}
			tenants[tn.ID] = sc.File
		}
		r, err := newScenarioRun(sc, o.End)
		if err != nil {
			return nil, err
		}
		p.runs = append(p.runs, r)
		if r.start.Before(p.from) {
			p.from = r.start
		}
	}
	k := o.End.Sub(p.from) / o.Tick
	p.nextAt = o.End.Add(-k * o.Tick)
	if p.nextAt.Before(p.from) {
		p.nextAt = p.nextAt.Add(o.Tick)
	}
	defer func() {
		for _, r := range p.runs {
			for _, d := range r.devices {
				d.close()
			}
		}
	}()
	for {
		now, ok := p.next()
		if !ok {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := t.SetClock(ctx, now); err != nil {
			return nil, fmt.Errorf("set the clock to %s: %w", now.Format(time.RFC3339), err)
		}
		for _, r := range p.runs {
			if err := p.advance(ctx, r, now); err != nil {
				return nil, err
			}
		}
		if now.Equal(p.nextAt) {
			if err := t.Tick(ctx); err != nil {
				return nil, fmt.Errorf("tick at %s: %w", now.Format(time.RFC3339), err)
			}
			p.nextAt = p.nextAt.Add(o.Tick)
			if o.Progress != nil {
				o.Progress(now, p.from, o.End)
			}
		}
	}
	return p.report(ctx)
}

// newScenarioRun lays out a scenario's prices and timeline between start and end.
func newScenarioRun(sc *Scenario, end time.Time) (*scenarioRun, error) {
	r := &scenarioRun{sc: sc, start: end.Add(-sc.Duration.Std()), end: end, keys: map[string]string{},
		bodies: map[string]map[string]*body{}, sites: map[string]map[string]*gt.Site{},
		byID: map[string]map[string]*device{}, refused: map[string]int{}}
	for i := range sc.Prices {
		pp := &sc.Prices[i]
		xs, err := pathPoints(sc, i)
		if err != nil {
			return nil, err
		}
		scale := pp.Scale
		if scale == 0 {
			scale = 1
		}
		for k, x := range xs {
			at := r.start.Add(pp.From.Std() + time.Duration(k)*pp.Every.Std())
			if at.After(end) {
				break
			}
			r.prices = append(r.prices, priced{at: at, path: pp, v: x*scale + pp.Shift})
		}
	}
	sort.SliceStable(r.prices, func(i, j int) bool { return r.prices[i].at.Before(r.prices[j].at) })
	for i := range sc.Timeline {
		r.steps = append(r.steps, i)
	}
	sort.SliceStable(r.steps, func(i, j int) bool { return sc.Timeline[r.steps[i]].At < sc.Timeline[r.steps[j]].At })
	return r, nil
}

// pathPoints returns the raw points of price path i.
func pathPoints(sc *Scenario, i int) ([]float64, error) {
	pp := &sc.Prices[i]
	switch {
	case pp.Series != nil:
		xs, err := readSeries(sc, pp.Series)
		if err != nil {
			return nil, sc.errorf(fmt.Sprintf("prices[%d].series", i), "%v", err)
		}
		return xs, nil
	case pp.Random != nil:
		w := pp.Random
		rng := rand.New(rand.NewPCG(sc.Seed, uint64(i)+1))
		xs := make([]float64, w.Count)
		x := w.Start
		for k := range xs {
			xs[k] = math.Round(x*100) / 100
			x *= math.Exp(w.Drift - w.Sigma*w.Sigma/2 + w.Sigma*rng.NormFloat64())
		}
		return xs, nil
	}
	return pp.Points, nil
}

// next returns the next simulated time at which something happens, up to End.
func (p *play) next() (time.Time, bool) {
	best := p.nextAt
	consider := func(t time.Time) {
		if t.Before(best) {
			best = t
		}
	}
	for _, r := range p.runs {
		if !r.setUp {
			consider(r.start)
			continue
		}
		if r.nextStep < len(r.steps) {
			consider(r.start.Add(r.sc.Timeline[r.steps[r.nextStep]].At.Std()))
		}
		if r.nextPrice < len(r.prices) {
			consider(r.prices[r.nextPrice].at)
		}
		for _, d := range r.devices {
			consider(d.next)
		}
	}
	if best.After(p.o.End) {
		return best, false
	}
	return best, true
}

// advance does everything of run r due at now: its set-up, timeline steps, price ticks,
// then device reports in file order.
func (p *play) advance(ctx context.Context, r *scenarioRun, now time.Time) error {
	if !r.setUp {
		if now.Before(r.start) {
			return nil
		}
		if err := p.setUp(ctx, r); err != nil {
			return err
		}
	}
	for r.nextStep < len(r.steps) {
		i := r.steps[r.nextStep]
		if r.start.Add(r.sc.Timeline[i].At.Std()).After(now) {
			break
		}
		if err := p.step(ctx, r, i, now); err != nil {
			return err
		}
		r.nextStep++
	}
	if err := p.postPrices(ctx, r, now); err != nil {
		return err
	}
	for _, d := range r.devices {
		if d.next.After(now) {
			continue
		}
		out, err := d.report(ctx, now)
		if err != nil {
			return fmt.Errorf("%s: %w", r.sc.File, err)
		}
		r.count(out)
		d.next = d.next.Add(d.spec.Interval.Std())
	}
	return nil
}

func (r *scenarioRun) count(o outcome) {
	if o.sent {
		r.sent++
	}
	if o.refused != "" {
		r.refused[o.refused]++
	}
}

// postPrices records the price points due by now in each tenant of the run.
func (p *play) postPrices(ctx context.Context, r *scenarioRun, now time.Time) error {
	var ticks []gt.PriceTick
	for r.nextPrice < len(r.prices) && !r.prices[r.nextPrice].at.After(now) {
		pr := r.prices[r.nextPrice]
		src := pr.path.Source
		if src == "" {
			src = "scenario " + r.sc.Name
		}
		exp, _ := gt.CurrencyExponent(pr.path.Currency) // an unknown currency is refused by the server
		ticks = append(ticks, gt.PriceTick{Commodity: pr.path.Commodity, At: pr.at, Unit: pr.path.Unit, Source: src,
			Price: gt.Money{Amount: int64(math.Round(pr.v * math.Pow10(exp))), Currency: pr.path.Currency}})
		r.nextPrice++
	}
	if len(ticks) == 0 {
		return nil
	}
	for _, tn := range r.sc.Tenants {
		for chunk := range slices.Chunk(ticks, 1000) {
			if err := p.api.call(ctx, "POST", "/api/v1/prices", r.keys[tn.ID], map[string]any{"ticks": chunk}, nil); err != nil {
				return fmt.Errorf("%s: record prices in %s: %w", r.sc.File, tn.ID, err)
			}
		}
	}
	return nil
}

// setUp creates the run's tenants, records its price history, records, devices and
// their tokens, and connects the devices.
func (p *play) setUp(ctx context.Context, r *scenarioRun) error {
	sc := r.sc
	r.setUp = true
	for _, tn := range sc.Tenants {
		name := tn.Name
		if name == "" {
			name = tn.ID
		}
		key, err := p.t.CreateTenant(ctx, tn.ID, name)
		if err != nil {
			return fmt.Errorf("%s: create tenant %s: %w", sc.File, tn.ID, err)
		}
		r.keys[tn.ID] = key
	}
	if err := p.postPrices(ctx, r, r.start); err != nil {
		return err
	}
	for i := range sc.Tenants {
		tn := &sc.Tenants[i]
		r.bodies[tn.ID], r.sites[tn.ID], r.byID[tn.ID] = map[string]*body{}, map[string]*gt.Site{}, map[string]*device{}
		// The devices go in the same request as the collateral they watch: a lot is
		// never, even for one event, unmonitored.
		if err := p.postRecords(ctx, r, tn.ID, fmt.Sprintf("tenants[%d].records", i), tn.Physical, tn.Devices); err != nil {
			return err
		}
	}
	for _, d := range r.devices {
		var tok struct {
			Token string `json:"token"`
		}
		if err := p.api.call(ctx, "POST", "/api/v1/devices/"+d.spec.ID+"/token", r.keys[d.tenant], nil, &tok); err != nil {
			return fmt.Errorf("%s: token for device %s: %w", sc.File, d.spec.ID, err)
		}
		d.token = tok.Token
		if err := d.connect(ctx, p.t.MQTT()); err != nil {
			return fmt.Errorf("%s: %w", sc.File, err)
		}
	}
	return nil
}

// postRecords sends the records at path to the tenant, with the devices, and builds
// the truth of the collateral they create.
func (p *play) postRecords(ctx context.Context, r *scenarioRun, tenant, path string, phys []Physical, devs []Device) error {
	body, err := r.sc.Records(path, r.start)
	if err != nil {
		return err
	}
	if body == nil {
		body = json.RawMessage("{}")
	}
	var recs gt.Records
	if err := json.Unmarshal(body, &recs); err != nil {
		return r.sc.errorf(path, "%v", err)
	}
	for i := range recs.Sites {
		r.sites[tenant][recs.Sites[i].ID] = &recs.Sites[i]
	}
	for i := range recs.Collateral {
		c := &recs.Collateral[i]
		var ph *Physical
		for j := range phys {
			if phys[j].Collateral == c.ID {
				ph = &phys[j]
			}
		}
		r.bodies[tenant][c.ID] = newBody(c, r.sites[tenant], ph)
	}
	var regs []map[string]any
	for _, spec := range devs {
		b := r.bodies[tenant][spec.Collateral]
		if b == nil {
			return fmt.Errorf("%s: device %s watches collateral %s, which the tenant's records do not create", r.sc.File, spec.ID, spec.Collateral)
		}
		d := newDevice(r.sc, tenant, spec, b, r.start)
		r.devices = append(r.devices, d)
		r.byID[tenant][spec.ID] = d
		regs = append(regs, d.registration())
	}
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		return r.sc.errorf(path, "%v", err)
	}
	if len(regs) > 0 {
		req["devices"] = regs
	}
	if len(req) == 0 {
		return nil
	}
	if err := p.api.call(ctx, "POST", "/api/v1/records", r.keys[tenant], req, nil); err != nil {
		return r.sc.At(path, err)
	}
	return nil
}

// step applies timeline step i at now.
func (p *play) step(ctx context.Context, r *scenarioRun, i int, now time.Time) error {
	sc := r.sc
	st := &sc.Timeline[i]
	path := fmt.Sprintf("timeline[%d]", i)
	key := r.keys[st.Tenant]
	if st.Incident != "" || len(st.Expect) > 0 || len(st.Allow) > 0 {
		r.incidents = append(r.incidents, incident{step: i, at: now, name: st.Incident, x: st.Expect, ok: st.Allow})
	}
	flowOf := func(m *Move, sign float64) error {
		b := r.bodies[st.Tenant][m.Collateral]
		if b == nil || b.coll.Inventory == nil {
			return sc.errorf(path, "collateral %s is not an inventory lot of tenant %s", m.Collateral, st.Tenant)
		}
		lot := b.coll.Inventory
		unit := m.Unit
		if unit == "" {
			unit = lot.Unit
		}
		q, err := risk.Convert(m.Quantity, unit, lot.Unit, lot.UnitWeightKg, lot.BulkDensity)
		if err != nil {
			return sc.errorf(path, "%v", err)
		}
		b.flows = append(b.flows, flow{at: now, over: m.Over.Std(), total: sign * q})
		return nil
	}
	release := func(m *Move, dir string) error {
		unit := m.Unit
		if unit == "" {
			if b := r.bodies[st.Tenant][m.Collateral]; b != nil && b.coll.Inventory != nil {
				unit = b.coll.Inventory.Unit
			}
		}
		rel := map[string]any{"id": m.ID, "collateral_id": m.Collateral, "direction": dir, "quantity": m.Quantity,
			"unit": unit, "at": now.Format(time.RFC3339Nano), "reference": m.Reference}
		if err := p.api.call(ctx, "POST", "/api/v1/releases", key, rel, nil); err != nil {
			return sc.At(path, err)
		}
		return nil
	}
	switch {
	case st.Release != nil:
		if err := release(st.Release, "out"); err != nil {
			return err
		}
		return flowOf(st.Release, -1)
	case st.TopUp != nil:
		if err := release(st.TopUp, "in"); err != nil {
			return err
		}
		return flowOf(st.TopUp, 1)
	case st.Remove != nil:
		return flowOf(st.Remove, -1)
	case st.Add != nil:
		return flowOf(st.Add, 1)
	case st.Records.Kind != 0:
		return p.postRecords(ctx, r, st.Tenant, path+".records", nil, nil)
	case st.Move != nil:
		to := [2]float64{st.Move.To[0], st.Move.To[1]}
		if st.Move.Device != "" {
			d := r.byID[st.Tenant][st.Move.Device]
			moved := *d.body
			moved.pos = to
			d.body = &moved // the device alone is somewhere else
			return nil
		}
		r.bodies[st.Tenant][st.Move.Collateral].pos = to
	case st.Device != nil:
		d := r.byID[st.Tenant][st.Device.ID]
		d.change(st.Device)
		if st.Device.Do == "status" {
			out, err := d.status(ctx, st.Device.State)
			if err != nil {
				return fmt.Errorf("%s: %w", sc.File, err)
			}
			r.count(out)
		}
	}
	return nil
}
