// Package mqtt is the embedded MQTT broker through which devices publish readings
// (SPEC §5.1). It wraps github.com/mochi-mqtt/server/v2 behind a small API: devices log in
// with username = device id and password = device token, or, on the TLS listener, with a
// client certificate registered for the device; they may publish only to their own
// gt/v1/{tenant}/{device}/up and .../status topics, and receive the PUBACK of a QoS 1
// reading only after the PublishHandler returned.
package mqtt

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

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

// CertificateLookup finds the device that registered a TLS client certificate, by the
// certificate's fingerprint (groundtruth.CertFingerprint). It returns a
// *groundtruth.Error with code ENOTFOUND when no device registered it and ECONFLICT when
// more than one did (the broker then trusts none of them). It must be safe for
// concurrent use. CertificateIndex implements it.
type CertificateLookup interface {
	DeviceByCertificate(ctx context.Context, fingerprint string) (*groundtruth.Device, error)
}

// TLSOptions configures the broker's TLS listener. The broker asks every client for a
// certificate but verifies no chain: a certificate identifies a device only when its
// fingerprint is registered (Options.Certificates), so tenants share no CA.
type TLSOptions struct {
	Addr        string          // TCP address to listen on, e.g. ":8883" or "127.0.0.1:0"
	Certificate tls.Certificate // the broker's own certificate chain and private key
}

// Options configures a Broker. At least one of Addr and TLS is required.
type Options struct {
	Addr    string         // plain TCP address to listen on, e.g. ":1883"; "" for none
	TLS     *TLSOptions    // the TLS listener; nil for none
	Devices DeviceLookup   // required
	Handler PublishHandler // required
	Status  StatusHandler  // optional; status messages are dropped when nil
	// Certificates recognises devices by their TLS client certificate; nil accepts only
	// tokens, on either listener.
	Certificates CertificateLookup
	Logger       *slog.Logger     // optional; discards when nil
	MaxPayload   int              // largest payload in bytes; DefaultMaxPayload when 0
	Now          func() time.Time // checks client certificates' validity; time.Now when nil
}

// ListenError is New's error when a listener cannot open its address (taken, or not an
// address).
type ListenError struct {
	Addr string
	TLS  bool // the TLS listener's address
	Err  error
}

// Error names the address and, for the TLS listener, says so.
func (e *ListenError) Error() string {
	if e.TLS {
		return fmt.Sprintf("mqtt: cannot listen on %s (TLS): %v", e.Addr, e.Err)
	}
	return fmt.Sprintf("mqtt: cannot listen on %s: %v", e.Addr, e.Err)
}

// Unwrap returns the error of net.Listen.
func (e *ListenError) Unwrap() error { return e.Err }

// Broker is an MQTT 3.1.1/5 broker for devices. Create it with New, run it with Serve.
type Broker struct {
	srv      *mochi.Server
	lns      []*listener // the plain listener first, when there is one
	tlsLn    *listener   // nil without TLS
	log      *slog.Logger
	counters *counters

	ctx    context.Context // passed to handlers; cancelled by Close
	cancel context.CancelFunc

	closeOnce sync.Once
	closeErr  error
}

// New validates o, opens the listening sockets and returns a broker that is not yet
// serving. A taken address is an error naming it.
func New(o Options) (*Broker, error) {
	if o.Addr == "" && o.TLS == nil {
		return nil, errors.New("mqtt: Options.Addr or Options.TLS is required")
	}
	if o.TLS != nil && o.TLS.Certificate.PrivateKey == nil {
		return nil, errors.New("mqtt: Options.TLS needs the broker's certificate and private key")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
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
	var lns []*listener
	closeAll := func() {
		for _, l := range lns {
			l.stop()
		}
	}
	if o.Addr != "" {
		nl, err := net.Listen("tcp", o.Addr)
		if err != nil {
			return nil, &ListenError{Addr: o.Addr, Err: err}
		}
		lns = append(lns, newListener("devices", nl, nil))
	}
	if o.TLS != nil {
		nl, err := net.Listen("tcp", o.TLS.Addr)
		if err != nil {
			closeAll()
			return nil, &ListenError{Addr: o.TLS.Addr, TLS: true, Err: err}
		}
		lns = append(lns, newListener("devices-tls", nl, &tls.Config{
			Certificates: []tls.Certificate{o.TLS.Certificate},
			MinVersion:   tls.VersionTLS12,
			// Any certificate is requested and none is verified against a CA: the hook
			// recognises a registered fingerprint. Go still checks that the client holds
			// the certificate's private key (CertificateVerify).
			ClientAuth: tls.RequestClientCert,
		}))
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
	b := &Broker{srv: srv, lns: lns, log: log, counters: newCounters(), ctx: ctx, cancel: cancel}
	h := &hook{b: b, devices: o.Devices, certs: o.Certificates, now: o.Now, handler: o.Handler, status: o.Status,
		maxPayload: o.MaxPayload, conns: map[*mochi.Client]*groundtruth.Device{}}
	if err := srv.AddHook(h, nil); err != nil {
		closeAll()
		cancel()
		return nil, fmt.Errorf("mqtt: add hook: %w", err)
	}
	for _, l := range lns {
		if l.tls != nil {
			b.tlsLn = l
		}
		if err := srv.AddListener(l); err != nil {
			closeAll()
			cancel()
			return nil, fmt.Errorf("mqtt: add listener on %s: %w", l.Address(), err)
		}
	}
	return b, nil
}

// Addr returns the address of the plain listener, or of the TLS listener when there is
// no plain one.
func (b *Broker) Addr() net.Addr { return b.lns[0].ln.Addr() }

// TLSAddr returns the address of the TLS listener, nil when there is none.
func (b *Broker) TLSAddr() net.Addr {
	if b.tlsLn == nil {
		return nil
	}
	return b.tlsLn.ln.Addr()
}

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
		for _, l := range b.lns {
			l.stop() // in case Serve never ran
		}
	})
	return b.closeErr
}

// handshakeTimeout bounds a client's TLS handshake.
const handshakeTimeout = 10 * time.Second

// listener adapts an open net.Listener to mochi's listeners.Listener so New can report
// a taken address and Addr the chosen port. With tls set it completes each client's TLS
// handshake before mochi reads the CONNECT, so the hook sees the client certificate.
type listener struct {
	id     string
	ln     net.Listener
	tls    *tls.Config     // nil for plain TCP
	ctx    context.Context // cancelled by stop: ends handshakes in progress
	cancel context.CancelFunc
	once   sync.Once
}

func newListener(id string, ln net.Listener, cfg *tls.Config) *listener {
	ctx, cancel := context.WithCancel(context.Background())
	return &listener{id: id, ln: ln, tls: cfg, ctx: ctx, cancel: cancel}
}

// stop closes the socket and ends the handshakes in progress.
func (l *listener) stop() {
	l.cancel()
	l.ln.Close()
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
		if l.tls == nil {
			go establish(l.id, conn) //nolint:errcheck // mochi logs connection errors itself
			continue
		}
		go func() {
			tc := tls.Server(conn, l.tls)
			ctx, cancel := context.WithTimeout(l.ctx, handshakeTimeout)
			err := tc.HandshakeContext(ctx)
			cancel()
			if err != nil {
				tc.Close() // a failed handshake is the client's problem; nothing to log
				return
			}
			establish(l.id, tc) //nolint:errcheck // mochi logs connection errors itself
		}()
	}
}

func (l *listener) Close(closeClients listeners.CloseFn) {
	l.once.Do(func() {
		l.stop()
		closeClients(l.id)
	})
}
