package ingest_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/ingest"
)

var now = time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)

// fakeStore holds devices and health rows; it counts lookups.
type fakeStore struct {
	mu      sync.Mutex
	devices map[string]*gt.Device // tenant/id
	tokens  map[string]*gt.Device // hash
	health  map[string]*gt.DeviceHealth
	tenants map[string]*gt.Tenant
}

func (f *fakeStore) Tenant(_ context.Context, id string) (*gt.Tenant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.tenants[id]; ok {
		c := *t
		return &c, nil
	}
	return nil, gt.Errorf(gt.ENOTFOUND, "tenant %s not found", id)
}

func (f *fakeStore) Device(_ context.Context, tenant, id string) (*gt.Device, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.devices[tenant+"/"+id]; ok {
		c := *d
		return &c, nil
	}
	return nil, gt.Errorf(gt.ENOTFOUND, "device %s not found", id)
}

func (f *fakeStore) DeviceHealth(_ context.Context, tenant, id string) (*gt.DeviceHealth, error) {
	if h, ok := f.health[tenant+"/"+id]; ok {
		return h, nil
	}
	return nil, gt.Errorf(gt.ENOTFOUND, "no health")
}

func (f *fakeStore) DeviceByTokenHash(_ context.Context, hash string) (*gt.Device, error) {
	if d, ok := f.tokens[hash]; ok {
		return d, nil
	}
	return nil, gt.Errorf(gt.ENOTFOUND, "no such token")
}

type fixture struct {
	j     *memJournal
	store *fakeStore
	svc   *ingest.Service
	dev   *gt.Device // unsigned, token "tok-1"
	sdev  *gt.Device // signed
	key   ed25519.PrivateKey
}

func newFixture(t *testing.T, o ingest.Options) *fixture {
	t.Helper()
	pub, key, _ := ed25519.GenerateKey(nil)
	f := &fixture{j: &memJournal{}, key: key,
		dev:  &gt.Device{ID: "cell-1", Kind: gt.DeviceLoadCell, SiteID: "wh-1", Meta: gt.Meta{TenantID: "bank-a"}},
		sdev: &gt.Device{ID: "cell-2", Kind: gt.DeviceLoadCell, SiteID: "wh-1", PublicKey: base64.RawURLEncoding.EncodeToString(pub), Meta: gt.Meta{TenantID: "bank-a"}},
	}
	f.store = &fakeStore{
		devices: map[string]*gt.Device{"bank-a/cell-1": f.dev, "bank-a/cell-2": f.sdev},
		tokens:  map[string]*gt.Device{gt.HashSecret("tok-1"): f.dev},
		health:  map[string]*gt.DeviceHealth{},
		tenants: map[string]*gt.Tenant{"bank-a": {ID: "bank-a", Name: "A"}},
	}
	c, _ := startCommitter(t, f.j, ingest.CommitterOptions{})
	o.Committer, o.Store = c, f.store
	if o.Now == nil {
		o.Now = func() time.Time { return now }
	}
	svc, err := ingest.NewService(o)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

// packs returns every pack appended so far, in order.
func (f *fixture) packs(t *testing.T) []gt.DevicePack {
	t.Helper()
	f.j.mu.Lock()
	defer f.j.mu.Unlock()
	var out []gt.DevicePack
	for _, ev := range f.j.events {
		var b gt.IngestBatch
		if err := json.Unmarshal(ev.Data, &b); err != nil {
			t.Fatalf("event %d: %v", ev.Seq, err)
		}
		if ev.Type != gt.EventIngest || ev.Tenant != "bank-a" {
			t.Errorf("event %d is %s of %q", ev.Seq, ev.Type, ev.Tenant)
		}
		out = append(out, b.Items...)
	}
	return out
}

func (f *fixture) sign(t *testing.T, seq uint64, payload string) []byte {
	t.Helper()
	b, err := ingest.Sign(f.key, f.sdev.ID, seq, []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const senmlPack = `[{"bn":"urn:dev:cell-1:","bt":1777896000,"n":"mass","u":"kg","v":1234.5},{"n":"door","vb":false,"t":1},{"n":"tags","vs":"E1,E2"}]`

func TestAcceptUnsignedSenMLAndPlainJSON(t *testing.T) {
	f := newFixture(t, ingest.Options{})
	res, err := f.svc.Accept(context.Background(), f.dev, gt.ViaMQTT, []byte(senmlPack))
	if err != nil || res.Packs != 1 || res.Readings != 3 || res.Seq != 1 {
		t.Fatalf("Accept = %+v, %v", res, err)
	}
	if _, err := f.svc.Accept(context.Background(), f.dev, gt.ViaHTTP, []byte(`{"t":1777896005,"temp":21.5,"rh":40}`)); err != nil {
		t.Fatal(err)
	}
	ps := f.packs(t)
	if len(ps) != 2 {
		t.Fatalf("%d packs appended, want 2", len(ps))
	}
	p := ps[0]
	if p.Device != "cell-1" || p.Via != gt.ViaMQTT || p.Signed || !p.Received.Equal(now) || len(p.Digest) != 32 {
		t.Errorf("pack = %+v", p)
	}
	r := p.Readings
	if r[0].Name != "mass" || r[0].Unit != "kg" || *r[0].V != 1234.5 || r[0].T != 1777896000_000000 {
		t.Errorf("reading 0 = %+v", r[0])
	}
	if r[1].Name != "door" || r[1].B == nil || *r[1].B || r[1].T != 1777896001_000000 {
		t.Errorf("reading 1 = %+v", r[1])
	}
	if r[2].S == nil || *r[2].S != "E1,E2" {
		t.Errorf("reading 2 = %+v", r[2])
	}
	if q := ps[1].Readings; len(q) != 2 || q[0].Name != "temp" || q[0].Unit != "Cel" || *q[1].V != 40 || ps[1].Via != gt.ViaHTTP {
		t.Errorf("plain JSON readings = %+v", q)
	}
}

func TestRefusalsGiveReasonAndRecordNothingElse(t *testing.T) {
	future := now.Add(10 * time.Minute).Unix()
	for _, c := range []struct {
		name, payload, reason, code, field string
	}{
		{"unit", `[{"n":"mass","u":"lb","v":1,"t":1777896000}]`, gt.ReasonUnit, gt.EINVALID, "[0].u"},
		{"future", fmt.Sprintf(`[{"n":"mass","v":1,"t":%d}]`, future), gt.ReasonFuture, gt.EINVALID, "[0].t"},
		{"infinite", `[{"n":"mass","v":1e999,"t":1777896000}]`, gt.ReasonNotFinite, gt.EINVALID, "[0].v"},
		{"unknown name", `[{"n":"weight","v":1,"t":1777896000}]`, gt.ReasonMalformed, gt.EINVALID, "[0].n"},
		{"wrong kind", `[{"n":"door","v":1,"t":1777896000}]`, gt.ReasonMalformed, gt.EINVALID, "[0].vb"},
		{"second record bad", `[{"n":"mass","v":1,"t":1777896000},{"n":"temp","u":"K","v":300,"t":1777896000}]`, gt.ReasonUnit, gt.EINVALID, "[1].u"},
		{"syntax", `[{"n":"mass",`, gt.ReasonMalformed, gt.EINVALID, ""},
		{"oversize", `[{"n":"tags","vs":"` + strings.Repeat("E", 70000) + `"}]`, gt.ReasonTooLarge, gt.ETOOLARGE, ""},
		{"jws garbage", `eyJhbGciOiJFZERTQSJ9.e30.AAAA`, gt.ReasonMalformed, gt.EINVALID, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, ingest.Options{})
			_, err := f.svc.Accept(context.Background(), f.dev, gt.ViaMQTT, []byte(c.payload))
			if ingest.ReasonOf(err) != c.reason || gt.ErrorCode(err) != c.code {
				t.Fatalf("err = %v (reason %q, code %q), want %s/%s", err, ingest.ReasonOf(err), gt.ErrorCode(err), c.reason, c.code)
			}
			if c.field != "" && gt.ErrorField(err) != c.field {
				t.Errorf("field = %q, want %q (%v)", gt.ErrorField(err), c.field, err)
			}
			if !strings.HasPrefix(gt.ErrorMessage(err), c.reason+": ") {
				t.Errorf("message %q does not start with the reason", gt.ErrorMessage(err))
			}
			ps := f.packs(t)
			if len(ps) != 1 || ps[0].Rejected == nil || ps[0].Rejected.Reason != c.reason || len(ps[0].Readings) != 0 {
				t.Fatalf("journal holds %+v, want only the refusal", ps)
			}
			if got := f.svc.Counters()["cell-1"][c.reason]; got != 1 {
				t.Errorf("counter %s = %d", c.reason, got)
			}
		})
	}
}

func TestSignedPacks(t *testing.T) {
	f := newFixture(t, ingest.Options{})
	ctx := context.Background()
	p5 := f.sign(t, 5, senmlPack)
	if res, err := f.svc.Accept(ctx, f.sdev, gt.ViaMQTT, p5); err != nil || res.Packs != 1 {
		t.Fatalf("valid JWS: %+v, %v", res, err)
	}
	// The same bytes again (a resend after a lost PUBACK): acknowledged, not appended.
	if res, err := f.svc.Accept(ctx, f.sdev, gt.ViaMQTT, p5); err != nil || res.Duplicates != 1 || res.Packs != 0 {
		t.Fatalf("resend: %+v, %v", res, err)
	}
	// Another payload with an old seq: a replay.
	_, err := f.svc.Accept(ctx, f.sdev, gt.ViaMQTT, f.sign(t, 5, `{"mass":1}`))
	if ingest.ReasonOf(err) != gt.ReasonReplay || gt.ErrorCode(err) != gt.ECONFLICT {
		t.Fatalf("replay: %v", err)
	}
	// Signed by another key.
	_, other, _ := ed25519.GenerateKey(nil)
	forged, _ := ingest.Sign(other, f.sdev.ID, 6, []byte(senmlPack))
	_, err = f.svc.Accept(ctx, f.sdev, gt.ViaMQTT, forged)
	if ingest.ReasonOf(err) != gt.ReasonSignature || gt.ErrorCode(err) != gt.EFORBIDDEN {
		t.Fatalf("forged: %v", err)
	}
	// Properly signed, but naming another device than the sender.
	_, err = f.svc.Accept(ctx, f.dev, gt.ViaMQTT, f.sign(t, 7, senmlPack))
	if ingest.ReasonOf(err) != gt.ReasonSignature || gt.ErrorField(err) != "protected.kid" {
		t.Fatalf("kid of another device: %v", err)
	}
	ps := f.packs(t)
	var reasons []string
	for _, p := range ps {
		if p.Rejected != nil {
			reasons = append(reasons, p.Device+":"+p.Rejected.Reason)
		}
	}
	if len(ps) != 4 || !ps[0].Signed || ps[0].Seq != 5 || fmt.Sprint(reasons) != "[cell-2:replay cell-2:signature_invalid cell-1:signature_invalid]" {
		t.Errorf("journal: %d packs, first %+v, refusals %v", len(ps), ps[0], reasons)
	}
	if _, err := f.svc.Accept(ctx, f.sdev, gt.ViaMQTT, f.sign(t, 9, senmlPack)); err != nil {
		t.Errorf("seq 9 after 5 (gaps are allowed): %v", err)
	}
}

func TestJWSArrayIsAllOrNothing(t *testing.T) {
	f := newFixture(t, ingest.Options{})
	ctx := context.Background()
	arr := func(parts ...[]byte) []byte {
		var s []string
		for _, p := range parts {
			s = append(s, string(p))
		}
		b, _ := json.Marshal(s)
		return b
	}
	bad := f.sign(t, 3, `[{"n":"mass","u":"lb","v":1}]`)
	_, err := f.svc.Accept(ctx, f.sdev, gt.ViaHTTP, arr(f.sign(t, 1, senmlPack), bad, f.sign(t, 4, senmlPack)))
	if ingest.ReasonOf(err) != gt.ReasonUnit || gt.ErrorField(err) != "[1][0].u" {
		t.Fatalf("array with a bad element: %v (field %q)", err, gt.ErrorField(err))
	}
	_, err = f.svc.Accept(ctx, f.sdev, gt.ViaHTTP, arr(f.sign(t, 2, senmlPack), f.sign(t, 2, `{"temp":3}`)))
	if ingest.ReasonOf(err) != gt.ReasonReplay {
		t.Fatalf("array with a repeated seq: %v", err)
	}
	res, err := f.svc.Accept(ctx, f.sdev, gt.ViaHTTP, arr(f.sign(t, 1, senmlPack), f.sign(t, 2, `{"temp":3}`), f.sign(t, 3, `{"temp":4}`)))
	if err != nil || res.Packs != 3 || res.Readings != 5 {
		t.Fatalf("back-fill: %+v, %v", res, err)
	}
	f.j.mu.Lock()
	n := len(f.j.events)
	last := f.j.events[n-1]
	f.j.mu.Unlock()
	var b gt.IngestBatch
	json.Unmarshal(last.Data, &b)
	if len(b.Items) != 3 {
		t.Errorf("the back-fill was split over events: last event has %d packs", len(b.Items))
	}
	for _, p := range f.packs(t) {
		if p.Rejected == nil && p.Seq != 1 && p.Seq != 2 && p.Seq != 3 {
			t.Errorf("a pack of a refused array was appended: %+v", p)
		}
	}
}

func TestReplayProtectionSurvivesRestart(t *testing.T) {
	f := newFixture(t, ingest.Options{})
	f.store.health["bank-a/cell-2"] = &gt.DeviceHealth{DeviceID: "cell-2", LastSeq: 10}
	_, err := f.svc.Accept(context.Background(), f.sdev, gt.ViaMQTT, f.sign(t, 10, senmlPack))
	if ingest.ReasonOf(err) != gt.ReasonReplay {
		t.Fatalf("seq 10 after a restart at 10: %v", err)
	}
	if _, err := f.svc.Accept(context.Background(), f.sdev, gt.ViaMQTT, f.sign(t, 11, senmlPack)); err != nil {
		t.Fatal(err)
	}
}

func TestRateLimitIsPerDeviceAndNotRecorded(t *testing.T) {
	f := newFixture(t, ingest.Options{Rate: 1, Burst: 2})
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if _, err := f.svc.Accept(ctx, f.dev, gt.ViaMQTT, []byte(fmt.Sprintf(`{"temp":%d}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.svc.Accept(ctx, f.dev, gt.ViaMQTT, []byte(`{"temp":9}`))
	if ingest.ReasonOf(err) != gt.ReasonRateLimited || gt.ErrorCode(err) != gt.ERATELIMIT {
		t.Fatalf("third pack: %v", err)
	}
	if _, err := f.svc.Accept(ctx, f.sdev, gt.ViaMQTT, []byte(`{"temp":9}`)); err != nil {
		t.Errorf("another device was limited too: %v", err)
	}
	if n := len(f.packs(t)); n != 3 {
		t.Errorf("%d packs in the journal, want 3 (the limited one not recorded)", n)
	}
}

func TestStatusAndDisabledDevices(t *testing.T) {
	f := newFixture(t, ingest.Options{})
	ctx := context.Background()
	h := f.svc.Handler(gt.ViaMQTT)
	h.HandleStatus(ctx, f.dev, []byte("power_cut"), false)
	h.HandleStatus(ctx, f.dev, nil, true)
	h.HandleStatus(ctx, f.dev, []byte(`{"state":"tamper","detail":"lid opened"}`), false)
	h.HandleStatus(ctx, f.dev, []byte("exploded"), false)
	var got []string
	for _, p := range f.packs(t) {
		switch {
		case p.Status != nil:
			got = append(got, fmt.Sprintf("%s/%v", p.Status.State, p.Status.Will))
		case p.Rejected != nil:
			got = append(got, p.Rejected.Reason)
		}
	}
	if fmt.Sprint(got) != "[power_cut/false offline/true tamper/false malformed]" {
		t.Errorf("status packs = %v", got)
	}
	if err := h.HandlePublish(ctx, f.dev, "t", []byte(`["eyJ"]`)); ingest.ReasonOf(err) != gt.ReasonMalformed {
		t.Errorf("JWS array over MQTT: %v", err)
	}
	f.store.mu.Lock()
	f.store.devices["bank-a/cell-1"] = &gt.Device{ID: "cell-1", Disabled: true, Meta: gt.Meta{TenantID: "bank-a"}}
	f.store.mu.Unlock()
	f2 := &gt.Device{ID: "cell-1", Meta: gt.Meta{TenantID: "bank-a"}}
	svc, _ := ingest.NewService(ingest.Options{Committer: mustCommitter(t, f.j), Store: f.store, Now: func() time.Time { return now }})
	if _, err := svc.Accept(ctx, f2, gt.ViaMQTT, []byte(`{"temp":1}`)); gt.ErrorCode(err) != gt.EFORBIDDEN {
		t.Errorf("disabled device: %v", err)
	}
	if d, err := f.svc.DeviceByToken(ctx, "tok-1"); err != nil || d.ID != "cell-1" {
		t.Errorf("DeviceByToken = %v, %v", d, err)
	}
	if _, err := f.svc.DeviceByToken(ctx, "tok-2"); gt.ErrorCode(err) != gt.ENOTFOUND {
		t.Errorf("unknown token: %v", err)
	}
}

func mustCommitter(t *testing.T, j gt.Journal) *ingest.Committer {
	c, _ := startCommitter(t, j, ingest.CommitterOptions{})
	return c
}

// TestTenantMayRequireSignatures: under a policy that requires signatures an unsigned
// pack is refused as unsigned and nothing is appended, a signed one is accepted; the
// policy's change takes effect once the cached answer expires.
func TestTenantMayRequireSignatures(t *testing.T) {
	clock := now
	f := newFixture(t, ingest.Options{CacheTTL: time.Second, Now: func() time.Time { return clock }})
	f.store.mu.Lock()
	f.store.tenants["bank-a"].Policy = &gt.Policy{RequireSignatures: true}
	f.store.mu.Unlock()
	ctx := context.Background()
	_, err := f.svc.Accept(ctx, f.dev, gt.ViaMQTT, []byte(senmlPack))
	if ingest.ReasonOf(err) != gt.ReasonUnsigned || gt.ErrorCode(err) != gt.EFORBIDDEN || gt.ErrorField(err) != "signature" {
		t.Fatalf("unsigned pack under the policy: %v (reason %q)", err, ingest.ReasonOf(err))
	}
	if ps := f.packs(t); len(ps) != 1 || ps[0].Rejected == nil || ps[0].Rejected.Reason != gt.ReasonUnsigned || len(ps[0].Readings) != 0 {
		t.Fatalf("journal holds %+v, want only the refusal", ps)
	}
	if res, err := f.svc.Accept(ctx, f.sdev, gt.ViaMQTT, f.sign(t, 1, senmlPack)); err != nil || res.Packs != 1 {
		t.Fatalf("signed pack: %+v %v", res, err)
	}
	f.store.mu.Lock()
	f.store.tenants["bank-a"].Policy = &gt.Policy{}
	f.store.mu.Unlock()
	if _, err := f.svc.Accept(ctx, f.dev, gt.ViaMQTT, []byte(senmlPack)); ingest.ReasonOf(err) != gt.ReasonUnsigned {
		t.Fatalf("within the cache's second: %v", err)
	}
	clock = clock.Add(time.Second)
	if res, err := f.svc.Accept(ctx, f.dev, gt.ViaMQTT, []byte(senmlPack)); err != nil || res.Packs != 1 {
		t.Fatalf("unsigned pack once the policy allows it: %+v %v", res, err)
	}
}

// TestNewPublicKeyTakesEffect: the parsed key is reused only while the device keeps it;
// once the device is read again with a new key, packs signed with the old key are
// refused and packs signed with the new one accepted.
func TestNewPublicKeyTakesEffect(t *testing.T) {
	clock := now
	f := newFixture(t, ingest.Options{CacheTTL: time.Second, Now: func() time.Time { return clock }})
	ctx := context.Background()
	if _, err := f.svc.Accept(ctx, f.sdev, gt.ViaMQTT, f.sign(t, 1, senmlPack)); err != nil {
		t.Fatalf("signed with the registered key: %v", err)
	}
	pub, key, _ := ed25519.GenerateKey(nil)
	f.store.mu.Lock()
	d := *f.store.devices["bank-a/cell-2"]
	d.PublicKey = base64.RawURLEncoding.EncodeToString(pub)
	f.store.devices["bank-a/cell-2"] = &d
	f.store.mu.Unlock()
	clock = clock.Add(time.Second)
	if _, err := f.svc.Accept(ctx, f.sdev, gt.ViaMQTT, f.sign(t, 2, senmlPack)); ingest.ReasonOf(err) != gt.ReasonSignature {
		t.Fatalf("signed with the replaced key: %v, want %s", err, gt.ReasonSignature)
	}
	jws, err := ingest.Sign(key, f.sdev.ID, 3, []byte(senmlPack))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Accept(ctx, f.sdev, gt.ViaMQTT, jws); err != nil {
		t.Fatalf("signed with the new key: %v", err)
	}
}
