package senml_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/senml"
)

func TestEncode(t *testing.T) {
	t0 := time.Date(2024, 4, 25, 0, 0, 0, 0, time.UTC)
	recs := []senml.Resolved{
		num("dev:mass", "kg", 1234.5, t0),
		{Name: "dev:energy", Unit: "W", Kind: senml.KindNone, HasSum: true, Sum: 1e21, Time: t0.Add(1500 * time.Microsecond),
			UpdateTime: 90 * time.Second, Version: 10},
		str("dev:tags", "", "E1,\"E2\"\n\\\x01é", t0),
		flag("dev:door", "", true, t0),
		data("dev:blob", "", []byte{0xfb, 0xff}, t0),
		{Name: "dev:neg", Kind: senml.KindValue, Value: math.Copysign(0, -1), Time: t0, Version: 7},
		{Name: "dev:tiny", Kind: senml.KindValue, Value: 5e-324, Time: t0}, // version 0 means 10
	}
	b, err := senml.Encode(recs)
	if err != nil {
		t.Fatalf("Encode = %v", err)
	}
	want := `[{"n":"dev:mass","u":"kg","v":1234.5,"t":1714003200},` +
		`{"n":"dev:energy","u":"W","s":1e+21,"t":1714003200.0015,"ut":90},` +
		`{"n":"dev:tags","vs":"E1,\"E2\"\n\\\u0001é","t":1714003200},` +
		`{"n":"dev:door","vb":true,"t":1714003200},` +
		`{"n":"dev:blob","vd":"-_8","t":1714003200},` +
		`{"bver":7,"n":"dev:neg","v":-0,"t":1714003200},` +
		`{"n":"dev:tiny","v":5e-324,"t":1714003200}]`
	if string(b) != want {
		t.Errorf("Encode =\n%s\nwant\n%s", b, want)
	}
	if !json.Valid(b) {
		t.Errorf("Encode gave invalid JSON: %s", b)
	}
	// Version 7 in one record and 10 in others is no valid pack; with 10 all round-trip.
	recs[5].Version = 10
	recs[6].Version = 10
	if b, err = senml.Encode(recs); err != nil {
		t.Fatalf("Encode = %v", err)
	}
	got, err := senml.Normalize(b, senml.Limits{}, testNow)
	if err != nil {
		t.Fatalf("Normalize(Encode) = %v", err)
	}
	checkRecords(t, "Normalize(Encode)", got, recs)
}

func TestEncodeErrors(t *testing.T) {
	t0 := time.Date(2024, 4, 25, 0, 0, 0, 0, time.UTC)
	ok := num("a", "", 1, t0)
	for _, tc := range []struct {
		r          senml.Resolved
		field, msg string
	}{
		{num("", "", 1, t0), "[1].n", "name is empty"},
		{num("a b", "", 1, t0), "[1].n", "has ' ' at byte 1"},
		{num("a", "k\xffg", 1, t0), "[1].u", "unit is not valid UTF-8"},
		{str("a", "", "x\x00", t0), "[1].vs", "string value holds a NUL character"},
		{num("a", "", math.NaN(), t0), "[1].v", "value NaN is not a finite number"},
		{num("a", "", math.Inf(1), t0), "[1].v", "not a finite number"},
		{senml.Resolved{Name: "a", Kind: senml.KindValue, HasSum: true, Sum: math.Inf(-1), Time: t0}, "[1].s", "sum -Inf"},
		{senml.Resolved{Name: "a", Time: t0}, "[1]", "record has no value and no sum"},
		{senml.Resolved{Name: "a", Kind: 9, Time: t0}, "[1]", "unknown kind of value 9"},
		{num("a", "", 1, time.Time{}), "[1].t", "time 0001-01-01T00:00:00Z is outside"},
		{num("a", "", 1, time.Unix(1<<28, 0).Add(-time.Microsecond)), "[1].t", "outside"},
		{num("a", "", 1, time.Unix(1<<32, 0)), "[1].t", "2106-02-07T06:28:16Z is outside"},
		{senml.Resolved{Name: "a", Kind: senml.KindBool, Time: t0, UpdateTime: -time.Second}, "[1].ut", "update time -1s is outside"},
		{senml.Resolved{Name: "a", Kind: senml.KindBool, Time: t0, Version: 11}, "[1].bver", "version must be 1 to 10, not 11"},
	} {
		_, err := senml.Encode([]senml.Resolved{ok, tc.r})
		checkError(t, "Encode", err, gt.EINVALID, tc.field, tc.msg)
	}
	_, err := senml.Encode(nil)
	checkError(t, "Encode(nil)", err, gt.EINVALID, "", "pack has no records")
}

func TestEncodeTimeRoundTrip(t *testing.T) {
	// Every microsecond survives Encode and Decode across the range, at its edges too.
	times := []time.Time{time.Unix(1<<28, 0), time.Unix(1<<32, 0).Add(-time.Microsecond),
		time.Unix(1<<31, 999999000), time.Unix(1714000000, 1000)}
	for us := int64(1 << 28 * 1e6); us < 1<<32*1e6; us += 999_999_937_777 {
		times = append(times, time.UnixMicro(us))
	}
	for i := range 1000 {
		times = append(times, time.UnixMicro(1714000000e6+int64(i)), time.UnixMicro(4294967295e6+int64(i)*997))
	}
	for _, tm := range times {
		if tm.Unix() >= 1<<32 {
			continue
		}
		r := []senml.Resolved{{Name: "a", Kind: senml.KindBool, Time: tm.UTC(), UpdateTime: time.Duration(tm.UnixMicro()%(1<<32*1e6)) * time.Microsecond, Version: 10}}
		b, err := senml.Encode(r)
		if err != nil {
			t.Fatalf("Encode(%v) = %v", tm, err)
		}
		got, err := senml.Normalize(b, senml.Limits{}, testNow)
		if err != nil {
			t.Fatalf("Normalize(%s) = %v", b, err)
		}
		if !got[0].Time.Equal(tm) || got[0].UpdateTime != r[0].UpdateTime {
			t.Errorf("round trip of %s = %v %v, want %v %v", b, got[0].Time, got[0].UpdateTime, tm, r[0].UpdateTime)
		}
	}
}
