package journal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"groundtruth"
)

// Append publishes events in order and waits until the server has stored every one of
// them, then returns their sequences in input order. An event whose ID is in the journal
// already (appended within DuplicateWindow) is not appended again: its earlier sequence is
// returned. Append returns ETOOLARGE, before publishing anything, when an event is larger
// than the journal accepts; EUNAVAILABLE when the server cannot be reached or does not
// answer in time; EINVALID for an event without ID. When Append fails after publishing,
// some events may have been appended: retrying with the same IDs is safe.
func (j *Journal) Append(ctx context.Context, events []groundtruth.Event) ([]uint64, error) {
	if len(events) == 0 {
		return nil, nil
	}
	if j.isClosed() {
		return nil, errClosed()
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("journal: append: %w", classify(err))
	}
	msgs := make([]*nats.Msg, len(events))
	maxPayload := int(j.nc.MaxPayload())
	for i := range events {
		m, err := j.encode(&events[i])
		if err != nil {
			return nil, err
		}
		if limit := min(MaxEventSize, maxPayload-headerSize(m.Header)); len(m.Data) > limit {
			return nil, groundtruth.Errorf(groundtruth.ETOOLARGE,
				"event %q is %d bytes encoded, above the journal limit of %d", events[i].ID, len(m.Data), limit)
		}
		msgs[i] = m
	}

	futures := make([]jetstream.PubAckFuture, len(msgs))
	seqs := make([]uint64, len(msgs))
	for i, m := range msgs {
		// Keep at most appendWindow publishes of this call in flight.
		if i >= appendWindow {
			if err := j.await(ctx, futures[i-appendWindow], &seqs[i-appendWindow]); err != nil {
				return nil, err
			}
		}
		f, err := j.js.PublishMsgAsync(m)
		if err != nil {
			return nil, fmt.Errorf("journal: publish event %q: %w", events[i].ID, classify(err))
		}
		futures[i] = f
	}
	for i := max(0, len(msgs)-appendWindow); i < len(msgs); i++ {
		if err := j.await(ctx, futures[i], &seqs[i]); err != nil {
			return nil, err
		}
	}
	return seqs, nil
}

// encode returns the message of one event: its JSON without Seq, with Data compacted but
// not otherwise changed, and the ID as Nats-Msg-Id.
func (j *Journal) encode(ev *groundtruth.Event) (*nats.Msg, error) {
	if ev.ID == "" {
		return nil, groundtruth.FieldErrorf("id", "is required")
	}
	data, ok := appendEventFast(make([]byte, 0, len(ev.Data)+256), ev)
	if !ok {
		e := *ev
		e.Seq = 0
		// Without HTML escaping, Data is stored as given (compacted).
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&e); err != nil {
			return nil, fmt.Errorf("journal: encode event %q: %w", ev.ID, err)
		}
		data = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	return &nats.Msg{
		Subject: j.subject,
		Data:    data,
		Header: nats.Header{
			jetstream.MsgIDHeader:          []string{ev.ID},
			jetstream.ExpectedStreamHeader: []string{j.name},
		},
	}, nil
}

// headerSize returns the size of h on the wire, as the client encodes it.
func headerSize(h nats.Header) int {
	n := len("NATS/1.0\r\n") + len("\r\n")
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(": ") + len(v) + len("\r\n")
		}
	}
	return n
}

// await waits for the acknowledgement of one publish and stores its sequence in seq.
func (j *Journal) await(ctx context.Context, f jetstream.PubAckFuture, seq *uint64) error {
	select {
	case ack := <-f.Ok():
		*seq = ack.Sequence
		return nil
	case err := <-f.Err():
		return fmt.Errorf("journal: append: %w", classify(err))
	case <-ctx.Done():
		return fmt.Errorf("journal: append: %w", classify(ctx.Err()))
	case <-j.closed:
		return errClosed()
	}
}
