package journal

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"groundtruth"
)

// This file tests unexported functions: compactValid must never call valid what
// encoding/json refuses or would compact, and the fast encoding of an event must be the
// bytes json.Encoder writes.

func checkCompactValid(t *testing.T, data []byte) {
	t.Helper()
	if !compactValid(data) {
		return
	}
	if !json.Valid(data) {
		t.Fatalf("compactValid(%q) = true, json.Valid = false", data)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil || !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("compactValid(%q) = true, json.Compact = %q, %v", data, buf.Bytes(), err)
	}
}

func TestCompactValid(t *testing.T) {
	for _, s := range []string{
		`{}`, `[]`, `{"a":[1,-0,0.5,1e3,1E+3,-1.5e-7,true,false,null,"s\"\\\/\b\f\n\r\t\u00e9"]}`,
		"\"\xff\"", `{"a":{"b":{"c":[[[]]]}}}`, `[{"items":[{"device":"d","v":12.25}]}]`,
	} {
		if !compactValid([]byte(s)) {
			t.Errorf("compactValid(%q) = false, want true", s)
		}
		checkCompactValid(t, []byte(s))
	}
	for _, s := range []string{
		``, ` {}`, `{} `, `{"a": 1}`, `[1 ,2]`, `01`, `[01]`, `1.`, `.5`, `1e`, `-`, `+1`, `"\x01"`,
		`"\u00g0"`, `"\a"`, `tru`, `nul`, `{"a"}`, `{"a":}`, `{,}`, `[1,]`, `{"a":1,}`, `[`, `"abc`,
		`{"a":1}{}`, strings.Repeat("[", maxFastDepth+1) + strings.Repeat("]", maxFastDepth+1),
	} {
		if compactValid([]byte(s)) {
			t.Errorf("compactValid(%q) = true, want false", s)
		}
	}
}

func FuzzCompactValid(f *testing.F) {
	for _, s := range []string{`{"a":[1,-0.5e+3,true,null,"\u00e9\n"]}`, `[{"x":{}}]`, `"\xff\\"`, `-0`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkCompactValid(t, data) })
}

// encodeSlow is encode's encoding/json path.
func encodeSlow(t testing.TB, ev groundtruth.Event) []byte {
	ev.Seq = 0
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&ev); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestEncodeFastPathIsEncodingJSON(t *testing.T) {
	at := time.Date(2026, 11, 22, 3, 4, 5, 123456789, time.UTC)
	for i, ev := range []groundtruth.Event{
		{ID: "ev_1", Type: groundtruth.EventTick, Tenant: "t1", Time: at, Seq: 9},
		{ID: "ev_2", Type: groundtruth.EventIngest, Tenant: "t1", Time: at.Truncate(time.Second), Actor: "ingest",
			Data: json.RawMessage(`{"items":[{"device":"d","received":"2026-11-22T03:04:05Z","readings":[{"n":"mass","t":1,"v":-1.5e-7}]}]}`)},
		{ID: "ev_3", Type: "x", Tenant: "", Time: time.Time{}.UTC(), Data: json.RawMessage(`null`)},
		{ID: "ev_4", Type: "x", Tenant: "t<&>", Time: at, Data: json.RawMessage(`{"a": 1}`)},
		{ID: "ev_5", Type: "x", Tenant: "t\u00e9", Time: at},
		{ID: "ev_6", Type: "x", Tenant: "t", Time: at.In(time.FixedZone("x", 3600))},
		{ID: "ev_7", Type: "x", Tenant: "t", Time: at, Actor: "a\"b"},
		{ID: "ev_8", Type: "x", Tenant: "t", Time: at, Data: json.RawMessage(`"<\u2028>"`)},
	} {
		want := encodeSlow(t, ev)
		if got := encodeForTest(t, ev); !bytes.Equal(got, want) {
			t.Errorf("event %d: encode =\n%s\nwant\n%s", i, got, want)
		}
		fast, ok := appendEventFast(nil, &ev)
		if ok && !bytes.Equal(fast, want) {
			t.Errorf("event %d: appendEventFast =\n%s\nwant\n%s", i, fast, want)
		}
		if i < 3 && !ok {
			t.Errorf("event %d: appendEventFast refused %+v", i, ev)
		}
	}
}

func FuzzEncodeFastPath(f *testing.F) {
	f.Add("ev_1", "ingest.batch", "t1", "a", int64(1763780645123456789), []byte(`{"items":[]}`))
	f.Add("e", "x", "t\u00e9", "", int64(0), []byte(`[1, 2]`))
	f.Fuzz(func(t *testing.T, id, typ, tenant, actor string, ns int64, data []byte) {
		if id == "" || !json.Valid(data) {
			return
		}
		ev := groundtruth.Event{ID: id, Type: groundtruth.EventType(typ), Tenant: tenant, Actor: actor,
			Time: time.Unix(0, ns).UTC(), Data: data}
		if fast, ok := appendEventFast(nil, &ev); ok {
			if want := encodeSlow(t, ev); !bytes.Equal(fast, want) {
				t.Fatalf("appendEventFast =\n%s\nwant\n%s", fast, want)
			}
		}
	})
}
