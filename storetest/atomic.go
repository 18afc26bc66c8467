package storetest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	gt "groundtruth"
)

// projected returns the projected sequence, failing the test on error.
func projected(t *testing.T, s gt.Store) uint64 {
	t.Helper()
	seq, err := s.ProjectedSeq(context.Background())
	if err != nil {
		t.Fatalf("ProjectedSeq: %v", err)
	}
	return seq
}

// testProjectedSeq checks that the projected sequence starts at 0 and follows every
// ApplyChanges, empty ones included.
func testProjectedSeq(t *testing.T, s gt.Store) {
	if got := projected(t, s); got != 0 {
		t.Fatalf("ProjectedSeq(new store) = %d, want 0", got)
	}
	seed(t, s, tenantA, 3)
	if got := projected(t, s); got != 3 {
		t.Errorf("ProjectedSeq = %d, want 3", got)
	}
	for _, seq := range []uint64{8, 9, 1 << 40} {
		apply(t, s, &gt.Changes{Seq: seq})
		if got := projected(t, s); got != seq {
			t.Errorf("ProjectedSeq after empty changes = %d, want %d", got, seq)
		}
	}
}

// testSnapshots saves snapshots out of order and reads back the newest.
func testSnapshots(t *testing.T, s gt.Store) {
	ctx := context.Background()
	seq, data, err := s.LatestSnapshot(ctx)
	if seq != 0 || data != nil || err != nil {
		t.Fatalf("LatestSnapshot(new store) = %d, %d bytes, %v; want 0, nil, nil", seq, len(data), err)
	}
	big := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range big {
		big[i] = byte(r.Uint32())
	}
	big[0], big[1] = 0, 0 // binary, not text
	save := func(seq uint64, data []byte) {
		t.Helper()
		if err := s.SaveSnapshot(ctx, seq, data); err != nil {
			t.Fatalf("SaveSnapshot(%d): %v", seq, err)
		}
	}
	latest := func(wantSeq uint64, want []byte) {
		t.Helper()
		seq, data, err := s.LatestSnapshot(ctx)
		if err != nil || seq != wantSeq || !bytes.Equal(data, want) {
			t.Fatalf("LatestSnapshot = %d, %d bytes, %v; want %d, %d bytes", seq, len(data), err, wantSeq, len(want))
		}
	}
	save(100, []byte(`{"seq":100}`))
	latest(100, []byte(`{"seq":100}`))
	save(300, big)
	save(200, []byte(`{"seq":200}`))
	latest(300, big)
	for seq := uint64(400); seq <= 1000; seq += 100 {
		save(seq, fmt.Appendf(nil, `{"seq":%d}`, seq))
	}
	latest(1000, []byte(`{"seq":1000}`))
	save(1000, []byte(`{"seq":1000,"again":true}`))
	latest(1000, []byte(`{"seq":1000,"again":true}`))
}

// unchanged checks that nothing of a failed ApplyChanges is visible: the projected
// sequence and the records are those of before.
func unchanged(t *testing.T, s gt.Store, seq uint64, before *gt.Changes, failed *gt.Changes) {
	t.Helper()
	ctx := context.Background()
	if got := projected(t, s); got != seq {
		t.Errorf("ProjectedSeq after a failed ApplyChanges = %d, want %d", got, seq)
	}
	for i := range failed.Tenants {
		if before.Tenants[0].ID != failed.Tenants[i].ID {
			notFound(t, "Tenant(of failed changes)", func() (*gt.Tenant, error) { return s.Tenant(ctx, failed.Tenants[i].ID) })
		}
	}
	for i := range failed.Parties {
		p := &failed.Parties[i]
		notFound(t, "Party(of failed changes)", func() (*gt.Party, error) { return s.Party(ctx, p.TenantID, p.ID) })
	}
	checkAll(t, s, tenantA, before)
}

// testAtomicOnConstraintViolation makes a record late in a batch break a uniqueness
// constraint of the database and expects none of the batch to be written.
func testAtomicOnConstraintViolation(t *testing.T, s gt.Store) {
	ctx := context.Background()
	before := seed(t, s, tenantA, 10)
	newcomer := fixtures("eastern-trust", 11, epoch)
	for _, dup := range []struct {
		name string
		edit func(c *gt.Changes)
	}{
		{"device token hash used twice", func(c *gt.Changes) {
			c.Devices = append(c.Devices, before.Devices[0])
			c.Devices[1].ID = "lc-qd3-bay-a-02"
		}},
		{"API key hash of another tenant", func(c *gt.Changes) {
			c.APIKeys = append(c.APIKeys, newcomer.APIKeys[0])
			c.APIKeys[0].Hash = before.APIKeys[0].Hash
		}},
	} {
		c := &gt.Changes{Seq: 11, Tenants: newcomer.Tenants}
		p := before.Parties[0]
		p.ID, p.RelatedParties = "new-party", nil
		l := before.Loans[0]
		l.Outstanding.Amount = 1
		c.Parties = []gt.Party{p}
		c.Loans = []gt.Loan{l}
		c.Devices = []gt.Device{before.Devices[0]}
		c.Devices[0].Calibration.Tare = 99
		dup.edit(c)
		if err := s.ApplyChanges(ctx, c); err == nil {
			t.Fatalf("%s: ApplyChanges = nil, want an error", dup.name)
		}
		unchanged(t, s, 10, before, c)
	}
}

// testAtomicOnUnknownTenant writes a batch whose last record belongs to a tenant the
// store does not hold and expects none of the batch to be written.
func testAtomicOnUnknownTenant(t *testing.T, s gt.Store) {
	ctx := context.Background()
	before := seed(t, s, tenantA, 10)
	p := before.Parties[1]
	p.ID = "new-party"
	orphan := before.Releases[0]
	orphan.TenantID = "no-such-bank"
	c := &gt.Changes{Seq: 11, Records: gt.Records{Parties: []gt.Party{p}, Releases: []gt.Release{orphan}}}
	if err := s.ApplyChanges(ctx, c); err == nil {
		t.Fatalf("ApplyChanges(release of an unknown tenant) = nil, want an error")
	}
	unchanged(t, s, 10, before, c)
	notFound(t, "Release(unknown tenant)", func() (*gt.Release, error) { return s.Release(ctx, orphan.TenantID, orphan.ID) })

	c = &gt.Changes{Seq: 12, Records: gt.Records{Parties: []gt.Party{p}}}
	c.Parties[0].TenantID = ""
	if err := s.ApplyChanges(ctx, c); err == nil {
		t.Fatalf("ApplyChanges(party without a tenant) = nil, want an error")
	}
	unchanged(t, s, 10, before, &gt.Changes{})
}

// testAtomicOnCancelledContext applies changes with a cancelled context and expects an
// error and nothing written.
func testAtomicOnCancelledContext(t *testing.T, s gt.Store) {
	before := seed(t, s, tenantA, 10)
	c := fixtures("eastern-trust", 11, epoch)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.ApplyChanges(ctx, c); err == nil {
		t.Fatalf("ApplyChanges(cancelled context) = nil, want an error")
	}
	unchanged(t, s, 10, before, c)
}

// testConcurrentReadsWhileWriting runs readers of every kind while two writers save
// changes and snapshots, and expects no errors and a projected sequence that never goes
// back.
func testConcurrentReadsWhileWriting(t *testing.T, s gt.Store) {
	ctx := context.Background()
	base := seed(t, s, tenantA, 1)
	apply(t, s, tickChanges(tenantA, 2, copperTicks(2)...))
	const writes = 20
	var (
		readers sync.WaitGroup
		writers sync.WaitGroup
		done    = make(chan struct{})
	)
	for r := range 4 {
		readers.Go(func() {
			var last uint64
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				seq, err := s.ProjectedSeq(ctx)
				if err != nil {
					t.Errorf("reader %d: ProjectedSeq: %v", r, err)
					return
				}
				if seq < last {
					t.Errorf("reader %d: ProjectedSeq went back from %d to %d", r, last, seq)
				}
				last = seq
				if _, err := s.Loans(ctx, tenantA, gt.ListOptions{Limit: 3}); err != nil {
					t.Errorf("reader %d: Loans: %v", r, err)
				}
				if _, err := s.Loan(ctx, tenantA, base.Loans[i%len(base.Loans)].ID); err != nil {
					t.Errorf("reader %d: Loan: %v", r, err)
				}
				if _, err := s.APIKeyByHash(ctx, base.APIKeys[0].Hash); err != nil {
					t.Errorf("reader %d: APIKeyByHash: %v", r, err)
				}
				if _, err := s.Prices(ctx, tenantA, gt.PriceQuery{Commodity: "copper", Limit: 2}); err != nil {
					t.Errorf("reader %d: Prices: %v", r, err)
				}
				if _, err := s.DeviceHealths(ctx, tenantA, gt.ListOptions{Limit: 2}); err != nil {
					t.Errorf("reader %d: DeviceHealths: %v", r, err)
				}
				if _, err := s.Series(ctx, tenantA, weightQuery(minute(0, 0), minute(10, 0), 5*time.Minute)); err != nil {
					t.Errorf("reader %d: Series: %v", r, err)
				}
			}
		})
	}
	// One writer of changes, so that the projected sequence only grows, and one of
	// snapshots, which writes too.
	writers.Go(func() {
		for i := range writes {
			seq := uint64(10 + i)
			c := fixtures(tenantA, seq, epoch)
			c.Loans[i%len(c.Loans)].Outstanding.Amount -= int64(1000 * i)
			c.Health, c.Series = healthRows(tenantA), weightBuckets(tenantA)
			c.Health[0].Packs, c.Series[0].Count = uint64(i), uint64(i+1)
			if err := s.ApplyChanges(ctx, c); err != nil {
				t.Errorf("writer: ApplyChanges(%d): %v", seq, err)
				return
			}
		}
	})
	writers.Go(func() {
		for i := range writes {
			if err := s.SaveSnapshot(ctx, uint64(i+1), []byte(`{"state":"…"}`)); err != nil {
				t.Errorf("writer: SaveSnapshot(%d): %v", i+1, err)
				return
			}
		}
	})
	writers.Wait()
	close(done)
	readers.Wait()
	if got, want := projected(t, s), uint64(10+writes-1); got != want {
		t.Errorf("ProjectedSeq after the writer = %d, want %d", got, want)
	}
}
