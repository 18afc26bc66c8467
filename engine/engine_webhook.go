package engine

import gt "groundtruth"

// applyWebhookPut sets the tenant's webhook configuration (SPEC §6.7). The signing secret
// is not in the event: the dispatcher derives it from the server's key.
func (e *Engine) applyWebhookPut(ts *tenantState, ev *gt.Event, ch *gt.Changes) error {
	var w gt.WebhookConfig
	if err := decode(ev, &w); err != nil {
		return err
	}
	if err := w.Validate(); err != nil {
		return err
	}
	w.TenantID, w.Seq, w.UpdatedAt = ts.Tenant.ID, ev.Seq, ev.Time.UTC()
	w.Generation = 0
	if ts.Webhook != nil {
		w.Generation = ts.Webhook.Generation
	}
	if w.RotateSecret {
		w.Generation++
	}
	w.RotateSecret = false
	ts.Webhook = &w
	ch.Webhooks = append(ch.Webhooks, w)
	return nil
}
