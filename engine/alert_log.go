package engine

import (
	"slices"

	gt "groundtruth"
)

// AlertLog keeps the latest version of every alert and action in the Changes it is
// given, as the store would (a row without evidence keeps the evidence recorded): the
// engine itself keeps resolved alerts only as a status (Engine.Alerts lists those not
// resolved). Backtests and rule tests, which replay events without a store, read what
// fired from here. The zero value is ready to use.
type AlertLog struct {
	alerts  map[string]map[string]gt.Alert // tenant -> id -> latest version
	actions map[string]map[string]gt.Action
}

// Add records the alerts and actions of ch. The rows are copied, so ch can be reused.
func (l *AlertLog) Add(ch *gt.Changes) {
	if l.alerts == nil {
		l.alerts, l.actions = map[string]map[string]gt.Alert{}, map[string]map[string]gt.Action{}
	}
	for _, a := range ch.Alerts {
		a.Loans = slices.Clone(a.Loans)
		if old, ok := l.alerts[a.TenantID][a.ID]; ok {
			a = keepEvidence(&old, a) // as the store keeps it
		}
		put(l.alerts, a.TenantID, a.ID, a)
	}
	for _, a := range ch.Actions {
		a.Loans = slices.Clone(a.Loans)
		put(l.actions, a.TenantID, a.ID, a)
	}
}

func put[T any](m map[string]map[string]T, tenant, id string, v T) {
	byID := m[tenant]
	if byID == nil {
		byID = map[string]T{}
		m[tenant] = byID
	}
	byID[id] = v
}

// Alerts returns every alert of tenant recorded, in its latest version, ordered by id
// (creation).
func (l *AlertLog) Alerts(tenant string) []gt.Alert { return byID(l.alerts[tenant]) }

// Actions returns every action of tenant recorded, in its latest version, ordered by id.
func (l *AlertLog) Actions(tenant string) []gt.Action { return byID(l.actions[tenant]) }

func byID[T any](m map[string]T) []T {
	out := make([]T, 0, len(m))
	for _, id := range sortedKeys(m) {
		out = append(out, m[id])
	}
	return out
}
