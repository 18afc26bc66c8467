package main_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	gt "groundtruth"
	"groundtruth/journal"
)

var bt0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// copperHistory is a journal of tenant acme: a USD 5m loan secured by 1200 t of copper
// (no devices: valued at its book quantity with trust 0.8), healthy at USD 10,000/t.
// Copper falls to 7,200 at 09:00 (LTV 85%: the built-in ltv_margin_call fires) and to
// 6,000 the next day at 08:00 (LTV 102%: ltv_liquidation fires), with hourly ticks
// between and for three hours after, as the server appends them.
func copperHistory(t *testing.T) []gt.Event {
	t.Helper()
	var evs []gt.Event
	add := func(typ gt.EventType, tenant string, at time.Time, v any) {
		ev, err := gt.NewEvent(typ, tenant, at, "test", v)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	price := func(at time.Time, cents int64) gt.Records {
		return gt.Records{Prices: []gt.PriceTick{{Commodity: "copper", At: at, Price: gt.Money{Amount: cents, Currency: "USD"}, Unit: "t"}}}
	}
	_, hash := gt.NewSecret("gtk")
	add(gt.EventTenantCreate, "acme", bt0, gt.TenantCreate{Tenant: gt.Tenant{ID: "acme", Name: "Acme Bank"},
		Key: gt.APIKeyCreate{Key: gt.APIKey{ID: "admin", Name: "admin", Role: gt.RoleAdmin}, Hash: hash}})
	add(gt.EventPricesRecord, "acme", bt0.Add(time.Minute), price(bt0.AddDate(0, 0, -1), 10_000_00))
	add(gt.EventRecordsCreate, "acme", bt0.Add(2*time.Minute), gt.Records{
		Parties: []gt.Party{{ID: "dezheng", Name: "Dezheng Resources", Roles: []gt.PartyRole{gt.PartyBorrower}}},
		Sites: []gt.Site{{ID: "wh-1", Name: "Dagang", Kind: gt.SiteWarehouse, Zones: []gt.Zone{{ID: "bay-1"}},
			Boundary: gt.Polygon{Type: "Polygon", Coordinates: [][][2]float64{{{120.31, 36.08}, {120.312, 36.08}, {120.312, 36.082}, {120.31, 36.082}, {120.31, 36.08}}}}}},
		Loans: []gt.Loan{{ID: "loan-1", BorrowerID: "dezheng", Product: gt.ProductInventory,
			Principal: gt.Money{Amount: 5_000_000_00, Currency: "USD"}, StartDate: bt0, MaturityDate: bt0.AddDate(1, 0, 0)}},
		Collateral: []gt.Collateral{{ID: "lot-1", Kind: gt.KindInventoryLot, Allocations: []gt.Allocation{{LoanID: "loan-1", Share: 1}},
			Inventory: &gt.InventoryLot{Commodity: "copper", Quantity: 1200, Unit: "t", SiteID: "wh-1", ZoneID: "bay-1", ReceiptNo: "QD-1"}}},
	})
	add(gt.EventPricesRecord, "acme", bt0.Add(time.Hour), price(bt0, 7_200_00))
	for h := 2; h < 24; h++ {
		add(gt.EventTick, "", bt0.Add(time.Duration(h)*time.Hour), nil)
	}
	add(gt.EventPricesRecord, "acme", bt0.Add(24*time.Hour), price(bt0.AddDate(0, 0, 1), 6_000_00))
	for h := 25; h <= 27; h++ {
		add(gt.EventTick, "", bt0.Add(time.Duration(h)*time.Hour), nil)
	}
	return evs
}

// writeJournal appends events to the embedded journal of a new data directory.
func writeJournal(t *testing.T, evs []gt.Event) string {
	t.Helper()
	data := t.TempDir()
	ctx := context.Background()
	j, err := journal.Open(ctx, journal.Options{Dir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := j.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	return data
}

func TestBacktest(t *testing.T) {
	evs := copperHistory(t)
	data := writeJournal(t, evs)
	at := func(d time.Duration) string { return bt0.Add(d).Format(time.RFC3339) }
	tests := []struct {
		name     string
		args     []string
		added    []string
		removed  []string
		totals   string
		notAdded []string
	}{
		{"a whole new policy", []string{"--rules", rulesFile("ltv.yaml")},
			[]string{"+ " + at(time.Hour) + "  acme  ltv_above_85   loan:loan-1  warning   Loan loan-1 LTV 85.1% is above 85%",
				"+ " + at(26*time.Hour) + "  acme  ltv_above_100  loan:loan-1  critical  Loan loan-1 is under water"},
			[]string{"- " + at(time.Hour) + "  acme  ltv_margin_call  loan:loan-1  critical",
				"- " + at(24*time.Hour) + "  acme  ltv_liquidation  loan:loan-1  critical"},
			"totals: 2 fired under the current rules, 2 under " + rulesFile("ltv.yaml") + "; 2 added, 2 removed", nil},
		{"a window from 09:30", []string{"--rules", rulesFile("ltv.yaml"), "--from", at(90 * time.Minute), "--to", "2026-03-10"},
			[]string{"+ " + at(26*time.Hour) + "  acme  ltv_above_100  loan:loan-1  critical"},
			[]string{"- " + at(24*time.Hour) + "  acme  ltv_liquidation  loan:loan-1  critical"},
			"totals: 1 fired under the current rules, 1 under " + rulesFile("ltv.yaml") + "; 1 added, 1 removed",
			[]string{"ltv_above_85"}},
		{"overrides of the built-in pack", []string{"--rules", rulesFile("over_builtin.yaml"), "--builtin", "--tenant", "acme"},
			[]string{"+ " + at(3*time.Hour) + "  acme  ltv_margin_call  loan:loan-1  critical  Loan loan-1 in margin call for 2h"},
			[]string{"- " + at(time.Hour) + "  acme  ltv_margin_call  loan:loan-1  critical",
				"- " + at(24*time.Hour) + "  acme  ltv_liquidation  loan:loan-1  critical"},
			"totals: 2 fired under the current rules, 1 under " + rulesFile("over_builtin.yaml") + "; 1 added, 2 removed", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runStatus(t, append([]string{"backtest", "--data", data}, tc.args...)...)
			if code != 0 {
				t.Fatalf("backtest: exit %d: %s", code, errOut)
			}
			added, removed, _ := strings.Cut(out, "removed (fire only under the current rules)")
			for _, w := range tc.added {
				if !strings.Contains(added, w) {
					t.Errorf("backtest output:\n%s\nwant added %q", out, w)
				}
			}
			for _, w := range tc.removed {
				if !strings.Contains(removed, w) {
					t.Errorf("backtest output:\n%s\nwant removed %q", out, w)
				}
			}
			for _, w := range tc.notAdded {
				if strings.Contains(out, w) {
					t.Errorf("backtest output:\n%s\nwant no %s (outside the window)", out, w)
				}
			}
			if !strings.Contains(out, tc.totals) || strings.Count(out, "\n  + ") != len(tc.added) || strings.Count(out, "\n  - ") != len(tc.removed) {
				t.Errorf("backtest output:\n%s\nwant exactly %d added and %d removed and %q", out, len(tc.added), len(tc.removed), tc.totals)
			}
		})
	}

	// --json: the same comparison for machines.
	out, errOut, code := runStatus(t, "backtest", "--data", data, "--rules", rulesFile("ltv.yaml"), "--json")
	var rep struct {
		Events         int
		Current        int
		Backtest       int
		Added, Removed []struct {
			Tenant, Rule, Subject, Severity, Action, Summary string
			FiredAt                                          time.Time `json:"fired_at"`
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("backtest --json: exit %d, %s%s", code, out, errOut)
	}
	if rep.Events != len(evs) || rep.Current != 2 || rep.Backtest != 2 || len(rep.Added) != 2 || len(rep.Removed) != 2 ||
		rep.Added[0].Rule != "ltv_above_85" || rep.Added[0].Action != "notify" || !rep.Added[0].FiredAt.Equal(bt0.Add(time.Hour)) ||
		rep.Removed[1].Rule != "ltv_liquidation" || rep.Removed[1].Tenant != "acme" || rep.Removed[1].Subject != "loan:loan-1" {
		t.Errorf("backtest --json = %s", out)
	}

	// Read only: no store was created and the journal holds the same events.
	if _, err := os.Stat(filepath.Join(data, "groundtruth.db")); !os.IsNotExist(err) {
		t.Errorf("backtest created a store: %v", err)
	}
	j, err := journal.Open(context.Background(), journal.Options{Dir: data})
	if err != nil {
		t.Fatal(err)
	}
	last, err := j.LastSeq(context.Background())
	j.Close()
	if err != nil || last != uint64(len(evs)) {
		t.Errorf("journal after backtest: last seq %d, %v; want %d", last, err, len(evs))
	}
}

func TestBacktestErrors(t *testing.T) {
	data := writeJournal(t, copperHistory(t))
	empty := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a rule file with errors", []string{"--data", data, "--rules", rulesFile("bad.yaml")}, rulesFile("bad.yaml") + ":3: rules[0].expr: 1:5: undefined field 'ltvv'"},
		{"no journal", []string{"--data", empty, "--rules", rulesFile("ltv.yaml")}, "no journal in " + empty},
		{"bad time", []string{"--data", data, "--rules", rulesFile("ltv.yaml"), "--from", "monday"}, `--from "monday": use an RFC 3339 time`},
		{"empty window", []string{"--data", data, "--rules", rulesFile("ltv.yaml"), "--from", "2026-03-02", "--to", "2026-03-01"}, "is not before --to"},
		{"unknown tenant", []string{"--data", data, "--rules", rulesFile("ltv.yaml"), "--tenant", "nobody"}, `tenant "nobody" is not in the journal`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := runStatus(t, append([]string{"backtest"}, tc.args...)...)
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("backtest %s: exit %d, stderr %q; want 1 and %q", strings.Join(tc.args, " "), code, errOut, tc.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(empty, "journal")); !os.IsNotExist(err) {
		t.Errorf("backtest created a journal in an empty directory: %v", err)
	}

	// A server holding the data directory (here: its lock) keeps the embedded journal.
	f, err := os.OpenFile(filepath.Join(data, "LOCK"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runStatus(t, "backtest", "--data", data, "--rules", rulesFile("ltv.yaml"))
	if code != 1 || !strings.Contains(errOut, "a groundtruth server is running on "+data) || !strings.Contains(errOut, "stop the server") {
		t.Errorf("backtest on a held data directory: exit %d, stderr %q; want 1 and to stop the server", code, errOut)
	}
}

// startNATS starts a NATS server with JetStream on a free loopback port, for the life of
// the test, and returns its URL.
func startNATS(t *testing.T) string {
	t.Helper()
	srv, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, JetStream: true,
		StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS server not ready")
	}
	return srv.ClientURL()
}

func TestBacktestExternalJournal(t *testing.T) {
	url := startNATS(t)
	// A server without a journal: refused, and no stream is created.
	_, errOut, code := runStatus(t, "backtest", "--nats", url, "--rules", rulesFile("ltv.yaml"))
	if code != 1 || !strings.Contains(errOut, "has no journal (no stream GT_EVENTS)") {
		t.Errorf("backtest of a server without a journal: exit %d, stderr %q", code, errOut)
	}
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	if _, err := js.Stream(context.Background(), journal.DefaultStream); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("after backtest the stream exists or cannot be read: %v", err)
	}

	j, err := journal.Open(context.Background(), journal.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(context.Background(), copperHistory(t)); err != nil {
		t.Fatal(err)
	}
	j.Close()
	out, errOut, code := runStatus(t, "backtest", "--nats", url, "--rules", rulesFile("ltv.yaml"), "--data", t.TempDir())
	if code != 0 || !strings.Contains(out, "totals: 2 fired under the current rules, 2 under "+rulesFile("ltv.yaml")+"; 2 added, 2 removed") {
		t.Errorf("backtest --nats: exit %d\n%s%s", code, out, errOut)
	}
}
