package node

import (
	"context"
	"sync"
	"time"

	gt "groundtruth"
)

// writer projects the node's changes to the store on a goroutine of its own, so that the
// node goes on applying events while a flush is written, and so that an alert raised by
// telemetry reaches the store (and the bank's webhooks) between the transactions of a
// large telemetry flush instead of after all of it.
//
// Items are written in the order the node hands them over, with one exception: the
// early parts of held telemetry (alerts, actions, inspections, signals) may pass the
// health rows and series buckets of a flush being written, never its other rows. A flush
// is written as its risk and record rows first, then its health rows and series buckets
// in transactions of at most chunkRows rows; only the last transaction moves the store's
// projected sequence. Every row a flush writes is a final state keyed by its identity
// (the stores upsert), so a restart after some of the transactions replays the flush's
// events and writes the same rows again: the store is never ahead of the journal and
// never inconsistent with it once the last transaction is in.
type writer struct {
	n   *Node
	ctx context.Context // the node's: projection retries stop when it ends
	in  chan writerItem

	mu      sync.Mutex
	cond    *sync.Cond
	sent    uint64 // items handed over
	written uint64 // items done (written, or given up at stop)
	queued  int    // rows handed over and not yet written (queuedRowsMax bounds them)
	stored  uint64 // the store's projected sequence, as this writer last set it
	err     error  // why the writer stopped early (an invalid projection)

	// free holds flushes written, for the node to fill again (gt.Changes.Reset): a large
	// flush's slices are not allocated anew for the next one.
	free chan *gt.Changes

	failed chan struct{} // closed when err is set
	exited chan struct{} // closed when the goroutine returns
	onFail func()        // called once when err is set (cancels the node's consumption)
}

// writerItem is a whole flush (ch with the held results to answer once it is in the
// store) or an early part (early).
type writerItem struct {
	ch       *gt.Changes
	held     []heldResult
	early    bool
	rows     int // rowsOf(ch) when handed over
	progress int // transactions of a flush written so far
}

// chunkRows bounds the health rows and series buckets written in one transaction, so
// that an early part waits for at most that much.
const chunkRows = 256

func newWriter(ctx context.Context, n *Node, stored uint64, onFail func()) *writer {
	w := &writer{n: n, ctx: ctx, in: make(chan writerItem, 16), stored: stored, free: make(chan *gt.Changes, 2),
		failed: make(chan struct{}), exited: make(chan struct{}), onFail: onFail}
	w.cond = sync.NewCond(&w.mu)
	return w
}

// queuedRowsMax bounds the rows handed to the writer and not yet written: a node applying
// price ticks over a million lots faster than the store takes them waits for the store
// rather than holding tick after tick in memory. A flush larger than this waits until the
// writer has nothing else.
var queuedRowsMax = 2_000_000

// rowsOf counts the rows of a Changes.
func rowsOf(c *gt.Changes) int {
	return len(c.Tenants) + len(c.APIKeys) + c.Records.Len() + len(c.Health) + len(c.Series) + len(c.Valuations) +
		len(c.LoanRisks) + len(c.Signals) + len(c.Alerts) + len(c.Actions) + len(c.Inspections) + len(c.LoanPoints) +
		len(c.FieldObservations) + len(c.Rules) + len(c.Webhooks)
}

// send hands an item to the writer, waiting while its queue is full (backpressure on the
// node); it returns the writer's error when it has stopped.
func (w *writer) send(it writerItem) error {
	it.rows = rowsOf(it.ch)
	w.mu.Lock()
	for w.queued > 0 && w.queued+it.rows > queuedRowsMax && w.err == nil {
		w.cond.Wait()
	}
	if w.err != nil {
		err := w.err
		w.mu.Unlock()
		return err
	}
	w.sent++
	w.queued += it.rows
	w.mu.Unlock()
	select {
	case w.in <- it:
		return nil
	case <-w.failed:
		w.mu.Lock()
		w.written++ // never to be written
		w.queued -= it.rows
		w.cond.Broadcast()
		err := w.err
		w.mu.Unlock()
		return err
	}
}

// sync waits until every item handed over is written and returns the projected
// sequence, or the writer's error.
func (w *writer) sync() (uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.written < w.sent && w.err == nil {
		w.cond.Wait()
	}
	return w.stored, w.err
}

// failure returns the writer's error, nil while it runs.
func (w *writer) failure() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// projectedSeq returns the store's projected sequence as this writer last set it.
func (w *writer) projectedSeq() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stored
}

func (w *writer) fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
		close(w.failed)
		if w.onFail != nil {
			w.onFail()
		}
	}
	w.cond.Broadcast()
	w.mu.Unlock()
}

// done marks an item of rows rows finished, and the projected sequence when seq is not 0.
func (w *writer) done(rows int, seq uint64) {
	w.mu.Lock()
	w.written++
	w.queued -= rows
	if seq > 0 {
		w.stored = seq
	}
	w.cond.Broadcast()
	w.mu.Unlock()
}

// run writes items until the input is closed and drained. Once the node's context has
// ended, each remaining item is tried once within drain (a stopping node writes what it
// holds, so that a restart has less to replay); the first that fails ends the writing,
// since a later flush written without it would claim its events.
func (w *writer) run(drain time.Duration) {
	defer close(w.exited)
	var dctx context.Context // set once stopping
	var next *writerItem     // a flush taken while writing another, written next
	stopped := false         // a write failed while stopping: the rest is dropped
	for {
		var it writerItem
		if next != nil {
			it, next = *next, nil
		} else {
			var ok bool
			if it, ok = <-w.in; !ok {
				return
			}
		}
		if stopped || w.failure() != nil {
			w.done(it.rows, 0)
			continue
		}
		ctx := w.ctx
		if ctx.Err() != nil {
			if dctx == nil {
				var cancel context.CancelFunc
				dctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), drain)
				defer cancel()
			}
			ctx = dctx
		}
		err := w.writeItem(ctx, &it, &next)
		if err != nil && ctx == w.ctx && w.ctx.Err() != nil {
			// The node stopped during the write: once more, within drain.
			var cancel context.CancelFunc
			dctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), drain)
			defer cancel()
			err = w.writeItem(dctx, &it, &next)
		}
		if err == nil {
			continue
		}
		w.done(it.rows, 0)
		if gt.ErrorCode(err) == gt.EINVALID {
			w.fail(err)
			continue
		}
		// The node is stopping (project gives up only then): the rest is left to replay.
		stopped = true
	}
}

// writeItem writes an early part or a whole flush.
func (w *writer) writeItem(ctx context.Context, it *writerItem, next **writerItem) error {
	if !it.early {
		return w.writeFlush(ctx, it, next)
	}
	if err := w.writeEarly(ctx, it.ch); err != nil {
		return err
	}
	w.done(it.rows, 0)
	return nil
}

// write applies part to the store: with retries while the node runs, once when stopping.
func (w *writer) write(ctx context.Context, part *gt.Changes) error {
	if ctx != w.ctx {
		return w.n.s.ApplyChanges(ctx, part)
	}
	return w.n.project(ctx, part)
}

// writeEarly writes an early part at the current projected sequence and hands it to
// OnProjected.
func (w *writer) writeEarly(ctx context.Context, ch *gt.Changes) error {
	ch.Seq = w.projectedSeq()
	if err := w.write(ctx, ch); err != nil {
		return err
	}
	w.n.m.early.Inc()
	if w.n.projected != nil {
		w.n.projected(ch)
	}
	return nil
}

// writeFlush writes a whole flush, in several transactions when its telemetry rows are
// many, letting early parts pass between them. A flush taken from the input meanwhile is
// left in *next. The transactions written are counted in it.progress, so that a flush
// tried again (when the node stops during it) does not write its first transaction,
// older than the early parts that passed, a second time.
func (w *writer) writeFlush(ctx context.Context, it *writerItem, next **writerItem) error {
	ch := it.ch
	step := 0 // the transaction about to be written
	write := func(part *gt.Changes) error {
		step++
		if step <= it.progress {
			return nil // written by the attempt that failed
		}
		if err := w.write(ctx, part); err != nil {
			return err
		}
		it.progress = step
		if w.n.projected != nil {
			w.n.projected(part)
		}
		return nil
	}
	telemetry := len(ch.Health) + len(ch.Series)
	if telemetry > chunkRows {
		// Everything but the health rows and series buckets first, at the sequence the
		// store already has: the early parts that may follow are newer than these rows.
		rest := *ch
		rest.Seq, rest.Health, rest.Series = w.projectedSeq(), nil, nil
		if !rest.Empty() {
			if err := write(&rest); err != nil {
				return err
			}
		}
		health, series := ch.Health, ch.Series
		for len(health)+len(series) > chunkRows {
			part := gt.Changes{Seq: w.projectedSeq()}
			k := min(len(health), chunkRows)
			part.Health, health = health[:k:k], health[k:]
			k = min(len(series), chunkRows-len(part.Health))
			part.Series, series = series[:k:k], series[k:]
			if err := write(&part); err != nil {
				return err
			}
			if err := w.passEarly(ctx, next); err != nil {
				return err
			}
		}
		ch = &gt.Changes{Seq: it.ch.Seq, Health: health, Series: series}
	}
	if err := write(ch); err != nil {
		return err
	}
	n := w.n
	n.applied.Store(it.ch.Seq)
	n.m.applied.Add(float64(len(it.held)))
	for _, h := range it.held {
		n.waiters.done(h.id, h.seq, h.err)
	}
	w.done(it.rows, it.ch.Seq)
	select {
	case w.free <- it.ch: // OnProjected has returned: nothing holds it any more
	default:
	}
	return nil
}

// changes returns an empty Changes for the node to fill: a written one when there is.
func (w *writer) changes() *gt.Changes {
	select {
	case c := <-w.free:
		c.Reset()
		return c
	default:
		return &gt.Changes{}
	}
}

// passEarly writes the early parts waiting in the input, stopping at the first flush,
// which it leaves in *next (the early parts after it are newer than its rows).
func (w *writer) passEarly(ctx context.Context, next **writerItem) error {
	for *next == nil {
		select {
		case it, ok := <-w.in:
			if !ok {
				return nil
			}
			if !it.early {
				*next = &it
				return nil
			}
			if err := w.writeEarly(ctx, it.ch); err != nil {
				w.done(it.rows, 0)
				return err
			}
			w.done(it.rows, 0)
		default:
			return nil
		}
	}
	return nil
}
