package engine_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/engine"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// feeder numbers events and applies them to an engine.
type feeder struct {
	e   *engine.Engine
	seq uint64
	log []gt.Event
}

func newFeeder() *feeder { return &feeder{e: engine.New()} }

func (f *feeder) event(typ gt.EventType, tenant string, v any) gt.Event {
	f.seq++
	ev, err := gt.NewEvent(typ, tenant, t0.Add(time.Duration(f.seq)*time.Minute), "test", v)
	if err != nil {
		panic(err)
	}
	ev.Seq = f.seq
	return ev
}

func (f *feeder) apply(t *testing.T, typ gt.EventType, tenant string, v any) (*gt.Changes, error) {
	t.Helper()
	ev := f.event(typ, tenant, v)
	f.log = append(f.log, ev)
	var ch gt.Changes
	err := f.e.Apply(&ev, &ch)
	return &ch, err
}

func (f *feeder) must(t *testing.T, typ gt.EventType, tenant string, v any) *gt.Changes {
	t.Helper()
	ch, err := f.apply(t, typ, tenant, v)
	if err != nil {
		t.Fatalf("apply %s: %v", typ, err)
	}
	return ch
}

func tenantCreate(id string) gt.TenantCreate {
	_, hash := gt.NewSecret("gtk")
	return gt.TenantCreate{
		Tenant: gt.Tenant{ID: id, Name: "Bank " + id},
		Key:    gt.APIKeyCreate{Key: gt.APIKey{ID: "admin", Name: "first admin", Role: gt.RoleAdmin}, Hash: hash},
	}
}

func square(lon, lat, d float64) gt.Polygon {
	return gt.Polygon{Type: "Polygon", Coordinates: [][][2]float64{{
		{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}}}
}

// portfolio returns a borrower, a custodian, a warehouse, a loan, a copper lot and a
// load cell, all valid and referring to each other.
func portfolio(n int) gt.Records {
	s := fmt.Sprint(n)
	return gt.Records{
		Parties: []gt.Party{
			{ID: "borrower-" + s, Name: "Dezheng Resources " + s, Roles: []gt.PartyRole{gt.PartyBorrower}, Country: "CN"},
			{ID: "custodian-" + s, Name: "Qingdao Port Warehousing " + s, Roles: []gt.PartyRole{gt.PartyCustodian}, Country: "CN"},
		},
		Sites: []gt.Site{{ID: "wh-" + s, Name: "Dagang bonded warehouse", Kind: gt.SiteWarehouse,
			CustodianID: "custodian-" + s, Boundary: square(120.31, 36.08, 0.002), Zones: []gt.Zone{{ID: "bay-1"}}}},
		Loans: []gt.Loan{{ID: "loan-" + s, BorrowerID: "borrower-" + s, Product: gt.ProductInventory,
			Principal: gt.Money{Amount: 5_000_000_00, Currency: "USD"}, InterestRate: 0.065,
			StartDate: t0, MaturityDate: t0.AddDate(1, 0, 0)}},
		Collateral: []gt.Collateral{{ID: "lot-" + s, Kind: gt.KindInventoryLot,
			Allocations: []gt.Allocation{{LoanID: "loan-" + s, Share: 1}},
			Inventory: &gt.InventoryLot{Commodity: "copper", Quantity: 1200, Unit: "t", SiteID: "wh-" + s,
				ZoneID: "bay-1", ReceiptNo: "QD-2014-" + s, CustodianID: "custodian-" + s}}},
		Devices: []gt.Device{{ID: "cell-" + s, Kind: gt.DeviceLoadCell, CollateralID: "lot-" + s,
			SiteID: "wh-" + s, ZoneID: "bay-1", Interval: gt.Duration(time.Minute)}},
	}
}

func TestApplyRecordsCreatesEveryKind(t *testing.T) {
	f := newFeeder()
	f.must(t, gt.EventTenantCreate, "bank-a", tenantCreate("bank-a"))
	ch := f.must(t, gt.EventRecordsCreate, "bank-a", portfolio(1))
	if len(ch.Parties) != 2 || len(ch.Sites) != 1 || len(ch.Loans) != 1 || len(ch.Collateral) != 1 || len(ch.Devices) != 1 {
		t.Fatalf("changes = %+v, want 2 parties and one of each other kind", ch)
	}
	l := ch.Loans[0]
	if l.TenantID != "bank-a" || l.Version != 2 || !l.CreatedAt.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("loan meta = %+v, want tenant bank-a, version 2, created at event time", l.Meta)
	}
	if l.Status != gt.LoanActive || l.Terms != gt.DefaultTerms || l.Outstanding != l.Principal {
		t.Errorf("loan defaults not applied: status %q terms %+v outstanding %v", l.Status, l.Terms, l.Outstanding)
	}
	if got, ok := f.e.Loan("bank-a", "loan-1"); !ok || got.BorrowerID != "borrower-1" {
		t.Errorf("Loan(bank-a, loan-1) = %+v, %v", got, ok)
	}
}

func TestApplyRejectsAndNamesTheField(t *testing.T) {
	f := newFeeder()
	f.must(t, gt.EventTenantCreate, "bank-a", tenantCreate("bank-a"))
	tests := []struct {
		name  string
		edit  func(r *gt.Records)
		code  string
		field string
	}{
		{"missing borrower", func(r *gt.Records) { r.Loans[0].BorrowerID = "nobody" }, gt.EINVALID, "loans[0].borrower_id"},
		{"borrower without role", func(r *gt.Records) { r.Loans[0].BorrowerID = "custodian-1" }, gt.EINVALID, "loans[0].borrower_id"},
		{"missing zone", func(r *gt.Records) { r.Collateral[0].Inventory.ZoneID = "bay-9" }, gt.EINVALID, "collateral[0].inventory.zone_id"},
		{"missing loan", func(r *gt.Records) { r.Collateral[0].Allocations[0].LoanID = "loan-x" }, gt.EINVALID, "collateral[0].allocations[0].loan_id"},
		{"invalid polygon", func(r *gt.Records) { r.Sites[0].Boundary.Coordinates[0][4] = [2]float64{1, 1} }, gt.EINVALID, "sites[0].boundary.coordinates[0]"},
		{"bad currency", func(r *gt.Records) { r.Loans[0].Principal.Currency = "XYZ" }, gt.EINVALID, "loans[0].principal.currency"},
		{"duplicate in batch", func(r *gt.Records) { r.Parties[1].ID = r.Parties[0].ID }, gt.EINVALID, "parties[1].id"},
		{"device to missing collateral", func(r *gt.Records) { r.Devices[0].CollateralID = "lot-x" }, gt.EINVALID, "devices[0].collateral_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := portfolio(1)
			tc.edit(&r)
			ch, err := f.apply(t, gt.EventRecordsCreate, "bank-a", r)
			if gt.ErrorCode(err) != tc.code || gt.ErrorField(err) != tc.field {
				t.Fatalf("apply = %v (code %q field %q), want code %q field %q", err, gt.ErrorCode(err), gt.ErrorField(err), tc.code, tc.field)
			}
			if !ch.Empty() {
				t.Errorf("rejected event changed %+v", ch)
			}
		})
	}
	// Nothing of the rejected batches was applied: the whole portfolio is still new.
	f.must(t, gt.EventRecordsCreate, "bank-a", portfolio(1))
}

func TestCreateUpdatePutModes(t *testing.T) {
	f := newFeeder()
	f.must(t, gt.EventTenantCreate, "bank-a", tenantCreate("bank-a"))
	f.must(t, gt.EventRecordsCreate, "bank-a", portfolio(1))
	_, err := f.apply(t, gt.EventRecordsCreate, "bank-a", gt.Records{Parties: portfolio(1).Parties[:1]})
	if gt.ErrorCode(err) != gt.ECONFLICT {
		t.Errorf("create existing party: %v, want conflict", err)
	}
	_, err = f.apply(t, gt.EventRecordsUpdate, "bank-a", gt.Records{Parties: portfolio(2).Parties[:1]})
	if gt.ErrorCode(err) != gt.ENOTFOUND || gt.ErrorField(err) != "parties[0].id" {
		t.Errorf("update missing party: %v, want not_found on parties[0].id", err)
	}
	loan := portfolio(1).Loans[0]
	loan.Outstanding = gt.Money{Amount: 4_000_000_00, Currency: "USD"}
	ch := f.must(t, gt.EventRecordsUpdate, "bank-a", gt.Records{Loans: []gt.Loan{loan}})
	got := ch.Loans[0]
	if got.Outstanding.Amount != 4_000_000_00 || got.Version != f.seq || !got.CreatedAt.Equal(t0.Add(2*time.Minute)) || !got.UpdatedAt.Equal(t0.Add(time.Duration(f.seq)*time.Minute)) {
		t.Errorf("updated loan = %+v, want new outstanding, version %d, creation time kept", got, f.seq)
	}
	f.must(t, gt.EventRecordsPut, "bank-a", portfolio(2))
	f.must(t, gt.EventRecordsPut, "bank-a", portfolio(2))
}

func TestTenantsAreIsolated(t *testing.T) {
	f := newFeeder()
	f.must(t, gt.EventTenantCreate, "bank-a", tenantCreate("bank-a"))
	f.must(t, gt.EventTenantCreate, "bank-b", tenantCreate("bank-b"))
	f.must(t, gt.EventRecordsCreate, "bank-a", portfolio(1))
	// bank-b cannot lend to bank-a's borrower or pledge against its warehouse.
	r := portfolio(1)
	r.Parties = nil
	if _, err := f.apply(t, gt.EventRecordsCreate, "bank-b", r); gt.ErrorField(err) != "sites[0].custodian_id" {
		t.Errorf("bank-b referring to bank-a's parties: %v, want error on sites[0].custodian_id", err)
	}
	if _, ok := f.e.Loan("bank-b", "loan-1"); ok {
		t.Error("bank-b sees bank-a's loan")
	}
	if _, err := f.apply(t, gt.EventRecordsCreate, "bank-c", portfolio(1)); gt.ErrorCode(err) != gt.ENOTFOUND {
		t.Errorf("records for a missing tenant: %v, want not_found", err)
	}
	if _, err := f.apply(t, gt.EventTenantCreate, "bank-a", tenantCreate("bank-a")); gt.ErrorCode(err) != gt.ECONFLICT {
		t.Errorf("second tenant bank-a: %v, want conflict", err)
	}
}

func TestDeviceCredentialsSurviveRecordUpdates(t *testing.T) {
	f := newFeeder()
	f.must(t, gt.EventTenantCreate, "bank-a", tenantCreate("bank-a"))
	f.must(t, gt.EventRecordsCreate, "bank-a", portfolio(1))
	_, hash := gt.NewSecret("gtd")
	ch := f.must(t, gt.EventDeviceToken, "bank-a", gt.DeviceCredential{DeviceID: "cell-1", TokenHash: hash})
	if !ch.Devices[0].HasToken || ch.Devices[0].TokenHash != hash {
		t.Fatalf("token not set: %+v", ch.Devices[0])
	}
	key := "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	f.must(t, gt.EventDeviceKey, "bank-a", gt.DeviceCredential{DeviceID: "cell-1", PublicKey: key})
	d := portfolio(1).Devices[0]
	d.HasToken = false // a client cannot clear or forge credentials through a record
	d.Interval = gt.Duration(5 * time.Minute)
	ch = f.must(t, gt.EventRecordsUpdate, "bank-a", gt.Records{Devices: []gt.Device{d}})
	got := ch.Devices[0]
	if !got.HasToken || got.TokenHash != hash || got.PublicKey != key || got.Interval != gt.Duration(5*time.Minute) {
		t.Errorf("device after update = %+v, want token and key kept and interval 5m", got)
	}
	if _, err := f.apply(t, gt.EventDeviceKey, "bank-a", gt.DeviceCredential{DeviceID: "cell-1", PublicKey: "short"}); gt.ErrorCode(err) != gt.EINVALID {
		t.Errorf("bad public key: %v, want invalid", err)
	}
}

func TestOldSequenceIsRefused(t *testing.T) {
	e := engine.New()
	ev := gt.Event{Seq: 5, Type: gt.EventTick, Time: t0}
	if err := e.Apply(&ev, &gt.Changes{}); err != nil {
		t.Fatal(err)
	}
	ev.Seq = 5
	if err := e.Apply(&ev, &gt.Changes{}); err == nil || e.Seq() != 5 {
		t.Errorf("re-applying seq 5: err %v, Seq %d; want an error and Seq 5", err, e.Seq())
	}
}

func TestPricesKeepTheLatestTick(t *testing.T) {
	f := newFeeder()
	f.must(t, gt.EventTenantCreate, "bank-a", tenantCreate("bank-a"))
	tick := func(month time.Month, cents int64) gt.PriceTick {
		return gt.PriceTick{Commodity: "copper", At: time.Date(2014, month, 1, 0, 0, 0, 0, time.UTC),
			Price: gt.Money{Amount: cents, Currency: "USD"}, Unit: "t", Source: "worldbank"}
	}
	f.must(t, gt.EventPricesRecord, "bank-a", gt.Records{Prices: []gt.PriceTick{tick(6, 6821_00), tick(5, 6891_00)}})
	p, ok := f.e.LastPrice("bank-a", "copper")
	if !ok || p.Price.Amount != 6821_00 {
		t.Errorf("LastPrice = %+v, want the June tick 6821.00", p)
	}
	if _, err := f.apply(t, gt.EventPricesRecord, "bank-a", gt.Records{Prices: []gt.PriceTick{tick(7, -1)}}); gt.ErrorField(err) != "prices[0].price.amount" {
		t.Errorf("negative price: %v, want error on prices[0].price.amount", err)
	}
}

// randomHistory applies n random events (valid and invalid) to f.
func randomHistory(t *testing.T, f *feeder, n int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	f.must(t, gt.EventTenantCreate, "bank-a", tenantCreate("bank-a"))
	f.must(t, gt.EventTenantCreate, "bank-b", tenantCreate("bank-b"))
	for i := 0; i < n; i++ {
		tenant := []string{"bank-a", "bank-b"}[rng.IntN(2)]
		k := rng.IntN(20)
		switch rng.IntN(8) {
		case 0:
			f.apply(t, gt.EventRecordsPut, tenant, portfolio(k))
		case 1:
			r := portfolio(k)
			r.Loans[0].Outstanding = gt.Money{Amount: rng.Int64N(5_000_000_00), Currency: "USD"}
			f.apply(t, gt.EventRecordsUpdate, tenant, gt.Records{Loans: r.Loans})
		case 2:
			f.apply(t, gt.EventPricesRecord, tenant, gt.Records{Prices: []gt.PriceTick{{Commodity: "copper",
				At: t0.Add(time.Duration(i) * time.Hour), Price: gt.Money{Amount: 6000_00 + rng.Int64N(2000_00), Currency: "USD"}, Unit: "t"}}})
		case 3:
			_, h := gt.NewSecret("gtd")
			f.apply(t, gt.EventDeviceToken, tenant, gt.DeviceCredential{DeviceID: fmt.Sprintf("cell-%d", k), TokenHash: h})
		case 4:
			r := gt.Release{ID: fmt.Sprintf("rel-%d", i), CollateralID: fmt.Sprintf("lot-%d", k), Direction: gt.ReleaseOut,
				Quantity: float64(1 + rng.IntN(50)), Unit: "t", At: t0}
			f.apply(t, gt.EventRecordsCreate, tenant, gt.Records{Releases: []gt.Release{r}})
		case 5, 6:
			f.apply(t, gt.EventIngest, tenant, randomIngest(rng, i, k))
		default:
			switch i % 40 {
			case 7: // now and then a new policy, which revalues everything
				c, blind := 0.5+rng.Float64()/2, gt.Duration(time.Duration(1+rng.IntN(48))*time.Hour)
				f.apply(t, gt.EventPolicyPut, tenant, gt.Policy{UnsignedTrustCap: &c, BlindAfter: &blind})
				continue
			case 13: // a scorecard's PDs
				f.apply(t, gt.EventLoanPDs, tenant, gt.LoanPDs{Items: []gt.LoanPD{{LoanID: portfolio(k).Loans[0].ID, PD: 0.001 + rng.Float64()/10}}})
				continue
			case 19: // an exchange rate
				f.apply(t, gt.EventPricesRecord, tenant, gt.Records{Prices: []gt.PriceTick{{Commodity: "fx.eur", At: t0.Add(time.Duration(i) * time.Hour),
					Price: gt.Money{Amount: 1_000_000 + rng.Int64N(200_000), Currency: "USD"}, Unit: "10000EUR"}}})
				continue
			}
			f.apply(t, gt.EventTick, tenant, nil)
		}
	}
}

// randomIngest returns a batch of packs from the load cells of portfolio(k) and its
// neighbours: readings, resends, replays, status reports and refusals.
func randomIngest(rng *rand.Rand, i, k int) gt.IngestBatch {
	var b gt.IngestBatch
	for n := 1 + rng.IntN(4); n > 0; n-- {
		dev := fmt.Sprintf("cell-%d", (k+n)%20)
		p := gt.DevicePack{Device: dev, Via: gt.ViaMQTT, Received: t0.Add(time.Duration(i) * time.Minute),
			Digest: fmt.Sprintf("%032x", rng.IntN(40))}
		switch rng.IntN(5) {
		case 0:
			p.Status = &gt.StatusReport{State: gt.StateOffline, Will: true}
		case 1:
			p.Rejected = &gt.IngestFailure{Reason: gt.ReasonSignature, Message: "bad"}
		default:
			p.Signed, p.Seq = rng.IntN(2) == 0, uint64(rng.IntN(100))
			for r := rng.IntN(6); r > 0; r-- {
				v := rng.Float64() * 1000
				at := t0.Add(time.Duration(i)*time.Minute - time.Duration(rng.IntN(900))*time.Second)
				p.Readings = append(p.Readings, gt.Reading{Name: []string{"mass", "temp", "count"}[rng.IntN(3)], T: at.UnixMicro(), V: &v})
			}
		}
		b.Items = append(b.Items, p)
	}
	return b
}

func TestSnapshotPlusTailEqualsFullReplay(t *testing.T) {
	f := newFeeder()
	randomHistory(t, f, 600, 42)
	want, err := f.e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{0, 1, 77, 300, len(f.log)} {
		e := engine.New()
		replay(t, e, f.log[:cut])
		snap, err := e.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		restored, err := engine.Restore(snap)
		if err != nil {
			t.Fatalf("Restore: %v", err)
		}
		applyTail(t, restored, f.log, cut)
		got, err := restored.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("snapshot at %d + tail differs from the live engine (%d vs %d bytes)", cut, len(got), len(want))
		}
	}
	// The secrets are restored, not lost: the state was not trivially equal.
	var s struct {
		Secrets map[string]map[string]string `json:"secrets"`
	}
	if err := json.Unmarshal(want, &s); err != nil || len(s.Secrets["bank-a"]) < 2 {
		t.Errorf("snapshot secrets = %v (err %v), want the admin key and device tokens", s.Secrets["bank-a"], err)
	}
}

func TestReplayIsDeterministic(t *testing.T) {
	f := newFeeder()
	randomHistory(t, f, 300, 7)
	a, b := engine.New(), engine.New()
	replay(t, a, f.log)
	replay(t, b, f.log)
	sa, _ := a.Snapshot()
	sb, _ := b.Snapshot()
	if !bytes.Equal(sa, sb) || a.Seq() != uint64(len(f.log)) {
		t.Errorf("two replays differ or stop early: seq %d, want %d", a.Seq(), len(f.log))
	}
}

func replay(t *testing.T, e *engine.Engine, log []gt.Event) *engine.AlertLog {
	t.Helper()
	var alerts engine.AlertLog
	for i := range log {
		var ch gt.Changes
		err := e.Apply(&log[i], &ch)
		if err != nil && gt.ErrorCode(err) == gt.EINTERNAL {
			t.Fatalf("event %d: %v", log[i].Seq, err)
		}
		if err == nil {
			alerts.Add(&ch)
		}
	}
	return &alerts
}

func TestRestoreRejectsGarbage(t *testing.T) {
	for _, in := range []string{"", "{", `{"format":99}`, `{"format":1,"tenants":{"x":null}}`} {
		if _, err := engine.Restore([]byte(in)); err == nil {
			t.Errorf("Restore(%q) succeeded", in)
		}
	}
}

func TestUpdatesKeepOthersReferencesValid(t *testing.T) {
	f := newFeeder()
	f.must(t, gt.EventTenantCreate, "bank-a", tenantCreate("bank-a"))
	f.must(t, gt.EventRecordsCreate, "bank-a", portfolio(1))
	f.must(t, gt.EventRecordsCreate, "bank-a", gt.Records{Releases: []gt.Release{{ID: "rel-1", CollateralID: "lot-1",
		Direction: gt.ReleaseOut, Quantity: 20, Unit: "t", At: t0}}})
	p := portfolio(1)
	custodian := p.Parties[1]
	custodian.Roles = []gt.PartyRole{gt.PartyBorrower}
	site := p.Sites[0]
	site.Zones = nil
	lot := p.Collateral[0]
	lot.Kind, lot.Inventory = gt.KindVehicle, nil
	lot.Vehicle = &gt.Vehicle{VIN: "1HGCM82633A004352", Value: gt.Money{Amount: 1, Currency: "USD"}}
	litre := p.Collateral[0]
	inv := *litre.Inventory
	inv.Unit = "l"
	litre.Inventory = &inv
	tests := []struct {
		name  string
		r     gt.Records
		field string
	}{
		{"custodian loses its role", gt.Records{Parties: []gt.Party{custodian}}, "parties[0].roles"},
		{"zone removed under a lot and a device", gt.Records{Sites: []gt.Site{site}}, "sites[0].zones"},
		{"lot with releases becomes a vehicle", gt.Records{Collateral: []gt.Collateral{lot}}, "collateral[0].kind"},
		{"lot with releases in t changes to litres", gt.Records{Collateral: []gt.Collateral{litre}}, "collateral[0].inventory.unit"},
	}
	for _, tc := range tests {
		for _, typ := range []gt.EventType{gt.EventRecordsUpdate, gt.EventRecordsPut} {
			ch, err := f.apply(t, typ, "bank-a", tc.r)
			if gt.ErrorField(err) != tc.field || !ch.Empty() {
				t.Errorf("%s (%s): %v, want a rejection on %s", tc.name, typ, err, tc.field)
			}
		}
	}
	// Replacing the referrers in the same event makes the change valid.
	site.Zones = nil
	lotNoZone := p.Collateral[0]
	invNoZone := *lotNoZone.Inventory
	invNoZone.ZoneID = ""
	lotNoZone.Inventory = &invNoZone
	dev := p.Devices[0]
	dev.ZoneID = ""
	f.must(t, gt.EventRecordsUpdate, "bank-a", gt.Records{Sites: []gt.Site{site}, Collateral: []gt.Collateral{lotNoZone}, Devices: []gt.Device{dev}})
}

func TestRestoreRejectsNullOrMisfiledRecords(t *testing.T) {
	for _, in := range []string{
		`{"format":1,"tenants":{"t":{"tenant":{"id":"t","name":"T"},"keys":{"k":null}}}}`,
		`{"format":1,"tenants":{"t":{"tenant":{"id":"t","name":"T"},"devices":{"d":null}}}}`,
		`{"format":1,"tenants":{"t":{"tenant":{"id":"t","name":"T"},"parties":{"p":null}}}}`,
		`{"format":1,"tenants":{"t":{"tenant":{"id":"t","name":"T"},"prices":{"copper":null}}}}`,
		`{"format":1,"tenants":{"t":{"tenant":{"id":"t","name":"T"},"loans":{"a":{"id":"b"}}}}}`,
		`{"format":1,"tenants":{"t":{"tenant":{"id":"u","name":"U"}}}}`,
	} {
		if _, err := engine.Restore([]byte(in)); err == nil {
			t.Errorf("Restore(%s) succeeded", in)
		}
	}
}
