package main_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"groundtruth/ingest"
)

// requireTool finds a program that a test drives; under CI its absence fails the test.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (Debian package mosquitto-clients); CI must install it", name)
		}
		t.Skipf("%s is not installed (Debian package mosquitto-clients)", name)
	}
	return p
}

// fleet is a tenant with a warehouse and two load cells: cell-1 with a token only, cell-2
// with a token and an Ed25519 key.
type fleet struct {
	s      *server
	key    string // admin API key
	tenant string
	tokens map[string]string
	priv   ed25519.PrivateKey
}

func newFleet(t *testing.T, s *server, data string) *fleet {
	t.Helper()
	out := run(t, "tenant", "create", "--data", data, "--id", "acme", "Acme Bank")
	f := &fleet{s: s, tenant: "acme", tokens: map[string]string{},
		key: strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])}
	api := s.base + "/api/v1"
	if code, m := call(t, "POST", api+"/sites", f.key, `{"id":"wh1","name":"Qingdao warehouse","kind":"warehouse","boundary":{"type":"Polygon","coordinates":[[[120.31,36.08],[120.312,36.08],[120.312,36.082],[120.31,36.082],[120.31,36.08]]]}}`); code != 201 {
		t.Fatalf("create site: %d %v", code, m)
	}
	for _, id := range []string{"cell-1", "cell-2"} {
		if code, m := call(t, "POST", api+"/devices", f.key, `{"id":"`+id+`","kind":"load_cell","site_id":"wh1","interval":"1m"}`); code != 201 {
			t.Fatalf("create %s: %d %v", id, code, m)
		}
		code, m := call(t, "POST", api+"/devices/"+id+"/token", f.key, "")
		if code != 200 {
			t.Fatalf("token of %s: %d %v", id, code, m)
		}
		f.tokens[id] = m["token"].(string)
	}
	pub, priv, _ := ed25519.GenerateKey(nil)
	f.priv = priv
	body := `{"public_key":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`
	if code, m := call(t, "PUT", api+"/devices/cell-2/public-key", f.key, body); code != 200 {
		t.Fatalf("register key: %d %v", code, m)
	}
	return f
}

// health polls a device's health until ok accepts it.
func (f *fleet) health(t *testing.T, id string, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	var m map[string]any
	for i := 0; i < 100; i++ {
		var code int
		code, m = call(t, "GET", f.s.base+"/api/v1/devices/"+id+"/health", f.key, "")
		if code == 200 && ok(m) {
			return m
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("health of %s never matched: %v", id, m)
	return nil
}

func senmlNow(mass float64) string {
	return fmt.Sprintf(`[{"bn":"cell:","bt":%d,"n":"mass","u":"kg","v":%g},{"n":"temp","u":"Cel","v":18.5}]`, time.Now().Unix(), mass)
}

// TestMosquittoPubAgainstTheEmbeddedBroker: a client nobody here wrote (Debian's
// mosquitto_pub, MQTT 5) publishes to the embedded broker with a device's credentials; a
// wrong password, another device's topic, a wrong unit and a forged JWS are refused with
// their reason codes, and the accepted packs show in the device's health.
func TestMosquittoPubAgainstTheEmbeddedBroker(t *testing.T) {
	pubBin := requireTool(t, "mosquitto_pub")
	data := t.TempDir()
	s := startServer(t, data)
	f := newFleet(t, s, data)
	host, port, _ := net.SplitHostPort(s.mqtt)
	pub := func(user, pass, topic, msg string) string {
		t.Helper()
		args := []string{"-h", host, "-p", port, "-V", "mqttv5", "-q", "1", "-d", "-u", user, "-P", pass, "-t", topic, "-m", msg}
		out, _ := exec.Command(pubBin, args...).CombinedOutput()
		return string(out)
	}
	up := func(dev string) string { return "gt/v1/acme/" + dev + "/up" }

	if out := pub("cell-1", f.tokens["cell-1"], up("cell-1"), senmlNow(1200.5)); !strings.Contains(out, "received PUBACK (Mid: 1, RC:0)") {
		t.Fatalf("valid SenML pack:\n%s", out)
	}
	if out := pub("cell-1", "not-the-token", up("cell-1"), senmlNow(1)); !strings.Contains(out, "Bad User Name or Password") {
		t.Errorf("wrong password:\n%s", out)
	}
	if out := pub("cell-1", f.tokens["cell-1"], up("cell-2"), senmlNow(1)); !strings.Contains(out, "RC:135") {
		t.Errorf("another device's topic:\n%s", out)
	}
	if out := pub("cell-1", f.tokens["cell-1"], up("cell-1"), `[{"n":"mass","u":"lb","v":3}]`); !strings.Contains(out, "RC:153") || !strings.Contains(out, "unit_mismatch") {
		t.Errorf("wrong unit:\n%s", out)
	}
	_, other, _ := ed25519.GenerateKey(nil)
	forged, _ := ingest.Sign(other, "cell-2", 1, []byte(senmlNow(9999)))
	if out := pub("cell-2", f.tokens["cell-2"], up("cell-2"), string(forged)); !strings.Contains(out, "RC:135") || !strings.Contains(out, "signature_invalid") {
		t.Errorf("forged JWS:\n%s", out)
	}
	signed, _ := ingest.Sign(f.priv, "cell-2", 7, []byte(senmlNow(1300)))
	if out := pub("cell-2", f.tokens["cell-2"], up("cell-2"), string(signed)); !strings.Contains(out, "RC:0") {
		t.Errorf("signed pack:\n%s", out)
	}
	if out := pub("cell-2", f.tokens["cell-2"], up("cell-2"), string(signed)); !strings.Contains(out, "RC:0") {
		t.Errorf("the same signed pack resent (a lost PUBACK) must be acknowledged:\n%s", out)
	}
	replay, _ := ingest.Sign(f.priv, "cell-2", 7, []byte(senmlNow(1)))
	if out := pub("cell-2", f.tokens["cell-2"], up("cell-2"), string(replay)); !strings.Contains(out, "RC:135") || !strings.Contains(out, "replay") {
		t.Errorf("replayed seq:\n%s", out)
	}

	h1 := f.health(t, "cell-1", func(m map[string]any) bool { return m["packs"] == 1.0 })
	last, _ := h1["last"].(map[string]any)
	if mass, _ := last["mass"].(map[string]any); h1["readings"] != 2.0 || mass["v"] != 1200.5 {
		t.Errorf("cell-1 health: %v", h1)
	}
	if rej, _ := h1["rejected"].(map[string]any); rej["unit_mismatch"] != 1.0 {
		t.Errorf("cell-1 refusals: %v", h1["rejected"])
	}
	h2 := f.health(t, "cell-2", func(m map[string]any) bool { return m["packs"] == 1.0 })
	rej, _ := h2["rejected"].(map[string]any)
	if h2["last_seq"] != 7.0 || rej["signature_invalid"] != 1.0 || rej["replay"] != 1.0 {
		t.Errorf("cell-2 health: %v", h2)
	}
}

// TestHTTPIngest posts SenML, plain JSON, a JWS array and bad payloads with device tokens.
func TestHTTPIngest(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, data)
	f := newFleet(t, s, data)
	post := func(token, ctype, body string) (int, map[string]any, http.Header) {
		t.Helper()
		req, _ := http.NewRequest("POST", s.base+"/api/v1/ingest", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", ctype)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m, resp.Header
	}
	if code, m, _ := post(f.tokens["cell-1"], "application/senml+json", senmlNow(10)); code != 202 || m["packs"] != 1.0 || m["readings"] != 2.0 {
		t.Errorf("SenML: %d %v", code, m)
	}
	if code, m, _ := post(f.tokens["cell-1"], "application/json", fmt.Sprintf(`{"t":%d,"mass":11,"door":true}`, time.Now().Unix())); code != 202 || m["readings"] != 2.0 {
		t.Errorf("plain JSON: %d %v", code, m)
	}
	code, m, _ := post(f.tokens["cell-1"], "application/json", `{"mass":1e999}`)
	if detail, _ := m["detail"].(string); code != 422 || !strings.Contains(detail, "not_finite") {
		t.Errorf("infinite value: %d %v", code, m)
	}
	if code, m, _ := post(f.key, "application/json", `{"mass":1}`); code != 401 {
		t.Errorf("an API key is not a device token: %d %v", code, m)
	}
	var arr []string
	for seq := uint64(1); seq <= 3; seq++ {
		j, _ := ingest.Sign(f.priv, "cell-2", seq, []byte(senmlNow(float64(seq))))
		arr = append(arr, string(j))
	}
	body, _ := json.Marshal(arr)
	if code, m, _ := post(f.tokens["cell-2"], "application/json", string(body)); code != 202 || m["packs"] != 3.0 {
		t.Errorf("JWS back-fill: %d %v", code, m)
	}
	if code, m, _ := post(f.tokens["cell-2"], "application/jose", arr[0]); code != 202 || m["duplicates"] != 1.0 {
		t.Errorf("resent JWS: %d %v", code, m)
	}
	f.health(t, "cell-2", func(m map[string]any) bool { return m["packs"] == 3.0 && m["last_seq"] == 3.0 })
	f.health(t, "cell-1", func(m map[string]any) bool { return m["packs"] == 2.0 && m["readings"] == 4.0 })
	day := time.Now().UTC().Truncate(24 * time.Hour)
	url := fmt.Sprintf("%s/api/v1/devices/cell-1/series?name=mass&from=%s&to=%s&step=24h", s.base,
		day.Format(time.RFC3339), day.Add(48*time.Hour).Format(time.RFC3339))
	code, series := call(t, "GET", url, f.key, "")
	pts, _ := series["points"].([]any)
	if code != 200 || len(pts) != 1 {
		t.Fatalf("series: %d %v", code, series)
	}
	if p := pts[0].(map[string]any); p["count"] != 2.0 || p["sum"] != 21.0 || p["min"] != 10.0 || p["max"] != 11.0 || p["last"] != 11.0 {
		t.Errorf("series point = %v, want the readings 10 and 11", p)
	}
	// The tenant's policy requires signatures: an unsigned pack is refused as unsigned
	// (once the service's 2 s cache of the policy has expired), a signed one accepted.
	if code, m := call(t, "PUT", s.base+"/api/v1/policy", f.key, `{"require_signatures":true}`); code != 200 {
		t.Fatalf("put policy: %d %v", code, m)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, m, _ := post(f.tokens["cell-1"], "application/json", fmt.Sprintf(`{"t":%d,"mass":12}`, time.Now().Unix()))
		detail, _ := m["detail"].(string)
		if code == 403 && strings.Contains(detail, "unsigned: the tenant's policy requires signed packs") {
			break
		}
		if code != 202 || time.Now().After(deadline) {
			t.Fatalf("unsigned pack under require_signatures: %d %v", code, m)
		}
		time.Sleep(200 * time.Millisecond)
	}
	j, _ := ingest.Sign(f.priv, "cell-2", 4, []byte(senmlNow(4)))
	if code, m, _ := post(f.tokens["cell-2"], "application/jose", string(j)); code != 202 || m["packs"] != 1.0 {
		t.Errorf("signed pack under require_signatures: %d %v", code, m)
	}
	f.health(t, "cell-1", func(m map[string]any) bool {
		r, _ := m["rejected"].(map[string]any)
		return r != nil && r["unsigned"] == 1.0
	})
	// The same outcomes, summed over devices, at /metrics.
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, line := range []string{`groundtruth_ingest_outcomes_total{outcome="not_finite",source="ingest"} 1`,
		`groundtruth_ingest_outcomes_total{outcome="unsigned",source="ingest"} 1`} {
		if !strings.Contains(string(metrics), line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}
}

// TestBridgeModeWithMosquitto: with --mqtt-broker, the server subscribes to the real
// Mosquitto (GT_TEST_MQTT) with a shared subscription; a device publishing there through
// Mosquitto (which does no device auth here) gets its pack validated and applied like
// one sent to the embedded broker, and a wrong unit is recorded as a refusal.
func TestBridgeModeWithMosquitto(t *testing.T) {
	broker := os.Getenv("GT_TEST_MQTT")
	if broker == "" {
		t.Skip("GT_TEST_MQTT is not set")
	}
	pubBin := requireTool(t, "mosquitto_pub")
	data := t.TempDir()
	s := startServer(t, data, "--mqtt-broker", broker)
	tenant := fmt.Sprintf("br%d", time.Now().UnixNano()%1e9)
	out := run(t, "tenant", "create", "--data", data, "--id", tenant, "Bridge Bank")
	key := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	api := s.base + "/api/v1"
	if code, m := call(t, "POST", api+"/sites", key, `{"id":"wh1","name":"WH","kind":"warehouse","boundary":{"type":"Polygon","coordinates":[[[120.31,36.08],[120.312,36.08],[120.312,36.082],[120.31,36.082],[120.31,36.08]]]}}`); code != 201 {
		t.Fatalf("site: %d %v", code, m)
	}
	if code, m := call(t, "POST", api+"/devices", key, `{"id":"cell-9","kind":"load_cell","site_id":"wh1","interval":"1m"}`); code != 201 {
		t.Fatalf("device: %d %v", code, m)
	}
	host, port, _ := net.SplitHostPort(strings.TrimPrefix(broker, "tcp://"))
	topic := "gt/v1/" + tenant + "/cell-9/up"
	f := &fleet{s: s, key: key}
	// The bridge subscribes once the node is ready; publish until its first pack lands.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if out, err := exec.Command(pubBin, "-h", host, "-p", port, "-V", "mqttv5", "-q", "1", "-t", topic, "-m", senmlNow(77)).CombinedOutput(); err != nil {
			t.Fatalf("mosquitto_pub: %v %s", err, out)
		}
		code, m := call(t, "GET", api+"/devices/cell-9/health", key, "")
		if code == 200 && m["packs"] != 0.0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pack arrived through the bridge: %d %v", code, m)
		}
		time.Sleep(300 * time.Millisecond)
	}
	// Mosquitto round-robins a shared subscription over every member with a live session,
	// including those of earlier runs that are gone: publish until one reaches this server.
	for {
		exec.Command(pubBin, "-h", host, "-p", port, "-V", "mqttv5", "-q", "1", "-t", topic, "-m", `[{"n":"mass","u":"lb","v":1}]`).Run()
		_, m := call(t, "GET", api+"/devices/cell-9/health", key, "")
		if rej, _ := m["rejected"].(map[string]any); rej["unit_mismatch"] != nil {
			break
		}
		if time.Now().After(deadline.Add(20 * time.Second)) {
			t.Fatalf("the refusal never arrived through the bridge: %v", m)
		}
		time.Sleep(300 * time.Millisecond)
	}
	f.health(t, "cell-9", func(m map[string]any) bool {
		last, _ := m["last"].(map[string]any)
		mass, _ := last["mass"].(map[string]any)
		return mass["v"] == 77.0
	})
}
