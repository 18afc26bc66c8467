package httpapi

import (
	"context"
	"net/http"

	gt "groundtruth"
	"groundtruth/crop"
	"groundtruth/risk"

	"github.com/danielgtaylor/huma/v2"
)

// PolicyView answers GET and PUT /api/v1/policy: the tenant's own values and the values
// in effect (its own over the engine's defaults).
type PolicyView struct {
	Policy    gt.Policy `json:"policy" doc:"The tenant's own values; a field left out keeps the default."`
	Effective gt.Policy `json:"effective" doc:"Every parameter as the engine applies it."`
	Version   uint64    `json:"version" doc:"Journal sequence of the tenant's last change."`
}

type policyPutInput struct{ Body gt.Policy }

type policyOutput struct{ Body PolicyView }

func (s *Server) registerPolicy() {
	get := func(ctx context.Context) (*policyOutput, error) {
		t, err := s.o.Store.Tenant(ctx, caller(ctx).tenant)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &policyOutput{Body: viewPolicy(t)}, nil
	}
	huma.Register(s.api, op("get-policy", http.MethodGet, "/api/v1/policy", "read the risk policy", "policy", readers...),
		func(ctx context.Context, _ *struct{}) (*policyOutput, error) { return get(ctx) })

	o := op("put-policy", http.MethodPut, "/api/v1/policy", "set the risk policy", "policy", alertHandlers...)
	o.Description = "Replaces the tenant's risk policy (docs/policy.md): trust, haircut floors and liquidation days, " +
		"band hysteresis, the detectors' parameters, and whether devices must sign. Fields left out take the " +
		"defaults. Every collateral and loan is revalued under the new policy at once."
	huma.Register(s.api, o, func(ctx context.Context, in *policyPutInput) (*policyOutput, error) {
		if err := in.Body.Validate(); err != nil {
			return nil, s.problem(ctx, err)
		}
		p := caller(ctx)
		if _, err := s.o.Node.Command(ctx, gt.EventPolicyPut, p.tenant, p.keyID, in.Body); err != nil {
			return nil, s.problem(ctx, err)
		}
		return get(ctx)
	})
}

// viewPolicy is the policy of tenant t as the API shows it.
func viewPolicy(t *gt.Tenant) PolicyView {
	v := PolicyView{Version: t.Version}
	if t.Policy != nil {
		v.Policy = *t.Policy
	}
	v.Effective = risk.TenantPolicy(t.Policy).Effective(v.Policy.RequireSignatures)
	v.Effective.Crop = crop.TenantPolicy(v.Policy.Crop).Effective()
	return v
}

// tenantPolicy returns the risk policy in effect for a tenant.
func tenantPolicy(ctx context.Context, st gt.Store, tenant string) (risk.Policy, error) {
	t, err := st.Tenant(ctx, tenant)
	if err != nil {
		return risk.Policy{}, err
	}
	return risk.TenantPolicy(t.Policy), nil
}
