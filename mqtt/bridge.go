package mqtt

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"
	"github.com/eclipse/paho.golang/paho/session"
	"github.com/eclipse/paho.golang/paho/session/state"

	"groundtruth"
)

// Bridge defaults and limits.
const (
	// DefaultBridgeGroup is the shared subscription group when BridgeOptions.Group is empty.
	DefaultBridgeGroup = "groundtruth"
	// DefaultSessionExpiry is how long the external broker keeps a bridge's session (its
	// subscriptions and the QoS 1 messages queued for it) after a disconnect.
	DefaultSessionExpiry = time.Hour
	// generatedIDSessionExpiry replaces DefaultSessionExpiry for a generated ClientID: no
	// other process resumes that session, it only has to outlast a reconnect.
	generatedIDSessionExpiry = 5 * time.Minute

	reasonUnknownDevice = "unknown_device"
	reasonWrongTenant   = "wrong_tenant"

	deviceCacheTTL    = 5 * time.Second
	maxCachedDevices  = 10_000
	maxCountedDevices = 100_000 // topic ids counted individually before they go under ""

	receiveMaximum   = 100                   // unacknowledged QoS 1 messages the broker may send us
	ackInterval      = 10 * time.Millisecond // how often paho flushes manual acks
	ackFlushMax      = 2 * time.Second       // wait for the last acks before a clean disconnect
	retryMin         = 50 * time.Millisecond // first retry of a transient handler error
	retryMax         = 5 * time.Second
	subscribeTimeout = 30 * time.Second
	disconnectWait   = 5 * time.Second
	syncTopic        = "groundtruth/bridge/sync" // never subscribed: unsubscribing it is a no-op
)

// DeviceFinder finds a device by tenant and id. It returns a *groundtruth.Error with code
// ENOTFOUND when the tenant has no such device; any other error is treated as transient.
// It must be safe for concurrent use. The store's Device method satisfies it.
type DeviceFinder interface {
	Device(ctx context.Context, tenant, id string) (*groundtruth.Device, error)
}

// BridgeOptions configures a Bridge.
type BridgeOptions struct {
	Broker        string         // tcp://host:1883, mqtt://, ssl://, tls:// or mqtts://; required
	Group         string         // shared subscription group; DefaultBridgeGroup when empty
	Tenants       []string       // subscribe to these tenants' topics only; all tenants when empty
	ClientID      string         // "groundtruth-" + random when empty (see Bridge); set a stable one in production
	Username      string         // optional broker credentials
	Password      string         // optional, with Username
	TLS           *tls.Config    // optional, for ssl:// and tls://; nil uses the system roots
	SessionExpiry time.Duration  // DefaultSessionExpiry when 0; whole seconds, at least 1
	Devices       DeviceFinder   // required
	Handler       PublishHandler // required
	Status        StatusHandler  // optional; status messages are acknowledged and dropped when nil
	Logger        *slog.Logger   // optional; discards when nil
	MaxPayload    int            // largest payload in bytes; DefaultMaxPayload when 0
}

// Bridge subscribes to an external MQTT broker (Mosquitto, EMQX) that authenticates the
// devices, and hands their publishes to the PublishHandler: the scale-out replacement of the
// embedded Broker (SPEC §4.5, §5.1). Several processes with the same Group share the load
// through the shared subscriptions $share/{group}/gt/v1/+/+/up and .../status (with
// Tenants set, one pair per tenant instead of the + wildcard).
//
// Delivery is at least once. The bridge keeps a persistent MQTT 5 session (clean start
// off, SessionExpiry) and acknowledges a message to the broker only once it is settled:
// HandlePublish returned nil (durably appended) or a refusal that retrying cannot change
// (see handle), or the bridge refused it itself (unknown device, wrong tenant, disabled
// device, payload too large); refusals are counted by reason. Transient errors are retried
// with backoff while the connection lasts. The broker redelivers what was not acknowledged
// after a reconnect, so HandlePublish may see a message twice and must tolerate it.
// Messages of one connection are handled one at a time in order of receipt, but a device's
// messages may reach different processes, so across processes they arrive out of order.
//
// With Mosquitto (checked on 2.0.11) a shared subscription keeps its round robin over
// members that are offline with an unexpired session: a stopped process's share queues on
// the broker until it returns with the same ClientID, beyond max_queued_messages (1000 by
// default) it is dropped, and it is lost when the session expires. So give each process a
// stable ClientID, and size the broker's max_queued_messages and message_size_limit. With
// a generated ClientID nobody can resume the session after the process ends, so the
// session lasts 5 minutes by default (enough for a reconnect) and a clean stop (Run's
// context done) ends it; otherwise it would take its share of the group's messages and
// lose them for the whole expiry.
// Payloads above 4 x MaxPayload exceed the maximum packet size the bridge announces; the
// broker discards them without us counting them.
type Bridge struct {
	url           *url.URL
	group         string
	filters       []string // subscription topic filters
	clientID      string
	generatedID   bool
	username      string
	password      string
	tls           *tls.Config
	sessionExpiry uint32
	devices       DeviceFinder
	handler       PublishHandler
	status        StatusHandler
	log           *slog.Logger
	maxPayload    int

	counters *counters
	sess     *bridgeSession
	ready    chan struct{}
	readyOne sync.Once
	running  atomic.Bool

	cacheMu sync.Mutex
	cache   map[string]cachedDevice // by tenant + "/" + id

	// ctx is the handlers' context, set by Run before the connection starts.
	ctx context.Context
	// stopping is closed when Run stops: messages still arriving are left unacknowledged.
	stopping chan struct{}
	// handleMu is held while a message is handled, so Run can wait for the last one.
	handleMu sync.Mutex
}

type cachedDevice struct {
	dev     *groundtruth.Device // nil: no such device
	expires time.Time
}

// NewBridge validates o and returns a bridge that is not yet connected; Run connects it.
func NewBridge(o BridgeOptions) (*Bridge, error) {
	u, err := brokerURL(o.Broker)
	if err != nil {
		return nil, err
	}
	switch {
	case o.Devices == nil:
		return nil, errors.New("mqtt bridge: BridgeOptions.Devices is required")
	case o.Handler == nil:
		return nil, errors.New("mqtt bridge: BridgeOptions.Handler is required")
	case o.MaxPayload < 0:
		return nil, fmt.Errorf("mqtt bridge: negative MaxPayload %d", o.MaxPayload)
	case o.SessionExpiry < 0:
		return nil, fmt.Errorf("mqtt bridge: negative SessionExpiry %s", o.SessionExpiry)
	case strings.ContainsAny(o.Group, "/+#"):
		return nil, fmt.Errorf("mqtt bridge: group %q must not contain '/', '+' or '#'", o.Group)
	}
	for _, t := range o.Tenants {
		if t == "" || strings.ContainsAny(t, "/+#") {
			return nil, fmt.Errorf("mqtt bridge: tenant %q must be non-empty without '/', '+' or '#'", t)
		}
	}
	b := &Bridge{url: u, group: o.Group, clientID: o.ClientID, username: o.Username,
		password: o.Password, tls: o.TLS, devices: o.Devices, handler: o.Handler, status: o.Status,
		log: o.Logger, maxPayload: o.MaxPayload, counters: newCounters(), sess: newBridgeSession(),
		ready: make(chan struct{}), cache: map[string]cachedDevice{}, stopping: make(chan struct{})}
	if b.group == "" {
		b.group = DefaultBridgeGroup
	}
	tenants := o.Tenants
	if len(tenants) == 0 {
		tenants = []string{"+"}
	}
	for _, t := range tenants {
		for _, kind := range []string{"up", "status"} {
			b.filters = append(b.filters, "$share/"+b.group+"/gt/v1/"+t+"/+/"+kind)
		}
	}
	if b.clientID == "" {
		var r [8]byte
		if _, err := rand.Read(r[:]); err != nil {
			return nil, fmt.Errorf("mqtt bridge: client id: %w", err)
		}
		b.clientID, b.generatedID = "groundtruth-"+hex.EncodeToString(r[:]), true
	}
	if b.maxPayload == 0 {
		b.maxPayload = DefaultMaxPayload
	}
	if b.log == nil {
		b.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	b.sess.SetErrorLogger(pahoLog{b.log, slog.LevelWarn})
	expiry := o.SessionExpiry
	switch {
	case expiry == 0 && b.generatedID:
		expiry = generatedIDSessionExpiry
	case expiry == 0:
		expiry = DefaultSessionExpiry
	}
	b.sessionExpiry = uint32(min(max(expiry/time.Second, 1), math.MaxUint32)) // MaxUint32: never expires
	return b, nil
}

// brokerURL parses a broker address and adds the default port of its scheme.
func brokerURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, errors.New("mqtt bridge: BridgeOptions.Broker is required")
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("mqtt bridge: broker address: %w", err)
	}
	port := ""
	switch u.Scheme {
	case "tcp", "mqtt":
		port = "1883"
	case "ssl", "tls", "mqtts":
		port = "8883"
	default:
		return nil, fmt.Errorf("mqtt bridge: broker %s: scheme must be tcp, mqtt, ssl, tls or mqtts", u.Redacted())
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("mqtt bridge: broker %s has no host", u.Redacted())
	}
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), port)
	}
	return u, nil
}

// ClientID returns the MQTT client id the bridge connects with.
func (b *Bridge) ClientID() string { return b.clientID }

// Ready returns a channel closed once the broker acknowledged the first subscription, from
// when on the bridge receives the devices' messages.
func (b *Bridge) Ready() <-chan struct{} { return b.ready }

// Counters returns a copy of the outcome counts by device id and reason: accepted,
// unknown_device, wrong_tenant, auth_failed (disabled device), payload_invalid, too_large,
// refused, and per failed attempt unavailable, rate_limited and failed. Topics that name no
// device count under their device id, under "" once maxCountedDevices ids are counted. It
// is safe for concurrent use.
func (b *Bridge) Counters() map[string]map[string]uint64 {
	b.counters.mu.Lock()
	defer b.counters.mu.Unlock()
	out := make(map[string]map[string]uint64, len(b.counters.m))
	for d, r := range b.counters.m {
		out[d] = maps.Clone(r)
	}
	return out
}

// count adds one to device's reason, under "" when too many ids are already counted.
func (b *Bridge) count(device, reason string) {
	b.counters.mu.Lock()
	_, known := b.counters.m[device]
	full := len(b.counters.m) >= maxCountedDevices
	b.counters.mu.Unlock()
	if !known && full {
		device = ""
	}
	b.counters.add(device, reason)
}

// Run connects to the broker, reconnecting with backoff, subscribes and handles messages
// until ctx is done; then it stops handling, lets the last acknowledgements go out and
// disconnects, keeping the session on the broker unless the ClientID was generated. It
// returns nil after ctx is done, or an error when the broker refuses the subscription.
// Run may be called once.
func (b *Bridge) Run(ctx context.Context) error {
	if !b.running.CompareAndSwap(false, true) {
		return errors.New("mqtt bridge: Run called twice")
	}
	hctx, hcancel := context.WithCancel(ctx)
	defer hcancel()
	b.ctx = hctx
	if b.generatedID {
		b.log.Info("mqtt bridge uses a generated client id: its session ends with the process; set a stable one so a restarted process resumes it",
			"client_id", b.clientID)
	}
	fatal := make(chan error, 1)
	// The connection has its own context so the clean shutdown below can still send acks.
	cm, err := autopaho.NewConnection(context.Background(), b.clientConfig(hctx, fatal))
	if err != nil {
		return fmt.Errorf("mqtt bridge: connect to %s: %w", b.url.Redacted(), err)
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-fatal:
	}
	// Stop in this order so that once a message is left unacknowledged no later one is
	// acknowledged (paho would hold that ack back behind the first, see onPublish):
	// messages not yet started see stopping; the one in progress sees its context
	// cancelled; then wait for it to return.
	close(b.stopping)
	hcancel()
	b.handleMu.Lock()
	b.handleMu.Unlock() //nolint:staticcheck // empty critical section: only waits
	// paho sends acks on a ticker and drops unsent ones when the connection closes.
	b.sess.waitAcks(ackFlushMax)
	dctx, cancel := context.WithTimeout(context.Background(), disconnectWait)
	defer cancel()
	// The broker reads a connection's packets in order, so its answer to an UNSUBSCRIBE sent
	// after our last PUBACK proves it processed them. Without this round trip Mosquitto may
	// hand the session to a quickly restarted bridge before reading the PUBACKs still
	// buffered on the old connection, and redeliver those messages.
	if _, err := cm.Unsubscribe(dctx, &paho.Unsubscribe{Topics: []string{syncTopic}}); err != nil {
		b.log.Debug("mqtt bridge sync before disconnect", "error", err)
	}
	if err := cm.Disconnect(dctx); err != nil {
		b.log.Warn("mqtt bridge disconnect", "broker", b.url.Redacted(), "error", err)
	}
	if err := b.sess.Close(); err != nil {
		b.log.Warn("mqtt bridge close session", "error", err)
	}
	return runErr
}

func (b *Bridge) clientConfig(ctx context.Context, fatal chan<- error) autopaho.ClientConfig {
	broker := b.url.Redacted()
	maxPacket := uint32(min(4*b.maxPayload+packetOverhead, math.MaxInt32))
	cfg := autopaho.ClientConfig{
		ServerUrls:                    []*url.URL{b.url},
		TlsCfg:                        b.tls,
		KeepAlive:                     30,
		CleanStartOnInitialConnection: false,
		SessionExpiryInterval:         b.sessionExpiry,
		ReconnectBackoff:              autopaho.NewExponentialBackoff(500*time.Millisecond, 30*time.Second, time.Second, 2),
		ConnectTimeout:                10 * time.Second,
		ConnectUsername:               b.username,
		ConnectPassword:               []byte(b.password),
		ConnectPacketBuilder: func(cp *paho.Connect, _ *url.URL) (*paho.Connect, error) {
			if cp.Properties == nil {
				cp.Properties = &paho.ConnectProperties{}
			}
			rm := uint16(receiveMaximum)
			cp.Properties.ReceiveMaximum = &rm // also sizes paho's channel of received messages
			cp.Properties.MaximumPacketSize = &maxPacket
			return cp, nil
		},
		OnConnectionUp: func(cm *autopaho.ConnectionManager, ca *paho.Connack) {
			b.sess.connUp()
			b.log.Info("mqtt bridge connected", "broker", broker, "client_id", b.clientID,
				"session_present", ca.SessionPresent)
			_, down := b.sess.conn()
			go b.subscribe(ctx, cm, down, fatal)
		},
		OnConnectionDown: func() bool {
			b.log.Warn("mqtt bridge connection lost; reconnecting", "broker", broker)
			return true
		},
		OnConnectError: func(err error) {
			b.log.Warn("mqtt bridge cannot connect", "broker", broker, "error", err)
		},
		DisconnectPacketBuilder: func() *paho.Disconnect {
			if !b.generatedID {
				return &paho.Disconnect{} // the session stays for a restart with this ClientID
			}
			end := uint32(0)
			return &paho.Disconnect{Properties: &paho.DisconnectProperties{SessionExpiryInterval: &end}}
		},
		Errors:     pahoLog{b.log, slog.LevelWarn},
		PahoErrors: pahoLog{b.log, slog.LevelWarn},
		ClientConfig: paho.ClientConfig{
			ClientID:                   b.clientID,
			Session:                    b.sess,
			OnPublishReceived:          []func(paho.PublishReceived) (bool, error){b.onPublish},
			EnableManualAcknowledgment: true,
			SendAcksInterval:           ackInterval,
		},
	}
	return cfg
}

// subscribe subscribes the connection that just came up, retrying until it succeeds, the
// connection is lost (the next one subscribes again) or ctx is done. A refusal by the
// broker (SUBACK reason code >= 0x80, e.g. an ACL) goes to fatal: retrying cannot help.
func (b *Bridge) subscribe(ctx context.Context, cm *autopaho.ConnectionManager, down <-chan struct{}, fatal chan<- error) {
	filters := b.filters
	sub := &paho.Subscribe{}
	for _, f := range filters {
		sub.Subscriptions = append(sub.Subscriptions, paho.SubscribeOptions{Topic: f, QoS: 1})
	}
	for attempt := 0; ; attempt++ {
		sctx, cancel := context.WithTimeout(ctx, subscribeTimeout)
		sa, err := cm.Subscribe(sctx, sub)
		cancel()
		if err == nil {
			for i, code := range sa.Reasons {
				if code < 1 && i < len(filters) {
					b.log.Warn("mqtt bridge subscription granted QoS 0: messages may be lost", "filter", filters[i])
				}
			}
			b.log.Info("mqtt bridge subscribed", "filters", filters)
			b.readyOne.Do(func() { close(b.ready) })
			return
		}
		if sa != nil {
			select {
			case fatal <- fmt.Errorf("mqtt bridge: broker refused subscription to %v (reason codes %v): %w", filters, sa.Reasons, err):
			default:
			}
			return
		}
		if ctx.Err() != nil {
			return
		}
		b.log.Warn("mqtt bridge subscribe", "filters", filters, "attempt", attempt, "error", err)
		t := time.NewTimer(retryDelay(attempt))
		select {
		case <-ctx.Done():
		case <-down:
		case <-t.C:
			continue
		}
		t.Stop()
		return
	}
}

// onPublish is the paho callback for every received PUBLISH. paho calls it from a single
// goroutine per connection (paho.Client.routePublishPackets), one message at a time in
// order of receipt, so handling is sequential and our acks follow the receive order.
//
// Manual acknowledgement in paho v0.23.0: Client.Ack only marks the message in the
// connection's acksTracker; a ticker (SendAcksInterval) sends the PUBACKs in receive order
// and stops at the first unmarked message, as MQTT requires acks in order. A message left
// unacknowledged therefore also holds back the acks of every later one on that connection;
// we only leave one unacknowledged when the connection is lost or Run stops, and then the
// broker redelivers it and everything after it. The ticker stops with the connection
// without a last flush, hence Run's waitAcks before a clean disconnect. Ack after the
// connection was lost marks a tracker nobody flushes any more: autopaho opens the next
// connection only after the old client's goroutines (ticker and this callback) ended, so a
// stale PUBACK cannot reach the new connection (paho issue #160).
//
// paho's Connect starts reading before it resets the tracker, so the first messages of a
// resumed session (resent right after the CONNACK) can be tracked and even marked, then
// wiped: their PUBACKs would never be sent and each would hold one of the broker's
// in-flight slots until the next reconnect. So handling waits for OnConnectionUp (after
// Connect returned), and a message the reset removed is acknowledged directly.
func (b *Bridge) onPublish(pr paho.PublishReceived) (bool, error) {
	b.handleMu.Lock()
	defer b.handleMu.Unlock()
	up, down := b.sess.conn()
	select {
	case <-up: // Connect has reset the acks tracker
	case <-down:
	}
	select {
	case <-b.stopping:
		return true, nil
	case <-down:
		// paho still routes the messages buffered when the connection broke; the broker
		// redelivers them on the next connection.
		return true, nil
	default:
	}
	if !b.deliver(down, pr.Packet.Topic, pr.Packet.Payload) {
		return true, nil
	}
	switch err := pr.Client.Ack(pr.Packet); {
	case err == nil:
		if pr.Packet.QoS > 0 {
			b.sess.marked()
		}
	case errors.Is(err, paho.ErrPacketNotFound):
		// The message came before Connect reset the tracker (see above): write its PUBACK
		// now. Such messages are the first of the connection, so the order holds.
		if err := b.sess.SessionManager.Ack(pr.Packet.Packet()); err != nil {
			b.log.Debug("mqtt bridge ack", "topic", pr.Packet.Topic, "error", err)
		}
	default:
		b.log.Debug("mqtt bridge ack", "topic", pr.Packet.Topic, "error", err)
	}
	return true, nil
}

// deliver handles one message, retrying transient failures with backoff. It reports
// whether the message may be acknowledged, false when the connection was lost or Run
// stopped first. It must not block past a lost connection: paho closes a client only
// after this callback returned, and autopaho reconnects only after that.
func (b *Bridge) deliver(down <-chan struct{}, topic string, payload []byte) bool {
	for attempt := 0; ; attempt++ {
		err := b.handle(b.ctx, topic, payload)
		if err == nil {
			return true
		}
		if b.ctx.Err() != nil {
			return false
		}
		delay := retryDelay(attempt)
		level := slog.LevelWarn
		if groundtruth.ErrorCode(err) == groundtruth.EINTERNAL {
			level = slog.LevelError // not a known transient failure: a bug or a broken store
		}
		b.log.Log(b.ctx, level, "mqtt bridge publish not durable yet; retrying", "topic", topic,
			"attempt", attempt+1, "retry_in", delay, "error", err)
		t := time.NewTimer(delay)
		select {
		case <-b.ctx.Done():
		case <-down:
		case <-t.C:
			continue
		}
		t.Stop()
		return false
	}
}

// retryDelay is the wait after failed attempt n (from 0): doubling from retryMin to retryMax.
func retryDelay(n int) time.Duration {
	return min(retryMin<<min(n, 16), retryMax)
}

// handle checks and hands on one message. It returns nil when the message is settled
// (accepted, or refused for good and counted) and an error when it should be retried:
// EUNAVAILABLE, ERATELIMIT and any error without a refusal code (including a failed device
// lookup). EINVALID, ETOOLARGE, EFORBIDDEN, EUNAUTHORIZED and ECONFLICT are refusals.
func (b *Bridge) handle(ctx context.Context, topic string, payload []byte) error {
	tenant, id, kind, ok := parseTopic(topic)
	if !ok {
		b.count("", reasonUnknownDevice)
		b.log.Info("mqtt bridge publish refused", "reason", reasonUnknownDevice, "topic", topic)
		return nil
	}
	dev, err := b.device(ctx, tenant, id)
	if err != nil {
		return fmt.Errorf("find device %s of tenant %s: %w", id, tenant, err)
	}
	refuse := func(device, reason string, args ...any) error {
		b.count(device, reason)
		b.log.Info("mqtt bridge publish refused", append([]any{"reason", reason, "tenant", tenant,
			"device", id, "kind", kind}, args...)...)
		return nil
	}
	switch {
	case dev == nil:
		return refuse(id, reasonUnknownDevice)
	case dev.TenantID != tenant:
		return refuse(dev.ID, reasonWrongTenant, "device_tenant", dev.TenantID)
	case dev.Disabled:
		return refuse(dev.ID, reasonAuthFailed, "disabled", true)
	case len(payload) > b.maxPayload:
		return refuse(dev.ID, reasonTooLarge, "bytes", len(payload), "max", b.maxPayload)
	case kind == "status":
		if b.status != nil {
			// A last will reaches us as an ordinary publish: will is always false here.
			b.status.HandleStatus(ctx, dev, payload, false)
		}
		b.count(dev.ID, reasonAccepted)
		return nil
	}
	err = b.handler.HandlePublish(ctx, dev, topic, payload)
	switch code := groundtruth.ErrorCode(err); {
	case err == nil:
		b.count(dev.ID, reasonAccepted)
		return nil
	case ctx.Err() != nil:
		return err // stopping: neither counted nor acknowledged
	case code == groundtruth.EINVALID:
		b.count(dev.ID, reasonPayloadInvalid)
		return nil
	case code == groundtruth.ETOOLARGE:
		b.count(dev.ID, reasonTooLarge)
		return nil
	case code == groundtruth.EFORBIDDEN || code == groundtruth.EUNAUTHORIZED || code == groundtruth.ECONFLICT:
		b.count(dev.ID, reasonRefused) // bad signature, replay, disabled: never becomes valid
		return nil
	case code == groundtruth.EUNAVAILABLE:
		b.count(dev.ID, reasonUnavailable)
		return err
	case code == groundtruth.ERATELIMIT:
		// The external broker already acknowledged the device, so the only backpressure
		// left is to delay our acknowledgement: retry until the device's bucket refills.
		b.count(dev.ID, reasonRateLimited)
		return err
	default:
		b.count(dev.ID, reasonFailed)
		return err
	}
}

// parseTopic splits gt/v1/{tenant}/{device}/{up|status}; ids must be non-empty.
func parseTopic(topic string) (tenant, device, kind string, ok bool) {
	rest, found := strings.CutPrefix(topic, "gt/v1/")
	if !found {
		return "", "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || (parts[2] != "up" && parts[2] != "status") {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// device returns the device, nil when the tenant has none with this id, from a cache that
// keeps answers, negative ones included, for deviceCacheTTL. A disabled or re-enabled
// device takes effect within that time.
func (b *Bridge) device(ctx context.Context, tenant, id string) (*groundtruth.Device, error) {
	key := tenant + "/" + id
	now := time.Now()
	b.cacheMu.Lock()
	e, ok := b.cache[key]
	b.cacheMu.Unlock()
	if ok && now.Before(e.expires) {
		return e.dev, nil
	}
	dev, err := b.devices.Device(ctx, tenant, id)
	if err != nil {
		if groundtruth.ErrorCode(err) != groundtruth.ENOTFOUND {
			return nil, err
		}
		dev = nil
	}
	b.cacheMu.Lock()
	defer b.cacheMu.Unlock()
	if len(b.cache) >= maxCachedDevices {
		maps.DeleteFunc(b.cache, func(_ string, e cachedDevice) bool { return !now.Before(e.expires) })
		if len(b.cache) >= maxCachedDevices {
			clear(b.cache)
		}
	}
	b.cache[key] = cachedDevice{dev: dev, expires: now.Add(deviceCacheTTL)}
	return dev, nil
}

// bridgeSession is paho's in-memory session state, shared by all the connections of one
// Run, that also tells when the current connection is lost: paho calls ConnectionLost
// before it waits for the message callback to return, which deliver needs to stop
// retrying. A new connection's callbacks only start after ConAckReceived. It also counts
// the acks of the current connection, marked by Client.Ack and written by paho's flush
// (which calls Session.Ack), so Run can wait for the last ones.
type bridgeSession struct {
	session.SessionManager
	mu         sync.Mutex
	up         chan struct{} // closed by OnConnectionUp, after paho's Connect returned
	down       chan struct{} // closed when the current connection is lost
	nMarked    uint64
	nPublished uint64
}

func newBridgeSession() *bridgeSession {
	s := &bridgeSession{SessionManager: state.NewInMemory(), up: make(chan struct{}), down: make(chan struct{})}
	close(s.up)
	close(s.down)
	return s
}

func (s *bridgeSession) ConAckReceived(w io.Writer, cp *packets.Connect, ca *packets.Connack) error {
	s.mu.Lock()
	closeOnce(s.down)
	s.up, s.down = make(chan struct{}), make(chan struct{})
	s.nMarked, s.nPublished = 0, 0
	s.mu.Unlock()
	return s.SessionManager.ConAckReceived(w, cp, ca)
}

func (s *bridgeSession) ConnectionLost(dp *packets.Disconnect) error {
	s.mu.Lock()
	closeOnce(s.down)
	s.mu.Unlock()
	return s.SessionManager.ConnectionLost(dp)
}

func (s *bridgeSession) Ack(pb *packets.Publish) error {
	err := s.SessionManager.Ack(pb)
	s.mu.Lock()
	s.nPublished++
	s.mu.Unlock()
	return err
}

// marked records a successful Client.Ack of a QoS 1 message.
func (s *bridgeSession) marked() {
	s.mu.Lock()
	s.nMarked++
	s.mu.Unlock()
}

// waitAcks waits until paho wrote every marked ack of the current connection, the
// connection is lost, or max passed.
func (s *bridgeSession) waitAcks(max time.Duration) {
	for end := time.Now().Add(max); time.Now().Before(end); time.Sleep(ackInterval) {
		s.mu.Lock()
		done := s.nPublished >= s.nMarked
		down := s.down
		s.mu.Unlock()
		select {
		case <-down:
			return
		default:
		}
		if done {
			return
		}
	}
}

// connUp marks the current connection up: paho's Connect returned.
func (s *bridgeSession) connUp() {
	s.mu.Lock()
	defer s.mu.Unlock()
	closeOnce(s.up)
}

// conn returns the current connection's channels: closed when it is up, and when it is lost.
func (s *bridgeSession) conn() (up, down <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.up, s.down
}

func closeOnce(c chan struct{}) {
	select {
	case <-c:
	default:
		close(c)
	}
}

// pahoLog writes paho's and autopaho's error logs to slog.
type pahoLog struct {
	log   *slog.Logger
	level slog.Level
}

func (l pahoLog) Println(v ...any) { l.write(func() string { return fmt.Sprintln(v...) }) }

func (l pahoLog) Printf(format string, v ...any) {
	l.write(func() string { return fmt.Sprintf(format, v...) })
}

func (l pahoLog) write(msg func() string) {
	ctx := context.Background()
	if l.log.Enabled(ctx, l.level) {
		l.log.Log(ctx, l.level, "paho: "+strings.TrimSpace(msg()))
	}
}
