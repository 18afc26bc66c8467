package ingest

import (
	"context"
	"encoding/json"
	"time"

	gt "groundtruth"
)

// CommitterOptions configure a Committer.
type CommitterOptions struct {
	// Type is the event type of the events built; default groundtruth.EventIngest.
	Type gt.EventType
	// MaxItems and MaxBytes bound one event: at most MaxItems items whose data add up to at
	// most MaxBytes (defaults 1000 and 4 MiB). An item larger than MaxBytes is refused.
	MaxItems int
	MaxBytes int
	// Queue is how many items may wait for the appender (default 10000). A full queue
	// makes Commit wait: backpressure, never a drop.
	Queue int
	// Actor is recorded on the events (default "ingest").
	Actor string
	// Now stamps the events (default time.Now); a scenario run gives its simulated clock.
	Now func() time.Time
}

// Item is one unit to make durable: a validated pack of one tenant, as JSON.
type Item struct {
	Tenant string
	Data   json.RawMessage
}

// Batch is the data of the events a Committer builds: the items of one tenant, in the
// order they were committed.
type Batch struct {
	Items []json.RawMessage `json:"items"`
}

// pending is what one caller commits: items of one tenant that go into the same event.
type pending struct {
	tenant string
	data   []json.RawMessage
	size   int
	done   chan result
}

type result struct {
	seq uint64
	err error
}

// Committer makes items durable with group commit (SPEC §5.1: acknowledge only after the
// durable append). Items committed while an append is in flight wait in a queue; the next
// append takes all of them, one event per tenant, so that many packs share one journal
// write and its fsync. Commit is safe for concurrent use; Run is called once.
type Committer struct {
	j       gt.Journal
	o       CommitterOptions
	queue   chan *pending
	stopped chan struct{}
}

// NewCommitter returns a committer appending to j; call Run to start it.
func NewCommitter(j gt.Journal, o CommitterOptions) *Committer {
	if o.Type == "" {
		o.Type = gt.EventIngest
	}
	if o.MaxItems <= 0 {
		o.MaxItems = 1000
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 4 << 20
	}
	if o.Queue <= 0 {
		o.Queue = 10000
	}
	if o.Actor == "" {
		o.Actor = "ingest"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Committer{j: j, o: o, queue: make(chan *pending, o.Queue), stopped: make(chan struct{})}
}

// Commit queues an item and waits until the event holding it is durably appended,
// returning the event's sequence. It returns ETOOLARGE for an item above MaxBytes,
// EUNAVAILABLE when ctx ends before the item was queued or the committer has stopped, and
// the journal's error when the append failed (the item may then be in the journal or
// not; a retry by the device is safe, readings are idempotent by device sequence and time).
// When ctx ends after the item was queued, Commit returns ctx's error but the item may
// still be appended.
func (c *Committer) Commit(ctx context.Context, it Item) (uint64, error) {
	return c.CommitAll(ctx, it.Tenant, []json.RawMessage{it.Data})
}

// CommitAll is Commit for several items of one tenant that must be appended together, in
// one event: all of them become durable or none. Together they must fit MaxItems and
// MaxBytes.
func (c *Committer) CommitAll(ctx context.Context, tenant string, data []json.RawMessage) (uint64, error) {
	return c.commit(ctx, tenant, data, true)
}

// commit is CommitAll; check false skips the JSON check, for items encoded by AppendPack.
func (c *Committer) commit(ctx context.Context, tenant string, data []json.RawMessage, check bool) (uint64, error) {
	size := 0
	for _, d := range data {
		size += len(d)
	}
	if size > c.o.MaxBytes {
		return 0, gt.Errorf(gt.ETOOLARGE, "%d bytes are above the limit of %d", size, c.o.MaxBytes)
	}
	if len(data) > c.o.MaxItems {
		return 0, gt.Errorf(gt.ETOOLARGE, "%d items are above the limit of %d", len(data), c.o.MaxItems)
	}
	if len(data) == 0 {
		return 0, gt.Errorf(gt.EINVALID, "nothing to commit")
	}
	for i, d := range data {
		// Checked here, on the caller's goroutine, so that the appender only frames items.
		if check && !json.Valid(d) {
			return 0, gt.Errorf(gt.EINVALID, "item %d is not valid JSON", i)
		}
	}
	stoppedErr := gt.Errorf(gt.EUNAVAILABLE, "ingest has stopped")
	select {
	case <-c.stopped:
		return 0, stoppedErr
	default:
	}
	p := &pending{tenant: tenant, data: data, size: size, done: make(chan result, 1)}
	select {
	case c.queue <- p:
	case <-c.stopped:
		return 0, stoppedErr
	case <-ctx.Done():
		return 0, gt.Errorf(gt.EUNAVAILABLE, "ingest is overloaded: %v", ctx.Err())
	}
	select {
	case r := <-p.done:
		return r.seq, r.err
	case <-c.stopped:
		// Run answers everything it took before it closes stopped: prefer that answer.
		select {
		case r := <-p.done:
			return r.seq, r.err
		default:
			return 0, stoppedErr
		}
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Pending returns the number of items waiting for the appender (the queue depth).
func (c *Committer) Pending() int { return len(c.queue) }

// Run appends queued items until ctx is done, then fails the items still queued.
func (c *Committer) Run(ctx context.Context) error {
	defer func() {
		close(c.stopped)
		for {
			select {
			case p := <-c.queue:
				p.done <- result{err: gt.Errorf(gt.EUNAVAILABLE, "ingest has stopped")}
			default:
				return
			}
		}
	}()
	var carry *pending // the item that did not fit in the previous batch
	for {
		if ctx.Err() != nil { // stopping wins over queued work: no append starts after it
			if carry != nil {
				carry.done <- result{err: gt.Errorf(gt.EUNAVAILABLE, "ingest has stopped")}
			}
			return nil
		}
		var first *pending
		if carry != nil {
			first, carry = carry, nil
		} else {
			select {
			case first = <-c.queue:
			case <-ctx.Done():
				return nil
			}
		}
		batch := []*pending{first}
		size, items := first.size, len(first.data)
	gather:
		for items < c.o.MaxItems {
			select {
			case p := <-c.queue:
				if size+p.size > c.o.MaxBytes || items+len(p.data) > c.o.MaxItems {
					carry = p
					break gather
				}
				batch = append(batch, p)
				size += p.size
				items += len(p.data)
			default:
				break gather
			}
		}
		c.flush(ctx, batch)
	}
}

// flush appends one event per tenant of the batch and answers every item.
func (c *Committer) flush(ctx context.Context, batch []*pending) {
	var tenants []string
	byTenant := map[string][]*pending{}
	for _, p := range batch {
		if _, ok := byTenant[p.tenant]; !ok {
			tenants = append(tenants, p.tenant)
		}
		byTenant[p.tenant] = append(byTenant[p.tenant], p)
	}
	now := c.o.Now().UTC()
	var events []gt.Event
	var groups [][]*pending // groups[i] are the items of events[i]
	for _, t := range tenants {
		ps := byTenant[t]
		// The items are JSON already: frame them as a Batch without encoding them again.
		n := len(`{"items":[]}`)
		for _, p := range ps {
			for _, d := range p.data {
				n += len(d) + 1
			}
		}
		data := make([]byte, 0, n)
		data = append(data, `{"items":[`...)
		for _, p := range ps {
			for _, d := range p.data {
				if len(data) > len(`{"items":[`) {
					data = append(data, ',')
				}
				data = append(data, d...)
			}
		}
		data = append(data, "]}"...)
		ev := gt.Event{ID: gt.NewID("ev"), Type: c.o.Type, Tenant: t, Time: now, Actor: c.o.Actor, Data: data}
		events = append(events, ev)
		groups = append(groups, ps)
	}
	if len(events) == 0 {
		return
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	seqs, err := c.j.Append(actx, events)
	cancel()
	for i, ps := range groups {
		if err != nil {
			answer(ps, 0, err)
		} else {
			answer(ps, seqs[i], nil)
		}
	}
}

func answer(ps []*pending, seq uint64, err error) {
	for _, p := range ps {
		p.done <- result{seq: seq, err: err}
	}
}
