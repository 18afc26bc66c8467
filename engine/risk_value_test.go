package engine_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/engine"
	"groundtruth/risk"
)

// The risk tests (risk_*_test.go) drive the engine through scenarios with a rig: a
// clock the test moves, ticks that advance engine time, and device packs as ingest sends
// them (raw readings; the engine calibrates).

// Parameters of the copper fixture.
const (
	cellNoise  = 200.0 // kg: one standard deviation of a load cell at rest
	camNoise   = 2.0   // bundles: one standard deviation of the camera count
	bundleKg   = 2500.0
	cellTare   = 50.0 // raw = kg/cellScale + cellTare
	cellScale  = 10.0
	copperUSD  = 8000_00 // minor units per t
	reportEach = 5 * time.Minute
)

// rig feeds a risk scenario to an engine. Events are stamped with rig.now.
type rig struct {
	t      testing.TB
	e      *engine.Engine
	now    time.Time
	seq    uint64
	log    []gt.Event
	rng    *rand.Rand
	signed map[string]uint64 // last signed seq per device
	packs  int
	// store keeps every alert and action in its latest version, as the store does; the
	// engine keeps resolved alerts as a status only.
	store engine.AlertLog
}

func newRig(t testing.TB, tenants ...string) *rig {
	t.Helper()
	r := &rig{t: t, e: engine.New(), now: t0, rng: rand.New(rand.NewPCG(7, 11)), signed: map[string]uint64{}}
	for _, id := range tenants {
		r.do(gt.EventTenantCreate, id, tenantCreate(id))
	}
	return r
}

func (r *rig) apply(typ gt.EventType, tenant string, v any) (*gt.Changes, error) {
	r.t.Helper()
	r.seq++
	ev, err := gt.NewEvent(typ, tenant, r.now, "tester", v)
	if err != nil {
		r.t.Fatal(err)
	}
	ev.Seq = r.seq
	r.log = append(r.log, ev)
	var ch gt.Changes
	err = r.e.Apply(&ev, &ch)
	if err == nil {
		r.store.Add(&ch)
	}
	return &ch, err
}

// storeAlert returns the latest version of one of a tenant's alerts, as the API reads it
// from the store to acknowledge or close it.
func (r *rig) storeAlert(tenant, id string) *gt.Alert {
	r.t.Helper()
	for _, a := range r.store.Alerts(tenant) {
		if a.ID == id {
			return &a
		}
	}
	r.t.Fatalf("no alert %s of %s", id, tenant)
	return nil
}

func (r *rig) do(typ gt.EventType, tenant string, v any) *gt.Changes {
	r.t.Helper()
	ch, err := r.apply(typ, tenant, v)
	if err != nil {
		r.t.Fatalf("apply %s at %s: %v", typ, r.now.Format(time.RFC3339), err)
	}
	return ch
}

// wait moves the clock by d and applies a tick.
func (r *rig) wait(d time.Duration) *gt.Changes {
	r.t.Helper()
	r.now = r.now.Add(d)
	return r.do(gt.EventTick, "", nil)
}

// records creates records of bank-a.
func (r *rig) records(recs gt.Records) *gt.Changes {
	r.t.Helper()
	return r.do(gt.EventRecordsCreate, "bank-a", recs)
}

// update updates records of bank-a.
func (r *rig) update(recs gt.Records) *gt.Changes {
	r.t.Helper()
	return r.do(gt.EventRecordsUpdate, "bank-a", recs)
}

// price records a tick of commodity at the rig's clock, in USD minor units per t.
func (r *rig) price(commodity string, minor int64) *gt.Changes {
	r.t.Helper()
	return r.do(gt.EventPricesRecord, "bank-a", gt.Records{Prices: []gt.PriceTick{{Commodity: commodity, At: r.now,
		Price: gt.Money{Amount: minor, Currency: "USD"}, Unit: "t", Source: "test"}}})
}

// send applies one ingest event of bank-a.
func (r *rig) send(packs ...gt.DevicePack) *gt.Changes {
	r.t.Helper()
	return r.do(gt.EventIngest, "bank-a", gt.IngestBatch{Items: packs})
}

// pack is a pack from dev received now; signed packs carry the device's next seq.
func (r *rig) pack(dev string, signed bool, rs ...gt.Reading) gt.DevicePack {
	r.packs++
	p := gt.DevicePack{Device: dev, Via: gt.ViaMQTT, Received: r.now, Digest: fmt.Sprintf("%032x", r.packs), Readings: rs}
	if signed {
		r.signed[dev]++
		p.Signed, p.Seq = true, r.signed[dev]
	}
	return p
}

// status is a status report of dev received now.
func (r *rig) status(dev, state string) gt.DevicePack {
	return gt.DevicePack{Device: dev, Via: gt.ViaMQTT, Received: r.now, Status: &gt.StatusReport{State: state}}
}

// at is a reading taken now.
func (r *rig) at(name string, v float64) gt.Reading { return reading(name, r.now, v) }

// noise is Gaussian noise of standard deviation sigma, cut at 2.5 sigma so that a
// detector at 3 combined sigmas has no false alarm by chance.
func (r *rig) noise(sigma float64) float64 {
	return sigma * max(-2.5, min(2.5, r.rng.NormFloat64()))
}

// cellPacks are signed packs of the two load cells of lot-1 weighing totalKg between
// them, each with its stated noise when noisy, as raw values.
func (r *rig) cellPacks(totalKg float64, noisy bool) []gt.DevicePack {
	var ps []gt.DevicePack
	for _, dev := range []string{"cell-a", "cell-b"} {
		kg := totalKg / 2
		if noisy {
			kg += r.noise(cellNoise)
		}
		ps = append(ps, r.pack(dev, true, r.at("mass", kg/cellScale+cellTare)))
	}
	return ps
}

// cells sends one reading of each load cell of lot-1, without noise.
func (r *rig) cells(totalKg float64) *gt.Changes {
	r.t.Helper()
	return r.send(r.cellPacks(totalKg, false)...)
}

// every sends the packs made by f every d for n rounds, the first after d.
func (r *rig) every(d time.Duration, n int, f func() []gt.DevicePack) {
	r.t.Helper()
	for range n {
		r.now = r.now.Add(d)
		r.send(f()...)
	}
}

func (r *rig) valuation(tenant, coll string) gt.Valuation {
	r.t.Helper()
	v, ok := r.e.Valuation(tenant, coll)
	if !ok {
		r.t.Fatalf("Valuation(%s, %s): none", tenant, coll)
	}
	return v
}

func (r *rig) loanRisk(loan string) gt.LoanRisk {
	r.t.Helper()
	lr, ok := r.e.LoanRisk("bank-a", loan)
	if !ok {
		r.t.Fatalf("LoanRisk(bank-a, %s): none", loan)
	}
	return lr
}

// active reports whether signal name is active on subject of bank-a.
func (r *rig) active(name, subject string) bool {
	s, ok := r.e.Signal("bank-a", name, subject)
	return ok && s.Active
}

// alerts returns bank-a's alerts of rule on subject, oldest first.
func (r *rig) alerts(rule, subject string) []gt.Alert {
	var out []gt.Alert
	for _, a := range r.store.Alerts("bank-a") {
		if a.Rule == rule && a.Subject == subject {
			out = append(out, a)
		}
	}
	return out
}

// actions returns bank-a's actions of kind, oldest first.
func (r *rig) actions(kind string) []gt.Action {
	var out []gt.Action
	for _, a := range r.store.Actions("bank-a") {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

// copperRecords is bank-a's copper financing: a borrower, a custodian, the bonded
// warehouse wh-1 (throughput 500 t/h), loan-1 of 4,000,000.00 USD, lot-1 of 1000 t of
// copper cathode in bundles of 2.5 t under receipt QD-1, and the two calibrated load
// cells under the lot reporting every 5 minutes.
func copperRecords() gt.Records {
	cell := func(id string) gt.Device {
		return gt.Device{ID: id, Kind: gt.DeviceLoadCell, CollateralID: "lot-1", SiteID: "wh-1", ZoneID: "bay-1",
			Interval: gt.Duration(reportEach), Calibration: gt.Calibration{Tare: cellTare, Scale: cellScale, Unit: "kg", Noise: cellNoise}}
	}
	return gt.Records{
		Parties: []gt.Party{
			{ID: "borrower-1", Name: "Dezheng Resources", Roles: []gt.PartyRole{gt.PartyBorrower}, Country: "CN"},
			{ID: "custodian-1", Name: "Qingdao Port Warehousing", Roles: []gt.PartyRole{gt.PartyCustodian}, Country: "CN"},
		},
		Sites: []gt.Site{{ID: "wh-1", Name: "Dagang bonded warehouse", Kind: gt.SiteWarehouse, CustodianID: "custodian-1",
			Boundary: square(120.31, 36.08, 0.002), Zones: []gt.Zone{{ID: "bay-1"}}, ThroughputPerHour: 500_000}},
		Loans: []gt.Loan{{ID: "loan-1", BorrowerID: "borrower-1", Product: gt.ProductInventory,
			Principal: gt.Money{Amount: 4_000_000_00, Currency: "USD"}, InterestRate: 0.065,
			StartDate: t0, MaturityDate: t0.AddDate(1, 0, 0)}},
		Collateral: []gt.Collateral{{ID: "lot-1", Kind: gt.KindInventoryLot,
			Allocations: []gt.Allocation{{LoanID: "loan-1", Share: 1}},
			Inventory: &gt.InventoryLot{Commodity: "copper", Quantity: 1000, Unit: "t", SiteID: "wh-1", ZoneID: "bay-1",
				ReceiptNo: "QD-1", CustodianID: "custodian-1", UnitWeightKg: bundleKg}}},
		Devices: []gt.Device{cell("cell-a"), cell("cell-b")},
	}
}

// camera is a camera counter of lot-1 counting bundles.
func camera() gt.Device {
	return gt.Device{ID: "cam-1", Kind: gt.DeviceCameraCounter, CollateralID: "lot-1", SiteID: "wh-1", ZoneID: "bay-1",
		Interval: gt.Duration(reportEach), Calibration: gt.Calibration{Noise: camNoise}}
}

// copperRig is a rig with the copper price at 8000.00 USD/t, bank-a's copper financing
// and a first noiseless reading of 1000 t.
func copperRig(t *testing.T) *rig {
	r := newRig(t, "bank-a")
	r.price("copper", copperUSD)
	r.records(copperRecords())
	r.now = r.now.Add(time.Minute)
	r.cells(1_000_000)
	return r
}

func TestValuationOfALoadCellLot(t *testing.T) {
	for _, tc := range []struct {
		signed bool
		trust  float64
		reason string
		value  int64
	}{
		{true, 1, "signed", 680_000_000},      // 1000 t x 800000 x (1 - 0.15) x 1
		{false, 0.8, "unsigned", 544_000_000}, // ... x 0.8
	} {
		t.Run(tc.reason, func(t *testing.T) {
			r := newRig(t, "bank-a")
			r.records(copperRecords())
			priceSeq := r.seq + 1
			r.price("copper", copperUSD)
			r.now = r.now.Add(time.Minute)
			r.send(r.pack("cell-a", tc.signed, r.at("mass", 500_000/cellScale+cellTare)),
				r.pack("cell-b", tc.signed, r.at("mass", 500_000/cellScale+cellTare)))
			v := r.valuation("bank-a", "lot-1")
			if v.Value != (gt.Money{Amount: tc.value, Currency: "USD"}) || v.Gross.Amount != 800_000_000 {
				t.Errorf("Value = %v, gross %v; want %d, 800000000", v.Value, v.Gross, tc.value)
			}
			if v.Trust != tc.trust || v.TrustReason != tc.reason || v.Haircut != 0.15 || v.HaircutFloor != 0.15 {
				t.Errorf("trust %v (%s), haircut %v; want %v (%s), 0.15", v.Trust, v.TrustReason, v.Haircut, tc.trust, tc.reason)
			}
			if v.BookQuantity != 1000 || v.ObservedQuantity == nil || *v.ObservedQuantity != 1000 || v.VerifiedQuantity != 1000 || v.QuantitySource != "load_cell" {
				t.Errorf("quantities: book %v observed %v verified %v source %q; want 1000 each from load_cell",
					v.BookQuantity, v.ObservedQuantity, v.VerifiedQuantity, v.QuantitySource)
			}
			if len(v.Sources) != 1 || strings.Join(v.Sources[0].Devices, ",") != "cell-a,cell-b" {
				t.Errorf("sources = %+v, want the two cells summed into one", v.Sources)
			}
			if v.Price == nil || v.Price.Seq != priceSeq || v.Price.Price.Amount != copperUSD {
				t.Errorf("price = %+v, want the tick of event %d", v.Price, priceSeq)
			}
			lr := r.loanRisk("loan-1")
			if lr.CollateralValue.Amount != tc.value || lr.LTV == nil || *lr.LTV != 4_000_000_00/float64(tc.value) {
				t.Errorf("loan risk: value %v LTV %v, want %d and %v", lr.CollateralValue, lr.LTV, tc.value, 4_000_000_00/float64(tc.value))
			}
		})
	}
}

func TestReleasesMoveTheBook(t *testing.T) {
	r := copperRig(t)
	release := func(id string, dir gt.ReleaseDirection, q float64, unit string, at time.Time) gt.Records {
		return gt.Records{Releases: []gt.Release{{ID: id, CollateralID: "lot-1", Direction: dir, Quantity: q, Unit: unit, At: at}}}
	}
	r.now = r.now.Add(time.Minute)
	r.records(release("rel-1", gt.ReleaseOut, 200, "t", r.now))
	r.cells(800_000)
	v := r.valuation("bank-a", "lot-1")
	if v.BookQuantity != 800 || v.Value.Amount != 544_000_000 { // 800 t x 800000 x 0.85
		t.Errorf("after a release of 200 t: book %v value %v, want 800 and 544000000", v.BookQuantity, v.Value)
	}
	r.now = r.now.Add(time.Minute)
	r.records(release("rel-2", gt.ReleaseIn, 50_000, "kg", r.now)) // a top-up, in kg
	r.cells(850_000)
	if v := r.valuation("bank-a", "lot-1"); v.BookQuantity != 850 || v.Value.Amount != 578_000_000 {
		t.Errorf("after a top-up of 50000 kg: book %v value %v, want 850 and 578000000", v.BookQuantity, v.Value)
	}
	// A release authorised for later moves the book when its time comes.
	r.now = r.now.Add(time.Minute)
	r.records(release("rel-3", gt.ReleaseOut, 100, "t", r.now.Add(30*time.Minute)))
	if v := r.valuation("bank-a", "lot-1"); v.BookQuantity != 850 {
		t.Errorf("before a future release: book %v, want 850", v.BookQuantity)
	}
	r.wait(29 * time.Minute)
	if v := r.valuation("bank-a", "lot-1"); v.BookQuantity != 850 {
		t.Errorf("a minute before the release: book %v, want 850", v.BookQuantity)
	}
	r.wait(time.Minute)
	if v := r.valuation("bank-a", "lot-1"); v.BookQuantity != 750 {
		t.Errorf("at the release time: book %v, want 750", v.BookQuantity)
	}
}

func TestValuationFusesLoadCellsAndCameraCount(t *testing.T) {
	r := newRig(t, "bank-a")
	recs := copperRecords()
	recs.Devices = append(recs.Devices, camera())
	r.records(recs)
	r.price("copper", copperUSD)
	r.now = r.now.Add(time.Minute)
	r.send(append(r.cellPacks(1_000_000, false), r.pack("cam-1", true, r.at("count", 399)))...)

	// Cells: 1000 t with sigma sqrt(2) x 200 kg; camera: 399 x 2.5 t = 997.5 t with
	// sigma 2 x 2.5 t. Inverse-variance weights, in t.
	wCells, wCam := 1/(2*0.2*0.2), 1/(5.0*5.0)
	fused := (1000*wCells + 997.5*wCam) / (wCells + wCam)
	want := math.Round(fused * copperUSD * 0.85)

	v := r.valuation("bank-a", "lot-1")
	if v.QuantitySource != "fused" || v.ObservedQuantity == nil || math.Abs(*v.ObservedQuantity-fused) > 1e-9 || math.Abs(v.VerifiedQuantity-fused) > 1e-9 {
		t.Errorf("observed %v verified %v source %q, want %v fused", v.ObservedQuantity, v.VerifiedQuantity, v.QuantitySource, fused)
	}
	if math.Abs(float64(v.Value.Amount)-want) > 1 {
		t.Errorf("Value = %d, want %.0f", v.Value.Amount, want)
	}
	if len(v.Sources) != 2 || v.Sources[0].Kind != "camera_counter" || v.Sources[0].Quantity != 997.5 || v.Sources[0].Sigma != 5 ||
		math.Abs(v.Sources[1].Sigma-math.Sqrt(0.08)) > 1e-9 || v.Sources[1].Quantity != 1000 {
		t.Errorf("sources = %+v, want the camera (997.5 t, sigma 5 t) and the cells (1000 t, sigma %.4f t)", v.Sources, math.Sqrt(0.08))
	}
	// More camera count than book: verified is capped at the book.
	r.now = r.now.Add(time.Minute)
	r.send(append(r.cellPacks(1_004_000, false), r.pack("cam-1", true, r.at("count", 402)))...)
	if v := r.valuation("bank-a", "lot-1"); v.VerifiedQuantity != 1000 || v.Value.Amount != 680_000_000 {
		t.Errorf("observed above book: verified %v value %v, want 1000 and 680000000", v.VerifiedQuantity, v.Value)
	}
}

func TestValuationWithoutDevicesAndWithVolatility(t *testing.T) {
	r := newRig(t, "bank-a")
	recs := copperRecords()
	recs.Devices = nil
	r.records(recs)
	r.price("copper", copperUSD)
	v := r.valuation("bank-a", "lot-1")
	if v.TrustReason != "not_monitored" || v.Trust != 0.8 || v.QuantitySource != "book" || v.Value.Amount != 544_000_000 {
		t.Errorf("unmonitored lot: trust %v (%s) source %q value %v; want 0.8 not_monitored from book, 544000000",
			v.Trust, v.TrustReason, v.QuantitySource, v.Value)
	}
	// Daily closes moving 5% up and down: once 10 returns are known, the volatility
	// haircut z99 x sigma x sqrt(10) is above the 15% floor.
	closes := []float64{}
	p := float64(copperUSD)
	for day := 1; day <= 11; day++ {
		closes = append(closes, p)
		if day%2 == 0 {
			p *= 1.05
		} else {
			p /= 1.05
		}
		r.now = t0.AddDate(0, 0, day)
		r.price("copper", int64(math.Round(p)))
	}
	for i := range closes {
		closes[i] = math.Round(closes[i])
	}
	sigma, err := risk.EWMAVolatility(closes, risk.DefaultLambda)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := risk.Haircut(0.15, sigma, 10)
	v = r.valuation("bank-a", "lot-1")
	if h <= 0.15 || math.Abs(v.SigmaDaily-sigma) > 1e-12 || math.Abs(v.Haircut-h) > 1e-12 {
		t.Errorf("sigma %v haircut %v, want %v and %v (above the floor)", v.SigmaDaily, v.Haircut, sigma, h)
	}
	want := math.Round(1000 * math.Round(p) * (1 - h) * 0.8)
	if math.Abs(float64(v.Value.Amount)-want) > 1 {
		t.Errorf("Value = %d, want %.0f", v.Value.Amount, want)
	}
}

// fleetRecords is bank-a's floorplan financing of one car on a dealer lot, tracked by
// gps-1, and a herd of 50 tagged cattle on a pasture read by rfid-1.
func fleetRecords(product gt.Product) gt.Records {
	lot := square(-97.75, 30.25, 0.001)
	tags := make([]string, 50)
	for i := range tags {
		tags[i] = fmt.Sprintf("t-%03d", i+1)
	}
	return gt.Records{
		Parties: []gt.Party{{ID: "dealer-1", Name: "Lone Star Motors", Roles: []gt.PartyRole{gt.PartyBorrower}}},
		Sites: []gt.Site{
			{ID: "lot-7", Name: "Dealer lot", Kind: gt.SiteLot, Boundary: lot},
			{ID: "pasture-1", Name: "North pasture", Kind: gt.SitePasture, Boundary: square(-99.2, 31.1, 0.02)},
		},
		Loans: []gt.Loan{{ID: "fp-1", BorrowerID: "dealer-1", Product: product,
			Principal: gt.Money{Amount: 20_000_00, Currency: "USD"}, StartDate: t0, MaturityDate: t0.AddDate(1, 0, 0)}},
		Collateral: []gt.Collateral{
			{ID: "car-1", Kind: gt.KindVehicle, Allocations: []gt.Allocation{{LoanID: "fp-1", Share: 1}},
				Vehicle: &gt.Vehicle{VIN: "1HGCM82633A004352", Make: "Honda", Value: gt.Money{Amount: 30_000_00, Currency: "USD"},
					SiteID: "lot-7", HomeGeofence: &lot}},
			{ID: "herd-1", Kind: gt.KindLivestock, Allocations: []gt.Allocation{{LoanID: "fp-1", Share: 1}},
				Livestock: &gt.Herd{Species: "cattle", HeadCount: 50, TagIDs: tags, SiteID: "pasture-1",
					PricePerHead: gt.Money{Amount: 1500_00, Currency: "USD"}}},
		},
		Devices: []gt.Device{
			{ID: "gps-1", Kind: gt.DeviceGPSTracker, CollateralID: "car-1", Interval: gt.Duration(time.Hour)},
			{ID: "rfid-1", Kind: gt.DeviceRFIDReader, CollateralID: "herd-1", Interval: gt.Duration(12 * time.Hour)},
		},
	}
}

// onLot is a position inside the dealer lot, offLot one 10 km away.
var (
	onLot  = [2]float64{30.2505, -97.7495}
	offLot = [2]float64{30.3400, -97.7000}
)

func (r *rig) position(dev string, pos [2]float64) gt.DevicePack {
	return r.pack(dev, true, r.at("lat", pos[0]), r.at("lon", pos[1]))
}

func (r *rig) tags(dev string, ids []string) gt.DevicePack {
	s := strings.Join(ids, ",")
	return r.pack(dev, true, gt.Reading{Name: "tags", T: r.now.UnixMicro(), S: &s})
}

func TestValuationOfTrackedVehicleAndHerd(t *testing.T) {
	r := newRig(t, "bank-a")
	recs := fleetRecords(gt.ProductFloorplan)
	r.records(recs)
	r.now = r.now.Add(time.Minute)
	r.send(r.position("gps-1", onLot), r.tags("rfid-1", recs.Collateral[1].Livestock.TagIDs))
	car := r.valuation("bank-a", "car-1")
	if car.Trust != 1 || car.TrustReason != "signed" || car.Value.Amount != 2_250_000 { // 30000.00 x (1 - 0.25)
		t.Errorf("car: trust %v (%s) value %v, want 1 (signed) and 2250000", car.Trust, car.TrustReason, car.Value)
	}
	herd := r.valuation("bank-a", "herd-1")
	// Read for less than a window, the herd is counted on its book; its tags are observed.
	if herd.Trust != 1 || herd.VerifiedQuantity != 50 || herd.QuantitySource != "book" || herd.ObservedQuantity == nil ||
		*herd.ObservedQuantity != 50 || herd.Value.Amount != 5_250_000 { // 50 x 1500.00 x 0.7
		t.Errorf("herd: trust %v (%s) verified %v from %q value %v, want 1, 50 from book, 5250000",
			herd.Trust, herd.TrustReason, herd.VerifiedQuantity, herd.QuantitySource, herd.Value)
	}
}

// TestLoadCellsCountOnceAllReported: a lot's load cells share its weight, so one cell's
// reading is not the lot's weight. Until both cells have reported the lot keeps its
// awaiting value (no false collapse, no margin call); then their sum is the observation.
func TestLoadCellsCountOnceAllReported(t *testing.T) {
	r := newRig(t, "bank-a")
	r.price("copper", copperUSD)
	r.records(copperRecords())
	r.now = r.now.Add(time.Minute)
	r.send(r.cellPacks(1_000_000, false)[0]) // cell-a only: 500 t of the 1000 t
	v := r.valuation("bank-a", "lot-1")
	if v.ObservedQuantity != nil || v.VerifiedQuantity != 1000 || v.TrustReason != "awaiting_data" || len(v.Sources) != 0 {
		t.Fatalf("one cell of two: observed %v verified %v (%s), sources %+v; want no observation, the book 1000 t awaiting data",
			v.ObservedQuantity, v.VerifiedQuantity, v.TrustReason, v.Sources)
	}
	if b := r.loanRisk("loan-1").Band; b == gt.BandMarginCall || b == gt.BandLiquidation {
		t.Fatalf("half the cells reporting put the loan in band %s", b)
	}
	r.send(r.cellPacks(1_000_000, false)[1])
	v = r.valuation("bank-a", "lot-1")
	if v.ObservedQuantity == nil || *v.ObservedQuantity != 1000 || v.QuantitySource != "load_cell" || len(v.Sources) != 1 {
		t.Errorf("both cells: observed %v from %q, want 1000 t from load_cell", v.ObservedQuantity, v.QuantitySource)
	}
}

// TestCounterWithoutNoiseFloorIsNotStuck: a counter with no stated noise reporting the
// same whole number while nothing moves is right, not stuck.
func TestCounterWithoutNoiseFloorIsNotStuck(t *testing.T) {
	r := copperRig(t)
	cam := camera()
	cam.Calibration.Noise = 0
	r.records(gt.Records{Devices: []gt.Device{cam}})
	for range 25 {
		r.now = r.now.Add(reportEach)
		r.send(append(r.cellPacks(1_000_000, true), r.pack("cam-1", true, r.at("count", 400)))...)
	}
	if r.active("sensor_stuck", "device:cam-1") {
		t.Error("a counter without a noise floor was judged stuck")
	}
}

// TestLoanPointsFollowTheLTVHourByHour: each change of a loan's metrics updates the point
// of its hour (count, LTV range, last state); the next hour starts a new point.
func TestLoanPointsFollowTheLTVHourByHour(t *testing.T) {
	r := copperRig(t)
	r.now = t0.Truncate(time.Hour).Add(2*time.Hour + 10*time.Minute)
	lastPoint := func(ch *gt.Changes) gt.LoanPoint {
		t.Helper()
		if len(ch.LoanPoints) != 1 {
			t.Fatalf("changes hold %d loan points, want 1", len(ch.LoanPoints))
		}
		return ch.LoanPoints[0]
	}
	p1 := lastPoint(r.price("copper", 7000_00))
	high := *r.loanRisk("loan-1").LTV
	r.now = r.now.Add(20 * time.Minute)
	p2 := lastPoint(r.price("copper", 9000_00))
	low := *r.loanRisk("loan-1").LTV
	hour := t0.Truncate(time.Hour).Add(2 * time.Hour)
	if !p1.Start.Equal(hour) || !p2.Start.Equal(hour) || p2.Count != p1.Count+1 || p2.LoanID != "loan-1" {
		t.Fatalf("points %+v then %+v, want one point of hour %v counting both changes", p1, p2, hour)
	}
	if !(high > low) || *p2.MaxLTV != high || *p2.MinLTV != low || *p2.LastLTV != low {
		t.Errorf("LTV min %v max %v last %v, want %v %v %v", *p2.MinLTV, *p2.MaxLTV, *p2.LastLTV, low, high, low)
	}
	r.now = r.now.Add(time.Hour)
	p3 := lastPoint(r.price("copper", 8500_00))
	if !p3.Start.Equal(hour.Add(time.Hour)) || p3.Count != 1 || *p3.MinLTV != *p3.LastLTV {
		t.Errorf("the next hour's point = %+v, want a new point with one change", p3)
	}
}
