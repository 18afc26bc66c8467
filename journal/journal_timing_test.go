package journal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"groundtruth"
	"groundtruth/journal"
)

// benchEvent returns an event of about 200 bytes encoded.
func benchEvent(i int) groundtruth.Event {
	return groundtruth.Event{
		ID:     fmt.Sprintf("ev_%016x", i),
		Type:   groundtruth.EventPricesRecord,
		Tenant: "tenant_0001",
		Time:   time.Date(2026, 11, 22, 3, 0, 0, i, time.UTC),
		Actor:  "key_00000001",
		Data:   json.RawMessage(`{"prices":[{"commodity":"cocoa","price":812345,"currency":"EUR"}]}`),
	}
}

func benchEventSize(b *testing.B) int {
	data, err := json.Marshal(benchEvent(0))
	if err != nil {
		b.Fatal(err)
	}
	return len(data)
}

// BenchmarkAppend measures one Append of a batch into the embedded journal, with an
// fsync per event (the default) and with a periodic fsync.
func BenchmarkAppend(b *testing.B) {
	for _, sync := range []time.Duration{0, time.Second} {
		for _, batch := range []int{1, 100} {
			name := fmt.Sprintf("sync=always/batch=%d", batch)
			if sync > 0 {
				name = fmt.Sprintf("sync=%v/batch=%d", sync, batch)
			}
			b.Run(name, func(b *testing.B) {
				j := openBench(b, sync)
				ctx := context.Background()
				b.SetBytes(int64(batch * benchEventSize(b)))
				b.ReportAllocs()
				events := make([]groundtruth.Event, batch)
				n := 0
				for b.Loop() {
					for k := range events {
						events[k] = benchEvent(n)
						n++
					}
					if _, err := j.Append(ctx, events); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

// BenchmarkConsume measures the replay of a pre-filled journal of a million events, from
// the first event to the last, per iteration.
func BenchmarkConsume(b *testing.B) {
	const total = 1_000_000
	if testing.Short() {
		b.Skip("fills a journal with a million events")
	}
	j := openBench(b, time.Second)
	ctx := context.Background()
	events := make([]groundtruth.Event, 1000)
	for n := 0; n < total; {
		for k := range events {
			events[k] = benchEvent(n)
			n++
		}
		if _, err := j.Append(ctx, events); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(total * benchEventSize(b)))
	b.ReportAllocs()
	replays := 0
	for b.Loop() {
		if err := replay(ctx, j, total); err != nil {
			b.Fatal(err)
		}
		replays++
	}
	b.ReportMetric(float64(replays*total)/b.Elapsed().Seconds(), "events/s")
}

// replay consumes from 1 until sequence last and checks that no event is skipped.
func replay(ctx context.Context, j *journal.Journal, last uint64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := uint64(1)
	err := j.Consume(ctx, 1, func(evs []groundtruth.Event) error {
		for _, ev := range evs {
			if ev.Seq != next {
				return fmt.Errorf("got sequence %d, want %d", ev.Seq, next)
			}
			next++
		}
		if next > last {
			cancel()
		}
		return nil
	})
	if next > last {
		return nil
	}
	return err
}

func openBench(b *testing.B, sync time.Duration) *journal.Journal {
	j, err := journal.Open(context.Background(), journal.Options{Dir: b.TempDir(), SyncInterval: sync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { j.Close() })
	return j
}
