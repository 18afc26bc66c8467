package engine

import (
	gt "groundtruth"
)

// applyDeviceCredential issues a device token (by its hash), registers an Ed25519 key, or
// registers the fingerprint of a TLS client certificate (replacing any earlier one).
// Certificates are checked (parsed, leaf, valid now) before the event is appended; the
// engine checks only the fingerprint's form, so replay does not depend on the wall clock.
func (e *Engine) applyDeviceCredential(ts *tenantState, ev *gt.Event, ch *gt.Changes) error {
	var c gt.DeviceCredential
	if err := decode(ev, &c); err != nil {
		return err
	}
	d, ok := ts.Devices[c.DeviceID]
	if !ok {
		return &gt.Error{Code: gt.ENOTFOUND, Field: "device_id", Message: "device " + c.DeviceID + " not found"}
	}
	nd := *d
	switch ev.Type {
	case gt.EventDeviceToken:
		if len(c.TokenHash) != 64 {
			return gt.FieldErrorf("token_hash", "is not a SHA-256 hex digest")
		}
		if r, ok := e.tokenHashes[c.TokenHash]; ok && r != (ref{ts.Tenant.ID, d.ID}) {
			return gt.Errorf(gt.ECONFLICT, "device token hash already in use")
		}
		delete(e.tokenHashes, d.TokenHash)
		nd.TokenHash, nd.HasToken = c.TokenHash, true
		e.tokenHashes[c.TokenHash] = ref{ts.Tenant.ID, d.ID}
	case gt.EventDeviceKey:
		if c.CertSHA256 != "" {
			if c.PublicKey != "" {
				return gt.FieldErrorf("cert_sha256", "a key event registers a public key or a certificate, not both")
			}
			if err := gt.ValidateCertFingerprint("cert_sha256", c.CertSHA256); err != nil {
				return err
			}
			nd.CertSHA256 = c.CertSHA256
			break
		}
		if _, err := gt.ParsePublicKey(c.PublicKey); err != nil {
			return err
		}
		nd.PublicKey = c.PublicKey
	}
	nd.Meta.Stamp(ts.Tenant.ID, ev.Seq, ev.Time, false)
	ts.Devices[d.ID] = &nd
	if nd.CollateralID != "" && nd.PublicKey != d.PublicKey {
		// Whether its devices have keys decides the trust of a collateral awaiting data.
		ts.idx().dirtyColl[nd.CollateralID] = true
	}
	ch.Devices = append(ch.Devices, nd)
	return nil
}
