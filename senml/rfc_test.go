package senml_test

import (
	"bytes"
	"math"
	"testing"
	"time"

	"groundtruth/senml"
)

// testNow is the receive time that relative SenML times refer to in the tests.
var testNow = time.Date(2024, 4, 25, 12, 0, 0, 0, time.UTC)

// The device of most RFC 8428 examples, and the dates its examples spell out.
const owDev = "urn:dev:ow:10e2073a01080063"

var (
	jun8    = time.Date(2010, 6, 8, 18, 1, 16, 1e6, time.UTC)  // "Tue Jun 8 18:01:16.001 UTC 2010", §5.1.2
	oct31   = time.Date(2011, 10, 31, 13, 24, 24, 0, time.UTC) // "Mon Oct 31 13:24:24 UTC 2011", §5.1.3
	oct31pm = time.Date(2011, 10, 31, 16, 27, 9, 0, time.UTC)  // "Mon Oct 31 16:27:09 UTC 2011", §5.1.6
)

// num, str, flag and data build expected resolved records of each kind; the version is
// 10 unless set.
func num(name, unit string, v float64, t time.Time) senml.Resolved {
	return senml.Resolved{Name: name, Unit: unit, Kind: senml.KindValue, Value: v, Time: t, Version: 10}
}

func str(name, unit, v string, t time.Time) senml.Resolved {
	return senml.Resolved{Name: name, Unit: unit, Kind: senml.KindString, StringValue: v, Time: t, Version: 10}
}

func flag(name, unit string, v bool, t time.Time) senml.Resolved {
	return senml.Resolved{Name: name, Unit: unit, Kind: senml.KindBool, BoolValue: v, Time: t, Version: 10}
}

func data(name, unit string, v []byte, t time.Time) senml.Resolved {
	return senml.Resolved{Name: name, Unit: unit, Kind: senml.KindData, DataValue: v, Time: t, Version: 10}
}

// sec returns the time d seconds after t.
func sec(t time.Time, d float64) time.Time {
	return t.Add(time.Duration(d * float64(time.Second)))
}

// rfcVectors are the JSON examples of RFC 8428, quoted from its text, with the resolved
// records the text says they stand for.
var rfcVectors = []struct {
	section string
	pack    string
	want    []senml.Resolved
}{
	{"1", `[
     {"n":"urn:dev:ow:10e2073a01080063","u":"Cel","v":23.1}
   ]`, []senml.Resolved{num(owDev, "Cel", 23.1, testNow)}},
	{"2 (two measurements)", `[
     {"n":"urn:dev:ow:10e2073a01080063","u":"Cel","t":1.276020076e+09,
      "v":23.5},
     {"n":"urn:dev:ow:10e2073a01080063","u":"Cel","t":1.276020091e+09,
      "v":23.6}
   ]`, []senml.Resolved{
		num(owDev, "Cel", 23.5, time.Unix(1276020076, 0).UTC()),
		num(owDev, "Cel", 23.6, time.Unix(1276020091, 0).UTC()),
	}},
	{"2 (base name)", `[
     {"bn":"urn:dev:ow:10e2073a01080063","u":"Cel","t":1.276020076e+09,
      "v":23.5},
     {"u":"Cel","t":1.276020091e+09,
      "v":23.6}
   ]`, []senml.Resolved{
		num(owDev, "Cel", 23.5, time.Unix(1276020076, 0).UTC()),
		num(owDev, "Cel", 23.6, time.Unix(1276020091, 0).UTC()),
	}},
	{"5.1.1", `[
     {"n":"urn:dev:ow:10e2073a01080063","u":"Cel","v":23.1}
   ]`, []senml.Resolved{num(owDev, "Cel", 23.1, testNow)}},
	{"5.1.2 (now)", `[
  {"bn":"urn:dev:ow:10e2073a01080063:","n":"voltage","u":"V","v":120.1},
  {"n":"current","u":"A","v":1.2}
]`, []senml.Resolved{
		num(owDev+":voltage", "V", 120.1, testNow),
		num(owDev+":current", "A", 1.2, testNow),
	}},
	// The RFC's base name here lacks the final "3" of the device; quoted as printed.
	{"5.1.2 (previous 5 seconds)", `[
     {"bn":"urn:dev:ow:10e2073a0108006:","bt":1.276020076001e+09,
      "bu":"A","bver":5,
      "n":"voltage","u":"V","v":120.1},
     {"n":"current","t":-5,"v":1.2},
     {"n":"current","t":-4,"v":1.3},
     {"n":"current","t":-3,"v":1.4},
     {"n":"current","t":-2,"v":1.5},
     {"n":"current","t":-1,"v":1.6},
     {"n":"current","v":1.7}
   ]`, version(5,
		num("urn:dev:ow:10e2073a0108006:voltage", "V", 120.1, jun8),
		num("urn:dev:ow:10e2073a0108006:current", "A", 1.2, sec(jun8, -5)),
		num("urn:dev:ow:10e2073a0108006:current", "A", 1.3, sec(jun8, -4)),
		num("urn:dev:ow:10e2073a0108006:current", "A", 1.4, sec(jun8, -3)),
		num("urn:dev:ow:10e2073a0108006:current", "A", 1.5, sec(jun8, -2)),
		num("urn:dev:ow:10e2073a0108006:current", "A", 1.6, sec(jun8, -1)),
		num("urn:dev:ow:10e2073a0108006:current", "A", 1.7, jun8),
	)},
	// The RFC prints this SensML stream open-ended ("..."); the records shown, closed.
	{"5.1.2 (SensML stream)", `[
     {"bn":"urn:dev:ow:10e2073a01080063","bt":1.320067464e+09,
      "bu":"%RH","v":21.2},
     {"t":10,"v":21.3},
     {"t":20,"v":21.4},
     {"t":30,"v":21.4},
     {"t":40,"v":21.5},
     {"t":50,"v":21.5},
     {"t":60,"v":21.5},
     {"t":70,"v":21.6},
     {"t":80,"v":21.7}
   ]`, []senml.Resolved{
		num(owDev, "%RH", 21.2, oct31),
		num(owDev, "%RH", 21.3, sec(oct31, 10)),
		num(owDev, "%RH", 21.4, sec(oct31, 20)),
		num(owDev, "%RH", 21.4, sec(oct31, 30)),
		num(owDev, "%RH", 21.5, sec(oct31, 40)),
		num(owDev, "%RH", 21.5, sec(oct31, 50)),
		num(owDev, "%RH", 21.5, sec(oct31, 60)),
		num(owDev, "%RH", 21.6, sec(oct31, 70)),
		num(owDev, "%RH", 21.7, sec(oct31, 80)),
	}},
	{"5.1.3", rfc513, rfc514Records},
	{"5.1.4", rfc514, rfc514Records},
	{"5.1.5", `[
    {"bn":"urn:dev:ow:10e2073a01080063:","n":"temp","u":"Cel","v":23.1},
    {"n":"label","vs":"Machine Room"},
    {"n":"open","vb":false},
    {"n":"nfv-reader","vd":"aGkgCg"}
  ]`, []senml.Resolved{
		num(owDev+":temp", "Cel", 23.1, testNow),
		str(owDev+":label", "", "Machine Room", testNow),
		flag(owDev+":open", "", false, testNow),
		data(owDev+":nfv-reader", "", []byte("hi \n"), testNow), // base64url of "hi \n"
	}},
	// "the last record would use the Base Name from the 3rd record but the Base Time from
	// the first record."
	{"5.1.6", `[
     {"bn":"2001:db8::2/","bt":1.320078429e+09,
      "n":"temperature","u":"Cel","v":25.2},
     {"n":"humidity","u":"%RH","v":30},
     {"bn":"2001:db8::1/","n":"temperature","u":"Cel","v":12.3},
     {"n":"humidity","u":"%RH","v":67}
   ]`, []senml.Resolved{
		num("2001:db8::2/temperature", "Cel", 25.2, oct31pm),
		num("2001:db8::2/humidity", "%RH", 30, oct31pm),
		num("2001:db8::1/temperature", "Cel", 12.3, oct31pm),
		num("2001:db8::1/humidity", "%RH", 67, oct31pm),
	}},
	// The first record holds only a base name and so is no measurement of its own.
	{"5.1.7 (thermostat)", `[
     {"bn":"urn:dev:ow:10e2073a01080063:"},
     {"n":"temp","u":"Cel","v":23.1},
     {"n":"heat","u":"/","v":1},
     {"n":"fan","u":"/","v":0}
   ]`, []senml.Resolved{
		num(owDev+":temp", "Cel", 23.1, testNow),
		num(owDev+":heat", "/", 1, testNow),
		num(owDev+":fan", "/", 0, testNow),
	}},
	{"5.1.7 (two lights on)", `[
     {"bt":1.320078429e+09,"bu":"/","n":"2001:db8::3","v":1},
     {"n":"2001:db8::4","v":1}
   ]`, []senml.Resolved{
		num("2001:db8::3", "/", 1, oct31pm),
		num("2001:db8::4", "/", 1, oct31pm),
	}},
	// "The current time is 1320078429"; both lights dim now and go off 100 ms later.
	{"5.1.7 (two lights off)", `[
     {"bt":1.320078429e+09,"bu":"/","n":"2001:db8::3","v":0.5},
     {"n":"2001:db8::4","v":0.5},
     {"n":"2001:db8::3","t":0.1,"v":0},
     {"n":"2001:db8::4","t":0.1,"v":0}
   ]`, []senml.Resolved{
		num("2001:db8::3", "/", 0.5, oct31pm),
		num("2001:db8::4", "/", 0.5, oct31pm),
		num("2001:db8::3", "/", 0, oct31pm.Add(100*time.Millisecond)),
		num("2001:db8::4", "/", 0, oct31pm.Add(100*time.Millisecond)),
	}},
}

// rfc513 is the pack of RFC 8428 §5.1.3: humidity, position and battery of a mobile
// device starting at Mon Oct 31 13:24:24 UTC 2011.
const rfc513 = `[
     {"bn":"urn:dev:ow:10e2073a01080063","bt":1.320067464e+09,
      "bu":"%RH","v":20},
     {"u":"lon","v":24.30621},
     {"u":"lat","v":60.07965},
     {"t":60,"v":20.3},
     {"u":"lon","t":60,"v":24.30622},
     {"u":"lat","t":60,"v":60.07965},
     {"t":120,"v":20.7},
     {"u":"lon","t":120,"v":24.30623},
     {"u":"lat","t":120,"v":60.07966},
     {"u":"%EL","t":150,"v":98},
     {"t":180,"v":21.2},
     {"u":"lon","t":180,"v":24.30628},
     {"u":"lat","t":180,"v":60.07967}
   ]`

// rfc514 is the pack of §5.1.3 in resolved form, as RFC 8428 §5.1.4 prints it.
const rfc514 = `[
     {"n":"urn:dev:ow:10e2073a01080063","u":"%RH","t":1.320067464e+09,
      "v":20},
     {"n":"urn:dev:ow:10e2073a01080063","u":"lon","t":1.320067464e+09,
      "v":24.30621},
     {"n":"urn:dev:ow:10e2073a01080063","u":"lat","t":1.320067464e+09,
      "v":60.07965},
     {"n":"urn:dev:ow:10e2073a01080063","u":"%RH","t":1.320067524e+09,
      "v":20.3},
     {"n":"urn:dev:ow:10e2073a01080063","u":"lon","t":1.320067524e+09,
      "v":24.30622},
     {"n":"urn:dev:ow:10e2073a01080063","u":"lat","t":1.320067524e+09,
      "v":60.07965},
     {"n":"urn:dev:ow:10e2073a01080063","u":"%RH","t":1.320067584e+09,
      "v":20.7},
     {"n":"urn:dev:ow:10e2073a01080063","u":"lon","t":1.320067584e+09,
      "v":24.30623},
     {"n":"urn:dev:ow:10e2073a01080063","u":"lat","t":1.320067584e+09,
      "v":60.07966},
     {"n":"urn:dev:ow:10e2073a01080063","u":"%EL","t":1.320067614e+09,
      "v":98},
     {"n":"urn:dev:ow:10e2073a01080063","u":"%RH","t":1.320067644e+09,
      "v":21.2},
     {"n":"urn:dev:ow:10e2073a01080063","u":"lon","t":1.320067644e+09,
      "v":24.30628},
     {"n":"urn:dev:ow:10e2073a01080063","u":"lat","t":1.320067644e+09,
      "v":60.07967}
   ]`

// rfc514Records are the records of §5.1.4, written out.
var rfc514Records = []senml.Resolved{
	num(owDev, "%RH", 20, oct31),
	num(owDev, "lon", 24.30621, oct31),
	num(owDev, "lat", 60.07965, oct31),
	num(owDev, "%RH", 20.3, sec(oct31, 60)),
	num(owDev, "lon", 24.30622, sec(oct31, 60)),
	num(owDev, "lat", 60.07965, sec(oct31, 60)),
	num(owDev, "%RH", 20.7, sec(oct31, 120)),
	num(owDev, "lon", 24.30623, sec(oct31, 120)),
	num(owDev, "lat", 60.07966, sec(oct31, 120)),
	num(owDev, "%EL", 98, sec(oct31, 150)),
	num(owDev, "%RH", 21.2, sec(oct31, 180)),
	num(owDev, "lon", 24.30628, sec(oct31, 180)),
	num(owDev, "lat", 60.07967, sec(oct31, 180)),
}

// version sets the version of records.
func version(v int, rs ...senml.Resolved) []senml.Resolved {
	for i := range rs {
		rs[i].Version = v
	}
	return rs
}

func TestRFC8428Examples(t *testing.T) {
	for _, tc := range rfcVectors {
		t.Run(tc.section, func(t *testing.T) {
			p, err := senml.Decode([]byte(tc.pack), senml.Limits{})
			if err != nil {
				t.Fatalf("Decode = %v, want no error", err)
			}
			got, err := senml.Resolve(p, testNow)
			if err != nil {
				t.Fatalf("Resolve = %v, want no error", err)
			}
			checkRecords(t, "Resolve", got, tc.want)

			// The same through Normalize, and back through Encode.
			if got, err = senml.Normalize([]byte(tc.pack), senml.Limits{}, testNow); err != nil {
				t.Fatalf("Normalize = %v, want no error", err)
			}
			checkRecords(t, "Normalize", got, tc.want)
			b, err := senml.Encode(tc.want)
			if err != nil {
				t.Fatalf("Encode = %v, want no error", err)
			}
			if got, err = senml.Normalize(b, senml.Limits{}, testNow); err != nil {
				t.Fatalf("Normalize(Encode) = %v, want no error; encoded %s", err, b)
			}
			checkRecords(t, "Normalize(Encode)", got, tc.want)
		})
	}
}

// checkRecords fails t unless got and want hold the same records.
func checkRecords(t *testing.T, what string, got, want []senml.Resolved) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s gave %d records, want %d:\n got %+v\nwant %+v", what, len(got), len(want), got, want)
	}
	for i := range got {
		if !sameRecord(got[i], want[i]) {
			t.Errorf("%s record %d = %+v,\nwant %+v", what, i, got[i], want[i])
		}
	}
}

// sameRecord reports whether a and b are the same record: numbers equal bit for bit,
// times at the same instant, nil and empty data alike.
func sameRecord(a, b senml.Resolved) bool {
	return a.Name == b.Name && a.Unit == b.Unit && a.Kind == b.Kind &&
		math.Float64bits(a.Value) == math.Float64bits(b.Value) &&
		a.StringValue == b.StringValue && a.BoolValue == b.BoolValue &&
		bytes.Equal(a.DataValue, b.DataValue) && a.HasSum == b.HasSum &&
		math.Float64bits(a.Sum) == math.Float64bits(b.Sum) && a.Time.Equal(b.Time) &&
		a.Time.Location() == time.UTC && a.UpdateTime == b.UpdateTime && a.Version == b.Version
}
