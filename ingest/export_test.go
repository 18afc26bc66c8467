package ingest

import "crypto/ed25519"

// VerifyCompact applies the generic JWS rules of ParseJWS (structure, base64url, alg,
// crv, crit, b64, key members) but not the device rules (kid, seq), then verifies the
// signature. It exists only for tests, so that RFC 8037's vector, whose header is just
// {"alg":"EdDSA"}, runs through the same split, decode and verify code as ParseJWS and
// Parsed.Verify.
func VerifyCompact(compact []byte, pub ed25519.PublicKey) ([]byte, error) {
	j, err := parseCompact(compact, 0)
	if err != nil {
		return nil, err
	}
	if err := verify(pub, j.signingInput, j.signature, ""); err != nil {
		return nil, err
	}
	return j.payload, nil
}
