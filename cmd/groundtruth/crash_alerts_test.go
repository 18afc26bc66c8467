package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"groundtruth/loadgen"
)

// TestKill9WithAlertsInFlight: alerts raised by telemetry are written to the store ahead
// of the telemetry they came with, and the store's projected sequence must not move with
// them. The server is killed with SIGKILL while devices publish and alert probes open and
// resolve tamper alerts, right after half the devices sent their last packs (acknowledged,
// so in the journal, and most likely still held), then restarted; once the load is over,
// the store holds exactly the alerts, actions, device health and series buckets that a
// store rebuilt from the journal alone holds. (Moving the projected sequence with an early
// write loses the held packs of the devices that fell silent: the test caught that in two
// runs of three.)
func TestKill9WithAlertsInFlight(t *testing.T) {
	data := t.TempDir()
	mqttAddr := freePort(t)
	s := startServer(t, data, "--mqtt", mqttAddr, "--webhook-allow-private")
	out := run(t, "tenant", "create", "--data", data, "--id", "acme", "Acme Bank")
	key := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	ctx := context.Background()
	devs, err := loadgen.Provision(ctx, s.base, key, 10, false, "load")
	if err != nil {
		t.Fatal(err)
	}
	probes, err := loadgen.Provision(ctx, s.base, key, 4, false, "probe")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var rep *loadgen.Report
	var probeRep *loadgen.ProbeReport
	var runErr, probeErr error
	pctx, stop := context.WithTimeout(ctx, 4*time.Second)
	defer stop()
	// Half the devices stop sending just before the kill: what the server held of their
	// last packs is only in the journal, and no later pack of theirs rewrites their rows.
	var quiet *loadgen.Report
	var quietErr error
	quietDone := make(chan struct{})
	go func() {
		defer close(quietDone)
		quiet, quietErr = loadgen.Run(ctx, loadgen.Config{Target: "mqtt://" + mqttAddr, Devices: devs[:5], Rate: 200,
			Duration: 1300 * time.Millisecond, Drain: time.Minute, ConnectTimeout: time.Minute})
	}()
	wg.Go(func() {
		rep, runErr = loadgen.Run(ctx, loadgen.Config{Target: "mqtt://" + mqttAddr, Devices: devs[5:], Rate: 200,
			Duration: 4 * time.Second, Drain: time.Minute, ConnectTimeout: time.Minute})
	})
	wg.Go(func() {
		probeRep, probeErr = loadgen.RunProbe(pctx, loadgen.ProbeConfig{Server: s.base, APIKey: key,
			Target: "tcp://" + mqttAddr, Devices: probes, Every: 100 * time.Millisecond, Timeout: 2 * time.Second})
	})
	<-quietDone // their last packs are acknowledged (in the journal) and most likely still held
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	s = startServer(t, data, "--mqtt", mqttAddr, "--webhook-allow-private")
	wg.Wait()
	if runErr != nil || quietErr != nil || probeErr != nil {
		t.Fatalf("loadgen: %v, %v; probes: %v", runErr, quietErr, probeErr)
	}
	if quiet.Unacked != 0 || quiet.Acked == 0 {
		t.Fatalf("the devices stopping before the kill: %d acked, %d unacked", quiet.Acked, quiet.Unacked)
	}
	if rep.Reconnects == 0 || probeRep.Latency.Count < 10 {
		t.Fatalf("the kill missed the run: %d reconnects, %d alerts measured", rep.Reconnects, probeRep.Latency.Count)
	}
	t.Logf("loadgen: %d packs acked, %d reconnects; probes: %d alerts by webhook, %d missed", rep.Acked, rep.Reconnects,
		probeRep.Latency.Count, probeRep.Missed)

	// Stop cleanly (it writes what it holds), then rebuild a store from a copy of the
	// journal alone and compare.
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
	s = startServer(t, data)
	got := append(alertRows(t, s.base, key), healthRows(t, s.base, key, devs)...)
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()

	rebuilt := t.TempDir()
	if err := exec.Command("cp", "-a", filepath.Join(data, "journal"), filepath.Join(data, "webhook.key"), rebuilt).Run(); err != nil {
		t.Fatal(err)
	}
	r := startServer(t, rebuilt)
	want := append(alertRows(t, r.base, key), healthRows(t, r.base, key, devs)...)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("alerts, actions and device health after the crash differ from a rebuild from the journal:\n got %d: %v\nwant %d: %v",
			len(got), got, len(want), want)
	}
	tampers := 0
	for _, a := range got {
		if strings.HasPrefix(a, "alerts tamper ") {
			tampers++
		}
	}
	if tampers < int(probeRep.Latency.Count) {
		t.Errorf("%d tamper alerts in the store, fewer than the %d delivered by webhook", tampers, probeRep.Latency.Count)
	}
	t.Logf("%d alerts, actions and health rows, %d of them tamper alerts, equal after the crash and in the rebuild", len(got), tampers)
}

// healthRows lists the packs and readings each device's health counts.
func healthRows(t *testing.T, base, key string, devs []loadgen.Device) []string {
	t.Helper()
	var rows []string
	for _, d := range devs {
		code, h := call(t, "GET", base+"/api/v1/devices/"+d.ID+"/health", key, "")
		if code != 200 {
			t.Fatalf("health of %s: %d %v", d.ID, code, h)
		}
		rows = append(rows, fmt.Sprintf("health %s packs=%v readings=%v duplicates=%v late=%v", d.ID, h["packs"], h["readings"], h["duplicates"], h["late"]))
		// The series buckets too: a bucket no later pack touches is not written again.
		from := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Hour)
		url := fmt.Sprintf("%s/api/v1/devices/%s/series?name=count&from=%s&to=%s&step=1m", base, d.ID,
			from.Format(time.RFC3339), from.Add(4*time.Hour).Format(time.RFC3339))
		code, series := call(t, "GET", url, key, "")
		if code != 200 {
			t.Fatalf("series of %s: %d %v", d.ID, code, series)
		}
		b, _ := json.Marshal(series["points"])
		rows = append(rows, "series "+d.ID+" "+string(b))
	}
	return rows
}

// alertRows lists every alert and action of the key's tenant as comparable lines.
func alertRows(t *testing.T, base, key string) []string {
	t.Helper()
	var rows []string
	for _, kind := range []string{"alerts", "actions"} {
		cursor := ""
		for {
			code, page := call(t, "GET", base+"/api/v1/"+kind+"?limit=500"+cursor, key, "")
			if code != 200 {
				t.Fatalf("GET %s: %d %v", kind, code, page)
			}
			items, _ := page["items"].([]any)
			for _, it := range items {
				m := it.(map[string]any)
				b, _ := json.Marshal(m)
				rows = append(rows, kind+" "+m["rule"].(string)+" "+string(b))
			}
			next, _ := page["next_cursor"].(string)
			if next == "" {
				break
			}
			cursor = "&cursor=" + next
		}
	}
	slices.Sort(rows)
	return rows
}
