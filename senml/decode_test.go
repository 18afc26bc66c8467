package senml_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	gt "groundtruth"
	"groundtruth/senml"
)

// checkError fails t unless err is a *groundtruth.Error with the code and field given and
// a message containing msg.
func checkError(t *testing.T, what string, err error, code, field, msg string) {
	t.Helper()
	var e *gt.Error
	if !errors.As(err, &e) {
		t.Errorf("%s = %v, want a *groundtruth.Error %s %q %q", what, err, code, field, msg)
		return
	}
	if e.Code != code || e.Field != field || !strings.Contains(e.Message, msg) {
		t.Errorf("%s = {%s %q %q}, want {%s %q ...%q...}", what, e.Code, e.Field, e.Message, code, field, msg)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ in, field, msg string }{
		{``, "", "unexpected end of input"},
		{`  `, "", "unexpected end of input"},
		{`{"n":"a","v":1}`, "", "must be a JSON array of records, not an object"},
		{`"x"`, "", `unexpected '"'`},
		{`[]`, "", "pack has no records"},
		{`[] x`, "", "expected the end of input"},
		{`[1]`, "[0]", "record must be a JSON object, not a number"},
		{`[{"n":"a","v":1},null]`, "[1]", "record must be a JSON object, not null"},
		{`[{}]`, "[0]", "record is empty"},
		{`[{"n":"a","v":1}`, "[0]", "unexpected end of input, expected ',' or ']'"},
		{`[{"n":"a","v":1},]`, "[1]", "expected '{' starting a record"},
		{`[{"n":"a","v":1}] [`, "", "expected the end of input"},
		{`[{"n":"a","v":1,}]`, "[0]", "expected a string"},
		{`[{"n":"a" "v":1}]`, "[0]", "expected ',' or '}' in a record"},
		{`[{"n" "a"}]`, "[0]", "expected ':' after a label"},
		{`[{n:"a"}]`, "[0]", "expected a string"},
		{`[{"n":"a","v":1,"v":2}]`, "[0].v", "duplicate field"},
		{`[{"n":"a","\u0076":1,"v":2}]`, "[0].v", "duplicate field"},
		{`[{"n":"a","v":"1"}]`, "[0].v", "must be a number, not a string"},
		{`[{"n":"a","v":null}]`, "[0].v", "must be a number, not null"},
		{`[{"n":"a","v":[1]}]`, "[0].v", "must be a number, not an array"},
		{`[{"n":"a","v":NaN}]`, "[0].v", "unexpected 'N', expected a value"},
		{`[{"n":"a","v":Infinity}]`, "[0].v", "unexpected 'I'"},
		{`[{"n":"a","v":1e400}]`, "[0].v", "number 1e400 is out of range"},
		{`[{"n":"a","v":-1e309}]`, "[0].v", "number -1e309 is out of range"},
		{`[{"n":"a","v":01}]`, "[0]", "at byte 15: unexpected '1', expected ',' or '}'"},
		{`[{"n":"a","v":1.}]`, "[0].v", "expected a digit after '.'"},
		{`[{"n":"a","v":.5}]`, "[0].v", "unexpected '.'"},
		{`[{"n":"a","v":+1}]`, "[0].v", "unexpected '+'"},
		{`[{"n":"a","v":-}]`, "[0].v", "expected a digit"},
		{`[{"n":"a","v":1e}]`, "[0].v", "expected a digit in the exponent"},
		{`[{"n":"a","v":0x10}]`, "[0]", "unexpected 'x'"},
		{`[{"n":1,"v":1}]`, "[0].n", "must be a string, not a number"},
		{`[{"n":"a","vb":"true"}]`, "[0].vb", "must be a boolean, not a string"},
		{`[{"n":"a","vb":tru}]`, "[0].vb", "expected a value"},
		{`[{"n":"a","vs":"x}]`, "[0].vs", "unterminated string"},
		{"[{\"n\":\"a\",\"vs\":\"\xff\"}]", "[0].vs", "invalid UTF-8 in string at byte 16"},
		{"[{\"n\":\"a\",\"vs\":\"\xed\xa0\x80\"}]", "[0].vs", "invalid UTF-8"}, // encoded surrogate
		{"[{\"n\":\"a\",\"vs\":\"a\tb\"}]", "[0].vs", "control character in string"},
		{"[{\"n\":\"a\",\"vs\":\"a\x00b\"}]", "[0].vs", "NUL character"},
		{`[{"n":"a","vs":"a\u0000b"}]`, "[0].vs", "NUL character"},
		{`[{"n":"a","vs":"\ud800"}]`, "[0].vs", "high surrogate \\ud800 without a low one"},
		{`[{"n":"a","vs":"\udc00"}]`, "[0].vs", "lone low surrogate"},
		{`[{"n":"a","vs":"\u12"}]`, "[0].vs", "\\u needs four hex digits"},
		{`[{"n":"a","vs":"\x"}]`, "[0].vs", "unknown escape \\x"},
		{`[{"bver":1.5,"n":"a","v":1}]`, "[0].bver", "version must be a positive integer, not 1.5"},
		{`[{"bver":0,"n":"a","v":1}]`, "[0].bver", "positive integer"},
		{`[{"bver":"10","n":"a","v":1}]`, "[0].bver", "must be a number, not a string"},
		{`[{"n":"a","v":1,"foo_":1}]`, "[0].foo_", `must-understand field "foo_" is not supported`},
		{`[{"n":"a","v":1,"v_":1}]`, "[0].v_", "must-understand"},
		{`[{"n":"a","v":1,"x":[1,}]`, "[0].x", "unexpected '}'"},
		{`[{"n":"a","v":1,"x":{"a" 1}}]`, "[0].x", "expected ':'"},
		{`[{"n":"a","v":1,"x":{"a":1]}]`, "[0].x", `expected ',' or '}'`},
		{`[{"n":"a","v":1,"x":1e999}]`, "[0].x", "out of range"},
		{`[{"n":"a","v":1,"x":` + strings.Repeat("[", 33) + strings.Repeat("]", 33) + `}]`, "[0].x", "nested more than 32 deep"},
		{"\xef\xbb\xbf[{\"n\":\"a\",\"v\":1}]", "", "byte 0xef"}, // a byte order mark
	} {
		_, err := senml.Decode([]byte(tc.in), senml.Limits{})
		checkError(t, "Decode("+tc.in+")", err, gt.EINVALID, tc.field, tc.msg)
	}
}

func TestDecodeLimits(t *testing.T) {
	pack := `[{"n":"a","v":1},{"n":"b","v":2},{"n":"c","v":3}]`
	if _, err := senml.Decode([]byte(pack), senml.Limits{MaxBytes: len(pack), MaxRecords: 3}); err != nil {
		t.Errorf("Decode at the limits = %v, want no error", err)
	}
	_, err := senml.Decode([]byte(pack), senml.Limits{MaxBytes: len(pack) - 1})
	checkError(t, "Decode over MaxBytes", err, gt.ETOOLARGE, "", "payload of 49 bytes exceeds the limit of 48")
	_, err = senml.Decode([]byte(pack), senml.Limits{MaxRecords: 2})
	checkError(t, "Decode over MaxRecords", err, gt.ETOOLARGE, "", "pack has more than 2 records")

	// The defaults: 64 KiB and 1000 records.
	big := "[" + strings.Repeat(`{"v":1},`, 1000) + `{"v":1}]`
	_, err = senml.Decode([]byte(big), senml.Limits{})
	checkError(t, "Decode of 1001 records", err, gt.ETOOLARGE, "", "more than 1000 records")
	huge := `[{"n":"a","vs":"` + strings.Repeat("x", 64<<10) + `"}]`
	_, err = senml.Decode([]byte(huge), senml.Limits{})
	checkError(t, "Decode over 64 KiB", err, gt.ETOOLARGE, "", "exceeds the limit of 65536")
}

func TestDecodeFields(t *testing.T) {
	in := ` [ {"bn":"dev:","bt":1.7e9,"bu":"kg","bv":1,"bs":2,"bver":10,"n":"mass","u":"g",` +
		`"v":-0.5E1,"vs":"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","vb":true,"vd":"AA","s":3,"t":-1,"ut":60,` +
		`"x":{"y":[1,"z",true,false,null,{}]},"y":[],"z":-0.0e-0} ] `
	p, err := senml.Decode([]byte(in), senml.Limits{})
	if err != nil {
		t.Fatalf("Decode = %v", err)
	}
	want := senml.Record{Present: 1<<15 - 1, BaseName: "dev:", BaseTime: 1.7e9, BaseUnit: "kg",
		BaseValue: 1, BaseSum: 2, BaseVersion: 10, Name: "mass", Unit: "g", Value: -5,
		StringValue: "a\"\\/\b\f\n\r\té😀", BoolValue: true, DataValue: "AA", Sum: 3, Time: -1,
		UpdateTime: 60}
	if len(p) != 1 || p[0] != want {
		t.Errorf("Decode = %+v,\nwant %+v", p, want)
	}
	for f := senml.FieldBaseName; f <= senml.FieldUpdateTime; f <<= 1 {
		if !p[0].Has(f) || f.Label() == "" {
			t.Errorf("Has(%s) = false, want true", f.Label())
		}
	}
	if l := (senml.FieldName | senml.FieldUnit).Label(); l != "" {
		t.Errorf("Label of two fields = %q, want \"\"", l)
	}
	p, err = senml.Decode([]byte(`[{"n":"a","v":0}]`), senml.Limits{})
	if err != nil || p[0].Has(senml.FieldTime) || p[0].Has(senml.FieldBaseValue) || !p[0].Has(senml.FieldValue) {
		t.Errorf("Decode(v 0) = %+v, %v; want v present and nothing else but n", p, err)
	}
}

// TestDecodeNumbers checks the fast path of number parsing against strconv.
func TestDecodeNumbers(t *testing.T) {
	nums := []string{"0", "-0", "1", "-1", "23.1", "1.276020076001e+09", "1.320067464e+09",
		"9007199254740993", "9007199254740992", "123456789012345678901234567890", "0.1",
		"0.000000000000000000000000001", "1e22", "1e23", "1e-22", "1e-23", "4.9e-324",
		"2.2250738585072014e-308", "1.7976931348623157e308", "0.30000000000000004",
		"1234567890123456789", "12345678901234567890", "1.0000000000000000000000001",
		"100000000000000000000000000000e-30", "0e999999999", "5E-1", "1E+2"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		f := math.Float64frombits(rng.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		nums = append(nums, strconv.FormatFloat(f, 'g', -1, 64),
			strconv.FormatFloat(f, 'e', rng.IntN(17), 64),
			strconv.FormatFloat(float64(rng.IntN(1e9))/1000, 'f', -1, 64))
	}
	for _, n := range nums {
		want, err := strconv.ParseFloat(n, 64)
		if err != nil {
			t.Fatalf("ParseFloat(%s) = %v", n, err)
		}
		p, err := senml.Decode([]byte(`[{"n":"a","v":`+n+`}]`), senml.Limits{})
		if err != nil {
			t.Errorf("Decode(v %s) = %v", n, err)
			continue
		}
		if math.Float64bits(p[0].Value) != math.Float64bits(want) {
			t.Errorf("Decode(v %s) = %v, want %v", n, p[0].Value, want)
		}
	}
}

func TestUnknownFieldsIgnored(t *testing.T) {
	// RFC 8428 §4.4: labels not ending in '_' that the reader does not know are ignored.
	for _, in := range []string{
		`[{"n":"a","v":1,"ext":"x"}]`,
		`[{"ext":{"deep":[1,2,{"z":null}]},"n":"a","v":1}]`,
		`[{"n":"a","v":1,"ext":1,"ext":2}]`,
		`[{"n":"a","_ext":1,"v":1}]`,
		`[{"n":"a","":1,"v":1}]`,
	} {
		p, err := senml.Decode([]byte(in), senml.Limits{})
		if err != nil {
			t.Errorf("Decode(%s) = %v, want no error", in, err)
			continue
		}
		if p[0].Present != senml.FieldName|senml.FieldValue || p[0].Name != "a" || p[0].Value != 1 {
			t.Errorf("Decode(%s) = %+v, want n a, v 1", in, p[0])
		}
	}
}
