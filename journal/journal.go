// Package journal implements groundtruth.Journal on NATS JetStream: by default on a
// nats-server embedded in the process, or on an external server or cluster.
//
// # Layout
//
// One stream (Options.Stream, default GT_EVENTS) holds the subjects "gt.ev.>" (the prefix
// is Options.Subject); events are published on "gt.ev.p0", one partition for now. One
// message is one event, encoded as JSON without its Seq; an event's sequence is the stream
// sequence of its message. The message header Nats-Msg-Id is the event ID, so an append
// retried within the stream's two-minute duplicate window returns the original sequence
// instead of appending again. The stream uses file storage and has no limits; its discard
// policy is "new", so should an operator add limits, appends are refused rather than old
// events dropped.
//
// # Durability
//
// Embedded mode runs the server with SyncAlways (the sync_interval: always setting). In
// nats-server v2.15.2 a single-replica file store flushes in place: StoreMsg writes the
// message to its block file and, with SyncAlways, calls fsync on that file
// (filestore.go, msgBlock.flushPendingMsgsLocked) before the stream sends the
// acknowledgement (stream.go, processJetStreamMsgWithBatch). So an event for which Append
// returned nil survives a crash of the process, kill -9 included, and also a power loss or
// kernel crash, as far as the disk honours fsync. One caveat for power loss: the server
// does not fsync the directory when it creates a new block file, so the first events of a
// new block rely on the file system persisting the new name with the file's fsync (ext4
// and xfs do in practice; POSIX does not promise it). The price is one fsync per event:
// the events of one Append are not synced together.
//
// With Options.SyncInterval > 0 the embedded server fsyncs only every SyncInterval. Each
// event is still written to its file, that is handed to the kernel, before it is
// acknowledged, so acknowledged events survive a crash of the process; a power loss or
// kernel crash can lose up to SyncInterval of them.
//
// In external mode durability is the server's: it depends on the server's sync setting.
// NATS defaults to an fsync every two minutes, so unless the server runs with
// jetstream { sync_interval: always }, acknowledged events can be lost when its machine
// loses power (Jepsen's test of nats-server 2.12.1 lost acknowledged writes with this
// default); replicas on other machines (Options.Replicas) narrow that window but do not
// close it.
package journal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"groundtruth"
)

// Defaults of Options.
const (
	DefaultStream  = "GT_EVENTS"
	DefaultSubject = "gt.ev"
)

// MaxEventSize is the largest event, encoded as JSON, that the journal accepts. An
// external server may set a lower limit (its max_payload, 1 MiB by default).
const MaxEventSize = 8<<20 - 64<<10

// DuplicateWindow is how long the journal remembers event IDs to make appends idempotent.
const DuplicateWindow = 2 * time.Minute

// Options configures a Journal. The zero value of each field selects its default.
type Options struct {
	// URL is "" or "embedded" for a nats-server embedded in the process, or the URL of an
	// external server, e.g. "nats://127.0.0.1:4222" (a comma-separated list for a cluster).
	URL string
	// Dir is the data directory; the embedded server keeps its files under Dir/journal.
	// Required in embedded mode, unused in external mode.
	Dir string
	// Stream is the JetStream stream name, DefaultStream when empty.
	Stream string
	// Subject is the subject prefix: the stream holds Subject+".>". DefaultSubject when
	// empty. Streams on one server must not share subjects.
	Subject string
	// Replicas is the stream's replica count in external mode, 1 when zero. The embedded
	// stream has one replica.
	Replicas int
	// SyncInterval, in embedded mode, is how often the server fsyncs. Zero (the default)
	// fsyncs every event before acknowledging it; see the package doc.
	SyncInterval time.Duration
	// Logger receives connection events and, in embedded mode, the server's log (notices
	// at debug level). Nil discards them.
	Logger *slog.Logger
}

// Journal is a groundtruth.Journal on a NATS JetStream stream. It is safe for concurrent
// use.
type Journal struct {
	srv     *server.Server // nil in external mode
	nc      *nats.Conn
	js      jetstream.JetStream
	stream  jetstream.Stream
	name    string
	subject string // where appends are published
	log     *slog.Logger

	closed    chan struct{}
	closeOnce sync.Once
}

var _ groundtruth.Journal = (*Journal)(nil)

// Tuning of the client.
const (
	ackTimeout     = 30 * time.Second // an unacknowledged publish fails after this
	maxPendingAcks = 1 << 14          // publishes awaiting an ack, across Appends
	appendWindow   = 1024             // publishes awaiting an ack within one Append
	connectTimeout = 5 * time.Second
)

// Open connects to the journal described by o, starting the embedded server when o.URL is
// "" or "embedded", and creates or updates the stream. It returns an EUNAVAILABLE error when
// an external server cannot be reached.
func Open(ctx context.Context, o Options) (*Journal, error) {
	if o.Stream == "" {
		o.Stream = DefaultStream
	}
	if o.Subject == "" {
		o.Subject = DefaultSubject
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.SyncInterval < 0 {
		return nil, fmt.Errorf("journal: negative sync interval %v", o.SyncInterval)
	}
	base := o.Logger
	if base == nil {
		base = slog.New(slog.DiscardHandler)
	}
	log := base.With("component", "journal", "stream", o.Stream)
	j := &Journal{
		name:    o.Stream,
		subject: o.Subject + ".p0",
		log:     log,
		closed:  make(chan struct{}),
	}

	if o.URL == "" || o.URL == "embedded" {
		if o.Dir == "" {
			return nil, errors.New("journal: embedded mode needs a data dir")
		}
		srv, err := startServer(o.Dir, o.SyncInterval, base)
		if err != nil {
			return nil, err
		}
		j.srv = srv
		j.nc, err = nats.Connect("", nats.InProcessServer(srv), nats.Name("groundtruth-journal"),
			nats.NoCallbacksAfterClientClose())
		if err != nil {
			j.shutdownServer()
			return nil, fmt.Errorf("journal: connect to embedded server: %w", err)
		}
		o.Replicas = 1
	} else {
		if !strings.Contains(o.URL, "://") {
			return nil, fmt.Errorf("journal: URL %q is neither \"embedded\" nor a nats:// URL", o.URL)
		}
		nc, err := nats.Connect(o.URL,
			nats.Name("groundtruth-journal"),
			nats.Timeout(connectTimeout),
			nats.MaxReconnects(-1),
			nats.ReconnectWait(time.Second),
			nats.NoCallbacksAfterClientClose(),
			nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
				log.Warn("disconnected from NATS", "err", err)
			}),
			nats.ReconnectHandler(func(nc *nats.Conn) {
				log.Info("reconnected to NATS", "url", nc.ConnectedUrlRedacted())
			}))
		if err != nil {
			return nil, fmt.Errorf("journal: connect to %s: %w", redact(o.URL), unavailable(err))
		}
		j.nc = nc
	}

	if err := j.setup(ctx, o); err != nil {
		j.Close()
		return nil, err
	}
	return j, nil
}

// setup creates the JetStream context and creates or updates the stream.
func (j *Journal) setup(ctx context.Context, o Options) error {
	js, err := jetstream.New(j.nc,
		jetstream.WithPublishAsyncMaxPending(maxPendingAcks),
		jetstream.WithPublishAsyncTimeout(ackTimeout))
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	j.js = js
	cfg := jetstream.StreamConfig{
		Name:        o.Stream,
		Description: "groundtruth event journal",
		Subjects:    []string{o.Subject + ".>"},
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardNew,
		MaxMsgs:     -1,
		MaxBytes:    -1,
		MaxMsgSize:  -1,
		Storage:     jetstream.FileStorage,
		Replicas:    o.Replicas,
		Duplicates:  DuplicateWindow,
	}
	s, err := js.CreateOrUpdateStream(ctx, cfg)
	if err != nil {
		return fmt.Errorf("journal: create or update stream %s: %w", o.Stream, classify(err))
	}
	j.stream = s
	return nil
}

// LastSeq returns the sequence of the last event, 0 when the journal is empty. It returns
// EUNAVAILABLE when the server cannot be reached.
func (j *Journal) LastSeq(ctx context.Context) (uint64, error) {
	info, err := j.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("journal: stream info %s: %w", j.name, classify(err))
	}
	return info.State.LastSeq, nil
}

// Close closes the connection and shuts an embedded server down. Appends and Consumes in
// progress return errors. Close is idempotent.
func (j *Journal) Close() error {
	j.closeOnce.Do(func() {
		close(j.closed)
		if j.nc != nil {
			j.nc.Close()
		}
		j.shutdownServer()
	})
	return nil
}

func (j *Journal) shutdownServer() {
	if j.srv == nil {
		return
	}
	j.srv.Shutdown()
	j.srv.WaitForShutdown()
}

// errClosed is returned by calls on a closed Journal.
func errClosed() error { return groundtruth.Errorf(groundtruth.EUNAVAILABLE, "journal is closed") }

// classify maps errors of the NATS client to groundtruth error codes where a caller
// branches on them, and returns other errors unchanged.
func classify(err error) error {
	var apiErr *jetstream.APIError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, nats.ErrMaxPayload):
		return fmt.Errorf("%w: %w", groundtruth.Errorf(groundtruth.ETOOLARGE, "event exceeds the journal's size limit"), err)
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, jetstream.ErrConnectionClosed),
		errors.Is(err, nats.ErrConnectionDraining), errors.Is(err, nats.ErrDisconnected),
		errors.Is(err, nats.ErrNoServers), errors.Is(err, nats.ErrReconnectBufExceeded),
		errors.Is(err, nats.ErrTimeout), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrNoStreamResponse),
		errors.Is(err, jetstream.ErrAsyncPublishTimeout), errors.Is(err, jetstream.ErrTooManyStalledMsgs),
		errors.Is(err, jetstream.ErrJetStreamNotEnabled), errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount),
		errors.As(err, &apiErr) && apiErr.Code == 503:
		return unavailable(err)
	}
	return err
}

// unavailable returns err marked EUNAVAILABLE; the message shown to users stays generic.
func unavailable(err error) error {
	return fmt.Errorf("%w: %w", groundtruth.Errorf(groundtruth.EUNAVAILABLE, "journal unavailable"), err)
}

// redact drops user information from a URL list for error messages.
func redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		if at := strings.LastIndexByte(p, '@'); at >= 0 {
			if s := strings.Index(p, "://"); s >= 0 && s < at {
				parts[i] = p[:s+3] + "***" + p[at:]
			}
		}
	}
	return strings.Join(parts, ",")
}
