package node_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/journal"
	"groundtruth/node"
	"groundtruth/sqlite"
)

// BenchmarkNodeReplay measures a restart without a snapshot: the node reads the whole
// journal (embedded JetStream), decodes and applies every event, with the projection
// already up to date. The history is 80% ticks, 15% price ticks and 5% loan updates.
// One op is one full replay; events/s is the figure to compare with SPEC §14.
func BenchmarkNodeReplay(b *testing.B) {
	const n = 200_000
	ctx := context.Background()
	dir := b.TempDir()
	j, err := journal.Open(ctx, journal.Options{Dir: dir, SyncInterval: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	evs := history(b, n)
	for i := 0; i < len(evs); i += 1000 {
		if _, err := j.Append(ctx, evs[i:min(i+1000, len(evs))]); err != nil {
			b.Fatal(err)
		}
	}
	j.Close()

	var replayed uint64
	run := 0
	for b.Loop() {
		b.StopTimer()
		run++
		j, err := journal.Open(ctx, journal.Options{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		s, err := sqlite.Open(ctx, filepath.Join(dir, fmt.Sprintf("run%d.db", run)))
		if err != nil {
			b.Fatal(err)
		}
		last, _ := j.LastSeq(ctx)
		// Mark the projection current so that only the engine replays.
		if err := s.ApplyChanges(ctx, &gt.Changes{Seq: last, Tenants: []gt.Tenant{{ID: "bank-a", Name: "Bank A"}}}); err != nil {
			b.Fatal(err)
		}
		nd, err := node.New(node.Options{Journal: j, Store: s, SnapshotEvery: 1 << 40})
		if err != nil {
			b.Fatal(err)
		}
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		b.StartTimer()
		go func() { done <- nd.Run(rctx) }()
		<-nd.Ready()
		b.StopTimer()
		replayed += nd.Applied()
		cancel()
		<-done
		s.Close()
		j.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(replayed)/b.Elapsed().Seconds(), "events/s")
}

func history(b *testing.B, n int) []gt.Event {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var evs []gt.Event
	add := func(typ gt.EventType, v any) {
		ev, err := gt.NewEvent(typ, "bank-a", t0.Add(time.Duration(len(evs))*time.Second), "bench", v)
		if err != nil {
			b.Fatal(err)
		}
		evs = append(evs, ev)
	}
	_, hash := gt.NewSecret("gtk")
	add(gt.EventTenantCreate, gt.TenantCreate{Tenant: gt.Tenant{ID: "bank-a", Name: "Bank A"},
		Key: gt.APIKeyCreate{Key: gt.APIKey{ID: "admin", Name: "admin", Role: gt.RoleAdmin}, Hash: hash}})
	add(gt.EventRecordsCreate, gt.Records{Parties: []gt.Party{{ID: "b", Name: "B", Roles: []gt.PartyRole{gt.PartyBorrower}}}})
	loan := gt.Loan{ID: "l", BorrowerID: "b", Product: gt.ProductInventory, Principal: gt.Money{Amount: 1e8, Currency: "USD"},
		StartDate: t0, MaturityDate: t0.AddDate(1, 0, 0)}
	add(gt.EventRecordsCreate, gt.Records{Loans: []gt.Loan{loan}})
	for i := 0; len(evs) < n; i++ {
		switch {
		case i%20 == 0:
			loan.Outstanding = gt.Money{Amount: int64(1e8 - i), Currency: "USD"}
			add(gt.EventRecordsUpdate, gt.Records{Loans: []gt.Loan{loan}})
		case i%20 < 4:
			add(gt.EventPricesRecord, gt.Records{Prices: []gt.PriceTick{{Commodity: "copper", At: t0.Add(time.Duration(i) * time.Minute),
				Price: gt.Money{Amount: 700000 + int64(i%999), Currency: "USD"}, Unit: "t"}}})
		default:
			add(gt.EventTick, nil)
		}
	}
	return evs
}
