package engine

import (
	"fmt"

	gt "groundtruth"
)

// applyPrices records price ticks; the latest tick per commodity is kept in state.
func (e *Engine) applyPrices(ts *tenantState, ev *gt.Event, ch *gt.Changes, ticks []gt.PriceTick) error {
	if len(ticks) == 0 {
		return gt.FieldErrorf("prices", "needs at least one tick")
	}
	for i := range ticks {
		if err := ticks[i].Validate(); err != nil {
			return prefix(fmt.Sprintf("prices[%d]", i), err)
		}
	}
	for _, t := range ticks {
		t.At = t.At.UTC()
		t.Seq = ev.Seq
		t.TenantID = ts.Tenant.ID
		if last, ok := ts.Prices[t.Commodity]; !ok || !t.At.Before(last.At) {
			tc := t
			ts.Prices[t.Commodity] = &tc
		}
		ts.priceTick(&t)
		ch.Prices = append(ch.Prices, t)
	}
	return nil
}

// LastPrice returns the latest price tick of a commodity for a tenant.
func (e *Engine) LastPrice(tenant, commodity string) (gt.PriceTick, bool) {
	ts, ok := e.tenants[tenant]
	if !ok {
		return gt.PriceTick{}, false
	}
	p, ok := ts.Prices[commodity]
	if !ok {
		return gt.PriceTick{}, false
	}
	return *p, true
}
