package node

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	gt "groundtruth"
)

// Submit appends events to the journal and waits until each is applied and projected.
// It returns the events' sequence numbers and the first rejection (a *groundtruth.Error
// from the engine), or EUNAVAILABLE when the journal cannot take them. When ctx ends
// before the events are applied, the events may still be applied later.
func (n *Node) Submit(ctx context.Context, events ...gt.Event) ([]uint64, error) {
	select {
	case <-n.stopped:
		return nil, gt.Errorf(gt.EUNAVAILABLE, "the engine has stopped: %v", n.stopErr)
	default:
	}
	chans := make([]chan result, len(events))
	for i := range events {
		chans[i] = n.waiters.add(events[i].ID)
	}
	t := time.Now()
	seqs, err := n.j.Append(ctx, events)
	n.m.appendLatency.Observe(time.Since(t).Seconds())
	if err != nil {
		for i := range events {
			n.waiters.remove(events[i].ID)
		}
		return nil, err
	}
	var first error
	for i, c := range chans {
		select {
		case r := <-c:
			if r.err != nil && first == nil {
				first = r.err
			}
		case <-n.stopped:
			if first == nil {
				first = gt.Errorf(gt.EUNAVAILABLE, "the engine stopped before applying the event: %v", n.stopErr)
			}
			return seqs, first
		case <-ctx.Done():
			for j := i; j < len(events); j++ {
				n.waiters.remove(events[j].ID)
			}
			return seqs, gt.Errorf(gt.EUNAVAILABLE, "events appended as %v but not yet applied: %v", seqs, ctx.Err())
		}
	}
	return seqs, first
}

// SubmitAsync appends events and returns their sequence numbers without waiting for them
// to be applied (the HTTP API answers 202 with them).
func (n *Node) SubmitAsync(ctx context.Context, events ...gt.Event) ([]uint64, error) {
	return n.j.Append(ctx, events)
}

// Command submits one event of the given type and data on behalf of actor, stamped with
// the node's current time (Options.Now) as its event time.
func (n *Node) Command(ctx context.Context, typ gt.EventType, tenant, actor string, data any) (uint64, error) {
	ev, err := gt.NewEvent(typ, tenant, n.now(), actor, data)
	if err != nil {
		return 0, fmt.Errorf("encode %s: %w", typ, err)
	}
	seqs, err := n.Submit(ctx, ev)
	if len(seqs) == 0 {
		return 0, err
	}
	return seqs[0], err
}

// CreateTenant creates a tenant named name with its first admin API key and returns the
// tenant and the key's secret, which is shown once and stored only as a hash. The tenant
// id is derived from the name ("Acme Bank" -> "acme-bank") unless id is given.
func (n *Node) CreateTenant(ctx context.Context, id, name string) (*gt.Tenant, string, error) {
	if id == "" {
		id = Slug(name)
	}
	secret, hash := gt.NewSecret("gtk")
	tc := gt.TenantCreate{
		Tenant: gt.Tenant{ID: id, Name: strings.TrimSpace(name)},
		Key:    gt.APIKeyCreate{Key: gt.APIKey{ID: "admin", Name: "first admin key", Role: gt.RoleAdmin, Prefix: secret[:8]}, Hash: hash},
	}
	if err := tc.Tenant.Validate(); err != nil {
		return nil, "", err
	}
	if _, err := n.Command(ctx, gt.EventTenantCreate, id, "operator", tc); err != nil {
		return nil, "", err
	}
	t, err := n.s.Tenant(ctx, id)
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// Slug turns a name into an identifier: lower case, runs of other characters become '-'.
// An empty result becomes a random id.
func Slug(name string) string {
	s := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(s) > 48 {
		s = strings.TrimRight(s[:48], "-")
	}
	if s == "" {
		return gt.NewID("tenant")
	}
	return s
}

// CreateAPIKey creates a key with a role for a tenant and returns it with its secret.
func (n *Node) CreateAPIKey(ctx context.Context, tenant, actor, name string, role gt.Role) (*gt.APIKey, string, error) {
	if err := role.Validate(); err != nil {
		return nil, "", err
	}
	secret, hash := gt.NewSecret("gtk")
	k := gt.APIKey{ID: gt.NewID("key"), Name: name, Role: role, Prefix: secret[:8]}
	if _, err := n.Command(ctx, gt.EventAPIKeyCreate, tenant, actor, gt.APIKeyCreate{Key: k, Hash: hash}); err != nil {
		return nil, "", err
	}
	got, err := n.s.APIKey(ctx, tenant, k.ID)
	if err != nil {
		return nil, "", err
	}
	return got, secret, nil
}

// IssueDeviceToken gives a device a new token (replacing any previous one) and returns
// the secret, shown once and stored only as a hash.
func (n *Node) IssueDeviceToken(ctx context.Context, tenant, actor, deviceID string) (string, error) {
	secret, hash := gt.NewSecret("gtd")
	_, err := n.Command(ctx, gt.EventDeviceToken, tenant, actor, gt.DeviceCredential{DeviceID: deviceID, TokenHash: hash})
	if err != nil {
		return "", err
	}
	return secret, nil
}
