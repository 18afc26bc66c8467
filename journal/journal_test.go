package journal_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"groundtruth"
	"groundtruth/journal"
)

// testTimeout bounds every wait of a test, so that a bug fails the test instead of
// hanging it; no test asserts speed.
const testTimeout = time.Minute

func open(t *testing.T, dir string) *journal.Journal {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	j, err := journal.Open(ctx, journal.Options{Dir: dir})
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// events returns n events with IDs prefix-0, prefix-1, ...
func events(prefix string, n int) []groundtruth.Event {
	evs := make([]groundtruth.Event, n)
	for i := range evs {
		evs[i] = groundtruth.Event{
			ID:     fmt.Sprintf("%s-%d", prefix, i),
			Type:   groundtruth.EventTick,
			Tenant: "t1",
			Time:   time.Date(2026, 11, 22, 3, 0, i, 1000, time.UTC),
			Actor:  "key_1",
			Data:   json.RawMessage(fmt.Sprintf(`{"n":%d,"s":"é <&>"}`, i)),
		}
	}
	return evs
}

func appendAll(t *testing.T, j *journal.Journal, evs []groundtruth.Event) []uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	seqs, err := j.Append(ctx, evs)
	if err != nil {
		t.Fatalf("Append(%d events): %v", len(evs), err)
	}
	if len(seqs) != len(evs) {
		t.Fatalf("Append(%d events) returned %d sequences", len(evs), len(seqs))
	}
	return seqs
}

// consume returns the n events from sequence from on, checking batch sizes and that
// Consume returns the context's error once cancelled.
func consume(t *testing.T, j *journal.Journal, from uint64, n int) []groundtruth.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	var got []groundtruth.Event
	done := errors.New("done")
	err := j.Consume(ctx, from, func(evs []groundtruth.Event) error {
		if len(evs) == 0 || len(evs) > 1000 {
			return fmt.Errorf("batch of %d events, want 1 to 1000", len(evs))
		}
		got = append(got, evs...)
		if len(got) >= n {
			return done
		}
		return nil
	})
	if !errors.Is(err, done) {
		t.Fatalf("Consume(%d) after %d of %d events: %v", from, len(got), n, err)
	}
	if len(got) != n {
		t.Fatalf("Consume(%d) got %d events, want %d", from, len(got), n)
	}
	return got
}

// sameEvent reports how got differs from want, with want's sequence seq.
func sameEvent(got, want groundtruth.Event, seq uint64) error {
	switch {
	case got.Seq != seq:
		return fmt.Errorf("seq = %d, want %d", got.Seq, seq)
	case got.ID != want.ID || got.Type != want.Type || got.Tenant != want.Tenant || got.Actor != want.Actor:
		return fmt.Errorf("got %+v, want %+v", got, want)
	case !got.Time.Equal(want.Time) || got.Time.Location() != time.UTC:
		return fmt.Errorf("time = %v, want %v in UTC", got.Time, want.Time)
	case string(got.Data) != string(want.Data):
		return fmt.Errorf("data = %s, want %s", got.Data, want.Data)
	}
	return nil
}

func lastSeq(t *testing.T, j *journal.Journal) uint64 {
	t.Helper()
	seq, err := j.LastSeq(context.Background())
	if err != nil {
		t.Fatalf("LastSeq: %v", err)
	}
	return seq
}

func TestAppendConsume(t *testing.T) {
	j := open(t, t.TempDir())
	if got := lastSeq(t, j); got != 0 {
		t.Fatalf("LastSeq of an empty journal = %d, want 0", got)
	}
	if seqs, err := j.Append(context.Background(), nil); seqs != nil || err != nil {
		t.Fatalf("Append(nil) = %v, %v; want nil, nil", seqs, err)
	}

	var all []groundtruth.Event
	want := uint64(1)
	for i, n := range []int{1, 10, 100, 2500, 7} {
		evs := events(fmt.Sprintf("b%d", i), n)
		for k, seq := range appendAll(t, j, evs) {
			if seq != want {
				t.Fatalf("batch %d: event %d got sequence %d, want %d", i, k, seq, want)
			}
			want++
		}
		all = append(all, evs...)
	}
	if got := lastSeq(t, j); got != uint64(len(all)) {
		t.Fatalf("LastSeq = %d, want %d", got, len(all))
	}

	for _, from := range []uint64{0, 1, 2, 1234, uint64(len(all))} {
		start := max(from, 1)
		got := consume(t, j, from, len(all)-int(start)+1)
		for i, ev := range got {
			seq := start + uint64(i)
			if err := sameEvent(ev, all[seq-1], seq); err != nil {
				t.Fatalf("Consume(%d): event %d: %v", from, i, err)
			}
		}
	}
}

func TestConsumeWaitsForNewEvents(t *testing.T) {
	j := open(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	batches := make(chan []groundtruth.Event)
	errc := make(chan error, 1)
	go func() {
		errc <- j.Consume(ctx, 1, func(evs []groundtruth.Event) error {
			select {
			case batches <- evs:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()

	next := uint64(1)
	for round := range 3 {
		evs := events(fmt.Sprintf("r%d", round), 5)
		appendAll(t, j, evs)
		for got := 0; got < len(evs); {
			select {
			case b := <-batches:
				for _, ev := range b {
					if err := sameEvent(ev, evs[got], next); err != nil {
						t.Fatalf("round %d: %v", round, err)
					}
					got++
					next++
				}
			case err := <-errc:
				t.Fatalf("Consume returned early: %v", err)
			}
		}
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Consume after cancel = %v, want context.Canceled", err)
	}
}

func TestConsumeStops(t *testing.T) {
	j := open(t, t.TempDir())
	appendAll(t, j, events("e", 10))

	t.Run("fn error", func(t *testing.T) {
		boom := errors.New("boom")
		calls := 0
		err := j.Consume(context.Background(), 1, func([]groundtruth.Event) error {
			calls++
			return boom
		})
		if !errors.Is(err, boom) || calls != 1 {
			t.Fatalf("Consume = %v after %d calls, want boom after 1", err, calls)
		}
	})
	t.Run("cancelled before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := j.Consume(ctx, 1, func([]groundtruth.Event) error {
			return errors.New("fn called")
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Consume = %v, want context.Canceled", err)
		}
	})
	t.Run("cancelled by fn", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		calls := 0
		err := j.Consume(ctx, 1, func([]groundtruth.Event) error {
			calls++
			cancel()
			return nil
		})
		if !errors.Is(err, context.Canceled) || calls != 1 {
			t.Fatalf("Consume = %v after %d calls, want context.Canceled after 1", err, calls)
		}
	})
}

func TestAppendDuplicate(t *testing.T) {
	j := open(t, t.TempDir())
	first := events("d", 3)
	seqs := appendAll(t, j, first)

	again := events("d", 3)[1:] // d-1, d-2 again, with other data
	for i := range again {
		again[i].Data = json.RawMessage(`{"other":true}`)
	}
	again = append(again, events("n", 1)...)
	got := appendAll(t, j, again)
	want := []uint64{seqs[1], seqs[2], seqs[2] + 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Append of duplicates = %v, want %v", got, want)
	}

	// The same ID twice in one batch is appended once.
	twice := events("t", 1)
	twice = append(twice, twice[0])
	got = appendAll(t, j, twice)
	if got[0] != got[1] || got[0] != want[2]+1 {
		t.Fatalf("Append of one ID twice = %v, want [%d %d]", got, want[2]+1, want[2]+1)
	}
	if last := lastSeq(t, j); last != 5 {
		t.Fatalf("LastSeq = %d, want 5", last)
	}
	evs := consume(t, j, 1, 5)
	if err := sameEvent(evs[1], first[1], 2); err != nil {
		t.Fatalf("duplicate replaced the original: %v", err)
	}
}

func TestAppendTooLarge(t *testing.T) {
	j := open(t, t.TempDir())
	big := func(id string, size int) groundtruth.Event {
		ev := events(id, 1)[0]
		ev.Data = nil
		env, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		// A JSON string as data, so that the encoded event is size bytes.
		pad := size - len(env) - len(`,"data":""`)
		ev.Data = json.RawMessage(`"` + strings.Repeat("x", pad) + `"`)
		return ev
	}

	batch := append(events("a", 2), big("big", journal.MaxEventSize+1))
	batch = append(batch, events("z", 2)...)
	_, err := j.Append(context.Background(), batch)
	if code := groundtruth.ErrorCode(err); code != groundtruth.ETOOLARGE {
		t.Fatalf("Append with an event of MaxEventSize+1 bytes = %v (code %q), want %s", err, code, groundtruth.ETOOLARGE)
	}
	if last := lastSeq(t, j); last != 0 {
		t.Fatalf("LastSeq after a refused batch = %d, want 0", last)
	}

	largest := big("max", journal.MaxEventSize)
	if enc, _ := json.Marshal(largest); len(enc) != journal.MaxEventSize {
		t.Fatalf("test event is %d bytes, want %d", len(enc), journal.MaxEventSize)
	}
	appendAll(t, j, []groundtruth.Event{largest})
	if err := sameEvent(consume(t, j, 1, 1)[0], largest, 1); err != nil {
		t.Fatalf("event of MaxEventSize bytes: %v", err)
	}
}

func TestAppendInvalid(t *testing.T) {
	j := open(t, t.TempDir())
	evs := events("v", 2)
	evs[1].ID = ""
	_, err := j.Append(context.Background(), evs)
	if code := groundtruth.ErrorCode(err); code != groundtruth.EINVALID {
		t.Fatalf("Append of an event without ID = %v (code %q), want %s", err, code, groundtruth.EINVALID)
	}
	if last := lastSeq(t, j); last != 0 {
		t.Fatalf("LastSeq after a refused batch = %d, want 0", last)
	}
}

func TestConcurrentAppend(t *testing.T) {
	j := open(t, t.TempDir())
	const writers, batches, size = 4, 10, 5
	var mu sync.Mutex
	bySeq := map[uint64]groundtruth.Event{}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for b := range batches {
				evs := events(fmt.Sprintf("w%d-b%d", w, b), size)
				seqs, err := j.Append(context.Background(), evs)
				if err != nil {
					t.Errorf("Append: %v", err)
					return
				}
				mu.Lock()
				for i, seq := range seqs {
					if prev, ok := bySeq[seq]; ok {
						t.Errorf("sequence %d returned for %s and %s", seq, prev.ID, evs[i].ID)
					}
					bySeq[seq] = evs[i]
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	const total = writers * batches * size
	for i, ev := range consume(t, j, 1, total) {
		want, ok := bySeq[uint64(i+1)]
		if !ok {
			t.Fatalf("sequence %d was not returned by any Append", i+1)
		}
		if err := sameEvent(ev, want, uint64(i+1)); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	first := events("one", 50)
	j, err := journal.Open(context.Background(), journal.Options{Dir: dir})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	appendAll(t, j, first)
	if err := j.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	j = open(t, dir)
	if last := lastSeq(t, j); last != 50 {
		t.Fatalf("LastSeq after reopen = %d, want 50", last)
	}
	// IDs are remembered across the restart: appending them again appends nothing.
	if seqs := appendAll(t, j, first[10:12]); seqs[0] != 11 || seqs[1] != 12 {
		t.Fatalf("Append of old IDs after reopen = %v, want [11 12]", seqs)
	}
	more := events("two", 5)
	if seqs := appendAll(t, j, more); seqs[0] != 51 {
		t.Fatalf("first new sequence after reopen = %d, want 51", seqs[0])
	}
	all := append(first, more...)
	for i, ev := range consume(t, j, 1, len(all)) {
		if err := sameEvent(ev, all[i], uint64(i+1)); err != nil {
			t.Fatalf("event %d after reopen: %v", i, err)
		}
	}
}

func TestClosed(t *testing.T) {
	j := open(t, t.TempDir())
	appendAll(t, j, events("c", 3))

	errc := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		var once sync.Once
		errc <- j.Consume(context.Background(), 1, func([]groundtruth.Event) error {
			once.Do(func() { close(started) })
			return nil
		})
	}()
	<-started
	if err := j.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-errc; groundtruth.ErrorCode(err) != groundtruth.EUNAVAILABLE {
		t.Fatalf("Consume during Close = %v, want %s", err, groundtruth.EUNAVAILABLE)
	}
	if _, err := j.Append(context.Background(), events("x", 1)); groundtruth.ErrorCode(err) != groundtruth.EUNAVAILABLE {
		t.Fatalf("Append after Close = %v, want %s", err, groundtruth.EUNAVAILABLE)
	}
	if err := j.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, err := journal.Open(ctx, journal.Options{URL: "nats://127.0.0.1:1"})
	if code := groundtruth.ErrorCode(err); code != groundtruth.EUNAVAILABLE {
		t.Fatalf("Open of an unreachable server = %v (code %q), want %s", err, code, groundtruth.EUNAVAILABLE)
	}
	if _, err := journal.Open(ctx, journal.Options{}); err == nil {
		t.Fatal("Open in embedded mode without Dir succeeded")
	}
}
