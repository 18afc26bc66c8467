package senml_test

import (
	"math"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/senml"
)

// resolve decodes and resolves a pack at testNow.
func resolve(in string) ([]senml.Resolved, error) {
	p, err := senml.Decode([]byte(in), senml.Limits{})
	if err != nil {
		return nil, err
	}
	return senml.Resolve(p, testNow)
}

func TestResolveErrors(t *testing.T) {
	for _, tc := range []struct{ in, field, msg string }{
		{`[{"n":"a b","v":1}]`, "[0].n", `name "a b" has ' ' at byte 1`},
		{`[{"n":"-a","v":1}]`, "[0].n", `name "-a" must start with a letter or digit`},
		{`[{"n":"a","v":1},{"n":"_b","v":1}]`, "[1].n", "must start with a letter or digit"},
		{`[{"n":"é","v":1}]`, "[0].n", "must start with a letter or digit"},
		{`[{"n":"aé","v":1}]`, "[0].n", "has byte 0xc3 at byte 1"},
		{`[{"v":1}]`, "[0].n", "name is empty: the record has no n and no bn in force"},
		{`[{"n":"","v":1}]`, "[0].n", "name is empty"},
		{`[{"bn":"a b:","n":"c","v":1}]`, "[0].bn", `name "a b:c" has ' ' at byte 1`},
		{`[{"bn":"a:"},{"n":"c d","v":1}]`, "[1].n", "at byte 3"},
		{`[{"bn":"/a"},{"v":1}]`, "[1].bn", "must start with a letter or digit"},
		{`[{"n":"a","v":1,"vs":"x"}]`, "[0]", "record has more than one value field: [v vs]"},
		{`[{"n":"a","vb":true,"vd":""}]`, "[0]", "more than one value field: [vb vd]"},
		{`[{"n":"a"}]`, "[0]", "record has no value (v, vs, vb or vd) and no sum (s)"},
		{`[{"n":"a","u":"kg","t":1}]`, "[0]", "no value"},
		{`[{"bn":"a"}]`, "", "pack carries no measurement"},
		{`[{"bver":11,"n":"a","v":1}]`, "[0].bver", "version 11 is newer than 10, the highest supported"},
		{`[{"bver":5,"n":"a","v":1},{"bver":6,"n":"b","v":1}]`, "[1].bver", "version 6 differs from version 5"},
		{`[{"n":"a","v":1},{"bver":5,"n":"b","v":1}]`, "[1].bver", "version 5 differs from version 10"},
		{`[{"n":"a","v":1,"t":4294967296}]`, "[0].t", "after 2106-02-07T06:28:16Z"},
		{`[{"bt":5e9},{"n":"a","v":1}]`, "[1].bt", "after 2106-02-07"},
		{`[{"n":"a","v":1,"t":-2e9}]`, "[0].t", "resolves to 1960-12-09T08:26:40Z, outside 1978-07-04T21:24:16Z to 2106-02-07T06:28:16Z"},
		{`[{"n":"a","v":1,"t":-1e300}]`, "[0].t", "too far in the past"},
		{`[{"bt":1.7e308,"n":"a","v":1,"t":1.7e308}]`, "[0].t", "is not finite"},
		{`[{"n":"a","vd":"aGkgCg=="}]`, "[0].vd", "base64url without padding"},
		{`[{"n":"a","vd":"+/8"}]`, "[0].vd", "base64url"},
		{`[{"n":"a","vd":"aGkgCh"}]`, "[0].vd", "base64url"}, // non-zero padding bits
		{`[{"bv":1e308,"n":"a","v":1e308}]`, "[0].v", "value bv + v = +Inf is not a finite number"},
		{`[{"bs":-1e308,"n":"a","s":-1e308}]`, "[0].s", "sum bs + s = -Inf"},
		{`[{"n":"a","v":1,"ut":-1}]`, "[0].ut", "update time must be a number of seconds in [0, 2**32)"},
		{`[{"n":"a","v":1,"ut":5e9}]`, "[0].ut", "update time"},
	} {
		_, err := resolve(tc.in)
		checkError(t, "Resolve("+tc.in+")", err, gt.EINVALID, tc.field, tc.msg)
	}
	_, err := senml.Resolve(nil, testNow)
	checkError(t, "Resolve(nil)", err, gt.EINVALID, "", "pack has no records")
	_, err = senml.Resolve(senml.Pack{{Present: senml.FieldName | senml.FieldValue | senml.FieldBaseVersion, Name: "a"}}, testNow)
	checkError(t, "Resolve(bver 0)", err, gt.EINVALID, "[0].bver", "positive integer")

	// Relative times need a now within the range of SenML times.
	p, _ := senml.Decode([]byte(`[{"n":"a","v":1}]`), senml.Limits{})
	_, err = senml.Resolve(p, time.Time{})
	checkError(t, "Resolve(now zero)", err, gt.EINVALID, "[0].t", "now 0001-01-01T00:00:00Z is outside 1978-07-04 to 2106-02-07")
}

func TestResolveSemantics(t *testing.T) {
	at := func(s float64) time.Time { return sec(time.Unix(1.7e9, 0).UTC(), s) }
	for _, tc := range []struct {
		name, in string
		want     []senml.Resolved
	}{
		{"relative times against now", `[{"n":"a","v":1,"t":-5.5},{"n":"a","v":2,"t":0.000001},{"n":"a","v":3,"bt":-60}]`,
			[]senml.Resolved{num("a", "", 1, sec(testNow, -5.5)), num("a", "", 2, testNow.Add(time.Microsecond)),
				num("a", "", 3, sec(testNow, -60))}},
		{"bt + t below 2**28 is relative, though bt alone is not", `[{"bt":1.7e9},{"n":"a","v":1,"t":-1.7e9}]`,
			[]senml.Resolved{num("a", "", 1, testNow)}},
		{"pack order kept, not sorted by time", `[{"bt":1.7e9,"n":"a","v":1,"t":10},{"n":"a","v":2}]`,
			[]senml.Resolved{num("a", "", 1, at(10)), num("a", "", 2, at(0))}},
		{"times rounded to the microsecond", `[{"n":"a","v":1,"t":1700000000.0000004},{"n":"a","v":1,"t":1700000000.0000016}]`,
			[]senml.Resolved{num("a", "", 1, at(0)), num("a", "", 1, at(0.000002))}},
		{"base value added, or taken alone", `[{"bn":"d:","bv":100,"bt":1.7e9},{"n":"a","v":-1.5},{"n":"b","u":"kg"},{"n":"c","vs":"x"}]`,
			[]senml.Resolved{num("d:a", "", 98.5, at(0)), num("d:b", "kg", 100, at(0)), str("d:c", "", "x", at(0))}},
		{"base sum makes sums", `[{"bn":"d:","bs":10,"bt":1.7e9,"n":"a","v":1},{"n":"b","s":5},{"n":"c","vb":true}]`,
			[]senml.Resolved{
				{Name: "d:a", Kind: senml.KindValue, Value: 1, HasSum: true, Sum: 10, Time: at(0), Version: 10},
				{Name: "d:b", Kind: senml.KindNone, HasSum: true, Sum: 15, Time: at(0), Version: 10},
				{Name: "d:c", Kind: senml.KindBool, BoolValue: true, HasSum: true, Sum: 10, Time: at(0), Version: 10},
			}},
		{"base unit overridden, base name replaced", `[{"bn":"x","bu":"kg","bt":1.7e9,"v":1},{"u":"m3","v":2},{"bn":"y","v":3},{"bu":"Cel","v":4}]`,
			[]senml.Resolved{num("x", "kg", 1, at(0)), num("x", "m3", 2, at(0)), num("y", "kg", 3, at(0)), num("y", "Cel", 4, at(0))}},
		{"update time and empty data", `[{"n":"a","vd":"","t":1.7e9,"ut":0.25}]`,
			[]senml.Resolved{{Name: "a", Kind: senml.KindData, Time: at(0), UpdateTime: 250 * time.Millisecond, Version: 10}}},
		{"a version in the first record holds for all", `[{"bver":3,"n":"a","v":1,"t":1.7e9},{"bver":3,"n":"b","v":2,"t":1.7e9}]`,
			version(3, num("a", "", 1, at(0)), num("b", "", 2, at(0)))},
		{"negative zero kept", `[{"n":"a","v":-0,"t":1.7e9},{"n":"b","s":-0,"vb":true,"t":1.7e9}]`,
			[]senml.Resolved{num("a", "", math.Copysign(0, -1), at(0)),
				{Name: "b", Kind: senml.KindBool, BoolValue: true, HasSum: true, Sum: math.Copysign(0, -1), Time: at(0), Version: 10}}},
		{"earliest absolute time", `[{"n":"a","v":1,"t":268435456}]`,
			[]senml.Resolved{num("a", "", 1, time.Unix(1<<28, 0).UTC())}},
		{"just below 2**28 is relative", `[{"n":"a","v":1,"t":268435455}]`,
			nil}, // resolves 8.5 years after testNow: fine, and checked below
	} {
		got, err := resolve(tc.in)
		if err != nil {
			t.Errorf("%s: Resolve = %v, want no error", tc.name, err)
			continue
		}
		if tc.want == nil {
			tc.want = []senml.Resolved{num("a", "", 1, sec(testNow, 268435455))}
		}
		t.Run(tc.name, func(t *testing.T) { checkRecords(t, "Resolve", got, tc.want) })
	}
}

func TestResolveDoesNotModifyPack(t *testing.T) {
	p, err := senml.Decode([]byte(`[{"bn":"d:","bv":1,"n":"a","v":1},{"n":"b","v":2}]`), senml.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	before := append(senml.Pack(nil), p...)
	if _, err := senml.Resolve(p, testNow); err != nil {
		t.Fatal(err)
	}
	for i := range p {
		if p[i] != before[i] {
			t.Errorf("Resolve changed record %d: %+v, was %+v", i, p[i], before[i])
		}
	}
}
