// Package mqtt is the embedded MQTT broker through which devices publish readings
// (SPEC §5.1). It wraps github.com/mochi-mqtt/server/v2 behind a small API: devices log in
// with username = device id and password = device token, may publish only to their own
// gt/v1/{tenant}/{device}/up and .../status topics, and receive the PUBACK of a QoS 1
// reading only after the PublishHandler returned.
package mqtt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"

	"groundtruth"
)

// DefaultMaxPayload is the largest PUBLISH payload accepted when Options.MaxPayload is 0.
const DefaultMaxPayload = 64 << 10

// packetOverhead is the room left for fixed header, topic and properties above MaxPayload
// in the broker's maximum packet size. Payloads between MaxPayload and MaxPayload +
// packetOverhead get a PUBACK 0x95; larger packets close the connection.
const packetOverhead = 4 << 10

// DeviceLookup finds a device by its token. Implementations hash the token (with
// groundtruth.HashSecret) and ask the store; they return a *groundtruth.Error with code
// ENOTFOUND when no device has that token. It must be safe for concurrent use.
type DeviceLookup interface {
	DeviceByToken(ctx context.Context, token string) (*groundtruth.Device, error)
}

// PublishHandler receives the readings a device published to its up topic. The broker
// calls it synchronously and acknowledges a QoS 1 publish only after it returned: nil
// means the payload is durably accepted. A *groundtruth.Error with code EINVALID or
// ETOOLARGE maps to PUBACK reason 0x99 or 0x95; EUNAVAILABLE and ERATELIMIT to 0x97 (quota
// exceeded: retry later); EFORBIDDEN, EUNAUTHORIZED and ECONFLICT (bad signature, replay,
// disabled device) to 0x87; any other error to 0x80. The error's message is the reason
// string.
// It must be safe for concurrent use (one call at a time per device connection).
type PublishHandler interface {
	HandlePublish(ctx context.Context, dev *groundtruth.Device, topic string, payload []byte) error
}

// StatusHandler receives birth/death messages a device published to its status topic and
// its last will (will = true). Errors are the handler's to log; the broker ignores them.
// It must be safe for concurrent use.
type StatusHandler interface {
	HandleStatus(ctx context.Context, dev *groundtruth.Device, payload []byte, will bool)
}

// Options configures a Broker.
type Options struct {
	Addr       string         // TCP address to listen on, e.g. ":1883" or "127.0.0.1:0"
	Devices    DeviceLookup   // required
	Handler    PublishHandler // required
	Status     StatusHandler  // optional; status messages are dropped when nil
	Logger     *slog.Logger   // optional; discards when nil
	MaxPayload int            // largest payload in bytes; DefaultMaxPayload when 0
}

// Broker is an MQTT 3.1.1/5 broker for devices. Create it with New, run it with Serve.
type Broker struct {
	srv      *mochi.Server
	ln       *listener
	log      *slog.Logger
	counters *counters

	ctx    context.Context // passed to handlers; cancelled by Close
	cancel context.CancelFunc

	closeOnce sync.Once
	closeErr  error
}

// New validates o, opens the listening socket and returns a broker that is not yet
// serving. A taken address is an error naming it.
func New(o Options) (*Broker, error) {
	if o.Devices == nil {
		return nil, errors.New("mqtt: Options.Devices is required")
	}
	if o.Handler == nil {
		return nil, errors.New("mqtt: Options.Handler is required")
	}
	if o.MaxPayload < 0 {
		return nil, fmt.Errorf("mqtt: negative MaxPayload %d", o.MaxPayload)
	}
	if o.MaxPayload == 0 {
		o.MaxPayload = DefaultMaxPayload
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	nl, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("mqtt: cannot listen on %s: %w", o.Addr, err)
	}

	caps := mochi.NewDefaultServerCapabilities()
	caps.MaximumQos = 1      // QoS 2 is not offered: readings are idempotent per journal
	caps.RetainAvailable = 0 // nothing is ever retained
	caps.WildcardSubAvailable = 0
	caps.SubIDAvailable = 0
	caps.SharedSubAvailable = 0
	caps.MaximumPacketSize = uint32(o.MaxPayload + packetOverhead)
	caps.Compatibilities.NoInheritedPropertiesOnAck = true // don't echo publish properties
	srv := mochi.New(&mochi.Options{
		Capabilities: caps,
		Logger:       slog.New(quietHandler{log.Handler()}).With("component", "mqtt"),
		InlineClient: false,
	})

	ctx, cancel := context.WithCancel(context.Background())
	b := &Broker{srv: srv, log: log, counters: newCounters(), ctx: ctx, cancel: cancel}
	b.ln = &listener{id: "devices", ln: nl}
	h := &hook{b: b, devices: o.Devices, handler: o.Handler, status: o.Status,
		maxPayload: o.MaxPayload, conns: map[*mochi.Client]*groundtruth.Device{}}
	if err := srv.AddHook(h, nil); err != nil {
		nl.Close()
		cancel()
		return nil, fmt.Errorf("mqtt: add hook: %w", err)
	}
	if err := srv.AddListener(b.ln); err != nil {
		nl.Close()
		cancel()
		return nil, fmt.Errorf("mqtt: add listener on %s: %w", o.Addr, err)
	}
	return b, nil
}

// Addr returns the address the broker listens on.
func (b *Broker) Addr() net.Addr { return b.ln.ln.Addr() }

// Serve accepts connections until ctx is done, then closes the broker and returns nil.
func (b *Broker) Serve(ctx context.Context) error {
	if err := b.srv.Serve(); err != nil {
		b.Close()
		return fmt.Errorf("mqtt: serve: %w", err)
	}
	select {
	case <-ctx.Done():
	case <-b.ctx.Done():
	}
	return b.Close()
}

// Close stops accepting connections, disconnects every client and cancels the context of
// handlers still running. It is safe to call more than once.
func (b *Broker) Close() error {
	b.closeOnce.Do(func() {
		b.cancel()
		b.closeErr = b.srv.Close()
		b.ln.ln.Close() // in case Serve never ran
	})
	return b.closeErr
}

// listener adapts an open net.Listener to mochi's listeners.Listener so New can report
// a taken address and Addr the chosen port.
type listener struct {
	id   string
	ln   net.Listener
	once sync.Once
}

func (l *listener) Init(*slog.Logger) error { return nil }
func (l *listener) ID() string              { return l.id }
func (l *listener) Address() string         { return l.ln.Addr().String() }
func (l *listener) Protocol() string        { return "tcp" }

func (l *listener) Serve(establish listeners.EstablishFn) {
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			return // closed
		}
		go establish(l.id, conn) //nolint:errcheck // mochi logs connection errors itself
	}
}

func (l *listener) Close(closeClients listeners.CloseFn) {
	l.once.Do(func() {
		l.ln.Close()
		closeClients(l.id)
	})
}
