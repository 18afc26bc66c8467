package engine

import (
	"encoding/json"
	"strconv"
	"strings"

	gt "groundtruth"
)

// settledAlerts holds the settledAlert of each resolved alert not yet closed, by alert id.
// A book whose alerts nobody closes gathers one per band change, so the ids the engine
// makes (al-<sequence>-<serial>) are kept as numbers in a map without pointers, which
// takes a third of the memory and which the collector does not scan; other ids (none
// today) go to a map of their own. In JSON it is an object by id, as a map would be.
type settledAlerts struct {
	num   map[uint64]settledNum
	other map[string]settledAlert
}

// settledNum is a settledAlert whose status is open or acknowledged: its sequence,
// shifted left by one, and 1 when acknowledged.
type settledNum uint64

// An alert id the engine makes is al-<sequence>-<serial>, the sequence zero-padded to 12
// digits and the serial, counting the ids handed out while applying the event, to 4 (a
// price crash hands out a million). Both fit one number: the sequence in the high 40
// bits, the serial in the low 24.
const (
	alertSerialBits = 24
	alertSeqMax     = 1 << 40
)

// alertNum returns the number packing an alert id the engine makes, and false for any
// other id: one that alertIDOf would not spell back the same.
func alertNum(id string) (uint64, bool) {
	rest, ok := strings.CutPrefix(id, "al-")
	if !ok {
		return 0, false
	}
	seqText, serialText, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	seq, err1 := strconv.ParseUint(seqText, 10, 64)
	serial, err2 := strconv.ParseUint(serialText, 10, 64)
	if err1 != nil || err2 != nil || seq >= alertSeqMax || serial >= 1<<alertSerialBits {
		return 0, false
	}
	num := seq<<alertSerialBits | serial
	var buf [40]byte
	if string(appendAlertID(buf[:0], num)) != id {
		return 0, false // another padding, a sign
	}
	return num, true
}

// appendAlertID appends the id packed in num.
func appendAlertID(b []byte, num uint64) []byte {
	b = append(b, "al-"...)
	b = appendPadded(b, num>>alertSerialBits, 12)
	return appendPadded(append(b, '-'), num&(1<<alertSerialBits-1), 4)
}

// alertIDOf is the inverse of alertNum.
func alertIDOf(num uint64) string {
	var buf [40]byte
	return string(appendAlertID(buf[:0], num))
}

// get returns the status kept of a resolved alert.
func (s *settledAlerts) get(id string) (settledAlert, bool) {
	if k, ok := alertNum(id); ok {
		if v, found := s.num[k]; found {
			st := gt.AlertOpen
			if v&1 == 1 {
				st = gt.AlertAcknowledged
			}
			return settledAlert{Seq: uint64(v >> 1), Status: st}, true
		}
	}
	v, found := s.other[id] // another id, or another status
	return v, found
}

// set records the status of a resolved alert; of a closed one, which nothing can change,
// nothing is kept.
func (s *settledAlerts) set(id string, a settledAlert) {
	k, isNum := alertNum(id)
	if isNum {
		delete(s.num, k)
	}
	delete(s.other, id)
	switch {
	case a.Status == gt.AlertClosed:
	case isNum && a.Seq < 1<<63 && (a.Status == gt.AlertOpen || a.Status == gt.AlertAcknowledged):
		if s.num == nil {
			s.num = map[uint64]settledNum{}
		}
		v := settledNum(a.Seq << 1)
		if a.Status == gt.AlertAcknowledged {
			v |= 1
		}
		s.num[k] = v
	default:
		if s.other == nil {
			s.other = map[string]settledAlert{}
		}
		s.other[id] = a
	}
}

// len returns the number of resolved alerts kept.
func (s *settledAlerts) len() int { return len(s.num) + len(s.other) }

// MarshalJSON writes the alerts as an object by id.
func (s settledAlerts) MarshalJSON() ([]byte, error) {
	m := make(map[string]settledAlert, s.len())
	for k := range s.num {
		id := alertIDOf(k)
		m[id], _ = s.get(id)
	}
	for id, v := range s.other {
		m[id] = v
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads an object by id (null for none).
func (s *settledAlerts) UnmarshalJSON(data []byte) error {
	var m map[string]settledAlert
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*s = settledAlerts{}
	for id, v := range m {
		s.set(id, v)
	}
	return nil
}
