package main_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium returns Debian's Chromium, skipping the test when it is missing unless
// GT_REQUIRE_BROWSER=1 (CI installs it and sets that).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("GT_REQUIRE_BROWSER") == "1" {
		t.Fatal("GT_REQUIRE_BROWSER=1 but Chromium is not installed (apt-get install chromium)")
	}
	t.Skip("Chromium is not installed (apt-get install chromium); set GT_REQUIRE_BROWSER=1 to fail instead")
	return ""
}

// demoServer runs `groundtruth demo` until the test ends and returns its address and the
// admin key of each tenant it printed.
func demoServer(t *testing.T) (string, map[string]string) {
	t.Helper()
	cmd := exec.Command(binary, "demo", "--http", "127.0.0.1:0", "--mqtt", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	keys := map[string]string{}
	base := ""
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		keyLine := regexp.MustCompile(`^\s+([a-z0-9-]+)\s+(gtk_\S+)$`)
		for sc.Scan() {
			line := sc.Text()
			if f := strings.Fields(line); len(f) == 2 && f[0] == "dashboard" {
				base = strings.TrimSuffix(f[1], "/")
			}
			if m := keyLine.FindStringSubmatch(line); m != nil {
				keys[m[1]] = m[2]
			}
			if strings.HasPrefix(line, "For example:") {
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		t.Fatal("demo did not finish playing the zoo")
	}
	if base == "" || len(keys) < 10 {
		t.Fatalf("demo printed address %q and %d keys", base, len(keys))
	}
	return base, keys
}

// browser is a headless Chromium page that records console errors, uncaught
// exceptions and browser log errors (a blocked script or style, a failed request).
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

type step = chromedp.Action[chromedp.Void]

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1400, 1000))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	b := &browser{ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			// The one failed request that is an answer, not a fault: the 422 with which the
			// API refuses a rule that does not compile, which the editor then shows.
			expected := m.Source == "network" && strings.HasSuffix(m.URL, "/api/v1/rules/check") && strings.Contains(m.Text, "422")
			if (m.Type == chromedp.ConsoleError || m.IsException()) && !expected {
				b.mu.Lock()
				b.errors = append(b.errors, m.String()+" "+m.URL)
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// run runs steps with a timeout, failing the test with the page's errors.
func (b *browser) run(t *testing.T, what string, steps ...step) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		dctx, dcancel := context.WithTimeout(b.ctx, 5*time.Second)
		defer dcancel()
		page, _ := chromedp.Run(dctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText.slice(0, 2000)`))
		t.Fatalf("%s: %v (page errors: %v)\npage: %s", what, err, b.pageErrors(), page)
	}
	time.Sleep(100 * time.Millisecond) // let late console messages arrive
	if errs := b.pageErrors(); len(errs) > 0 {
		t.Fatalf("%s: the page reported errors: %s", what, strings.Join(errs, "; "))
	}
}

// value runs one action that returns a value.
func value[T any](t *testing.T, b *browser, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v (page errors: %v)", what, err, b.pageErrors())
	}
	return v
}

func (b *browser) pageErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

// shot saves a screenshot of the page when GT_SCREENSHOTS names a directory.
func (b *browser) shot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("GT_SCREENSHOTS")
	if dir == "" {
		return
	}
	png := value(t, b, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func css(s string) chromedp.CSS { return chromedp.CSS(s) }

func signIn(key string) step {
	return chromedp.Steps(
		chromedp.WaitVisible(css("#apikey")),
		chromedp.SendKeys(css("#apikey"), key),
		chromedp.Click(css(".signin button[type=submit]")),
		chromedp.WaitVisible(css("#loan-count")),
	)
}

// TestDashboardInABrowser drives the dashboard in headless Chromium over the demo
// portfolio: sign in, see the portfolio, open a loan and its LTV chart, acknowledge and
// close an alert, see the map with its layers, see a rule's CEL error at its position,
// and check that a read-only role is offered no write. Any console error, uncaught
// exception or blocked resource fails it.
func TestDashboardInABrowser(t *testing.T) {
	if os.Getenv("GT_ZOO") != "full" && os.Getenv("GT_REQUIRE_BROWSER") != "1" {
		t.Skip("plays the whole zoo first: set GT_ZOO=full or GT_REQUIRE_BROWSER=1 (CI does)")
	}
	b := newBrowser(t)
	base, keys := demoServer(t)
	cc := keys["cc-bank"]

	b.run(t, "sign in and see the portfolio", chromedp.Navigate(base+"/"), signIn(cc))
	loans := value(t, b, "loan count", chromedp.Text(css("#loan-count")))
	fills := value(t, b, "band bars", chromedp.Nodes(chromedp.CSSAll("#bands .fill")))
	if loans != "3" || len(fills) != 4 {
		t.Errorf("portfolio shows %q loans and %d band bars, want 3 and 4", loans, len(fills))
	}
	credit := value(t, b, "credit panel", chromedp.Text(css("#credit")))
	if !strings.Contains(credit, "3 loans with a PD") || !strings.Contains(credit, "USD") {
		t.Errorf("credit panel %q: want the copper traders' 3 loans with a PD, in USD", credit)
	}
	b.shot(t, "portfolio")

	b.run(t, "open a loan and see its LTV chart", chromedp.Navigate(base+"/#/loans/cc-loan-c"),
		chromedp.WaitVisible(css("#ltv-chart canvas")))
	ltv := value(t, b, "LTV", chromedp.Text(css("#ltv")))
	if !strings.HasSuffix(ltv, "%") {
		t.Errorf("loan page: LTV %q", ltv)
	}
	b.shot(t, "loan")

	b.run(t, "the alert queue", chromedp.Navigate(base+"/#/alerts?state=firing"),
		chromedp.WaitVisible(css("#alert-list button.ack")))
	acks := value(t, b, "ack buttons", chromedp.Nodes(chromedp.CSSAll("#alert-list button.ack")))
	id := acks[0].AttributeValue("data-id")
	b.shot(t, "alerts")
	row := fmt.Sprintf(`#alert-list tr[data-alert=%q]`, id)
	b.run(t, "acknowledge and close "+id,
		chromedp.Click(css(row+" button.ack")),
		chromedp.WaitNotPresent(css(row+" button.ack")),
		chromedp.WaitVisible(css(row+" button.close")),
		chromedp.Click(css(row+" button.close")),
		chromedp.WaitVisible(css(row+" select.reason")),
		chromedp.SetValue(css(row+" select.reason"), "false_positive"),
		chromedp.SendKeys(css(row+" input.comment"), "checked on site"),
		chromedp.Click(css(row+" button.confirm-close")),
		chromedp.WaitNotPresent(css(row+" button.close")))
	if c, m := call(t, "GET", base+"/api/v1/alerts/"+id, cc, ""); c != 200 || m["status"] != "closed" || m["close_reason"] != "false_positive" || m["acked_by"] == "" {
		t.Errorf("alert %s after the browser closed it: %d %v", id, c, m)
	}

	b.run(t, "the rule editor shows the CEL error at its position",
		chromedp.Navigate(base+"/#/rules/ltv_warn"),
		chromedp.WaitVisible(css("#rule-expr")),
		chromedp.SetValue(css("#rule-expr"), `loan.bandd == "warn"`),
		chromedp.SendKeys(css("#rule-expr"), " "),
		chromedp.WaitVisible(css("#rule-caret")))
	caret := value(t, b, "caret", chromedp.Text(css("#rule-caret")))
	if !strings.Contains(caret, "loan.bandd") || !strings.Contains(caret, "^") {
		t.Errorf("rule caret = %q", caret)
	}
	b.shot(t, "rules")

	b.run(t, "the risk policy: a lower unsigned trust cap and a higher inventory floor saved",
		chromedp.Navigate(base+"/#/policy"),
		chromedp.WaitVisible(css("#policy-unsigned_trust_cap")),
		chromedp.SetValue(css("#policy-unsigned_trust_cap"), "0.7"),
		chromedp.SetValue(css("#policy-haircut_floors-inventory_lot"), "0.2"),
		chromedp.Click(css("#policy-save")),
		chromedp.WaitVisible(css("#policy-saved")))
	if c, m := call(t, "GET", base+"/api/v1/policy", cc, ""); c != 200 || m["effective"].(map[string]any)["unsigned_trust_cap"] != 0.7 ||
		m["effective"].(map[string]any)["haircut_floors"].(map[string]any)["inventory_lot"] != 0.2 || m["policy"].(map[string]any)["hysteresis"] != nil {
		t.Errorf("policy after the browser saved it: %d %v", c, m)
	}
	b.shot(t, "policy")

	b.run(t, "sign out, sign in to the floorplan lender and see the map",
		chromedp.Click(css("#signout")), signIn(keys["fp-bank"]),
		chromedp.Navigate(base+"/#/map"),
		chromedp.WaitVisible(css("#map .leaflet-overlay-pane canvas")),
		chromedp.Poll[chromedp.Void](`document.getElementById('map-counts') && document.getElementById('map-counts').textContent.length > 0`))
	counts := value(t, b, "map counts", chromedp.Text(css("#map-counts")))
	if !strings.Contains(counts, "1 sites") || !strings.Contains(counts, "3 devices placed") {
		t.Errorf("map counts %q, want the dealer lot and its 3 trackers", counts)
	}
	b.shot(t, "map")

	b.run(t, "a device page", chromedp.Navigate(base+"/#/devices/fp-gps-1"), chromedp.WaitVisible(css("#reading-chart")))
	b.shot(t, "device")

	// A read-only role is offered no acknowledge, close or save.
	c, m := call(t, "POST", base+"/api/v1/api-keys", cc, `{"name":"auditor","role":"auditor"}`)
	secret, _ := m["secret"].(string)
	if c != 201 || secret == "" {
		t.Fatalf("create an auditor key: %d %v", c, m)
	}
	b.run(t, "an auditor's alert queue",
		chromedp.Click(css("#signout")), signIn(secret),
		chromedp.Navigate(base+"/#/alerts"),
		chromedp.WaitVisible(css("#alert-list table")))
	buttons := value(t, b, "alert buttons", chromedp.Nodes(chromedp.CSSAll("#alert-list button"), chromedp.AtLeast(0)))
	if len(buttons) != 0 {
		t.Errorf("an auditor is offered %d alert buttons", len(buttons))
	}
	b.run(t, "an auditor's rule page", chromedp.Navigate(base+"/#/rules/ltv_warn"), chromedp.WaitVisible(css("#rule-expr")))
	if saves := value(t, b, "save button", chromedp.Nodes(chromedp.CSSAll("#rule-save"), chromedp.AtLeast(0))); len(saves) != 0 {
		t.Error("an auditor is offered to save a rule")
	}
	b.run(t, "an auditor's policy page", chromedp.Navigate(base+"/#/policy"), chromedp.WaitVisible(css("#policy-unsigned_trust_cap")))
	if saves := value(t, b, "policy save button", chromedp.Nodes(chromedp.CSSAll("#policy-save"), chromedp.AtLeast(0))); len(saves) != 0 {
		t.Error("an auditor is offered to save the policy")
	}
}
