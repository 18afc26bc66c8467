package mqtt_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"groundtruth"
	"groundtruth/mqtt"
)

// The bridge tests run against a real external broker, named by GT_TEST_MQTT
// (e.g. tcp://127.0.0.1:1883, Mosquitto 2.0.11 with allow_anonymous). Every test uses its
// own tenant, device ids, shared subscription group and client ids, and subscribes to its
// own tenant only (BridgeOptions.Tenants), so parallel runs on one broker do not meet:
// subscribed to all tenants, an offline test session would also queue every other run's
// messages, and Mosquitto drops what exceeds max_queued_messages (1000 by default). Only
// TestBridgeDeliversSharedSubscription uses the default all-tenant filters; its bridges
// stay online, and other runs' messages name devices its finder does not know.

const bridgeWait = 20 * time.Second

func bridgeBrokerAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("GT_TEST_MQTT")
	if addr == "" {
		t.Skip("GT_TEST_MQTT is not set (e.g. tcp://127.0.0.1:1883)")
	}
	return addr
}

func randSuffix(t *testing.T) string {
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// finder is a DeviceFinder over fixed devices keyed by id alone: unlike the store it ignores
// the tenant it is asked for, so the bridge's own tenant check is exercised.
type finder map[string]*groundtruth.Device

func (f finder) Device(ctx context.Context, tenant, id string) (*groundtruth.Device, error) {
	if d, ok := f[id]; ok {
		c := *d
		return &c, nil
	}
	return nil, groundtruth.Errorf(groundtruth.ENOTFOUND, "no device %s", id)
}

func (f finder) add(tenant, id string, disabled bool) {
	d := &groundtruth.Device{ID: id, Kind: groundtruth.DeviceLoadCell, SiteID: "s1", Disabled: disabled}
	d.TenantID = tenant
	f[id] = d
}

// delivery is one payload a recorder accepted.
type delivery struct {
	bridge, tenant, device, payload string
}

// recorder is a PublishHandler that accepts payloads onto out, after fail (optional) let
// them through; fail sees the attempt number of the payload, from 1.
type recorder struct {
	name string
	out  chan delivery
	fail func(payload string, attempt int) error

	mu       sync.Mutex
	attempts map[string]int
}

func newRecorder(name string, out chan delivery, fail func(string, int) error) *recorder {
	return &recorder{name: name, out: out, fail: fail, attempts: map[string]int{}}
}

func (r *recorder) HandlePublish(ctx context.Context, dev *groundtruth.Device, topic string, payload []byte) error {
	p := string(payload)
	r.mu.Lock()
	r.attempts[p]++
	n := r.attempts[p]
	r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(p, n); err != nil {
			return err
		}
	}
	select {
	case r.out <- delivery{r.name, dev.TenantID, dev.ID, p}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *recorder) attemptsOf(payload string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts[payload]
}

// runningBridge is a bridge whose Run goroutine the test owns.
type runningBridge struct {
	*mqtt.Bridge
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// runBridge starts a bridge on the test broker and waits until it has subscribed. It stops
// when the test ends, if the test did not stop it before.
func runBridge(t *testing.T, o mqtt.BridgeOptions) *runningBridge {
	t.Helper()
	o.Broker = bridgeBrokerAddr(t)
	if o.SessionExpiry == 0 {
		o.SessionExpiry = time.Minute // in case dropSession does not run
	}
	b, err := mqtt.NewBridge(o)
	if err != nil {
		t.Fatalf("NewBridge: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rb := &runningBridge{Bridge: b, cancel: cancel, done: make(chan struct{})}
	go func() {
		rb.err = b.Run(ctx)
		close(rb.done)
	}()
	t.Cleanup(func() { rb.stop(t) })
	select {
	case <-b.Ready():
	case <-rb.done:
		t.Fatalf("Run(%s) = %v before the subscription", o.ClientID, rb.err)
	case <-time.After(bridgeWait):
		t.Fatalf("bridge %s not subscribed after %s", o.ClientID, bridgeWait)
	}
	return rb
}

// stop cancels Run and waits for it to return.
func (rb *runningBridge) stop(t *testing.T) {
	t.Helper()
	rb.cancel()
	select {
	case <-rb.done:
		if rb.err != nil {
			t.Errorf("Run = %v, want nil after cancel", rb.err)
		}
	case <-time.After(bridgeWait):
		t.Errorf("Run did not return %s after cancel", bridgeWait)
	}
}

// dialBroker connects a plain MQTT 5 client to the test broker.
func dialBroker(t *testing.T, clientID string, cleanStart bool) *paho.Client {
	t.Helper()
	u, err := url.Parse(bridgeBrokerAddr(t))
	if err != nil {
		t.Fatalf("GT_TEST_MQTT: %v", err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatalf("dial %s: %v", u.Host, err)
	}
	c := paho.NewClient(paho.ClientConfig{Conn: conn})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Connect(ctx, &paho.Connect{ClientID: clientID, CleanStart: cleanStart, KeepAlive: 30}); err != nil {
		t.Fatalf("Connect(%s): %v", clientID, err)
	}
	return c
}

// bridgeClientID returns a client id for this test and, when the test ends (after its
// bridges stopped), removes its session from the broker.
func bridgeClientID(t *testing.T, sfx, name string) string {
	id := "gt-test-" + name + "-" + sfx
	t.Cleanup(func() {
		c := dialBroker(t, id, true) // clean start, session expiry 0: the session ends
		c.Disconnect(&paho.Disconnect{})
	})
	return id
}

// newPublisher returns a client publishing like a device.
func newPublisher(t *testing.T, sfx string) *paho.Client {
	t.Helper()
	c := dialBroker(t, "gt-test-pub-"+sfx+"-"+randSuffix(t), true)
	t.Cleanup(func() { c.Disconnect(&paho.Disconnect{}) })
	return c
}

func pub(t *testing.T, c *paho.Client, topic, payload string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: []byte(payload)}); err != nil {
		t.Fatalf("Publish(%s, %q): %v", topic, payload, err)
	}
}

func upTopic(tenant, device string) string { return "gt/v1/" + tenant + "/" + device + "/up" }

// await reads deliveries until want returns true, failing the test after bridgeWait.
func await(t *testing.T, out <-chan delivery, what string, want func(delivery) bool) {
	t.Helper()
	timeout := time.After(bridgeWait)
	for {
		select {
		case d := <-out:
			if want(d) {
				return
			}
		case <-timeout:
			t.Fatalf("waiting for %s: nothing after %s", what, bridgeWait)
		}
	}
}

// countersOf keeps the counters of the given devices.
func countersOf(b *runningBridge, ids ...string) map[string]map[string]uint64 {
	all := b.Counters()
	out := map[string]map[string]uint64{}
	for _, id := range ids {
		if c, ok := all[id]; ok {
			out[id] = c
		}
	}
	return out
}

func TestBridgeDeliversSharedSubscription(t *testing.T) {
	bridgeBrokerAddr(t)
	sfx := randSuffix(t)
	tenant, group := "t-"+sfx, "g-"+sfx
	d1, d2 := "d1-"+sfx, "d2-"+sfx
	devs := finder{}
	devs.add(tenant, d1, false)
	devs.add(tenant, d2, false)

	const n = 200
	out := make(chan delivery, n)
	b1 := runBridge(t, mqtt.BridgeOptions{Group: group, ClientID: bridgeClientID(t, sfx, "b1"),
		Devices: devs, Handler: newRecorder("b1", out, nil)})
	b2 := runBridge(t, mqtt.BridgeOptions{Group: group, ClientID: bridgeClientID(t, sfx, "b2"),
		Devices: devs, Handler: newRecorder("b2", out, nil)})

	c := newPublisher(t, sfx)
	for i := range n {
		dev := []string{d1, d2}[i%2]
		pub(t, c, upTopic(tenant, dev), fmt.Sprintf("%s-%03d", dev, i))
	}

	by := map[string]string{} // payload -> bridge
	perBridge := map[string]int{}
	await(t, out, fmt.Sprintf("%d payloads", n), func(d delivery) bool {
		if prev, dup := by[d.payload]; dup {
			t.Errorf("payload %s delivered twice: to %s and %s", d.payload, prev, d.bridge)
		}
		if !strings.HasPrefix(d.payload, d.device+"-") || d.tenant != tenant {
			t.Errorf("payload %s handed over as device %s of tenant %s", d.payload, d.device, d.tenant)
		}
		by[d.payload] = d.bridge
		perBridge[d.bridge]++
		return len(by) == n
	})
	// Mosquitto hands shared subscription messages round robin to the group's members.
	if perBridge["b1"] == 0 || perBridge["b2"] == 0 {
		t.Errorf("deliveries per bridge = %v, want both bridges to get some", perBridge)
	}
	t.Logf("deliveries per bridge: %v", perBridge)

	// A handler's delivery precedes the bridge's count; once Run returned all is counted.
	b1.stop(t)
	b2.stop(t)
	accepted := map[string]uint64{}
	for _, b := range []*runningBridge{b1, b2} {
		for id, c := range countersOf(b, d1, d2) {
			for reason, v := range c {
				if reason != "accepted" {
					t.Errorf("counter %s/%s = %d, want none", id, reason, v)
				}
			}
			accepted[id] += c["accepted"]
		}
	}
	if accepted[d1] != n/2 || accepted[d2] != n/2 {
		t.Errorf("accepted over both bridges = %v, want %d each", accepted, n/2)
	}
}

func TestBridgeRefusals(t *testing.T) {
	bridgeBrokerAddr(t)
	sfx := randSuffix(t)
	tenant := "t-" + sfx
	d1, other, off, unknown := "d1-"+sfx, "other-"+sfx, "off-"+sfx, "none-"+sfx
	devs := finder{}
	devs.add(tenant, d1, false)
	devs.add("t2-"+sfx, other, false) // found by id, but belongs to another tenant
	devs.add(tenant, off, true)
	fail := func(p string, _ int) error {
		switch p {
		case "bad":
			return groundtruth.Errorf(groundtruth.EINVALID, "not a SenML pack")
		case "forged":
			return groundtruth.Errorf(groundtruth.EFORBIDDEN, "bad signature")
		}
		return nil
	}
	out := make(chan delivery, 100)
	rec := newRecorder("b", out, fail)
	id := bridgeClientID(t, sfx, "b")
	o := mqtt.BridgeOptions{Group: "g-" + sfx, ClientID: id, Tenants: []string{tenant},
		Devices: devs, Handler: rec, MaxPayload: 64}
	b := runBridge(t, o)

	c := newPublisher(t, sfx)
	pub(t, c, upTopic(tenant, unknown), "u")
	pub(t, c, upTopic(tenant, other), "w")
	pub(t, c, upTopic(tenant, off), "a")
	pub(t, c, upTopic(tenant, d1), "bad")
	pub(t, c, upTopic(tenant, d1), "forged")
	pub(t, c, upTopic(tenant, d1), strings.Repeat("x", 65))
	pub(t, c, upTopic(tenant, d1), "ok1")
	// One connection handles messages in order, so ok1 comes after all the refusals.
	await(t, out, "ok1", func(d delivery) bool { return d.payload == "ok1" })
	b.stop(t) // counts are complete once Run returned

	want := map[string]map[string]uint64{
		unknown: {"unknown_device": 1},
		other:   {"wrong_tenant": 1},
		off:     {"auth_failed": 1},
		d1:      {"payload_invalid": 1, "refused": 1, "too_large": 1, "accepted": 1},
	}
	if got := countersOf(b, unknown, other, off, d1); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Counters() = %v, want %v", got, want)
	}

	// Refused messages were acknowledged: a new connection of the same session does not
	// get them again.
	o.Handler = newRecorder("b-again", out, fail)
	b = runBridge(t, o)
	pub(t, c, upTopic(tenant, d1), "ok2")
	await(t, out, "ok2", func(d delivery) bool { return d.payload == "ok2" })
	b.stop(t)
	want = map[string]map[string]uint64{d1: {"accepted": 1}}
	if got := countersOf(b, unknown, other, off, d1); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after reconnect Counters() = %v, want %v (refusals redelivered?)", got, want)
	}
	if n := rec.attemptsOf("bad") + o.Handler.(*recorder).attemptsOf("bad"); n != 1 {
		t.Errorf("handler saw %q %d times, want 1", "bad", n)
	}
}

func TestBridgeRetriesTransientErrors(t *testing.T) {
	bridgeBrokerAddr(t)
	sfx := randSuffix(t)
	tenant, d1 := "t-"+sfx, "d1-"+sfx
	devs := finder{}
	devs.add(tenant, d1, false)
	out := make(chan delivery, 100)
	rec := newRecorder("b", out, func(p string, attempt int) error {
		if p == "m1" && attempt <= 3 {
			return groundtruth.Errorf(groundtruth.EUNAVAILABLE, "journal down")
		}
		return nil
	})
	o := mqtt.BridgeOptions{Group: "g-" + sfx, ClientID: bridgeClientID(t, sfx, "b"), Tenants: []string{tenant},
		Devices: devs, Handler: rec}
	b := runBridge(t, o)

	c := newPublisher(t, sfx)
	pub(t, c, upTopic(tenant, d1), "m1")
	await(t, out, "m1", func(d delivery) bool { return d.payload == "m1" })
	b.stop(t)
	if n := rec.attemptsOf("m1"); n != 4 {
		t.Errorf("handler attempts for m1 = %d, want 4", n)
	}
	want := map[string]map[string]uint64{d1: {"unavailable": 3, "accepted": 1}}
	if got := countersOf(b, d1); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Counters() = %v, want %v", got, want)
	}

	// m1 was acknowledged once it was accepted: the session does not redeliver it.
	runBridge(t, o)
	pub(t, c, upTopic(tenant, d1), "m2")
	await(t, out, "m2", func(d delivery) bool {
		if d.payload == "m1" {
			t.Errorf("m1 delivered again after reconnect")
		}
		return d.payload == "m2"
	})
}

func TestBridgeRedeliversUnacknowledged(t *testing.T) {
	bridgeBrokerAddr(t)
	sfx := randSuffix(t)
	tenant, d1 := "t-"+sfx, "d1-"+sfx
	devs := finder{}
	devs.add(tenant, d1, false)
	id := bridgeClientID(t, sfx, "b")
	group := "g-" + sfx

	// The first bridge never gets its message durable: the handler keeps answering
	// EUNAVAILABLE until the bridge is stopped.
	retried := make(chan struct{})
	var once sync.Once
	down := newRecorder("down", make(chan delivery, 1), func(p string, attempt int) error {
		if attempt >= 2 {
			once.Do(func() { close(retried) })
		}
		return groundtruth.Errorf(groundtruth.EUNAVAILABLE, "journal down")
	})
	b1 := runBridge(t, mqtt.BridgeOptions{Group: group, ClientID: id, Tenants: []string{tenant},
		Devices: devs, Handler: down})
	c := newPublisher(t, sfx)
	pub(t, c, upTopic(tenant, d1), "x")
	select {
	case <-retried:
	case <-time.After(bridgeWait):
		t.Fatalf("handler not retried after %s (attempts %d)", bridgeWait, down.attemptsOf("x"))
	}
	b1.stop(t) // must return while the handler keeps failing

	out := make(chan delivery, 10)
	runBridge(t, mqtt.BridgeOptions{Group: group, ClientID: id, Tenants: []string{tenant},
		Devices: devs, Handler: newRecorder("up", out, nil)})
	await(t, out, "x", func(d delivery) bool { return d.payload == "x" })
}

func TestBridgeResumesSession(t *testing.T) {
	bridgeBrokerAddr(t)
	sfx := randSuffix(t)
	tenant, d1 := "t-"+sfx, "d1-"+sfx
	devs := finder{}
	devs.add(tenant, d1, false)
	o := mqtt.BridgeOptions{Group: "g-" + sfx, ClientID: bridgeClientID(t, sfx, "b"), Tenants: []string{tenant},
		Devices: devs}

	const n = 100
	out := make(chan delivery, 2*n)
	o.Handler = newRecorder("first", out, nil)
	b := runBridge(t, o)
	c := newPublisher(t, sfx)
	pubDone := make(chan struct{})
	go func() { // the first half goes out while the bridge runs and then stops
		defer close(pubDone)
		for i := range n / 2 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err := c.Publish(ctx, &paho.Publish{Topic: upTopic(tenant, d1), QoS: 1, Payload: fmt.Appendf(nil, "p%03d", i)})
			cancel()
			if err != nil {
				t.Errorf("Publish p%03d: %v", i, err)
				return
			}
		}
	}()

	seen := map[string]int{}
	firstGot := 0
	await(t, out, "10 payloads", func(d delivery) bool {
		seen[d.payload]++
		firstGot++
		return firstGot == 10
	})
	b.stop(t)
	<-pubDone
	for i := n / 2; i < n; i++ { // the second half while no bridge is connected
		pub(t, c, upTopic(tenant, d1), fmt.Sprintf("p%03d", i))
	}

	for len(out) > 0 { // what the first bridge accepted after its 10th delivery
		d := <-out
		seen[d.payload]++
		firstGot++
	}
	o.Handler = newRecorder("second", out, nil)
	runBridge(t, o)
	await(t, out, "the remaining payloads", func(d delivery) bool {
		if d.bridge != "second" {
			t.Errorf("payload %s delivered by the stopped bridge", d.payload)
		}
		seen[d.payload]++
		return len(seen) == n
	})
	// Delivery is at least once, but a clean stop acknowledges everything it accepted.
	dups := 0
	for _, k := range seen {
		dups += k - 1
	}
	if dups != 0 {
		t.Errorf("%d payloads delivered twice; the first bridge accepted %d before it stopped", dups, firstGot)
	}
}

// tcpProxy forwards connections to the test broker until drop cuts them, holding what
// the client sends for delay, like a slow network.
type tcpProxy struct {
	ln       net.Listener
	delay    time.Duration
	mu       sync.Mutex
	conns    []net.Conn
	accepted int
}

func newTCPProxy(t *testing.T, delay time.Duration) *tcpProxy {
	t.Helper()
	u, err := url.Parse(bridgeBrokerAddr(t))
	if err != nil {
		t.Fatalf("GT_TEST_MQTT: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, delay: delay}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", u.Host)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.accepted++
			p.mu.Unlock()
			pipe := func(dst, src net.Conn, delay time.Duration) {
				buf := make([]byte, 32<<10)
				for {
					n, err := src.Read(buf)
					if n > 0 {
						time.Sleep(delay)
						if _, err := dst.Write(buf[:n]); err != nil {
							break
						}
					}
					if err != nil {
						break
					}
				}
				dst.Close()
				src.Close()
			}
			go pipe(up, c, p.delay)
			go pipe(c, up, 0)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.drop()
	})
	return p
}

func (p *tcpProxy) addr() string { return "tcp://" + p.ln.Addr().String() }

// drop closes every forwarded connection, as a network failure would.
func (p *tcpProxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *tcpProxy) connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

func TestBridgeConnectionLossDuringRetry(t *testing.T) {
	bridgeBrokerAddr(t)
	sfx := randSuffix(t)
	tenant, d1 := "t-"+sfx, "d1-"+sfx
	devs := finder{}
	devs.add(tenant, d1, false)
	proxy := newTCPProxy(t, 0)

	// The handler fails for as long as the first connection lasts. paho closes a client
	// only after the message callback returned, so the bridge must give up retrying when
	// the connection is lost, or it never reconnects and the message never gets through.
	retried := make(chan struct{})
	var once sync.Once
	out := make(chan delivery, 10)
	rec := newRecorder("b", out, func(p string, attempt int) error {
		if proxy.connections() > 1 {
			return nil
		}
		if attempt >= 2 {
			once.Do(func() { close(retried) })
		}
		return groundtruth.Errorf(groundtruth.EUNAVAILABLE, "journal down")
	})
	o := mqtt.BridgeOptions{Group: "g-" + sfx, ClientID: bridgeClientID(t, sfx, "b"), Tenants: []string{tenant},
		Devices: devs, Handler: rec}
	o.Broker = proxy.addr()
	b, err := mqtt.NewBridge(o)
	if err != nil {
		t.Fatalf("NewBridge: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	})
	select {
	case <-b.Ready():
	case <-time.After(bridgeWait):
		t.Fatalf("bridge not subscribed after %s", bridgeWait)
	}

	c := newPublisher(t, sfx)
	pub(t, c, upTopic(tenant, d1), "y")
	select {
	case <-retried:
	case <-time.After(bridgeWait):
		t.Fatalf("handler not retried after %s", bridgeWait)
	}
	proxy.drop()
	await(t, out, "y", func(d delivery) bool { return d.payload == "y" })
	if n := proxy.connections(); n < 2 {
		t.Errorf("connections = %d, want a reconnect", n)
	}
}

func TestBridgeStopConfirmsAcks(t *testing.T) {
	bridgeBrokerAddr(t)
	sfx := randSuffix(t)
	tenant, d1 := "t-"+sfx, "d1-"+sfx
	devs := finder{}
	devs.add(tenant, d1, false)
	out := make(chan delivery, 10)
	o := mqtt.BridgeOptions{Group: "g-" + sfx, ClientID: bridgeClientID(t, sfx, "b"), Tenants: []string{tenant},
		Devices: devs, Handler: newRecorder("b", out, nil)}

	// The first bridge's packets reach the broker late. When Run returned, the broker must
	// have processed its PUBACKs even so: a bridge restarted at once (here on a fast path)
	// takes the session over and must not get the acknowledged message again.
	slow := newTCPProxy(t, 100*time.Millisecond)
	o1 := o
	o1.Broker = slow.addr()
	b1, err := mqtt.NewBridge(o1)
	if err != nil {
		t.Fatalf("NewBridge: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b1.Run(ctx) }()
	defer cancel()
	select {
	case <-b1.Ready():
	case <-time.After(bridgeWait):
		t.Fatalf("bridge not subscribed after %s", bridgeWait)
	}
	c := newPublisher(t, sfx)
	pub(t, c, upTopic(tenant, d1), "a1")
	await(t, out, "a1", func(d delivery) bool { return d.payload == "a1" })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}

	runBridge(t, o)
	pub(t, c, upTopic(tenant, d1), "a2")
	await(t, out, "a2", func(d delivery) bool {
		if d.payload == "a1" {
			t.Errorf("a1 delivered again to the restarted bridge")
		}
		return d.payload == "a2"
	})
}

func TestBridgeStatus(t *testing.T) {
	bridgeBrokerAddr(t)
	sfx := randSuffix(t)
	tenant, d1 := "t-"+sfx, "d1-"+sfx
	devs := finder{}
	devs.add(tenant, d1, false)
	type status struct {
		tenant, device, payload string
		will                    bool
	}
	got := make(chan status, 10)
	st := bridgeStatusFunc(func(ctx context.Context, dev *groundtruth.Device, payload []byte, will bool) {
		got <- status{dev.TenantID, dev.ID, string(payload), will}
	})
	out := make(chan delivery, 10)
	b := runBridge(t, mqtt.BridgeOptions{Group: "g-" + sfx, ClientID: bridgeClientID(t, sfx, "b"),
		Tenants: []string{tenant}, Devices: devs, Handler: newRecorder("b", out, nil), Status: st})

	c := newPublisher(t, sfx)
	pub(t, c, "gt/v1/"+tenant+"/"+d1+"/status", "online")
	select {
	case s := <-got:
		if want := (status{tenant, d1, "online", false}); s != want {
			t.Errorf("HandleStatus got %+v, want %+v", s, want)
		}
	case <-time.After(bridgeWait):
		t.Fatalf("no status after %s", bridgeWait)
	}
	b.stop(t)
	if len(out) != 0 {
		t.Errorf("status message also went to the PublishHandler")
	}
	want := map[string]map[string]uint64{d1: {"accepted": 1}}
	if got := countersOf(b, d1); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Counters() = %v, want %v", got, want)
	}
}

type bridgeStatusFunc func(ctx context.Context, dev *groundtruth.Device, payload []byte, will bool)

func (f bridgeStatusFunc) HandleStatus(ctx context.Context, dev *groundtruth.Device, payload []byte, will bool) {
	f(ctx, dev, payload, will)
}

func TestNewBridgeOptions(t *testing.T) {
	h := newRecorder("b", make(chan delivery), nil)
	ok := mqtt.BridgeOptions{Broker: "tcp://127.0.0.1", Devices: finder{}, Handler: h}
	b, err := mqtt.NewBridge(ok)
	if err != nil {
		t.Fatalf("NewBridge(%+v): %v", ok, err)
	}
	if id := b.ClientID(); !strings.HasPrefix(id, "groundtruth-") || len(id) <= len("groundtruth-") {
		t.Errorf("ClientID() = %q, want groundtruth-<random>", id)
	}
	for name, change := range map[string]func(*mqtt.BridgeOptions){
		"no broker":       func(o *mqtt.BridgeOptions) { o.Broker = "" },
		"bad scheme":      func(o *mqtt.BridgeOptions) { o.Broker = "http://127.0.0.1:1883" },
		"no host":         func(o *mqtt.BridgeOptions) { o.Broker = "tcp://:1883" },
		"no devices":      func(o *mqtt.BridgeOptions) { o.Devices = nil },
		"no handler":      func(o *mqtt.BridgeOptions) { o.Handler = nil },
		"wildcard group":  func(o *mqtt.BridgeOptions) { o.Group = "a/b" },
		"wildcard tenant": func(o *mqtt.BridgeOptions) { o.Tenants = []string{"t1", "+"} },
		"empty tenant":    func(o *mqtt.BridgeOptions) { o.Tenants = []string{""} },
		"negative max":    func(o *mqtt.BridgeOptions) { o.MaxPayload = -1 },
	} {
		o := ok
		change(&o)
		if _, err := mqtt.NewBridge(o); err == nil {
			t.Errorf("NewBridge(%s) = nil error, want one", name)
		}
	}
}

func TestBridgeRunStopsWithoutBroker(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: every connection attempt fails
	b, err := mqtt.NewBridge(mqtt.BridgeOptions{Broker: "tcp://" + addr, Devices: finder{},
		Handler: newRecorder("b", make(chan delivery), nil)})
	if err != nil {
		t.Fatalf("NewBridge: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil after its context ended", err)
		}
	case <-time.After(bridgeWait):
		t.Fatalf("Run did not return %s after its context ended", bridgeWait)
	}
	select {
	case <-b.Ready():
		t.Errorf("Ready closed without a broker")
	default:
	}
	if err := b.Run(context.Background()); err == nil {
		t.Errorf("second Run = nil, want an error")
	}
}

func TestBridgeSessionKeptOrEnded(t *testing.T) {
	bridgeBrokerAddr(t)
	sfx := randSuffix(t)
	tenant := "t-" + sfx
	// sessionPresent connects with the bridge's client id, without a clean start, and
	// tells whether the broker still held its session.
	sessionPresent := func(id string) bool {
		t.Helper()
		u, _ := url.Parse(bridgeBrokerAddr(t))
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		c := paho.NewClient(paho.ClientConfig{Conn: conn})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		expiry := uint32(0) // this probe ends the session when it disconnects
		ca, err := c.Connect(ctx, &paho.Connect{ClientID: id, KeepAlive: 30,
			Properties: &paho.ConnectProperties{SessionExpiryInterval: &expiry}})
		if err != nil {
			t.Fatalf("Connect(%s): %v", id, err)
		}
		c.Disconnect(&paho.Disconnect{})
		return ca.SessionPresent
	}
	for _, generated := range []bool{false, true} {
		o := mqtt.BridgeOptions{Group: "g-" + sfx, Tenants: []string{tenant}, Devices: finder{},
			Handler: newRecorder("b", make(chan delivery, 1), nil)}
		if !generated {
			o.ClientID = "gt-test-kept-" + sfx
		}
		b := runBridge(t, o)
		b.stop(t)
		if got := sessionPresent(b.ClientID()); got != !generated {
			t.Errorf("generated id %v: session present after a clean stop = %v, want %v", generated, got, !generated)
		}
	}
}
