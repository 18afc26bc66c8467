package rules

import (
	"fmt"
	"reflect"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"
)

// Cost limits of a rule, in CEL cost units (about one unit per field access, comparison or
// character scanned). MaxCost bounds the worst-case cost the type checker estimates for the
// expression, or for each summary part, with strings of the variables at most
// MaxStringSize characters and maps at most MaxMapSize entries; a rule above it is refused
// by Compile. MaxRuntimeCost bounds one actual evaluation, which can exceed the estimate
// only when an input is larger than those sizes; an evaluation above it stops with an
// error. Rules whose cost cannot reach MaxRuntimeCost whatever their inputs are evaluated
// without cost tracking.
const (
	MaxCost        = 10_000
	MaxRuntimeCost = 100_000
	MaxStringSize  = 1024
	MaxMapSize     = 64
)

// celEnv is the shared CEL environment: the variables, their native types and the
// standard library with the strings extension.
var celEnv = sync.OnceValues(func() (*cel.Env, error) {
	env, err := cel.NewEnv(
		ext.NativeTypes(
			reflect.TypeFor[Loan](),
			reflect.TypeFor[Collateral](),
			reflect.TypeFor[Device](),
			reflect.TypeFor[Signal](),
			reflect.TypeFor[Price](),
			reflect.TypeFor[Portfolio](),
			ext.ParseStructTags(true),
		),
		ext.Strings(),
		cel.CrossTypeNumericComparisons(true),
		cel.ExtendedValidations(),
		cel.Variable("loan", cel.ObjectType("rules.Loan")),
		cel.Variable("collateral", cel.ObjectType("rules.Collateral")),
		cel.Variable("device", cel.ObjectType("rules.Device")),
		cel.Variable("signal", cel.ObjectType("rules.Signal")),
		cel.Variable("price", cel.ObjectType("rules.Price")),
		cel.Variable("portfolio", cel.ObjectType("rules.Portfolio")),
		cel.Variable("now", cel.TimestampType),
	)
	if err != nil {
		return nil, fmt.Errorf("build CEL environment: %w", err)
	}
	return env, nil
})

// sizeEstimator bounds the sizes of the variables' strings and maps for cost estimation;
// without it the checker assumes they may be unboundedly large.
type sizeEstimator struct{}

func (sizeEstimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	if len(n.Path()) == 0 {
		return nil
	}
	switch n.Type().Kind() {
	case types.StringKind:
		return &cost.SizeEstimate{Min: 0, Max: MaxStringSize}
	case types.MapKind, types.ListKind:
		return &cost.SizeEstimate{Min: 0, Max: MaxMapSize}
	}
	return nil
}

func (sizeEstimator) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}

// unboundedEstimator assumes nothing about sizes: its estimate bounds the actual cost of
// every evaluation, whatever the inputs.
type unboundedEstimator struct{}

func (unboundedEstimator) EstimateSize(cost.AstNode) *cost.SizeEstimate { return nil }

func (unboundedEstimator) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}

// program builds the runnable program of a checked AST. Runtime cost tracking, which
// costs time and allocations on every evaluation, is only switched on when the cost could
// exceed MaxRuntimeCost for some input: most rules compare fields with constants and have
// a small cost whatever the inputs.
func program(env *cel.Env, ast *cel.Ast) (cel.Program, error) {
	opts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize)}
	if est, err := env.EstimateCost(ast, unboundedEstimator{}); err != nil || est.Max > MaxRuntimeCost {
		opts = append(opts, cel.CostLimit(MaxRuntimeCost))
	}
	return env.Program(ast, opts...)
}
