package httpapi

import (
	"context"
	"net/http"
	"slices"

	gt "groundtruth"

	"github.com/danielgtaylor/huma/v2"
)

// WhoAmI answers GET /api/v1/whoami: the caller's tenant and role, and what the role may
// do, so that a client (the dashboard) offers only that.
type WhoAmI struct {
	Tenant gt.Tenant       `json:"tenant"`
	KeyID  string          `json:"key_id"`
	Role   gt.Role         `json:"role"`
	May    map[string]bool `json:"may" doc:"ack_alerts, close_alerts, complete_inspections, edit_rules, edit_policy, write_records, manage_keys"`
}

type whoamiOutput struct{ Body WhoAmI }

func (s *Server) registerWhoAmI() {
	huma.Register(s.api, op("whoami", http.MethodGet, "/api/v1/whoami", "read the caller's tenant, role and permissions", "tenants", readers...),
		func(ctx context.Context, _ *struct{}) (*whoamiOutput, error) {
			p := caller(ctx)
			t, err := s.o.Store.Tenant(ctx, p.tenant)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			may := map[string]bool{
				"ack_alerts":           slices.Contains(alertHandlers, p.role),
				"close_alerts":         slices.Contains(alertHandlers, p.role),
				"complete_inspections": slices.Contains(inspectors, p.role),
				"edit_rules":           slices.Contains(alertHandlers, p.role),
				"write_records":        slices.Contains(writers, p.role),
				"manage_keys":          slices.Contains(admins, p.role),
				"edit_policy":          slices.Contains(alertHandlers, p.role),
			}
			return &whoamiOutput{Body: WhoAmI{Tenant: *t, KeyID: p.keyID, Role: p.role, May: may}}, nil
		})
}
