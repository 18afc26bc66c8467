package httpapi

import (
	"context"
	"net/http"

	gt "groundtruth"

	"github.com/danielgtaylor/huma/v2"
)

// DeviceToken is a device's new token, shown once and stored only as a hash.
type DeviceToken struct {
	DeviceID string `json:"device_id"`
	Token    string `json:"token" doc:"MQTT password / HTTP bearer token of the device; shown once"`
}

// PublicKeyRequest registers a device's Ed25519 public key.
type PublicKeyRequest struct {
	PublicKey string `json:"public_key" doc:"Raw 32-byte Ed25519 public key, base64url"`
}

type tokenOutput struct{ Body DeviceToken }

type publicKeyInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body PublicKeyRequest
}

func (s *Server) registerDeviceCredentials() {
	o := op("issue-device-token", http.MethodPost, "/api/v1/devices/{id}/token", "issue a device token", "devices", writers...)
	o.Description = "Issues a new token for the device, replacing any earlier one."
	huma.Register(s.api, o, func(ctx context.Context, in *idInput) (*tokenOutput, error) {
		p := caller(ctx)
		tok, err := s.o.Node.IssueDeviceToken(ctx, p.tenant, p.keyID, in.ID)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &tokenOutput{Body: DeviceToken{DeviceID: in.ID, Token: tok}}, nil
	})

	huma.Register(s.api, op("register-device-key", http.MethodPut, "/api/v1/devices/{id}/public-key", "register a device's public key", "devices", writers...),
		func(ctx context.Context, in *publicKeyInput) (*recordOutput[gt.Device], error) {
			p := caller(ctx)
			if _, err := gt.ParsePublicKey(in.Body.PublicKey); err != nil {
				return nil, s.problem(ctx, err)
			}
			_, err := s.o.Node.Command(ctx, gt.EventDeviceKey, p.tenant, p.keyID, gt.DeviceCredential{DeviceID: in.ID, PublicKey: in.Body.PublicKey})
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			d, err := s.o.Store.Device(ctx, p.tenant, in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &recordOutput[gt.Device]{Status: http.StatusOK, Body: *d}, nil
		})
}
