package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	gt "groundtruth"
	"groundtruth/engine"
	"groundtruth/journal"
	"groundtruth/rules"
)

type backtestCmd struct {
	Rules   string `required:"" help:"Rule file to replay the journal under (format: docs/rules.md)." placeholder:"FILE"`
	Builtin bool   `help:"Lay the file's rules over the built-in pack (same name replaces, disabled: true removes) instead of making them the whole policy."`
	From    string `help:"Compare alerts active or fired from this time (RFC 3339 or YYYY-MM-DD; default: the beginning)." placeholder:"T1"`
	To      string `help:"... up to this time, exclusive (RFC 3339 or YYYY-MM-DD; default: the end)." placeholder:"T2"`
	Tenant  string `help:"Only this tenant's alerts." placeholder:"ID"`
	NATS    string `name:"nats" help:"Read the journal of an external NATS JetStream (like --journal) instead of the data directory's." placeholder:"URL"`
	JSON    bool   `name:"json" help:"Print the comparison as JSON."`
}

// backtestAlert is one alert of the comparison.
type backtestAlert struct {
	Tenant     string    `json:"tenant"`
	Rule       string    `json:"rule"`
	Subject    string    `json:"subject"`
	Severity   string    `json:"severity"`
	Action     string    `json:"action"`
	ActiveAt   time.Time `json:"active_at"`
	FiredAt    time.Time `json:"fired_at"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	Summary    string    `json:"summary"`
}

// backtestReport compares the alerts that fired under the current rules with those that
// fire under the file's rules.
type backtestReport struct {
	Rules    string          `json:"rules"`
	From     time.Time       `json:"from,omitzero"`
	To       time.Time       `json:"to,omitzero"`
	Events   uint64          `json:"events"`
	Current  int             `json:"current"`  // alerts in the window under the current rules
	Backtest int             `json:"backtest"` // alerts in the window under the file's rules
	Added    []backtestAlert `json:"added"`    // fire only under the file's rules
	Removed  []backtestAlert `json:"removed"`  // fire only under the current rules
}

// Run replays the whole journal (the engine must see all master data) through two
// engines, one with the rules that were in force and one with the file's, and compares
// the alerts that fired. It reads the journal only: no store is opened and nothing is
// appended.
func (c *backtestCmd) Run(e *env) error {
	compiled, err := checkRuleFile(c.Rules)
	if err != nil {
		return err
	}
	policy := ruleFilePolicy(compiled)
	if c.Builtin {
		policy = overBuiltin(policy)
	}
	from, err := parseWhen("from", c.From)
	if err != nil {
		return err
	}
	to, err := parseWhen("to", c.To)
	if err != nil {
		return err
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return fmt.Errorf("--from %s is not before --to %s", c.From, c.To)
	}
	current, trial := engine.New(), engine.New()
	if err := trial.SetRules(policy); err != nil {
		return fmt.Errorf("%s: %w", c.Rules, err)
	}
	var currentLog, trialLog engine.AlertLog
	tenants, n, err := c.replay(e, []*engine.Engine{current, trial}, []*engine.AlertLog{&currentLog, &trialLog})
	if err != nil {
		return err
	}
	if c.Tenant != "" {
		if !slices.Contains(tenants, c.Tenant) {
			return fmt.Errorf("tenant %q is not in the journal", c.Tenant)
		}
		tenants = []string{c.Tenant}
	}
	rep := backtestReport{Rules: c.Rules, From: from, To: to, Events: n, Added: []backtestAlert{}, Removed: []backtestAlert{}}
	was, now := fired(&currentLog, tenants, from, to), fired(&trialLog, tenants, from, to)
	rep.Current, rep.Backtest = len(was), len(now)
	for k, a := range now {
		if _, ok := was[k]; !ok {
			rep.Added = append(rep.Added, a)
		}
	}
	for k, a := range was {
		if _, ok := now[k]; !ok {
			rep.Removed = append(rep.Removed, a)
		}
	}
	sortAlerts(rep.Added)
	sortAlerts(rep.Removed)
	if c.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.print(e)
	return nil
}

// overBuiltin returns the built-in pack with the file's rules in place of those of the
// same name.
func overBuiltin(file []gt.Rule) []gt.Rule {
	byName := map[string]gt.Rule{}
	for _, r := range rules.Builtin() {
		r.Builtin = false
		byName[r.Name] = r
	}
	for _, r := range file {
		byName[r.Name] = r
	}
	out := make([]gt.Rule, 0, len(byName))
	for _, r := range byName {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b gt.Rule) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// parseWhen reads --from or --to: RFC 3339 or a date (midnight UTC); "" is unbounded.
func parseWhen(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("--%s %q: use an RFC 3339 time (2026-03-01T12:00:00Z) or a date (2026-03-01)", flag, s)
}

// errReplayed ends the replay at the last event of the journal.
var errReplayed = errors.New("replayed")

// replay applies every event of the journal, from the first, to each engine, recording
// its alerts in its log, and returns the tenants created, in order, and the number of
// events.
func (c *backtestCmd) replay(e *env, engines []*engine.Engine, logs []*engine.AlertLog) ([]string, uint64, error) {
	url := e.cfg.Journal
	if c.NATS != "" {
		url = c.NATS
	}
	log := slog.New(slog.DiscardHandler)
	if url == "" || url == "embedded" {
		// The embedded journal's files are opened by one process at a time.
		if _, err := os.Stat(filepath.Join(e.cfg.Data, "journal")); err != nil {
			return nil, 0, fmt.Errorf("no journal in %s: pass the server's data directory with --data, or an external journal with --nats", e.cfg.Data)
		}
		dd, err := lockDataDir(e.cfg.Data)
		if errors.Is(err, errDataDirBusy) {
			return nil, 0, fmt.Errorf("a groundtruth server is running on %s, and its embedded journal (NATS JetStream) "+
				"can be opened by one process at a time: stop the server, then run backtest again "+
				"(or point backtest at an external journal with --nats)", e.cfg.Data)
		}
		if err != nil {
			return nil, 0, err
		}
		defer dd.Close()
	} else if err := journalExists(e, url); err != nil {
		return nil, 0, err
	}
	j, err := journal.Open(e.ctx, journal.Options{URL: url, Dir: e.cfg.Data, Logger: log})
	if err != nil {
		return nil, 0, fmt.Errorf("open journal: %w", err)
	}
	defer j.Close()
	last, err := j.LastSeq(e.ctx)
	if err != nil {
		return nil, 0, err
	}
	if last == 0 {
		return nil, 0, fmt.Errorf("the journal is empty: nothing to backtest")
	}
	var tenants []string
	var n uint64
	err = j.Consume(e.ctx, 1, func(batch []gt.Event) error {
		for i := range batch {
			ev := batch[i] // a fresh address per event, as the engine expects
			for i, eng := range engines {
				// A refused event is refused the same way it was when it was applied live.
				var ch gt.Changes
				if eng.Apply(&ev, &ch) == nil {
					logs[i].Add(&ch)
				}
			}
			n++
			if ev.Type == gt.EventTenantCreate && !slices.Contains(tenants, ev.Tenant) {
				if _, ok := engines[0].Tenant(ev.Tenant); ok {
					tenants = append(tenants, ev.Tenant)
				}
			}
			if ev.Seq >= last {
				return errReplayed
			}
		}
		return nil
	})
	if !errors.Is(err, errReplayed) {
		return nil, 0, fmt.Errorf("read journal: %w", err)
	}
	return tenants, n, nil
}

// journalExists checks that an external server holds the journal's stream, so that
// opening the journal (which creates a missing stream) writes nothing.
func journalExists(e *env, url string) error {
	nc, err := nats.Connect(url, nats.Name("groundtruth-backtest"), nats.Timeout(5*time.Second))
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redact(url), err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	if _, err := js.Stream(e.ctx, journal.DefaultStream); err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("%s has no journal (no stream %s): nothing to backtest", redact(url), journal.DefaultStream)
		}
		return fmt.Errorf("journal on %s: %w", redact(url), err)
	}
	return nil
}

// fired returns the alerts of the tenants that fired and were active or fired within
// [from, to) (a zero bound is open), keyed by tenant, rule, subject and firing time.
func fired(log *engine.AlertLog, tenants []string, from, to time.Time) map[string]backtestAlert {
	in := func(t time.Time) bool {
		return !t.IsZero() && (from.IsZero() || !t.Before(from)) && (to.IsZero() || t.Before(to))
	}
	out := map[string]backtestAlert{}
	for _, t := range tenants {
		for _, a := range log.Alerts(t) {
			if a.FiredAt.IsZero() || !(in(a.ActiveAt) || in(a.FiredAt)) {
				continue
			}
			k := t + "\x00" + a.Rule + "\x00" + a.Subject + "\x00" + a.FiredAt.Format(time.RFC3339Nano)
			out[k] = backtestAlert{Tenant: t, Rule: a.Rule, Subject: a.Subject, Severity: a.Severity, Action: a.Action,
				ActiveAt: a.ActiveAt, FiredAt: a.FiredAt, ResolvedAt: a.ResolvedAt, Summary: a.Summary}
		}
	}
	return out
}

func sortAlerts(as []backtestAlert) {
	slices.SortFunc(as, func(a, b backtestAlert) int {
		if c := a.FiredAt.Compare(b.FiredAt); c != 0 {
			return c
		}
		return strings.Compare(a.Tenant+"\x00"+a.Rule+"\x00"+a.Subject, b.Tenant+"\x00"+b.Rule+"\x00"+b.Subject)
	})
}

func (r *backtestReport) print(e *env) {
	window := func(t time.Time, open string) string {
		if t.IsZero() {
			return open
		}
		return t.Format(time.RFC3339)
	}
	fmt.Fprintf(e.stdout, "backtest of %s over %d journal events; alerts active or fired from %s to %s\n",
		r.Rules, r.Events, window(r.From, "the beginning"), window(r.To, "the end"))
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	list := func(title, mark string, as []backtestAlert) {
		fmt.Fprintf(w, "%s: %d\n", title, len(as))
		for _, a := range as {
			fmt.Fprintf(w, "  %s %s\t%s\t%s\t%s\t%s\t%s\n", mark, a.FiredAt.Format(time.RFC3339), a.Tenant, a.Rule, a.Subject, a.Severity, a.Summary)
		}
	}
	list("added (fire only under "+r.Rules+")", "+", r.Added)
	list("removed (fire only under the current rules)", "-", r.Removed)
	w.Flush()
	fmt.Fprintf(e.stdout, "totals: %d fired under the current rules, %d under %s; %d added, %d removed\n",
		r.Current, r.Backtest, r.Rules, len(r.Added), len(r.Removed))
}
