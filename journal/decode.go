package journal

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"groundtruth"
)

// decodeEvent decodes the JSON of one event into ev. The result is always that of
// json.Unmarshal; messages laid out as encode writes them take a path about five times
// faster, which matters on replay.
func decodeEvent(data []byte, ev *groundtruth.Event) error {
	*ev = groundtruth.Event{}
	if decodeFast(data, ev) {
		return nil
	}
	*ev = groundtruth.Event{}
	return json.Unmarshal(data, ev)
}

// decodeFast decodes data when it has exactly the layout of encode: no whitespace, the
// keys in the order of the struct, optional keys omitted when empty, strings without
// escapes, Data an object or array. ev must be zero. It reports false, leaving ev partly
// set, otherwise.
func decodeFast(data []byte, ev *groundtruth.Event) bool {
	p := data
	var ok bool
	if ev.ID, ok = field(&p, `{"id":`); !ok {
		return false
	}
	var s string
	if s, ok = field(&p, `,"type":`); !ok {
		return false
	}
	ev.Type = groundtruth.EventType(s)
	if ev.Tenant, ok = field(&p, `,"tenant":`); !ok {
		return false
	}
	if !bytes.HasPrefix(p, []byte(`,"time":"`)) {
		return false
	}
	p = p[len(`,"time":`):]
	end := bytes.IndexByte(p[1:], '"') + 2
	if end < 2 || ev.Time.UnmarshalJSON(p[:end]) != nil {
		return false
	}
	p = p[end:]
	if bytes.HasPrefix(p, []byte(`,"actor":`)) {
		if ev.Actor, ok = field(&p, `,"actor":`); !ok {
			return false
		}
	}
	if bytes.HasPrefix(p, []byte(`,"data":`)) && len(p) > len(`,"data":`) {
		raw := p[len(`,"data":`) : len(p)-1]
		if len(raw) < 2 || !(raw[0] == '{' && raw[len(raw)-1] == '}' || raw[0] == '[' && raw[len(raw)-1] == ']') ||
			!compactValid(raw) && !json.Valid(raw) {
			return false
		}
		ev.Data = bytes.Clone(raw)
		p = p[len(p)-1:]
	}
	return string(p) == "}"
}

// field consumes prefix and a JSON string without escapes from *p and returns the string.
func field(p *[]byte, prefix string) (string, bool) {
	b := *p
	if !bytes.HasPrefix(b, []byte(prefix)) || len(b) <= len(prefix) || b[len(prefix)] != '"' {
		return "", false
	}
	b = b[len(prefix)+1:]
	end := bytes.IndexByte(b, '"')
	if end < 0 {
		return "", false
	}
	s := b[:end]
	for _, c := range s {
		if c < 0x20 || c == '\\' {
			return "", false
		}
	}
	if !utf8.Valid(s) {
		return "", false
	}
	*p = b[end+1:]
	return string(s), true
}
