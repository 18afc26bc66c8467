package loadgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// sender delivers packs for one device over one transport.
type sender interface {
	// send delivers one pack and waits for its answer or for ctx to end (outcomeAborted).
	send(ctx context.Context, payload []byte) outcome
	// close releases the transport; sends have returned.
	close()
}

// outcomeKind is how a send ended.
type outcomeKind uint8

const (
	outcomeAcked   outcomeKind = iota // PUBACK below 0x80, HTTP 2xx
	outcomeRefused                    // refused for good: the device goes on
	outcomeRetry                      // refused as overloaded: send again later
	outcomeLost                       // no answer: connection lost, timeout
	outcomeAborted                    // the run's context ended
)

// outcome is the answer to one send.
type outcome struct {
	kind   outcomeKind
	code   string        // refusal: "0x87", "429"
	reason string        // refusal: the server's reason, or the transport error
	wait   time.Duration // retry or lost: how long to wait first (0 = back off)
	sent   time.Time     // when the pack went out, for the latency
}

// run is the state of one Run.
type run struct {
	c     Config
	mode  string
	runID string    // names a bare run's topics and client ids
	epoch time.Time // set before any goroutine starts; bare mode stamps send times against it
	start time.Time // clock start, once every device is connected
	issue context.Context
	hard  context.Context

	ack, delivery       Histogram
	sent, acked, resent atomic.Int64
	lost, unacked       atomic.Int64
	received            atomic.Int64
	lastAck             atomic.Int64 // nanoseconds from start to the last PUBACK or 202
	lastRecv            atomic.Int64 // nanoseconds from epoch to the last pack a subscriber got
	reconnects          atomic.Int64

	mu        sync.Mutex
	refused   map[string]int64
	reasons   map[string]string
	lastAcked []uint64 // per device; written by its goroutine
}

// Run drives the devices of c until every device has sent c.Packs packs, c.Duration has
// passed, or ctx ends, and reports what was acknowledged. With MQTT targets it first
// connects every device (and, for a bare run, the subscribers) and starts the clock
// once all are up. When ctx ends the run, Run still returns the report, with Interrupted
// set, and a nil error; errors are for a bad Config or a failed setup.
func Run(ctx context.Context, c Config) (*Report, error) {
	mode, u, err := c.check()
	if err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	r := &run{c: c, mode: mode, runID: newRunID(), epoch: time.Now(), refused: map[string]int64{}, reasons: map[string]string{},
		lastAcked: make([]uint64, len(c.Devices))}
	hard, cancelHard := context.WithCancel(ctx)
	defer cancelHard()
	r.hard = hard

	var bare *bareRun
	if mode == ModeBare {
		if bare, err = r.subscribe(u); err != nil {
			return nil, fmt.Errorf("loadgen: %w", err)
		}
		defer bare.close()
	}
	senders, err := r.connect(u)
	defer func() {
		var wg sync.WaitGroup
		for _, s := range senders {
			if s != nil {
				wg.Go(s.close)
			}
		}
		wg.Wait()
	}()
	if err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}

	r.start = time.Now()
	issue, stopIssue := context.WithCancel(hard)
	defer stopIssue()
	r.issue = issue
	if c.Duration > 0 {
		t1 := time.AfterFunc(c.Duration, stopIssue)
		t2 := time.AfterFunc(c.Duration+c.Drain, cancelHard)
		defer t1.Stop()
		defer t2.Stop()
	}
	stopProgress := r.progress()
	var wg sync.WaitGroup
	for i := range c.Devices {
		wg.Go(func() { r.device(i, senders[i]) })
	}
	wg.Wait()
	if bare != nil {
		bare.drain(hard, r)
	}
	stopProgress()
	return r.report(u, ctx.Err() != nil), nil
}

// connect opens one sender per device; for MQTT it waits until all are connected.
func (r *run) connect(u *url.URL) ([]sender, error) {
	senders := make([]sender, len(r.c.Devices))
	if r.mode == ModeHTTP {
		t := newHTTPTransport(len(r.c.Devices) * r.c.InFlight)
		for i, d := range r.c.Devices {
			senders[i] = newHTTPLink(t, u, d)
		}
		return senders, nil
	}
	links := make([]*mqttLink, len(r.c.Devices))
	for i, d := range r.c.Devices {
		o := mqttOptions{url: u, clientID: d.ID, user: d.ID, password: d.Token,
			topic: "gt/v1/" + d.Tenant + "/" + d.ID + "/up"}
		if r.mode == ModeBare {
			o = mqttOptions{url: u, clientID: "gtbench-" + r.runID + "-" + d.ID, topic: "gtbench/" + r.runID + "/" + d.ID, stamp: true}
		}
		l, err := r.dialMQTT(o)
		if err != nil {
			return senders, err
		}
		links[i], senders[i] = l, l
	}
	ctx, cancel := context.WithTimeout(r.hard, r.c.ConnectTimeout)
	defer cancel()
	for i, l := range links {
		if _, err := l.await(ctx); err != nil {
			return senders, fmt.Errorf("connect device %s to %s: %w", r.c.Devices[i].ID, u.Redacted(), err)
		}
	}
	return senders, nil
}

// attempt is one send of a pack.
type attempt struct {
	k       uint64
	payload []byte
	res     outcome
	done    chan struct{}
}

// device runs the packs of device i: it keeps up to InFlight packs unanswered, takes
// their answers in order, and on an overload refusal or a lost connection waits for the
// rest of the window, then sends the unanswered packs again, in order, before new ones.
func (r *run) device(i int, s sender) {
	d := r.c.Devices[i]
	var (
		next     uint64 = 1
		window   []*attempt
		redo     []*attempt
		answered = map[uint64]bool{}
		backoff  time.Duration
		interval time.Duration
		stopped  bool // no new packs: the pack numbers ran out
	)
	due := r.start
	if r.c.Rate > 0 {
		interval = time.Duration(float64(len(r.c.Devices)) / r.c.Rate * float64(time.Second))
		due = due.Add(interval * time.Duration(i) / time.Duration(len(r.c.Devices)))
	}
	answer := func(k uint64) {
		answered[k] = true
		last := r.lastAcked[i]
		for answered[last+1] {
			delete(answered, last+1)
			last++
		}
		r.lastAcked[i] = last
	}
	for {
		for len(window) < r.c.InFlight {
			var a *attempt
			if len(redo) > 0 {
				a, redo = redo[0], redo[1:]
			} else {
				if stopped || r.c.Packs > 0 && next > uint64(r.c.Packs) || r.issue.Err() != nil {
					break
				}
				if interval > 0 {
					if !sleepUntil(r.issue, due) {
						break
					}
					due = due.Add(interval)
					if now := time.Now(); now.Sub(due) > time.Second {
						due = now // far behind: do not burst to catch up
					}
				}
				p, err := Pack(d, next, r.c.PackSize, r.c.Start)
				if err != nil { // past ingest.MaxSeq
					r.refuse("pack", err.Error())
					stopped = true
					break
				}
				a = &attempt{k: next, payload: p}
				next++
			}
			r.launch(s, a, r.c.InFlight == 1)
			window = append(window, a)
		}
		if len(window) == 0 {
			r.unacked.Add(int64(len(redo)))
			return
		}
		a := window[0]
		<-a.done
		switch a.res.kind {
		case outcomeAcked, outcomeRefused:
			window = window[1:]
			answer(a.k)
			backoff = 0
			continue
		case outcomeAborted:
			for _, b := range window {
				<-b.done
			}
			r.unacked.Add(int64(len(window) + len(redo)))
			return
		}
		// Overloaded or lost: let the window finish, then send again what is unanswered.
		var again []*attempt
		aborted := false
		for _, b := range window {
			<-b.done
			switch b.res.kind {
			case outcomeAcked, outcomeRefused:
				answer(b.k)
			case outcomeAborted:
				aborted = true
				fallthrough
			default:
				again = append(again, b)
			}
		}
		window = nil
		redo = append(again, redo...)
		if aborted {
			r.unacked.Add(int64(len(redo)))
			return
		}
		r.resent.Add(int64(len(again)))
		wait := a.res.wait
		if wait == 0 {
			backoff = min(max(2*backoff, 20*time.Millisecond), 2*time.Second)
			wait = backoff
		}
		if !sleepUntil(r.hard, time.Now().Add(wait)) {
			r.unacked.Add(int64(len(redo)))
			return
		}
	}
}

// launch sends a (again), in a goroutine unless inline, and records its answer.
func (r *run) launch(s sender, a *attempt, inline bool) {
	a.done = make(chan struct{})
	f := func() {
		defer close(a.done)
		a.res = s.send(r.hard, a.payload)
		if a.res.kind != outcomeAborted {
			r.sent.Add(1)
		}
		switch a.res.kind {
		case outcomeAcked:
			now := time.Now()
			r.ack.Record(now.Sub(a.res.sent))
			r.acked.Add(1)
			storeMax(&r.lastAck, int64(now.Sub(r.start)))
		case outcomeRefused, outcomeRetry:
			r.refuse(a.res.code, a.res.reason)
		case outcomeLost:
			r.lost.Add(1)
		}
	}
	if inline {
		f()
	} else {
		go f()
	}
}

// refuse counts a refusal by code and keeps the first reason given for it.
func (r *run) refuse(code, reason string) {
	r.mu.Lock()
	r.refused[code]++
	if _, ok := r.reasons[code]; !ok {
		r.reasons[code] = reason
	}
	r.mu.Unlock()
}

// newRunID returns 8 random hex digits.
func newRunID() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// sleepUntil waits until t; it reports false when ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// storeMax raises v to x when x is larger.
func storeMax(v *atomic.Int64, x int64) {
	for {
		o := v.Load()
		if x <= o || v.CompareAndSwap(o, x) {
			return
		}
	}
}
