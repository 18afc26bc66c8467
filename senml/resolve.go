package senml

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"

	gt "groundtruth"
)

// Bounds of resolved times in seconds since 1970. Times below 2**28 are relative to now
// (RFC 8428 §4.5.3); from 2**32 on, a float64 of seconds no longer carries microseconds
// exactly through Encode and Decode.
const (
	minTime = 1 << 28 // 1978-07-04T21:24:16Z
	maxTime = 1 << 32 // 2106-02-07T06:28:16Z
)

// dataEncoding is the encoding of vd: base64url without padding (RFC 8428 §4.3).
var dataEncoding = base64.RawURLEncoding.Strict()

// Resolve applies the base fields of a pack to its records (RFC 8428 §4.6) and checks the
// result (§4.5): names are concatenated (bn + n) and must be non-empty, made of the RFC
// 8428 name characters and start with a letter or digit; units default to bu; values and
// sums add bv and bs; times add bt and, when the sum is below 2**28, are relative to now.
// Each record has exactly one value field, or none when it carries a sum. A pack has one
// version, at most 10. Records that carry only base fields yield nothing; the others keep
// pack order.
//
// Resolve is pure: now is the receive time that relative times refer to. Errors are
// EINVALID *groundtruth.Error values whose Field names the record and label, such as
// "[3].v".
func Resolve(p Pack, now time.Time) ([]Resolved, error) {
	if len(p) == 0 {
		return nil, gt.FieldErrorf("", "pack has no records")
	}
	out := make([]Resolved, 0, len(p))
	nowUS := now.Round(time.Microsecond).UnixMicro()
	nowOK := !now.Before(time.Unix(minTime, 0)) && now.Before(time.Unix(maxTime, 0))
	var base Record // the base fields in force
	version := Version
	nb := newNames(p)
	for i := range p {
		r := &p[i]
		if r.Has(FieldBaseVersion) {
			switch {
			case r.BaseVersion < 1:
				return nil, recordError(i, "bver", "version must be a positive integer, not %d", r.BaseVersion)
			case r.BaseVersion > Version:
				return nil, recordError(i, "bver", "version %d is newer than %d, the highest supported", r.BaseVersion, Version)
			case i > 0 && r.BaseVersion != version:
				return nil, recordError(i, "bver", "version %d differs from version %d of the records before it", r.BaseVersion, version)
			}
			version = r.BaseVersion
		}
		applyBase(&base, r)
		out = append(out, Resolved{Version: version})
		ok, err := resolveRecord(&out[len(out)-1], i, r, &base, nb.next(r), nowUS, nowOK)
		if err != nil {
			return nil, err
		}
		if !ok {
			out = out[:len(out)-1]
		}
	}
	if len(out) == 0 {
		return nil, gt.FieldErrorf("", "pack carries no measurement: its records hold only base or unknown fields")
	}
	return out, nil
}

// applyBase copies the base fields of r into base.
func applyBase(base, r *Record) {
	if r.Present&baseFields == 0 {
		return
	}
	base.Present |= r.Present & baseFields
	if r.Has(FieldBaseName) {
		base.BaseName = r.BaseName
	}
	if r.Has(FieldBaseTime) {
		base.BaseTime = r.BaseTime
	}
	if r.Has(FieldBaseUnit) {
		base.BaseUnit = r.BaseUnit
	}
	if r.Has(FieldBaseValue) {
		base.BaseValue = r.BaseValue
	}
	if r.Has(FieldBaseSum) {
		base.BaseSum = r.BaseSum
	}
}

// recordError returns an EINVALID error about field label of record i.
func recordError(i int, label, format string, args ...any) error {
	f := "[" + strconv.Itoa(i) + "]"
	if label != "" {
		f += "." + label
	}
	return &gt.Error{Code: gt.EINVALID, Field: f, Message: fmt.Sprintf(format, args...)}
}

// names hands out the concatenated names (bn + n) of a pack's records, all cut from one
// string built up front, so that resolving a pack allocates once for names and not once
// per record. A record with the same base name and name as the one before shares its name.
type names struct {
	all           string // the names that need concatenation, in pack order
	off           int    // start of the next one in all
	bn            string // base name in force
	prevBN, prevN string // parts of the last concatenated name
	prev          string // the last concatenated name
}

// newNames builds the names of p.
func newNames(p Pack) *names {
	size := 0
	var nb names
	for i := range p {
		if _, done := nb.step(&p[i]); !done {
			size += len(nb.bn) + len(p[i].Name)
		}
	}
	var b strings.Builder
	b.Grow(size)
	nb = names{}
	for i := range p {
		if _, done := nb.step(&p[i]); !done {
			b.WriteString(nb.bn)
			b.WriteString(p[i].Name)
		}
	}
	return &names{all: b.String()}
}

// next returns the full name of r, the next record of the pack.
func (nb *names) next(r *Record) string {
	if name, done := nb.step(r); done {
		return name
	}
	nb.prev = nb.all[nb.off : nb.off+len(nb.bn)+len(r.Name)]
	nb.off += len(nb.prev)
	return nb.prev
}

// step tracks the base name through r and returns r's full name, or false when that name
// is a new concatenation.
func (nb *names) step(r *Record) (string, bool) {
	if r.Has(FieldBaseName) {
		nb.bn = r.BaseName
	}
	switch {
	case r.Present&regularFields == 0:
		return "", true
	case nb.bn == "":
		return r.Name, true
	case r.Name == "":
		return nb.bn, true
	case nb.bn == nb.prevBN && r.Name == nb.prevN:
		return nb.prev, true
	}
	nb.prevBN, nb.prevN = nb.bn, r.Name
	return "", false
}

// resolveRecord resolves record i, whose full name is name, under the base fields in
// force, into res. It returns false for a record that carries only base fields.
func resolveRecord(res *Resolved, i int, r, base *Record, name string, nowUS int64, nowOK bool) (bool, error) {
	if r.Present&regularFields == 0 {
		return false, nil // base fields only, as in RFC 8428 §5.1.7
	}
	vals := r.Present & valueFields
	if bits.OnesCount16(uint16(vals)) > 1 {
		var present []string
		for f := FieldValue; f <= FieldDataValue; f <<= 1 {
			if vals&f != 0 {
				present = append(present, f.Label())
			}
		}
		return false, recordError(i, "", "record has more than one value field: %v", present)
	}
	switch vals {
	case FieldValue:
		res.Kind, res.Value = KindValue, r.Value
		if base.Has(FieldBaseValue) { // not 0 + v, which would turn -0 into 0
			res.Value += base.BaseValue
		}
	case FieldStringValue:
		res.Kind, res.StringValue = KindString, r.StringValue
	case FieldBoolValue:
		res.Kind, res.BoolValue = KindBool, r.BoolValue
	case FieldDataValue:
		d, err := dataEncoding.DecodeString(r.DataValue)
		if err != nil {
			return false, recordError(i, "vd", "data value must be base64url without padding (RFC 4648 §5): %v", err)
		}
		res.Kind, res.DataValue = KindData, d
	default:
		if base.Has(FieldBaseValue) {
			res.Kind, res.Value = KindValue, base.BaseValue
		}
	}
	switch {
	case r.Has(FieldSum) && base.Has(FieldBaseSum):
		res.HasSum, res.Sum = true, base.BaseSum+r.Sum
	case r.Has(FieldSum):
		res.HasSum, res.Sum = true, r.Sum
	case base.Has(FieldBaseSum):
		res.HasSum, res.Sum = true, base.BaseSum
	}
	if res.Kind == KindNone && !res.HasSum {
		return false, recordError(i, "", "record has no value (v, vs, vb or vd) and no sum (s)")
	}
	if !finite(res.Value) {
		return false, recordError(i, "v", "value bv + v = %v is not a finite number", res.Value)
	}
	if !finite(res.Sum) {
		return false, recordError(i, "s", "sum bs + s = %v is not a finite number", res.Sum)
	}

	bn := ""
	if base.Has(FieldBaseName) {
		bn = base.BaseName
	}
	res.Name = name
	if msg, at := checkName(res.Name); msg != "" {
		label := "n"
		if at < len(bn) || !r.Has(FieldName) && bn != "" {
			label = "bn" // the fault lies in the base name
		}
		return false, recordError(i, label, "%s", msg)
	}
	res.Unit = base.BaseUnit
	if r.Has(FieldUnit) {
		res.Unit = r.Unit
	}

	us, msg := resolveTime(base.BaseTime+r.Time, nowUS, nowOK)
	if msg != "" {
		label := "t"
		if !r.Has(FieldTime) && base.Has(FieldBaseTime) {
			label = "bt"
		}
		return false, recordError(i, label, "%s", msg)
	}
	res.Time = time.UnixMicro(us).UTC()
	if r.Has(FieldUpdateTime) {
		ut := r.UpdateTime
		if !finite(ut) || ut < 0 || ut >= maxTime {
			return false, recordError(i, "ut", "update time must be a number of seconds in [0, 2**32), not %v", ut)
		}
		res.UpdateTime = time.Duration(micros(ut)) * time.Microsecond
	}
	return true, nil
}

// finite reports whether f is neither NaN nor infinite.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// micros converts seconds to whole microseconds, rounding to nearest. The fraction is
// taken apart from the whole seconds, exactly, so that Encode's seconds come back as the
// same microseconds for every time below 2**32 s.
func micros(sec float64) int64 {
	whole := math.Floor(sec)
	return int64(whole)*1e6 + int64(math.Round((sec-whole)*1e6))
}

// resolveTime returns the time of a record in microseconds since 1970, given bt + t in
// seconds, or a message saying why it is out of range.
func resolveTime(sec float64, nowUS int64, nowOK bool) (int64, string) {
	var us int64
	switch {
	case !finite(sec):
		return 0, fmt.Sprintf("time bt + t = %v is not finite", sec)
	case sec >= maxTime:
		return 0, fmt.Sprintf("time %v is after 2106-02-07T06:28:16Z (2**32 s), the latest supported", sec)
	case sec >= minTime:
		us = micros(sec)
	case !nowOK:
		return 0, fmt.Sprintf("time %v is relative to now (below 2**28 s), and now %s is outside 1978-07-04 to 2106-02-07",
			sec, time.UnixMicro(nowUS).UTC().Format(time.RFC3339Nano))
	case sec <= -maxTime:
		return 0, fmt.Sprintf("relative time %v s is too far in the past", sec)
	default:
		us = nowUS + micros(sec)
	}
	if us < minTime*1e6 || us >= maxTime*1e6 {
		return 0, fmt.Sprintf("time resolves to %s, outside 1978-07-04T21:24:16Z to 2106-02-07T06:28:16Z",
			time.UnixMicro(us).UTC().Format(time.RFC3339Nano))
	}
	return us, ""
}

// nameChars marks the bytes allowed in a SenML name (RFC 8428 §4.5.1); nameStart those
// allowed first.
var nameChars, nameStart = func() (c, s [256]bool) {
	for b := 0; b < 256; b++ {
		alnum := b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9'
		s[b] = alnum
		c[b] = alnum || b == '-' || b == ':' || b == '.' || b == '/' || b == '_'
	}
	return c, s
}()

// checkName returns why name is not a valid resolved SenML name and the offset of the
// offending byte, or "".
func checkName(name string) (string, int) {
	if name == "" {
		return "name is empty: the record has no n and no bn in force", 0
	}
	if !nameStart[name[0]] {
		return fmt.Sprintf("name %.100q must start with a letter or digit", name), 0
	}
	for i := 1; i < len(name); i++ {
		if !nameChars[name[i]] {
			return fmt.Sprintf("name %.100q has %s at byte %d; SenML names use only A-Z a-z 0-9 - : . / _",
				name, quoteByte(name[i]), i), i
		}
	}
	return "", 0
}
