package loadgen

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"groundtruth/ingest"
)

// MaxPackSize is the largest pack Pack builds: the record limit of senml.Decode.
const MaxPackSize = 1000

// backdate is how far before the run's start the base time of pack 0 lies. Pack k is
// stamped k milliseconds later, so a device stays in the past for as long as it sends
// fewer than 1,000 packs a second on average, and for a minute beyond that. A minute is
// well inside the server's clock_skew limit (ten minutes, or three reporting intervals),
// so the simulated fleet is a healthy one: an older stamp would have every device's
// clock_skew alert open for the whole run.
const backdate = time.Minute

// measure is a numeric measurement of SPEC §5.2 with its canonical unit and the small
// range of values a pack cycles through: (base + n mod span) / scale.
type measure struct {
	name, unit string
	base, span int64
	scale      float64
}

// measures are the measurements of records 1 to size-1 of a pack, in turn; record 0 is
// always the count.
var measures = [...]measure{
	{"mass", "kg", 1_000_000, 5000, 100}, // 10,000.00-10,049.99 kg
	{"volume", "m3", 12_000, 500, 1000},  // 12.000-12.499 m3
	{"lat", "lat", 3_608_000, 200, 1e5},  // 36.08000-36.08199, inside a test site
	{"lon", "lon", 12_031_000, 200, 1e5}, // 120.31000-120.31199
	{"alt", "m", 120, 50, 10},            // 12.0-16.9 m
	{"speed", "m/s", 0, 30, 10},          // 0.0-2.9 m/s
	{"temp", "Cel", 180, 100, 10},        // 18.0-27.9 Cel
	{"rh", "%RH", 400, 300, 10},          // 40.0-69.9 %RH
	{"battery", "%EL", 500, 500, 10},     // 50.0-99.9 %EL
}

// Pack returns the exact bytes sent as pack k (k >= 1) of device d: a SenML pack of size
// records (10 when size <= 0), or, when d.Key is set, a compact JWS of that pack signed
// with seq k. The bytes depend only on d.ID, d.Key, k, size and start, so a pack can be
// rebuilt after a crash to check what the server stored.
//
// The pack's base time is start - 1 min + k ms, truncated to the millisecond. Record 0
// is {"bt":<base time>,"n":"count","u":"count","v":k}; record i >= 1 is the i-th of
// mass, volume, lat, lon, alt, speed, temp, rh and battery (cycling), in its canonical
// unit, with a value drawn from a small range by k, i and a hash of the device id, at
// t = -i µs, so no two records of a device share a name and time while size <= 1000.
func Pack(d Device, k uint64, size int, start time.Time) ([]byte, error) {
	if size <= 0 {
		size = DefaultPackSize
	}
	if size > MaxPackSize {
		return nil, fmt.Errorf("pack size %d is above the limit of %d records", size, MaxPackSize)
	}
	if k == 0 || k > ingest.MaxSeq {
		return nil, fmt.Errorf("pack number %d is outside 1 to %d", k, uint64(ingest.MaxSeq))
	}
	p := appendPack(make([]byte, 0, 48+40*size), d.ID, k, size, start)
	if d.Key == nil {
		return p, nil
	}
	jws, err := ingest.Sign(d.Key, d.ID, k, p)
	if err != nil {
		return nil, fmt.Errorf("sign pack %d of %s: %w", k, d.ID, err)
	}
	return jws, nil
}

// appendPack appends the SenML pack k of device id.
func appendPack(b []byte, id string, k uint64, size int, start time.Time) []byte {
	ms := start.Add(-backdate).UnixMilli() + int64(k)
	b = append(b, `[{"bt":`...)
	b = strconv.AppendInt(b, ms/1000, 10)
	b = append(b, '.')
	frac := ms % 1000
	b = append(b, byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	b = append(b, `,"n":"count","u":"count","v":`...)
	b = strconv.AppendUint(b, k, 10)
	b = append(b, '}')
	h := deviceHash(id)
	for i := 1; i < size; i++ {
		m := &measures[(i-1)%len(measures)]
		n := m.base + int64((k+uint64(i)+h)%uint64(m.span))
		b = append(b, `,{"n":"`...)
		b = append(b, m.name...)
		b = append(b, `","u":"`...)
		b = append(b, m.unit...)
		b = append(b, `","v":`...)
		b = strconv.AppendFloat(b, float64(n)/m.scale, 'f', -1, 64)
		b = append(b, `,"t":`...)
		b = strconv.AppendFloat(b, -float64(i)/1e6, 'f', -1, 64)
		b = append(b, '}')
	}
	return append(b, ']')
}

// deviceHash spreads devices over the value ranges, so that packs differ by device.
func deviceHash(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64() % 1_000_003
}
