package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"
)

// MQTT 5 reason codes that loadgen treats specially.
const (
	reasonQuotaExceeded = 0x97 // PUBACK: overloaded or rate-limited, retry later
	// CONNACK codes that no amount of retrying will change.
	reasonUnsupportedProtocol = 0x84
	reasonClientIDInvalid     = 0x85
	reasonBadCredentials      = 0x86
	reasonNotAuthorized       = 0x87
	reasonBadAuthMethod       = 0x8C
)

// ackTimeout is how long a publish waits for its PUBACK on a live connection before it
// counts as lost and is sent again: long, because a server under load may hold PUBACKs
// back on purpose.
const ackTimeout = 30 * time.Second

// mqttOptions is one MQTT connection.
type mqttOptions struct {
	url            *url.URL
	clientID, user string
	password       string
	topic          string // where send publishes
	stamp          bool   // add the send time as user property "t" (bare runs)
	subscribe      *paho.Subscribe
	onPublish      func(autopaho.PublishReceived) (bool, error)
}

// mqttLink is one device's MQTT 5 connection (autopaho reconnects it). It keeps the
// context of the current connection, cancelled when the connection drops: paho forgets
// the publishes in flight on a connection lost with a session expiry of 0 without
// answering them, so the context is how their senders learn to send again.
type mqttLink struct {
	o     mqttOptions
	epoch time.Time
	cm    *autopaho.ConnectionManager

	mu         sync.Mutex
	up         chan struct{}   // closed while a connection is up
	conn       context.Context // the current connection's; cancelled when it drops
	cancel     context.CancelFunc
	connected  bool  // a connection came up once
	lastErr    error // the last failed connection attempt
	fatal      chan error
	subscribed chan struct{} // closed after the first SUBACK, when o.subscribe is set
}

// dialMQTT starts connecting; await waits for the connection.
func (r *run) dialMQTT(o mqttOptions) (*mqttLink, error) {
	l := &mqttLink{o: o, epoch: r.epoch, up: make(chan struct{}), fatal: make(chan error, 1),
		subscribed: make(chan struct{})}
	cfg := autopaho.ClientConfig{
		ServerUrls:                    []*url.URL{o.url},
		KeepAlive:                     30,
		CleanStartOnInitialConnection: true,
		ReconnectBackoff:              autopaho.NewExponentialBackoff(50*time.Millisecond, 2*time.Second, 200*time.Millisecond, 2),
		ConnectTimeout:                10 * time.Second,
		ConnectUsername:               o.user,
		ConnectPassword:               []byte(o.password),
		OnConnectionUp: func(cm *autopaho.ConnectionManager, _ *paho.Connack) {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.conn != nil {
				r.reconnects.Add(1)
			}
			l.cm = cm
			l.conn, l.cancel = context.WithCancel(r.hard)
			l.connected = true
			close(l.up)
			if o.subscribe != nil {
				go l.resubscribe(l.conn, cm)
			}
		},
		OnConnectionDown: func() bool {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.cancel()
			l.up = make(chan struct{})
			return true
		},
		OnConnectError: func(err error) {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.lastErr = err
			var ce *autopaho.ConnackError
			if l.connected || !errors.As(err, &ce) {
				return
			}
			switch ce.ReasonCode {
			case reasonUnsupportedProtocol, reasonClientIDInvalid, reasonBadCredentials, reasonNotAuthorized, reasonBadAuthMethod:
				select {
				case l.fatal <- fmt.Errorf("refused with reason 0x%02x %s", ce.ReasonCode, ce.Reason):
				default:
				}
			}
		},
		ClientConfig: paho.ClientConfig{ClientID: o.clientID, PacketTimeout: ackTimeout},
	}
	if o.onPublish != nil {
		cfg.OnPublishReceived = []func(paho.PublishReceived) (bool, error){
			func(p paho.PublishReceived) (bool, error) {
				return o.onPublish(autopaho.PublishReceived{PublishReceived: p})
			},
		}
	}
	cm, err := autopaho.NewConnection(r.hard, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", o.url.Redacted(), err)
	}
	l.mu.Lock()
	l.cm = cm
	l.mu.Unlock()
	return l, nil
}

// resubscribe subscribes on a new connection; the first SUBACK closes l.subscribed.
func (l *mqttLink) resubscribe(ctx context.Context, cm *autopaho.ConnectionManager) {
	for ctx.Err() == nil {
		sa, err := cm.Subscribe(ctx, l.o.subscribe)
		if err == nil && len(sa.Reasons) > 0 && sa.Reasons[0] < 0x80 {
			l.mu.Lock()
			select {
			case <-l.subscribed:
			default:
				close(l.subscribed)
			}
			l.mu.Unlock()
			return
		}
		l.mu.Lock()
		switch {
		case err != nil:
			l.lastErr = fmt.Errorf("subscribe: %w", err)
		case len(sa.Reasons) > 0:
			l.lastErr = fmt.Errorf("subscribe: refused with reason 0x%02x", sa.Reasons[0])
		}
		l.mu.Unlock()
		sleepUntil(ctx, time.Now().Add(time.Second))
	}
}

// await waits for a connection and returns its context.
func (l *mqttLink) await(ctx context.Context) (context.Context, error) {
	for {
		l.mu.Lock()
		up := l.up
		l.mu.Unlock()
		select {
		case <-up:
			l.mu.Lock()
			conn, same := l.conn, l.up == up
			l.mu.Unlock()
			if same {
				return conn, nil
			}
			// It went down again already: wait for the next one.
		case err := <-l.fatal:
			return nil, err
		case <-ctx.Done():
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.lastErr != nil {
				return nil, fmt.Errorf("%w (last attempt: %v)", ctx.Err(), l.lastErr)
			}
			return nil, ctx.Err()
		}
	}
}

// send publishes a pack with QoS 1 and waits for its PUBACK.
func (l *mqttLink) send(ctx context.Context, payload []byte) outcome {
	conn, err := l.await(ctx)
	if err != nil {
		return outcome{kind: outcomeAborted}
	}
	l.mu.Lock()
	cm := l.cm
	l.mu.Unlock()
	p := &paho.Publish{QoS: 1, Topic: l.o.topic, Payload: payload}
	sent := time.Now()
	if l.o.stamp {
		p.Properties = &paho.PublishProperties{User: paho.UserProperties{
			{Key: "t", Value: strconv.FormatInt(int64(sent.Sub(l.epoch)), 10)}}}
	}
	pr, err := cm.Publish(conn, p)
	switch {
	case pr != nil && pr.ReasonCode >= 0x80:
		o := outcome{kind: outcomeRefused, code: fmt.Sprintf("0x%02x", pr.ReasonCode), sent: sent}
		if pr.Properties != nil {
			o.reason = pr.Properties.ReasonString
		}
		if pr.ReasonCode == reasonQuotaExceeded {
			o.kind = outcomeRetry
		}
		return o
	case err == nil && pr != nil:
		return outcome{kind: outcomeAcked, sent: sent}
	case ctx.Err() != nil:
		return outcome{kind: outcomeAborted}
	}
	// The connection dropped (autopaho is reconnecting) or the PUBACK timed out.
	return outcome{kind: outcomeLost, reason: fmt.Sprint(err), wait: 10 * time.Millisecond, sent: sent}
}

// close disconnects, waiting a little for a clean DISCONNECT.
func (l *mqttLink) close() {
	l.mu.Lock()
	cm := l.cm
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = cm.Disconnect(ctx)
}

// bareRun is the subscriber side of a bare run.
type bareRun struct {
	links []*mqttLink
}

// subscribe connects the subscribers of a bare run and waits for their subscriptions.
func (r *run) subscribe(u *url.URL) (*bareRun, error) {
	filter := "gtbench/" + r.runID + "/#"
	if r.c.Subscribers > 1 {
		filter = "$share/gtbench-" + r.runID + "/" + filter
	}
	b := &bareRun{}
	onPublish := func(p autopaho.PublishReceived) (bool, error) {
		now := time.Now()
		if props := p.Packet.Properties; props != nil {
			if ns, err := strconv.ParseInt(props.User.Get("t"), 10, 64); err == nil {
				r.delivery.Record(now.Sub(r.epoch) - time.Duration(ns))
			}
		}
		r.received.Add(1)
		storeMax(&r.lastRecv, int64(now.Sub(r.epoch)))
		return true, nil
	}
	for i := range r.c.Subscribers {
		l, err := r.dialMQTT(mqttOptions{url: u, clientID: fmt.Sprintf("gtbench-%s-sub%d", r.runID, i+1),
			subscribe: &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: filter, QoS: 1}}},
			onPublish: onPublish})
		if err != nil {
			b.close()
			return nil, err
		}
		b.links = append(b.links, l)
	}
	ctx, cancel := context.WithTimeout(r.hard, r.c.ConnectTimeout)
	defer cancel()
	for _, l := range b.links {
		select {
		case <-l.subscribed:
		case err := <-l.fatal:
			b.close()
			return nil, fmt.Errorf("subscriber: %w", err)
		case <-ctx.Done():
			l.mu.Lock()
			err := l.lastErr
			l.mu.Unlock()
			b.close()
			return nil, fmt.Errorf("subscribe to %s on %s: %w (last error: %v)", filter, u.Redacted(), ctx.Err(), err)
		}
	}
	return b, nil
}

// drain waits until the subscribers have received as many packs as were acknowledged,
// or none arrived for two seconds.
func (b *bareRun) drain(ctx context.Context, r *run) {
	last, since := r.received.Load(), time.Now()
	for r.received.Load() < r.acked.Load() && time.Since(since) < 2*time.Second {
		if !sleepUntil(ctx, time.Now().Add(10*time.Millisecond)) {
			return
		}
		if n := r.received.Load(); n != last {
			last, since = n, time.Now()
		}
	}
}

// close disconnects the subscribers.
func (b *bareRun) close() {
	for _, l := range b.links {
		l.close()
	}
}
