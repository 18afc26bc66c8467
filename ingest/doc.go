// Package ingest holds the wire formats of the ingest path (SPEC §5). This file set
// covers signed device payloads (SPEC §5.3): a compact JWS (RFC 7515) signed with EdDSA
// over Ed25519 (RFC 8037), whose protected header names the device (kid) and a
// per-device counter (seq), and whose payload is a SenML pack.
//
// The path is ParseJWS (structure and header rules, no key needed), then the caller
// looks up the device's registered key by Parsed.DeviceID and calls Parsed.Verify, then
// CheckSeq against the last accepted seq of that device. Every error is a
// *groundtruth.Error; a bad signature also matches ErrSignature and a replay ErrReplay,
// so callers can count them as the signature_invalid and replay signals (SPEC §6.5).
package ingest
