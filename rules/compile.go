// Package rules compiles and evaluates the alerting rules of SPEC §6.6: CEL expressions
// over the typed variables loan, collateral, device, signal, price, portfolio and now,
// with a `for` duration, a severity, an action and a summary template, modelled on
// Prometheus alerting rules. It also reads rule files (YAML) and holds the built-in rule
// pack.
//
// The package is pure: it reads no clock and does no I/O; the engine passes the time in
// Vars.Now and decides when a rule has held for its `for` duration.
package rules

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"

	gt "groundtruth"
)

// Scope is what a rule iterates over, inferred from the variables its expression
// references: a rule over `signal` is evaluated per signal, one over `loan` per loan, and
// so on.
type Scope int

// Scopes, from the widest to the narrowest. A rule's scope is the narrowest variable it
// references: signal, then device, collateral, loan, price; a rule referencing none of
// them is a portfolio rule.
const (
	ScopePortfolio Scope = iota
	ScopePrice
	ScopeLoan
	ScopeCollateral
	ScopeDevice
	ScopeSignal
)

var scopeNames = [...]string{"portfolio", "price", "loan", "collateral", "device", "signal"}

// String returns the variable name of the scope ("loan"), or "scope(N)" for an unknown one.
func (s Scope) String() string {
	if s >= 0 && int(s) < len(scopeNames) {
		return scopeNames[s]
	}
	return fmt.Sprintf("scope(%d)", int(s))
}

// Compiled is a type-checked rule ready to evaluate. It is safe for concurrent use.
type Compiled struct {
	// Rule is the rule as validated (an empty Action normalised to alert).
	Rule gt.Rule

	prog       cel.Program
	scope      Scope
	usesNow    bool
	loanFields map[string]bool // the fields of loan read, nil when loan is read whole
	signalName string
	summary    []part
}

// Compile validates r (gt.Rule.Validate), type-checks its Expr, which must be bool, and
// each {{ ... }} part of its Summary, and checks their estimated cost against MaxCost.
// Errors are *gt.Error with code gt.EINVALID and the field of the rule ("expr",
// "summary", or the field Validate names); CEL errors carry their line:column inside the
// expression (for a summary part, inside the summary), such as
// `expr: 1:5: undefined field 'ltvv'` (CEL places a field error at its dot).
func Compile(r gt.Rule) (*Compiled, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	env, err := celEnv()
	if err != nil {
		return nil, gt.Errorf(gt.EINTERNAL, "%v", err)
	}
	ast, err := check(env, "expr", r.Expr)
	if err != nil {
		return nil, err
	}
	if t := ast.OutputType(); !t.IsExactType(types.BoolType) {
		return nil, gt.FieldErrorf("expr", "%s: must be a bool expression; got %s", startOf(ast), t)
	}
	c := &Compiled{Rule: r}
	if c.prog, err = program(env, ast); err != nil {
		return nil, gt.FieldErrorf("expr", "%v", err)
	}
	c.scope, c.usesNow, c.loanFields = scopeOf(ast)
	c.signalName = signalNameOf(ast.NativeRep().Expr())
	if c.summary, err = compileSummary(env, r.Summary); err != nil {
		return nil, err
	}
	return c, nil
}

// check parses and type-checks src and checks its estimated cost; errors name field.
func check(env *cel.Env, field, src string) (*cel.Ast, error) {
	ast, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		const maxShown = 3
		var msgs []string
		for i, e := range iss.Errors() {
			if i == maxShown {
				msgs = append(msgs, fmt.Sprintf("and %d more", len(iss.Errors())-maxShown))
				break
			}
			msgs = append(msgs, fmt.Sprintf("%d:%d: %s", e.Location.Line(), e.Location.Column()+1, e.Message))
		}
		return nil, gt.FieldErrorf(field, "%s", strings.Join(msgs, "; "))
	}
	est, err := env.EstimateCost(ast, sizeEstimator{})
	if err != nil {
		return nil, gt.FieldErrorf(field, "%s: cannot estimate cost: %v", startOf(ast), err)
	}
	if est.Max > MaxCost {
		return nil, gt.FieldErrorf(field, "%s: estimated cost %d exceeds the limit of %d", startOf(ast), est.Max, MaxCost)
	}
	return ast, nil
}

// startOf returns the line:column of the first character of the expression.
func startOf(ast *cel.Ast) string {
	info := ast.NativeRep().SourceInfo()
	first := int32(-1)
	for _, r := range info.OffsetRanges() {
		if first < 0 || r.Start < first {
			first = r.Start
		}
	}
	if first < 0 {
		first = 0
	}
	loc := info.GetLocationByOffset(first)
	return fmt.Sprintf("%d:%d", loc.Line(), loc.Column()+1)
}

// Scope returns what the rule iterates over.
func (c *Compiled) Scope() Scope { return c.scope }

// UsesNow reports whether the expression reads the variable now, so that its result can
// change with time alone.
func (c *Compiled) UsesNow() bool { return c.usesNow }

// LoanFields returns the fields of the variable loan that the expression reads, sorted,
// and whole true when it reads loan otherwise than field by field (then its result may
// depend on any field). The engine leaves a rule unevaluated for a loan whose fields it
// reads have not changed.
func (c *Compiled) LoanFields() (fields []string, whole bool) {
	if c.loanFields == nil {
		return nil, true
	}
	return slices.Sorted(maps.Keys(c.loanFields)), false
}

// SignalName returns the signal name the rule requires when its expression is a
// conjunction containing `signal.name == "literal"` (in either operand order), so the
// engine can index rules by signal name; it returns "" otherwise.
func (c *Compiled) SignalName() string { return c.signalName }

// Eval evaluates the rule's expression. Runtime errors, such as the cost limit exceeded or
// a missing map key, are returned, never panicked.
func (c *Compiled) Eval(v *Vars) (bool, error) {
	if v == nil {
		v = &Vars{}
	}
	out, _, err := c.prog.Eval(activation{v: v})
	if err != nil {
		return false, fmt.Errorf("rule %s: %w", c.Rule.Name, err)
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("rule %s: result is %s, not bool", c.Rule.Name, out.Type())
	}
	return bool(b), nil
}

// variableScopes maps each variable to the scope a reference to it gives.
var variableScopes = map[string]Scope{
	"signal":     ScopeSignal,
	"device":     ScopeDevice,
	"collateral": ScopeCollateral,
	"loan":       ScopeLoan,
	"price":      ScopePrice,
	"portfolio":  ScopePortfolio,
}

// scopeOf infers the scope from the variables the expression references, ignoring
// comprehension variables that shadow them (`[1].exists(loan, loan > 0)`), and reports
// whether it reads now.
func scopeOf(ast *cel.Ast) (Scope, bool, map[string]bool) {
	scope, usesNow := ScopePortfolio, false
	loanFields, loanWhole := map[string]bool{}, false
	var walk func(e celast.Expr, locals map[string]bool)
	walk = func(e celast.Expr, locals map[string]bool) {
		switch e.Kind() {
		case celast.IdentKind:
			if s, ok := variableScopes[e.AsIdent()]; ok && !locals[e.AsIdent()] {
				scope = max(scope, s)
			}
			if e.AsIdent() == "now" && !locals["now"] {
				usesNow = true
			}
			if e.AsIdent() == "loan" && !locals["loan"] {
				loanWhole = true // reached other than as the operand of a field selection
			}
		case celast.SelectKind:
			sel := e.AsSelect()
			if op := sel.Operand(); op.Kind() == celast.IdentKind && op.AsIdent() == "loan" && !locals["loan"] {
				scope = max(scope, ScopeLoan)
				loanFields[sel.FieldName()] = true
				return
			}
			walk(sel.Operand(), locals)
		case celast.CallKind:
			call := e.AsCall()
			if call.IsMemberFunction() {
				walk(call.Target(), locals)
			}
			for _, a := range call.Args() {
				walk(a, locals)
			}
		case celast.ListKind:
			for _, el := range e.AsList().Elements() {
				walk(el, locals)
			}
		case celast.MapKind:
			for _, en := range e.AsMap().Entries() {
				walk(en.AsMapEntry().Key(), locals)
				walk(en.AsMapEntry().Value(), locals)
			}
		case celast.StructKind:
			for _, f := range e.AsStruct().Fields() {
				walk(f.AsStructField().Value(), locals)
			}
		case celast.ComprehensionKind:
			c := e.AsComprehension()
			walk(c.IterRange(), locals)
			walk(c.AccuInit(), locals)
			inner := maps.Clone(locals)
			if inner == nil {
				inner = map[string]bool{}
			}
			inner[c.IterVar()], inner[c.AccuVar()] = true, true
			if c.HasIterVar2() {
				inner[c.IterVar2()] = true
			}
			walk(c.LoopCondition(), inner)
			walk(c.LoopStep(), inner)
			walk(c.Result(), inner)
		}
	}
	walk(ast.NativeRep().Expr(), nil)
	if loanWhole {
		loanFields = nil
	}
	return scope, usesNow, loanFields
}

// signalNameOf finds `signal.name == "literal"` in a conjunction. Conflicting literals
// (a rule that can never hold) give "".
func signalNameOf(e celast.Expr) string {
	if e.Kind() != celast.CallKind {
		return ""
	}
	call := e.AsCall()
	args := call.Args()
	switch {
	case call.FunctionName() == "_&&_" && len(args) == 2:
		a, b := signalNameOf(args[0]), signalNameOf(args[1])
		switch {
		case a == "":
			return b
		case b == "" || a == b:
			return a
		}
		return ""
	case call.FunctionName() == "_==_" && len(args) == 2:
		if isSignalName(args[0]) {
			return stringLiteral(args[1])
		}
		if isSignalName(args[1]) {
			return stringLiteral(args[0])
		}
	}
	return ""
}

func isSignalName(e celast.Expr) bool {
	if e.Kind() != celast.SelectKind {
		return false
	}
	sel := e.AsSelect()
	op := sel.Operand()
	return !sel.IsTestOnly() && sel.FieldName() == "name" &&
		op.Kind() == celast.IdentKind && op.AsIdent() == "signal"
}

func stringLiteral(e celast.Expr) string {
	if e.Kind() != celast.LiteralKind {
		return ""
	}
	s, _ := e.AsLiteral().(types.String)
	return string(s)
}
