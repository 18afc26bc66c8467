package node_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/node"
)

// gatedStore records every ApplyChanges and holds the first one that carries health rows
// until released.
type gatedStore struct {
	gt.Store
	mu      sync.Mutex
	calls   []applyCall
	armed   bool
	entered chan struct{}
	release chan struct{}
}

type applyCall struct {
	seq, projected                 uint64 // the Changes' seq, and the store's before the call
	health, series, alerts, action int
}

func (g *gatedStore) ApplyChanges(ctx context.Context, c *gt.Changes) error {
	before, _ := g.Store.ProjectedSeq(ctx)
	g.mu.Lock()
	g.calls = append(g.calls, applyCall{c.Seq, before, len(c.Health), len(c.Series), len(c.Alerts), len(c.Actions)})
	hold := g.armed && len(c.Health) > 0
	if hold {
		g.armed = false
	}
	g.mu.Unlock()
	if hold {
		close(g.entered)
		<-g.release
	}
	return g.Store.ApplyChanges(ctx, c)
}

// TestEarlyWritePassesALargeFlush: while a flush of many devices' telemetry is being
// written, an alert raised by the next telemetry reaches the store between the flush's
// transactions, not after all of them; the store's projected sequence moves only with
// the flush's last transaction, and everything is in the store at the end.
func TestEarlyWritePassesALargeFlush(t *testing.T) {
	dir := t.TempDir()
	j, s := openParts(t, dir, filepath.Join(dir, "gt.db"))
	defer j.Close()
	defer s.Close()
	g := &gatedStore{Store: s, entered: make(chan struct{}), release: make(chan struct{})}
	n, err := node.New(node.Options{Journal: j, Store: g})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	<-n.Ready()
	if _, _, err := n.CreateTenant(ctx, "bank-a", "Bank A"); err != nil {
		t.Fatal(err)
	}
	const devices = 700 // 700 health rows and 700 series buckets: several transactions
	site := gt.Site{ID: "wh-1", Name: "WH", Kind: gt.SiteWarehouse, Boundary: gt.Polygon{Type: "Polygon",
		Coordinates: [][][2]float64{{{0, 0}, {0.01, 0}, {0.01, 0.01}, {0, 0.01}, {0, 0}}}}}
	recs := gt.Records{Sites: []gt.Site{site}}
	for i := range devices {
		recs.Devices = append(recs.Devices, gt.Device{ID: fmt.Sprintf("cell-%04d", i), Kind: gt.DeviceLoadCell,
			SiteID: "wh-1", Interval: gt.Duration(time.Minute)})
	}
	if _, err := n.Command(ctx, gt.EventRecordsCreate, "bank-a", "test", recs); err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Truncate(time.Second)
	var batch gt.IngestBatch
	for i := range devices {
		v := float64(1000 + i)
		batch.Items = append(batch.Items, gt.DevicePack{Device: fmt.Sprintf("cell-%04d", i), Via: gt.ViaMQTT, Received: at,
			Digest: fmt.Sprint("d", i), Readings: []gt.Reading{{Name: "mass", T: at.UnixMicro(), V: &v}}})
	}
	ev, _ := gt.NewEvent(gt.EventIngest, "bank-a", at, "ingest", batch)
	if _, err := j.Append(ctx, []gt.Event{ev}); err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	g.armed = true
	g.mu.Unlock()
	// A command flushes the held telemetry; the store holds its first health transaction.
	cmd := make(chan uint64, 1)
	go func() {
		seq, err := n.Command(ctx, gt.EventRecordsCreate, "bank-a", "test", gt.Records{Parties: []gt.Party{party(1)}})
		if err != nil {
			t.Error(err)
		}
		cmd <- seq
	}()
	select {
	case <-g.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the flush never reached the store")
	}
	tamper, _ := gt.NewEvent(gt.EventIngest, "bank-a", at, "ingest", gt.IngestBatch{Items: []gt.DevicePack{{Device: "cell-0001",
		Via: gt.ViaMQTT, Received: at, Digest: "t", Status: &gt.StatusReport{State: gt.StateTamper}}}})
	if _, err := j.Append(ctx, []gt.Event{tamper}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the node applies it and hands its alert over
	close(g.release)
	flushSeq := <-cmd

	g.mu.Lock()
	calls := append([]applyCall(nil), g.calls...)
	g.mu.Unlock()
	early, last := -1, -1
	var rows int
	for i, c := range calls {
		if c.alerts > 0 && early < 0 {
			early = i
		}
		if c.seq == flushSeq {
			last = i
		}
		if c.projected < flushSeq && c.seq <= flushSeq {
			rows += c.health
		}
	}
	if early < 0 || last < 0 || early > last {
		t.Fatalf("writes %+v: want the tamper alert (at %d) before the flush's last transaction (at %d)", calls, early, last)
	}
	if c := calls[early]; c.seq != c.projected || c.seq >= flushSeq || c.action == 0 {
		t.Errorf("early write %+v: want its action, at the projected sequence before the flush", c)
	}
	for _, c := range calls[:last] {
		if c.seq >= flushSeq {
			t.Errorf("write %+v moved the projected sequence before the flush's last transaction", c)
		}
	}
	if rows < devices {
		t.Errorf("the flush wrote %d health rows, want %d", rows, devices)
	}
	if p, err := s.ProjectedSeq(ctx); err != nil || p != flushSeq {
		t.Errorf("projected seq %d, %v; want %d", p, err, flushSeq)
	}
	hs, err := s.DeviceHealths(ctx, "bank-a", gt.ListOptions{Limit: 1000})
	if err != nil || len(hs) != devices {
		t.Fatalf("health rows in the store: %d, %v; want %d", len(hs), err, devices)
	}
	if a, err := s.Alerts(ctx, "bank-a", gt.AlertQuery{Rule: "tamper"}); err != nil || len(a) != 1 {
		t.Errorf("tamper alerts: %+v, %v; want one", a, err)
	}
}
