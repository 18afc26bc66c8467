package senml_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/senml"
)

// Fuzz targets of the SenML codec. Seeds beyond the f.Add calls (the RFC 8428 examples)
// are committed under testdata/fuzz/<FuzzName>/; run one target at a time, e.g.
//
//	go test ./senml -run '^$' -fuzz '^FuzzDecode$' -fuzztime 45s

// bigLimits lets re-decoding see everything that Encode wrote.
var bigLimits = senml.Limits{MaxBytes: 1 << 30, MaxRecords: 1 << 20}

// addSeeds adds the RFC 8428 examples and some plain objects to f, through add.
func addSeeds(add func(string)) {
	for _, v := range rfcVectors {
		add(v.pack)
	}
	add(`{"t": 1714000000, "mass": 1234.5, "door": true, "tags": "E1,E2"}`)
	add(`[{"bn":"d:","bv":1,"bs":2,"bver":3,"bu":"kg","n":"a","ut":5,"vd":"AA","x":[{}],"t":-1}]`)
}

// checkErr fails t unless err is a *groundtruth.Error with one of the codes and a message.
func checkErr(t *testing.T, what string, err error, codes ...string) {
	t.Helper()
	var e *gt.Error
	if !errors.As(err, &e) || e.Message == "" {
		t.Fatalf("%s = %#v, want a *groundtruth.Error", what, err)
	}
	for _, c := range codes {
		if e.Code == c {
			return
		}
	}
	t.Fatalf("%s = %v with code %q, want one of %v", what, err, e.Code, codes)
}

// FuzzDecode decodes arbitrary bytes. Decode must not panic and must fail with an EINVALID
// or ETOOLARGE *groundtruth.Error; what it accepts is valid JSON whose known fields
// encoding/json reads the same, and Resolve of it does not panic and fails only with
// EINVALID.
func FuzzDecode(f *testing.F) {
	addSeeds(func(s string) { f.Add([]byte(s)) })
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := senml.Decode(data, senml.Limits{})
		if err != nil {
			checkErr(t, "Decode", err, gt.EINVALID, gt.ETOOLARGE)
			return
		}
		if !json.Valid(data) {
			t.Fatalf("Decode accepted invalid JSON %q", data)
		}
		var objs []map[string]json.RawMessage
		if err := json.Unmarshal(data, &objs); err != nil || len(objs) != len(p) || len(p) == 0 {
			t.Fatalf("json.Unmarshal = %d records, %v; Decode %d records", len(objs), err, len(p))
		}
		for i := range p {
			compareJSON(t, i, &p[i], objs[i])
		}
		if _, err := senml.Resolve(p, testNow); err != nil {
			checkErr(t, "Resolve", err, gt.EINVALID)
		}
	})
}

// compareJSON fails t unless r holds the known fields of obj as encoding/json reads them.
func compareJSON(t *testing.T, i int, r *senml.Record, obj map[string]json.RawMessage) {
	t.Helper()
	var present senml.Field
	for f := senml.FieldBaseName; f <= senml.FieldUpdateTime; f <<= 1 {
		raw, ok := obj[f.Label()]
		if !ok {
			continue
		}
		present |= f
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("[%d].%s: json.Unmarshal(%s) = %v", i, f.Label(), raw, err)
		}
		var got any
		switch f {
		case senml.FieldBaseName:
			got = r.BaseName
		case senml.FieldBaseUnit:
			got = r.BaseUnit
		case senml.FieldName:
			got = r.Name
		case senml.FieldUnit:
			got = r.Unit
		case senml.FieldStringValue:
			got = r.StringValue
		case senml.FieldDataValue:
			got = r.DataValue
		case senml.FieldBoolValue:
			got = r.BoolValue
		case senml.FieldBaseVersion:
			got = float64(r.BaseVersion)
		default:
			got = map[senml.Field]float64{senml.FieldBaseTime: r.BaseTime, senml.FieldBaseValue: r.BaseValue,
				senml.FieldBaseSum: r.BaseSum, senml.FieldValue: r.Value, senml.FieldSum: r.Sum,
				senml.FieldTime: r.Time, senml.FieldUpdateTime: r.UpdateTime}[f]
		}
		if g, ok := got.(float64); ok {
			if w, ok := v.(float64); !ok || math.Float64bits(g) != math.Float64bits(w) {
				t.Fatalf("[%d].%s = %v, encoding/json reads %s", i, f.Label(), got, raw)
			}
		} else if got != v {
			t.Fatalf("[%d].%s = %#v, encoding/json reads %s", i, f.Label(), got, raw)
		}
	}
	if present != r.Present {
		t.Fatalf("[%d] has fields %b, encoding/json finds %b", i, r.Present, present)
	}
}

// FuzzRoundTrip resolves arbitrary packs; the records of any that resolve must encode, and
// decode and resolve back to the same records.
func FuzzRoundTrip(f *testing.F) {
	addSeeds(func(s string) { f.Add([]byte(s)) })
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := senml.Decode(data, senml.Limits{})
		if err != nil {
			return
		}
		recs, err := senml.Resolve(p, testNow)
		if err != nil {
			return
		}
		roundTrip(t, recs)
	})
}

// roundTrip checks that recs survive Encode, Decode and Resolve.
func roundTrip(t *testing.T, recs []senml.Resolved) {
	t.Helper()
	b, err := senml.Encode(recs)
	if err != nil {
		t.Fatalf("Encode(%+v) = %v", recs, err)
	}
	if !json.Valid(b) {
		t.Fatalf("Encode wrote invalid JSON %s", b)
	}
	p, err := senml.Decode(b, bigLimits)
	if err != nil {
		t.Fatalf("Decode(Encode) = %v; encoded %s", err, b)
	}
	// A year away from the first now: resolved records hold no relative times.
	got, err := senml.Resolve(p, testNow.AddDate(1, 0, 0))
	if err != nil {
		t.Fatalf("Resolve(Decode(Encode)) = %v; encoded %s", err, b)
	}
	if len(got) != len(recs) {
		t.Fatalf("round trip gave %d records, want %d; encoded %s", len(got), len(recs), b)
	}
	for i := range got {
		if !sameRecord(got[i], recs[i]) {
			t.Fatalf("round trip of record %d = %+v, want %+v; encoded %s", i, got[i], recs[i], b)
		}
	}
	if b2, err := senml.Encode(got); err != nil || !bytes.Equal(b, b2) {
		t.Fatalf("Encode again = %s, %v; want %s", b2, err, b)
	}
}

// FuzzNormalize normalises arbitrary payloads at arbitrary receive times. Normalize must
// not panic, must fail with an EINVALID or ETOOLARGE *groundtruth.Error, and must give
// records that round-trip through Encode; records of plain objects carry canonical units.
func FuzzNormalize(f *testing.F) {
	addSeeds(func(s string) { f.Add([]byte(s), testNow.UnixMicro()) })
	f.Add([]byte(`{"mass":1,"t":-5}`), int64(1<<28*1e6))
	f.Add([]byte(`{"door":true}`), int64(0))
	f.Fuzz(func(t *testing.T, data []byte, nowUS int64) {
		now := time.UnixMicro(nowUS)
		recs, err := senml.Normalize(data, senml.Limits{}, now)
		if err != nil {
			checkErr(t, "Normalize", err, gt.EINVALID, gt.ETOOLARGE)
			return
		}
		if len(recs) == 0 {
			t.Fatal("Normalize gave no records and no error")
		}
		for i, r := range recs {
			if r.Time.Unix() < 1<<28 || r.Time.Unix() >= 1<<32 || r.Time.Nanosecond()%1000 != 0 {
				t.Fatalf("record %d time %v out of range or finer than a microsecond", i, r.Time)
			}
			if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("{")) {
				if err := senml.CheckUnit(r.Name, r.Unit); err != nil || r.Kind != senml.Kinds[r.Name] {
					t.Fatalf("plain record %d = %+v: CheckUnit %v, kind %v", i, r, err, senml.Kinds[r.Name])
				}
			}
		}
		roundTrip(t, recs)
	})
}
