package main_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestLoadgenAlertProbe: `loadgen --alert-probes` measures reading->alert latency end to
// end on a real server: each probe's tamper report opens an alert whose action reaches
// loadgen's webhook receiver, and every alert it counted is in the server's alert list;
// the tenant's webhook is disabled again afterwards.
func TestLoadgenAlertProbe(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, data, "--webhook-allow-private")
	out := run(t, "tenant", "create", "--data", data, "--id", "acme", "Acme Bank")
	key := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	out = run(t, "loadgen", "--server", s.base, "--mqtt", s.mqtt, "--api-key", key, "--devices", "4", "--rate", "40",
		"--duration", "3s", "--alert-probes", "2", "--alert-every", "250ms", "--prefix", "lg", "--quiet", "--json")
	var rep struct {
		Acked int64 `json:"packs_acked"`
		Probe *struct {
			Probes  int   `json:"probes"`
			Sent    int64 `json:"sent"`
			Missed  int64 `json:"missed"`
			Failed  int64 `json:"failed"`
			Latency struct {
				Count int64   `json:"count"`
				P99   float64 `json:"p99_ms"`
			} `json:"latency"`
		} `json:"alert_probe"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("loadgen --json: %v\n%s", err, out)
	}
	p := rep.Probe
	if rep.Acked < 80 || p == nil || p.Probes != 2 || p.Missed != 0 || p.Failed != 0 || p.Latency.Count < 10 || p.Latency.Count != p.Sent {
		t.Fatalf("report: %s\nwant about 120 packs and two probes with ~24 alerts, none missed", out)
	}
	if p.Latency.P99 <= 0 || p.Latency.P99 > 10_000 {
		t.Errorf("p99 %v ms: not a measured latency", p.Latency.P99)
	}
	// Every measured alert exists: one tamper alert per probe cycle, on the probe devices.
	code, body := call(t, "GET", s.base+"/api/v1/alerts?rule=tamper&limit=500", key, "")
	if code != 200 {
		t.Fatalf("alerts: %d %v", code, body)
	}
	items, _ := body["items"].([]any)
	perDevice := map[string]int{}
	for _, it := range items {
		perDevice[it.(map[string]any)["subject"].(string)]++
	}
	if len(items) < int(p.Latency.Count) || perDevice["device:lg-probe-00001"] == 0 || perDevice["device:lg-probe-00002"] == 0 || len(perDevice) != 2 {
		t.Errorf("tamper alerts by subject %v (%d), want them on the two probe devices, at least %d", perDevice, len(items), p.Latency.Count)
	}
	if code, body := call(t, "GET", s.base+"/api/v1/webhook", key, ""); code != 200 || body["disabled"] != true {
		t.Errorf("webhook after the run: %d %v, want it disabled again", code, body)
	}
}
