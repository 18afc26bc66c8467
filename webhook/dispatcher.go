// Package webhook delivers actions to the banks' systems (SPEC §6.7): every new action
// and every change of an action's state is POSTed as JSON to the tenant's webhook URL,
// signed with HMAC-SHA256 (Sign), with an idempotency key, and retried with exponential
// backoff until the receiver accepts it or the dispatcher gives up.
//
// The Dispatcher learns of actions from the node once they are projected (Observe, the
// node's OnProjected hook) and records one delivery per tenant, action and state in the
// store before sending it, so that a restart resumes what is still pending: delivery is
// at least once, and receivers drop repeats by the Idempotency-Key header.
package webhook

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	gt "groundtruth"
)

// Store is what the dispatcher needs of the store: the webhook configurations and
// deliveries, and the actions of a tenant (to find those it missed).
type Store interface {
	gt.WebhookStore
	// Actions lists a tenant's actions newest first, as groundtruth.Store does.
	Actions(ctx context.Context, tenant string, o gt.ListOptions) ([]gt.Action, error)
}

// Defaults of Options.
const (
	DefaultBackoff     = time.Second
	DefaultMaxBackoff  = time.Hour
	DefaultMaxAttempts = 30 // with the backoff above: 9 to 18 hours of retries
	DefaultConcurrency = 4
	DefaultTimeout     = 30 * time.Second // of one attempt, with the default client
)

// Limits of the dispatcher.
const (
	// MaxRetryAfter bounds the wait a receiver can ask for with Retry-After.
	MaxRetryAfter = time.Hour
	// maxErrorLen bounds the error text recorded with an attempt.
	maxErrorLen = 300
	// queueSize is the number of Changes with actions Observe can hand over before the
	// dispatcher falls back to scanning the store.
	queueSize = 256
	// poll is the longest the dispatcher sleeps without looking at the store.
	poll = time.Minute
	// storeRetry is the pause after a store error.
	storeRetry = 5 * time.Second
)

// Options configure a Dispatcher.
type Options struct {
	Store Store
	// Key is the server's webhook key (at least 32 bytes), from which each tenant's
	// signing secret is derived (groundtruth.WebhookSecret).
	Key []byte
	// Client sends the deliveries; the default (GuardedClient) times out after
	// DefaultTimeout, does not follow redirects (a 3xx answer is a failure) and refuses
	// addresses that are not public unless AllowPrivate.
	Client       *http.Client
	AllowPrivate bool
	// Backoff is the wait before the second attempt (default 1s); each further wait
	// doubles, up to MaxBackoff (default 1 h), with jitter: a random half of it.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// MaxAttempts is the number of attempts before a delivery fails (default 30: a
	// receiver down for a night's maintenance still gets its deliveries).
	MaxAttempts int
	// Concurrency is the number of deliveries in flight at once (default 4); the
	// deliveries of one action are never in flight together.
	Concurrency int
	Logger      *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Dispatcher delivers the actions of every tenant with a webhook. Observe is safe for
// concurrent use; Run is called once.
type Dispatcher struct {
	o     Options
	log   *slog.Logger
	inbox chan []gt.Action // actions handed over by Observe
	scan  atomic.Bool      // the store must be scanned for actions without deliveries
	wake  chan struct{}
}

// New returns a dispatcher; call Run to start it.
func New(o Options) (*Dispatcher, error) {
	if o.Store == nil {
		return nil, errors.New("webhook dispatcher needs a store")
	}
	if len(o.Key) < 32 {
		return nil, errors.New("webhook dispatcher needs a key of at least 32 bytes")
	}
	if o.Client == nil {
		o.Client = GuardedClient(o.AllowPrivate)
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	o.MaxBackoff = max(o.MaxBackoff, o.Backoff)
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Dispatcher{o: o, log: o.Logger, inbox: make(chan []gt.Action, queueSize), wake: make(chan struct{}, 1)}, nil
}

// Observe hands the actions of projected changes to the dispatcher; it is the node's
// OnProjected hook. It never blocks: when the queue is full, the dispatcher scans the
// store instead. A change of a webhook configuration wakes the dispatcher, so that
// deliveries held while it was disabled go out.
func (d *Dispatcher) Observe(c *gt.Changes) {
	if len(c.Actions) == 0 && len(c.Webhooks) == 0 {
		return
	}
	if len(c.Actions) > 0 {
		acts := make([]gt.Action, len(c.Actions))
		for i, a := range c.Actions {
			a.Loans = slices.Clone(a.Loans)
			acts[i] = a
		}
		select {
		case d.inbox <- acts:
		default:
			d.scan.Store(true)
		}
	}
	d.poke()
}

// poke wakes Run.
func (d *Dispatcher) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// now returns the time in UTC to the microsecond, as the stores keep it.
func (d *Dispatcher) now() time.Time {
	return d.o.Now().UTC().Truncate(time.Microsecond)
}

// Run delivers until ctx is done, then waits for the attempts in flight to end and
// returns nil. It first scans the store for actions changed while no dispatcher ran.
// Store errors are logged and retried.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.scan.Store(true)
	var wg sync.WaitGroup
	defer wg.Wait()
	inflight := map[string]bool{} // by tenant and action
	done := make(chan string, d.o.Concurrency)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		d.drain(ctx)
		wait := poll
		if d.scan.Swap(false) {
			if err := d.scanStore(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				d.log.Error("webhook: scan for actions to deliver", "err", err, "retry_in", storeRetry)
				d.scan.Store(true)
				wait = storeRetry
			}
		}
		wait = min(wait, d.dispatch(ctx, inflight, done, &wg))
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case acts := <-d.inbox:
			d.record(ctx, acts)
		case k := <-done:
			delete(inflight, k)
		case <-d.wake:
		case <-timer.C:
		}
	}
}

// drain records the actions waiting in the inbox.
func (d *Dispatcher) drain(ctx context.Context) {
	var acts []gt.Action
	for {
		select {
		case a := <-d.inbox:
			acts = append(acts, a...)
			continue
		default:
		}
		break
	}
	if len(acts) > 0 {
		d.record(ctx, acts)
	}
}

// dispatch starts an attempt of each pending delivery that is due, as long as fewer than
// Concurrency are in flight, and returns how long until the next one is due.
func (d *Dispatcher) dispatch(ctx context.Context, inflight map[string]bool, done chan<- string, wg *sync.WaitGroup) time.Duration {
	if len(inflight) >= d.o.Concurrency {
		return poll // an attempt ending wakes Run
	}
	ds, err := d.o.Store.PendingDeliveries(ctx, d.o.Concurrency+100)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("webhook: read pending deliveries", "err", err, "retry_in", storeRetry)
		}
		return storeRetry
	}
	now := d.now()
	for _, del := range ds {
		if del.NextAttemptAt.After(now) {
			return del.NextAttemptAt.Sub(now)
		}
		k := del.TenantID + "\x00" + del.ActionID
		if inflight[k] {
			continue
		}
		if len(inflight) >= d.o.Concurrency {
			break
		}
		inflight[k] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.attempt(ctx, del)
			done <- k
		}()
	}
	return poll
}

// record records a pending delivery of each action in its state, for the tenants whose
// webhook is enabled and was configured before the action's change. On a store error the
// store is scanned later instead.
func (d *Dispatcher) record(ctx context.Context, acts []gt.Action) {
	now := d.now()
	configs := map[string]*gt.WebhookConfig{}
	var ds []gt.WebhookDelivery
	for i := range acts {
		a := &acts[i]
		w, seen := configs[a.TenantID]
		if !seen {
			var err error
			w, err = d.o.Store.Webhook(ctx, a.TenantID)
			if err != nil && gt.ErrorCode(err) != gt.ENOTFOUND {
				d.failedRecord(ctx, err)
				return
			}
			configs[a.TenantID] = w
		}
		if wanted(w, a) {
			ds = append(ds, gt.NewWebhookDelivery(a, now))
		}
	}
	if _, err := d.o.Store.AddDeliveries(ctx, ds); err != nil {
		d.failedRecord(ctx, err)
	}
}

func (d *Dispatcher) failedRecord(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return // the scan at the next start finds them
	}
	d.log.Error("webhook: record deliveries; will scan the store", "err", err)
	d.scan.Store(true)
}

// wanted reports whether the change of a is delivered to w: w is enabled and was set
// before the change (an action changed before the tenant configured its webhook is not).
func wanted(w *gt.WebhookConfig, a *gt.Action) bool {
	return w != nil && !w.Disabled && a.Seq >= w.Seq
}

// scanStore records a delivery of every action of every tenant with an enabled webhook
// whose current state has none: the actions projected while no dispatcher ran, or that
// did not fit the queue.
func (d *Dispatcher) scanStore(ctx context.Context) error {
	ws, err := d.o.Store.Webhooks(ctx)
	if err != nil {
		return err
	}
	for i := range ws {
		w := &ws[i]
		if w.Disabled {
			continue
		}
		added := 0
		for after := ""; ; {
			acts, err := d.o.Store.Actions(ctx, w.TenantID, gt.ListOptions{After: after, Limit: gt.MaxPageSize})
			if err != nil {
				return err
			}
			now := d.now()
			var ds []gt.WebhookDelivery
			for j := range acts {
				if wanted(w, &acts[j]) {
					ds = append(ds, gt.NewWebhookDelivery(&acts[j], now))
				}
			}
			n, err := d.o.Store.AddDeliveries(ctx, ds)
			if err != nil {
				return err
			}
			added += n
			if len(acts) < gt.MaxPageSize {
				break
			}
			after = acts[len(acts)-1].ID
		}
		if added > 0 {
			d.log.Info("webhook: found actions without deliveries", "tenant", w.TenantID, "deliveries", added)
		}
	}
	return nil
}
