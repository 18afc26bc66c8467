package engine_test

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/engine"
)

// TestRepricingEqualsFullRevaluation replays random histories into an engine that
// reprices lots on price moves and into one that revalues every lot in full: every
// event's changes (rows in key order) and the final snapshots must be equal, and the
// repricing must have done a real share of the work.
func TestRepricingEqualsFullRevaluation(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			if seed%2 == 1 {
				// Small portfolios repriced on several goroutines as well.
				old := engine.SetRepriceMinLots(4)
				t.Cleanup(func() { engine.SetRepriceMinLots(old) })
			}
			log := repricingHistory(t, seed, 900)
			if seed == 0 {
				f := newFeeder() // the engine tests' own random history as well
				randomHistory(t, f, 600, 42)
				compareRepricing(t, f.log)
			}
			fast := compareRepricing(t, log)
			if fast < 2000 {
				t.Errorf("only %d lots repriced: the history does not exercise the repricing", fast)
			}
		})
	}
}

// compareRepricing replays log both ways and returns the lots repriced.
func compareRepricing(t *testing.T, log []gt.Event) uint64 {
	t.Helper()
	fast, full := engine.New(), engine.New()
	full.SetFullRevaluation(true)
	for i := range log {
		var a, b gt.Changes
		errA, errB := fast.Apply(&log[i], &a), full.Apply(&log[i], &b)
		if (errA == nil) != (errB == nil) || errA != nil && errA.Error() != errB.Error() {
			t.Fatalf("event %d (%s): errors differ: %v / %v", log[i].Seq, log[i].Type, errA, errB)
		}
		ja, jb := sortedChanges(t, &a), sortedChanges(t, &b)
		if !bytes.Equal(ja, jb) {
			t.Fatalf("event %d (%s): changes differ:\nrepriced: %s\nfull:     %s", log[i].Seq, log[i].Type, firstDiff(ja, jb), firstDiff(jb, ja))
		}
	}
	sa, _ := fast.Snapshot()
	sb, _ := full.Snapshot()
	if !bytes.Equal(sa, sb) {
		t.Fatalf("snapshots differ after %d events", len(log))
	}
	if full.Repriced() != 0 {
		t.Fatalf("the full revaluation repriced %d lots", full.Repriced())
	}
	return fast.Repriced()
}

// firstDiff returns a window of a around its first difference from b.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return string(a[max(0, i-300):min(len(a), i+200)])
}

// sortedChanges encodes a Changes with its risk and telemetry rows in key order (the
// order of rows within a kind carries no meaning).
func sortedChanges(t *testing.T, c *gt.Changes) []byte {
	t.Helper()
	slices.SortFunc(c.Valuations, func(a, b gt.Valuation) int {
		return cmp.Or(cmp.Compare(a.TenantID, b.TenantID), cmp.Compare(a.CollateralID, b.CollateralID))
	})
	slices.SortFunc(c.LoanRisks, func(a, b gt.LoanRisk) int {
		return cmp.Or(cmp.Compare(a.TenantID, b.TenantID), cmp.Compare(a.LoanID, b.LoanID))
	})
	slices.SortFunc(c.LoanPoints, func(a, b gt.LoanPoint) int {
		return cmp.Or(cmp.Compare(a.TenantID, b.TenantID), cmp.Compare(a.LoanID, b.LoanID), a.Start.Compare(b.Start))
	})
	slices.SortFunc(c.Signals, func(a, b gt.Signal) int {
		return cmp.Or(cmp.Compare(a.TenantID, b.TenantID), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Subject, b.Subject))
	})
	slices.SortFunc(c.Alerts, func(a, b gt.Alert) int { return cmp.Or(cmp.Compare(a.TenantID, b.TenantID), cmp.Compare(a.ID, b.ID)) })
	slices.SortFunc(c.Actions, func(a, b gt.Action) int { return cmp.Or(cmp.Compare(a.TenantID, b.TenantID), cmp.Compare(a.ID, b.ID)) })
	slices.SortFunc(c.Health, func(a, b gt.DeviceHealth) int {
		return cmp.Or(cmp.Compare(a.TenantID, b.TenantID), cmp.Compare(a.DeviceID, b.DeviceID))
	})
	// Tenant ids are left out of the rows' JSON: keep them apart.
	var tenants []string
	tenants = appendTenants(tenants, c.Valuations, func(v *gt.Valuation) string { return v.TenantID })
	tenants = appendTenants(tenants, c.LoanRisks, func(v *gt.LoanRisk) string { return v.TenantID })
	tenants = appendTenants(tenants, c.LoanPoints, func(v *gt.LoanPoint) string { return v.TenantID })
	tenants = appendTenants(tenants, c.Signals, func(v *gt.Signal) string { return v.TenantID })
	tenants = appendTenants(tenants, c.Alerts, func(v *gt.Alert) string { return v.TenantID })
	tenants = appendTenants(tenants, c.Actions, func(v *gt.Action) string { return v.TenantID })
	tenants = appendTenants(tenants, c.Inspections, func(v *gt.Inspection) string { return v.TenantID })
	tenants = appendTenants(tenants, c.Health, func(v *gt.DeviceHealth) string { return v.TenantID })
	data, err := json.Marshal(struct {
		C       *gt.Changes
		Tenants []string
	}{c, tenants})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// appendTenants appends the tenant of each row to tenants.
func appendTenants[T any](tenants []string, rows []T, tenant func(*T) string) []string {
	for i := range rows {
		tenants = append(tenants, tenant(&rows[i]))
	}
	return tenants
}

// repricingHistory returns n random events over a portfolio built for the repricing:
// lots without devices, with slow and fast load cells, with two sources that may
// disagree; three commodities, one priced per kg and one in euros; loans of one, two or
// shared lots; and readings, outflows, releases (some dated ahead), silences, price moves
// large and small, policies, records moving lots between loans and commodities, and
// disabled devices, at irregular times.
func repricingHistory(t *testing.T, seed uint64, n int) []gt.Event {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 99))
	h := &history{t: t, at: t0}
	add := h.add
	const lots, monitored = 60, 40 // lots from 40 on have no devices
	// Loan rules reading each field a repricing moves, fields of the loan record, now, and
	// the loan whole.
	loanRules := []string{`loan.ltv > 0.75`, `loan.band == "warn" && loan.days_past_due >= 0`, `loan.value < 1500000.0`,
		`has(loan.coverage) && loan.coverage < 1.3`, `now > loan.maturity_date || loan.ltv > 0.85`,
		`[loan].exists(l, l.ltv > 0.77)`, `loan.warn_ltv < 0.6`, `loan.exposure > 2500000.0`}
	loans := map[string][]gt.Loan{}
	releases := map[string][]gt.Release{}
	commodities := []struct{ name, unit, currency string }{{"copper", "t", "USD"}, {"nickel", "kg", "USD"}, {"aluminium", "t", "EUR"}}
	prices := map[string]float64{"copper": 8000_00, "nickel": 16_00, "aluminium": 2200_00}
	// A loan's principal: 40% to 110% of the value its two lots would have at the first
	// prices, so that price moves take loans across their bands.
	principal := func(l int) gt.Money {
		var value float64
		for _, k := range []int{2 * l, 2*l + 1} {
			c := commodities[k%3]
			perT := prices[c.name]
			if c.unit == "kg" {
				perT *= 1000
			}
			value += float64(100+10*k) * perT * 0.85 * 0.8
		}
		return gt.Money{Amount: int64(value * (0.4 + 0.7*rng.Float64())), Currency: "USD"}
	}
	lot := func(k, loan int, commodity string) gt.Collateral {
		c := gt.Collateral{ID: fmt.Sprintf("lot-%02d", k), Kind: gt.KindInventoryLot,
			Allocations: []gt.Allocation{{LoanID: fmt.Sprintf("loan-%02d", loan), Share: 1}},
			Inventory:   &gt.InventoryLot{Commodity: commodity, Quantity: float64(100 + 10*k), Unit: "t", SiteID: "wh"}}
		if k%7 == 3 { // shared between two loans
			c.Allocations = []gt.Allocation{{LoanID: fmt.Sprintf("loan-%02d", loan), Share: 0.5}, {LoanID: fmt.Sprintf("loan-%02d", (loan+5)%(lots/2)), Share: 0.5}}
		}
		return c
	}
	for _, tenant := range []string{"bank-a", "bank-b"} {
		add(gt.EventTenantCreate, tenant, tenantCreate(tenant))
		r := gt.Records{
			Parties: []gt.Party{{ID: "b", Name: "Borrower", Roles: []gt.PartyRole{gt.PartyBorrower}}},
			Sites: []gt.Site{{ID: "wh", Name: "Warehouse", Kind: gt.SiteWarehouse, Boundary: gt.Polygon{Type: "Polygon",
				Coordinates: [][][2]float64{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}}}},
		}
		for l := range lots / 2 {
			r.Loans = append(r.Loans, gt.Loan{ID: fmt.Sprintf("loan-%02d", l), BorrowerID: "b", Product: gt.ProductInventory,
				Principal: principal(l), StartDate: t0.AddDate(0, -1, 0), MaturityDate: t0.AddDate(1, 0, 0)})
		}
		for k := range lots {
			r.Collateral = append(r.Collateral, lot(k, k/2, commodities[k%3].name))
			switch k % 4 * min(1, monitored/(k+1)) {
			case 1:
				r.Devices = append(r.Devices, gt.Device{ID: fmt.Sprintf("cell-%02d", k), Kind: gt.DeviceLoadCell,
					CollateralID: fmt.Sprintf("lot-%02d", k), SiteID: "wh", Interval: gt.Duration(time.Hour)})
			case 2:
				r.Devices = append(r.Devices, gt.Device{ID: fmt.Sprintf("cell-%02d", k), Kind: gt.DeviceLoadCell,
					CollateralID: fmt.Sprintf("lot-%02d", k), SiteID: "wh", Interval: gt.Duration(5 * time.Minute)},
					gt.Device{ID: fmt.Sprintf("scan-%02d", k), Kind: gt.DeviceVolumeScanner,
						CollateralID: fmt.Sprintf("lot-%02d", k), SiteID: "wh", Interval: gt.Duration(10 * time.Minute)})
				r.Collateral[k].Inventory.BulkDensity = 4.0 // t per m3
			case 3:
				r.Devices = append(r.Devices, gt.Device{ID: fmt.Sprintf("cell-%02d", k), Kind: gt.DeviceLoadCell,
					CollateralID: fmt.Sprintf("lot-%02d", k), SiteID: "wh", Interval: gt.Duration(time.Minute)})
			}
		}
		add(gt.EventRecordsCreate, tenant, r)
		loans[tenant] = r.Loans
		for j, expr := range loanRules {
			add(gt.EventRulePut, tenant, gt.Rule{Name: fmt.Sprint("tenant_rule_", j), Expr: expr, Severity: gt.SeverityWarning,
				For: gt.Duration(time.Duration(j%3) * 20 * time.Minute)})
		}
	}
	for i := range n {
		h.at = h.at.Add(time.Duration(1+rng.IntN(40)) * time.Minute)
		if rng.IntN(15) == 0 {
			h.at = h.at.Add(time.Duration(rng.IntN(30)) * time.Hour) // a silence
		}
		tenant := []string{"bank-a", "bank-b"}[rng.IntN(2)]
		k := rng.IntN(lots)
		switch x := rng.IntN(20); {
		case x < 6: // a price move, now and then a large one
			c := commodities[rng.IntN(3)]
			move := 1 + (rng.Float64()-0.5)*0.04
			if rng.IntN(6) == 0 {
				move = 1 + (rng.Float64()-0.5)*0.5
			}
			prices[c.name] = max(1, prices[c.name]*move)
			ticks := []gt.PriceTick{{Commodity: c.name, At: h.at, Unit: c.unit, Price: gt.Money{Amount: int64(prices[c.name]), Currency: c.currency}}}
			if rng.IntN(8) == 0 {
				ticks = append(ticks, gt.PriceTick{Commodity: "fx.eur", At: h.at, Unit: "EUR",
					Price: gt.Money{Amount: int64(100 + rng.IntN(20)), Currency: "USD"}})
			}
			add(gt.EventPricesRecord, tenant, gt.Records{Prices: ticks})
		case x < 12: // readings: mostly the book, sometimes short
			var b gt.IngestBatch
			for j := 0; j < 1+rng.IntN(4); j++ {
				kk := (k + j) % lots
				book := float64(100+10*kk) * 1000
				v := book * (1 + (rng.Float64()-0.5)*0.01)
				if rng.IntN(5) == 0 {
					v = book * 0.8
				}
				name, dev := "mass", fmt.Sprintf("cell-%02d", kk)
				if kk%4 == 2 && rng.IntN(2) == 0 {
					name, dev, v = "volume", fmt.Sprintf("scan-%02d", kk), v/1000/4.0*(1+(rng.Float64()-0.5)*0.3)
				}
				b.Items = append(b.Items, gt.DevicePack{Device: dev, Via: gt.ViaMQTT, Received: h.at, Signed: rng.IntN(2) == 0,
					Digest: fmt.Sprintf("%032x", rng.Uint64()), Readings: []gt.Reading{{Name: name, T: h.at.Add(-time.Duration(rng.IntN(120)) * time.Second).UnixMicro(), V: &v}}})
			}
			add(gt.EventIngest, tenant, b)
		case x < 13 && len(releases[tenant]) > 0 && rng.IntN(3) == 0: // a release moved to another lot or date
			j := rng.IntN(len(releases[tenant]))
			r := releases[tenant][j]
			r.CollateralID, r.At = fmt.Sprintf("lot-%02d", k), h.at.Add(time.Duration(rng.IntN(300))*time.Minute)
			releases[tenant][j] = r
			add(gt.EventRecordsUpdate, tenant, gt.Records{Releases: []gt.Release{r}})
		case x < 13: // a release, sometimes dated hours ahead
			r := gt.Release{ID: fmt.Sprintf("rel-%d", i), CollateralID: fmt.Sprintf("lot-%02d", k),
				Direction: gt.ReleaseOut, Quantity: float64(1 + rng.IntN(20)), Unit: "t", At: h.at.Add(time.Duration(rng.IntN(600)) * time.Minute)}
			releases[tenant] = append(releases[tenant], r)
			add(gt.EventRecordsCreate, tenant, gt.Records{Releases: []gt.Release{r}})
		case x < 14: // a lot moves to another loan or commodity
			c := lot(k, rng.IntN(lots/2), commodities[rng.IntN(3)].name)
			add(gt.EventRecordsUpdate, tenant, gt.Records{Collateral: []gt.Collateral{c}})
		case x < 15 && i%5 == 0 && i%2 == 0: // a policy
			c, blind, stale := 0.5+rng.Float64()/2, gt.Duration(time.Duration(2+rng.IntN(48))*time.Hour), 1+rng.Float64()*4
			add(gt.EventPolicyPut, tenant, gt.Policy{UnsignedTrustCap: &c, BlindAfter: &blind, StaleFactor: &stale})
		case x < 15 && i%97 == 1: // a tenant rule changed
			j := rng.IntN(len(loanRules))
			add(gt.EventRulePut, tenant, gt.Rule{Name: fmt.Sprint("tenant_rule_", j), Expr: loanRules[rng.IntN(len(loanRules))],
				Severity: gt.SeverityWarning, For: gt.Duration(time.Duration(rng.IntN(3)) * 20 * time.Minute), Disabled: rng.IntN(6) == 0})
		case x < 15 && i%5 == 2: // a loan's terms, and sometimes its principal
			l := loans[tenant][k/2]
			if rng.IntN(3) == 0 {
				l.Principal = principal(k / 2)
			}
			l.Terms = gt.DefaultTerms
			l.Terms.WarnLTV = 0.5 + rng.Float64()*0.2
			loans[tenant][k/2] = l
			add(gt.EventRecordsUpdate, tenant, gt.Records{Loans: []gt.Loan{l}})
		case x < 16 && i%3 == 1: // a device's key
			pub, _, _ := ed25519.GenerateKey(rng2{rng})
			add(gt.EventDeviceKey, tenant, gt.DeviceCredential{DeviceID: fmt.Sprintf("cell-%02d", k|1), PublicKey: base64.RawURLEncoding.EncodeToString(pub)})
		case x < 16 && i%3 == 0: // a device disabled or back
			d := gt.Device{ID: fmt.Sprintf("cell-%02d", k|1), Kind: gt.DeviceLoadCell, CollateralID: fmt.Sprintf("lot-%02d", k|1),
				SiteID: "wh", Interval: gt.Duration(time.Hour), Disabled: rng.IntN(2) == 0}
			add(gt.EventRecordsUpdate, tenant, gt.Records{Devices: []gt.Device{d}})
		default:
			add(gt.EventTick, tenant, nil)
		}
	}
	return h.log
}

// rng2 reads random bytes from a seeded generator, for keys that replay.
type rng2 struct{ r *rand.Rand }

func (g rng2) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(g.r.Uint32())
	}
	return len(p), nil
}

// history builds an event log at a time the test moves on.
type history struct {
	t   *testing.T
	log []gt.Event
	at  time.Time
}

func (h *history) add(typ gt.EventType, tenant string, v any) {
	h.t.Helper()
	ev, err := gt.NewEvent(typ, tenant, h.at, "test", v)
	if err != nil {
		h.t.Fatal(err)
	}
	ev.Seq = uint64(len(h.log) + 1)
	h.log = append(h.log, ev)
}

// copperLoan starts bank-a with a borrower, a warehouse and loan-1 secured by lots.
func (h *history) copperLoan(lots ...gt.Collateral) {
	h.add(gt.EventTenantCreate, "bank-a", tenantCreate("bank-a"))
	h.add(gt.EventRecordsCreate, "bank-a", gt.Records{
		Parties: []gt.Party{{ID: "b", Name: "Borrower", Roles: []gt.PartyRole{gt.PartyBorrower}}},
		Sites: []gt.Site{{ID: "wh", Name: "Warehouse", Kind: gt.SiteWarehouse, Boundary: gt.Polygon{Type: "Polygon",
			Coordinates: [][][2]float64{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}}}},
		Loans: []gt.Loan{{ID: "loan-1", BorrowerID: "b", Product: gt.ProductInventory, Principal: gt.Money{Amount: 100_000_00, Currency: "USD"},
			StartDate: t0.AddDate(0, -1, 0), MaturityDate: t0.AddDate(1, 0, 0)}},
		Collateral: lots,
	})
}

// copperLot is a 100 t copper lot securing share of loan-1.
func copperLot(id string, share float64) gt.Collateral {
	return gt.Collateral{ID: id, Kind: gt.KindInventoryLot, Allocations: []gt.Allocation{{LoanID: "loan-1", Share: share}},
		Inventory: &gt.InventoryLot{Commodity: "copper", Quantity: 100, Unit: "t", SiteID: "wh"}}
}

// price records a copper tick of bank-a at the current time.
func (h *history) price(p int64) {
	h.add(gt.EventPricesRecord, "bank-a", gt.Records{Prices: []gt.PriceTick{{Commodity: "copper", At: h.at, Unit: "t", Price: gt.Money{Amount: p, Currency: "USD"}}}})
}

// TestRepricingCountsReleasesDatedAhead: two releases dated ahead on one lot each take
// effect at their own time (a timer each); a price tick between them reprices the lot with
// the first one in its book, as a full revaluation does.
func TestRepricingCountsReleasesDatedAhead(t *testing.T) {
	h := &history{t: t, at: t0}
	h.copperLoan(copperLot("lot-1", 1))
	h.price(8000_00)
	h.at = h.at.Add(time.Minute)
	h.price(8010_00) // the lot is repriced from now on
	h.at = h.at.Add(time.Minute)
	h.add(gt.EventRecordsCreate, "bank-a", gt.Records{Releases: []gt.Release{{ID: "rel-1", CollateralID: "lot-1", Direction: gt.ReleaseOut, Quantity: 10, Unit: "t", At: h.at.Add(time.Hour)}}})
	h.add(gt.EventRecordsCreate, "bank-a", gt.Records{Releases: []gt.Release{{ID: "rel-2", CollateralID: "lot-1", Direction: gt.ReleaseOut, Quantity: 20, Unit: "t", At: h.at.Add(2 * time.Hour)}}})
	h.at = h.at.Add(90 * time.Minute) // rel-1 is in effect, rel-2 not yet
	h.price(8020_00)
	compareRepricing(t, h.log)
}

// TestRepricingAfterAReleaseMoved: a release moved to another lot by a records update
// leaves the old lot's book, which is then revalued, not repriced with the release in it.
func TestRepricingAfterAReleaseMoved(t *testing.T) {
	h := &history{t: t, at: t0}
	h.copperLoan(copperLot("lot-1", 0.5), copperLot("lot-2", 0.5))
	h.price(8000_00)
	rel := gt.Release{ID: "rel-1", CollateralID: "lot-1", Direction: gt.ReleaseOut, Quantity: 10, Unit: "t", At: h.at}
	h.add(gt.EventRecordsCreate, "bank-a", gt.Records{Releases: []gt.Release{rel}})
	h.at = h.at.Add(time.Minute)
	h.price(8010_00)
	rel.CollateralID = "lot-2"
	h.add(gt.EventRecordsUpdate, "bank-a", gt.Records{Releases: []gt.Release{rel}})
	h.at = h.at.Add(time.Minute)
	h.price(8020_00)
	compareRepricing(t, h.log)
}

// TestRepricingAccumulatedAsTheNodeDoes: the node fills one Changes with several events
// (telemetry is held, anything else flushes) and fills written ones again after Reset;
// repricing, on several goroutines here, gives the same flushes as full revaluation.
func TestRepricingAccumulatedAsTheNodeDoes(t *testing.T) {
	old := engine.SetRepriceMinLots(4)
	t.Cleanup(func() { engine.SetRepriceMinLots(old) })
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			log := repricingHistory(t, seed+10, 900)
			fast, full := engine.New(), engine.New()
			full.SetFullRevaluation(true)
			pools := [2][2]*gt.Changes{{{}, {}}, {{}, {}}}
			a, b := pools[0][0], pools[1][0]
			flushes := 0
			for i := range log {
				errA, errB := fast.Apply(&log[i], a), full.Apply(&log[i], b)
				if (errA == nil) != (errB == nil) {
					t.Fatalf("event %d: errors differ: %v / %v", log[i].Seq, errA, errB)
				}
				if log[i].Type == gt.EventIngest && i%3 != 0 {
					continue // held
				}
				ja, jb := sortedChanges(t, a), sortedChanges(t, b)
				if !bytes.Equal(ja, jb) {
					t.Fatalf("flush at event %d (%s): changes differ:\nrepriced: %s\nfull:     %s", log[i].Seq, log[i].Type, firstDiff(ja, jb), firstDiff(jb, ja))
				}
				flushes++
				a, b = pools[0][flushes%2], pools[1][flushes%2]
				a.Reset()
				b.Reset()
			}
			if fast.Repriced() == 0 {
				t.Error("nothing was repriced")
			}
		})
	}
}
