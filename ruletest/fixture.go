package ruletest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	gt "groundtruth"
)

const timeLayout = time.RFC3339

// maxEvents bounds the events of one test, ticks included, so that a tick_every far too
// small for its until is refused instead of running for hours.
const maxEvents = 1_000_000

// plan is one test ready to run: its events numbered from 1, ticks included, and what it
// expects.
type plan struct {
	name    string
	events  []planned
	tenants []string // created by the events, in order
	expect  []Expected
	forbid  map[string]bool
}

// planned is one event of a plan and where it comes from, for messages.
type planned struct {
	ev    gt.Event
	where string // "tests[0].events[2]", "setup[1]" or "tick"
	line  int
}

// fixture is one event as written in a test file: the gt.Event JSON shape (type, tenant,
// time, actor, id, data) or, with type ingest, one device pack in short.
type fixture struct {
	Type   string    `yaml:"type"`
	Tenant string    `yaml:"tenant"`
	Time   string    `yaml:"time"`
	Actor  string    `yaml:"actor"`
	ID     string    `yaml:"id"`
	Data   yaml.Node `yaml:"data"`
	// The ingest shorthand.
	Device   string    `yaml:"device"`
	Readings yaml.Node `yaml:"readings"`
	Status   string    `yaml:"status"`
}

var fixtureKeys = []string{"type", "tenant", "time", "actor", "id", "data", "device", "readings", "status"}

// ingestShorthand is the type of the short form of an ingest.batch event.
const ingestShorthand = "ingest"

// units are the SenML units of SPEC §5.2 that the ingest shorthand gives its readings.
var units = map[string]string{"mass": "kg", "volume": "m3", "count": "count", "alt": "m", "speed": "m/s",
	"temp": "Cel", "rh": "%RH", "battery": "%EL"}

// newPlan turns test i of f into a plan: the file's setup events then the test's own,
// with ticks, each checked for form (the engine judges their content when it runs).
func newPlan(f *testFile, i int) (plan, error) {
	tc := &f.Tests[i]
	path := fmt.Sprintf("tests[%d]", i)
	p := plan{name: tc.Name, forbid: map[string]bool{}}
	if strings.TrimSpace(tc.Name) == "" {
		return p, fmt.Errorf("%s: name is required", path)
	}
	for j := range i {
		if f.Tests[j].Name == tc.Name {
			return p, fmt.Errorf("%s: name %q is also the name of tests[%d]", path, tc.Name, j)
		}
	}
	nodes := make([]*yaml.Node, 0, len(f.Setup)+len(tc.Events))
	wheres := make([]string, 0, cap(nodes))
	for j := range f.Setup {
		nodes, wheres = append(nodes, &f.Setup[j]), append(wheres, fmt.Sprintf("setup[%d]", j))
	}
	for j := range tc.Events {
		nodes, wheres = append(nodes, &tc.Events[j]), append(wheres, fmt.Sprintf("%s.events[%d]", path, j))
	}
	if len(nodes) == 0 {
		return p, fmt.Errorf("%s (%s): events: at least one event is required", path, tc.Name)
	}
	var fixtures []planned
	var prev time.Time
	for j, n := range nodes {
		ev, err := decodeFixture(n, f.Tenant, prev)
		if err != nil {
			return p, fmt.Errorf("%s (line %d): %w", wheres[j], n.Line, err)
		}
		prev = ev.Time
		fixtures = append(fixtures, planned{ev: ev, where: wheres[j], line: n.Line})
		if ev.Type == gt.EventTenantCreate && !slices.Contains(p.tenants, ev.Tenant) {
			p.tenants = append(p.tenants, ev.Tenant)
		}
	}
	events, err := withTicks(fixtures, tc.TickEvery, tc.Until)
	if err != nil {
		return p, fmt.Errorf("%s (%s): %w", path, tc.Name, err)
	}
	for j := range events {
		ev := &events[j].ev
		ev.Seq = uint64(j + 1)
		if ev.ID == "" {
			ev.ID = "ev-" + strconv.Itoa(j+1)
		}
	}
	p.events = events
	for j, x := range tc.ExpectAlerts {
		if x.State == "" {
			x.State = gt.AlertFiring
		}
		if err := checkExpected(x); err != nil {
			return p, fmt.Errorf("%s (%s): expect_alerts[%d]: %w", path, tc.Name, j, err)
		}
		p.expect = append(p.expect, x)
	}
	for _, r := range tc.ExpectNoAlerts {
		if slices.ContainsFunc(p.expect, func(x Expected) bool { return x.Rule == r }) {
			return p, fmt.Errorf("%s (%s): expect_no_alerts: rule %s is also in expect_alerts", path, tc.Name, r)
		}
		p.forbid[r] = true
	}
	return p, nil
}

func checkExpected(x Expected) error {
	switch {
	case x.Rule == "":
		return fmt.Errorf("rule is required")
	case x.Subject == "":
		return fmt.Errorf("subject is required (kind:id, e.g. collateral:lot-1)")
	}
	switch x.State {
	case gt.AlertPending, gt.AlertFiring, gt.AlertResolved:
	default:
		return fmt.Errorf("state must be pending, firing or resolved; got %q", x.State)
	}
	switch x.Severity {
	case "", gt.SeverityInfo, gt.SeverityWarning, gt.SeverityCritical:
	default:
		return fmt.Errorf("severity must be info, warning or critical; got %q", x.Severity)
	}
	return nil
}

// decodeFixture reads one fixture event. tenant is the file's default tenant and prev
// the time of the previous event, which a relative time ("+5m") counts from.
func decodeFixture(n *yaml.Node, tenant string, prev time.Time) (gt.Event, error) {
	var ev gt.Event
	if n.Kind != yaml.MappingNode {
		return ev, fmt.Errorf("an event must be a mapping of type, tenant, time, actor and data")
	}
	for k := 0; k+1 < len(n.Content); k += 2 {
		if key := n.Content[k].Value; !slices.Contains(fixtureKeys, key) {
			return ev, fmt.Errorf("line %d: unknown key %q; an event has %s (seq is assigned in order)", n.Content[k].Line, key, strings.Join(fixtureKeys, ", "))
		}
	}
	var fx fixture
	if err := n.Decode(&fx); err != nil {
		return ev, fmt.Errorf("%s", cleanYAML(err))
	}
	if fx.Tenant == "" {
		fx.Tenant = tenant
	}
	at, err := parseTime(fx.Time, prev)
	if err != nil {
		return ev, fmt.Errorf("time: %w", err)
	}
	if at.Before(prev) {
		return ev, fmt.Errorf("time %s is before the previous event's %s: events must be in time order", at.Format(timeLayout), prev.Format(timeLayout))
	}
	ev = gt.Event{ID: fx.ID, Type: gt.EventType(fx.Type), Tenant: fx.Tenant, Time: at, Actor: fx.Actor}
	if ev.Actor == "" {
		ev.Actor = "ruletest"
	}
	short := fx.Device != "" || fx.Readings.Kind != 0 || fx.Status != ""
	switch {
	case fx.Type == "":
		return ev, fmt.Errorf("type is required")
	case fx.Type != string(gt.EventTick) && fx.Tenant == "":
		return ev, fmt.Errorf("tenant is required (or set tenant at the top of the file)")
	case fx.Type == ingestShorthand:
		if fx.Data.Kind != 0 {
			return ev, fmt.Errorf("an ingest event takes device and readings or status, not data (or use type %s with data)", gt.EventIngest)
		}
		ev.Type = gt.EventIngest
		pack, err := shortPack(&fx, at)
		if err != nil {
			return ev, err
		}
		ev.Data, err = json.Marshal(gt.IngestBatch{Items: []gt.DevicePack{pack}})
		return ev, err
	case short:
		return ev, fmt.Errorf("device, readings and status are for type ingest only")
	case fx.Data.Kind != 0:
		var v any
		if err := fx.Data.Decode(&v); err != nil {
			return ev, fmt.Errorf("data: %s", cleanYAML(err))
		}
		ev.Data, err = json.Marshal(v)
		if err != nil {
			return ev, fmt.Errorf("data (line %d): not expressible as JSON: %v", fx.Data.Line, err)
		}
	case ev.Type == gt.EventTenantCreate:
		// A tenant with a first admin key, whose hash only has to be unique.
		ev.Data, err = json.Marshal(gt.TenantCreate{Tenant: gt.Tenant{ID: fx.Tenant, Name: fx.Tenant},
			Key: gt.APIKeyCreate{Key: gt.APIKey{ID: "admin", Name: "admin", Role: gt.RoleAdmin}, Hash: gt.HashSecret("ruletest-" + fx.Tenant)}})
	}
	return ev, err
}

// shortPack builds the device pack of the ingest shorthand: readings (a mapping of name
// to a number, a boolean or a text) or a status, all at the event's time.
func shortPack(fx *fixture, at time.Time) (gt.DevicePack, error) {
	p := gt.DevicePack{Device: fx.Device, Via: gt.ViaHTTP, Received: at}
	switch {
	case fx.Device == "":
		return p, fmt.Errorf("device is required for type ingest")
	case (fx.Readings.Kind != 0) == (fx.Status != ""):
		return p, fmt.Errorf("type ingest takes either readings or status")
	case fx.Status != "":
		p.Status = &gt.StatusReport{State: fx.Status}
		return p, nil
	case fx.Readings.Kind != yaml.MappingNode:
		return p, fmt.Errorf("readings must be a mapping of name to value, e.g. {mass: 1200000}")
	}
	c := fx.Readings.Content
	for k := 0; k+1 < len(c); k += 2 {
		name, v := c[k].Value, c[k+1]
		r := gt.Reading{Name: name, Unit: units[name], T: at.UnixMicro()}
		if v.Kind != yaml.ScalarNode {
			return p, fmt.Errorf("readings.%s: must be a number, true/false or a text", name)
		}
		switch v.Tag {
		case "!!int", "!!float":
			f, err := strconv.ParseFloat(strings.ReplaceAll(v.Value, "_", ""), 64)
			if err != nil {
				return p, fmt.Errorf("readings.%s: %q is not a number", name, v.Value)
			}
			r.V = &f
		case "!!bool":
			b := v.Value == "true" || v.Value == "True" || v.Value == "TRUE"
			r.B = &b
		default:
			s := v.Value
			r.S = &s
		}
		p.Readings = append(p.Readings, r)
	}
	if len(p.Readings) == 0 {
		return p, fmt.Errorf("readings: at least one reading is required")
	}
	return p, nil
}

// parseTime reads an event time: RFC 3339 ("2026-03-01T10:00:00Z") or, after an earlier
// event, "+" and a duration from it ("+5m", "+1d2h").
func parseTime(s string, prev time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return time.Time{}, fmt.Errorf("is required")
	case strings.HasPrefix(s, "+"):
		if prev.IsZero() {
			return time.Time{}, fmt.Errorf("%q is relative but there is no earlier event", s)
		}
		d, err := parseDuration(s[1:])
		if err != nil {
			return time.Time{}, err
		}
		return prev.Add(d), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time (2026-03-01T10:00:00Z) or +duration (+5m)", s)
	}
	return t.UTC(), nil
}

// parseDuration reads a non-negative Go duration optionally preceded by days ("2d",
// "1d12h").
func parseDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("duration %q: use a number and unit such as 30s, 5m, 2h or 1d", s)
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseUint(s[:i], 10, 16)
		if err != nil {
			return 0, bad
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, bad
	}
	return days + d, nil
}

// withTicks inserts tick events every `every` (counted from the first event) between
// the fixtures and after the last one up to until, and a last tick at until. Without
// every, only the tick at until is added. until may be relative to the last fixture.
func withTicks(fixtures []planned, every, until string) ([]planned, error) {
	first, last := fixtures[0].ev.Time, fixtures[len(fixtures)-1].ev.Time
	var step time.Duration
	if every != "" {
		d, err := parseDuration(every)
		if err != nil {
			return nil, fmt.Errorf("tick_every: %w", err)
		}
		if d <= 0 {
			return nil, fmt.Errorf("tick_every: must be positive")
		}
		step = d
	}
	var end time.Time
	if until != "" {
		t, err := parseTime(until, last)
		if err != nil {
			return nil, fmt.Errorf("until: %w", err)
		}
		if t.Before(last) {
			return nil, fmt.Errorf("until %s is before the last event at %s", t.Format(timeLayout), last.Format(timeLayout))
		}
		end = t
	}
	if step > 0 {
		n := int64(end.Sub(first) / step)
		if end.IsZero() {
			n = int64(last.Sub(first) / step)
		}
		if n+int64(len(fixtures)) > maxEvents {
			return nil, fmt.Errorf("tick_every %s makes %d ticks, more than %d: use a longer interval", every, n, maxEvents)
		}
	}
	out := make([]planned, 0, len(fixtures))
	tick := func(at time.Time) {
		out = append(out, planned{ev: gt.Event{Type: gt.EventTick, Time: at, Actor: "ruletest"}, where: "tick"})
	}
	next := first.Add(step) // the next tick of the grid
	for _, f := range fixtures {
		for step > 0 && next.Before(f.ev.Time) {
			tick(next)
			next = next.Add(step)
		}
		out = append(out, f)
	}
	if end.IsZero() {
		return out, nil
	}
	for step > 0 && !next.After(end) {
		if next.After(last) {
			tick(next)
		}
		next = next.Add(step)
	}
	if lastAt := out[len(out)-1].ev.Time; end.After(lastAt) {
		tick(end)
	}
	return out, nil
}
