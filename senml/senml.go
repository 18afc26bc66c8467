// Package senml reads and writes Sensor Measurement Lists (SenML, RFC 8428) in JSON, the
// canonical device payload of SPEC §5.2, and normalises the plain JSON object that devices
// may send instead.
//
// The path of a payload is Decode (bytes to the wire form, a Pack of Records, with strict
// JSON and size limits), then Resolve (RFC 8428 §4.6: base fields applied, times made
// absolute against a caller-supplied now, names and values validated) to a list of
// Resolved records. Normalize does both, and also accepts the plain object form. Encode
// writes resolved records back as a SenML pack; Decode and Resolve of its output give
// the same records.
//
// Choices where RFC 8428 leaves room:
//
//   - Order: Resolve keeps pack order. It does not sort by time; a consumer that needs
//     chronological order sorts (stably) itself.
//   - Unknown fields: labels ending in '_' are must-understand extensions and are
//     rejected (§4.4); other unknown labels are skipped after their value has been checked
//     to be valid JSON. Duplicate known labels in one record are rejected; duplicates of
//     unknown labels are not detected.
//   - Time: a record's time is bt + t; a sum below 2**28 is relative to now (§4.5.3).
//     Resolved times are rounded to the microsecond (a float64 of seconds since 1970
//     carries about a quarter of a microsecond today, so finer digits are noise) and must
//     fall in [2**28, 2**32) seconds since 1970, i.e. 1978-07-04T21:24:16Z to
//     2106-02-07T06:28:16Z, the range in which they survive an Encode and Decode exactly.
//   - Values: the value of a record with v is bv + v; a record without any value field
//     takes bv as its value when a base value is in force. A record has a sum when s or a
//     base sum is present (§4.5.4). A record that carries only base fields (such as the
//     first record of RFC 8428 §5.1.7) sets them for later records and yields no resolved
//     record of its own, even when bv or bs is among them.
//   - Strings must be valid UTF-8 without NUL characters (stores downstream cannot hold
//     NUL); numbers must be finite. The exponent marker "E" is accepted as well as "e"
//     (the lower case rule binds senders; Encode writes "e").
package senml

import "time"

// Field is a set of SenML fields, one bit per label; Record.Present says which fields a
// record carries.
type Field uint16

// The SenML fields of RFC 8428 Table 1.
const (
	FieldBaseName    Field = 1 << iota // bn
	FieldBaseTime                      // bt
	FieldBaseUnit                      // bu
	FieldBaseValue                     // bv
	FieldBaseSum                       // bs
	FieldBaseVersion                   // bver
	FieldName                          // n
	FieldUnit                          // u
	FieldValue                         // v
	FieldStringValue                   // vs
	FieldBoolValue                     // vb
	FieldDataValue                     // vd
	FieldSum                           // s
	FieldTime                          // t
	FieldUpdateTime                    // ut
)

// baseFields are the fields that apply to later records; regularFields apply to their
// own record only; valueFields are the four value fields of which a record has one.
const (
	baseFields = FieldBaseName | FieldBaseTime | FieldBaseUnit | FieldBaseValue |
		FieldBaseSum | FieldBaseVersion
	regularFields = FieldName | FieldUnit | FieldValue | FieldStringValue | FieldBoolValue |
		FieldDataValue | FieldSum | FieldTime | FieldUpdateTime
	valueFields = FieldValue | FieldStringValue | FieldBoolValue | FieldDataValue
)

// labels are the JSON labels of the fields, in bit order.
var labels = [...]string{"bn", "bt", "bu", "bv", "bs", "bver", "n", "u", "v", "vs", "vb",
	"vd", "s", "t", "ut"}

// Label returns the JSON label of a single field, such as "bn" for FieldBaseName, or ""
// when f is not exactly one field.
func (f Field) Label() string {
	for i, l := range labels {
		if f == 1<<i {
			return l
		}
	}
	return ""
}

// Record is one SenML record in its wire form: the fields as sent, base fields not yet
// applied. Present says which fields the record carries, so that an absent field and a
// zero one differ. DataValue holds the base64url text of vd as sent.
type Record struct {
	Present     Field
	BaseName    string
	BaseTime    float64
	BaseUnit    string
	BaseValue   float64
	BaseSum     float64
	BaseVersion int
	Name        string
	Unit        string
	Value       float64
	StringValue string
	BoolValue   bool
	DataValue   string
	Sum         float64
	Time        float64
	UpdateTime  float64
}

// Has reports whether the record carries every field of f.
func (r *Record) Has(f Field) bool { return r.Present&f == f }

// Pack is a SenML pack: records in the order they were sent. Base fields in a record apply
// to it and to the records after it, up to the next record with the same base field.
type Pack []Record

// Kind says which value a resolved record carries.
type Kind uint8

// The kinds of value of RFC 8428 §4.2.
const (
	KindNone   Kind = iota // no value: the record carries only a sum
	KindValue              // v: a number
	KindString             // vs: a string
	KindBool               // vb: a boolean
	KindData               // vd: binary data
)

// String returns the JSON label of the kind's value field ("v", "vs", "vb", "vd"), or
// "none".
func (k Kind) String() string {
	switch k {
	case KindValue:
		return "v"
	case KindString:
		return "vs"
	case KindBool:
		return "vb"
	case KindData:
		return "vd"
	}
	return "none"
}

// Version is the SenML version of RFC 8428, the highest this package understands and the
// default of bver.
const Version = 10

// Resolved is a SenML record with the base fields of its pack applied (RFC 8428 §4.6):
// the full name, the unit, one value of the given Kind (unless it carries only a sum), an
// absolute UTC time, and the version of its pack.
type Resolved struct {
	Name        string
	Unit        string // "" when neither u nor bu was given
	Kind        Kind
	Value       float64 // when Kind is KindValue
	StringValue string  // when Kind is KindString
	BoolValue   bool    // when Kind is KindBool
	DataValue   []byte  // when Kind is KindData
	Sum         float64 // when HasSum
	HasSum      bool
	Time        time.Time     // UTC, whole microseconds
	UpdateTime  time.Duration // 0 when absent; whole microseconds
	Version     int           // bver of the pack; 10 when absent, and 0 means 10 to Encode
}

// Limits bound what Decode and Normalize accept. A zero field takes its default.
type Limits struct {
	MaxBytes   int // size of the payload; default DefaultMaxBytes
	MaxRecords int // records of a pack or measurements of a plain object; default DefaultMaxRecords
}

// Default limits: 64 KiB and 1000 records, well above what a device sends in one message
// yet small enough that one payload cannot hog the ingest path.
const (
	DefaultMaxBytes   = 64 << 10
	DefaultMaxRecords = 1000
)

// withDefaults returns l with zero fields set to their defaults.
func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxRecords <= 0 {
		l.MaxRecords = DefaultMaxRecords
	}
	return l
}
