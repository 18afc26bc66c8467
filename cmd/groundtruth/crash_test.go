package main_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"groundtruth/loadgen"
)

// freePort returns a loopback address that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestKill9DuringIngest is SPEC §15's crash test: devices publish over MQTT at full rate
// (half of them signed), the server is killed with SIGKILL while packs are in flight and
// restarted on the same ports, the devices reconnect and resend what was not
// acknowledged. In the end every device's packs 1..N are each present exactly once: the
// engine counted N packs and the series of the pack counter (pack k carries count = k)
// holds N readings summing to N(N+1)/2, so no pack is missing and none applied twice.
//
// GT_CRASH_FULL=1 runs it at full scale (100 devices x 3000 packs, a kill every 2 s, three
// kills); the default (10 devices, one kill after 400 ms) is small enough for every
// `go test`.
func TestKill9DuringIngest(t *testing.T) {
	devices, packs, kills, every := 10, 3000, 1, 400*time.Millisecond
	if os.Getenv("GT_CRASH_FULL") != "" {
		devices, packs, kills, every = 100, 3000, 3, 2*time.Second
	}
	data := t.TempDir()
	mqttAddr := freePort(t)
	s := startServer(t, data, "--mqtt", mqttAddr)
	out := run(t, "tenant", "create", "--data", data, "--id", "acme", "Acme Bank")
	key := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	ctx := context.Background()
	signed, err := loadgen.Provision(ctx, s.base, key, devices/2, true, "sig-")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := loadgen.Provision(ctx, s.base, key, devices-devices/2, false, "tok-")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var wg sync.WaitGroup
	reports := make([]*loadgen.Report, 2)
	errs := make([]error, 2)
	for i, ds := range [][]loadgen.Device{signed, plain} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reports[i], errs[i] = loadgen.Run(ctx, loadgen.Config{Target: "mqtt://" + mqttAddr, Devices: ds,
				Packs: packs, Start: start, Drain: time.Minute, ConnectTimeout: time.Minute})
		}()
	}
	for k := 0; k < kills; k++ {
		time.Sleep(every)
		s.cmd.Process.Signal(syscall.SIGKILL)
		s.cmd.Wait()
		t.Logf("kill %d at %v", k+1, time.Since(start).Round(time.Millisecond))
		s = startServer(t, data, "--mqtt", mqttAddr)
	}
	wg.Wait()
	for i, r := range reports {
		if errs[i] != nil {
			t.Fatalf("loadgen: %v", errs[i])
		}
		t.Logf("loadgen: %d acked, %d resent, %d lost, %d reconnects, refusals %v", r.Acked, r.Resent, r.Lost, r.Reconnects, r.Refused)
		if len(r.Refused) != 0 || r.Unacked != 0 {
			t.Errorf("refusals %v (%v), %d unacked", r.Refused, r.Reasons, r.Unacked)
		}
		for id, k := range r.LastAcked {
			if k != uint64(packs) {
				t.Errorf("device %s: last acked pack %d, want %d", id, k, packs)
			}
		}
	}
	if reports[0].Reconnects == 0 {
		t.Errorf("the devices never reconnected: the kill missed the run")
	}
	f := &fleet{s: s, key: key}
	from := start.Add(-2 * time.Hour).UTC().Truncate(time.Hour)
	dups := 0.0
	for _, d := range append(signed, plain...) {
		h := f.health(t, d.ID, func(m map[string]any) bool { return m["packs"] == float64(packs) })
		dups += h["duplicates"].(float64)
		url := fmt.Sprintf("%s/api/v1/devices/%s/series?name=count&from=%s&to=%s&step=1h", s.base, d.ID,
			from.Format(time.RFC3339), from.Add(4*time.Hour).Format(time.RFC3339))
		code, series := call(t, "GET", url, key, "")
		var n, sum float64
		pts, _ := series["points"].([]any)
		for _, p := range pts {
			n += p.(map[string]any)["count"].(float64)
			sum += p.(map[string]any)["sum"].(float64)
		}
		if code != 200 || n != float64(packs) || sum != float64(packs*(packs+1)/2) {
			t.Errorf("device %s: %d count readings summing to %g, want %d summing to %d (%d %v)",
				d.ID, int(n), sum, packs, packs*(packs+1)/2, code, series)
		}
		if h["late"] != 0.0 {
			t.Errorf("device %s: %v late readings", d.ID, h["late"])
		}
	}
	t.Logf("%d devices x %d packs, %d kills: all present exactly once; %g resends deduplicated", devices, packs, kills, dups)
}
