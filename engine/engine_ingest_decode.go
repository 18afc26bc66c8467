package engine

import (
	"strconv"
	"unicode/utf8"

	gt "groundtruth"
	"groundtruth/senml"
)

// decodeIngest decodes the data of an EventIngest into b. Data laid out as the ingest
// service writes it (ingest.AppendPack, which is json.Marshal's layout) and free of
// escapes takes a hand-written path about ten times faster than encoding/json; anything
// else (older or hand-made journals, escapes, other key orders or spellings) goes through
// decode, the strict encoding/json path. The fast path accepts only input on which both
// agree, so the result is always decode's: replay does not depend on which path ran.
func decodeIngest(ev *gt.Event, b *gt.IngestBatch) error {
	d := ingestDecoder{p: ev.Data}
	if d.batch(b) {
		return nil
	}
	*b = gt.IngestBatch{}
	return decode(ev, b)
}

// ingestDecoder reads one IngestBatch. Every method reports false, leaving the decoder
// and its output in an unspecified state, on anything outside the fast path's layout.
type ingestDecoder struct {
	p       []byte
	devices map[string]string // device ids seen, so that each is allocated once
	floats  []float64         // storage for Reading.V, allocated in chunks
}

// Keys of a DevicePack, a Reading, a StatusReport and an IngestFailure in the order
// json.Marshal writes them (the order of the struct fields).
var (
	packKeys    = []string{"device", "via", "received", "digest", "seq", "signed", "readings", "status", "rejected"}
	readingKeys = []string{"n", "u", "t", "v", "vb", "vs"}
	statusKeys  = []string{"state", "will", "detail"}
	failureKeys = []string{"reason", "message"}
)

// vias are the ways a pack arrives, kept as constants so that decoding allocates none.
var vias = map[string]string{gt.ViaMQTT: gt.ViaMQTT, gt.ViaHTTP: gt.ViaHTTP, gt.ViaBridge: gt.ViaBridge}

// measurementNames maps the names and units of SPEC §5.2 to themselves, for the same
// reason.
var measurementNames = func() map[string]string {
	m := map[string]string{}
	for n, u := range senml.Units {
		m[n], m[u] = n, u
	}
	return m
}()

func (d *ingestDecoder) batch(b *gt.IngestBatch) bool {
	if !d.lit(`{"items":[`) {
		return false
	}
	b.Items = []gt.DevicePack{}
	if d.peek() == ']' {
		d.p = d.p[1:]
	} else {
		for {
			b.Items = append(b.Items, gt.DevicePack{})
			if !d.pack(&b.Items[len(b.Items)-1]) {
				return false
			}
			if d.peek() == ',' {
				d.p = d.p[1:]
				continue
			}
			if !d.lit("]") {
				return false
			}
			break
		}
	}
	return d.lit("}") && len(d.p) == 0
}

// object reads an object whose keys are among keys, each at most once and in their
// order, calling value for each key's index to read its value.
func (d *ingestDecoder) object(keys []string, value func(k int) bool) bool {
	if !d.lit("{") {
		return false
	}
	if d.peek() == '}' {
		d.p = d.p[1:]
		return true
	}
	next := 0
	for {
		k, ok := d.key(keys, next)
		if !ok || !value(k) {
			return false
		}
		next = k + 1
		switch d.peek() {
		case ',':
			d.p = d.p[1:]
		case '}':
			d.p = d.p[1:]
			return true
		default:
			return false
		}
	}
}

// key reads `"name":` for one of keys[from:].
func (d *ingestDecoder) key(keys []string, from int) (int, bool) {
	s, ok := d.str()
	if !ok || !d.lit(":") {
		return 0, false
	}
	for k := from; k < len(keys); k++ {
		if string(s) == keys[k] {
			return k, true
		}
	}
	return 0, false
}

func (d *ingestDecoder) pack(p *gt.DevicePack) bool {
	return d.object(packKeys, func(k int) bool {
		var ok bool
		switch k {
		case 0:
			var s []byte
			if s, ok = d.str(); ok {
				p.Device = d.device(s)
			}
		case 1:
			var s []byte
			if s, ok = d.str(); ok {
				if p.Via, ok = vias[string(s)]; !ok {
					p.Via, ok = string(s), true
				}
			}
		case 2:
			start := d.p
			if _, ok = d.str(); ok {
				ok = p.Received.UnmarshalJSON(start[:len(start)-len(d.p)]) == nil
			}
		case 3:
			var s []byte
			if s, ok = d.str(); ok {
				p.Digest = string(s)
			}
		case 4:
			p.Seq, ok = d.uint()
		case 5:
			p.Signed, ok = d.bool()
		case 6:
			ok = d.readings(p)
		case 7:
			p.Status = &gt.StatusReport{}
			ok = d.status(p.Status)
		case 8:
			p.Rejected = &gt.IngestFailure{}
			ok = d.failure(p.Rejected)
		}
		return ok
	})
}

func (d *ingestDecoder) readings(p *gt.DevicePack) bool {
	if !d.lit("[") {
		return false
	}
	p.Readings = make([]gt.Reading, 0, 16)
	if d.peek() == ']' {
		d.p = d.p[1:]
		return true
	}
	for {
		p.Readings = append(p.Readings, gt.Reading{})
		if !d.reading(&p.Readings[len(p.Readings)-1]) {
			return false
		}
		switch d.peek() {
		case ',':
			d.p = d.p[1:]
		case ']':
			d.p = d.p[1:]
			return true
		default:
			return false
		}
	}
}

func (d *ingestDecoder) reading(r *gt.Reading) bool {
	return d.object(readingKeys, func(k int) bool {
		var ok bool
		switch k {
		case 0, 1:
			var s []byte
			if s, ok = d.str(); ok {
				v, known := measurementNames[string(s)]
				if !known {
					v = string(s)
				}
				if k == 0 {
					r.Name = v
				} else {
					r.Unit = v
				}
			}
		case 2:
			r.T, ok = d.int()
		case 3:
			var v float64
			if v, ok = d.float(); ok {
				if len(d.floats) == cap(d.floats) {
					d.floats = make([]float64, 0, 256)
				}
				d.floats = append(d.floats, v)
				r.V = &d.floats[len(d.floats)-1]
			}
		case 4:
			var v bool
			if v, ok = d.bool(); ok {
				r.B = &v
			}
		case 5:
			var s []byte
			if s, ok = d.str(); ok {
				v := string(s)
				r.S = &v
			}
		}
		return ok
	})
}

func (d *ingestDecoder) status(s *gt.StatusReport) bool {
	return d.object(statusKeys, func(k int) bool {
		var ok bool
		var v []byte
		switch k {
		case 0:
			v, ok = d.str()
			s.State = string(v)
		case 1:
			s.Will, ok = d.bool()
		case 2:
			v, ok = d.str()
			s.Detail = string(v)
		}
		return ok
	})
}

func (d *ingestDecoder) failure(f *gt.IngestFailure) bool {
	return d.object(failureKeys, func(k int) bool {
		v, ok := d.str()
		if k == 0 {
			f.Reason = string(v)
		} else {
			f.Message = string(v)
		}
		return ok
	})
}

func (d *ingestDecoder) device(s []byte) string {
	if id, ok := d.devices[string(s)]; ok {
		return id
	}
	if d.devices == nil {
		d.devices = map[string]string{}
	}
	id := string(s)
	d.devices[id] = id
	return id
}

func (d *ingestDecoder) peek() byte {
	if len(d.p) == 0 {
		return 0
	}
	return d.p[0]
}

func (d *ingestDecoder) lit(s string) bool {
	if len(d.p) < len(s) || string(d.p[:len(s)]) != s {
		return false
	}
	d.p = d.p[len(s):]
	return true
}

// str reads a string without escapes or control characters, in valid UTF-8, and returns
// its bytes, which alias the input.
func (d *ingestDecoder) str() ([]byte, bool) {
	if d.peek() != '"' {
		return nil, false
	}
	ascii := true
	for i := 1; i < len(d.p); i++ {
		switch c := d.p[i]; {
		case c == '"':
			s := d.p[1:i]
			if !ascii && !utf8.Valid(s) {
				return nil, false
			}
			d.p = d.p[i+1:]
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
	}
	return nil, false
}

func (d *ingestDecoder) bool() (bool, bool) {
	if d.lit("true") {
		return true, true
	}
	return false, d.lit("false")
}

// digits returns the length of the run of decimal digits at the start of p.
func digits(p []byte) int {
	n := 0
	for n < len(p) && p[n] >= '0' && p[n] <= '9' {
		n++
	}
	return n
}

// integer returns the length of a JSON integer (no fraction or exponent) at the start of
// d.p, 0 when there is none or it is followed by a fraction or exponent.
func (d *ingestDecoder) integer(signed bool) int {
	i := 0
	if signed && d.peek() == '-' {
		i++
	}
	n := digits(d.p[i:])
	if n == 0 || n > 1 && d.p[i] == '0' {
		return 0
	}
	i += n
	if i < len(d.p) && (d.p[i] == '.' || d.p[i] == 'e' || d.p[i] == 'E') {
		return 0
	}
	return i
}

func (d *ingestDecoder) uint() (uint64, bool) {
	n := d.integer(false)
	if n == 0 {
		return 0, false
	}
	v, ok := parseDigits(d.p[:n])
	d.p = d.p[n:]
	return v, ok
}

func (d *ingestDecoder) int() (int64, bool) {
	n := d.integer(true)
	if n == 0 {
		return 0, false
	}
	s := d.p[:n]
	d.p = d.p[n:]
	if s[0] == '-' {
		v, ok := parseDigits(s[1:])
		if !ok || v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	v, ok := parseDigits(s)
	return int64(v), ok && v < 1<<63
}

// parseDigits parses a run of decimal digits as strconv.ParseUint does, reporting false
// on overflow.
func parseDigits(s []byte) (uint64, bool) {
	if len(s) > 19 {
		v, err := strconv.ParseUint(string(s), 10, 64)
		return v, err == nil
	}
	var v uint64
	for _, c := range s {
		v = v*10 + uint64(c-'0')
	}
	return v, true // 19 digits never overflow
}

// pow10 are the powers of ten that a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// float reads a JSON number. A number without exponent whose digits fit 2^53 is exact
// as an integer over a power of ten, and one IEEE division rounds it correctly: the
// result equals strconv.ParseFloat's, which takes the same path. Other numbers go to
// strconv.ParseFloat.
func (d *ingestDecoder) float() (float64, bool) {
	p := d.p
	i := 0
	neg := i < len(p) && p[i] == '-'
	if neg {
		i++
	}
	n := digits(p[i:])
	if n == 0 || n > 1 && p[i] == '0' {
		return 0, false
	}
	mant, ok := parseDigits(p[i : i+n])
	nd := n
	i += n
	frac := 0
	if i < len(p) && p[i] == '.' {
		i++
		n = digits(p[i:])
		if n == 0 {
			return 0, false
		}
		f, fok := parseDigits(p[i : i+n])
		for range n {
			mant *= 10 // may overflow; then nd rules the fast path out
		}
		mant += f
		ok = ok && fok
		nd += n
		frac = n
		i += n
	}
	exp := false
	if i < len(p) && (p[i] == 'e' || p[i] == 'E') {
		exp = true
		i++
		if i < len(p) && (p[i] == '+' || p[i] == '-') {
			i++
		}
		n = digits(p[i:])
		if n == 0 {
			return 0, false
		}
		i += n
	}
	num := p[:i]
	d.p = p[i:]
	if !exp && ok && nd <= 19 && mant <= 1<<53 && frac < len(pow10) {
		v := float64(mant) / pow10[frac]
		if neg {
			v = -v
		}
		return v, true
	}
	v, err := strconv.ParseFloat(string(num), 64)
	return v, err == nil
}
