package engine_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/engine"
)

// Fuzz targets of the engine. Seeds beyond the f.Add calls are committed under
// testdata/fuzz/<FuzzName>/; run one target at a time, e.g.
//
//	go test ./engine -run '^$' -fuzz '^FuzzEngineApply$' -fuzztime 45s

var fuzzT0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// fuzzTypes are the event types a fuzzed selector byte picks from; the last is unknown
// to the engine.
var fuzzTypes = []gt.EventType{
	gt.EventTenantCreate, gt.EventAPIKeyCreate, gt.EventAPIKeyRevoke, gt.EventRecordsCreate,
	gt.EventRecordsUpdate, gt.EventRecordsPut, gt.EventDeviceToken, gt.EventDeviceKey,
	gt.EventPricesRecord, gt.EventTick, "records.delete",
}

// fuzzPortfolio is bank-a's first records: a borrower, a custodian, a bonded warehouse
// at Qingdao Dagang with one bay, a copper loan, the copper lot pledged for it and the
// lot's load cell.
const fuzzPortfolio = `{"parties":[` +
	`{"id":"borrower-1","name":"Dezheng Resources","roles":["borrower"],"country":"CN"},` +
	`{"id":"custodian-1","name":"Qingdao Port Warehousing","roles":["custodian"],"country":"CN"}],` +
	`"sites":[{"id":"wh-1","name":"Dagang bonded warehouse","kind":"warehouse","custodian_id":"custodian-1",` +
	`"boundary":{"type":"Polygon","coordinates":[[[120.3101,36.0812],[120.3135,36.0812],[120.3135,36.0839],[120.3101,36.0839],[120.3101,36.0812]]]},` +
	`"zones":[{"id":"bay-1"}]}],` +
	`"loans":[{"id":"loan-1","borrower_id":"borrower-1","product":"inventory","principal":{"amount":500000000,"currency":"USD"},` +
	`"interest_rate":0.065,"start_date":"2026-03-02T08:00:00Z","maturity_date":"2027-03-02T08:00:00Z"}],` +
	`"collateral":[{"id":"lot-1","kind":"inventory_lot","allocations":[{"loan_id":"loan-1","share":1}],` +
	`"inventory":{"commodity":"copper","quantity":1200,"unit":"t","site_id":"wh-1","zone_id":"bay-1","receipt_no":"QD-2014-1","custodian_id":"custodian-1"}}],` +
	`"devices":[{"id":"cell-1","kind":"load_cell","collateral_id":"lot-1","site_id":"wh-1","zone_id":"bay-1","interval":"1m"}]}`

// fuzzData are realistic event data, one or more per type, used as seeds.
var fuzzData = []struct {
	typ  gt.EventType
	b    bool // for bank-b rather than bank-a
	data string
}{
	{gt.EventTenantCreate, true, `{"tenant":{"id":"bank-b","name":"Bank B"},"key":{"key":{"id":"admin","name":"first admin","role":"admin"},` +
		`"hash":"` + gt.HashSecret("gtk_fuzz_bank-b") + `"}}`},
	{gt.EventAPIKeyCreate, false, `{"key":{"id":"analyst-1","name":"analyst","role":"analyst"},"hash":"` + gt.HashSecret("gtk_fuzz_analyst") + `"}`},
	{gt.EventAPIKeyRevoke, false, `{"id":"admin"}`},
	{gt.EventRecordsCreate, false, `{"parties":[{"id":"borrower-2","name":"Rizhao Metals","roles":["borrower"],"related_parties":["borrower-1"]}],` +
		`"loans":[{"id":"loan-2","borrower_id":"borrower-2","product":"receivables","principal":{"amount":1000,"currency":"KWD"},` +
		`"start_date":"2026-01-01T00:00:00+08:00","maturity_date":"2026-07-01T00:00:00+08:00"}]}`},
	{gt.EventRecordsUpdate, false, `{"loans":[{"id":"loan-1","borrower_id":"borrower-1","product":"inventory","principal":{"amount":500000000,"currency":"USD"},` +
		`"outstanding":{"amount":420000000,"currency":"USD"},"interest_rate":0.065,"start_date":"2026-03-02T08:00:00Z","maturity_date":"2027-03-02T08:00:00Z",` +
		`"status":"overdue","days_past_due":3,"terms":{"warn_ltv":0.6,"margin_call_ltv":0.75,"liquidation_ltv":0.85,"cure_period":"48h"}}]}`},
	{gt.EventRecordsPut, false, `{"collateral":[{"id":"truck-1","kind":"vehicle","allocations":[{"loan_id":"loan-1","share":0.5}],` +
		`"vehicle":{"vin":"1HGCM82633A004352","value":{"amount":4500000,"currency":"USD"},"site_id":"wh-1"}}],` +
		`"releases":[{"id":"rel-1","collateral_id":"lot-1","direction":"out","quantity":50000,"unit":"kg","at":"2026-03-05T10:00:00Z"}]}`},
	{gt.EventRecordsPut, false, fuzzPortfolio},
	{gt.EventDeviceToken, false, `{"device_id":"cell-1","token_hash":"` + gt.HashSecret("gtd_fuzz_cell-1") + `"}`},
	{gt.EventDeviceKey, false, `{"device_id":"cell-1","public_key":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`},
	{gt.EventPricesRecord, false, `{"prices":[{"commodity":"copper","at":"2014-06-01T00:00:00Z","price":{"amount":682100,"currency":"USD"},"unit":"t","source":"worldbank"},` +
		`{"commodity":"copper","at":"2014-05-01T00:00:00+08:00","price":{"amount":689100,"currency":"USD"},"unit":"t"}]}`},
	{gt.EventTick, false, ``},
}

// fuzzSelector returns the byte that makes fuzzEvent build an event of typ.
func fuzzSelector(typ gt.EventType, bankB bool) uint8 {
	for i, x := range fuzzTypes {
		if x == typ {
			if bankB {
				return uint8(i) | 0x80
			}
			return uint8(i)
		}
	}
	panic("unknown event type " + string(typ))
}

// fuzzEvent builds event seq from a selector byte and data: the low six bits choose the
// type among fuzzTypes, bit 7 the tenant (bank-a exists, bank-b does not yet) and bit 6
// an event time earlier than the engine's.
func fuzzEvent(seq uint64, sel uint8, data []byte) gt.Event {
	ev := gt.Event{Seq: seq, ID: fmt.Sprintf("ev-%d", seq), Type: fuzzTypes[int(sel&0x3f)%len(fuzzTypes)],
		Tenant: "bank-a", Time: fuzzT0.Add(time.Duration(seq) * time.Minute), Actor: "fuzz"}
	if sel&0x80 != 0 {
		ev.Tenant = "bank-b"
	}
	if sel&0x40 != 0 {
		ev.Time = fuzzT0.Add(-time.Duration(seq) * time.Hour)
	}
	if len(data) > 0 {
		ev.Data = json.RawMessage(data)
	}
	return ev
}

// fuzzBase returns an engine holding tenant bank-a and fuzzPortfolio, and its sequence.
func fuzzBase(t testing.TB) (*engine.Engine, uint64) {
	t.Helper()
	e := engine.New()
	tc := gt.TenantCreate{
		Tenant: gt.Tenant{ID: "bank-a", Name: "Bank A"},
		Key: gt.APIKeyCreate{Key: gt.APIKey{ID: "admin", Name: "first admin", Role: gt.RoleAdmin},
			Hash: gt.HashSecret("gtk_fuzz_bank-a")},
	}
	var seq uint64
	for _, x := range []struct {
		typ gt.EventType
		v   any
	}{{gt.EventTenantCreate, tc}, {gt.EventRecordsCreate, json.RawMessage(fuzzPortfolio)}} {
		seq++
		ev, err := gt.NewEvent(x.typ, "bank-a", fuzzT0.Add(time.Duration(seq)*time.Minute), "fuzz", x.v)
		if err != nil {
			t.Fatal(err)
		}
		ev.Seq = seq
		if err := e.Apply(&ev, &gt.Changes{}); err != nil {
			t.Fatalf("base event %s: %v", x.typ, err)
		}
	}
	return e, seq
}

// FuzzEngineApply applies three fuzzed events (type chosen by a byte among the real
// event types, arbitrary data) to an engine holding a tenant and a portfolio. Apply never
// panics; a rejected event returns a *groundtruth.Error, leaves Changes empty and the
// snapshot unchanged except for the sequence and time; an accepted one reports records
// stamped with the event and as the engine now holds them. Afterwards Snapshot, Restore,
// Snapshot gives identical bytes, and the restored engine applies the same events again
// exactly as the live one does.
func FuzzEngineApply(f *testing.F) {
	for _, d := range fuzzData {
		tick := fuzzSelector(gt.EventTick, false)
		f.Add(fuzzSelector(d.typ, d.b), []byte(d.data), tick, []byte(nil), tick, []byte(nil))
	}
	sel := func(typ gt.EventType) uint8 { return fuzzSelector(typ, false) }
	token := []byte(`{"device_id":"cell-1","token_hash":"` + gt.HashSecret("gtd_fuzz_cell-1") + `"}`)
	f.Add(fuzzSelector(gt.EventTenantCreate, true), []byte(fuzzData[0].data),
		fuzzSelector(gt.EventRecordsCreate, true), []byte(fuzzPortfolio),
		fuzzSelector(gt.EventDeviceToken, true), token)
	f.Add(sel(gt.EventDeviceToken), token, sel(gt.EventRecordsUpdate), []byte(`{"devices":[{"id":"cell-1","kind":"load_cell",`+
		`"collateral_id":"lot-1","interval":"5m","has_token":false}]}`), sel(gt.EventDeviceToken), token)
	f.Add(sel(gt.EventAPIKeyRevoke), []byte(`{"id":"admin"}`), sel(gt.EventAPIKeyCreate),
		[]byte(`{"key":{"id":"admin","name":"again","role":"admin"},"hash":"`+gt.HashSecret("gtk_fuzz_bank-a")+`"}`),
		sel(gt.EventRecordsCreate)|0x40, []byte(`{"releases":[{"id":"rel-9","collateral_id":"lot-1","direction":"in","quantity":1,"unit":"t","at":"2026-03-05T10:00:00Z"}]}`))
	f.Add(sel(gt.EventRecordsCreate), []byte(`{"loans":[{"id":"loan-1"}]}`), sel(gt.EventPricesRecord), []byte(`{"loans":[]}`),
		uint8(len(fuzzTypes)-1), []byte(`{}`))
	f.Add(sel(gt.EventRecordsPut), []byte(`{"parties":null}`), sel(gt.EventRecordsPut), []byte(`{"parties":[{"id":"x"}],"prices":[{}]}`),
		sel(gt.EventRecordsUpdate), []byte(`{"unknown":1}`))
	f.Fuzz(func(t *testing.T, sel1 uint8, data1 []byte, sel2 uint8, data2 []byte, sel3 uint8, data3 []byte) {
		e, seq := fuzzBase(t)
		evs := []gt.Event{fuzzEvent(seq+1, sel1, data1), fuzzEvent(seq+2, sel2, data2), fuzzEvent(seq+3, sel3, data3)}
		for i := range evs {
			fuzzApply(t, e, &evs[i])
		}
		snap := fuzzSnapshot(t, e, "after the events")
		r, err := engine.Restore(snap)
		if err != nil {
			t.Fatalf("Restore(own snapshot) = %v", err)
		}
		if again := fuzzSnapshot(t, r, "of the restored engine"); !bytes.Equal(again, snap) {
			t.Fatalf("Snapshot -> Restore -> Snapshot differs:\n%s\n%s", snap, again)
		}
		// The restored engine goes on as the live one: same errors, same changes.
		for i := range evs {
			ev := evs[i]
			ev.Seq += uint64(len(evs))
			var chLive, chRest gt.Changes
			errLive, errRest := e.Apply(&ev, &chLive), r.Apply(&ev, &chRest)
			if fmt.Sprint(errLive) != fmt.Sprint(errRest) {
				t.Fatalf("event %d %s: live engine %v, restored engine %v", ev.Seq, ev.Type, errLive, errRest)
			}
			bl, errL := json.Marshal(&chLive)
			br, errR := json.Marshal(&chRest)
			if errL != nil || errR != nil || !bytes.Equal(bl, br) {
				t.Fatalf("event %d %s changes: live engine %s (%v), restored engine %s (%v)", ev.Seq, ev.Type, bl, errL, br, errR)
			}
		}
		if a, b := fuzzSnapshot(t, e, "live"), fuzzSnapshot(t, r, "restored"); !bytes.Equal(a, b) {
			t.Fatalf("after the same events the live and restored engines differ:\n%s\n%s", a, b)
		}
	})
}

// fuzzApply applies ev to e and checks the properties of FuzzEngineApply.
func fuzzApply(t *testing.T, e *engine.Engine, ev *gt.Event) {
	t.Helper()
	before := fuzzSnapshot(t, e, "before event")
	var ch gt.Changes
	err := e.Apply(ev, &ch)
	after := fuzzSnapshot(t, e, fmt.Sprintf("after event %d %s (error %v)", ev.Seq, ev.Type, err))
	if e.Seq() != ev.Seq {
		t.Fatalf("after event %d Seq() = %d", ev.Seq, e.Seq())
	}
	if err != nil {
		if gt.ErrorCode(err) == gt.EINTERNAL {
			t.Fatalf("event %d %s %s: error %v is not a *groundtruth.Error", ev.Seq, ev.Type, ev.Data, err)
		}
		if !ch.Empty() {
			t.Fatalf("event %d %s rejected (%v) but changed %+v", ev.Seq, ev.Type, err, ch)
		}
		if b, a := withoutClock(t, before), withoutClock(t, after); b != a {
			t.Fatalf("event %d %s %s rejected (%v) but the state changed:\n%s\n%s", ev.Seq, ev.Type, ev.Data, err, b, a)
		}
		return
	}
	if ch.Seq != ev.Seq {
		t.Fatalf("event %d: Changes.Seq = %d", ev.Seq, ch.Seq)
	}
	stamped := func(kind string, i int, m gt.Meta) {
		if m.TenantID != ev.Tenant || m.Version != ev.Seq || !m.UpdatedAt.Equal(ev.Time) {
			t.Fatalf("event %d %s: %s[%d] meta %+v, want tenant %s, version %d, updated %v",
				ev.Seq, ev.Type, kind, i, m, ev.Tenant, ev.Seq, ev.Time)
		}
	}
	for i, x := range ch.Tenants {
		stamped("tenants", i, x.Meta)
		if got, ok := e.Tenant(x.ID); !ok || x.ID != ev.Tenant || !fuzzSameJSON(got, x) {
			t.Fatalf("event %d: changed tenant %+v, engine holds %+v (%v)", ev.Seq, x, got, ok)
		}
	}
	for i, x := range ch.APIKeys {
		stamped("api_keys", i, x.Meta)
	}
	for i, x := range ch.Parties {
		stamped("parties", i, x.Meta)
	}
	for i, x := range ch.Sites {
		stamped("sites", i, x.Meta)
	}
	for i, x := range ch.Loans {
		stamped("loans", i, x.Meta)
		if got, ok := e.Loan(ev.Tenant, x.ID); !ok || !fuzzSameJSON(got, x) {
			t.Fatalf("event %d: changed loan %+v, engine holds %+v (%v)", ev.Seq, x, got, ok)
		}
	}
	for i, x := range ch.Collateral {
		stamped("collateral", i, x.Meta)
	}
	for i, x := range ch.Devices {
		stamped("devices", i, x.Meta)
	}
	for i, x := range ch.Releases {
		stamped("releases", i, x.Meta)
	}
	for _, x := range ch.Prices {
		last, ok := e.LastPrice(ev.Tenant, x.Commodity)
		if x.Seq != ev.Seq || x.TenantID != ev.Tenant || !ok || last.At.Before(x.At) {
			t.Fatalf("event %d: price %+v, latest held %+v (%v)", ev.Seq, x, last, ok)
		}
	}
}

func fuzzSnapshot(t *testing.T, e *engine.Engine, when string) []byte {
	t.Helper()
	b, err := e.Snapshot()
	if err != nil {
		t.Fatalf("Snapshot %s: %v", when, err)
	}
	return b
}

// withoutClock returns a snapshot without its sequence and engine time.
func withoutClock(t *testing.T, snap []byte) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(snap, &m); err != nil {
		t.Fatalf("snapshot is not a JSON object: %v", err)
	}
	delete(m, "seq")
	delete(m, "now")
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func fuzzSameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// FuzzRestore restores engines from arbitrary bytes. Restore never panics; an engine it
// returns snapshots, restores from that snapshot to the same bytes, and accepts further
// events (a tick, then records, prices, keys and a device token for each tenant) without
// panicking or failing with anything but a *groundtruth.Error.
func FuzzRestore(f *testing.F) {
	e, seq := fuzzBase(f)
	if snap, err := e.Snapshot(); err == nil {
		f.Add(snap)
	}
	for i, d := range fuzzData {
		ev := fuzzEvent(seq+uint64(i)+1, fuzzSelector(d.typ, d.b), []byte(d.data))
		e.Apply(&ev, &gt.Changes{})
	}
	if snap, err := e.Snapshot(); err == nil {
		f.Add(snap)
	}
	for _, s := range []string{
		`{"format":1}`, `{"format":1,"seq":18446744073709551615,"tenants":{},"secrets":{}}`,
		`{"format":1,"seq":3,"now":"2026-03-02T08:03:00Z","tenants":{"bank-a":{"tenant":{"id":"bank-a","name":"Bank A"},"parties":null,"loans":{}}},` +
			`"secrets":{"bank-a":{"key:admin":"x"},"bank-z":{}}}`,
		`{"format":1,"tenants":{"x":null}}`, `{"format":2}`, `{"format":"1"}`, `[]`, `null`, ``,
		// Null entries where the restore reads every entry (older snapshots are migrated).
		`{"format":3,"tenants":{"t":{"tenant":{"id":"t","name":"T"},"risk":{"lots":{"l":null}}}}}`,
		`{"format":3,"tenants":{"t":{"tenant":{"id":"t","name":"T"},"risk":{"alerts":{"a":null}}}}}`,
		`{"format":3,"tenants":{"t":{"tenant":{"id":"t","name":"T"},"risk":{"actions":{"x":null}}}}}`,
		`{"format":4,"tenants":{"t":{"tenant":{"id":"t","name":"T"},"risk":{"signals":{"s":null}}}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := engine.Restore(data)
		if err != nil {
			return
		}
		snap := fuzzSnapshot(t, e, "of a restored engine")
		r, err := engine.Restore(snap)
		if err != nil {
			t.Fatalf("Restore(own snapshot %s) = %v", snap, err)
		}
		if again := fuzzSnapshot(t, r, "restored twice"); !bytes.Equal(again, snap) {
			t.Fatalf("Snapshot -> Restore -> Snapshot differs:\n%s\n%s", snap, again)
		}
		if r.Seq() != e.Seq() || !r.Now().Equal(e.Now()) {
			t.Fatalf("restored twice: seq %d now %v, want %d %v", r.Seq(), r.Now(), e.Seq(), e.Now())
		}
		if e.Seq() > math.MaxUint64-100 {
			return // no room for more events
		}
		seq := e.Seq() + 1
		tick := gt.Event{Seq: seq, ID: "tick", Type: gt.EventTick, Time: fuzzT0}
		if err := e.Apply(&tick, &gt.Changes{}); err != nil || e.Seq() != seq {
			t.Fatalf("Apply(tick %d) = %v, Seq() = %d", seq, err, e.Seq())
		}
		var s struct {
			Tenants map[string]json.RawMessage `json:"tenants"`
		}
		if err := json.Unmarshal(snap, &s); err != nil {
			t.Fatal(err)
		}
		var tenants []string
		for id := range s.Tenants {
			tenants = append(tenants, id)
		}
		sort.Strings(tenants)
		if len(tenants) > 3 {
			tenants = tenants[:3]
		}
		for _, tenant := range tenants {
			for _, d := range fuzzData[1:] {
				seq++
				ev := fuzzEvent(seq, fuzzSelector(d.typ, false), []byte(d.data))
				ev.Tenant = tenant
				if err := e.Apply(&ev, &gt.Changes{}); gt.ErrorCode(err) == gt.EINTERNAL {
					t.Fatalf("restored engine: event %d %s for %q: error %v is not a *groundtruth.Error", seq, ev.Type, tenant, err)
				}
			}
		}
		fuzzSnapshot(t, e, "after events on a restored engine")
	})
}
