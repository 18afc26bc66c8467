package journal

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"groundtruth"
)

// Tuning of Consume.
const (
	maxBatch   = 1000 // most events handed to fn at once
	pullBatch  = 1000 // messages requested from the server at a time
	maxBackoff = 5 * time.Second
)

// errStopped tells the reader that it has already reported why it stopped.
var errStopped = errors.New("reader stopped")

// Consume calls fn with batches of events in sequence order, from sequence from (1 is
// the first event; 0 means 1), and waits for new events at the end. Each batch holds the
// events available at once, up to 1000; fn owns the slice. Events are decoded while fn
// runs on the previous batch. Consume returns ctx.Err() when ctx is done, fn's error when
// fn fails, an error naming the sequence when an event cannot be decoded, and
// EUNAVAILABLE when the journal is closed. Lost connections are retried.
func (j *Journal) Consume(ctx context.Context, from uint64, fn func([]groundtruth.Event) error) error {
	if from == 0 {
		from = 1
	}
	if j.isClosed() {
		return errClosed()
	}
	b := &batcher{ready: make(chan struct{}, 1), space: make(chan struct{}, 1)}
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() { j.read(rctx, from, b) })
	for {
		evs, err := b.take(ctx, j.closed)
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(evs); err != nil {
			return err
		}
	}
}

// read feeds b with the events from sequence next on, restarting the consumer after
// errors, until ctx is done or an error that retrying cannot fix.
func (j *Journal) read(ctx context.Context, next uint64, b *batcher) {
	backoff := 100 * time.Millisecond
	for {
		progressed, err := j.readFrom(ctx, &next, b)
		switch {
		case ctx.Err() != nil, errors.Is(err, errStopped):
			return
		case j.isClosed():
			b.fail(errClosed())
			return
		case errors.Is(err, jetstream.ErrStreamNotFound):
			b.fail(fmt.Errorf("journal: consume: stream %s: %w", j.name, err))
			return
		}
		if progressed {
			backoff = 100 * time.Millisecond
		}
		j.log.Warn("consume interrupted; resuming", "from", next, "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-j.closed:
			b.fail(errClosed())
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// readFrom runs one ordered consumer from *next, decoding messages into b and advancing
// *next, until it fails. It reports whether it delivered any event.
func (j *Journal) readFrom(ctx context.Context, next *uint64, b *batcher) (progressed bool, err error) {
	cons, err := j.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   *next,
	})
	if err != nil {
		return false, err
	}
	defer j.deleteConsumer(cons)
	it, err := cons.Messages(jetstream.PullMaxMessages(pullBatch))
	if err != nil {
		return false, err
	}
	defer it.Stop()
	defer context.AfterFunc(ctx, it.Stop)()
	for {
		msg, err := it.Next()
		if err != nil {
			return progressed, err
		}
		meta, err := msg.Metadata()
		if err != nil {
			return progressed, err
		}
		seq := meta.Sequence.Stream
		if seq < *next {
			continue // delivered already; the ordered consumer should not repeat
		}
		var ev groundtruth.Event
		if err := decodeEvent(msg.Data(), &ev); err != nil {
			b.fail(fmt.Errorf("journal: decode event at sequence %d: %w", seq, err))
			return progressed, errStopped
		}
		ev.Seq = seq
		*next = seq + 1
		progressed = true
		if !b.put(ctx, ev) {
			return progressed, ctx.Err()
		}
	}
}

// deleteConsumer removes an ordered consumer at once rather than after its inactivity
// threshold. Failure is harmless: the server removes it later.
func (j *Journal) deleteConsumer(cons jetstream.Consumer) {
	if j.isClosed() {
		return
	}
	info := cons.CachedInfo()
	if info == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = j.stream.DeleteConsumer(ctx, info.Name)
}

func (j *Journal) isClosed() bool {
	select {
	case <-j.closed:
		return true
	default:
		return false
	}
}

// batcher hands decoded events from the reader goroutine to Consume: the reader appends
// up to maxBatch events, Consume takes all of them at once.
type batcher struct {
	mu     sync.Mutex
	events []groundtruth.Event
	err    error         // delivered after the events before it
	ready  chan struct{} // signalled when events or err are waiting
	space  chan struct{} // signalled when Consume took events
}

// put appends ev, waiting while maxBatch events are waiting. It returns false when ctx is
// done first.
func (b *batcher) put(ctx context.Context, ev groundtruth.Event) bool {
	b.mu.Lock()
	for len(b.events) >= maxBatch {
		b.mu.Unlock()
		select {
		case <-b.space:
		case <-ctx.Done():
			return false
		}
		b.mu.Lock()
	}
	b.events = append(b.events, ev)
	b.mu.Unlock()
	signal(b.ready)
	return true
}

// fail records err, to be returned by take once the waiting events are taken.
func (b *batcher) fail(err error) {
	b.mu.Lock()
	if b.err == nil {
		b.err = err
	}
	b.mu.Unlock()
	signal(b.ready)
}

// take waits for events and returns all of them, or the recorded error when no event is
// waiting.
func (b *batcher) take(ctx context.Context, closed <-chan struct{}) ([]groundtruth.Event, error) {
	for {
		select {
		case <-b.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-closed:
			return nil, errClosed()
		}
		b.mu.Lock()
		evs, err := b.events, b.err
		b.events = nil
		b.mu.Unlock()
		if len(evs) > 0 {
			signal(b.space)
			if err != nil {
				signal(b.ready) // the error comes next
			}
			return evs, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// signal wakes the waiter on c, a channel of capacity 1, without blocking.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
