package loadgen_test

import (
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"groundtruth/loadgen"
)

// broker returns the MQTT broker of GT_TEST_MQTT (e.g. tcp://127.0.0.1:1883) or skips.
func broker(t *testing.T) string {
	t.Helper()
	u := os.Getenv("GT_TEST_MQTT")
	if u == "" {
		t.Skip("GT_TEST_MQTT is not set (e.g. tcp://127.0.0.1:1883)")
	}
	return u
}

func TestBareRun(t *testing.T) {
	target := broker(t)
	rep, err := loadgen.Run(t.Context(), loadgen.Config{Target: target, Bare: true,
		Devices: loadgen.BareDevices(20), Packs: 50})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", rep)
	if rep.Acked != 1000 || rep.Received != 1000 || rep.Unacked != 0 || rep.RefusedTotal() != 0 {
		t.Errorf("acked %d, received %d, unacked %d, refused %v; want 1000, 1000, 0, none", rep.Acked, rep.Received, rep.Unacked, rep.Refused)
	}
	if rep.Records != 10000 || rep.Mode != loadgen.ModeBare {
		t.Errorf("records %d, mode %q", rep.Records, rep.Mode)
	}
	for _, l := range []loadgen.Latency{rep.AckLatency, *rep.DeliveryLatency} {
		if l.Count != 1000 || l.P50 <= 0 || l.P99 < l.P50 || l.Max < l.P99 {
			t.Errorf("latency %+v: want 1000 values with 0 < p50 <= p99 <= max", l)
		}
	}
	for id, k := range rep.LastAcked {
		if k != 50 {
			t.Errorf("LastAcked[%s] = %d, want 50", id, k)
		}
	}
	if len(rep.LastAcked) != 20 {
		t.Errorf("LastAcked has %d devices", len(rep.LastAcked))
	}
}

func TestBareRunDurationAndRate(t *testing.T) {
	target := broker(t)
	rep, err := loadgen.Run(t.Context(), loadgen.Config{Target: target, Bare: true,
		Devices: loadgen.BareDevices(5), Rate: 200, Duration: time.Second, InFlight: 4, PackSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", rep)
	// 200 packs/s for 1 s: about 200 packs, paced, not as many as the broker takes.
	if rep.Acked < 100 || rep.Acked > 210 || rep.Unacked != 0 {
		t.Errorf("acked %d, unacked %d; want about 200 and 0", rep.Acked, rep.Unacked)
	}
}

// TestReconnectResends cuts every connection to the broker a few times during a run
// and checks that no device skipped a pack: each ends with all its packs acknowledged.
func TestReconnectResends(t *testing.T) {
	target := broker(t)
	p := newProxy(t, strings.TrimPrefix(target, "tcp://"))
	done := make(chan struct{})
	go func() {
		for range 3 {
			select {
			case <-time.After(150 * time.Millisecond):
				p.cut()
			case <-done:
				return
			}
		}
	}()
	rep, err := loadgen.Run(t.Context(), loadgen.Config{Target: "tcp://" + p.addr, Bare: true,
		Devices: loadgen.BareDevices(10), Packs: 300, InFlight: 3, Rate: 6000})
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", rep)
	if rep.Acked != 3000 || rep.Unacked != 0 {
		t.Errorf("acked %d, unacked %d; want 3000, 0", rep.Acked, rep.Unacked)
	}
	if rep.Reconnects == 0 || rep.Lost == 0 || rep.Resent == 0 {
		t.Errorf("reconnects %d, lost %d, resent %d: the cuts were not seen", rep.Reconnects, rep.Lost, rep.Resent)
	}
	if max := int64(10 * 3 * 3); rep.Lost > max { // devices x in flight x cuts
		t.Errorf("lost %d sends, more than the %d in flight at the cuts: a resend was lost too", rep.Lost, max)
	}
	for id, k := range rep.LastAcked {
		if k != 300 {
			t.Errorf("LastAcked[%s] = %d, want 300", id, k)
		}
	}
}

// proxy forwards TCP connections to a broker and can cut them all.
type proxy struct {
	addr  string
	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(t *testing.T, upstream string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &proxy{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", upstream)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { io.Copy(u, c); u.Close() }()
			go func() { io.Copy(c, u); c.Close() }()
		}
	}()
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
