package engine

import (
	"encoding/json"
	"maps"
	"testing"

	gt "groundtruth"
)

// TestSettledAlertsActLikeAMap checks the settled set against the map it replaces: the
// same statuses after the same updates, the same JSON, and the same set read back, for
// ids the engine makes and for others.
func TestSettledAlertsActLikeAMap(t *testing.T) {
	ids := []string{
		"al-000000000001-0001", "al-000000000001-0002", "al-999999999999-9999", "al-000000000000-0000",
		"al-1000000000000-0001",                                                  // a sequence past twelve digits
		"al-000000000007-123456",                                                 // an event that handed out more than 9,999 ids
		"al-000000000007-0123456", "al-00000000007-0001", "al-+00000000007-0001", // not as the engine spells them
		"al-2000000000000-0001", "al-000000000007-99999999", // past the bits of the number
		"al-000000000002-0001", // given a sequence past 63 bits below
		"al-00000000000x-0001", "al-000000000001_0001", "ac-000000000001-0001", "al-000000000001-001", "alert-7", "",
	}
	statuses := []string{gt.AlertOpen, gt.AlertAcknowledged, gt.AlertClosed, "snoozed"}
	var s settledAlerts
	m := map[string]settledAlert{}
	step := 0
	for round := range 3 {
		for i, id := range ids {
			step++
			a := settledAlert{Seq: uint64(step), Status: statuses[(i+round)%len(statuses)]}
			if id == "al-000000000002-0001" {
				a.Seq |= 1 << 63
			}
			s.set(id, a)
			if a.Status == gt.AlertClosed {
				delete(m, id)
			} else {
				m[id] = a
			}
		}
		for _, id := range ids {
			got, ok := s.get(id)
			want, wantOK := m[id]
			if ok != wantOK || got != want {
				t.Fatalf("round %d: get(%q) = %+v, %v; want %+v, %v", round, id, got, ok, want, wantOK)
			}
		}
		if s.len() != len(m) {
			t.Fatalf("round %d: len %d, want %d", round, s.len(), len(m))
		}
		got, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(m)
		if string(got) != string(want) {
			t.Fatalf("round %d: JSON\n%s\nwant\n%s", round, got, want)
		}
		var back settledAlerts
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		readBack := map[string]settledAlert{}
		for _, id := range ids {
			if a, ok := back.get(id); ok {
				readBack[id] = a
			}
		}
		if !maps.Equal(readBack, m) {
			t.Fatalf("round %d: read back %v, want %v", round, readBack, m)
		}
	}
	if len(s.num) == 0 || len(s.other) == 0 {
		t.Errorf("ids kept as numbers %d, as strings %d: both kinds should be in use", len(s.num), len(s.other))
	}
	for _, id := range []string{"al-000000000042-0007", "al-123456789012-3456", "al-000000000042-1048575", "al-1000000000000-0001"} {
		if n, ok := alertNum(id); !ok || alertIDOf(n) != id {
			t.Errorf("alertIDOf(alertNum(%q)) = %q, %v", id, alertIDOf(n), ok)
		}
	}
	for _, id := range []string{"al-000000000007-0123456", "al-00000000007-0001", "al-+00000000007-0001", "al-2000000000000-0001", "al-000000000007-99999999", "al-1-1"} {
		if _, ok := alertNum(id); ok {
			t.Errorf("alertNum(%q) took it for an engine id", id)
		}
	}
	var null settledAlerts
	if err := json.Unmarshal([]byte("null"), &null); err != nil || null.len() != 0 {
		t.Errorf("null: %v, %d entries", err, null.len())
	}
}

// TestSettledIDsAreTheEngines checks that the ids the engine gives alerts are the ones
// kept as numbers.
func TestSettledIDsAreTheEngines(t *testing.T) {
	x := &riskIndex{ev: &gt.Event{Seq: 123456}, ids: 9998}
	for range 3 { // the last past 9,999
		id := x.newID("al")
		if n, ok := alertNum(id); !ok || alertIDOf(n) != id {
			t.Errorf("engine id %q is not kept as a number", id)
		}
	}
}
