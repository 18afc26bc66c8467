package node_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/journal"
	"groundtruth/node"
	"groundtruth/postgres"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestNodeOnExternalServices runs the engine on the scale-out pair: the external NATS
// JetStream (GT_TEST_NATS) as journal and PostgreSQL (GT_TEST_POSTGRES) as store. It
// applies events, kills the consuming node mid-stream while appends continue, resumes
// with a new node, and checks that every event was applied exactly once.
func TestNodeOnExternalServices(t *testing.T) {
	natsURL, pgURL := os.Getenv("GT_TEST_NATS"), os.Getenv("GT_TEST_POSTGRES")
	if natsURL == "" || pgURL == "" {
		t.Skip("set GT_TEST_NATS (nats://127.0.0.1:4222) and GT_TEST_POSTGRES (postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run")
	}
	ctx := context.Background()
	run := fmt.Sprintf("node_%d", rand.Uint64()%1e12)
	schema := "gt_test_" + run
	pgSchemaURL := pgURL + "&search_path=" + schema
	if !strings.Contains(pgURL, "?") {
		pgSchemaURL = pgURL + "?search_path=" + schema
	}
	t.Cleanup(func() { dropSchema(t, pgURL, schema) })
	jo := journal.Options{URL: natsURL, Stream: "GT_TEST_" + run, Subject: "gt.test." + run}
	t.Cleanup(func() { deleteStream(t, jo) })

	var seen []uint64         // versions of the counter loan written to the store, both nodes
	var store *recordingStore // the latest node's store
	open := func() (*node.Node, context.CancelFunc, chan error, func()) {
		j, err := journal.Open(ctx, jo)
		if err != nil {
			t.Fatalf("open external journal: %v", err)
		}
		pg, err := postgres.Open(ctx, pgSchemaURL)
		if err != nil {
			t.Fatalf("open PostgreSQL store: %v", err)
		}
		s := &recordingStore{Store: pg, loan: "counter", seen: &seen}
		store = s
		n, err := node.New(node.Options{Journal: j, Store: s, SnapshotEvery: 40})
		if err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- n.Run(rctx) }()
		<-n.Ready()
		return n, cancel, done, func() { s.Close(); j.Close() }
	}

	n1, kill, done, closeAll := open()
	// The first node never saves a snapshot (as if killed before its first one), so the
	// second replays from the start through events already in the store.
	store.crashed.Store(true)
	store.stallFrom, store.stalled = 100, make(chan struct{})
	if _, _, err := n1.CreateTenant(ctx, "bank-a", "Bank A"); err != nil {
		t.Fatal(err)
	}
	// Each event bumps a counter loan: exactly-once means its final outstanding equals
	// the number of events and its version is the last event's sequence.
	loan := gt.Loan{ID: "counter", BorrowerID: "b", Product: gt.ProductInventory,
		Principal: gt.Money{Amount: 1_000_000, Currency: "EUR"}, StartDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		MaturityDate: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	borrower := gt.Party{ID: "b", Name: "B", Roles: []gt.PartyRole{gt.PartyBorrower}}
	if _, err := n1.Command(ctx, gt.EventRecordsCreate, "bank-a", "t", gt.Records{Parties: []gt.Party{borrower}, Loans: []gt.Loan{loan}}); err != nil {
		t.Fatal(err)
	}
	const total = 300
	appendN := func(n *node.Node, from, to int) {
		var evs []gt.Event
		for i := from; i < to; i++ {
			l := loan
			l.Outstanding = gt.Money{Amount: int64(i + 1), Currency: "EUR"}
			ev, _ := gt.NewEvent(gt.EventRecordsUpdate, "bank-a", time.Now(), "t", gt.Records{Loans: []gt.Loan{l}})
			evs = append(evs, ev)
		}
		if _, err := n.SubmitAsync(ctx, evs...); err != nil {
			t.Fatal(err)
		}
	}
	appendN(n1, 0, 150)
	<-store.stalled // projection is stuck at event 100; later events are journaled only
	kill()          // the consumer dies mid-stream, without a final snapshot
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	killedAt := n1.Applied()
	if snap, _, _ := store.LatestSnapshot(ctx); snap >= killedAt {
		t.Errorf("the killed node left a snapshot at %d, want one older than the kill at %d (the replay path untested)", snap, killedAt)
	}
	closeAll()

	n2, stop, done2, closeAll2 := open()
	if n2.Applied() < killedAt {
		t.Errorf("resumed node starts at %d, before the %d already applied", n2.Applied(), killedAt)
	}

	appendN(n2, 150, total)
	last, err := n2.Command(ctx, gt.EventTick, "bank-a", "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	<-done2
	s, err := postgres.Open(ctx, pgSchemaURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Loan(ctx, "bank-a", "counter")
	if err != nil {
		t.Fatal(err)
	}
	if got.Outstanding.Amount != total || got.Version != last-1 {
		t.Errorf("after kill and resume: outstanding %d version %d, want %d and %d", got.Outstanding.Amount, got.Version, total, last-1)
	}
	if seq, _ := s.ProjectedSeq(ctx); seq != last {
		t.Errorf("projected sequence %d, want %d", seq, last)
	}
	// Exactly once: the counter's create and its 300 updates were each written to the
	// store once, in journal order, across the kill and the resume.
	if len(seen) != total+1 {
		t.Errorf("the counter loan was written %d times, want %d", len(seen), total+1)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Errorf("write %d has version %d after %d: an event was projected twice or out of order", i, seen[i], seen[i-1])
			break
		}
	}
	closeAll2()
}

func dropSchema(t *testing.T, url, schema string) {
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Logf("drop schema: %v", err)
		return
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		t.Logf("drop schema: %v", err)
	}
}

func deleteStream(t *testing.T, o journal.Options) {
	nc, err := nats.Connect(o.URL)
	if err != nil {
		t.Logf("delete stream: %v", err)
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err == nil {
		err = js.DeleteStream(context.Background(), o.Stream)
	}
	if err != nil {
		t.Logf("delete stream %s: %v", o.Stream, err)
	}
}

// recordingStore records the version of every write of one loan. Once crashed is set it
// drops snapshots, as a process killed with SIGKILL never takes its final one.
type recordingStore struct {
	gt.Store
	loan    string
	mu      sync.Mutex
	seen    *[]uint64
	crashed atomic.Bool
	// stallFrom, when set, makes the write of any version at or above it block until the
	// node is stopped: the process "dies" with events journaled but not projected.
	stallFrom uint64
	stalled   chan struct{}
	once      sync.Once
}

func (r *recordingStore) SaveSnapshot(ctx context.Context, seq uint64, data []byte) error {
	if r.crashed.Load() {
		return nil
	}
	return r.Store.SaveSnapshot(ctx, seq, data)
}

func (r *recordingStore) ApplyChanges(ctx context.Context, c *gt.Changes) error {
	for _, l := range c.Loans {
		if r.stallFrom > 0 && l.ID == r.loan && l.Version >= r.stallFrom {
			r.once.Do(func() { close(r.stalled) })
			<-ctx.Done()
			return ctx.Err()
		}
	}
	if err := r.Store.ApplyChanges(ctx, c); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range c.Loans {
		if l.ID == r.loan {
			*r.seen = append(*r.seen, l.Version)
		}
	}
	return nil
}
