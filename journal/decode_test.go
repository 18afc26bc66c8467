package journal

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"groundtruth"
)

// This file tests an unexported function: decodeFast must agree with json.Unmarshal on
// every input it accepts, which the public API cannot show.

func encodeForTest(t testing.TB, ev groundtruth.Event) []byte {
	j := &Journal{subject: "s", name: "n"}
	m, err := j.encode(&ev)
	if err != nil {
		t.Fatal(err)
	}
	return m.Data
}

func TestDecodeEvent(t *testing.T) {
	at := time.Date(2026, 11, 22, 3, 4, 5, 123456789, time.UTC)
	for _, ev := range []groundtruth.Event{
		{ID: "ev_1", Type: groundtruth.EventTick, Tenant: "t1", Time: at},
		{ID: "ev_2", Type: groundtruth.EventRecordsPut, Tenant: "t1", Time: at, Actor: "key_1",
			Data: json.RawMessage(`{"parties":[{"id":"p1","name":"Ünïcode <&> \"q\" \\ \n"}]}`)},
		{ID: "ev_3", Type: "x", Tenant: "", Time: time.Time{}, Data: json.RawMessage(`[1,2,{"a":null}]`)},
		{ID: "ev_4", Type: "x", Tenant: "t\u00e9<>", Time: at, Data: json.RawMessage(`"s"`)},
		{ID: "ev_5", Type: "x", Tenant: "t", Time: at, Actor: "a\tb", Data: json.RawMessage(`null`)},
		{ID: "ev_6", Type: "x", Tenant: "t", Time: at.In(time.FixedZone("x", 3600))},
	} {
		data := encodeForTest(t, ev)
		var got, want groundtruth.Event
		if err := decodeEvent(data, &got); err != nil {
			t.Fatalf("decodeEvent(%s): %v", data, err)
		}
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("json.Unmarshal(%s): %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("decodeEvent(%s) = %+v, want %+v", data, got, want)
		}
	}
	var fast groundtruth.Event
	if data := encodeForTest(t, groundtruth.Event{ID: "a", Type: "b", Tenant: "c", Time: at, Data: json.RawMessage(`{}`)}); !decodeFast(data, &fast) {
		t.Errorf("decodeFast(%s) = false, want the fast path for encode's layout", data)
	}
	for _, bad := range []string{"", "not json", `{"id":"a"`, `{"id":"a","type":"b","tenant":"c","time":"x"}`} {
		var ev groundtruth.Event
		if err := decodeEvent([]byte(bad), &ev); err == nil {
			t.Errorf("decodeEvent(%q) = %+v, want an error", bad, ev)
		}
	}
}

func FuzzDecodeEvent(f *testing.F) {
	at := time.Date(2026, 11, 22, 3, 4, 5, 6, time.UTC)
	f.Add(encodeForTest(f, groundtruth.Event{ID: "a", Type: "b", Tenant: "c", Time: at, Actor: "d", Data: json.RawMessage(`{"x":[1]}`)}))
	f.Add(encodeForTest(f, groundtruth.Event{ID: "a", Type: "b", Tenant: "c", Time: at}))
	f.Add([]byte(`{"id":"a","type":"b","tenant":"c","time":"2026-11-22T03:04:05Z","data":{"x":1} }`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast, want groundtruth.Event
		if !decodeFast(data, &fast) {
			return
		}
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("decodeFast accepted %q, json.Unmarshal: %v", data, err)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("decodeFast(%q) = %+v, json.Unmarshal = %+v", data, fast, want)
		}
	})
}

func BenchmarkDecodeEvent(b *testing.B) {
	data := encodeForTest(b, groundtruth.Event{ID: "ev_0000000000000001", Type: groundtruth.EventPricesRecord,
		Tenant: "tenant_0001", Time: time.Date(2026, 11, 22, 3, 0, 0, 12345, time.UTC), Actor: "key_00000001",
		Data: json.RawMessage(`{"prices":[{"commodity":"cocoa","price":812345,"currency":"EUR"}]}`)})
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var ev groundtruth.Event
			if err := decodeEvent(data, &ev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var ev groundtruth.Event
			if err := json.Unmarshal(data, &ev); err != nil {
				b.Fatal(err)
			}
		}
	})
}
