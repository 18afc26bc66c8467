package senml

import (
	"bytes"
	"math/bits"

	gt "groundtruth"
)

// Decode reads a SenML pack in JSON (RFC 8428 §5): a top-level array of one or more
// record objects. It checks the JSON strictly (see the package documentation), the JSON
// type of each known field, that numbers are finite and that bver is a positive integer.
// Labels ending in '_' are rejected as must-understand extensions; other unknown labels
// are skipped. A known label twice in one record is an error.
//
// Errors are *groundtruth.Error: ETOOLARGE when data exceeds limits, EINVALID otherwise,
// with Field naming the record and label, such as "[3].v". Decode does not apply base
// fields or check names; Resolve does.
func Decode(data []byte, limits Limits) (Pack, error) {
	limits = limits.withDefaults()
	if len(data) > limits.MaxBytes {
		return nil, gt.Errorf(gt.ETOOLARGE, "payload of %d bytes exceeds the limit of %d", len(data), limits.MaxBytes)
	}
	s := &scanner{data: data, rec: -1}
	s.ws()
	if !s.consume('[') {
		if s.next() == '{' {
			return nil, s.fail("a SenML pack must be a JSON array of records, not an object")
		}
		return nil, s.syntax(s.pos, "'[' starting a SenML pack")
	}
	s.ws()
	if s.consume(']') {
		if err := s.end(); err != nil {
			return nil, err
		}
		return nil, s.fail("pack has no records")
	}
	// Each record opens a brace, so their count bounds the number of records.
	pack := make(Pack, 0, min(bytes.Count(data, []byte{'{'}), limits.MaxRecords))
	for {
		if len(pack) == limits.MaxRecords {
			return nil, gt.Errorf(gt.ETOOLARGE, "pack has more than %d records", limits.MaxRecords)
		}
		pack = append(pack, Record{})
		s.rec = len(pack) - 1
		if err := s.record(&pack[s.rec]); err != nil {
			return nil, err
		}
		s.ws()
		if s.consume(',') {
			s.ws()
			continue
		}
		if s.consume(']') {
			break
		}
		return nil, s.syntax(s.pos, "',' or ']' after a record")
	}
	s.rec = -1
	if err := s.end(); err != nil {
		return nil, err
	}
	return pack, nil
}

// end checks that only white space follows the top-level value.
func (s *scanner) end() error {
	s.ws()
	if s.pos != len(s.data) {
		return s.syntax(s.pos, "the end of input")
	}
	return nil
}

// record reads one record object into r.
func (s *scanner) record(r *Record) error {
	if !s.consume('{') {
		if s.pos < len(s.data) && describe(s.next()) != "a value" {
			return s.fail("record must be a JSON object, not %s", describe(s.next()))
		}
		return s.syntax(s.pos, "'{' starting a record")
	}
	s.ws()
	if s.consume('}') {
		return s.fail("record is empty")
	}
	for {
		raw, esc, err := s.str()
		if err != nil {
			return err
		}
		if esc {
			raw = unescape(raw)
		}
		s.ws()
		if !s.consume(':') {
			return s.syntax(s.pos, "':' after a label")
		}
		s.ws()
		f := fieldOf(raw)
		if f == 0 {
			s.key = string(raw)
			if len(raw) > 0 && raw[len(raw)-1] == '_' {
				return s.fail("must-understand field %q is not supported", raw)
			}
			if err := s.skip(); err != nil {
				return err
			}
			s.key = ""
		} else {
			s.key = labels[bits.TrailingZeros16(uint16(f))]
			if r.Present&f != 0 {
				return s.fail("duplicate field")
			}
			r.Present |= f
			if err := s.value(r, f); err != nil {
				return err
			}
			s.key = ""
		}
		s.ws()
		if s.consume(',') {
			s.ws()
			continue
		}
		if s.consume('}') {
			return nil
		}
		return s.syntax(s.pos, "',' or '}' in a record")
	}
}

// fieldOf returns the field of a label, or 0 for an unknown label.
func fieldOf(label []byte) Field {
	switch string(label) {
	case "bn":
		return FieldBaseName
	case "bt":
		return FieldBaseTime
	case "bu":
		return FieldBaseUnit
	case "bv":
		return FieldBaseValue
	case "bs":
		return FieldBaseSum
	case "bver":
		return FieldBaseVersion
	case "n":
		return FieldName
	case "u":
		return FieldUnit
	case "v":
		return FieldValue
	case "vs":
		return FieldStringValue
	case "vb":
		return FieldBoolValue
	case "vd":
		return FieldDataValue
	case "s":
		return FieldSum
	case "t":
		return FieldTime
	case "ut":
		return FieldUpdateTime
	}
	return 0
}

// value reads the value of field f into r.
func (s *scanner) value(r *Record, f Field) error {
	var err error
	switch f {
	case FieldBaseName:
		r.BaseName, err = s.text(false)
	case FieldBaseTime:
		r.BaseTime, err = s.number()
	case FieldBaseUnit:
		r.BaseUnit, err = s.text(true)
	case FieldBaseValue:
		r.BaseValue, err = s.number()
	case FieldBaseSum:
		r.BaseSum, err = s.number()
	case FieldBaseVersion:
		var v float64
		if v, err = s.number(); err == nil {
			if v < 1 || v > 1<<31 || v != float64(int64(v)) {
				return s.fail("version must be a positive integer, not %v", v)
			}
			r.BaseVersion = int(v)
		}
	case FieldName:
		r.Name, err = s.text(true)
	case FieldUnit:
		r.Unit, err = s.text(true)
	case FieldValue:
		r.Value, err = s.number()
	case FieldStringValue:
		r.StringValue, err = s.text(false)
	case FieldBoolValue:
		r.BoolValue, err = s.boolean()
	case FieldDataValue:
		r.DataValue, err = s.text(false)
	case FieldSum:
		r.Sum, err = s.number()
	case FieldTime:
		r.Time, err = s.number()
	case FieldUpdateTime:
		r.UpdateTime, err = s.number()
	}
	return err
}

// number reads a value that must be a JSON number.
func (s *scanner) number() (float64, error) {
	if c := s.next(); c != '-' && (c < '0' || c > '9') {
		return 0, s.typeError("a number")
	}
	return s.num()
}

// boolean reads a value that must be true or false.
func (s *scanner) boolean() (bool, error) {
	if c := s.next(); c != 't' && c != 'f' {
		return false, s.typeError("a boolean")
	}
	c, err := s.literal()
	return c == 't', err
}

// text reads a value that must be a JSON string. With common, frequent names and units
// come from intern instead of a new allocation.
func (s *scanner) text(common bool) (string, error) {
	if s.next() != '"' {
		return "", s.typeError("a string")
	}
	raw, esc, err := s.str()
	if err != nil {
		return "", err
	}
	if esc {
		raw = unescape(raw)
	}
	if common {
		if v, ok := intern(raw); ok {
			return v, nil
		}
	}
	return string(raw), nil
}

// typeError reports a value of the wrong JSON type, or malformed JSON.
func (s *scanner) typeError(want string) error {
	got := describe(s.next())
	if got == "a value" {
		return s.syntax(s.pos, "a value")
	}
	return s.fail("must be %s, not %s", want, got)
}

// intern returns the string of b when it is one of the names and units that devices send
// most (those of SPEC §5.2 and a few more), so that decoding them does not allocate. A
// switch on string(b) neither allocates nor hashes.
func intern(b []byte) (string, bool) {
	switch string(b) {
	case "mass":
		return "mass", true
	case "volume":
		return "volume", true
	case "count":
		return "count", true
	case "lat":
		return "lat", true
	case "lon":
		return "lon", true
	case "alt":
		return "alt", true
	case "speed":
		return "speed", true
	case "door":
		return "door", true
	case "tamper":
		return "tamper", true
	case "power":
		return "power", true
	case "temp":
		return "temp", true
	case "rh":
		return "rh", true
	case "battery":
		return "battery", true
	case "tags":
		return "tags", true
	case "kg":
		return "kg", true
	case "m3":
		return "m3", true
	case "m":
		return "m", true
	case "m/s":
		return "m/s", true
	case "Cel":
		return "Cel", true
	case "%RH":
		return "%RH", true
	case "%EL":
		return "%EL", true
	case "/":
		return "/", true
	case "V":
		return "V", true
	case "A":
		return "A", true
	case "W":
		return "W", true
	}
	return "", false
}
