package journal_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"groundtruth"
	"groundtruth/journal"
)

// externalEnv names the NATS server of the integration tests, e.g. nats://127.0.0.1:4222.
const externalEnv = "GT_TEST_NATS"

// openExternal opens a journal on a new stream of the server named by GT_TEST_NATS, and
// deletes the stream when the test ends. It skips the test when GT_TEST_NATS is unset and
// fails it when the server cannot be reached. The returned subject is where the journal
// publishes.
func openExternal(t *testing.T) (j *journal.Journal, subject string) {
	t.Helper()
	url := os.Getenv(externalEnv)
	if url == "" {
		t.Skipf("%s is not set; set it to a NATS server with JetStream (e.g. nats://127.0.0.1:4222) to run this test", externalEnv)
	}
	var b [6]byte
	rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	stream, prefix := "GT_TEST_"+strings.ToUpper(suffix), "gt.test."+suffix
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatalf("connect to %s=%s: %v", externalEnv, url, err)
	}
	t.Cleanup(func() {
		js, err := jetstream.New(nc)
		if err == nil {
			err = js.DeleteStream(context.Background(), stream)
		}
		if err != nil {
			t.Errorf("delete stream %s: %v", stream, err)
		}
		nc.Close()
	})
	j, err = journal.Open(ctx, journal.Options{URL: url, Stream: stream, Subject: prefix})
	if err != nil {
		t.Fatalf("Open(%s): %v", url, err)
	}
	t.Cleanup(func() { j.Close() })
	return j, prefix + ".p0"
}

// TestExternalResume appends events, consumes part of them in a consumer that is
// cancelled in the middle of a batch, resumes after the last event it processed, and
// checks that every event was processed exactly once, in order.
func TestExternalResume(t *testing.T) {
	j, _ := openExternal(t)
	const total, cut = 2000, 1234
	var all []groundtruth.Event
	for b := range total / 100 {
		evs := events("x"+string(rune('a'+b)), 100)
		appendAll(t, j, evs)
		all = append(all, evs...)
	}
	if last := lastSeq(t, j); last != total {
		t.Fatalf("LastSeq = %d, want %d", last, total)
	}
	// Appending the first batch again appends nothing.
	if seqs := appendAll(t, j, all[:100]); seqs[0] != 1 || seqs[99] != 100 {
		t.Fatalf("Append of appended IDs = [%d ... %d], want [1 ... 100]", seqs[0], seqs[99])
	}

	var processed []groundtruth.Event
	ctx, kill := context.WithCancel(context.Background())
	defer kill()
	err := j.Consume(ctx, 1, func(evs []groundtruth.Event) error {
		for _, ev := range evs {
			if len(processed) == cut {
				kill() // the consumer dies in the middle of the batch
				return nil
			}
			processed = append(processed, ev)
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("killed Consume = %v, want context.Canceled", err)
	}
	if len(processed) != cut {
		t.Fatalf("killed consumer processed %d events, want %d", len(processed), cut)
	}

	last := processed[len(processed)-1].Seq
	processed = append(processed, consume(t, j, last+1, total-cut)...)
	for i, ev := range processed {
		if err := sameEvent(ev, all[i], uint64(i+1)); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
}

// TestExternalErrors checks ETOOLARGE against the server's max_payload and that an
// undecodable message stops Consume with an error naming its sequence.
func TestExternalErrors(t *testing.T) {
	j, subject := openExternal(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	nc, err := nats.Connect(os.Getenv(externalEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}

	// One byte above the server's limit, or the journal's when the server allows more.
	limit := min(int(nc.MaxPayload()), journal.MaxEventSize)
	big := events("big", 1)
	big[0].Data = []byte(`"` + strings.Repeat("x", limit) + `"`)
	if _, err := j.Append(ctx, big); groundtruth.ErrorCode(err) != groundtruth.ETOOLARGE {
		t.Fatalf("Append of an event above %d bytes = %v, want %s", limit, err, groundtruth.ETOOLARGE)
	}

	appendAll(t, j, events("ok", 1))
	if _, err := js.Publish(ctx, subject, []byte("not json")); err != nil {
		t.Fatalf("publish a bad message: %v", err)
	}
	appendAll(t, j, events("after", 1))

	var got []groundtruth.Event
	err = j.Consume(ctx, 1, func(evs []groundtruth.Event) error {
		got = append(got, evs...)
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "sequence 2") {
		t.Fatalf("Consume over a bad message = %v, want an error naming sequence 2", err)
	}
	if len(got) != 1 || got[0].Seq != 1 {
		t.Fatalf("Consume over a bad message delivered %d events before the error, want only sequence 1", len(got))
	}
}
