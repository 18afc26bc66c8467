package engine_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/engine"
)

func fptr(v float64) *float64 { return &v }
func bptr(v bool) *bool       { return &v }
func sptr(v string) *string   { return &v }

// ingestBatchJSON returns the data of an ingest event as the ingest service writes it.
func ingestBatchJSON(t testing.TB) []byte {
	at := time.Date(2026, 11, 22, 9, 30, 1, 123456000, time.UTC)
	b := gt.IngestBatch{Items: []gt.DevicePack{
		{Device: "cell-1", Via: gt.ViaMQTT, Received: at, Digest: "0011aabb", Seq: 12, Signed: true, Readings: []gt.Reading{
			{Name: "count", Unit: "count", T: at.UnixMicro(), V: fptr(3)},
			{Name: "mass", Unit: "kg", T: at.UnixMicro() - 1, V: fptr(10012.25)},
			{Name: "lat", Unit: "lat", T: -3, V: fptr(-36.08199)},
			{Name: "speed", Unit: "m/s", T: 0, V: fptr(1e-7)},
			{Name: "alt", Unit: "m", T: 0, V: fptr(12345678901234567890)},
			{Name: "custom", T: 0, V: fptr(0.1)},
			{Name: "door", T: 5, B: bptr(true)},
			{Name: "tamper", T: 5, B: bptr(false)},
			{Name: "tags", T: 6, S: sptr("a,b,ü")},
		}},
		{Device: "cell-2", Via: gt.ViaHTTP, Received: at, Digest: "ff", Readings: []gt.Reading{}},
		{Device: "cell-1", Via: gt.ViaBridge, Received: at, Status: &gt.StatusReport{State: gt.StatePowerCut, Will: true, Detail: "mains"}},
		{Device: "cell-1", Via: gt.ViaMQTT, Received: at, Status: &gt.StatusReport{State: gt.StateOnline}},
		{Device: "cell-3", Via: "other", Received: at, Rejected: &gt.IngestFailure{Reason: gt.ReasonSignature, Message: "bad"}},
		{},
	}}
	data, err := json.Marshal(&b)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkDecodeIngest checks that the engine's ingest decoding of data equals the strict
// encoding/json decoding, value and error.
func checkDecodeIngest(t *testing.T, data []byte) {
	t.Helper()
	ev := &gt.Event{Seq: 1, Type: gt.EventIngest, Data: data}
	var got, want gt.IngestBatch
	err := engine.DecodeIngest(ev, &got)
	werr := engine.DecodeStrict(ev, &want)
	if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
		t.Fatalf("decode %q: error %v, want %v", data, err, werr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("decode %q =\n%+v\nwant\n%+v", data, got, want)
	}
}

func TestDecodeIngestFastPathEqualsEncodingJSON(t *testing.T) {
	data := ingestBatchJSON(t)
	if !engine.FastIngest(data) {
		t.Fatalf("the fast path refused the service's own layout: %s", data)
	}
	checkDecodeIngest(t, data)
	for _, d := range []string{`{"items":[]}`, `{"items":[{}]}`, `{"items":[{"device":"d","readings":[{"n":"mass","t":-0,"v":-0}]}]}`} {
		if !engine.FastIngest([]byte(d)) {
			t.Errorf("the fast path refused %s", d)
		}
		checkDecodeIngest(t, []byte(d))
	}
}

// Journals written by earlier versions, or events written by hand, need not have the
// service's layout: they decode exactly as before, through encoding/json.
func TestDecodeIngestOtherLayoutsAsBefore(t *testing.T) {
	data := ingestBatchJSON(t)
	var indented bytes.Buffer
	if err := json.Indent(&indented, data, "", "  "); err != nil {
		t.Fatal(err)
	}
	cases := []string{
		indented.String(),
		strings.Replace(string(data), `"device":"cell-1","via":"mqtt"`, `"via":"mqtt","device":"cell-1"`, 1),
		strings.Replace(string(data), `"device"`, `"Device"`, 1),
		strings.Replace(string(data), `"cell-2"`, `"cell\u002d2"`, 1),
		strings.Replace(string(data), `"cell-2"`, `"cell\u00002"`, 1),
		strings.Replace(string(data), `"digest":"ff"`, `"digest":"ff","extra":1`, 1),
		strings.Replace(string(data), `"digest":"ff"`, `"digest":null`, 1),
		strings.Replace(string(data), `"seq":12`, `"seq":12.0`, 1),
		strings.Replace(string(data), `"seq":12`, `"seq":-12`, 1),
		strings.Replace(string(data), `"seq":12`, `"seq":99999999999999999999`, 1),
		strings.Replace(string(data), `"v":3`, `"v":3e0`, 1),
		strings.Replace(string(data), `"v":3`, `"v":1e999`, 1),
		strings.Replace(string(data), `"v":3`, `"v":03`, 1),
		strings.Replace(string(data), `"t":-3`, `"t":-9223372036854775809`, 1),
		strings.Replace(string(data), `"digest":"ff"`, `"digest":"ff","digest":"ee"`, 1),
		strings.Replace(string(data), `"received":"2026-11-22T09:30:01.123456Z"`, `"received":"yesterday"`, 1),
		string(data) + ` `,
		string(data) + `{}`,
		`{"items":null}`,
		`{"items":[null]}`,
		`{}`,
		`[]`,
		`{"items":[{"device":"a\xffb"}]}`,
	}
	for _, c := range cases {
		checkDecodeIngest(t, []byte(c))
	}
}

func FuzzDecodeIngest(f *testing.F) {
	f.Add(ingestBatchJSON(f))
	f.Add([]byte(`{"items":[{"device":"d","readings":[{"n":"mass","t":1,"v":1.5e-3}]}]}`))
	f.Add([]byte(`{"items":[{"device":"d","seq":18446744073709551615,"readings":[{"n":"x","t":-1,"v":-0.000001}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeIngest(t, data)
	})
}

func BenchmarkDecodeIngest(b *testing.B) {
	var items []json.RawMessage
	at := time.Date(2026, 11, 22, 9, 30, 1, 123456000, time.UTC)
	for i := range 100 {
		p := gt.DevicePack{Device: "dev-" + string(rune('a'+i%26)), Via: gt.ViaMQTT, Received: at, Digest: "00112233445566778899aabbccddeeff"}
		for j := range 10 {
			p.Readings = append(p.Readings, gt.Reading{Name: "mass", Unit: "kg", T: at.UnixMicro() - int64(j), V: fptr(10000.25 + float64(j))})
		}
		d, _ := json.Marshal(&p)
		items = append(items, d)
	}
	data, _ := json.Marshal(map[string]any{"items": items})
	ev := &gt.Event{Type: gt.EventIngest, Data: data}
	for _, path := range []string{"fast", "encoding-json"} {
		b.Run(path, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var bt gt.IngestBatch
				var err error
				if path == "fast" {
					err = engine.DecodeIngest(ev, &bt)
				} else {
					err = engine.DecodeStrict(ev, &bt)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
