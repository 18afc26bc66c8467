package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/ingest"
	"groundtruth/journal"
)

// memJournal is an in-memory journal whose appends can be held until released.
type memJournal struct {
	mu      sync.Mutex
	events  []gt.Event
	calls   [][]gt.Event
	gate    chan struct{} // when set, each Append waits for a value
	entered chan struct{} // receives when an Append starts
	fail    error
}

func (m *memJournal) Append(ctx context.Context, evs []gt.Event) ([]uint64, error) {
	if m.entered != nil {
		m.entered <- struct{}{}
	}
	if m.gate != nil {
		<-m.gate
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, evs)
	if m.fail != nil {
		return nil, m.fail
	}
	var seqs []uint64
	for _, ev := range evs {
		ev.Seq = uint64(len(m.events) + 1)
		m.events = append(m.events, ev)
		seqs = append(seqs, ev.Seq)
	}
	return seqs, nil
}
func (m *memJournal) Consume(context.Context, uint64, func([]gt.Event) error) error { return nil }
func (m *memJournal) LastSeq(context.Context) (uint64, error)                       { return 0, nil }
func (m *memJournal) Close() error                                                  { return nil }

func item(tenant string, n int) ingest.Item {
	return ingest.Item{Tenant: tenant, Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n))}
}

func startCommitter(t *testing.T, j gt.Journal, o ingest.CommitterOptions) (*ingest.Committer, context.CancelFunc) {
	t.Helper()
	c := ingest.NewCommitter(j, o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return c, cancel
}

// waitPending waits until n items are queued behind the appender.
func waitPending(t *testing.T, c *ingest.Committer, n int) {
	t.Helper()
	for i := 0; c.Pending() != n; i++ {
		if i > 5000 {
			t.Fatalf("queue holds %d items, want %d", c.Pending(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

type ack struct {
	n   int
	seq uint64
	err error
}

func commitAsync(c *ingest.Committer, it ingest.Item, n int, out chan<- ack) {
	go func() {
		seq, err := c.Commit(context.Background(), it)
		out <- ack{n, seq, err}
	}()
}

// TestGroupCommit: items committed while an append is in flight go together into the
// next append, one event per tenant in commit order, and no item is acknowledged before
// its append returned.
func TestGroupCommit(t *testing.T) {
	j := &memJournal{gate: make(chan struct{}), entered: make(chan struct{}, 10)}
	c, _ := startCommitter(t, j, ingest.CommitterOptions{})
	acks := make(chan ack, 20)
	commitAsync(c, item("bank-a", 0), 0, acks)
	<-j.entered // item 0 is being appended; the append is held
	for i := 1; i <= 6; i++ {
		tenant := "bank-a"
		if i%3 == 0 {
			tenant = "bank-b"
		}
		it := item(tenant, i)
		commitAsync(c, it, i, acks)
		waitPending(t, c, i) // queued in order
	}
	select {
	case a := <-acks:
		t.Fatalf("item %d acknowledged before its append returned", a.n)
	case <-time.After(50 * time.Millisecond):
	}
	j.gate <- struct{}{} // the first append returns
	<-j.entered
	j.gate <- struct{}{} // the grouped append returns
	seqOf := map[int]uint64{}
	for i := 0; i <= 6; i++ {
		a := <-acks
		if a.err != nil {
			t.Fatalf("item %d: %v", a.n, a.err)
		}
		seqOf[a.n] = a.seq
	}
	if len(j.calls) != 2 || len(j.calls[1]) != 2 {
		t.Fatalf("appends = %d (second with %d events), want 2 appends, the second with one event per tenant", len(j.calls), len(j.calls[len(j.calls)-1]))
	}
	for _, ev := range j.calls[1] {
		var b ingest.Batch
		if err := json.Unmarshal(ev.Data, &b); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, raw := range b.Items {
			got = append(got, string(raw))
		}
		want := map[string]string{"bank-a": `[{"n":1} {"n":2} {"n":4} {"n":5}]`, "bank-b": `[{"n":3} {"n":6}]`}[ev.Tenant]
		if fmt.Sprint(got) != want || ev.Type != gt.EventIngest {
			t.Errorf("event for %s holds %v (type %s), want %s", ev.Tenant, got, ev.Type, want)
		}
	}
	if seqOf[1] != seqOf[2] || seqOf[1] == seqOf[3] || seqOf[0] == seqOf[1] {
		t.Errorf("sequences %v: items of one tenant and flush share an event, others do not", seqOf)
	}
}

func TestCommitLimitsAndErrors(t *testing.T) {
	j := &memJournal{}
	c, _ := startCommitter(t, j, ingest.CommitterOptions{MaxBytes: 64})
	big := ingest.Item{Tenant: "t", Data: json.RawMessage(`"` + string(make([]byte, 100)) + `"`)}
	if _, err := c.Commit(context.Background(), big); gt.ErrorCode(err) != gt.ETOOLARGE {
		t.Errorf("oversize item: %v, want too_large", err)
	}
	j.mu.Lock()
	j.fail = gt.Errorf(gt.EUNAVAILABLE, "journal down")
	j.mu.Unlock()
	if _, err := c.Commit(context.Background(), item("t", 1)); gt.ErrorCode(err) != gt.EUNAVAILABLE {
		t.Errorf("append failure: %v, want it passed to the caller", err)
	}
	j.mu.Lock()
	j.fail = nil
	j.mu.Unlock()
	if seq, err := c.Commit(context.Background(), item("t", 2)); err != nil || seq == 0 {
		t.Errorf("after recovery: %d, %v", seq, err)
	}
}

// TestBackpressure: with the appender held and the queue full, Commit waits and gives up
// with EUNAVAILABLE when its context ends; nothing is dropped silently.
func TestBackpressure(t *testing.T) {
	j := &memJournal{gate: make(chan struct{}), entered: make(chan struct{}, 10)}
	c, _ := startCommitter(t, j, ingest.CommitterOptions{Queue: 2})
	acks := make(chan ack, 10)
	commitAsync(c, item("t", 0), 0, acks)
	<-j.entered
	commitAsync(c, item("t", 1), 1, acks)
	commitAsync(c, item("t", 2), 2, acks)
	waitPending(t, c, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Commit(ctx, item("t", 3)); gt.ErrorCode(err) != gt.EUNAVAILABLE {
		t.Errorf("commit into a full queue: %v, want unavailable", err)
	}
	j.gate <- struct{}{}
	<-j.entered
	j.gate <- struct{}{}
	for i := 0; i < 3; i++ {
		if a := <-acks; a.err != nil {
			t.Errorf("queued item %d: %v", a.n, a.err)
		}
	}
}

func TestStopFailsQueuedItems(t *testing.T) {
	j := &memJournal{gate: make(chan struct{}), entered: make(chan struct{}, 10)}
	c, stop := startCommitter(t, j, ingest.CommitterOptions{})
	acks := make(chan ack, 10)
	commitAsync(c, item("t", 0), 0, acks)
	<-j.entered
	commitAsync(c, item("t", 1), 1, acks)
	waitPending(t, c, 1)
	stop()
	j.gate <- struct{}{} // the in-flight append completes and is acknowledged
	got := map[int]error{}
	for i := 0; i < 2; i++ {
		a := <-acks
		got[a.n] = a.err
	}
	if got[0] != nil || gt.ErrorCode(got[1]) != gt.EUNAVAILABLE {
		t.Errorf("after stop: in-flight %v, queued %v; want success and unavailable", got[0], got[1])
	}
	if _, err := c.Commit(context.Background(), item("t", 2)); gt.ErrorCode(err) != gt.EUNAVAILABLE {
		t.Errorf("commit after stop: %v", err)
	}
}

// TestCommitOnEmbeddedJournal: 40 producers commit 50 items each through the real
// embedded journal; every acknowledged item is in the event whose sequence it was given,
// exactly once, and group commit used fewer events than items.
func TestCommitOnEmbeddedJournal(t *testing.T) {
	j, err := journal.Open(context.Background(), journal.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	c, _ := startCommitter(t, j, ingest.CommitterOptions{})
	const producers, each = 40, 50
	var wg sync.WaitGroup
	seqOf := make([]uint64, producers*each)
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				n := p*each + i
				seq, err := c.Commit(context.Background(), item("bank-a", n))
				if err != nil {
					t.Errorf("item %d: %v", n, err)
				}
				seqOf[n] = seq
			}
		}()
	}
	wg.Wait()
	last, _ := j.LastSeq(context.Background())
	found := map[int]uint64{}
	ctx, cancel := context.WithCancel(context.Background())
	j.Consume(ctx, 1, func(evs []gt.Event) error {
		for _, ev := range evs {
			var b ingest.Batch
			if err := json.Unmarshal(ev.Data, &b); err != nil {
				return err
			}
			for _, raw := range b.Items {
				var v struct{ N int }
				json.Unmarshal(raw, &v)
				if _, dup := found[v.N]; dup {
					t.Errorf("item %d appended twice", v.N)
				}
				found[v.N] = ev.Seq
			}
			if ev.Seq == last {
				cancel()
			}
		}
		return nil
	})
	for n, seq := range seqOf {
		if found[n] != seq {
			t.Fatalf("item %d acknowledged with seq %d but found in %d", n, seq, found[n])
		}
	}
	if int(last) >= producers*each {
		t.Errorf("%d events for %d items: no group commit", last, producers*each)
	}
	t.Logf("%d items in %d events", producers*each, last)
}
