package groundtruth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// EventWebhookPut sets a tenant's webhook (SPEC §6.7). Data: WebhookConfig.
const EventWebhookPut EventType = "webhook.put"

// MaxWebhookURL bounds the length of a webhook URL.
const MaxWebhookURL = 2000

// WebhookConfig is where a tenant's actions are delivered: every new action and every
// change of an action's state is POSTed to URL, signed (SPEC §6.7). Disabled stops
// delivery: nothing new is queued and pending deliveries wait until it is enabled again.
// The signing secret is not part of the configuration: it is derived from the server's
// key (WebhookSecret) and never stored.
type WebhookConfig struct {
	TenantID string `json:"-"`
	URL      string `json:"url" maxLength:"2000" doc:"https URL of the bank's receiver; http only to localhost or a loopback address"`
	Disabled bool   `json:"disabled" required:"false" doc:"Stops delivery; pending deliveries wait until it is enabled again"`
	// Generation counts the rotations of the signing secret; RotateSecret in a PUT asks
	// for the next one (the secret of generation 0 is WebhookSecret's).
	Generation   uint64    `json:"generation" readOnly:"true" doc:"Rotations of the signing secret so far"`
	RotateSecret bool      `json:"rotate_secret,omitempty" doc:"Replace the signing secret by a new one (the old one stops signing at once)"`
	Seq          uint64    `json:"seq" readOnly:"true" doc:"Journal sequence of the last change"`
	UpdatedAt    time.Time `json:"updated_at,omitzero" readOnly:"true"`
}

// Validate checks the URL: absolute, https (or http to a loopback host name or address),
// at most MaxWebhookURL bytes, with no user name or password (the signature
// authenticates the sender; a password in the URL would be shown and logged).
func (w *WebhookConfig) Validate() error {
	if err := ValidateText("url", w.URL, MaxWebhookURL, true); err != nil {
		return err
	}
	u, err := url.Parse(w.URL)
	if err != nil {
		return FieldErrorf("url", "is not a URL: %v", err)
	}
	if u.User != nil {
		return FieldErrorf("url", "must not hold a user name or password")
	}
	if u.Fragment != "" || strings.Contains(w.URL, "#") {
		return FieldErrorf("url", "must not have a fragment")
	}
	host := u.Hostname()
	if host == "" {
		return FieldErrorf("url", "has no host")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if loopbackHost(host) {
			return nil
		}
		return FieldErrorf("url", "must be https (http only to localhost or a loopback address such as 127.0.0.1)")
	}
	return FieldErrorf("url", "must be an https URL; got scheme %q", u.Scheme)
}

// loopbackHost reports whether host names this machine: localhost or a loopback address.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// WebhookSecret returns the secret with which the server signs a tenant's webhook
// deliveries: "gtw_" and the base64url HMAC-SHA256 of "webhook", a NUL byte and the
// tenant id, keyed by the server's key. Receivers use the whole string as their HMAC key.
// It is derived on demand and never stored or logged.
func WebhookSecret(serverKey []byte, tenant string) string {
	return WebhookSecretGen(serverKey, tenant, 0)
}

// WebhookSecretGen is the tenant's signing secret after gen rotations: HMAC-SHA256 of
// the server key over the tenant (and, from the first rotation, the generation), so that
// a rotated secret is unrelated to the ones before and nothing needs storing.
func WebhookSecretGen(serverKey []byte, tenant string, gen uint64) string {
	m := hmac.New(sha256.New, serverKey)
	m.Write([]byte("webhook\x00" + tenant))
	if gen > 0 {
		m.Write([]byte("\x00" + strconv.FormatUint(gen, 10)))
	}
	return "gtw_" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"   // not yet accepted; NextAttemptAt says when it is tried
	DeliveryDelivered = "delivered" // the receiver answered 2xx
	DeliveryFailed    = "failed"    // given up: a 4xx other than 429, or too many attempts
)

// WebhookDelivery is the delivery of one state of one action to the tenant's webhook.
// Each state change of an action is a delivery of its own, whose IdempotencyKey is
// "<action id>:<state>"; it is the same on every attempt, so receivers can drop repeats
// (delivery is at least once).
//
// Deliveries are written by the webhook dispatcher, not by the engine: they record an
// effect on the outside world, which replaying the journal must not repeat.
type WebhookDelivery struct {
	ID             string    `json:"id" doc:"Sent as the body's id; the same on every attempt"`
	TenantID       string    `json:"-"`
	ActionID       string    `json:"action_id"`
	State          string    `json:"state" doc:"The state of the action this delivery announces"`
	IdempotencyKey string    `json:"idempotency_key" doc:"Sent as the Idempotency-Key header: <action id>:<state>"`
	Status         string    `json:"status" enum:"pending,delivered,failed"`
	Attempts       int       `json:"attempts"`
	LastStatusCode int       `json:"last_status_code,omitempty" doc:"HTTP status of the last answer; absent when none came"`
	LastError      string    `json:"last_error,omitempty" doc:"Why the last attempt failed"`
	CreatedAt      time.Time `json:"created_at"`
	LastAttemptAt  time.Time `json:"last_attempt_at,omitzero"`
	NextAttemptAt  time.Time `json:"next_attempt_at,omitzero" doc:"When the next attempt is due, while pending"`
	DeliveredAt    time.Time `json:"delivered_at,omitzero"`
	// Action is the action as it was in State: the payload, sent the same on every attempt.
	Action Action `json:"-"`
}

// NewWebhookDelivery returns the pending delivery of action a in its current state, due
// at once.
func NewWebhookDelivery(a *Action, now time.Time) WebhookDelivery {
	return WebhookDelivery{ID: NewID("whd"), TenantID: a.TenantID, ActionID: a.ID, State: a.State,
		IdempotencyKey: a.ID + ":" + a.State, Status: DeliveryPending, CreatedAt: now, NextAttemptAt: now, Action: *a}
}

// WebhookStore keeps the webhook configuration projected from the journal and the
// deliveries recorded by the dispatcher. Both stores implement it beside Store; reads of
// one tenant never return another tenant's records. Implementations are safe for
// concurrent use.
type WebhookStore interface {
	// Webhook returns a tenant's webhook configuration; ENOTFOUND when it has none.
	Webhook(ctx context.Context, tenant string) (*WebhookConfig, error)
	// Webhooks returns the configuration of every tenant that has one, by tenant id.
	Webhooks(ctx context.Context) ([]WebhookConfig, error)
	// AddDeliveries records new deliveries, leaving out each whose tenant, action and state
	// is already recorded, and returns how many it added. It is one transaction.
	AddDeliveries(ctx context.Context, ds []WebhookDelivery) (int, error)
	// UpdateDelivery writes the outcome of an attempt: status, attempts, last status code
	// and error, and the times, of the delivery with d's tenant, action and state;
	// ENOTFOUND when there is none.
	UpdateDelivery(ctx context.Context, d *WebhookDelivery) error
	// PendingDeliveries returns at most limit pending deliveries, of every tenant whose
	// webhook is configured and enabled, earliest NextAttemptAt first.
	PendingDeliveries(ctx context.Context, limit int) ([]WebhookDelivery, error)
	// Deliveries returns the deliveries of one of a tenant's actions, oldest first.
	Deliveries(ctx context.Context, tenant, actionID string) ([]WebhookDelivery, error)
}
