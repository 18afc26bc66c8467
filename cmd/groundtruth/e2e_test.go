package main_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gt-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "groundtruth")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build groundtruth: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running `groundtruth serve` process.
type server struct {
	cmd   *exec.Cmd
	base  string
	mqtt  string // host:port of the embedded broker
	clock string // the driver token of --simulated-clock
}

func startServer(t *testing.T, data string, extra ...string) *server {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--data", data, "--http", "127.0.0.1:0", "--mqtt", "127.0.0.1:0"}, extra...)...)
	cmd.Env = append(os.Environ(), "GT_LOG_LEVEL=warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	deadline := time.After(30 * time.Second)
	found := make(chan string, 1)
	mqttAddr := make(chan string, 1)
	clock := make(chan string, 1)
	go func() {
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) >= 5 && f[0] == "clock":
				clock <- f[4]
			case len(f) >= 2 && f[0] == "API":
				found <- strings.TrimSuffix(f[1], "/api/v1")
			case len(f) >= 2 && f[0] == "MQTT":
				mqttAddr <- strings.TrimPrefix(f[1], "tcp://")
			}
		}
		close(found)
	}()
	select {
	case base, ok := <-found:
		if !ok {
			t.Fatalf("serve exited: %s", stderr.String())
		}
		s.base = base
		select {
		case s.mqtt = <-mqttAddr:
		case <-time.After(5 * time.Second):
			t.Fatalf("serve did not print its MQTT address")
		}
		if slices.Contains(extra, "--simulated-clock") {
			select {
			case s.clock = <-clock:
			case <-time.After(5 * time.Second):
				t.Fatalf("serve --simulated-clock did not print its driver token")
			}
		}
	case <-deadline:
		t.Fatalf("serve did not print its address: %s", stderr.String())
	}
	probe := http.DefaultClient
	if slices.Contains(extra, "--http-tls-cert") { // the test checks the certificate itself
		probe = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	}
	for i := 0; ; i++ { // the API answers 503 until the journal is replayed
		resp, err := probe.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if i == 300 {
			t.Fatalf("serve never became ready: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return s
}

func run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(binary, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("groundtruth %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func call(t *testing.T, method, url, key, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// TestServeSurvivesKill9 is the newcomer's walk-through: serve, create a tenant from
// another process, create a site, a loan and an inventory lot, kill -9 the server, start
// it again and read the same data.
func TestServeSurvivesKill9(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, data)
	out := run(t, "tenant", "create", "--data", data, "Acme Bank")
	key := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	if !strings.HasPrefix(key, "gtk_") {
		t.Fatalf("tenant create printed %q, want an admin key last", out)
	}
	api := s.base + "/api/v1"
	writes := []struct{ path, body string }{
		{"/parties", `{"id":"dezheng","name":"Dezheng Resources","roles":["borrower"]}`},
		{"/sites", `{"id":"qd-wh1","name":"Qingdao warehouse","kind":"warehouse","boundary":{"type":"Polygon","coordinates":[[[120.31,36.08],[120.312,36.08],[120.312,36.082],[120.31,36.082],[120.31,36.08]]]},"zones":[{"id":"bay-1"}]}`},
		{"/loans", `{"id":"loan-1","borrower_id":"dezheng","product":"inventory","principal":{"amount":500000000,"currency":"USD"},"start_date":"2026-01-15T00:00:00Z","maturity_date":"2027-01-15T00:00:00Z"}`},
		{"/collateral", `{"id":"lot-1","kind":"inventory_lot","allocations":[{"loan_id":"loan-1","share":1}],"inventory":{"commodity":"copper","quantity":1200,"unit":"t","site_id":"qd-wh1","zone_id":"bay-1","receipt_no":"QD-2014-0042"}}`},
	}
	for _, w := range writes {
		if code, m := call(t, "POST", api+w.path, key, w.body); code != 201 {
			t.Fatalf("POST %s = %d %v", w.path, code, m)
		}
	}
	_, before := call(t, "GET", api+"/collateral/lot-1", key, "")

	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	s2 := startServer(t, data)
	code, after := call(t, "GET", s2.base+"/api/v1/collateral/lot-1", key, "")
	if code != 200 || fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("after kill -9: %d %v, want %v", code, after, before)
	}
	if code, loan := call(t, "GET", s2.base+"/api/v1/loans/loan-1", key, ""); code != 200 || loan["borrower_id"] != "dezheng" {
		t.Errorf("loan after restart: %d %v", code, loan)
	}
}

// TestCommandsWithoutServer runs tenant create and import directly on a data directory,
// then checks that serve sees the result; bad CSV rows name line and column and import
// nothing.
func TestCommandsWithoutServer(t *testing.T) {
	data := t.TempDir()
	out := run(t, "tenant", "create", "--data", data, "--id", "bank-a", "Bank A")
	key := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	csv := filepath.Join(t.TempDir(), "parties.csv")
	os.WriteFile(csv, []byte("id,name,roles\np1,Party One,borrower\np2,Party Two,lender\n"), 0o600)
	cmd := exec.Command(binary, "import", "parties", csv, "--data", data, "--tenant", "bank-a")
	msg, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(msg), "line 3, column roles") {
		t.Fatalf("bad import: err %v, output %s; want failure naming line 3, column roles", err, msg)
	}
	os.WriteFile(csv, []byte("id,name,roles\np1,Party One,borrower\np2,Party Two,custodian\n"), 0o600)
	if out := run(t, "import", "parties", csv, "--data", data, "--tenant", "bank-a"); !strings.Contains(out, "imported 2 parties") {
		t.Errorf("import said %q", out)
	}
	s := startServer(t, data)
	code, page := call(t, "GET", s.base+"/api/v1/parties", key, "")
	if items, _ := page["items"].([]any); code != 200 || len(items) != 2 {
		t.Errorf("parties after import: %d %v, want 2", code, page)
	}
	if v := run(t, "version"); !strings.HasPrefix(v, "groundtruth ") {
		t.Errorf("version = %q", v)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"serve", "--journal", "kafka://x"}, {"no-such-command"}, {"import", "widgets", "x.csv"}} {
		cmd := exec.Command(binary, args...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if err == nil || !errorsAs(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("groundtruth %v: %v, want exit status 2\n%s", args, err, out)
		}
	}
}

func errorsAs(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	*target = e
	return ok
}

// sharedData returns the path of ../shared/data beside the repository, skipping the test
// when it is absent unless GT_REQUIRE_DATA=1.
func sharedData(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "data", rel))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("GT_REQUIRE_DATA") == "1" {
			t.Fatalf("GT_REQUIRE_DATA=1 but %s is missing: %v", p, err)
		}
		t.Skipf("shared data not found at %s (set GT_REQUIRE_DATA=1 to require it)", p)
	}
	return p
}

// TestImportWorldBankPrices imports the World Bank Pink Sheet through a running server,
// as the README shows, and reads copper back through the API. The expected figures are
// the file's own cells (Copper ($/mt), 2022-09 = 7749 and 1960-01 = 715.4), in cents.
func TestImportWorldBankPrices(t *testing.T) {
	file := sharedData(t, "prices/worldbank_pinksheet_monthly_1960-2022.csv")
	data := t.TempDir()
	s := startServer(t, data)
	out := run(t, "tenant", "create", "--data", data, "Acme Bank")
	key := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	cmd := exec.Command(binary, "import", "prices", file, "--data", data)
	cmd.Env = append(os.Environ(), "GT_API_KEY="+key)
	msg, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(msg), "imported 46557 prices") {
		t.Fatalf("import: %v\n%s", err, msg)
	}
	code, page := call(t, "GET", s.base+"/api/v1/prices/copper?from=2022-09-01T00:00:00Z", key, "")
	items, _ := page["items"].([]any)
	if code != 200 || len(items) != 1 {
		t.Fatalf("copper from 2022-09: %d %v", code, page)
	}
	p := items[0].(map[string]any)["price"].(map[string]any)
	if p["amount"] != 774900.0 || p["currency"] != "USD" {
		t.Errorf("copper 2022-09 = %v, want 774900 USD cents", p)
	}
	_, first := call(t, "GET", s.base+"/api/v1/prices/copper?limit=1", key, "")
	if a := first["items"].([]any)[0].(map[string]any)["price"].(map[string]any)["amount"]; a != 71540.0 {
		t.Errorf("copper 1960-01 = %v cents, want 71540", a)
	}
}

// TestImportTooLargeForOneEvent: a master-data file that cannot be one journal event is
// refused before anything is written, with the number of rows that would fit.
func TestImportTooLargeForOneEvent(t *testing.T) {
	data := t.TempDir()
	out0 := run(t, "tenant", "create", "--data", data, "--id", "bank-a", "Bank A")
	key := strings.TrimSpace(out0[strings.LastIndex(strings.TrimSpace(out0), "\n")+1:])
	var b strings.Builder
	b.WriteString("id,name,roles\n")
	for i := 0; i < 60000; i++ {
		fmt.Fprintf(&b, "party-%06d,%s %d,borrower\n", i, strings.Repeat("Trading Company ", 6), i)
	}
	csv := filepath.Join(t.TempDir(), "parties.csv")
	os.WriteFile(csv, []byte(b.String()), 0o600)
	out, err := exec.Command(binary, "import", "parties", csv, "--data", data, "--tenant", "bank-a").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "split the file into files of at most about") {
		t.Fatalf("import of 60000 parties: %v\n%s", err, out)
	}
	s := startServer(t, data)
	code, page := call(t, "GET", s.base+"/api/v1/parties", key, "")
	if items, _ := page["items"].([]any); code != 200 || len(items) != 0 {
		t.Errorf("after the refused import: %d %v", code, page)
	}
}
