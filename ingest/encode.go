package ingest

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	gt "groundtruth"
)

// AppendPack appends the JSON of p to dst and returns the extended slice. The bytes are
// exactly those of json.Marshal(p) (same keys, order, omissions, number and string forms,
// HTML escaping), so journals written before and after it read the same; it only avoids
// reflection and the allocations of encoding/json. A NaN or infinite value is an error,
// as with json.Marshal.
func AppendPack(dst []byte, p *gt.DevicePack) ([]byte, error) {
	b := append(dst, `{"device":`...)
	b = appendString(b, p.Device)
	b = append(b, `,"via":`...)
	b = appendString(b, p.Via)
	b = append(b, `,"received":`...)
	b, err := appendTime(b, p.Received)
	if err != nil {
		return dst, err
	}
	if p.Digest != "" {
		b = append(b, `,"digest":`...)
		b = appendString(b, p.Digest)
	}
	if p.Seq != 0 {
		b = append(b, `,"seq":`...)
		b = strconv.AppendUint(b, p.Seq, 10)
	}
	if p.Signed {
		b = append(b, `,"signed":true`...)
	}
	if len(p.Readings) > 0 {
		b = append(b, `,"readings":[`...)
		for i := range p.Readings {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendReading(b, &p.Readings[i]); err != nil {
				return dst, err
			}
		}
		b = append(b, ']')
	}
	if s := p.Status; s != nil {
		b = append(b, `,"status":{"state":`...)
		b = appendString(b, s.State)
		if s.Will {
			b = append(b, `,"will":true`...)
		}
		if s.Detail != "" {
			b = append(b, `,"detail":`...)
			b = appendString(b, s.Detail)
		}
		b = append(b, '}')
	}
	if r := p.Rejected; r != nil {
		b = append(b, `,"rejected":{"reason":`...)
		b = appendString(b, r.Reason)
		b = append(b, `,"message":`...)
		b = appendString(b, r.Message)
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

func appendReading(b []byte, r *gt.Reading) ([]byte, error) {
	b = append(b, `{"n":`...)
	b = appendString(b, r.Name)
	if r.Unit != "" {
		b = append(b, `,"u":`...)
		b = appendString(b, r.Unit)
	}
	b = append(b, `,"t":`...)
	b = strconv.AppendInt(b, r.T, 10)
	if r.V != nil {
		b = append(b, `,"v":`...)
		var err error
		if b, err = appendFloat(b, *r.V); err != nil {
			return b, err
		}
	}
	if r.B != nil {
		if *r.B {
			b = append(b, `,"vb":true`...)
		} else {
			b = append(b, `,"vb":false`...)
		}
	}
	if r.S != nil {
		b = append(b, `,"vs":`...)
		b = appendString(b, *r.S)
	}
	return append(b, '}'), nil
}

// appendFloat formats f as encoding/json does for a float64.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, fmt.Errorf("encode pack: unsupported value %v", f)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// appendTime formats t as time.Time.MarshalJSON does.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	if t.Location() == time.UTC {
		if y := t.Year(); y >= 0 && y <= 9999 {
			b = append(b, '"')
			b = t.AppendFormat(b, time.RFC3339Nano)
			return append(b, '"'), nil
		}
	}
	j, err := t.MarshalJSON()
	if err != nil {
		return b, fmt.Errorf("encode pack: %w", err)
	}
	return append(b, j...), nil
}

// appendString quotes s as json.Marshal does: plain printable ASCII is copied, anything
// else (escapes, HTML characters, non-ASCII) is left to encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			j, _ := json.Marshal(s) // a string always encodes
			return append(b, j...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
