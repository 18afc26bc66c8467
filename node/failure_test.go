package node_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/journal"
	"groundtruth/node"
	"groundtruth/sqlite"
)

// faultyStore wraps a store and makes ApplyChanges fail on demand; with dropSnapshots
// set it saves no more snapshots, as a process killed with SIGKILL takes no final one.
type faultyStore struct {
	gt.Store
	fail          atomic.Value // func(ctx) error, or nil
	dropSnapshots atomic.Bool
}

func (f *faultyStore) SaveSnapshot(ctx context.Context, seq uint64, data []byte) error {
	if f.dropSnapshots.Load() {
		return nil
	}
	return f.Store.SaveSnapshot(ctx, seq, data)
}

func (f *faultyStore) ApplyChanges(ctx context.Context, c *gt.Changes) error {
	if fn, _ := f.fail.Load().(func(context.Context) error); fn != nil {
		if err := fn(ctx); err != nil {
			return err
		}
	}
	return f.Store.ApplyChanges(ctx, c)
}

func openParts(t *testing.T, dir, db string) (gt.Journal, gt.Store) {
	t.Helper()
	j, err := journal.Open(context.Background(), journal.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return j, s
}

// TestShutdownDuringFailingProjection stops a node while the store is failing: the
// final snapshot must not run ahead of the projection, and after a restart with a
// working store the record is there.
func TestShutdownDuringFailingProjection(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "gt.db")
	j, s := openParts(t, dir, db)
	fs := &faultyStore{Store: s}
	n, _ := node.New(node.Options{Journal: j, Store: fs})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	<-n.Ready()
	if _, _, err := n.CreateTenant(context.Background(), "bank-a", "Bank A"); err != nil {
		t.Fatal(err)
	}
	failing := make(chan struct{})
	var once atomic.Bool
	fs.fail.Store(func(ctx context.Context) error {
		if once.CompareAndSwap(false, true) {
			close(failing)
		}
		return errors.New("disk full")
	})
	ev, _ := gt.NewEvent(gt.EventRecordsCreate, "bank-a", time.Now(), "t", gt.Records{Parties: []gt.Party{party(7)}})
	if _, err := n.SubmitAsync(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	<-failing // the consume loop has applied the event and cannot project it
	cancel()
	<-done
	snap, _, _ := s.LatestSnapshot(context.Background())
	proj, _ := s.ProjectedSeq(context.Background())
	if snap > proj {
		t.Errorf("snapshot at %d is ahead of the projection at %d", snap, proj)
	}
	s.Close()
	j.Close()

	r := start(t, dir, db, 1000)
	if p, err := r.s.Party(context.Background(), "bank-a", "p-0007"); err != nil || p.ID != "p-0007" {
		t.Errorf("after restart the event applied during the failure is missing: %v, %v", p, err)
	}
}

// TestSnapshotAheadOfStoreIsIgnored plants a snapshot beyond the projected sequence
// (as a crash between them could leave) and checks the node replays instead.
func TestSnapshotAheadOfStoreIsIgnored(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "gt.db")
	r := start(t, dir, db, 1000)
	ctx := context.Background()
	r.n.CreateTenant(ctx, "bank-a", "Bank A")
	r.n.Command(ctx, gt.EventRecordsCreate, "bank-a", "t", gt.Records{Parties: []gt.Party{party(1)}})
	r.stop()
	j, s := openParts(t, dir, db)
	_, data, _ := s.LatestSnapshot(ctx)
	s.SaveSnapshot(ctx, 99, data) // claims events the store never saw
	s.Close()
	j.Close()
	r2 := start(t, dir, db, 1000)
	if _, err := r2.n.Command(ctx, gt.EventRecordsCreate, "bank-a", "t", gt.Records{Parties: []gt.Party{party(2)}}); err != nil {
		t.Fatalf("write after restart: %v", err)
	}
	if _, err := r2.s.Party(ctx, "bank-a", "p-0002"); err != nil {
		t.Errorf("new record not projected: %v", err)
	}
}

// TestStoreAheadOfJournalRefused pairs a used store with an empty journal.
func TestStoreAheadOfJournalRefused(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "gt.db")
	r := start(t, dir, db, 1000)
	r.n.CreateTenant(context.Background(), "bank-a", "Bank A")
	r.stop()
	j, s := openParts(t, t.TempDir(), db) // a fresh journal
	defer s.Close()
	defer j.Close()
	n, _ := node.New(node.Options{Journal: j, Store: s})
	err := n.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "another journal") {
		t.Errorf("Run = %v, want a refusal naming the mismatch", err)
	}
}

// TestInvalidProjectionStopsTheNode: a store that rejects changes as invalid stops Run
// with an error instead of retrying for ever.
func TestInvalidProjectionStopsTheNode(t *testing.T) {
	dir := t.TempDir()
	j, s := openParts(t, dir, filepath.Join(dir, "gt.db"))
	defer s.Close()
	defer j.Close()
	fs := &faultyStore{Store: s}
	fs.fail.Store(func(context.Context) error { return gt.Errorf(gt.EINVALID, "year out of range") })
	n, _ := node.New(node.Options{Journal: j, Store: fs})
	done := make(chan error, 1)
	go func() { done <- n.Run(context.Background()) }()
	<-n.Ready()
	waiting := make(chan error, 1)
	go func() {
		_, err := n.Command(context.Background(), gt.EventTick, "", "t", nil) // no deadline of its own
		waiting <- err
	}()
	select {
	case err := <-done:
		if gt.ErrorCode(err) != gt.EINVALID {
			t.Errorf("Run = %v, want the store's invalid error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run kept retrying an invalid projection")
	}
	select {
	case err := <-waiting:
		if gt.ErrorCode(err) != gt.EUNAVAILABLE {
			t.Errorf("waiting command = %v, want unavailable", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a command waiting when the node stopped was never answered")
	}
	last, _ := j.LastSeq(context.Background())
	if _, err := n.Command(context.Background(), gt.EventTick, "", "t", nil); gt.ErrorCode(err) != gt.EUNAVAILABLE {
		t.Errorf("command after the stop = %v, want unavailable", err)
	}
	if after, _ := j.LastSeq(context.Background()); after != last {
		t.Errorf("a command after the stop was appended (%d -> %d)", last, after)
	}
}
