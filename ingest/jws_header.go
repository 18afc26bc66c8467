package ingest

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"unicode/utf8"

	"groundtruth"
)

// keyMembers are header members by which a JWS brings or points to its own key. A
// device's key comes only from the device registry, so they are rejected.
var keyMembers = []string{"jku", "jwk", "x5u", "x5c"}

// decodeHeader decodes the protected header as one JSON object of members with exact,
// case-sensitive names, rejecting invalid UTF-8, duplicate names and trailing data.
func decodeHeader(b []byte) (map[string]json.RawMessage, error) {
	if !utf8.Valid(b) {
		return nil, invalid("protected", "is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, invalid("protected", "is not JSON: %v", err)
	}
	if tok != json.Delim('{') {
		return nil, invalid("protected", "is not a JSON object")
	}
	m := make(map[string]json.RawMessage, 4)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, invalid("protected", "is not JSON: %v", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, invalid("protected", "is not JSON: member name is not a string")
		}
		if _, dup := m[name]; dup {
			return nil, invalid("protected", "has member %q twice", clip(name))
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, invalid("protected", "is not JSON: %v", err)
		}
		m[name] = bytes.TrimSpace(raw)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, invalid("protected", "is not JSON: the object is not closed")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("protected", "has data after the JSON object")
	}
	return m, nil
}

// checkGenericHeader applies the rules that do not depend on the device: alg, key
// members, crit, b64 and crv. It returns crv ("" when absent).
func checkGenericHeader(m map[string]json.RawMessage) (string, error) {
	raw, ok := m["alg"]
	if !ok {
		return "", invalid("protected.alg", "is missing; want %q", Alg)
	}
	alg, err := jsonString("protected.alg", raw)
	if err != nil {
		return "", err
	}
	switch alg {
	case Alg:
	case "none":
		return "", invalid("protected.alg", "\"none\" is not accepted: payloads must be signed with %q", Alg)
	default:
		return "", invalid("protected.alg", "%q is not accepted; want %q", clip(alg), Alg)
	}
	for _, k := range keyMembers {
		if _, ok := m[k]; ok {
			return "", invalid("protected."+k, "is not accepted: a device's key comes only from the device registry")
		}
	}
	if raw, ok := m["crit"]; ok {
		var crit []json.RawMessage
		if raw[0] != '[' || json.Unmarshal(raw, &crit) != nil || len(crit) != 0 {
			return "", invalid("protected.crit", "must be absent or empty: no header extension is supported")
		}
	}
	if raw, ok := m["b64"]; ok {
		switch string(raw) {
		case "true":
		case "false":
			return "", invalid("protected.b64", "false (RFC 7797 unencoded payload) is not accepted")
		default:
			return "", invalid("protected.b64", "must be true or absent, got %s", clip(string(raw)))
		}
	}
	var crv string
	if raw, ok := m["crv"]; ok {
		if crv, err = jsonString("protected.crv", raw); err != nil {
			return "", err
		}
		if crv != "Ed25519" {
			return "", invalid("protected.crv", "%q is not accepted; want \"Ed25519\" or none", clip(crv))
		}
	}
	return crv, nil
}

// headerKid returns the kid member, which must be a valid device id.
func headerKid(m map[string]json.RawMessage) (string, error) {
	raw, ok := m["kid"]
	if !ok {
		return "", invalid("protected.kid", "is missing; want the device id")
	}
	kid, err := jsonString("protected.kid", raw)
	if err != nil {
		return "", err
	}
	if err := groundtruth.ValidateID("protected.kid", kid); err != nil {
		return "", err
	}
	return kid, nil
}

// headerSeq returns the seq member, which must be a JSON integer from 1 to MaxSeq
// written without sign, fraction or exponent.
func headerSeq(m map[string]json.RawMessage) (uint64, error) {
	raw, ok := m["seq"]
	if !ok {
		return 0, invalid("protected.seq", "is missing; want a positive integer")
	}
	s := string(raw)
	switch c := s[0]; {
	case c == '"':
		return 0, invalid("protected.seq", "must be a JSON number, got the string %s", clip(s))
	case c == '-':
		return 0, invalid("protected.seq", "must be positive, got %s", clip(s))
	case c < '0' || c > '9':
		return 0, invalid("protected.seq", "must be a JSON number, got %s", clip(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, invalid("protected.seq", "must be an integer without fraction or exponent, got %s", clip(s))
		}
	}
	seq, err := strconv.ParseUint(s, 10, 64)
	if err != nil || seq > MaxSeq {
		return 0, invalid("protected.seq", "must be at most %d (2^53-1), got %s", uint64(MaxSeq), clip(s))
	}
	if seq == 0 {
		return 0, invalid("protected.seq", "must be positive, got 0")
	}
	return seq, nil
}

// jsonString decodes raw, which must be a JSON string.
func jsonString(field string, raw json.RawMessage) (string, error) {
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", invalid(field, "must be a JSON string, got %s", clip(string(raw)))
	}
	return s, nil
}

// clip shortens a value echoed in an error message.
func clip(s string) string {
	const max = 32
	if len(s) <= max {
		return s
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
