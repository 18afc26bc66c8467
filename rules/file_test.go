package rules_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/rules"
)

const goodFile = `# tenant policy
rules:
  - name: unauthorized_outflow
    expr: signal.active && signal.name == "unauthorized_outflow"
    for: 0s
    severity: critical
    action: request_inspection
    summary: "{{ signal.detail }}"
  - name: slow_payer
    expr: |
      loan.days_past_due > 30 &&
      loan.ltv > 0.8
    for: 2d
    severity: warning
  - name: quiet
    expr: "false"
    for: 1d12h
    severity: info
    action: notify
    disabled: true
`

func TestParseFile(t *testing.T) {
	rs, err := rules.ParseFile([]byte(goodFile))
	if err != nil {
		t.Fatalf("ParseFile(good) = %v", err)
	}
	want := []gt.Rule{
		{Name: "unauthorized_outflow", Expr: `signal.active && signal.name == "unauthorized_outflow"`,
			Severity: "critical", Action: "request_inspection", Summary: "{{ signal.detail }}"},
		{Name: "slow_payer", Expr: "loan.days_past_due > 30 &&\nloan.ltv > 0.8\n", For: gt.Duration(48 * time.Hour),
			Severity: "warning", Action: "alert"},
		{Name: "quiet", Expr: "false", For: gt.Duration(36 * time.Hour), Severity: "info", Action: "notify", Disabled: true},
	}
	if len(rs) != len(want) {
		t.Fatalf("ParseFile(good) = %d rules, want %d", len(rs), len(want))
	}
	for i := range want {
		if rs[i] != want[i] {
			t.Errorf("ParseFile(good)[%d] = %+v, want %+v", i, rs[i], want[i])
		}
	}
	for _, empty := range []string{"", "# nothing\n", "rules:\n", "rules: []\n"} {
		if rs, err := rules.ParseFile([]byte(empty)); err != nil || len(rs) != 0 {
			t.Errorf("ParseFile(%q) = %v, %v; want no rules and no error", empty, rs, err)
		}
	}
}

func TestParseFileErrors(t *testing.T) {
	// Each case changes one line of goodFile (1-based) and expects that line in the error.
	tests := []struct {
		line    int
		replace string
		want    string
	}{
		{6, "    severity: high", `line 6: rules[0].severity: must be info, warning or critical; got "high"`},
		{7, "    action: shout", `line 7: rules[0].action: must be alert, margin_call, freeze_drawdown, request_inspection or notify; got "shout"`},
		{5, "    for: soon", `line 5: rules[0].for: duration "soon": use a number and unit such as "5m", "72h" or "2d"`},
		{13, "    for: 91d", `line 13: rules[1].for: must be between 0 and 90 days`},
		{13, "    for: -1h", `line 13: rules[1].for: must be between 0 and 90 days`},
		{14, "    sevrity: warning", `line 14: rules[1].sevrity: unknown field; a rule has name, expr, for, severity, action, summary, disabled`},
		{14, "    labels: {team: risk}", `line 14: rules[1].labels: unknown field`},
		{15, "  - name: slow_payer", `line 15: rules[2].name: duplicate name "slow_payer" (first on line 9)`},
		{15, "  - name: Bad Name", `line 15: rules[2].name:`},
		{20, "    disabled: maybe", `line 20: rules[2].disabled: must be true or false; got "maybe"`},
		{20, "    disabled: 1", `line 20: rules[2].disabled: must be true or false; got "1"`},
		{16, "    expr: [1, 2]", `line 16: rules[2].expr: must be a single value`},
		{16, "    expr: ''", `line 16: rules[2].expr: is required`},
		{16, "    # no expr", `line 15: rules[2].expr: is required`}, // a missing field is reported on the rule's line
		{1, "groups:", `line 1: groups: unknown key; the only key is rules`},
		{14, "    severity: @x", `line 14: invalid YAML: found character that cannot start any token`},
		{14, "    for: 0s: 1", `line 14: invalid YAML: mapping values are not allowed in this context`},
	}
	lines := strings.Split(goodFile, "\n")
	for _, tt := range tests {
		mod := append([]string(nil), lines...)
		mod[tt.line-1] = tt.replace
		_, err := rules.ParseFile([]byte(strings.Join(mod, "\n")))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseFile(line %d = %q) = %v, want an error containing %q", tt.line, tt.replace, err, tt.want)
			continue
		}
		var fe *rules.FileError
		if !errors.As(err, &fe) || gt.ErrorCode(err) != gt.EINVALID {
			t.Errorf("ParseFile(line %d = %q) = %#v, want a *FileError with code invalid", tt.line, tt.replace, err)
		}
	}
}

func TestParseFileShapeErrors(t *testing.T) {
	tests := []struct{ data, want string }{
		{"- name: x\n", "line 1: a rule file must be a mapping with the key rules"},
		{"# policy\nrule: []\n", "line 2: rule: unknown key; the only key is rules"},
		{"# policy\nother: 1\n", "line 2: rules: is required"},
		{"\nrules: 7\n", "line 2: rules: must be a list of rules"},
		{"rules:\n  - 7\n", "line 2: rules[0]: must be a mapping"},
		{"rules: []\nrules: []\n", "line 2: rules: appears twice"},
		{"rules:\n  - name: a\n    name: b\n", "line 3: rules[0].name: appears twice"},
		{"rules:\n  - name: &n a\n    expr: *n\n", "line 3: rules[0].expr: must be a single value"},
	}
	for _, tt := range tests {
		_, err := rules.ParseFile([]byte(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseFile(%q) = %v, want an error containing %q", tt.data, err, tt.want)
		}
	}
}

func TestParseFileReportsAllErrors(t *testing.T) {
	data := "rules:\n  - name: a\n    expr: 'true'\n    severity: high\n  - name: b\n    expr: 'true'\n    severity: info\n    colour: red\n"
	_, err := rules.ParseFile([]byte(data))
	for _, want := range []string{"line 4: rules[0].severity", "line 8: rules[1].colour: unknown field"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFile(two bad rules) = %v, want it to contain %q", err, want)
		}
	}
}

func TestCheck(t *testing.T) {
	cs, err := rules.Check([]byte(goodFile))
	if err != nil || len(cs) != 3 {
		t.Fatalf("Check(good) = %d rules, %v; want 3, nil", len(cs), err)
	}
	if cs[0].SignalName() != "unauthorized_outflow" || cs[1].Scope() != rules.ScopeLoan {
		t.Errorf("Check(good) = signal %q scope %v, want unauthorized_outflow and loan", cs[0].SignalName(), cs[1].Scope())
	}
	bad := strings.NewReplacer(
		`signal.active && signal.name`, `signal.active && signal.nmae`,
		`loan.ltv > 0.8`, `loan.ltv > "high"`,
		`"{{ signal.detail }}"`, `"{{ signal.detial }}"`,
	).Replace(goodFile)
	_, err = rules.Check([]byte(bad))
	for _, want := range []string{
		"line 4: rules[0].expr: 1:24: undefined field 'nmae'",
		"line 10: rules[1].expr: 2:10: found no matching overload for '_>_' applied to '(double, string)'",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(bad) = %v, want it to contain %q", err, want)
		}
	}
	bad = strings.Replace(goodFile, `signal.detail }}`, `signal.detial }}`, 1)
	_, err = rules.Check([]byte(bad))
	if want := "line 8: rules[0].summary: 1:10: undefined field 'detial'"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Check(bad summary) = %v, want it to contain %q", err, want)
	}
	// Parse and compile errors are reported together.
	bad = strings.Replace(strings.Replace(goodFile, "severity: info", "severity: low", 1), "signal.active", "signal.activ", 1)
	_, err = rules.Check([]byte(bad))
	for _, want := range []string{"line 18: rules[2].severity", "line 4: rules[0].expr: 1:7: undefined field 'activ'"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(parse and compile errors) = %v, want it to contain %q", err, want)
		}
	}
}
