package mqtt_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"groundtruth"
	"groundtruth/mqtt"
)

// devices is an in-memory DeviceLookup that, like the store, keeps only token hashes.
type devices map[string]*groundtruth.Device // by token hash

func (d devices) DeviceByToken(ctx context.Context, token string) (*groundtruth.Device, error) {
	if dev, ok := d[groundtruth.HashSecret(token)]; ok {
		c := *dev
		return &c, nil
	}
	return nil, groundtruth.Errorf(groundtruth.ENOTFOUND, "no device with this token")
}

func newDevices() devices {
	d := devices{}
	add := func(tenant, id, token string, disabled bool) {
		dev := &groundtruth.Device{ID: id, Kind: groundtruth.DeviceLoadCell, SiteID: "s1",
			TokenHash: groundtruth.HashSecret(token), HasToken: true, Disabled: disabled}
		dev.TenantID = tenant
		d[dev.TokenHash] = dev
	}
	add("t1", "d1", "tok-d1", false)
	add("t1", "d2", "tok-d2", false)
	add("t2", "d3", "tok-d3", false)
	add("t1", "off", "tok-off", false)
	d[groundtruth.HashSecret("tok-off")].Disabled = true
	return d
}

// handlerFunc adapts a function to mqtt.PublishHandler.
type handlerFunc func(ctx context.Context, dev *groundtruth.Device, topic string, payload []byte) error

func (f handlerFunc) HandlePublish(ctx context.Context, dev *groundtruth.Device, topic string, payload []byte) error {
	return f(ctx, dev, topic, payload)
}

type statusMsg struct {
	dev     string
	payload string
	will    bool
}

type statusChan chan statusMsg

func (c statusChan) HandleStatus(ctx context.Context, dev *groundtruth.Device, payload []byte, will bool) {
	c <- statusMsg{dev.ID, string(payload), will}
}

// start runs a broker on 127.0.0.1:0 until the test ends.
func start(t *testing.T, o mqtt.Options) *mqtt.Broker {
	t.Helper()
	o.Addr = "127.0.0.1:0"
	if o.Devices == nil {
		o.Devices = newDevices()
	}
	b, err := mqtt.New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return b
}

// dial connects an MQTT 5 client; it returns the CONNACK and Connect's error.
func dial(t *testing.T, b *mqtt.Broker, user, token, clientID string, will *paho.WillMessage) (*paho.Client, net.Conn, *paho.Connack, error) {
	t.Helper()
	conn, err := net.Dial("tcp", b.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c := paho.NewClient(paho.ClientConfig{Conn: conn})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ca, err := c.Connect(ctx, &paho.Connect{
		ClientID: clientID, CleanStart: true, KeepAlive: 30,
		UsernameFlag: true, Username: user, PasswordFlag: true, Password: []byte(token),
		WillMessage: will,
	})
	if err == nil {
		t.Cleanup(func() { c.Disconnect(&paho.Disconnect{}) })
	}
	return c, conn, ca, err
}

func mustDial(t *testing.T, b *mqtt.Broker, user, token string) *paho.Client {
	t.Helper()
	c, _, _, err := dial(t, b, user, token, user, nil)
	if err != nil {
		t.Fatalf("Connect(%s): %v", user, err)
	}
	return c
}

// publish sends a QoS 1 publish and returns the PUBACK reason code and reason string.
func publish(t *testing.T, c *paho.Client, topic string, payload []byte) (byte, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pr, err := c.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: payload})
	if pr == nil {
		t.Fatalf("Publish(%s) = nil response, error %v", topic, err)
	}
	reason := ""
	if pr.Properties != nil {
		reason = pr.Properties.ReasonString
	}
	return pr.ReasonCode, reason
}

func TestPublishAccepted(t *testing.T) {
	type call struct {
		dev, tenant, topic, payload string
	}
	calls := make(chan call, 1)
	b := start(t, mqtt.Options{Handler: handlerFunc(func(ctx context.Context, dev *groundtruth.Device, topic string, p []byte) error {
		calls <- call{dev.ID, dev.TenantID, topic, string(p)}
		return nil
	})})
	c := mustDial(t, b, "d1", "tok-d1")
	const body = `[{"n":"mass","u":"kg","v":1}]`
	code, _ := publish(t, c, "gt/v1/t1/d1/up", []byte(body))
	if code != 0 {
		t.Fatalf("PUBACK reason = %#x, want 0", code)
	}
	select {
	case got := <-calls:
		want := call{"d1", "t1", "gt/v1/t1/d1/up", body}
		if got != want {
			t.Errorf("HandlePublish got %+v, want %+v", got, want)
		}
	default:
		t.Fatal("PUBACK arrived but the handler was not called")
	}
	if n := b.Counters()["d1"]["accepted"]; n != 1 {
		t.Errorf("Counters()[d1][accepted] = %d, want 1", n)
	}
}

func TestPubackWaitsForHandler(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	b := start(t, mqtt.Options{Handler: handlerFunc(func(ctx context.Context, dev *groundtruth.Device, topic string, p []byte) error {
		close(entered)
		<-release
		return nil
	})})
	c := mustDial(t, b, "d1", "tok-d1")
	type result struct {
		code byte
		err  error
	}
	results := make(chan result, 1)
	go func() {
		pr, err := c.Publish(context.Background(), &paho.Publish{Topic: "gt/v1/t1/d1/up", QoS: 1, Payload: []byte("x")})
		r := result{err: err}
		if pr != nil {
			r.code = pr.ReasonCode
		}
		results <- r
	}()
	<-entered
	// Absence cannot be awaited: give an early PUBACK ample time to arrive.
	select {
	case r := <-results:
		t.Fatalf("Publish returned (%#x, %v) while the handler was still running", r.code, r.err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	select {
	case r := <-results:
		if r.err != nil || r.code != 0 {
			t.Fatalf("Publish = (%#x, %v), want (0, nil)", r.code, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no PUBACK after the handler returned")
	}
}

func TestConnectRefused(t *testing.T) {
	b := start(t, mqtt.Options{Handler: handlerFunc(func(context.Context, *groundtruth.Device, string, []byte) error { return nil })})
	for _, tc := range []struct{ name, user, token, clientID string }{
		{"wrong password", "d1", "tok-d2x", "d1"},
		{"unknown device", "nobody", "tok-nobody", "nobody"},
		{"another device's username", "d2", "tok-d1", "d2"},
		{"disabled device", "off", "tok-off", "off"},
		{"another device's client id", "d1", "tok-d1", "d2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, ca, err := dial(t, b, tc.user, tc.token, tc.clientID, nil)
			if err == nil || ca == nil || ca.ReasonCode != 0x86 {
				code := -1
				if ca != nil {
					code = int(ca.ReasonCode)
				}
				t.Fatalf("Connect(%s) = (%#x, %v), want 0x86 and an error", tc.user, code, err)
			}
		})
	}
	if n := b.Counters()[""]["auth_failed"]; n != 2 { // wrong password, unknown
		t.Errorf("Counters()[\"\"][auth_failed] = %d, want 2", n)
	}
	if n := b.Counters()["d1"]["auth_failed"]; n != 2 { // used as d2, client id d2
		t.Errorf("Counters()[d1][auth_failed] = %d, want 2", n)
	}
}

func TestPublishNotAuthorized(t *testing.T) {
	var called atomic.Int32
	b := start(t, mqtt.Options{Handler: handlerFunc(func(context.Context, *groundtruth.Device, string, []byte) error {
		called.Add(1)
		return nil
	})})
	c := mustDial(t, b, "d1", "tok-d1")
	for _, topic := range []string{
		"gt/v1/t1/d2/up", // another device
		"gt/v1/t2/d1/up", // another tenant
		"gt/v1/t2/d3/up",
		"gt/v1/t1/d1/down",
		"gt/v1/t1/d1/up/extra",
		"other",
	} {
		if code, _ := publish(t, c, topic, []byte("x")); code != 0x87 {
			t.Errorf("publish to %s: PUBACK reason = %#x, want 0x87", topic, code)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sa, _ := c.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: "gt/v1/t1/d1/up", QoS: 1}}})
	if sa == nil || len(sa.Reasons) != 1 || sa.Reasons[0] != 0x87 {
		t.Errorf("Subscribe = %+v, want reasons [0x87]", sa)
	}
	// The connection still works and the handler was never called for the above.
	if code, _ := publish(t, c, "gt/v1/t1/d1/up", []byte("x")); code != 0 {
		t.Fatalf("publish to own topic: PUBACK reason = %#x, want 0", code)
	}
	if n := called.Load(); n != 1 {
		t.Errorf("handler called %d times, want 1 (own topic only)", n)
	}
	if n := b.Counters()["d1"]["acl_denied"]; n != 7 {
		t.Errorf("Counters()[d1][acl_denied] = %d, want 7", n)
	}
}

func TestHandlerErrors(t *testing.T) {
	var next error
	var mu sync.Mutex
	b := start(t, mqtt.Options{Handler: handlerFunc(func(context.Context, *groundtruth.Device, string, []byte) error {
		mu.Lock()
		defer mu.Unlock()
		return next
	})})
	c := mustDial(t, b, "d1", "tok-d1")
	for _, tc := range []struct {
		err    error
		code   byte
		reason string
	}{
		{groundtruth.FieldErrorf("e[0].v", "NaN is not a value"), 0x99, "e[0].v: NaN is not a value"},
		{groundtruth.Errorf(groundtruth.EINVALID, "unit %q does not match %q", "g", "kg"), 0x99, `unit "g" does not match "kg"`},
		{groundtruth.Errorf(groundtruth.EUNAVAILABLE, "journal busy"), 0x97, "journal busy"},
		{groundtruth.Errorf(groundtruth.ETOOLARGE, "too many records"), 0x95, "too many records"},
		{errors.New("disk on fire"), 0x80, "unspecified error"},
		{nil, 0x00, ""},
	} {
		mu.Lock()
		next = tc.err
		mu.Unlock()
		code, reason := publish(t, c, "gt/v1/t1/d1/up", []byte("x"))
		if code != tc.code || reason != tc.reason {
			t.Errorf("handler error %v: PUBACK = (%#x, %q), want (%#x, %q)", tc.err, code, reason, tc.code, tc.reason)
		}
	}
	want := map[string]uint64{"payload_invalid": 2, "unavailable": 1, "too_large": 1, "failed": 1, "accepted": 1}
	for k, v := range want {
		if got := b.Counters()["d1"][k]; got != v {
			t.Errorf("Counters()[d1][%s] = %d, want %d", k, got, v)
		}
	}
}

func TestOversizePayload(t *testing.T) {
	var called atomic.Int32
	b := start(t, mqtt.Options{MaxPayload: 16, Handler: handlerFunc(func(context.Context, *groundtruth.Device, string, []byte) error {
		called.Add(1)
		return nil
	})})
	c := mustDial(t, b, "d1", "tok-d1")
	if code, _ := publish(t, c, "gt/v1/t1/d1/up", make([]byte, 17)); code != 0x95 {
		t.Errorf("17-byte payload: PUBACK reason = %#x, want 0x95", code)
	}
	if code, _ := publish(t, c, "gt/v1/t1/d1/up", make([]byte, 16)); code != 0 {
		t.Errorf("16-byte payload: PUBACK reason = %#x, want 0", code)
	}
	if n := called.Load(); n != 1 {
		t.Errorf("handler called %d times, want 1", n)
	}
	// A packet above the broker's maximum packet size (MaxPayload + 4 KiB, advertised in the
	// CONNACK) makes mochi close the connection without acknowledging it.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	results := make(chan error, 1)
	go func() {
		pr, err := c.Publish(ctx, &paho.Publish{Topic: "gt/v1/t1/d1/up", QoS: 1, Payload: make([]byte, 64<<10)})
		if err == nil && pr != nil && pr.ReasonCode < 0x80 {
			err = nil
		} else if err == nil {
			err = errors.New("refused")
		}
		results <- err
	}()
	select {
	case <-c.Done():
	case err := <-results:
		if err == nil {
			t.Fatal("64 KiB payload acknowledged with success")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("64 KiB payload: connection neither closed nor publish refused")
	}
	cancel()
	if err := <-results; err == nil {
		t.Error("64 KiB payload acknowledged with success")
	}
	if n := called.Load(); n != 1 {
		t.Errorf("handler called %d times, want 1", n)
	}
}

func TestStatusAndWill(t *testing.T) {
	status := make(statusChan, 2)
	b := start(t, mqtt.Options{Status: status, Handler: handlerFunc(func(context.Context, *groundtruth.Device, string, []byte) error {
		t.Error("HandlePublish called for a status message")
		return nil
	})})
	will := &paho.WillMessage{Topic: "gt/v1/t1/d1/status", QoS: 1, Payload: []byte("dead")}
	c, conn, _, err := dial(t, b, "d1", "tok-d1", "d1", will)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if code, _ := publish(t, c, "gt/v1/t1/d1/status", []byte("alive")); code != 0 {
		t.Fatalf("status publish: PUBACK reason = %#x, want 0", code)
	}
	if got, want := <-status, (statusMsg{"d1", "alive", false}); got != want {
		t.Errorf("HandleStatus got %+v, want %+v", got, want)
	}
	conn.Close() // power cut: no DISCONNECT, so the broker sends the will
	select {
	case got := <-status:
		if want := (statusMsg{"d1", "dead", true}); got != want {
			t.Errorf("HandleStatus got %+v, want %+v", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("last will not delivered to the StatusHandler")
	}
}

func TestAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	_, err = mqtt.New(mqtt.Options{Addr: addr, Devices: newDevices(),
		Handler: handlerFunc(func(context.Context, *groundtruth.Device, string, []byte) error { return nil })})
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("New(%s) with the port taken = %v, want an error naming the address", addr, err)
	}
}
