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

// running is a node with its journal and store, running until stop.
type running struct {
	n     *node.Node
	j     gt.Journal
	s     gt.Store
	stop  func()
	dbDir string
}

func start(t *testing.T, jdir, db string, snapEvery uint64) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	j, err := journal.Open(ctx, journal.Options{Dir: jdir})
	if err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.New(node.Options{Journal: j, Store: s, SnapshotEvery: snapEvery})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	select {
	case <-n.Ready():
	case err := <-done:
		t.Fatalf("Run: %v", err)
	}
	r := &running{n: n, j: j, s: s}
	stopped := false
	r.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		s.Close()
		j.Close()
	}
	t.Cleanup(r.stop)
	return r
}

func party(i int) gt.Party {
	return gt.Party{ID: fmt.Sprintf("p-%04d", i), Name: fmt.Sprint("Party ", i), Roles: []gt.PartyRole{gt.PartyBorrower}}
}

func TestSubmitAppliesOrRejects(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir, filepath.Join(dir, "gt.db"), 1000)
	ctx := context.Background()
	if _, _, err := r.n.CreateTenant(ctx, "bank-a", "Bank A"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.n.Command(ctx, gt.EventRecordsCreate, "bank-a", "test", gt.Records{Parties: []gt.Party{party(1)}}); err != nil {
		t.Fatal(err)
	}
	// Read-your-writes: the record is in the store when Command returns.
	if p, err := r.s.Party(ctx, "bank-a", "p-0001"); err != nil || p.Name != "Party 1" {
		t.Fatalf("Party after Command = %v, %v", p, err)
	}
	_, err := r.n.Command(ctx, gt.EventRecordsCreate, "bank-a", "test", gt.Records{Parties: []gt.Party{party(2), party(1)}})
	if gt.ErrorCode(err) != gt.ECONFLICT {
		t.Fatalf("duplicate create: %v, want conflict", err)
	}
	if _, err := r.s.Party(ctx, "bank-a", "p-0002"); gt.ErrorCode(err) != gt.ENOTFOUND {
		t.Errorf("half of a rejected batch was applied: %v", err)
	}
	// An idempotent retry of the same event gets the same answer and applies once.
	ev, _ := gt.NewEvent(gt.EventRecordsCreate, "bank-a", time.Now(), "test", gt.Records{Parties: []gt.Party{party(3)}})
	s1, err1 := r.n.Submit(ctx, ev)
	s2, err2 := r.n.Submit(ctx, ev)
	if err1 != nil || err2 != nil || s1[0] != s2[0] {
		t.Errorf("retry: seqs %v %v, errs %v %v; want one sequence, no error", s1, s2, err1, err2)
	}
	if p, _ := r.s.Party(ctx, "bank-a", "p-0003"); p.Version != s1[0] {
		t.Errorf("p-0003 version %d, want %d", p.Version, s1[0])
	}
}

// TestRestartFromSnapshotAndTail stops a node whose last snapshot is well behind its last
// event (snapshots stop being saved part way, as after a crash), restarts it, and checks
// that the restored engine has the tail: records created after the snapshot exist.
func TestRestartFromSnapshotAndTail(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "gt.db")
	j, s := openParts(t, dir, db)
	fs := &faultyStore{Store: s}
	n, _ := node.New(node.Options{Journal: j, Store: fs, SnapshotEvery: 25})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	<-n.Ready()
	n.CreateTenant(ctx, "bank-a", "Bank A")
	for i := 0; i < 60; i++ {
		if _, err := n.Command(ctx, gt.EventRecordsPut, "bank-a", "test", gt.Records{Parties: []gt.Party{party(i % 40)}}); err != nil {
			t.Fatal(err)
		}
	}
	fs.dropSnapshots.Store(true)
	for i := 100; i < 150; i++ { // the tail: only in the journal and the store
		if _, err := n.Command(ctx, gt.EventRecordsCreate, "bank-a", "test", gt.Records{Parties: []gt.Party{party(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	last := n.Applied()
	cancel()
	<-done
	snap, _, _ := s.LatestSnapshot(context.Background())
	s.Close()
	j.Close()
	if snap == 0 || snap+50 > last {
		t.Fatalf("snapshot at %d, last event %d: want a snapshot with a tail of at least 50 events", snap, last)
	}

	r2 := start(t, dir, db, 25)
	if r2.n.Applied() != last {
		t.Errorf("restarted at %d, want %d", r2.n.Applied(), last)
	}
	bg := context.Background()
	for _, i := range []int{1, 100, 149} { // before the snapshot, in the tail, the last one
		if _, err := r2.n.Command(bg, gt.EventRecordsCreate, "bank-a", "test", gt.Records{Parties: []gt.Party{party(i)}}); gt.ErrorCode(err) != gt.ECONFLICT {
			t.Errorf("restored engine does not know %s: %v", party(i).ID, err)
		}
	}
	if _, err := r2.n.Command(bg, gt.EventRecordsCreate, "bank-a", "test", gt.Records{Parties: []gt.Party{party(500)}}); err != nil {
		t.Errorf("new record after restart: %v", err)
	}
}

// TestProjectionRebuiltFromJournal loses the store and rebuilds it from the journal.
func TestProjectionRebuiltFromJournal(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir, filepath.Join(dir, "first.db"), 1000)
	ctx := context.Background()
	r.n.CreateTenant(ctx, "bank-a", "Bank A")
	for i := 0; i < 30; i++ {
		r.n.Command(ctx, gt.EventRecordsPut, "bank-a", "test", gt.Records{Parties: []gt.Party{party(i)}})
	}
	want, err := r.s.Parties(ctx, "bank-a", gt.ListOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	r.stop()
	r2 := start(t, dir, filepath.Join(dir, "second.db"), 1000)
	got, err := r2.s.Parties(ctx, "bank-a", gt.ListOptions{Limit: 100})
	if err != nil || len(got) != len(want) || len(got) != 30 {
		t.Fatalf("rebuilt store has %d parties (%v), want %d", len(got), err, len(want))
	}
	for i := range got {
		if got[i].ID != want[i].ID || got[i].Version != want[i].Version || !got[i].UpdatedAt.Equal(want[i].UpdatedAt) {
			t.Errorf("party %d: rebuilt %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestRestartFromSnapshotKeepsRiskRowsOfTheirTenant restarts a node from a snapshot that
// holds a loan's metrics, then moves the price: the restored metrics are re-measured and
// their row must reach the store under the tenant (the store refuses a row without one,
// which stopped the node).
func TestRestartFromSnapshotKeepsRiskRowsOfTheirTenant(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "gt.db")
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	price := func(minor int64) gt.Records {
		return gt.Records{Prices: []gt.PriceTick{{Commodity: "copper", At: at, Unit: "t", Price: gt.Money{Amount: minor, Currency: "USD"}}}}
	}
	r := start(t, dir, db, 5)
	if _, _, err := r.n.CreateTenant(ctx, "bank-a", "Bank A"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.n.Command(ctx, gt.EventPricesRecord, "bank-a", "test", price(800_000)); err != nil {
		t.Fatal(err)
	}
	recs := gt.Records{
		Parties: []gt.Party{{ID: "b", Name: "Borrower", Roles: []gt.PartyRole{gt.PartyBorrower}}},
		Sites: []gt.Site{{ID: "wh", Name: "Warehouse", Kind: gt.SiteWarehouse, Boundary: gt.Polygon{Type: "Polygon",
			Coordinates: [][][2]float64{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}}}},
		Loans: []gt.Loan{{ID: "loan-1", BorrowerID: "b", Product: gt.ProductInventory, Principal: gt.Money{Amount: 30_000_000, Currency: "USD"},
			StartDate: at.AddDate(0, -1, 0), MaturityDate: at.AddDate(1, 0, 0)}},
		Collateral: []gt.Collateral{{ID: "lot-1", Kind: gt.KindInventoryLot, Allocations: []gt.Allocation{{LoanID: "loan-1", Share: 1}},
			Inventory: &gt.InventoryLot{Commodity: "copper", Quantity: 100, Unit: "t", SiteID: "wh"}}},
	}
	if _, err := r.n.Command(ctx, gt.EventRecordsCreate, "bank-a", "test", recs); err != nil {
		t.Fatal(err)
	}
	before, err := r.s.LoanRisk(ctx, "bank-a", "loan-1")
	if err != nil {
		t.Fatal(err)
	}
	last := r.n.Applied()
	r.stop() // takes the final snapshot, holding the loan's metrics

	r2 := start(t, dir, db, 5)
	if seq, _, err := r2.s.LatestSnapshot(ctx); err != nil || seq != last {
		t.Fatalf("snapshot at %d (%v), want one at the last event %d", seq, err, last)
	}
	if _, err := r2.n.Command(ctx, gt.EventPricesRecord, "bank-a", "test", price(640_000)); err != nil {
		t.Fatalf("price move after a restart from the snapshot: %v", err)
	}
	after, err := r2.s.LoanRisk(ctx, "bank-a", "loan-1")
	if err != nil {
		t.Fatal(err)
	}
	if after.Seq <= before.Seq || after.CollateralValue.Amount >= before.CollateralValue.Amount {
		t.Errorf("loan metrics after the price move: seq %d, value %d; before: seq %d, value %d",
			after.Seq, after.CollateralValue.Amount, before.Seq, before.CollateralValue.Amount)
	}
}
