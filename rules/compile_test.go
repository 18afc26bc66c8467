package rules_test

import (
	"slices"
	"strings"
	"testing"

	gt "groundtruth"
	"groundtruth/rules"
)

// rule returns a valid rule with the given expression.
func rule(expr string) gt.Rule {
	return gt.Rule{Name: "test_rule", Expr: expr, Severity: gt.SeverityWarning}
}

func mustCompile(t testing.TB, r gt.Rule) *rules.Compiled {
	t.Helper()
	c, err := rules.Compile(r)
	if err != nil {
		t.Fatalf("Compile(%q) = %v", r.Expr, err)
	}
	return c
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name, expr, summary string
		field, msg          string
	}{
		{"undefined field", "loan.ltvv > 0.8", "", "expr", "1:5: undefined field 'ltvv'"},
		{"undefined field on line 2", "loan.ltv > 0.8 &&\n  signal.nmae == \"x\"", "", "expr", "2:9: undefined field 'nmae'"},
		{"undefined variable", "lon.ltv > 0.8", "", "expr", "1:1: undeclared reference to 'lon' (did you mean 'loan'?)"},
		{"not bool", "loan.ltv + 1.0", "", "expr", "1:1: must be a bool expression; got double"},
		{"not bool after spaces", "  loan.id", "", "expr", "1:3: must be a bool expression; got string"},
		{"syntax error", "loan.ltv >", "", "expr", "1:11: Syntax error: mismatched input '<EOF>'"},
		{"type mismatch", "loan.ltv > \"x\"", "", "expr", "1:10: found no matching overload for '_>_' applied to '(double, string)'"},
		{"summary undefined field", "loan.ltv > 0.8", "Loan {{ loan.idd }} at risk", "summary", "1:13: undefined field 'idd'"},
		{"summary second part", "loan.ltv > 0.8", "{{ loan.id }} and {{ lon }}", "summary", "1:22: undeclared reference to 'lon'"},
		{"summary after wide characters", "loan.ltv > 0.8", "Prêt № {{ loan.idd }}", "summary", "1:15: undefined field 'idd'"},
		{"many errors", "lon.x > 0 && lan.y > 0 && lin.z > 0 && lun.w > 0", "", "expr", "1:1: undeclared reference to 'lon' (did you mean 'loan'?); 1:14: undeclared reference to 'lan' (did you mean 'loan'?); 1:27: undeclared reference to 'lin' (did you mean 'in' or '@in'?); and 1 more"},
		{"summary unclosed", "loan.ltv > 0.8", "LTV {{ loan.ltv ", "summary", "1:5: {{ without a closing }}"},
		{"summary empty part", "loan.ltv > 0.8", "LTV {{  }}", "summary", "1:5: empty {{ }}"},
		{"validate severity", "true", "", "severity", "must be info, warning or critical"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rule(tt.expr)
			r.Summary = tt.summary
			if tt.field == "severity" {
				r.Severity = "high"
			}
			_, err := rules.Compile(r)
			if err == nil {
				t.Fatalf("Compile(%q, %q) = nil error, want %s: %s", tt.expr, tt.summary, tt.field, tt.msg)
			}
			if code := gt.ErrorCode(err); code != gt.EINVALID {
				t.Errorf("ErrorCode = %q, want %q", code, gt.EINVALID)
			}
			if f := gt.ErrorField(err); f != tt.field {
				t.Errorf("ErrorField = %q, want %q (error %v)", f, tt.field, err)
			}
			if !strings.HasPrefix(gt.ErrorMessage(err), tt.msg) {
				t.Errorf("Compile(%q, %q) = %q, want a message starting %q", tt.expr, tt.summary, err, tt.msg)
			}
		})
	}
}

func TestCompileErrorString(t *testing.T) {
	_, err := rules.Compile(rule("loan.ltvv > 0.8"))
	if got, want := err.Error(), "expr: 1:5: undefined field 'ltvv'"; got != want {
		t.Errorf("Compile error = %q, want %q", got, want)
	}
}

func TestCompileCost(t *testing.T) {
	ok := []string{
		"loan.ltv > 0.8 && loan.days_past_due > 30",
		`signal.active && signal.name == "x" && signal.detail.contains("silo")`,
		`signal.detail.matches("^bay [0-9]+$")`,
		`device.rejected.exists(k, device.rejected[k] > 3)`,
		`size(device.rejected) > 2 || device.rejected.all(k, k.startsWith("sig"))`,
	}
	for _, expr := range ok {
		mustCompile(t, rule(expr))
	}
	tooCostly := []string{
		`device.rejected.all(k, device.rejected.all(j, k != j || true))`,
		`[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, a+b+c+d > 0))))`,
	}
	for _, expr := range tooCostly {
		_, err := rules.Compile(rule(expr))
		if err == nil || !strings.Contains(err.Error(), "exceeds the limit") {
			t.Errorf("Compile(%q) = %v, want a cost limit error", expr, err)
		}
	}
	// A costly summary part is refused too.
	r := rule("true")
	r.Summary = "{{ device.rejected.all(k, device.rejected.all(j, k != j)) }}"
	if _, err := rules.Compile(r); gt.ErrorField(err) != "summary" || !strings.Contains(err.Error(), "exceeds the limit") {
		t.Errorf("Compile(costly summary) = %v, want a summary cost limit error", err)
	}
}

func TestRuntimeCostLimit(t *testing.T) {
	c := mustCompile(t, rule(`signal.detail.contains("needle")`))
	small := &rules.Vars{Signal: &rules.Signal{Detail: "a needle in a haystack"}}
	if got, err := c.Eval(small); err != nil || !got {
		t.Fatalf("Eval(small) = %v, %v; want true, nil", got, err)
	}
	// Far larger than the sizes the estimate assumes: the runtime limit stops it.
	huge := &rules.Vars{Signal: &rules.Signal{Detail: strings.Repeat("a", 20*rules.MaxRuntimeCost)}}
	got, err := c.Eval(huge)
	if err == nil || !strings.Contains(err.Error(), "cost limit exceeded") {
		t.Errorf("Eval(huge) = %v, %v; want a cost limit error", got, err)
	}
}

func TestScope(t *testing.T) {
	tests := []struct {
		expr string
		want rules.Scope
	}{
		{"portfolio.loans_in_margin_call > 3", rules.ScopePortfolio},
		{"true", rules.ScopePortfolio},
		{"price.return < -0.1 && portfolio.exposure > 0.0", rules.ScopePrice},
		{"loan.ltv > 0.8 && price.sigma > 0.05", rules.ScopeLoan},
		{"collateral.trust < 0.5 && loan.ltv > 0.7", rules.ScopeCollateral},
		{"device.state == \"offline\" && collateral.value > 1000.0", rules.ScopeDevice},
		{"signal.active && device.signed && loan.ltv > 0.1", rules.ScopeSignal},
		{"[1].exists(loan, loan > 0)", rules.ScopePortfolio}, // a local, not the variable
		{"[rules.Loan{ltv: 0.5}].exists(loan, loan.ltv > 0.1)", rules.ScopePortfolio},
		{"[loan].exists(l, l.ltv > 0.1)", rules.ScopeLoan},
		{"{collateral.id: 1}.size() > 0", rules.ScopeCollateral},
		{"now > timestamp(\"2024-01-01T00:00:00Z\")", rules.ScopePortfolio},
	}
	for _, tt := range tests {
		if got := mustCompile(t, rule(tt.expr)).Scope(); got != tt.want {
			t.Errorf("Compile(%q).Scope() = %v, want %v", tt.expr, got, tt.want)
		}
	}
	if got := rules.ScopeCollateral.String(); got != "collateral" {
		t.Errorf("ScopeCollateral.String() = %q, want collateral", got)
	}
	if got := rules.Scope(42).String(); got != "scope(42)" {
		t.Errorf("Scope(42).String() = %q, want scope(42)", got)
	}
}

func TestSignalName(t *testing.T) {
	tests := []struct{ expr, want string }{
		{`signal.active && signal.name == "tamper"`, "tamper"},
		{`signal.name == "tamper"`, "tamper"},
		{`"tamper" == signal.name && signal.active`, "tamper"},
		{`signal.active && (signal.value > 2.0 && signal.name == "price_shock")`, "price_shock"},
		{`signal.name == "tamper" && signal.name == "tamper"`, "tamper"},
		{`signal.name == "a" && signal.name == "b"`, ""},
		{`signal.name == "x" || signal.active`, ""},
		{`signal.active || signal.name == "x"`, ""},
		{`!(signal.name == "x")`, ""},
		{`signal.name != "x"`, ""},
		{`signal.name == signal.subject`, ""},
		{`signal.subject == "x"`, ""},
		{`signal.active`, ""},
		{`loan.id == "x"`, ""},
	}
	for _, tt := range tests {
		if got := mustCompile(t, rule(tt.expr)).SignalName(); got != tt.want {
			t.Errorf("Compile(%q).SignalName() = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

func TestCompileNormalisesAction(t *testing.T) {
	c := mustCompile(t, rule("true"))
	if c.Rule.Action != gt.ActionAlert {
		t.Errorf("Compile(no action).Rule.Action = %q, want %q", c.Rule.Action, gt.ActionAlert)
	}
}

// TestLoanFields: the fields of loan an expression reads, or whole when loan is used
// otherwise than field by field.
func TestLoanFields(t *testing.T) {
	for _, tc := range []struct {
		expr   string
		fields []string
		whole  bool
	}{
		{`loan.band == "warn"`, []string{"band"}, false},
		{`loan.band == "margin_call" || loan.band == "liquidation"`, []string{"band"}, false},
		{`loan.ltv > 0.8 && loan.days_past_due > 30`, []string{"days_past_due", "ltv"}, false},
		{`has(loan.coverage) && loan.coverage < 1.2`, []string{"coverage"}, false},
		{`[loan].exists(l, l.ltv > 0.9)`, nil, true},
		{`[1].exists(loan, loan > 0) && loan.value < 10.0`, []string{"value"}, false},
		{`signal.active && signal.name == "tamper"`, []string{}, false},
	} {
		c, err := rules.Compile(gt.Rule{Name: "r", Expr: tc.expr, Severity: gt.SeverityWarning})
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		fields, whole := c.LoanFields()
		if whole != tc.whole || !slices.Equal(fields, tc.fields) && !(len(fields) == 0 && len(tc.fields) == 0) {
			t.Errorf("%s: LoanFields = %v, %v; want %v, %v", tc.expr, fields, whole, tc.fields, tc.whole)
		}
	}
}
