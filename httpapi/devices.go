package httpapi

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"time"

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

// CertificateRequest is the JSON form of PUT /api/v1/devices/{id}/certificate.
type CertificateRequest struct {
	Certificate string `json:"certificate" doc:"The device's X.509 certificate, PEM"`
}

type tokenOutput struct{ Body DeviceToken }

type publicKeyInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body PublicKeyRequest
}

type certificateInput struct {
	ID          string `path:"id" maxLength:"64"`
	ContentType string `header:"Content-Type" doc:"application/x-pem-file (the body is the PEM) or application/json (CertificateRequest)"`
	RawBody     []byte `contentType:"application/x-pem-file"`
}

// certificatePEM returns the PEM of a certificate request, from the body itself or from
// its JSON form.
func certificatePEM(in *certificateInput) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(in.ContentType)
	if mt != "application/json" {
		return in.RawBody, nil
	}
	var r CertificateRequest
	if err := json.Unmarshal(in.RawBody, &r); err != nil {
		return nil, gt.FieldErrorf("certificate", "the JSON body must be {\"certificate\": \"<PEM>\"}")
	}
	return []byte(r.Certificate), nil
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

	o = op("register-device-certificate", http.MethodPut, "/api/v1/devices/{id}/certificate", "register a device's TLS client certificate", "devices", writers...)
	o.MaxBodyBytes = 64 << 10
	o.Description = "Registers the device's own X.509 certificate (PEM; one leaf certificate, no chain, no " +
		"private key), replacing any earlier one. Only its SHA-256 fingerprint is kept (cert_sha256). A client " +
		"that presents this certificate on the embedded broker's TLS listener (serve --mqtt-tls) is this device " +
		"without a password; no CA is involved, so tenants share none. Refused with 422 at the field " +
		"certificate: not PEM, several blocks, a private key, unparsable, a CA certificate, no clientAuth usage, " +
		"an RSA key under 2048 bits, expired or not yet valid. A certificate that another device also " +
		"registered identifies neither device."
	huma.Register(s.api, o, func(ctx context.Context, in *certificateInput) (*recordOutput[gt.Device], error) {
		p := caller(ctx)
		if _, err := s.o.Store.Device(ctx, p.tenant, in.ID); err != nil {
			return nil, s.problem(ctx, err)
		}
		pemData, err := certificatePEM(in)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		fp, err := gt.ParseDeviceCertificate(pemData, time.Now())
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		if _, err := s.o.Node.Command(ctx, gt.EventDeviceKey, p.tenant, p.keyID, gt.DeviceCredential{DeviceID: in.ID, CertSHA256: fp}); err != nil {
			return nil, s.problem(ctx, err)
		}
		d, err := s.o.Store.Device(ctx, p.tenant, in.ID)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &recordOutput[gt.Device]{Status: http.StatusOK, Body: *d}, nil
	})
}
