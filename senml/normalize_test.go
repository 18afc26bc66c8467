package senml_test

import (
	"strings"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/senml"
)

func TestNormalizePlain(t *testing.T) {
	t0 := time.Unix(1714000000, 0).UTC()
	for _, tc := range []struct {
		in   string
		want []senml.Resolved
	}{
		{`{"t": 1714000000, "mass": 1234.5, "door": true, "tags": "E1,E2"}`, []senml.Resolved{
			num("mass", "kg", 1234.5, t0), flag("door", "", true, t0), str("tags", "", "E1,E2", t0)}},
		// Every measurement of SPEC §5.2 with its unit; t last, keys in any order.
		{`{"battery":87,"rh":61.5,"temp":-3.25,"power":false,"tamper":false,"door":false,"speed":0.5,` +
			`"alt":12,"lon":120.3101,"lat":36.0812,"count":412,"volume":88.2,"mass":1e3,"tags":"","t":1714000000}`,
			[]senml.Resolved{num("battery", "%EL", 87, t0), num("rh", "%RH", 61.5, t0), num("temp", "Cel", -3.25, t0),
				flag("power", "", false, t0), flag("tamper", "", false, t0), flag("door", "", false, t0),
				num("speed", "m/s", 0.5, t0), num("alt", "m", 12, t0), num("lon", "lon", 120.3101, t0),
				num("lat", "lat", 36.0812, t0), num("count", "count", 412, t0), num("volume", "m3", 88.2, t0),
				num("mass", "kg", 1000, t0), str("tags", "", "", t0)}},
		{`{"mass":1}`, []senml.Resolved{num("mass", "kg", 1, testNow)}},
		{` { "t" : -30 , "\u006dass" : 2 } `, []senml.Resolved{num("mass", "kg", 2, sec(testNow, -30))}},
		{`{"t":1714000000.25,"temp":21}`, []senml.Resolved{num("temp", "Cel", 21, sec(t0, 0.25))}},
	} {
		got, err := senml.Normalize([]byte(tc.in), senml.Limits{}, testNow)
		if err != nil {
			t.Errorf("Normalize(%s) = %v, want no error", tc.in, err)
			continue
		}
		checkRecords(t, "Normalize("+tc.in+")", got, tc.want)
	}
}

func TestNormalizeErrors(t *testing.T) {
	for _, tc := range []struct{ in, field, msg string }{
		{`{"mass":1,"weight":2}`, "weight", `unknown measurement "weight"; plain JSON takes t and mass, volume, count, lat, lon, alt, speed, door, tamper, power, temp, rh, battery, tags`},
		{`{"Mass":1}`, "Mass", "unknown measurement"},
		{`{"n":"mass","v":1}`, "n", "battery, tags (a SenML record goes inside a JSON array)"},
		{`{"mass":"1"}`, "mass", "must be a number, not a string"},
		{`{"mass":null}`, "mass", "must be a number, not null"},
		{`{"door":1}`, "door", "must be a boolean, not a number"},
		{`{"tags":["E1"]}`, "tags", "must be a string, not an array"},
		{`{"t":"now","mass":1}`, "t", "must be a number, not a string"},
		{`{"mass":1,"mass":2}`, "mass", "duplicate key"},
		{`{"t":1,"mass":1,"t":2}`, "t", "duplicate key"},
		{`{}`, "", "plain JSON object has no measurement"},
		{`{"t":1714000000}`, "", "no measurement"},
		{`{"mass":1e999}`, "mass", "out of range"},
		{`{"mass":1,}`, "", "expected a string"},
		{`{"mass":1 "door":true}`, "", "expected ',' or '}'"},
		{`{"mass":1}}`, "", "expected the end of input"},
		{`{"mass" 1}`, "", "expected ':' after a key"},
		{`{"mass":1,"t":5e9}`, "t", "after 2106-02-07"},
		{`{"mass":1,"t":-1e10}`, "t", "too far in the past"},
		{`"mass"`, "", "payload must be a SenML pack (JSON array) or a plain JSON object, not a string"},
		{`7`, "", "not a number"},
		{``, "", "unexpected end of input"},
		{`[{"n":"mass","v":1,"vb":true}]`, "[0]", "more than one value field"},
		{`[{"n":"mass","v":1]`, "[0]", "expected ',' or '}'"},
	} {
		_, err := senml.Normalize([]byte(tc.in), senml.Limits{}, testNow)
		checkError(t, "Normalize("+tc.in+")", err, gt.EINVALID, tc.field, tc.msg)
	}
	_, err := senml.Normalize([]byte(`{"mass":1,"door":true}`), senml.Limits{MaxRecords: 1}, testNow)
	checkError(t, "Normalize over MaxRecords", err, gt.ETOOLARGE, "", "object has more than 1 measurements")
	_, err = senml.Normalize([]byte(`{"mass":1,"door":true}`), senml.Limits{MaxBytes: 10}, testNow)
	checkError(t, "Normalize over MaxBytes", err, gt.ETOOLARGE, "", "payload of 22 bytes exceeds the limit of 10")
	_, err = senml.Normalize([]byte("["+strings.Repeat(`{"n":"a","v":1},`, 3)+`{"n":"a","v":1}]`), senml.Limits{MaxRecords: 3}, testNow)
	checkError(t, "Normalize of a pack over MaxRecords", err, gt.ETOOLARGE, "", "more than 3 records")
}

func TestUnits(t *testing.T) {
	// SPEC §5.2 with the unit symbols of RFC 8428 §12.1.
	want := map[string]string{"mass": "kg", "volume": "m3", "count": "count", "lat": "lat",
		"lon": "lon", "alt": "m", "speed": "m/s", "door": "", "tamper": "", "power": "",
		"temp": "Cel", "rh": "%RH", "battery": "%EL", "tags": ""}
	if len(senml.Units) != len(want) || len(senml.Kinds) != len(want) {
		t.Errorf("Units has %d names and Kinds %d, want %d", len(senml.Units), len(senml.Kinds), len(want))
	}
	for name, unit := range want {
		if got, ok := senml.Units[name]; !ok || got != unit {
			t.Errorf("Units[%q] = %q, %v, want %q", name, got, ok, unit)
		}
		kind := senml.KindValue
		switch name {
		case "door", "tamper", "power":
			kind = senml.KindBool
		case "tags":
			kind = senml.KindString
		}
		if senml.Kinds[name] != kind {
			t.Errorf("Kinds[%q] = %v, want %v", name, senml.Kinds[name], kind)
		}
		if err := senml.CheckUnit(name, unit); err != nil {
			t.Errorf("CheckUnit(%q, %q) = %v, want nil", name, unit, err)
		}
		if err := senml.CheckUnit(name, ""); err != nil {
			t.Errorf("CheckUnit(%q, \"\") = %v, want nil", name, err)
		}
	}
}

func TestCheckUnit(t *testing.T) {
	for _, tc := range []struct{ name, unit, field, msg string }{
		{"mass", "lb", "u", `mass must be in "kg", not "lb"`},
		{"mass", "g", "u", `mass must be in "kg", not "g"`},
		{"temp", "K", "u", `temp must be in "Cel", not "K"`},
		{"lat", "deg", "u", `lat must be in "lat", not "deg"`},
		{"lat", "lon", "u", `lat must be in "lat", not "lon"`},
		{"battery", "%", "u", `battery must be in "%EL", not "%"`},
		{"door", "/", "u", `door takes no unit, not "/"`},
		{"tags", "count", "u", `tags takes no unit, not "count"`},
		{"weight", "kg", "n", `unknown measurement "weight"; the measurements are mass, volume`},
		{"", "", "n", `unknown measurement ""`},
	} {
		err := senml.CheckUnit(tc.name, tc.unit)
		checkError(t, "CheckUnit("+tc.name+", "+tc.unit+")", err, gt.EINVALID, tc.field, tc.msg)
	}
}
