package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"groundtruth/webhook"
)

// TestWebhookDelivery runs the server, points a tenant's webhook at a receiver in the
// test, makes rules raise actions (a notify rule of the tenant's; the built-in margin
// call of a loan without collateral may come first) and checks that the receiver gets it signed with the
// secret PUT answered, that the delivery is listed as delivered, and that the key (so
// the secret) survives a kill -9.
func TestWebhookDelivery(t *testing.T) {
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		mu.Unlock()
	}))
	defer rc.Close()

	data := t.TempDir()
	s := startServer(t, data, "--webhook-allow-private") // the receiver is on the loopback address
	if fi, err := os.Stat(filepath.Join(data, "webhook.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("webhook.key: %v, %v; want a file of mode 0600", fi, err)
	}
	out := run(t, "tenant", "create", "--data", data, "--id", "bank-a", "Bank A")
	key := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	api := s.base + "/api/v1"
	code, saved := call(t, "PUT", api+"/webhook", key, `{"url":"`+rc.URL+`/hook"}`)
	secret, _ := saved["secret"].(string)
	if code != 200 || !strings.HasPrefix(secret, "gtw_") {
		t.Fatalf("PUT /webhook = %d %v", code, saved)
	}
	for _, w := range []struct{ path, body string }{
		{"/rules/any-exposure", `{"expr":"loan.exposure > 0.0","severity":"warning","action":"notify","summary":"loan {{ loan.id }} is exposed"}`},
		{"/parties", `{"id":"dezheng","name":"Dezheng Resources","roles":["borrower"]}`},
		{"/loans", `{"id":"loan-1","borrower_id":"dezheng","product":"inventory","principal":{"amount":500000000,"currency":"USD"},"start_date":"2026-01-15T00:00:00Z","maturity_date":"2027-01-15T00:00:00Z"}`},
	} {
		method := "POST"
		if strings.HasPrefix(w.path, "/rules/") {
			method = "PUT"
		}
		if code, m := call(t, method, api+w.path, key, w.body); code != 200 && code != 201 {
			t.Fatalf("%s %s = %d %v", method, w.path, code, m)
		}
	}

	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the receiver got no delivery within 30s of the rule firing")
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	r, body := got[0], bodies[0]
	mu.Unlock()
	if err := webhook.Verify(secret, r.Header.Get("Groundtruth-Signature"), body, time.Now(), 5*time.Minute); err != nil {
		t.Errorf("signature of the delivery: %v", err)
	}
	var p webhook.Payload
	if err := json.Unmarshal(body, &p); err != nil || p.Tenant != "bank-a" || p.Action.ID == "" || p.Action.Kind == "" ||
		r.Header.Get("Idempotency-Key") != p.Action.ID+":"+p.Action.State {
		t.Fatalf("delivery %s (Idempotency-Key %q): %v", body, r.Header.Get("Idempotency-Key"), err)
	}
	for i := 0; ; i++ {
		code, page := call(t, "GET", api+"/actions/"+p.Action.ID+"/deliveries", key, "")
		items, _ := page["items"].([]any)
		if code == 200 && len(items) == 1 && items[0].(map[string]any)["status"] == "delivered" {
			break
		}
		if i == 100 {
			t.Fatalf("GET deliveries = %d %v, want one delivered", code, page)
		}
		time.Sleep(50 * time.Millisecond)
	}

	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	s2 := startServer(t, data, "--webhook-allow-private")
	if code, again := call(t, "PUT", s2.base+"/api/v1/webhook", key, `{"url":"`+rc.URL+`/hook"}`); code != 200 || again["secret"] != secret {
		t.Errorf("after a restart PUT /webhook = %d, secret %v; want the same secret", code, again["secret"])
	}
}
