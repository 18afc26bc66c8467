// Package node runs one groundtruth partition: it consumes the journal in order, applies
// each event to the engine, writes what changed to the store (the SQL projection), takes
// snapshots, and answers commands once their events are projected (read-your-writes,
// SPEC §4.4). Restart is the latest snapshot plus the journal tail (SPEC §4.1).
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	gt "groundtruth"
	"groundtruth/engine"

	"github.com/prometheus/client_golang/prometheus"
)

// Options configure a Node.
type Options struct {
	Journal gt.Journal
	Store   gt.Store
	Logger  *slog.Logger
	// SnapshotEvery is the number of events between engine snapshots (default 10000).
	SnapshotEvery uint64
	// Registerer receives the node's metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// HoldFor and HoldEvents bound how long telemetry changes may wait before they are
	// projected: a flush happens when the oldest held change is HoldFor old (checked when
	// events arrive; defaults 500ms) or HoldEvents events are held (default 1000), and at
	// once for any other event. Telemetry that changed an alert or an action is not kept
	// waiting: the held alerts, actions, inspections and signals are written at once. TickEvery makes Run append a tick event at that interval
	// (0: none), which bounds the wait when no other event comes.
	HoldFor    time.Duration
	HoldEvents int
	TickEvery  time.Duration
	// OnProjected, when set, is called with every Changes once the store has applied it,
	// from the goroutine that writes the store, in the order of the writes (the webhook
	// dispatcher learns of new actions this way). A flush written in several transactions
	// is handed over in those parts, each once it is written (all but the last at the
	// store's previous sequence). It must return quickly and must not keep or modify c; a
	// slow hook delays every write.
	OnProjected func(c *gt.Changes)
	// Now stamps the events the node creates (commands and ticks); time.Now when nil. A
	// scenario run gives the node its simulated clock.
	Now func() time.Time
}

// Node owns an engine and the goroutine that feeds it. Submit and the read methods are
// safe for concurrent use; Run is called once.
type Node struct {
	j        gt.Journal
	s        gt.Store
	log      *slog.Logger
	snapEach uint64

	holdFor    time.Duration
	holdEvents int
	tickEvery  time.Duration
	projected  func(*gt.Changes) // Options.OnProjected, or nil

	applied atomic.Uint64 // last event applied and projected
	ready   chan struct{} // closed once caught up with the journal at start
	stopped chan struct{} // closed when Run returns; stopErr says why
	waiters waiters
	m       metrics
	stopErr error
	now     func() time.Time
}

// New returns a node; call Run to start it.
func New(o Options) (*Node, error) {
	if o.Journal == nil || o.Store == nil {
		return nil, errors.New("node needs a journal and a store")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.SnapshotEvery == 0 {
		o.SnapshotEvery = 10000
	}
	if o.HoldFor <= 0 {
		o.HoldFor = 500 * time.Millisecond
	}
	if o.HoldEvents <= 0 {
		o.HoldEvents = 1000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	n := &Node{j: o.Journal, s: o.Store, log: o.Logger, snapEach: o.SnapshotEvery,
		holdFor: o.HoldFor, holdEvents: o.HoldEvents, tickEvery: o.TickEvery, projected: o.OnProjected, now: o.Now,
		ready: make(chan struct{}), stopped: make(chan struct{}), waiters: newWaiters(), m: newMetrics()}
	if o.Registerer != nil {
		if err := n.m.register(o.Registerer, n); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// Ready returns a channel closed once the node has caught up with the journal as it was
// at start; until then reads may be stale.
func (n *Node) Ready() <-chan struct{} { return n.ready }

// Applied returns the sequence of the last event applied and projected.
func (n *Node) Applied() uint64 { return n.applied.Load() }

// Run restores the engine from the latest snapshot, replays the journal tail and then
// applies new events as they are appended, until ctx is done (it then returns nil). On
// return it has taken a final snapshot when everything applied was also projected.
//
// Run refuses to start when the store has seen more events than the journal holds (the
// store belongs to another journal), and stops with an error when the store rejects a
// change as invalid: retrying a deterministic rejection would wedge every later write.
func (n *Node) Run(ctx context.Context) (err error) {
	defer func() {
		n.stopErr = err
		if err == nil {
			n.stopErr = errors.New("the node has stopped")
		}
		close(n.stopped)
		n.waiters.failAll(gt.Errorf(gt.EUNAVAILABLE, "the engine stopped before applying the event: %v", n.stopErr))
	}()
	projected, err := n.s.ProjectedSeq(ctx)
	if err != nil {
		return fmt.Errorf("read projected sequence: %w", err)
	}
	last, err := n.j.LastSeq(ctx)
	if err != nil {
		return fmt.Errorf("read journal end: %w", err)
	}
	if projected > last {
		return fmt.Errorf("the store has applied %d events but the journal holds only %d: "+
			"the store belongs to another journal; start with an empty store or the journal it was built from", projected, last)
	}
	eng, err := n.restore(ctx, projected)
	if err != nil {
		return err
	}
	n.log.Info("node starting", "snapshot_seq", eng.Seq(), "projected_seq", projected, "journal_seq", last)
	n.applied.Store(eng.Seq())
	if eng.Seq() >= last {
		close(n.ready)
	}
	if n.tickEvery > 0 {
		tctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go n.tick(tctx)
	}
	snapped := eng.Seq()
	// The store is written by the writer's goroutine; consumption stops when it fails.
	cctx, stopConsume := context.WithCancel(ctx)
	defer stopConsume()
	w := newWriter(ctx, n, projected, stopConsume)
	go w.run(10 * time.Second)
	start := time.Now()
	ch := &gt.Changes{}
	// Telemetry (EventIngest) is projected lazily: its changes accumulate over several
	// batches and reach the store together, so that a device's health row and series
	// buckets are written once per flush rather than once per group commit. Any other
	// event (a command, whose caller waits to read its write, or a tick) flushes at once;
	// telemetry that changed an alert or an action has its alerts, actions, inspections
	// and signals written at once (earlyPart). The writes happen on the writer's
	// goroutine, in order, while the node applies what comes next.
	var held []heldResult // results of events applied but not yet handed to the writer
	var heldSince time.Time
	urgent := false // held telemetry changed an alert or an action
	err = n.j.Consume(cctx, eng.Seq()+1, func(batch []gt.Event) error {
		if err := w.failure(); err != nil {
			return err
		}
		t := time.Now()
		if len(held) == 0 {
			heldSince = t
		}
		flush := false
		for i := range batch {
			ev := &batch[i]
			evCh := ch
			if ev.Seq <= projected {
				evCh = &gt.Changes{} // already in the store: apply to the engine only
			}
			alerts := len(evCh.Alerts) + len(evCh.Actions)
			err := eng.Apply(ev, evCh)
			if err != nil {
				n.m.rejected.Inc()
			}
			held = append(held, heldResult{id: ev.ID, seq: ev.Seq, err: err})
			if ev.Type != gt.EventIngest {
				flush = true
			} else if len(evCh.Alerts)+len(evCh.Actions) != alerts {
				urgent = true
			}
		}
		ch.Seq = batch[len(batch)-1].Seq
		caughtUp := ch.Seq >= last
		if !flush && len(held) < n.holdEvents && t.Sub(heldSince) < n.holdFor && !(caughtUp && !n.isReady()) {
			if urgent && ch.Seq > projected {
				// Telemetry opened, changed or resolved an alert or an action: the bank's
				// systems (webhooks, the API) learn of it now, not at the next flush.
				if err := w.send(earlyPart(ch)); err != nil {
					return err
				}
			}
			urgent = false
			n.m.batch.Observe(time.Since(t).Seconds())
			return nil // keep accumulating
		}
		urgent = false
		if ch.Seq > projected {
			if err := w.send(writerItem{ch: ch, held: held}); err != nil {
				return err
			}
			ch, held = w.changes(), nil
		} else {
			// Replayed events the store already has: nothing to write.
			n.applied.Store(ch.Seq)
			n.m.applied.Add(float64(len(held)))
			for _, h := range held {
				n.waiters.done(h.id, h.seq, h.err)
			}
			ch.Reset()
			held = held[:0]
		}
		n.m.batch.Observe(time.Since(t).Seconds())
		if caughtUp && !n.isReady() {
			if _, err := w.sync(); err != nil {
				return err
			}
			close(n.ready)
			n.log.Info("node caught up", "seq", eng.Seq(), "replay", time.Since(start).Round(time.Millisecond))
		}
		if eng.Seq()-snapped >= n.snapEach {
			// A snapshot is taken at the store's projected sequence, never ahead of it.
			if stored, err := w.sync(); err != nil {
				return err
			} else if stored == eng.Seq() || eng.Seq() <= projected {
				if err := n.snapshot(ctx, eng); err != nil {
					n.log.Warn("snapshot", "seq", eng.Seq(), "err", err)
				} else {
					snapped = eng.Seq()
				}
			}
		}
		return nil
	})
	if werr := w.failure(); werr != nil {
		err = werr
	}
	if len(held) > 0 && ch.Seq > projected && errors.Is(err, context.Canceled) && ctx.Err() != nil {
		// Stopping: write what is held, so that a restart has less to replay.
		_ = w.send(writerItem{ch: ch, held: held})
	}
	close(w.in)
	<-w.exited
	if werr := w.failure(); werr != nil {
		err = werr // an invalid projection found while writing what was held
	}
	stored := w.projectedSeq()
	if eng.Seq() > snapped && (eng.Seq() == stored || eng.Seq() <= projected) && w.failure() == nil {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		if serr := n.snapshot(sctx, eng); serr != nil {
			n.log.Warn("final snapshot", "err", serr)
		}
		cancel()
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// earlyPart copies the alerts, actions, inspections and signals of held changes for an
// early write: the node goes on changing ch while the writer writes the copy.
func earlyPart(ch *gt.Changes) writerItem {
	part := &gt.Changes{Alerts: slices.Clone(ch.Alerts), Actions: slices.Clone(ch.Actions),
		Inspections: slices.Clone(ch.Inspections), Signals: slices.Clone(ch.Signals)}
	return writerItem{ch: part, early: true}
}

// heldResult is the outcome of an event applied to the engine whose changes wait for the
// next flush to the store; its waiters are answered after that flush.
type heldResult struct {
	id  string
	seq uint64
	err error
}

// tick appends a tick event every tickEvery once the node is ready (SPEC §4.2: time
// advances without data, so staleness is seen and held telemetry is projected).
func (n *Node) tick(ctx context.Context) {
	select {
	case <-n.ready:
	case <-ctx.Done():
		return
	}
	t := time.NewTicker(n.tickEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			ev, err := gt.NewEvent(gt.EventTick, "", n.now(), "node", nil)
			if err == nil {
				_, err = n.j.Append(ctx, []gt.Event{ev})
			}
			if err != nil && ctx.Err() == nil {
				n.log.Warn("append tick", "err", err)
			}
		}
	}
}

func (n *Node) isReady() bool {
	select {
	case <-n.ready:
		return true
	default:
		return false
	}
}

// restore builds the engine from the newest snapshot, or empty when there is none or it
// cannot be read (then the journal is replayed from the start).
func (n *Node) restore(ctx context.Context, projected uint64) (*engine.Engine, error) {
	seq, data, err := n.s.LatestSnapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	if data == nil {
		return engine.New(), nil
	}
	if seq > projected {
		// Events after the projection would be skipped by the store: replay instead.
		n.log.Warn("snapshot is ahead of the store, replaying the whole journal", "snapshot_seq", seq, "projected_seq", projected)
		return engine.New(), nil
	}
	eng, err := engine.Restore(data)
	if err != nil {
		n.log.Warn("snapshot unusable, replaying the whole journal", "seq", seq, "err", err)
		return engine.New(), nil
	}
	return eng, nil
}

// project writes changes to the store, retrying with backoff while the store fails: the
// projection must never skip an event.
func (n *Node) project(ctx context.Context, ch *gt.Changes) error {
	backoff := 50 * time.Millisecond
	for {
		err := n.s.ApplyChanges(ctx, ch)
		if err == nil {
			return nil
		}
		n.m.storeErrors.Inc()
		if gt.ErrorCode(err) == gt.EINVALID {
			return fmt.Errorf("the store rejected the changes of events up to %d: %w", ch.Seq, err)
		}
		n.log.Error("project changes", "seq", ch.Seq, "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (n *Node) snapshot(ctx context.Context, eng *engine.Engine) error {
	data, err := eng.Snapshot()
	if err != nil {
		return err
	}
	if err := n.s.SaveSnapshot(ctx, eng.Seq(), data); err != nil {
		return err
	}
	n.m.snapshots.Inc()
	n.log.Debug("snapshot saved", "seq", eng.Seq(), "bytes", len(data))
	return nil
}

// waiters holds, by event ID, the callers waiting for an event's result, and the recent
// results so that a caller registering after the event was applied (an idempotent
// retry) still gets its answer.
type waiters struct {
	mu     sync.Mutex
	chans  map[string]chan result
	recent map[string]result
	order  []string // recent IDs, oldest first
}

type result struct {
	seq uint64
	err error
}

const recentResults = 8192

func newWaiters() waiters {
	return waiters{chans: map[string]chan result{}, recent: map[string]result{}}
}

func (w *waiters) add(id string) chan result {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := make(chan result, 1)
	if r, ok := w.recent[id]; ok {
		c <- r
		return c
	}
	w.chans[id] = c
	return c
}

func (w *waiters) remove(id string) {
	w.mu.Lock()
	delete(w.chans, id)
	w.mu.Unlock()
}

// failAll answers every waiting caller with err.
func (w *waiters) failAll(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for id, c := range w.chans {
		c <- result{err: err}
		delete(w.chans, id)
	}
}

func (w *waiters) done(id string, seq uint64, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := result{seq, err}
	if c, ok := w.chans[id]; ok {
		c <- r
		delete(w.chans, id)
	}
	w.recent[id] = r
	w.order = append(w.order, id)
	if len(w.order) > recentResults {
		delete(w.recent, w.order[0])
		w.order = w.order[1:]
	}
}
