package httpapi

import (
	"context"
	"net/http"

	gt "groundtruth"

	"github.com/danielgtaylor/huma/v2"
)

// WebhookRequest is the body of PUT /api/v1/webhook.
type WebhookRequest struct {
	URL      string `json:"url" minLength:"1" maxLength:"2000" doc:"https URL of the bank's receiver; http only to localhost or a loopback address"`
	Disabled bool   `json:"disabled,omitempty" doc:"Stops delivery; pending deliveries wait until it is enabled again"`
	// RotateSecret replaces the signing secret by a new one, answered once.
	RotateSecret bool `json:"rotate_secret,omitempty" doc:"Replace the signing secret: the answer shows the new one, which signs every delivery from now on"`
}

// WebhookSaved answers PUT /api/v1/webhook: the configuration and the secret with which
// deliveries are signed, shown only in this answer.
type WebhookSaved struct {
	Webhook gt.WebhookConfig `json:"webhook"`
	Secret  string           `json:"secret" doc:"Key of the HMAC-SHA256 in the Groundtruth-Signature header, used as text; derived by the server, never stored, answered only to PUT"`
}

type webhookPutInput struct{ Body WebhookRequest }

type webhookSavedOutput struct{ Body WebhookSaved }

type webhookOutput struct{ Body gt.WebhookConfig }

// webhookStore returns the store's webhook side, or an EUNAVAILABLE error when the
// server cannot deliver webhooks.
func (s *Server) webhookStore() (gt.WebhookStore, error) {
	ws, ok := s.o.Store.(gt.WebhookStore)
	if !ok {
		return nil, gt.Errorf(gt.EUNAVAILABLE, "this server's store keeps no webhooks")
	}
	return ws, nil
}

func (s *Server) registerWebhook() {
	o := op("put-webhook", http.MethodPut, "/api/v1/webhook", "set the webhook", "webhook", admins...)
	o.Description = "Sets the URL to which the tenant's actions are delivered (see docs/webhooks.md) and " +
		"answers the configuration with the secret that signs the deliveries. The secret is derived " +
		"by the server and never stored; only this answer shows it."
	huma.Register(s.api, o, func(ctx context.Context, in *webhookPutInput) (*webhookSavedOutput, error) {
		if len(s.o.WebhookKey) == 0 {
			return nil, s.problem(ctx, gt.Errorf(gt.EUNAVAILABLE, "webhook delivery is not configured on this server"))
		}
		ws, err := s.webhookStore()
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		w := gt.WebhookConfig{URL: in.Body.URL, Disabled: in.Body.Disabled, RotateSecret: in.Body.RotateSecret}
		if err := w.Validate(); err != nil {
			return nil, s.problem(ctx, err)
		}
		p := caller(ctx)
		if _, err := s.o.Node.Command(ctx, gt.EventWebhookPut, p.tenant, p.keyID, w); err != nil {
			return nil, s.problem(ctx, err)
		}
		saved, err := ws.Webhook(ctx, p.tenant)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &webhookSavedOutput{Body: WebhookSaved{Webhook: *saved, Secret: gt.WebhookSecretGen(s.o.WebhookKey, p.tenant, saved.Generation)}}, nil
	})

	huma.Register(s.api, op("get-webhook", http.MethodGet, "/api/v1/webhook", "read the webhook", "webhook", admins...),
		func(ctx context.Context, _ *struct{}) (*webhookOutput, error) {
			ws, err := s.webhookStore()
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			w, err := ws.Webhook(ctx, caller(ctx).tenant)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &webhookOutput{Body: *w}, nil
		})

	o = op("list-action-deliveries", http.MethodGet, "/api/v1/actions/{id}/deliveries", "list an action's webhook deliveries", "alerts", readers...)
	o.Description = "The deliveries of the action to the tenant's webhook, oldest first: one per state of the " +
		"action, with its status (pending, delivered, failed), attempts and the last answer. Not paged."
	huma.Register(s.api, o, func(ctx context.Context, in *idInput) (*pageOutput[gt.WebhookDelivery], error) {
		ws, err := s.webhookStore()
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		p := caller(ctx)
		if _, err := s.o.Store.Action(ctx, p.tenant, in.ID); err != nil {
			return nil, s.problem(ctx, err)
		}
		ds, err := ws.Deliveries(ctx, p.tenant, in.ID)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &pageOutput[gt.WebhookDelivery]{Body: Page[gt.WebhookDelivery]{Items: ds}}, nil
	})
}
