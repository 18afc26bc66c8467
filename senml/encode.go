package senml

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	gt "groundtruth"
)

// Encode writes resolved records as a SenML pack in JSON, each record in resolved form
// (RFC 8428 §4.6): n, u when set, the value field of its kind, s when it has a sum, t
// as absolute seconds, ut when set, and bver when the version is not 10. Times and update
// times are written at microsecond precision, so Decode and Resolve of the output give
// back the records (those Resolve produced are already whole microseconds).
//
// Encode checks what it writes: valid names, finite numbers, times between 1978-07-04
// and 2106-02-07, UTF-8 strings without NUL, a known kind, a version of 1 to 10. Errors
// are EINVALID *groundtruth.Error values with Field such as "[3].n".
func Encode(records []Resolved) ([]byte, error) {
	if len(records) == 0 {
		return nil, gt.FieldErrorf("", "pack has no records")
	}
	b := make([]byte, 0, 96*len(records))
	b = append(b, '[')
	for i := range records {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendResolved(b, i, &records[i]); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// appendResolved appends record i as a JSON object.
func appendResolved(b []byte, i int, r *Resolved) ([]byte, error) {
	b = append(b, '{')
	if r.Version != 0 && r.Version != Version {
		if r.Version < 1 || r.Version > Version {
			return nil, recordError(i, "bver", "version must be 1 to %d, not %d", Version, r.Version)
		}
		b = append(b, `"bver":`...)
		b = strconv.AppendInt(b, int64(r.Version), 10)
		b = append(b, ',')
	}
	if msg, _ := checkName(r.Name); msg != "" {
		return nil, recordError(i, "n", "%s", msg)
	}
	b = append(b, `"n":`...)
	b = appendString(b, r.Name) // checkName allows nothing that needs escaping
	if r.Unit != "" {
		if msg := checkText(r.Unit); msg != "" {
			return nil, recordError(i, "u", "unit %s", msg)
		}
		b = append(b, `,"u":`...)
		b = appendString(b, r.Unit)
	}
	switch r.Kind {
	case KindValue:
		if !finite(r.Value) {
			return nil, recordError(i, "v", "value %v is not a finite number", r.Value)
		}
		b = append(b, `,"v":`...)
		b = appendFloat(b, r.Value)
	case KindString:
		if msg := checkText(r.StringValue); msg != "" {
			return nil, recordError(i, "vs", "string value %s", msg)
		}
		b = append(b, `,"vs":`...)
		b = appendString(b, r.StringValue)
	case KindBool:
		b = append(b, `,"vb":`...)
		b = strconv.AppendBool(b, r.BoolValue)
	case KindData:
		b = append(b, `,"vd":"`...)
		b = dataEncoding.AppendEncode(b, r.DataValue)
		b = append(b, '"')
	case KindNone:
		if !r.HasSum {
			return nil, recordError(i, "", "record has no value and no sum")
		}
	default:
		return nil, recordError(i, "", "unknown kind of value %d", r.Kind)
	}
	if r.HasSum {
		if !finite(r.Sum) {
			return nil, recordError(i, "s", "sum %v is not a finite number", r.Sum)
		}
		b = append(b, `,"s":`...)
		b = appendFloat(b, r.Sum)
	}
	t := r.Time.Round(time.Microsecond)
	if t.Before(time.Unix(minTime, 0)) || !t.Before(time.Unix(maxTime, 0)) {
		return nil, recordError(i, "t", "time %s is outside 1978-07-04T21:24:16Z to 2106-02-07T06:28:16Z",
			r.Time.UTC().Format(time.RFC3339Nano))
	}
	b = append(b, `,"t":`...)
	b = appendFloat(b, float64(t.UnixMicro())/1e6)
	if r.UpdateTime != 0 {
		ut := r.UpdateTime.Round(time.Microsecond).Microseconds()
		if ut < 0 || ut >= maxTime*1e6 {
			return nil, recordError(i, "ut", "update time %v is outside [0, 2**32 s)", r.UpdateTime)
		}
		b = append(b, `,"ut":`...)
		b = appendFloat(b, float64(ut)/1e6)
	}
	return append(b, '}'), nil
}

// appendFloat appends f in the shortest form that reads back as the same float64: plain
// decimals between 1e-6 and 1e21, as encoding/json writes them, else an exponent in lower
// case as RFC 8428 §5 asks.
func appendFloat(b []byte, f float64) []byte {
	if a := math.Abs(f); a == 0 || a >= 1e-6 && a < 1e21 {
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	return strconv.AppendFloat(b, f, 'e', -1, 64)
}

// checkText returns why s cannot be sent as a SenML string, or "".
func checkText(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return "holds a NUL character"
		}
	}
	return ""
}

// appendString appends s as a JSON string; s is valid UTF-8.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
