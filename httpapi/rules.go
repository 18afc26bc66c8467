package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	gt "groundtruth"
	"groundtruth/rules"

	"github.com/danielgtaylor/huma/v2"
)

// RuleRequest is the body of PUT /api/v1/rules/{name} and POST /api/v1/rules/check: a
// rule's writable fields. The read-only fields of a rule as read (version, builtin, seq,
// saved_at) are accepted and ignored, so a rule read can be edited and sent back.
type RuleRequest struct {
	Name     string      `json:"name,omitempty" maxLength:"64" doc:"Must match the path when given"`
	Expr     string      `json:"expr" minLength:"1" maxLength:"4000" doc:"Boolean CEL expression over loan, collateral, device, signal, price, portfolio and now"`
	For      gt.Duration `json:"for,omitempty" doc:"How long expr must hold before the alert fires, e.g. 30m; at most 90 days"`
	Severity string      `json:"severity" enum:"info,warning,critical"`
	Action   string      `json:"action,omitempty" enum:"alert,margin_call,freeze_drawdown,request_inspection,notify" doc:"Defaults to alert"`
	Summary  string      `json:"summary,omitempty" maxLength:"1000" doc:"Text with {{ cel expression }} parts filled in when the alert fires"`
	Disabled bool        `json:"disabled,omitempty"`
	Version  int         `json:"version,omitempty" readOnly:"true" doc:"Ignored"`
	Builtin  bool        `json:"builtin,omitempty" readOnly:"true" doc:"Ignored"`
	Seq      uint64      `json:"seq,omitempty" readOnly:"true" doc:"Ignored"`
	SavedAt  time.Time   `json:"saved_at,omitzero" readOnly:"true" doc:"Ignored"`
}

func (r *RuleRequest) rule() gt.Rule {
	return gt.Rule{Name: r.Name, Expr: r.Expr, For: r.For, Severity: r.Severity, Action: r.Action,
		Summary: r.Summary, Disabled: r.Disabled}
}

// RuleDetail answers GET /api/v1/rules/{name}: the rule in effect and its versions.
type RuleDetail struct {
	Rule     gt.Rule   `json:"rule" doc:"The rule in effect: the tenant's latest version, or the built-in one"`
	Versions []gt.Rule `json:"versions" doc:"Every version, oldest first: for a built-in rule, the built-in one (version 1) followed by the tenant's overrides (2, 3, ...); otherwise the tenant's saved versions (1, 2, ...)"`
}

// RuleCheck answers POST /api/v1/rules/check when the rule compiles.
type RuleCheck struct {
	OK    bool   `json:"ok"`
	Scope string `json:"scope" enum:"portfolio,price,loan,collateral,device,signal" doc:"What the rule is evaluated for, from the variables it uses"`
}

type ruleNameInput struct {
	Name string `path:"name" maxLength:"64" pattern:"^[a-z0-9_.-]+$" doc:"Rule name"`
}

type rulePutInput struct {
	Name string `path:"name" maxLength:"64" pattern:"^[a-z0-9_.-]+$" doc:"Rule name"`
	Body RuleRequest
}

type ruleCheckInput struct{ Body RuleRequest }

type ruleOutput struct{ Body gt.Rule }

type ruleDetailOutput struct{ Body RuleDetail }

type ruleCheckOutput struct{ Body RuleCheck }

// checkName names the rule compiled by POST /api/v1/rules/check when the body has none.
const checkName = "check"

func (s *Server) registerRules() {
	o := op("list-rules", http.MethodGet, "/api/v1/rules", "list the rules in effect", "rules", readers...)
	o.Description = "The tenant's effective rule set, sorted by name: the built-in rule pack with each of " +
		"the tenant's rules of the same name in place of the built-in one, plus the tenant's other rules. " +
		"Each rule is its latest version. The list is not paged (next_cursor is never set)."
	huma.Register(s.api, o, func(ctx context.Context, _ *struct{}) (*pageOutput[gt.Rule], error) {
		rs, err := s.effectiveRules(ctx, caller(ctx).tenant)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &pageOutput[gt.Rule]{Body: Page[gt.Rule]{Items: rs}}, nil
	})

	huma.Register(s.api, op("get-rule", http.MethodGet, "/api/v1/rules/{name}", "get a rule and its versions", "rules", readers...),
		func(ctx context.Context, in *ruleNameInput) (*ruleDetailOutput, error) {
			p := caller(ctx)
			vs, err := s.o.Store.RuleVersions(ctx, p.tenant, in.Name)
			if err != nil && gt.ErrorCode(err) != gt.ENOTFOUND {
				return nil, s.problem(ctx, err)
			}
			b, builtin := builtinRule(in.Name)
			switch {
			case len(vs) == 0 && !builtin:
				return nil, s.problem(ctx, gt.Errorf(gt.ENOTFOUND, "rule %q does not exist", in.Name))
			case len(vs) == 0:
				return &ruleDetailOutput{Body: RuleDetail{Rule: b, Versions: []gt.Rule{b}}}, nil
			case builtin && vs[0].Version > b.Version:
				// The built-in rule is version 1 of the history the tenant's versions continue.
				vs = append([]gt.Rule{b}, vs...)
			}
			return &ruleDetailOutput{Body: RuleDetail{Rule: vs[len(vs)-1], Versions: vs}}, nil
		})

	o = op("put-rule", http.MethodPut, "/api/v1/rules/{name}", "save a rule", "rules", alertHandlers...)
	o.Description = "Saves a new version of the tenant's rule of this name; a built-in rule of the same name " +
		"is overridden (disable it with `disabled: true`). The rule is type-checked and its cost bounded first: " +
		"a rule that does not compile is refused with 422 naming `body.expr` or `body.summary` and the CEL " +
		"position (line:column) in the message. Answers the stored version."
	huma.Register(s.api, o, func(ctx context.Context, in *rulePutInput) (*ruleOutput, error) {
		if in.Body.Name != "" && in.Body.Name != in.Name {
			return nil, huma.NewError(http.StatusUnprocessableEntity, "name: must match the path",
				&huma.ErrorDetail{Location: "body.name", Message: "must match the path", Value: in.Body.Name})
		}
		r := in.Body.rule()
		r.Name = in.Name
		c, err := rules.Compile(r)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		p := caller(ctx)
		if _, err := s.o.Node.Command(ctx, gt.EventRulePut, p.tenant, p.keyID, c.Rule); err != nil {
			return nil, s.problem(ctx, err)
		}
		vs, err := s.o.Store.RuleVersions(ctx, p.tenant, in.Name)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		if len(vs) == 0 {
			return nil, s.problem(ctx, gt.Errorf(gt.EINTERNAL, "rule %q saved but not projected", in.Name))
		}
		return &ruleOutput{Body: vs[len(vs)-1]}, nil
	})

	o = op("check-rule", http.MethodPost, "/api/v1/rules/check", "check a rule without saving it", "rules", alertHandlers...)
	o.Description = "Compiles the rule as PUT /api/v1/rules/{name} would, without saving it: 200 with " +
		"`ok: true` and the rule's scope, or the same 422 problem. The name may be left out."
	huma.Register(s.api, o, func(ctx context.Context, in *ruleCheckInput) (*ruleCheckOutput, error) {
		r := in.Body.rule()
		if r.Name == "" {
			r.Name = checkName
		}
		c, err := rules.Compile(r)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &ruleCheckOutput{Body: RuleCheck{OK: true, Scope: c.Scope().String()}}, nil
	})
}

// effectiveRules returns the tenant's rule set: the built-in pack, each rule replaced by
// the tenant's rule of the same name, plus the tenant's other rules, sorted by name.
func (s *Server) effectiveRules(ctx context.Context, tenant string) ([]gt.Rule, error) {
	saved, err := s.o.Store.Rules(ctx, tenant)
	if err != nil {
		return nil, err
	}
	byName := map[string]gt.Rule{}
	for _, r := range rules.Builtin() {
		byName[r.Name] = r
	}
	for _, r := range saved {
		byName[r.Name] = r
	}
	out := make([]gt.Rule, 0, len(byName))
	for _, r := range byName {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b gt.Rule) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// builtinRule returns the built-in rule of that name.
func builtinRule(name string) (gt.Rule, bool) {
	for _, r := range rules.Builtin() {
		if r.Name == name {
			return r, true
		}
	}
	return gt.Rule{}, false
}
