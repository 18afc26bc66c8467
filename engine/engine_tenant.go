package engine

import (
	"bytes"
	"encoding/json"

	gt "groundtruth"
)

func (e *Engine) applyTenantCreate(ev *gt.Event, ch *gt.Changes) error {
	var tc gt.TenantCreate
	if err := decode(ev, &tc); err != nil {
		return err
	}
	t, k := tc.Tenant, tc.Key.Key
	k.Hash = tc.Key.Hash
	if err := t.Validate(); err != nil {
		return err
	}
	if t.ID != ev.Tenant {
		return gt.FieldErrorf("tenant.id", "must equal the event's tenant %q", ev.Tenant)
	}
	if _, ok := e.tenants[t.ID]; ok {
		return errorf(gt.ECONFLICT, "tenant %q already exists", t.ID)
	}
	if err := k.Validate(); err != nil {
		return err
	}
	if _, ok := e.keyHashes[k.Hash]; ok {
		return errorf(gt.ECONFLICT, "API key hash already in use")
	}
	t.Meta.Stamp(t.ID, ev.Seq, ev.Time, true)
	k.Meta.Stamp(t.ID, ev.Seq, ev.Time, true)
	ts := newTenantState(t)
	ts.Keys[k.ID] = &k
	e.tenants[t.ID] = ts
	e.keyHashes[k.Hash] = ref{t.ID, k.ID}
	ch.Tenants = append(ch.Tenants, t)
	ch.APIKeys = append(ch.APIKeys, k)
	return nil
}

func (e *Engine) applyKeyCreate(ts *tenantState, ev *gt.Event, ch *gt.Changes) error {
	var kc gt.APIKeyCreate
	if err := decode(ev, &kc); err != nil {
		return err
	}
	k := kc.Key
	k.Hash = kc.Hash
	if err := k.Validate(); err != nil {
		return err
	}
	if _, ok := ts.Keys[k.ID]; ok {
		return errorf(gt.ECONFLICT, "API key %q already exists", k.ID)
	}
	if _, ok := e.keyHashes[k.Hash]; ok {
		return errorf(gt.ECONFLICT, "API key hash already in use")
	}
	k.Meta.Stamp(ts.Tenant.ID, ev.Seq, ev.Time, true)
	ts.Keys[k.ID] = &k
	e.keyHashes[k.Hash] = ref{ts.Tenant.ID, k.ID}
	ch.APIKeys = append(ch.APIKeys, k)
	return nil
}

func (e *Engine) applyKeyRevoke(ts *tenantState, ev *gt.Event, ch *gt.Changes) error {
	var r gt.IDRef
	if err := decode(ev, &r); err != nil {
		return err
	}
	k, ok := ts.Keys[r.ID]
	if !ok {
		return errorf(gt.ENOTFOUND, "API key %q not found", r.ID)
	}
	nk := *k
	nk.Revoked = true
	nk.Meta.Stamp(ts.Tenant.ID, ev.Seq, ev.Time, false)
	ts.Keys[r.ID] = &nk
	ch.APIKeys = append(ch.APIKeys, nk)
	return nil
}

// unmarshalStrict decodes JSON rejecting unknown fields, so that a producer's typo is
// an error rather than silently lost data.
func unmarshalStrict(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	return d.Decode(v)
}
