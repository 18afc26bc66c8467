package node

import (
	"context"
	"sync"
	"testing"
	"time"

	gt "groundtruth"
)

// holdingStore blocks every ApplyChanges until released.
type holdingStore struct {
	gt.Store
	entered chan struct{}
	release chan struct{}
}

func (h *holdingStore) ApplyChanges(ctx context.Context, c *gt.Changes) error {
	h.entered <- struct{}{}
	<-h.release
	return nil
}

type noJournal struct{ gt.Journal }

// TestWriterBoundsQueuedRows: the node waits to hand over a flush while the rows queued
// and not yet written would pass queuedRowsMax, and goes on once the store took them; a
// flush larger than the bound alone is taken when nothing else is queued.
func TestWriterBoundsQueuedRows(t *testing.T) {
	defer func(old int) { queuedRowsMax = old }(queuedRowsMax)
	queuedRowsMax = 10
	st := &holdingStore{entered: make(chan struct{}, 8), release: make(chan struct{})}
	n, err := New(Options{Journal: noJournal{}, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	w := newWriter(context.Background(), n, 0, nil)
	go w.run(time.Second)
	flush := func(seq uint64, rows int) writerItem {
		return writerItem{ch: &gt.Changes{Seq: seq, Series: make([]gt.SeriesBucket, rows)}}
	}
	if err := w.send(flush(1, 8)); err != nil {
		t.Fatal(err)
	}
	<-st.entered // the writer holds the first flush's 8 rows
	sent := make(chan error, 1)
	go func() { sent <- w.send(flush(2, 5)) }()
	select {
	case err := <-sent:
		t.Fatalf("a flush of 5 rows was taken with 8 queued and a bound of 10 (%v)", err)
	case <-time.After(200 * time.Millisecond):
	}
	st.release <- struct{}{} // the first flush is written
	select {
	case err := <-sent:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the second flush was never taken after the first was written")
	}
	<-st.entered
	st.release <- struct{}{}
	if seq, err := w.sync(); err != nil || seq != 2 {
		t.Fatalf("sync = %d, %v; want 2", seq, err)
	}
	// Larger than the bound, with nothing queued: taken.
	go func() { sent <- w.send(flush(3, 50)) }()
	<-st.entered
	st.release <- struct{}{}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if seq, err := w.sync(); err != nil || seq != 3 {
		t.Fatalf("sync = %d, %v; want 3", seq, err)
	}
	close(w.in)
	<-w.exited
}

// failingChunkStore records every ApplyChanges and, on the second transaction of health
// rows, blocks until ctx ends and fails with its error, as a write cut by a stopping
// node does.
type failingChunkStore struct {
	gt.Store
	mu      sync.Mutex
	calls   []applied
	chunks  int
	blocked chan struct{}
}

type applied struct{ seq, alerts, health int }

func (f *failingChunkStore) ApplyChanges(ctx context.Context, c *gt.Changes) error {
	f.mu.Lock()
	block := false
	if len(c.Health) > 0 {
		f.chunks++
		block = f.chunks == 2
	}
	f.mu.Unlock()
	if block {
		close(f.blocked)
		<-ctx.Done()
		return ctx.Err()
	}
	f.mu.Lock()
	f.calls = append(f.calls, applied{int(c.Seq), len(c.Alerts), len(c.Health)})
	f.mu.Unlock()
	return nil
}

// TestStoppedFlushResumes: a flush cut by the node's stop in the middle of its
// transactions is finished within the drain without writing its first transaction (its
// alerts) again, which would put them back over newer ones.
func TestStoppedFlushResumes(t *testing.T) {
	st := &failingChunkStore{blocked: make(chan struct{})}
	n, err := New(Options{Journal: noJournal{}, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := newWriter(ctx, n, 5, nil)
	go w.run(5 * time.Second)
	ch := &gt.Changes{Seq: 9, Alerts: []gt.Alert{{ID: "al-1", TenantID: "bank-a"}}, Health: make([]gt.DeviceHealth, 3*chunkRows)}
	if err := w.send(writerItem{ch: ch}); err != nil {
		t.Fatal(err)
	}
	<-st.blocked
	cancel()
	close(w.in)
	<-w.exited
	st.mu.Lock()
	defer st.mu.Unlock()
	alerts, health := 0, 0
	for _, c := range st.calls {
		alerts += c.alerts
		health += c.health
	}
	if alerts != 1 || health != 3*chunkRows || st.calls[len(st.calls)-1].seq != 9 {
		t.Errorf("writes %+v: want the alerts once, all %d health rows, the last at seq 9", st.calls, 3*chunkRows)
	}
	if seq := w.projectedSeq(); seq != 9 {
		t.Errorf("projected seq %d, want 9", seq)
	}
}
