package journal

import (
	"time"

	"groundtruth"
)

// maxFastDepth bounds the nesting compactValid follows; deeper values are left to
// encoding/json (whose limit is 10000).
const maxFastDepth = 512

// compactValid reports whether b is one valid JSON value without insignificant
// whitespace. True implies json.Valid(b) and that json.Compact would leave b as it is;
// false says nothing (the caller then uses encoding/json). It is several times faster
// than json.Valid, which matters because every event is checked when appended and again
// when read.
func compactValid(b []byte) bool {
	n, ok := compactValue(b, 0, 0)
	return ok && n == len(b)
}

// compactValue checks the value starting at b[i] and returns the index after it.
func compactValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; {
	case c == '"':
		return compactString(b, i)
	case c == '{':
		if depth >= maxFastDepth {
			return i, false
		}
		i++
		if i < len(b) && b[i] == '}' {
			return i + 1, true
		}
		for {
			var ok bool
			if i >= len(b) || b[i] != '"' {
				return i, false
			}
			if i, ok = compactString(b, i); !ok || i >= len(b) || b[i] != ':' {
				return i, false
			}
			if i, ok = compactValue(b, i+1, depth+1); !ok || i >= len(b) {
				return i, false
			}
			switch b[i] {
			case ',':
				i++
			case '}':
				return i + 1, true
			default:
				return i, false
			}
		}
	case c == '[':
		if depth >= maxFastDepth {
			return i, false
		}
		i++
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = compactValue(b, i, depth+1); !ok || i >= len(b) {
				return i, false
			}
			switch b[i] {
			case ',':
				i++
			case ']':
				return i + 1, true
			default:
				return i, false
			}
		}
	case c == '-' || c >= '0' && c <= '9':
		return compactNumber(b, i)
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	}
	return i, false
}

func literal(b []byte, i int, lit string) (int, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, false
	}
	return i + len(lit), true
}

// compactString checks the string starting at b[i] == '"'. Like encoding/json it
// accepts any byte from 0x20 up except '"' and '\\' (invalid UTF-8 included) and the
// escapes of RFC 8259.
func compactString(b []byte, i int) (int, bool) {
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		case c == '\\':
			i++
			if i >= len(b) {
				return i, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-i <= 4 {
					return i, false
				}
				for _, h := range b[i+1 : i+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return i, false
					}
				}
				i += 4
			default:
				return i, false
			}
		}
	}
	return i, false
}

// compactNumber checks the number starting at b[i]:
// -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func compactNumber(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digitsFrom(b, i+1)
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		j := digitsFrom(b, i+1)
		if j == i+1 {
			return i, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digitsFrom(b, i)
		if j == i {
			return i, false
		}
		i = j
	}
	return i, true
}

func digitsFrom(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// appendEventFast appends the JSON that encode's json.Encoder would write for ev (Seq
// left out, HTML not escaped) and reports true, or reports false when ev has something
// the fast path does not write itself: a string needing escapes, a time MarshalJSON
// would refuse or format differently, Data that is not compact valid JSON.
func appendEventFast(dst []byte, ev *groundtruth.Event) ([]byte, bool) {
	if !plain(ev.ID) || !plain(string(ev.Type)) || !plain(ev.Tenant) || !plain(ev.Actor) ||
		ev.Time.Location() != time.UTC || ev.Time.Year() < 0 || ev.Time.Year() > 9999 ||
		len(ev.Data) > 0 && !compactValid(ev.Data) {
		return dst, false
	}
	b := append(dst, `{"id":"`...)
	b = append(b, ev.ID...)
	b = append(b, `","type":"`...)
	b = append(b, ev.Type...)
	b = append(b, `","tenant":"`...)
	b = append(b, ev.Tenant...)
	b = append(b, `","time":"`...)
	b = ev.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	if ev.Actor != "" {
		b = append(b, `,"actor":"`...)
		b = append(b, ev.Actor...)
		b = append(b, '"')
	}
	if len(ev.Data) > 0 {
		b = append(b, `,"data":`...)
		b = append(b, ev.Data...)
	}
	return append(b, '}'), true
}

// plain reports whether s is printable ASCII without '"' and '\\', which encoding/json
// writes as is when HTML escaping is off.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
