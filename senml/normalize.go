package senml

import (
	"strings"
	"time"

	gt "groundtruth"
)

// The measurements of SPEC §5.2, in the order the spec lists them, with their canonical
// SenML unit (RFC 8428 §12.1; "" for booleans and tag lists) and kind of value.
var (
	measureNames = [...]string{"mass", "volume", "count", "lat", "lon", "alt", "speed",
		"door", "tamper", "power", "temp", "rh", "battery", "tags"}
	measureUnits = [...]string{"kg", "m3", "count", "lat", "lon", "m", "m/s",
		"", "", "", "Cel", "%RH", "%EL", ""}
	measureKinds = [...]Kind{KindValue, KindValue, KindValue, KindValue, KindValue, KindValue,
		KindValue, KindBool, KindBool, KindBool, KindValue, KindValue, KindValue, KindString}
)

// Units maps each measurement name of SPEC §5.2 to its canonical SenML unit: mass "kg",
// volume "m3", count "count", lat "lat" and lon "lon" (degrees, WGS84), alt "m", speed
// "m/s", temp "Cel", rh "%RH", battery "%EL", and "" (no unit) for the booleans door,
// tamper and power and for tags. Callers must not modify it.
var Units = func() map[string]string {
	m := make(map[string]string, len(measureNames))
	for i, n := range measureNames {
		m[n] = measureUnits[i]
	}
	return m
}()

// Kinds maps each measurement name of SPEC §5.2 to the kind of value it carries:
// KindBool for door, tamper and power, KindString for tags (a comma list of RFID or ear
// tag ids), KindValue for the others. Callers must not modify it.
var Kinds = func() map[string]Kind {
	m := make(map[string]Kind, len(measureNames))
	for i, n := range measureNames {
		m[n] = measureKinds[i]
	}
	return m
}()

// nameList is the measurement names for messages.
var nameList = strings.Join(measureNames[:], ", ")

// CheckUnit checks that unit is the canonical unit of the SPEC §5.2 measurement name, as
// Units gives it. An empty unit passes: RFC 8428 §4.5.2 lets the context supply a missing
// unit, and here the context is the canonical one. It returns an EINVALID
// *groundtruth.Error with Field "n" for an unknown name and "u" for a wrong unit, such as
// `mass must be in "kg", not "lb"`; callers prefix the record.
func CheckUnit(name, unit string) error {
	want, ok := Units[name]
	switch {
	case !ok:
		return gt.FieldErrorf("n", "unknown measurement %.100q; the measurements are %s", name, nameList)
	case unit == "" || unit == want:
		return nil
	case want == "":
		return gt.FieldErrorf("u", "%s takes no unit, not %.100q", name, unit)
	}
	return gt.FieldErrorf("u", "%s must be in %q, not %.100q", name, want, unit)
}

// measureIndex returns the index of a measurement name in measureNames.
func measureIndex(name []byte) (int, bool) {
	switch string(name) {
	case "mass":
		return 0, true
	case "volume":
		return 1, true
	case "count":
		return 2, true
	case "lat":
		return 3, true
	case "lon":
		return 4, true
	case "alt":
		return 5, true
	case "speed":
		return 6, true
	case "door":
		return 7, true
	case "tamper":
		return 8, true
	case "power":
		return 9, true
	case "temp":
		return 10, true
	case "rh":
		return 11, true
	case "battery":
		return 12, true
	case "tags":
		return 13, true
	}
	return 0, false
}

// Normalize reads a device payload in either form of SPEC §5.2 and resolves it: a SenML
// pack (a JSON array; Decode then Resolve) or a plain JSON object such as
//
//	{"t": 1714000000, "mass": 1234.5, "door": true, "tags": "E1,E2"}
//
// whose keys other than "t" are measurement names of Units. Each becomes a record named
// by its key, with the canonical unit, the value of its kind (number, boolean, or string
// for tags), and the time of "t" read as a SenML time (absolute from 2**28 s, else
// relative to now; now when absent). Records keep the order of the keys. An unknown key,
// a value of the wrong type, a repeated key or an object without measurements is an
// EINVALID *groundtruth.Error whose Field is the key; limits give ETOOLARGE as for
// Decode, MaxRecords counting measurements. Names in a SenML pack are not mapped to
// measurements and units are not checked: that is CheckUnit's job, once the caller has
// taken the device prefix off the name.
func Normalize(data []byte, limits Limits, now time.Time) ([]Resolved, error) {
	limits = limits.withDefaults()
	if len(data) > limits.MaxBytes {
		return nil, gt.Errorf(gt.ETOOLARGE, "payload of %d bytes exceeds the limit of %d", len(data), limits.MaxBytes)
	}
	s := &scanner{data: data, rec: -1}
	s.ws()
	switch s.next() {
	case '[':
		p, err := Decode(data, limits)
		if err != nil {
			return nil, err
		}
		return Resolve(p, now)
	case '{':
		return s.plain(limits, now)
	case 0:
		return nil, s.syntax(s.pos, "a SenML pack or a plain JSON object")
	}
	return nil, s.fail("payload must be a SenML pack (JSON array) or a plain JSON object, not %s", describe(s.next()))
}

// plain reads a plain JSON object of measurements.
func (s *scanner) plain(limits Limits, now time.Time) ([]Resolved, error) {
	s.pos++ // '{'
	s.ws()
	out := make([]Resolved, 0, 4)
	var seen uint32
	var t float64
	hasT := false
	for !s.consume('}') {
		if hasT || len(out) > 0 {
			if !s.consume(',') {
				return nil, s.syntax(s.pos, "',' or '}'")
			}
			s.ws()
		}
		raw, esc, err := s.str()
		if err != nil {
			return nil, err
		}
		if esc {
			raw = unescape(raw)
		}
		s.ws()
		if !s.consume(':') {
			return nil, s.syntax(s.pos, "':' after a key")
		}
		s.ws()
		if string(raw) == "t" {
			s.key = "t"
			if hasT {
				return nil, s.fail("duplicate key")
			}
			if t, err = s.number(); err != nil {
				return nil, err
			}
			hasT = true
		} else if err := s.measurement(raw, &out, &seen, limits); err != nil {
			return nil, err
		}
		s.key = ""
		s.ws()
	}
	if err := s.end(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, s.fail("plain JSON object has no measurement; the measurements are %s", nameList)
	}
	nowOK := !now.Before(time.Unix(minTime, 0)) && now.Before(time.Unix(maxTime, 0))
	us, msg := resolveTime(t, now.Round(time.Microsecond).UnixMicro(), nowOK)
	if msg != "" {
		return nil, gt.FieldErrorf("t", "%s", msg)
	}
	tm := time.UnixMicro(us).UTC()
	for i := range out {
		out[i].Time = tm
	}
	return out, nil
}

// measurement reads the value of the plain key name and appends its record to out.
func (s *scanner) measurement(name []byte, out *[]Resolved, seen *uint32, limits Limits) error {
	i, ok := measureIndex(name)
	if !ok {
		s.key = string(name)
		hint := ""
		if fieldOf(name) != 0 {
			hint = " (a SenML record goes inside a JSON array)"
		}
		return s.fail("unknown measurement %.100q; plain JSON takes t and %s%s", name, nameList, hint)
	}
	s.key = measureNames[i]
	if *seen&(1<<i) != 0 {
		return s.fail("duplicate key")
	}
	*seen |= 1 << i
	if len(*out) == limits.MaxRecords {
		return gt.Errorf(gt.ETOOLARGE, "object has more than %d measurements", limits.MaxRecords)
	}
	r := Resolved{Name: measureNames[i], Unit: measureUnits[i], Kind: measureKinds[i], Version: Version}
	var err error
	switch r.Kind {
	case KindBool:
		r.BoolValue, err = s.boolean()
	case KindString:
		r.StringValue, err = s.text(false)
	default:
		r.Value, err = s.number()
	}
	if err != nil {
		return err
	}
	*out = append(*out, r)
	return nil
}
