package engine

import (
	"encoding/json"

	gt "groundtruth"
)

// settledAlerts holds the settledAlert of each resolved alert not yet closed, by alert id.
// A book whose alerts nobody closes gathers one per band change, so the ids the engine
// makes (al-<12 digits>-<4 digits>) are kept as numbers in a map without pointers, which
// takes a third of the memory and which the collector does not scan; other ids (none
// today) go to a map of their own. In JSON it is an object by id, as a map would be.
type settledAlerts struct {
	num   map[uint64]settledNum
	other map[string]settledAlert
}

// settledNum is a settledAlert whose status is open or acknowledged: its sequence,
// shifted left by one, and 1 when acknowledged.
type settledNum uint64

const (
	alertIDLen    = len("al-") + 12 + len("-") + 4
	alertIDSerial = 10000 // the ids an event hands out fit in the last four digits
)

// alertNum returns the number packing an alert id the engine makes: its event's
// sequence and its serial within the event.
func alertNum(id string) (uint64, bool) {
	if len(id) != alertIDLen || id[:3] != "al-" || id[15] != '-' {
		return 0, false
	}
	var seq, n uint64
	for i := 3; i < alertIDLen; i++ {
		if i == 15 {
			continue
		}
		c := id[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if i < 15 {
			seq = seq*10 + uint64(c-'0')
		} else {
			n = n*10 + uint64(c-'0')
		}
	}
	return seq*alertIDSerial + n, true
}

// alertIDOf is the inverse of alertNum.
func alertIDOf(num uint64) string {
	var buf [alertIDLen]byte
	b := append(buf[:0], "al-"...)
	b = appendPadded(b, num/alertIDSerial, 12)
	b = appendPadded(append(b, '-'), num%alertIDSerial, 4)
	return string(b)
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
