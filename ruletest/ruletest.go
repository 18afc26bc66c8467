// Package ruletest runs rule unit tests, like `promtool test rules`: a YAML test file
// names rule files and lists tests, each a sequence of fixture events applied in order to
// a fresh engine and the alerts expected at the end. `groundtruth rules test` runs it;
// the format is documented in docs/rules.md.
//
//	rule_files: [rules.yaml]          # relative to the test file; omitted: the built-in pack
//	tests:
//	  - name: outflow without release fires
//	    events:
//	      - {type: tenant.create, tenant: t1, time: 2026-03-01T10:00:00Z}
//	      - {type: ingest, tenant: t1, time: +5m, device: cell-1, readings: {mass: 1100000}}
//	    until: +30m
//	    expect_alerts:
//	      - {rule: unauthorized_outflow, subject: "collateral:lot-1", severity: critical}
//
// Its only I/O is reading the test file (RunFile) and the rule files a test file names.
package ruletest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	gt "groundtruth"
	"groundtruth/engine"
	"groundtruth/rules"
)

// Expected is an alert a test expects at the end of its events. Rule and Subject are
// required; State defaults to firing; Tenant, Severity and Summary match only when given.
type Expected struct {
	Tenant   string `yaml:"tenant"`
	Rule     string `yaml:"rule"`
	Subject  string `yaml:"subject"`
	State    string `yaml:"state"`
	Severity string `yaml:"severity"`
	Summary  string `yaml:"summary"`
}

// String returns the expectation as "rule subject state [severity]".
func (x Expected) String() string {
	s := x.Rule + " " + x.Subject + " " + x.State
	if x.Severity != "" {
		s += " " + x.Severity
	}
	if x.Tenant != "" {
		s = x.Tenant + "/" + s
	}
	if x.Summary != "" {
		s += fmt.Sprintf(" %q", x.Summary)
	}
	return s
}

// Result is the outcome of one test. Err is set when the test could not run to its end
// (the engine refused a fixture event); otherwise Missing lists the expected alerts not
// found and Unexpected the alerts found but not expected.
type Result struct {
	Name       string
	Err        error
	Missing    []Expected
	Unexpected []gt.Alert
}

// Passed reports whether the test ran and every expectation held.
func (r *Result) Passed() bool {
	return r.Err == nil && len(r.Missing) == 0 && len(r.Unexpected) == 0
}

// Problems returns one line per problem of the test: the error, or each missing and each
// unexpected alert.
func (r *Result) Problems() []string {
	if r.Err != nil {
		return []string{r.Err.Error()}
	}
	var out []string
	for _, m := range r.Missing {
		out = append(out, "missing alert: "+m.String())
	}
	for _, a := range r.Unexpected {
		out = append(out, fmt.Sprintf("unexpected alert: %s %s %s %s %q", a.Rule, a.Subject, a.State, a.Severity, a.Summary))
	}
	return out
}

// testFile is the YAML document of a test file.
type testFile struct {
	RuleFiles []string    `yaml:"rule_files"`
	Tenant    string      `yaml:"tenant"`
	Setup     []yaml.Node `yaml:"setup"`
	Tests     []testCase  `yaml:"tests"`
}

type testCase struct {
	Name           string      `yaml:"name"`
	Events         []yaml.Node `yaml:"events"`
	TickEvery      string      `yaml:"tick_every"`
	Until          string      `yaml:"until"`
	ExpectAlerts   []Expected  `yaml:"expect_alerts"`
	ExpectNoAlerts []string    `yaml:"expect_no_alerts"`
}

// RunFile reads a test file and runs it, with rule files relative to its directory.
func RunFile(path string) ([]Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Run(data, filepath.Dir(path))
}

// Run runs the tests of a test file, reading the rule files it names relative to
// baseDir. It returns an error, and no results, when the file or a rule file is invalid
// (every problem of a rule file, each with its line); a test that fails is a Result.
func Run(data []byte, baseDir string) ([]Result, error) {
	var f testFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("test file is empty")
		}
		return nil, fmt.Errorf("test file: %s", cleanYAML(err))
	}
	if len(f.Tests) == 0 {
		return nil, fmt.Errorf("test file: tests: at least one test is required")
	}
	policy, err := loadRules(f.RuleFiles, baseDir)
	if err != nil {
		return nil, err
	}
	plans := make([]plan, len(f.Tests))
	for i := range f.Tests {
		p, err := newPlan(&f, i)
		if err != nil {
			return nil, err
		}
		plans[i] = p
	}
	results := make([]Result, len(plans))
	for i := range plans {
		results[i] = plans[i].run(policy)
	}
	return results, nil
}

// loadRules reads and compiles the rule files; nil (the normal rule sets) when none.
func loadRules(files []string, baseDir string) ([]gt.Rule, error) {
	if len(files) == 0 {
		return nil, nil
	}
	policy := []gt.Rule{}
	seen := map[string]string{}
	for _, name := range files {
		path := name
		if !filepath.IsAbs(path) {
			path = filepath.Join(baseDir, name)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("rule_files: %w", err)
		}
		compiled, err := rules.Check(data)
		if err != nil {
			return nil, fmt.Errorf("rule file %s:\n%s", name, strings.Join(RuleFileErrors(name, err), "\n"))
		}
		for _, c := range compiled {
			if first, dup := seen[c.Rule.Name]; dup {
				return nil, fmt.Errorf("rule_files: rule %q is in both %s and %s", c.Rule.Name, first, name)
			}
			seen[c.Rule.Name] = name
			policy = append(policy, c.Rule)
		}
	}
	return policy, nil
}

// RuleFileErrors formats the error of rules.Check on file name as one line per problem,
// "name:line: field: message", the form compilers use, in line order.
func RuleFileErrors(name string, err error) []string {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	line := func(e error) int {
		var fe *rules.FileError
		if errors.As(e, &fe) {
			return fe.Line
		}
		return 0
	}
	errs = slices.Clone(errs)
	slices.SortStableFunc(errs, func(a, b error) int { return line(a) - line(b) })
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		var fe *rules.FileError
		switch {
		case errors.As(e, &fe) && fe.Line > 0:
			out = append(out, fmt.Sprintf("%s:%d: %s", name, fe.Line, fe.Err.Error()))
		case errors.As(e, &fe):
			out = append(out, fmt.Sprintf("%s: %s", name, fe.Err.Error()))
		default:
			out = append(out, fmt.Sprintf("%s: %v", name, e))
		}
	}
	return out
}

var typeName = regexp.MustCompile(` in type \S+`)

// cleanYAML shortens the decoder's messages: no "yaml: " prefix, no Go type names.
func cleanYAML(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	s = strings.TrimPrefix(s, "unmarshal errors:\n  ")
	s = strings.ReplaceAll(s, "\n  ", "; ")
	return typeName.ReplaceAllString(s, "")
}

// run applies the plan's events to a fresh engine under policy and checks the alerts.
func (p *plan) run(policy []gt.Rule) Result {
	res := Result{Name: p.name}
	e := engine.New()
	if policy != nil {
		if err := e.SetRules(policy); err != nil {
			res.Err = err
			return res
		}
	}
	var ch gt.Changes
	var log engine.AlertLog
	for i := range p.events {
		ev := &p.events[i].ev
		ch = gt.Changes{}
		if err := e.Apply(ev, &ch); err != nil {
			res.Err = fmt.Errorf("%s (line %d, %s at %s) was refused: %s", p.events[i].where, p.events[i].line,
				ev.Type, ev.Time.Format(timeLayout), describe(err))
			return res
		}
		log.Add(&ch)
	}
	var actual []gt.Alert
	for _, t := range p.tenants {
		actual = append(actual, log.Alerts(t)...)
	}
	res.Missing, res.Unexpected = match(p.expect, p.forbid, actual)
	return res
}

// describe formats an engine error with its field.
func describe(err error) string {
	var e *gt.Error
	if errors.As(err, &e) && e.Field != "" && !strings.HasPrefix(e.Message, e.Field) {
		return e.Field + ": " + e.Message
	}
	return err.Error()
}
