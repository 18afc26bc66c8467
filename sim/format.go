// Package sim plays scenarios (SPEC §10): a portfolio, the physical world under it, its
// devices with their behaviour, price paths and a timeline of legitimate events and
// frauds, each fraud with the alert it must produce and the time allowed. A Player feeds
// them through a server's real ingest path on a simulated clock and reports what was
// detected, how fast, and every alert no incident explains. The file format is in
// docs/scenarios.md.
package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	gt "groundtruth"

	"gopkg.in/yaml.v3"
)

// MaxDuration bounds a scenario's simulated time.
const MaxDuration = 60 * 24 * time.Hour

// Scenario is one scenario file.
type Scenario struct {
	Name     string      `yaml:"name"`     // identifier, unique in a run
	Title    string      `yaml:"title"`    // one line for the report
	Case     string      `yaml:"case"`     // the real case it is modelled on
	Story    string      `yaml:"story"`    // how the real case maps to this one, with its numbers scaled
	Control  bool        `yaml:"control"`  // a clean control: must raise no alert and has no incident
	Seed     uint64      `yaml:"seed"`     // the noise and dropout of its devices
	Duration Span        `yaml:"duration"` // simulated time played
	Tenants  []Tenant    `yaml:"tenants"`
	Prices   []PricePath `yaml:"prices"`
	Timeline []Step      `yaml:"timeline"`

	File  string `yaml:"-"` // the file name errors name
	lines lines
	// records of each tenant and of each timeline step, as JSON request bodies with
	// offsets resolved against a start time by Records.
	nodes map[string]*yaml.Node
}

// Tenant is a lender of the scenario, its records and its devices.
type Tenant struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Records is a body of POST /api/v1/records: parties, sites, loans, collateral (and
	// releases, prices). Time fields may be offsets from the start ("-30d").
	Records  yaml.Node  `yaml:"records"`
	Devices  []Device   `yaml:"devices"`
	Physical []Physical `yaml:"physical"`
}

// Device is a simulated device and its behaviour model.
type Device struct {
	ID         string  `yaml:"id"`
	Kind       string  `yaml:"kind"` // load_cell, volume_scanner, camera_counter, rfid_reader, gps_tracker, tag
	Collateral string  `yaml:"collateral_id"`
	Site       string  `yaml:"site_id"`
	Interval   Span    `yaml:"interval"`
	Offset     Span    `yaml:"offset"`  // first report this long after the start (default one interval)
	Noise      float64 `yaml:"noise"`   // standard deviation of a reading in its unit (kg, m3, count, m)
	Share      float64 `yaml:"share"`   // load cells: the fraction of the collateral's weight on this cell (default 1)
	Drift      float64 `yaml:"drift"`   // a slow error added per day, in the reading's unit
	Dropout    float64 `yaml:"dropout"` // probability that a report is lost
	Sees       float64 `yaml:"sees"`    // tag readers: probability that a present tag is read (default 1)
	Unsigned   bool    `yaml:"unsigned"`
}

// Physical is the truth about a collateral where it differs from the paper at the start.
type Physical struct {
	Collateral string    `yaml:"collateral_id"`
	Quantity   *float64  `yaml:"quantity"` // in the lot's unit; default the pledged quantity
	Density    float64   `yaml:"density"`  // true bulk density in kg/m3 (default the lot's)
	Position   []float64 `yaml:"position"` // [lon, lat]; default the centre of its site or geofence
	Present    *int      `yaml:"present"`  // herds: head present (the first N pledged tags)
	Tags       []string  `yaml:"tags"`     // herds: tags present instead of the first N
}

// PricePath is the price of a commodity over the scenario: points every Every from From
// (an offset, negative for history before the start), taken inline, from a CSV series,
// or from a seeded random walk; each point x becomes x*Scale + Shift.
type PricePath struct {
	Commodity string      `yaml:"commodity"`
	Unit      string      `yaml:"unit"`
	Currency  string      `yaml:"currency"`
	Source    string      `yaml:"source"`
	Every     Span        `yaml:"every"`
	From      Span        `yaml:"from"`
	Points    []float64   `yaml:"points"`
	Series    *SeriesRef  `yaml:"series"`
	Random    *RandomWalk `yaml:"random"`
	Scale     float64     `yaml:"scale"`
	Shift     float64     `yaml:"shift"`
}

// SeriesRef names a column of a CSV file of dated prices (the World Bank Pink Sheet's
// "month" column, or FRED and EIA "Date"), rows from..to inclusive as written in it.
type SeriesRef struct {
	File   string `yaml:"file"` // relative to the scenario file
	Column string `yaml:"column"`
	From   string `yaml:"from"`
	To     string `yaml:"to"`
}

// RandomWalk is a geometric Brownian motion with daily volatility Sigma and daily drift
// Drift, of Count points starting at Start, seeded by the scenario's seed.
type RandomWalk struct {
	Start float64 `yaml:"start"`
	Sigma float64 `yaml:"sigma"`
	Drift float64 `yaml:"drift"`
	Count int     `yaml:"count"`
}

// Step is one thing that happens at an offset from the start: exactly one action, and
// for an incident, the alerts it must produce (Expect) and those it may (Allow).
type Step struct {
	At       Span   `yaml:"at"`
	Tenant   string `yaml:"tenant"` // default the first tenant
	Incident string `yaml:"incident"`

	Release *Move         `yaml:"release"` // an authorised release: the paper, then the goods leave
	TopUp   *Move         `yaml:"top_up"`  // an authorised top-up: the paper, then the goods arrive
	Remove  *Move         `yaml:"remove"`  // goods leave without paper
	Add     *Move         `yaml:"add"`     // goods arrive without paper
	Records yaml.Node     `yaml:"records"` // more records (a second pledge)
	Move    *Relocation   `yaml:"move"`    // a vehicle, herd or device goes somewhere
	Device  *DeviceChange `yaml:"device"`  // a device changes behaviour

	Expect []Expectation `yaml:"expect"`
	Allow  []Expectation `yaml:"allow"`
}

// Move is a quantity of a collateral moving over a time.
type Move struct {
	ID         string  `yaml:"id"` // the release's id (releases and top-ups)
	Collateral string  `yaml:"collateral_id"`
	Quantity   float64 `yaml:"quantity"`
	Unit       string  `yaml:"unit"` // default the lot's
	Over       Span    `yaml:"over"` // the goods move evenly over this time (default at once)
	Reference  string  `yaml:"reference"`
}

// Relocation moves a collateral (all its trackers) or one device to a position.
type Relocation struct {
	Collateral string    `yaml:"collateral_id"`
	Device     string    `yaml:"device"`
	To         []float64 `yaml:"to"` // [lon, lat]
}

// DeviceChange changes a device's behaviour from the step on.
type DeviceChange struct {
	ID string `yaml:"id"`
	// Do is one of: stuck (repeats its last value), silent (stops reporting), resume
	// (back to normal), replay (its real reports stop; the signed packs it sent are
	// played back from the first, one each interval), forge (reports signed with a key that is not its own), skew
	// (timestamps Skew behind), status (publishes State).
	Do    string `yaml:"do"`
	State string `yaml:"state"` // for status: online, offline, power_cut, tamper
	Skew  Span   `yaml:"skew"`
}

// Expectation is an alert an incident must (or may) produce: its rule, its subject
// ("collateral:lot-1"; empty in Allow for any), its tenant (default the step's) and,
// for Expect, the time allowed from the step to the alert's firing.
type Expectation struct {
	Rule    string `yaml:"rule"`
	Subject string `yaml:"subject"`
	Tenant  string `yaml:"tenant"`
	Within  Span   `yaml:"within"`
}

// Parse reads and checks a scenario file. file names it in errors, which give the line
// and the field.
func Parse(data []byte, file string) (*Scenario, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		fe := yamlError(err)
		fe.File = file
		return nil, fe
	}
	if len(doc.Content) == 0 {
		return nil, &FileError{File: file, Msg: "empty file"}
	}
	root := doc.Content[0]
	ls := lines{}
	if fe := strict(root, reflect.TypeOf(Scenario{}), "", ls); fe != nil {
		fe.File = file
		return nil, fe
	}
	s := &Scenario{File: file, lines: ls, nodes: map[string]*yaml.Node{}}
	if err := root.Decode(s); err != nil {
		fe := yamlError(err)
		fe.File = file
		return nil, fe
	}
	s.File, s.lines = file, ls
	if err := s.check(); err != nil {
		return nil, err
	}
	return s, nil
}

// errorf returns a FileError at the line of path.
func (s *Scenario) errorf(path, format string, args ...any) *FileError {
	return &FileError{File: s.File, Line: s.lines.at(path), Field: path, Msg: fmt.Sprintf(format, args...)}
}

// At returns the error of a server's refusal of the records at path, at their line: the
// refusal's field (body.loans[0].borrower_id) is looked up under path.
func (s *Scenario) At(path string, err error) error {
	f := strings.TrimPrefix(gt.ErrorField(err), "body.")
	msg := err.Error()
	var ge *gt.Error
	if f != "" && errors.As(err, &ge) {
		msg = ge.Message
	}
	if f != "" {
		path = join(path, f)
	}
	return s.errorf(path, "%s", msg)
}

// Records returns the records of a tenant (path "tenants[i].records") or of a step
// ("timeline[i].records") as a JSON body, time offsets resolved against start.
func (s *Scenario) Records(path string, start time.Time) (json.RawMessage, error) {
	n := s.nodes[path]
	if n == nil {
		return nil, nil
	}
	v, err := toJSONValue(n, path, start)
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			fe.File = s.File
			return nil, fe
		}
		return nil, s.errorf(path, "%v", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, s.errorf(path, "%v", err)
	}
	return b, nil
}

var deviceKinds = []string{string(gt.DeviceLoadCell), string(gt.DeviceVolumeScanner), string(gt.DeviceCameraCounter),
	string(gt.DeviceRFIDReader), string(gt.DeviceGPSTracker), string(gt.DeviceTag)}

// check validates the scenario beyond its shape.
func (s *Scenario) check() error {
	switch {
	case gt.ValidateID("name", s.Name) != nil:
		return s.errorf("name", "must be an identifier of letters, digits, '-', '_' or '.'")
	case s.Duration.Std() <= 0 || s.Duration.Std() > MaxDuration:
		return s.errorf("duration", "must be positive and at most %s", Span(MaxDuration))
	case len(s.Tenants) == 0:
		return s.errorf("tenants", "at least one tenant is required")
	}
	colls := map[string]map[string]*collInfo{} // tenant -> collateral id -> info
	devices := map[string]map[string]bool{}
	for i := range s.Tenants {
		t := &s.Tenants[i]
		p := fmt.Sprintf("tenants[%d]", i)
		if err := gt.ValidateID("id", t.ID); err != nil {
			return s.errorf(p+".id", "must be an identifier")
		}
		if colls[t.ID] != nil {
			return s.errorf(p+".id", "tenant %q is declared twice", t.ID)
		}
		colls[t.ID], devices[t.ID] = map[string]*collInfo{}, map[string]bool{}
		if err := s.checkRecords(p+".records", &t.Records, colls[t.ID]); err != nil {
			return err
		}
	}
	for i := range s.Timeline {
		st := &s.Timeline[i]
		if st.Records.Kind != 0 {
			tenant := st.Tenant
			if tenant == "" {
				tenant = s.Tenants[0].ID
			}
			if colls[tenant] == nil {
				return s.errorf(fmt.Sprintf("timeline[%d].tenant", i), "no tenant %q in this scenario", tenant)
			}
			if err := s.checkRecords(fmt.Sprintf("timeline[%d].records", i), &st.Records, colls[tenant]); err != nil {
				return err
			}
		}
	}
	for i := range s.Tenants {
		t := &s.Tenants[i]
		for j := range t.Devices {
			if err := s.checkDevice(fmt.Sprintf("tenants[%d].devices[%d]", i, j), &t.Devices[j], colls[t.ID], devices[t.ID]); err != nil {
				return err
			}
		}
		for j, ph := range t.Physical {
			p := fmt.Sprintf("tenants[%d].physical[%d]", i, j)
			c := colls[t.ID][ph.Collateral]
			switch {
			case c == nil:
				return s.errorf(p+".collateral_id", "no collateral %q in the tenant's records", ph.Collateral)
			case ph.Quantity != nil && !(*ph.Quantity >= 0 && finite(*ph.Quantity)):
				return s.errorf(p+".quantity", "must be a finite number, not negative")
			case !(ph.Density >= 0 && finite(ph.Density)):
				return s.errorf(p+".density", "must be a finite number, not negative")
			case ph.Position != nil && !lonLat(ph.Position):
				return s.errorf(p+".position", "must be [lon, lat] in degrees")
			case ph.Present != nil && (*ph.Present < 0 || *ph.Present > c.head):
				return s.errorf(p+".present", "must be from 0 to the %d head pledged", c.head)
			}
		}
	}
	for i := range s.Prices {
		if err := s.checkPrice(fmt.Sprintf("prices[%d]", i), &s.Prices[i]); err != nil {
			return err
		}
	}
	for i := range s.Timeline {
		if err := s.checkStep(i, colls, devices); err != nil {
			return err
		}
	}
	return nil
}

// collInfo is what the checks need of a collateral record.
type collInfo struct {
	kind string
	head int
}

// checkRecords validates a records body locally (each record's own rules) and notes its
// collateral. References between records are the server's to check.
func (s *Scenario) checkRecords(path string, n *yaml.Node, colls map[string]*collInfo) error {
	if n.Kind == 0 {
		return nil
	}
	s.nodes[path] = n
	body, err := s.Records(path, time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var r gt.Records
	if err := dec.Decode(&r); err != nil {
		return s.errorf(path, "%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	type validator interface{ Validate() error }
	check := func(kind string, i int, v validator) error {
		if nv, ok := v.(interface{ Normalize() }); ok {
			nv.Normalize()
		}
		if err := v.Validate(); err != nil {
			return s.At(fmt.Sprintf("%s.%s[%d]", path, kind, i), err)
		}
		return nil
	}
	for i := range r.Parties {
		if err := check("parties", i, &r.Parties[i]); err != nil {
			return err
		}
	}
	for i := range r.Sites {
		if err := check("sites", i, &r.Sites[i]); err != nil {
			return err
		}
	}
	for i := range r.Loans {
		if err := check("loans", i, &r.Loans[i]); err != nil {
			return err
		}
	}
	for i := range r.Collateral {
		c := &r.Collateral[i]
		if err := check("collateral", i, c); err != nil {
			return err
		}
		info := &collInfo{kind: string(c.Kind)}
		if c.Livestock != nil {
			info.head = c.Livestock.HeadCount
		}
		colls[c.ID] = info
	}
	if len(r.Devices) > 0 {
		return s.errorf(path+".devices", "declare devices under the tenant's devices, with their behaviour")
	}
	for i := range r.Releases {
		if err := check("releases", i, &r.Releases[i]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Scenario) checkDevice(p string, d *Device, colls map[string]*collInfo, seen map[string]bool) error {
	switch {
	case gt.ValidateID("id", d.ID) != nil:
		return s.errorf(p+".id", "must be an identifier")
	case seen[d.ID]:
		return s.errorf(p+".id", "device %q is declared twice", d.ID)
	case !slices.Contains(deviceKinds, d.Kind):
		return s.errorf(p+".kind", "must be one of %s", strings.Join(deviceKinds, ", "))
	case d.Collateral == "":
		return s.errorf(p+".collateral_id", "is required: a simulated device watches a collateral")
	case colls[d.Collateral] == nil:
		return s.errorf(p+".collateral_id", "no collateral %q in the tenant's records", d.Collateral)
	case d.Interval.Std() < time.Second:
		return s.errorf(p+".interval", "must be at least 1s")
	case d.Offset < 0:
		return s.errorf(p+".offset", "must not be negative")
	case !(d.Noise >= 0) || math.IsInf(d.Noise, 0):
		return s.errorf(p+".noise", "must be a finite number, not negative")
	case !(d.Share >= 0 && d.Share <= 1):
		return s.errorf(p+".share", "must be from 0 to 1")
	case !(d.Dropout >= 0 && d.Dropout < 1):
		return s.errorf(p+".dropout", "must be from 0 to below 1")
	case !(d.Sees >= 0 && d.Sees <= 1):
		return s.errorf(p+".sees", "must be from 0 to 1")
	case !finite(d.Drift):
		return s.errorf(p+".drift", "must be a finite number")
	}
	seen[d.ID] = true
	return nil
}

func (s *Scenario) checkPrice(p string, pp *PricePath) error {
	sources := 0
	for _, has := range []bool{len(pp.Points) > 0, pp.Series != nil, pp.Random != nil} {
		if has {
			sources++
		}
	}
	switch {
	case pp.Commodity == "":
		return s.errorf(p+".commodity", "is required")
	case pp.Unit == "":
		return s.errorf(p+".unit", "is required (the unit a price is per, such as t or bbl)")
	case len(pp.Currency) != 3:
		return s.errorf(p+".currency", "must be an ISO 4217 code such as USD")
	case pp.Every.Std() <= 0:
		return s.errorf(p+".every", "must be positive")
	case sources != 1:
		return s.errorf(p, "give exactly one of points, series and random")
	case pp.Series != nil && (pp.Series.File == "" || pp.Series.Column == ""):
		return s.errorf(p+".series", "needs file and column")
	case pp.Random != nil && !(pp.Random.Start > 0 && finite(pp.Random.Start) && pp.Random.Sigma >= 0 && pp.Random.Sigma < 1 &&
		math.Abs(pp.Random.Drift) < 1 && pp.Random.Count >= 1 && pp.Random.Count <= 10000):
		return s.errorf(p+".random", "needs a finite start > 0, sigma from 0 to below 1, |drift| below 1 and count from 1 to 10000")
	case !(pp.Scale >= 0 && finite(pp.Scale)):
		return s.errorf(p+".scale", "must be a finite number, not negative")
	case !finite(pp.Shift):
		return s.errorf(p+".shift", "must be a finite number")
	}
	for i, x := range pp.Points {
		if !(x > 0 && finite(x)) {
			return s.errorf(fmt.Sprintf("%s.points[%d]", p, i), "must be a positive price")
		}
	}
	return nil
}

func (s *Scenario) checkStep(i int, colls map[string]map[string]*collInfo, devices map[string]map[string]bool) error {
	st := &s.Timeline[i]
	p := fmt.Sprintf("timeline[%d]", i)
	if st.Tenant == "" {
		st.Tenant = s.Tenants[0].ID
	}
	cs := colls[st.Tenant]
	if cs == nil {
		return s.errorf(p+".tenant", "no tenant %q in this scenario", st.Tenant)
	}
	if st.At < 0 || st.At > s.Duration {
		return s.errorf(p+".at", "must be within the scenario's duration %s", s.Duration)
	}
	actions := 0
	moves := map[string]*Move{"release": st.Release, "top_up": st.TopUp, "remove": st.Remove, "add": st.Add}
	for _, name := range []string{"release", "top_up", "remove", "add"} {
		m := moves[name]
		if m == nil {
			continue
		}
		actions++
		q := p + "." + name
		switch c := cs[m.Collateral]; {
		case c == nil:
			return s.errorf(q+".collateral_id", "no collateral %q in tenant %s", m.Collateral, st.Tenant)
		case c.kind != string(gt.KindInventoryLot):
			return s.errorf(q+".collateral_id", "%s is a %s; goods move in and out of inventory lots", m.Collateral, c.kind)
		case !(m.Quantity > 0 && finite(m.Quantity)):
			return s.errorf(q+".quantity", "must be positive (and finite)")
		case m.Over < 0:
			return s.errorf(q+".over", "must not be negative")
		case (name == "release" || name == "top_up") && gt.ValidateID("id", m.ID) != nil:
			return s.errorf(q+".id", "a release needs an id")
		}
	}
	if st.Records.Kind != 0 {
		actions++
	}
	if m := st.Move; m != nil {
		actions++
		switch {
		case (m.Collateral == "") == (m.Device == ""):
			return s.errorf(p+".move", "give collateral_id or device")
		case m.Collateral != "" && cs[m.Collateral] == nil:
			return s.errorf(p+".move.collateral_id", "no collateral %q in tenant %s", m.Collateral, st.Tenant)
		case m.Device != "" && !devices[st.Tenant][m.Device]:
			return s.errorf(p+".move.device", "no device %q in tenant %s", m.Device, st.Tenant)
		case !lonLat(m.To):
			return s.errorf(p+".move.to", "must be [lon, lat] in degrees")
		}
	}
	if d := st.Device; d != nil {
		actions++
		switch {
		case !devices[st.Tenant][d.ID]:
			return s.errorf(p+".device.id", "no device %q in tenant %s", d.ID, st.Tenant)
		case !slices.Contains([]string{"stuck", "silent", "resume", "replay", "forge", "skew", "status"}, d.Do):
			return s.errorf(p+".device.do", "must be stuck, silent, resume, replay, forge, skew or status")
		case d.Do == "status" && !slices.Contains([]string{gt.StateOnline, gt.StateOffline, gt.StatePowerCut, gt.StateTamper}, d.State):
			return s.errorf(p+".device.state", "must be online, offline, power_cut or tamper")
		case d.Do == "skew" && d.Skew <= 0:
			return s.errorf(p+".device.skew", "must be positive")
		}
	}
	switch {
	case actions == 0 && st.Incident != "":
		// An incident with no action marks a fraud already in place (tenants[].physical)
		// or brought by the prices.
	case actions != 1:
		return s.errorf(p, "give exactly one action: release, top_up, remove, add, records, move or device (or none, for a named incident already in place)")
	}
	if s.Control && len(st.Expect) > 0 {
		return s.errorf(p+".expect", "a control scenario expects no alert")
	}
	if s.Control && len(st.Allow) > 0 {
		return s.errorf(p+".allow", "a control scenario allows no alert")
	}
	if len(st.Expect) > 0 && st.Incident == "" {
		return s.errorf(p+".incident", "a step that expects alerts is an incident: name it")
	}
	for j := range st.Expect {
		if err := s.checkExpect(fmt.Sprintf("%s.expect[%d]", p, j), &st.Expect[j], st.Tenant, colls, true); err != nil {
			return err
		}
	}
	for j := range st.Allow {
		if err := s.checkExpect(fmt.Sprintf("%s.allow[%d]", p, j), &st.Allow[j], st.Tenant, colls, false); err != nil {
			return err
		}
	}
	return nil
}

func (s *Scenario) checkExpect(p string, x *Expectation, tenant string, colls map[string]map[string]*collInfo, must bool) error {
	if x.Tenant == "" {
		x.Tenant = tenant
	}
	switch {
	case x.Rule == "":
		return s.errorf(p+".rule", "is required")
	case colls[x.Tenant] == nil:
		return s.errorf(p+".tenant", "no tenant %q in this scenario", x.Tenant)
	case must && x.Subject == "":
		return s.errorf(p+".subject", "is required, such as collateral:lot-1 or loan:loan-1")
	case x.Subject != "" && !validSubject(x.Subject):
		return s.errorf(p+".subject", "must be kind:id, such as collateral:lot-1")
	case must && x.Within <= 0:
		return s.errorf(p+".within", "must be positive: the time allowed to detect")
	}
	return nil
}

func validSubject(s string) bool {
	kind, id, ok := strings.Cut(s, ":")
	return ok && kind != "" && id != ""
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func lonLat(p []float64) bool {
	return len(p) == 2 && p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
}
