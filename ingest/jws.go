package ingest

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"groundtruth"
)

// Alg is the only JWS algorithm accepted and produced: EdDSA over Ed25519 (RFC 8037).
const Alg = "EdDSA"

// Limits applied to a compact JWS.
const (
	// DefaultMaxJWSBytes is the size limit ParseJWS applies when given maxBytes <= 0.
	DefaultMaxJWSBytes = 64 << 10
	// MaxProtectedBytes is the longest protected header accepted, in base64url characters.
	MaxProtectedBytes = 1024
	// MaxSeq is the largest seq accepted: 2^53-1, the largest integer n such that every
	// JSON client decoding numbers as IEEE 754 doubles reads n and n+1 exactly.
	MaxSeq = 1<<53 - 1
)

// b64 is base64url without padding that rejects non-zero trailing bits, so each value
// has exactly one accepted encoding.
var b64 = base64.RawURLEncoding.Strict()

// Header is the decoded protected header of a device's JWS. Members other than these
// are ignored (RFC 7515 §4) unless ParseJWS rejects them.
type Header struct {
	Alg string // always "EdDSA"
	Kid string // the device id
	Seq uint64 // per-device counter, 1 to MaxSeq
	Crv string // "Ed25519" or "" when absent
}

// Signed is the content of a device's signed payload.
type Signed struct {
	DeviceID  string // the protected header's kid
	Seq       uint64 // the protected header's seq
	Payload   []byte // the decoded JWS payload: a SenML pack, not validated here
	Protected Header
}

// Parsed is a compact JWS that ParseJWS accepted. Its signature is not yet verified:
// look up the key of DeviceID and call Verify before trusting anything in it.
type Parsed struct {
	Signed
	signingInput []byte // BASE64URL(header) '.' BASE64URL(payload), as received
	signature    []byte // 64 bytes
}

// ParseJWS parses a device's compact JWS (header.payload.signature, each part base64url
// without padding) and checks its protected header: alg "EdDSA", kid a valid device id,
// seq an integer from 1 to MaxSeq, crv absent or "Ed25519", crit absent or empty, b64
// absent or true, and none of jku, jwk, x5u, x5c (a device's key comes only from the
// device registry). It does not check the signature; see Parsed.Verify. maxBytes limits
// the input size (DefaultMaxJWSBytes when <= 0). An oversize input gives an ETOOLARGE
// error, anything else malformed an EINVALID one whose Field names the part or header
// member ("jws", "protected", "protected.seq", "payload", "signature"). The result does
// not alias compact.
func ParseJWS(compact []byte, maxBytes int) (*Parsed, error) {
	j, err := parseCompact(compact, maxBytes)
	if err != nil {
		return nil, err
	}
	kid, err := headerKid(j.members)
	if err != nil {
		return nil, err
	}
	seq, err := headerSeq(j.members)
	if err != nil {
		return nil, err
	}
	p := &Parsed{signingInput: j.signingInput, signature: j.signature}
	p.DeviceID, p.Seq, p.Payload = kid, seq, j.payload
	p.Protected = Header{Alg: Alg, Kid: kid, Seq: seq, Crv: j.crv}
	return p, nil
}

// Verify checks the Ed25519 signature over the JWS signing input exactly as received
// with pub, the raw 32-byte public key registered for p.DeviceID. It returns nil when the
// signature verifies, an EINVALID error matching ErrSignature when it does not, and an
// EINVALID error with Field "public_key" (not matching ErrSignature) when pub is not 32
// bytes long. It is safe for concurrent use.
func (p *Parsed) Verify(pub ed25519.PublicKey) error {
	if p == nil {
		return invalid("jws", "is missing")
	}
	return verify(pub, p.signingInput, p.signature, p.DeviceID)
}

func verify(pub ed25519.PublicKey, signingInput, sig []byte, deviceID string) error {
	if len(pub) != ed25519.PublicKeySize {
		return invalid("public_key", "is %d bytes, want a raw %d-byte Ed25519 key",
			len(pub), ed25519.PublicKeySize)
	}
	if ed25519.Verify(pub, signingInput, sig) {
		return nil
	}
	msg := "does not verify with the device's registered key"
	if deviceID != "" {
		msg = fmt.Sprintf("does not verify with the registered key of device %q", deviceID)
	}
	return &reasonError{err: groundtruth.FieldErrorf("signature", "%s", msg), reason: ErrSignature}
}

// Sign returns a compact JWS of payload with protected header
// {"alg":"EdDSA","kid":deviceID,"seq":seq}, signed with priv, that ParseJWS accepts. It
// is what a device does; the simulator and tests use it. It returns an EINVALID error
// when priv is not 64 bytes, deviceID is not a valid id, seq is outside 1 to MaxSeq, or
// payload is empty. It does not apply DefaultMaxJWSBytes.
func Sign(priv ed25519.PrivateKey, deviceID string, seq uint64, payload []byte) ([]byte, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, invalid("private_key", "is %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	}
	if err := groundtruth.ValidateID("protected.kid", deviceID); err != nil {
		return nil, err
	}
	if seq == 0 || seq > MaxSeq {
		return nil, invalid("protected.seq", "must be from 1 to %d, got %d", MaxSeq, seq)
	}
	if len(payload) == 0 {
		return nil, invalid("payload", "is empty")
	}
	hdr, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Seq uint64 `json:"seq"`
	}{Alg, deviceID, seq})
	if err != nil {
		return nil, fmt.Errorf("encode protected header: %w", err)
	}
	enc := base64.RawURLEncoding
	n := enc.EncodedLen(len(hdr)) + enc.EncodedLen(len(payload)) + enc.EncodedLen(ed25519.SignatureSize) + 2
	out := make([]byte, 0, n)
	out = enc.AppendEncode(out, hdr)
	out = append(out, '.')
	out = enc.AppendEncode(out, payload)
	sig := ed25519.Sign(priv, out)
	out = append(out, '.')
	return enc.AppendEncode(out, sig), nil
}

// compactJWS is a compact JWS whose structure and generic header rules (alg, crv, crit,
// b64, key members) passed; the device rules (kid, seq) are checked by the caller.
type compactJWS struct {
	members      map[string]json.RawMessage
	crv          string
	payload      []byte
	signingInput []byte
	signature    []byte
}

var partNames = [3]string{"protected", "payload", "signature"}

// parseCompact splits and decodes a compact JWS and applies the header rules that do
// not depend on the device.
func parseCompact(compact []byte, maxBytes int) (*compactJWS, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxJWSBytes
	}
	if len(compact) == 0 {
		return nil, invalid("jws", "is empty")
	}
	if len(compact) > maxBytes {
		return nil, tooLarge("jws", len(compact), maxBytes)
	}
	if n := bytes.Count(compact, []byte{'.'}); n != 2 {
		return nil, invalid("jws", "has %d parts separated by '.', want 3 (protected.payload.signature)", n+1)
	}
	i := bytes.IndexByte(compact, '.')
	k := i + 1 + bytes.IndexByte(compact[i+1:], '.')
	parts := [3][]byte{compact[:i], compact[i+1 : k], compact[k+1:]}
	offsets := [3]int{0, i + 1, k + 1}
	var decoded [3][]byte
	for n, part := range parts {
		if len(part) == 0 {
			return nil, invalid(partNames[n], "is empty")
		}
		if n == 0 && len(part) > MaxProtectedBytes {
			return nil, tooLarge("protected", len(part), MaxProtectedBytes)
		}
		d, err := decodePart(partNames[n], part, offsets[n])
		if err != nil {
			return nil, err
		}
		decoded[n] = d
	}
	if len(decoded[2]) != ed25519.SignatureSize {
		return nil, invalid("signature", "is %d bytes, want %d (Ed25519)", len(decoded[2]), ed25519.SignatureSize)
	}
	members, err := decodeHeader(decoded[0])
	if err != nil {
		return nil, err
	}
	crv, err := checkGenericHeader(members)
	if err != nil {
		return nil, err
	}
	return &compactJWS{
		members:      members,
		crv:          crv,
		payload:      decoded[1],
		signingInput: bytes.Clone(compact[:k]),
		signature:    decoded[2],
	}, nil
}

// decodePart decodes one base64url part; off is its offset in the whole input, used in
// messages.
func decodePart(name string, part []byte, off int) ([]byte, error) {
	for i, c := range part {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '=':
			return nil, invalid(name, "has '=' padding at byte %d of the input; use base64url without padding", off+i)
		case c == ' ', c == '\t', c == '\r', c == '\n':
			return nil, invalid(name, "has whitespace %q at byte %d of the input", c, off+i)
		case c == '+', c == '/':
			return nil, invalid(name, "has %q at byte %d of the input: standard base64, want base64url ('-' and '_')", c, off+i)
		default:
			return nil, invalid(name, "has character %q at byte %d of the input, which is not base64url", c, off+i)
		}
	}
	out := make([]byte, b64.DecodedLen(len(part)))
	n, err := b64.Decode(out, part)
	if err != nil {
		if len(part)%4 == 1 {
			return nil, invalid(name, "has %d characters, a length no base64url value has", len(part))
		}
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			return nil, invalid(name, "has non-zero unused bits at byte %d of the input (not canonical base64url)", off+int(ce))
		}
		return nil, invalid(name, "is not base64url: %v", err)
	}
	return out[:n], nil
}
