package httpapi

import (
	"context"
	"net/http"

	gt "groundtruth"

	"github.com/danielgtaylor/huma/v2"
)

// TenantCreateRequest is the body of POST /api/v1/tenants.
type TenantCreateRequest struct {
	ID   string `json:"id,omitempty" maxLength:"64" doc:"Tenant id; derived from the name when empty"`
	Name string `json:"name" minLength:"1" maxLength:"200" doc:"Lender's name"`
}

// TenantCreated is the answer to POST /api/v1/tenants: the admin key's secret is shown
// this once and stored only as a hash.
type TenantCreated struct {
	Tenant   gt.Tenant `json:"tenant"`
	AdminKey string    `json:"admin_key" doc:"Secret of the first admin API key; shown once"`
}

// KeyCreateRequest is the body of POST /api/v1/api-keys.
type KeyCreateRequest struct {
	Name string  `json:"name" minLength:"1" maxLength:"200"`
	Role gt.Role `json:"role" enum:"admin,risk_officer,analyst,inspector,auditor,device"`
}

// KeyCreated is a new API key with its secret, shown once.
type KeyCreated struct {
	Key    gt.APIKey `json:"key"`
	Secret string    `json:"secret" doc:"The key's secret; shown once, stored only as a hash"`
}

type tenantCreateInput struct{ Body TenantCreateRequest }

type tenantCreateOutput struct{ Body TenantCreated }

type tenantOutput struct{ Body gt.Tenant }

func (s *Server) registerTenants() {
	o := op("create-tenant", http.MethodPost, "/api/v1/tenants", "create a tenant", "tenants")
	o.Metadata["operator"] = true
	o.DefaultStatus = http.StatusCreated
	o.Description = "Operator only: the bearer token is a one-time operator token written by `groundtruth tenant create` into the data directory."
	huma.Register(s.api, o, func(ctx context.Context, in *tenantCreateInput) (*tenantCreateOutput, error) {
		t, secret, err := s.o.Node.CreateTenant(ctx, in.Body.ID, in.Body.Name)
		if err != nil {
			return nil, s.problem(ctx, unprefix(err, "tenant"))
		}
		return &tenantCreateOutput{Body: TenantCreated{Tenant: *t, AdminKey: secret}}, nil
	})

	huma.Register(s.api, op("get-tenant", http.MethodGet, "/api/v1/tenant", "read the caller's tenant", "tenants", readers...),
		func(ctx context.Context, _ *struct{}) (*tenantOutput, error) {
			t, err := s.o.Store.Tenant(ctx, caller(ctx).tenant)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &tenantOutput{Body: *t}, nil
		})
}

type keyCreateInput struct{ Body KeyCreateRequest }

type keyCreateOutput struct{ Body KeyCreated }

type keyOutput struct{ Body gt.APIKey }

func (s *Server) registerKeys() {
	o := op("create-api-key", http.MethodPost, "/api/v1/api-keys", "create an API key", "api-keys", admins...)
	o.DefaultStatus = http.StatusCreated
	huma.Register(s.api, o, func(ctx context.Context, in *keyCreateInput) (*keyCreateOutput, error) {
		p := caller(ctx)
		k, secret, err := s.o.Node.CreateAPIKey(ctx, p.tenant, p.keyID, in.Body.Name, in.Body.Role)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &keyCreateOutput{Body: KeyCreated{Key: *k, Secret: secret}}, nil
	})

	huma.Register(s.api, op("list-api-keys", http.MethodGet, "/api/v1/api-keys", "list API keys", "api-keys", admins...),
		func(ctx context.Context, in *ListInput) (*pageOutput[gt.APIKey], error) {
			after, err := decodeCursor(in.Cursor)
			if err != nil {
				return nil, err
			}
			keys, err := s.o.Store.APIKeys(ctx, caller(ctx).tenant, gt.ListOptions{After: after, Limit: in.Limit + 1})
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &pageOutput[gt.APIKey]{Body: paginate(keys, in.Limit, func(k *gt.APIKey) string { return k.ID })}, nil
		})

	huma.Register(s.api, op("revoke-api-key", http.MethodDelete, "/api/v1/api-keys/{id}", "revoke an API key", "api-keys", admins...),
		func(ctx context.Context, in *idInput) (*keyOutput, error) {
			p := caller(ctx)
			if in.ID == p.keyID {
				return nil, huma.Error422UnprocessableEntity("a key cannot revoke itself")
			}
			if _, err := s.o.Node.Command(ctx, gt.EventAPIKeyRevoke, p.tenant, p.keyID, gt.IDRef{ID: in.ID}); err != nil {
				return nil, s.problem(ctx, err)
			}
			k, err := s.o.Store.APIKey(ctx, p.tenant, in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &keyOutput{Body: *k}, nil
		})
}
