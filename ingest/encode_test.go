package ingest_test

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/ingest"
)

func ptr[T any](v T) *T { return &v }

// encodePacks are packs that exercise every field and every form of number, string and
// time that AppendPack writes.
func encodePacks() []gt.DevicePack {
	at := time.Date(2026, 11, 22, 9, 30, 1, 123456789, time.UTC)
	return []gt.DevicePack{
		{Device: "d1", Via: gt.ViaMQTT, Received: at, Digest: "00ff", Seq: 7, Signed: true, Readings: []gt.Reading{
			{Name: "count", Unit: "count", T: at.UnixMicro(), V: ptr(1.0)},
			{Name: "mass", Unit: "kg", T: -5, V: ptr(10012.25)},
			{Name: "tiny", T: 0, V: ptr(1e-7)},
			{Name: "tiny2", T: 0, V: ptr(-1.5e-10)},
			{Name: "huge", T: 0, V: ptr(1e21)},
			{Name: "big", T: 0, V: ptr(123456789012345678.0)},
			{Name: "zero", T: 0, V: ptr(math.Copysign(0, -1))},
			{Name: "door", T: 1, B: ptr(true)},
			{Name: "tamper", T: 1, B: ptr(false)},
			{Name: "tags", T: 2, S: ptr("a,b,<c>&\"d\"\\ é \u2028 \x01\n")},
			{Name: "bad utf8", T: 2, S: ptr("\xff\xfe")},
		}},
		{Device: "d2", Via: gt.ViaHTTP, Received: at.Truncate(time.Second), Readings: []gt.Reading{}},
		{Device: "d3", Via: gt.ViaBridge, Received: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)),
			Status: &gt.StatusReport{State: gt.StateTamper, Will: true, Detail: "lid <open>"}},
		{Device: "d4", Via: gt.ViaMQTT, Received: at, Status: &gt.StatusReport{State: gt.StateOnline}},
		{Device: "d5", Via: gt.ViaMQTT, Received: at, Rejected: &gt.IngestFailure{Reason: gt.ReasonReplay, Message: "seq 3 is not above 4"}},
		{},
	}
}

func TestAppendPackIsJSONMarshal(t *testing.T) {
	for i, p := range encodePacks() {
		want, err := json.Marshal(&p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ingest.AppendPack([]byte("prefix"), &p)
		if err != nil {
			t.Fatalf("pack %d: AppendPack: %v", i, err)
		}
		if !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Errorf("pack %d: AppendPack =\n%s\nwant prefix +\n%s", i, got, want)
		}
	}
}

func TestAppendPackRefusesNaN(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		p := gt.DevicePack{Device: "d", Readings: []gt.Reading{{Name: "mass", V: ptr(v)}}}
		if b, err := ingest.AppendPack(nil, &p); err == nil {
			t.Errorf("AppendPack(%v) = %s, want an error", v, b)
		}
	}
}

func FuzzAppendPack(f *testing.F) {
	f.Add("d1", "mqtt", int64(1), 1.5, "tags", "kg", uint64(3), true, int64(0))
	f.Add("d<&>", "h\u2028", int64(-1), 1e-9, "a\"b", "\xff", uint64(0), false, int64(253402300799999999))
	f.Fuzz(func(t *testing.T, dev, via string, ts int64, v float64, s, unit string, seq uint64, b bool, recv int64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		p := gt.DevicePack{Device: dev, Via: via, Received: time.UnixMicro(recv).UTC(), Seq: seq, Signed: b,
			Digest: s, Readings: []gt.Reading{{Name: s, Unit: unit, T: ts, V: &v}, {Name: unit, T: ts, B: &b}, {Name: via, S: &s}}}
		want, werr := json.Marshal(&p)
		got, err := ingest.AppendPack(nil, &p)
		if (err != nil) != (werr != nil) {
			t.Fatalf("AppendPack error %v, json.Marshal error %v", err, werr)
		}
		if err == nil && !bytes.Equal(got, want) {
			t.Fatalf("AppendPack =\n%s\nwant\n%s", got, want)
		}
	})
}

func BenchmarkAppendPack(b *testing.B) {
	p := encodePacks()[0]
	want, _ := json.Marshal(&p)
	b.Run("AppendPack", func(b *testing.B) {
		b.SetBytes(int64(len(want)))
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, _ = ingest.AppendPack(buf[:0], &p)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.SetBytes(int64(len(want)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(&p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
