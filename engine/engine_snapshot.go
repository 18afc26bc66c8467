package engine

import (
	"encoding/json"
	"fmt"
	"time"

	gt "groundtruth"
)

// snapshotFormat is bumped whenever the snapshot layout changes; a snapshot of a format
// this engine does not read is refused and the engine is rebuilt by full replay. Format 4
// leaves out the open alerts by rule and subject, which the engine derives from its
// alerts: format 3, which has them, is still read (restoring fills in what it lacks, see
// riskState.fill), while an engine that reads only format 3 refuses format 4 instead of
// opening every open alert again.
const (
	snapshotFormat       = 4
	oldestSnapshotFormat = 3
)

type snapshot struct {
	Format  int                     `json:"format"`
	Seq     uint64                  `json:"seq"`
	Now     time.Time               `json:"now"`
	Tenants map[string]*tenantState `json:"tenants"`
	// Secrets holds the hashes that records leave out of their JSON form:
	// tenant -> "key:ID" or "device:ID" -> hash.
	Secrets map[string]map[string]string `json:"secrets"`
}

// Snapshot encodes the whole state. The encoding is deterministic (JSON with sorted map
// keys): two engines in the same state give the same bytes, which tests use to prove that
// restore plus replay equals a full replay.
func (e *Engine) Snapshot() ([]byte, error) {
	s := snapshot{Format: snapshotFormat, Seq: e.seq, Now: e.now, Tenants: e.tenants,
		Secrets: map[string]map[string]string{}}
	for id, ts := range e.tenants {
		m := map[string]string{}
		for kid, k := range ts.Keys {
			m["key:"+kid] = k.Hash
		}
		for did, d := range ts.Devices {
			if d.TokenHash != "" {
				m["device:"+did] = d.TokenHash
			}
		}
		s.Secrets[id] = m
	}
	b, err := json.Marshal(&s)
	if err != nil {
		return nil, fmt.Errorf("encode snapshot: %w", err)
	}
	return b, nil
}

// Restore returns an engine in the state encoded by a Snapshot.
func Restore(data []byte) (*Engine, error) {
	var s snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("decode snapshot: %w", err)
	}
	if s.Format < oldestSnapshotFormat || s.Format > snapshotFormat {
		return nil, fmt.Errorf("snapshot format %d, want %d to %d", s.Format, oldestSnapshotFormat, snapshotFormat)
	}
	e := New()
	e.seq, e.now = s.Seq, s.Now
	if s.Tenants != nil {
		e.tenants = s.Tenants
	}
	for tid, ts := range e.tenants {
		if ts == nil {
			return nil, fmt.Errorf("decode snapshot: tenant %q has no state", tid)
		}
		fresh := newTenantState(gt.Tenant{})
		fillNil(&ts.Keys, fresh.Keys)
		fillNil(&ts.Parties, fresh.Parties)
		fillNil(&ts.Sites, fresh.Sites)
		fillNil(&ts.Loans, fresh.Loans)
		fillNil(&ts.Collateral, fresh.Collateral)
		fillNil(&ts.Devices, fresh.Devices)
		fillNil(&ts.Releases, fresh.Releases)
		fillNil(&ts.Prices, fresh.Prices)
		fillNil(&ts.Telemetry, fresh.Telemetry)
		if ts.Risk == nil {
			ts.Risk = newRiskState()
		}
		ts.Risk.fill()
		if ts.Tenant.ID != tid {
			return nil, fmt.Errorf("decode snapshot: tenant %q holds the record of %q", tid, ts.Tenant.ID)
		}
		ts.Risk.setTenant(tid)
		if ts.Webhook != nil {
			ts.Webhook.TenantID = tid
		}
		for _, err := range []error{
			wellFormed("key", ts.Keys, func(v *gt.APIKey) string { return v.ID }),
			wellFormed("party", ts.Parties, func(v *gt.Party) string { return v.ID }),
			wellFormed("site", ts.Sites, func(v *gt.Site) string { return v.ID }),
			wellFormed("loan", ts.Loans, func(v *gt.Loan) string { return v.ID }),
			wellFormed("collateral", ts.Collateral, func(v *gt.Collateral) string { return v.ID }),
			wellFormed("device", ts.Devices, func(v *gt.Device) string { return v.ID }),
			wellFormed("release", ts.Releases, func(v *gt.Release) string { return v.ID }),
			wellFormed("price", ts.Prices, func(v *gt.PriceTick) string { return v.Commodity }),
			restoreTelemetry(tid, ts.Telemetry),
		} {
			if err != nil {
				return nil, fmt.Errorf("decode snapshot of tenant %q: %w", tid, err)
			}
		}
		sec := s.Secrets[tid]
		for kid, k := range ts.Keys {
			k.Hash = sec["key:"+kid]
			e.keyHashes[k.Hash] = ref{tid, kid}
		}
		for did, d := range ts.Devices {
			if h := sec["device:"+did]; h != "" {
				d.TokenHash = h
				e.tokenHashes[h] = ref{tid, did}
			}
		}
	}
	return e, nil
}

// setTenant fills in the tenant id that the JSON form of the engine's risk records leaves
// out: the rows the engine puts of a restored alert, action, signal, valuation or loan
// metric are copies of them, and the store files each row under its tenant.
func (r *riskState) setTenant(tenant string) {
	setTenants(r.Values, func(v *gt.Valuation) *string { return &v.TenantID }, tenant)
	setTenants(r.Loans, func(v *gt.LoanRisk) *string { return &v.TenantID }, tenant)
	setTenants(r.Signals, func(v *gt.Signal) *string { return &v.TenantID }, tenant)
	setTenants(r.Alerts, func(v *gt.Alert) *string { return &v.TenantID }, tenant)
	setTenants(r.Actions, func(v *gt.Action) *string { return &v.TenantID }, tenant)
	setTenants(r.Inspections, func(v *gt.Inspection) *string { return &v.TenantID }, tenant)
	setTenants(r.Points, func(v *gt.LoanPoint) *string { return &v.TenantID }, tenant)
	for _, vs := range r.Rules {
		for i := range vs {
			vs[i].TenantID = tenant
		}
	}
}

// setTenants sets the tenant field of each record of m (null entries left alone).
func setTenants[V any](m map[string]*V, field func(*V) *string, tenant string) {
	for _, v := range m {
		if v != nil {
			*field(v) = tenant
		}
	}
}

// restoreTelemetry fills in what the JSON form leaves out (tenant ids) and the maps
// absent from a snapshot, so that a restored engine encodes like the original.
func restoreTelemetry(tenant string, m map[string]*telemetry) error {
	for id, t := range m {
		if t == nil {
			return fmt.Errorf("telemetry of device %q is null", id)
		}
		if t.Health.DeviceID != id {
			return fmt.Errorf("telemetry of device %q is stored under %q", t.Health.DeviceID, id)
		}
		t.Health.TenantID = tenant
		fresh := newTelemetry(tenant, id)
		fillNil(&t.Health.Rejected, fresh.Health.Rejected)
		fillNil(&t.Health.Last, fresh.Health.Last)
		fillNil(&t.Buckets, fresh.Buckets)
		if t.Digests == nil {
			t.Digests = fresh.Digests
		}
		for name, bs := range t.Buckets {
			for i := range bs {
				bs[i].TenantID = tenant
				if bs[i].DeviceID != id || bs[i].Name != name {
					return fmt.Errorf("series bucket of %q/%q is stored under %q/%q", bs[i].DeviceID, bs[i].Name, id, name)
				}
			}
		}
	}
	return nil
}

// fillNil replaces a nil map (absent from a snapshot) by an empty one.
func fillNil[M ~map[K]V, K comparable, V any](m *M, empty M) {
	if *m == nil {
		*m = empty
	}
}

// wellFormed checks that a snapshot map holds no null record and that each record sits
// under its own key.
func wellFormed[V any](kind string, m map[string]*V, key func(*V) string) error {
	for k, v := range m {
		if v == nil {
			return fmt.Errorf("%s %q is null", kind, k)
		}
		if key(v) != k {
			return fmt.Errorf("%s %q is stored under %q", kind, key(v), k)
		}
	}
	return nil
}
