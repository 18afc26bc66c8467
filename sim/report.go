package sim

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	gt "groundtruth"
)

// Report is what a play found: per scenario, each incident detected or not and how
// fast, and every alert no incident explains.
type Report struct {
	Start     time.Time        `json:"start"` // the earliest scenario start
	End       time.Time        `json:"end"`
	Scenarios []ScenarioReport `json:"scenarios"`
	Totals    Totals           `json:"totals"`
}

// Totals sum a report.
type Totals struct {
	Scenarios   int `json:"scenarios"`
	Passed      int `json:"passed"`
	Expected    int `json:"expected"` // alerts the incidents must produce
	Detected    int `json:"detected"` // of those, fired within their window
	FalseAlerts int `json:"false_alerts"`
	Packs       int `json:"packs"` // packs the devices published
}

// ScenarioReport is the outcome of one scenario.
type ScenarioReport struct {
	Name        string         `json:"name"`
	Title       string         `json:"title"`
	File        string         `json:"file"`
	Control     bool           `json:"control"`
	Start       time.Time      `json:"start"`
	Duration    Span           `json:"duration"`
	Passed      bool           `json:"passed"`
	Detections  []Detection    `json:"detections"`
	FalseAlerts []AlertSeen    `json:"false_alerts"`
	Explained   int            `json:"explained"` // alerts an incident allows, not counted false
	Packs       int            `json:"packs"`
	Refused     map[string]int `json:"refused,omitempty"` // packs refused, by PUBACK reason
}

// Detection is one expected alert of an incident.
type Detection struct {
	Incident string    `json:"incident"`
	At       Span      `json:"at"` // offset of the incident from the start
	Tenant   string    `json:"tenant"`
	Rule     string    `json:"rule"`
	Subject  string    `json:"subject"`
	Within   Span      `json:"within"`
	Detected bool      `json:"detected"`
	After    *Span     `json:"time_to_detect,omitempty"` // from the incident to the alert's firing
	Fired    time.Time `json:"fired,omitzero"`
}

// AlertSeen is an alert in a report.
type AlertSeen struct {
	Tenant   string `json:"tenant"`
	Rule     string `json:"rule"`
	Subject  string `json:"subject"`
	At       Span   `json:"at"` // firing time as an offset from the start
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
}

// report reads the alerts of every tenant and judges each scenario.
func (p *play) report(ctx context.Context) (*Report, error) {
	if err := p.t.SetClock(ctx, p.o.End); err != nil {
		return nil, err
	}
	if err := p.t.Tick(ctx); err != nil {
		return nil, fmt.Errorf("final tick: %w", err)
	}
	rep := &Report{Start: p.from, End: p.o.End}
	for _, r := range p.runs {
		alerts := map[string][]gt.Alert{}
		for _, tn := range r.sc.Tenants {
			as, err := p.api.alerts(ctx, r.keys[tn.ID])
			if err != nil {
				return nil, fmt.Errorf("%s: alerts of %s: %w", r.sc.File, tn.ID, err)
			}
			alerts[tn.ID] = as
		}
		sr := r.judge(alerts)
		rep.Scenarios = append(rep.Scenarios, sr)
		rep.Totals.Scenarios++
		if sr.Passed {
			rep.Totals.Passed++
		}
		for _, d := range sr.Detections {
			rep.Totals.Expected++
			if d.Detected {
				rep.Totals.Detected++
			}
		}
		rep.Totals.FalseAlerts += len(sr.FalseAlerts)
		rep.Totals.Packs += sr.Packs
	}
	return rep, nil
}

// judge matches a run's fired alerts to its incidents.
func (r *scenarioRun) judge(alerts map[string][]gt.Alert) ScenarioReport {
	sr := ScenarioReport{Name: r.sc.Name, Title: r.sc.Title, File: r.sc.File, Control: r.sc.Control, Start: r.start,
		Duration: r.sc.Duration, Detections: []Detection{}, FalseAlerts: []AlertSeen{}, Packs: r.sent}
	if len(r.refused) > 0 {
		sr.Refused = r.refused
	}
	explained := map[string]bool{} // alert id
	for _, inc := range r.incidents {
		for _, x := range inc.x {
			d := Detection{Incident: inc.name, At: Span(inc.at.Sub(r.start)), Tenant: x.Tenant, Rule: x.Rule, Subject: x.Subject, Within: x.Within}
			for _, a := range alerts[x.Tenant] {
				if a.FiredAt.IsZero() || a.Rule != x.Rule || a.Subject != x.Subject || a.FiredAt.Before(inc.at) {
					continue
				}
				explained[a.ID] = true
				if !d.Detected && !a.FiredAt.After(inc.at.Add(x.Within.Std())) {
					after := Span(a.FiredAt.Sub(inc.at))
					d.Detected, d.After, d.Fired = true, &after, a.FiredAt
				}
			}
			sr.Detections = append(sr.Detections, d)
		}
		for _, x := range inc.ok {
			for _, a := range alerts[x.Tenant] {
				if !a.FiredAt.IsZero() && a.Rule == x.Rule && (x.Subject == "" || a.Subject == x.Subject) && !a.FiredAt.Before(inc.at) {
					explained[a.ID] = true
				}
			}
		}
	}
	for _, tn := range r.sc.Tenants {
		for _, a := range alerts[tn.ID] {
			if a.FiredAt.IsZero() || a.FiredAt.Before(r.start) || a.FiredAt.After(r.end) {
				continue
			}
			if explained[a.ID] {
				sr.Explained++
				continue
			}
			sr.FalseAlerts = append(sr.FalseAlerts, AlertSeen{Tenant: tn.ID, Rule: a.Rule, Subject: a.Subject,
				At: Span(a.FiredAt.Sub(r.start)), Severity: a.Severity, Summary: a.Summary})
		}
	}
	sort.SliceStable(sr.FalseAlerts, func(i, j int) bool {
		a, b := sr.FalseAlerts[i], sr.FalseAlerts[j]
		if a.At != b.At {
			return a.At < b.At
		}
		return a.Tenant+a.Rule+a.Subject < b.Tenant+b.Rule+b.Subject
	})
	sr.Passed = len(sr.FalseAlerts) == 0
	for _, d := range sr.Detections {
		sr.Passed = sr.Passed && d.Detected
	}
	return sr
}

// Passed reports whether every scenario passed.
func (r *Report) Passed() bool { return r.Totals.Passed == r.Totals.Scenarios }

// WriteText writes the detection table.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tINCIDENT\tEXPECTED ALERT\tDETECTED\tTIME TO DETECT\tWINDOW")
	for _, s := range r.Scenarios {
		status := "PASS"
		if !s.Passed {
			status = "FAIL"
		}
		if s.Control {
			fmt.Fprintf(tw, "%s\t(control: no alert allowed)\t\t\t\t%s\n", s.Name, status)
		}
		for _, d := range s.Detections {
			det, ttd := "no", "-"
			if d.Detected {
				det, ttd = "yes", d.After.String()
			}
			fmt.Fprintf(tw, "%s\t%s (at %s)\t%s %s\t%s\t%s\t%s\n", s.Name, d.Incident, d.At, d.Rule, d.Subject, det, ttd, d.Within)
		}
		for _, a := range s.FalseAlerts {
			fmt.Fprintf(tw, "%s\tFALSE ALERT (at %s)\t%s %s\t\t\t%s\n", s.Name, a.At, a.Rule, a.Subject, clip(a.Summary, 60))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	t := r.Totals
	_, err := fmt.Fprintf(w, "\n%d of %d scenarios passed; %d of %d expected alerts detected within their window; %d false alerts; %d packs published.\n",
		t.Passed, t.Scenarios, t.Detected, t.Expected, t.FalseAlerts, t.Packs)
	return err
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
