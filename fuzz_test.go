package groundtruth_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/risk"
)

// Fuzz targets of the domain model. Seeds beyond the f.Add calls are committed under
// testdata/fuzz/<FuzzName>/; run one target at a time, e.g.
//
//	go test . -run '^$' -fuzz '^FuzzPolygon$' -fuzztime 45s

// fuzzQingdaoWarehouse is the boundary of a bonded warehouse at Qingdao Dagang.
const fuzzQingdaoWarehouse = `{"type":"Polygon","coordinates":[[[120.3101,36.0812],[120.3135,36.0812],` +
	`[120.3135,36.0839],[120.3101,36.0839],[120.3101,36.0812]]]}`

// FuzzPolygon decodes arbitrary JSON into a Polygon. Validate must not panic and must
// fail with an EINVALID error naming a field; a polygon it accepts has closed rings of at
// least four WGS84 positions whose non-adjacent edges do not touch (checked pair by pair
// against the sweep in Validate), survives a JSON round trip, and contains no point far
// outside its exterior ring.
func FuzzPolygon(f *testing.F) {
	for _, s := range []string{
		fuzzQingdaoWarehouse,
		// Bay with a pillar cut out as a hole; positions with an altitude.
		`{"type":"Polygon","coordinates":[[[120.31,36.08,4],[120.312,36.08,4],[120.312,36.082,4],[120.31,36.082,4],[120.31,36.08,4]],` +
			`[[120.3105,36.0805],[120.3106,36.0805],[120.3106,36.0806],[120.3105,36.0805]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}`,          // bow tie
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`,                // not closed
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`,                      // too short
		`{"type":"Polygon","coordinates":[[[179,-89],[180,-89],[180,90],[179,-89]]]}`, // on the edges of the range
		`{"type":"Polygon","coordinates":[[[181,0],[182,0],[182,1],[181,0]]]}`,        // out of range
		`{"type":"Polygon","coordinates":[[[0,0],[1e-9,0],[1e-9,1e-9],[0,0]]]}`,       // no area
		`{"type":"Polygon","coordinates":[[[-0,0],[0,0],[0,1],[1,1],[-0,0]]]}`,        // repeated vertex
		`{"type":"MultiPolygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`, `{"type":"Polygon","coordinates":[]}`,
		`{"type":"Polygon","coordinates":[[]]}`, `{"type":"Polygon"}`, `null`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p gt.Polygon
		if err := json.Unmarshal(data, &p); err != nil {
			return
		}
		if !checkPolygon(t, &p) {
			return
		}
		b, err := json.Marshal(&p)
		if err != nil {
			t.Fatalf("Marshal(valid polygon) = %v", err)
		}
		var back gt.Polygon
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s) = %v", b, err)
		}
		if err := back.Validate(); err != nil {
			t.Fatalf("polygon %s no longer validates after a JSON round trip: %v", b, err)
		}
	})
}

// FuzzPolygonCoordinates builds rings of up to 50 positions from arbitrary float64 bits,
// once as given (NaN, infinities, subnormals, out of range) and once folded into the
// WGS84 ranges, and checks what Validate accepts as FuzzPolygon does.
func FuzzPolygonCoordinates(f *testing.F) {
	seed := func(closed bool, pts ...float64) {
		b := make([]byte, 0, 8*len(pts))
		for _, v := range pts {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		f.Add(b, closed, false)
	}
	seed(true, 120.3101, 36.0812, 120.3135, 36.0812, 120.3135, 36.0839, 120.3101, 36.0839)
	seed(false, 120.3101, 36.0812, 120.3135, 36.0812, 120.3135, 36.0839, 120.3101, 36.0812)
	seed(true, 0, 0, 1, 1, 1, 0, 0, 1)
	seed(true, -180, -90, 180, -90, 180, 90)
	seed(true, math.NaN(), 0, 1, 0, 1, 1)
	seed(true, math.Inf(1), 0, 1, 0, 1, 1)
	seed(true, 5e-324, 0, 0, 5e-324, -5e-324, 0)
	seed(true, 359.5, 179.5, 361, 179.5, 361, 181)
	f.Fuzz(func(t *testing.T, raw []byte, closed, hole bool) {
		var ring, folded [][2]float64
		for i := 0; i+16 <= len(raw) && len(ring) < 50; i += 16 {
			lon := math.Float64frombits(binary.LittleEndian.Uint64(raw[i:]))
			lat := math.Float64frombits(binary.LittleEndian.Uint64(raw[i+8:]))
			ring = append(ring, [2]float64{lon, lat})
			folded = append(folded, [2]float64{math.Mod(lon, 180), math.Mod(lat, 90)})
		}
		for _, r := range [][][2]float64{ring, folded} {
			if closed && len(r) > 0 {
				r = append(r, r[0])
			}
			p := gt.Polygon{Type: "Polygon", Coordinates: [][][2]float64{r}}
			if hole {
				// The ring again as its own hole: Validate takes it only when its
				// vertices fall inside the exterior, and then no point is inside.
				p.Coordinates = append(p.Coordinates, r)
			}
			if checkPolygon(t, &p) && hole {
				for _, q := range r {
					if p.Contains(q[0], q[1]) {
						t.Fatalf("Contains(%v) = true, but the hole is the exterior ring %v", q, r)
					}
				}
			}
		}
	})
}

// FuzzPolygonStar builds a star-shaped polygon of up to 50 vertices around a fuzzed
// centre: vertices at distinct angles sorted counter-clockwise, every gap between
// neighbouring angles below 180 degrees. Such a ring is simple, so Validate must accept
// it, and Contains must hold for the centre and for points on the way to each vertex; an
// optional hole (the ring scaled by one half) must take them out again.
func FuzzPolygonStar(f *testing.F) {
	f.Add(120.3118, 36.0825, 0.002, []byte{0, 200, 64, 200, 128, 200, 192, 200}, false)
	f.Add(120.3118, 36.0825, 0.002, []byte{0, 200, 64, 200, 128, 200, 192, 200}, true)
	f.Add(-47.93, -15.78, 0.5, []byte{10, 16, 90, 255, 170, 40, 200, 100, 240, 30}, false)
	f.Add(179.9, 89.9, 1.0, []byte{0, 255, 86, 255, 172, 255}, true)
	f.Add(0.0, 0.0, 1e-300, []byte{0, 16, 1, 255, 127, 16, 128, 255, 129, 16}, false)
	f.Fuzz(func(t *testing.T, lon, lat, size float64, shape []byte, hole bool) {
		c := [2]float64{foldInto(lon, 170), foldInto(lat, 80)}
		scale := 0.01
		if s := math.Abs(size); s > 0 && !math.IsInf(s, 0) {
			scale = 1e-3 + math.Mod(s, 1)
		}
		type vertex struct{ angle, radius byte }
		var vs []vertex
		seen := map[byte]bool{}
		for i := 0; i+2 <= len(shape) && len(vs) < 50; i += 2 {
			if !seen[shape[i]] {
				seen[shape[i]] = true
				vs = append(vs, vertex{shape[i], shape[i+1]})
			}
		}
		if len(vs) < 3 {
			return
		}
		sort.Slice(vs, func(i, j int) bool { return vs[i].angle < vs[j].angle })
		for i := range vs {
			next := int(vs[(i+1)%len(vs)].angle)
			if i == len(vs)-1 {
				next += 256
			}
			if next-int(vs[i].angle) >= 128 {
				return // a gap of 180 degrees or more: not star-shaped around c
			}
		}
		var outer, inner [][2]float64
		for _, v := range vs {
			a := float64(v.angle) * 2 * math.Pi / 256
			r := scale * float64(16+int(v.radius)%240) / 255
			outer = append(outer, [2]float64{c[0] + r*math.Cos(a), c[1] + r*math.Sin(a)})
			inner = append(inner, [2]float64{c[0] + r/2*math.Cos(a), c[1] + r/2*math.Sin(a)})
		}
		p := gt.Polygon{Type: "Polygon", Coordinates: [][][2]float64{append(outer, outer[0])}}
		if hole {
			p.Coordinates = append(p.Coordinates, append(inner, inner[0]))
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("Validate(star polygon %v) = %v, want nil", p.Coordinates, err)
		}
		checkPolygon(t, &p)
		if got := p.Contains(c[0], c[1]); got != !hole {
			t.Fatalf("Contains(centre %v) = %v, want %v for %v", c, got, !hole, p.Coordinates)
		}
		for _, v := range outer {
			near := [2]float64{c[0] + (v[0]-c[0])/4, c[1] + (v[1]-c[1])/4}
			far := [2]float64{c[0] + (v[0]-c[0])*3/4, c[1] + (v[1]-c[1])*3/4}
			if got := p.Contains(near[0], near[1]); got != !hole {
				t.Fatalf("Contains(%v) = %v, want %v for %v", near, got, !hole, p.Coordinates)
			}
			if !p.Contains(far[0], far[1]) {
				t.Fatalf("Contains(%v) = false, want true for %v", far, p.Coordinates)
			}
		}
	})
}

// foldInto maps any float into [-limit, limit], NaN and infinities to 0.
func foldInto(v, limit float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return math.Mod(v, limit)
}

// checkPolygon validates p and, when Validate accepts it, checks the properties every
// valid polygon has. It reports whether p is valid.
func checkPolygon(t *testing.T, p *gt.Polygon) bool {
	t.Helper()
	err := p.Validate()
	if again := p.Validate(); fmt.Sprint(again) != fmt.Sprint(err) {
		t.Fatalf("Validate is not deterministic: %v, then %v", err, again)
	}
	if err != nil {
		if gt.ErrorCode(err) != gt.EINVALID || gt.ErrorField(err) == "" {
			t.Fatalf("Validate() = %v (code %q, field %q), want an EINVALID error with a field",
				err, gt.ErrorCode(err), gt.ErrorField(err))
		}
		var i, j int
		if _, e := fmt.Sscanf(gt.ErrorMessage(err), "ring crosses itself between edges %d and %d", &i, &j); e == nil {
			var r int
			fmt.Sscanf(gt.ErrorField(err), "coordinates[%d]", &r)
			ring := p.Coordinates[r]
			if i < 0 || j >= len(ring)-1 || j-i < 2 || (i == 0 && j == len(ring)-2) ||
				!segmentsTouch(ring[i], ring[i+1], ring[j], ring[j+1]) {
				t.Fatalf("Validate() = %v, but edges %d and %d of %v are adjacent or apart", err, i, j, ring)
			}
		}
		// Contains is defined on any polygon, valid or not.
		p.Contains(0, 0)
		if len(p.Coordinates) > 0 && len(p.Coordinates[0]) > 0 {
			p.Contains(p.Coordinates[0][0][0], p.Coordinates[0][0][1])
		}
		return false
	}
	if p.Type != "Polygon" || len(p.Coordinates) == 0 {
		t.Fatalf("Validate accepted type %q with %d rings", p.Type, len(p.Coordinates))
	}
	n := 0
	minLon, minLat, maxLon, maxLat := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for r, ring := range p.Coordinates {
		n += len(ring)
		if len(ring) < 4 {
			t.Fatalf("Validate accepted ring %d with %d positions: %v", r, len(ring), ring)
		}
		if ring[0] != ring[len(ring)-1] {
			t.Fatalf("Validate accepted open ring %d: first %v, last %v", r, ring[0], ring[len(ring)-1])
		}
		for i, pt := range ring {
			// Written so that NaN fails too.
			if !(pt[0] >= -180 && pt[0] <= 180 && pt[1] >= -90 && pt[1] <= 90) {
				t.Fatalf("Validate accepted position %d of ring %d: %v", i, r, pt)
			}
			if r == 0 {
				minLon, maxLon = math.Min(minLon, pt[0]), math.Max(maxLon, pt[0])
				minLat, maxLat = math.Min(minLat, pt[1]), math.Max(maxLat, pt[1])
			}
		}
	}
	if n > gt.MaxPolygonVertices {
		t.Fatalf("Validate accepted %d positions, more than %d", n, gt.MaxPolygonVertices)
	}
	for r, ring := range p.Coordinates {
		if i, j, ok := ringCrossing(ring); ok {
			t.Fatalf("Validate accepted ring %d whose edges %d and %d touch or cross: %v", r, i, j, ring)
		}
	}
	v := p.Coordinates[0][0]
	if a, b := p.Contains(v[0], v[1]), p.Contains(v[0], v[1]); a != b {
		t.Fatalf("Contains(first vertex %v) gave %v, then %v", v, a, b)
	}
	// A point a degree or more outside the bounding box of the exterior ring is outside,
	// whatever the rounding; lon 200 and lat 100 are outside any WGS84 polygon.
	midLon, midLat := (minLon+maxLon)/2, (minLat+maxLat)/2
	for _, q := range [][2]float64{
		{200, v[1]}, {-200, v[1]}, {v[0], 100}, {v[0], -100}, {200, 100}, {-200, -100},
		{minLon - 1, midLat}, {maxLon + 1, midLat}, {midLon, minLat - 1}, {midLon, maxLat + 1},
		{math.Inf(1), midLat}, {midLon, math.Inf(-1)},
	} {
		if p.Contains(q[0], q[1]) {
			t.Fatalf("Contains(%v) = true, outside the bounding box [%g, %g]-[%g, %g] of %v",
				q, minLon, minLat, maxLon, maxLat, p.Coordinates)
		}
	}
	return true
}

// ringCrossing compares every pair of non-adjacent edges of a closed ring: the slow and
// obvious oracle for the sweep in Polygon.Validate.
func ringCrossing(ring [][2]float64) (int, int, bool) {
	m := len(ring) - 1
	for i := 0; i < m; i++ {
		for j := i + 2; j < m; j++ {
			if !(i == 0 && j == m-1) && segmentsTouch(ring[i], ring[i+1], ring[j], ring[j+1]) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// segmentsTouch reports whether segments p1-p2 and p3-p4 cross or touch.
func segmentsTouch(p1, p2, p3, p4 [2]float64) bool {
	orient := func(a, b, c [2]float64) float64 { return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0]) }
	on := func(a, b, p [2]float64) bool {
		return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
			math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
	}
	d1, d2, d3, d4 := orient(p3, p4, p1), orient(p3, p4, p2), orient(p1, p2, p3), orient(p1, p2, p4)
	if (d1 > 0 && d2 < 0 || d1 < 0 && d2 > 0) && (d3 > 0 && d4 < 0 || d3 < 0 && d4 > 0) {
		return true
	}
	return d1 == 0 && on(p3, p4, p1) || d2 == 0 && on(p3, p4, p2) || d3 == 0 && on(p1, p2, p3) || d4 == 0 && on(p1, p2, p4)
}

// fuzzCurrencies are currencies with 2, 0 and 3 minor-unit digits.
var fuzzCurrencies = []string{"USD", "JPY", "KWD"}

// FuzzParseMoney checks ParseMoney on arbitrary strings in USD, JPY and KWD: it never
// panics; what it accepts has no more decimals than the currency, equals the decimal
// value of the input, and round-trips through Money.String; amounts with one decimal
// too many are refused. Every int64 amount must round-trip through String as well.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{
		"1234.50", "5000000.00", "-12.3", "+7", ".5", "5.", ".", "-", "", " 42 ", "1,000.00",
		"1e3", "0x10", "12.345", "12.3456", "9223372036854775807", "92233720368547758.07",
		"-92233720368547758.08", "9223372036854775.808", "00000000000000000000000000001.1", "--1", "-+1", "+-1", "١٢٣",
	} {
		for i := range fuzzCurrencies {
			f.Add(s, int64(123450), uint8(i))
		}
	}
	f.Add("0", int64(-1), uint8(0))
	f.Add("0", int64(math.MaxInt64), uint8(2))
	f.Fuzz(func(t *testing.T, s string, amount int64, which uint8) {
		cur := fuzzCurrencies[int(which)%len(fuzzCurrencies)]
		exp, _ := gt.CurrencyExponent(cur)

		m, err := gt.ParseMoney(s, cur)
		if err != nil {
			if gt.ErrorCode(err) != gt.EINVALID {
				t.Fatalf("ParseMoney(%q, %s) error %v has code %q, want %q", s, cur, err, gt.ErrorCode(err), gt.EINVALID)
			}
		} else {
			if m.Currency != cur {
				t.Fatalf("ParseMoney(%q, %s) = %+v, wrong currency", s, cur, m)
			}
			if _, frac, ok := strings.Cut(s, "."); ok && len(strings.TrimSpace(frac)) > exp {
				t.Fatalf("ParseMoney(%q, %s) = %+v, want an error: more than %d decimals", s, cur, m, exp)
			}
			// The decimal value of the input, read by math/big, in minor units.
			num := strings.TrimSpace(s)
			neg := strings.HasPrefix(num, "-")
			num = strings.TrimPrefix(strings.TrimPrefix(num, "-"), "+")
			want, ok := new(big.Rat).SetString(num)
			if !ok {
				t.Fatalf("ParseMoney(%q, %s) = %+v, but %q is not a decimal number", s, cur, m, num)
			}
			want.Mul(want, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil)))
			if neg {
				want.Neg(want)
			}
			if got := new(big.Rat).SetInt64(m.Amount); got.Cmp(want) != 0 {
				t.Fatalf("ParseMoney(%q, %s) = %d minor units, want %s", s, cur, m.Amount, want.RatString())
			}
			moneyRoundTrip(t, m)
		}

		moneyRoundTrip(t, gt.Money{Amount: amount, Currency: cur})
		digits := strconv.FormatInt(amount, 10)
		for _, extra := range []string{strings.Repeat("0", exp) + "1", strings.Repeat("0", exp+1)} {
			in := digits + "." + extra
			if m, err := gt.ParseMoney(in, cur); err == nil {
				t.Fatalf("ParseMoney(%q, %s) = %+v, want an error: %d decimals, %s has %d", in, cur, m, exp+1, cur, exp)
			}
		}
	})
}

// moneyRoundTrip checks that m.String() reads back as m: String is "<amount> <currency>"
// with exactly the currency's number of decimals, and ParseMoney takes the amount.
func moneyRoundTrip(t *testing.T, m gt.Money) {
	t.Helper()
	exp, _ := gt.CurrencyExponent(m.Currency)
	s := m.String()
	num, ok := strings.CutSuffix(s, " "+m.Currency)
	if !ok {
		t.Fatalf("%+v.String() = %q, want the currency %s at the end", m, s, m.Currency)
	}
	if _, frac, _ := strings.Cut(num, "."); len(frac) != exp {
		t.Fatalf("%+v.String() = %q, want %d decimals", m, s, exp)
	}
	back, err := gt.ParseMoney(num, m.Currency)
	if err != nil || back != m {
		t.Fatalf("ParseMoney(%q, %s) = %+v, %v; want %+v (from %+v.String() = %q)", num, m.Currency, back, err, m, m, s)
	}
}

// FuzzDuration checks Duration's JSON form: UnmarshalJSON never panics, refuses bare
// numbers, and what it accepts marshals to the Go duration string and reads back as the
// same value. Every int64 duration round-trips too.
func FuzzDuration(f *testing.F) {
	for _, s := range []string{
		`"72h"`, `"15m"`, `"1h30m"`, `"1.5h"`, `"-2562047h47m16.854775808s"`, `"2562047h47m16.854775807s"`,
		`"2562047h47m16.854775808s"`, `"0"`, `"0s"`, `"1µs"`, `"1us"`, `"300ms"`, `"-.5h"`, `"+1h"`,
		`"1h\u0020"`, `"\u0037\u0032h"`, `"1d"`, `""`, `"h"`, `3600`, `1e9`, `null`, `true`, `{}`, `["1h"]`,
	} {
		f.Add([]byte(s), int64(72*time.Hour))
	}
	f.Add([]byte(`"1ns"`), int64(math.MinInt64))
	f.Add([]byte(`"1ns"`), int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, data []byte, n int64) {
		var d gt.Duration
		err := d.UnmarshalJSON(data)
		var num float64
		if isNumber := json.Unmarshal(data, &num) == nil && string(bytes.TrimSpace(data)) != "null"; isNumber && err == nil {
			t.Fatalf("UnmarshalJSON(%s) = %v, want an error for a bare number", data, time.Duration(d))
		}
		if err == nil {
			durationRoundTrip(t, d)
		}
		durationRoundTrip(t, gt.Duration(n))
	})
}

func durationRoundTrip(t *testing.T, d gt.Duration) {
	t.Helper()
	b, err := d.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON(%v) = %v", time.Duration(d), err)
	}
	if want := strconv.Quote(time.Duration(d).String()); string(b) != want {
		t.Fatalf("MarshalJSON(%v) = %s, want %s", time.Duration(d), b, want)
	}
	var back gt.Duration
	if err := back.UnmarshalJSON(b); err != nil || back != d {
		t.Fatalf("UnmarshalJSON(%s) = %v, %v; want %v", b, time.Duration(back), err, time.Duration(d))
	}
}

// FuzzRecordsValidate decodes arbitrary JSON into Records and validates every record,
// normalizing loans and devices first as the engine does. Validate never panics, is
// deterministic, and fails only with an EINVALID error naming a field; a record it
// accepts encodes to JSON, decodes to the same JSON and still validates, since records
// travel as JSON in events, snapshots and the store.
func FuzzRecordsValidate(f *testing.F) {
	for _, s := range []string{
		`{"parties":[{"id":"borrower-1","name":"Dezheng Resources","roles":["borrower"],"country":"CN","related_parties":["custodian-1"]},` +
			`{"id":"custodian-1","name":"Qingdao Port Warehousing","roles":["custodian"],"country":"CN"}]}`,
		`{"sites":[{"id":"wh-1","name":"Dagang bonded warehouse","kind":"warehouse","custodian_id":"custodian-1",` +
			`"boundary":` + fuzzQingdaoWarehouse + `,"zones":[{"id":"bay-1","boundary":` + fuzzQingdaoWarehouse + `}],"throughput_per_hour":250000}]}`,
		`{"loans":[{"id":"loan-1","borrower_id":"borrower-1","product":"inventory","principal":{"amount":500000000,"currency":"USD"},` +
			`"interest_rate":0.065,"start_date":"2026-03-02T08:00:00Z","maturity_date":"2027-03-02T08:00:00Z"}]}`,
		`{"loans":[{"id":"loan-2","borrower_id":"borrower-1","product":"receivables","principal":{"amount":1000,"currency":"KWD"},` +
			`"outstanding":{"amount":900,"currency":"KWD"},"start_date":"2026-01-01T00:00:00+08:00","maturity_date":"2026-07-01T00:00:00+08:00",` +
			`"status":"overdue","days_past_due":12,"terms":{"warn_ltv":0.6,"margin_call_ltv":0.75,"liquidation_ltv":0.85,"cure_period":"48h"}}]}`,
		`{"collateral":[{"id":"lot-1","kind":"inventory_lot","allocations":[{"loan_id":"loan-1","share":1}],` +
			`"inventory":{"commodity":"copper","quantity":1200,"unit":"t","site_id":"wh-1","zone_id":"bay-1","receipt_no":"QD-2014-1","custodian_id":"custodian-1"}}]}`,
		`{"collateral":[{"id":"truck-1","kind":"vehicle","allocations":[{"loan_id":"loan-1","share":0.5},{"loan_id":"loan-2","share":0.5}],` +
			`"vehicle":{"vin":"1HGCM82633A004352","value":{"amount":4500000,"currency":"USD"},"year":2024,"home_geofence":` + fuzzQingdaoWarehouse + `,"depreciation_rate":0.15}}]}`,
		`{"collateral":[{"id":"herd-1","kind":"livestock_herd","allocations":[{"loan_id":"loan-1","share":1}],` +
			`"livestock":{"species":"cattle","head_count":3,"tag_ids":["t1","t2"],"pasture":` + fuzzQingdaoWarehouse + `,"price_per_head":{"amount":150000,"currency":"BRL"}}}]}`,
		`{"collateral":[{"id":"field-1","kind":"crop_field","allocations":[{"loan_id":"loan-1","share":1}],` +
			`"crop":{"field":` + fuzzQingdaoWarehouse + `,"crop":"maize","area_ha":12.5,"season":"2026","planting_by":"2026-04-01T00:00:00Z","harvest_from":"2026-09-01T00:00:00Z"}}]}`,
		`{"collateral":[{"id":"inv-1","kind":"receivable","allocations":[{"loan_id":"loan-1","share":1}],` +
			`"receivable":{"seller_id":"borrower-1","buyer_id":"debtor-1","invoice_number":"INV-7","invoice_date":"2026-02-01T00:00:00Z",` +
			`"due_date":"2026-05-01T00:00:00Z","amount":{"amount":990000,"currency":"EUR"},"bill_of_lading":"BL-1","vessel":"MV Qingdao"}}]}`,
		`{"devices":[{"id":"cell-1","kind":"load_cell","collateral_id":"lot-1","site_id":"wh-1","zone_id":"bay-1","interval":"1m",` +
			`"calibration":{"tare":12.5,"scale":0.98,"unit":"kg"},"public_key":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`,
		`{"releases":[{"id":"rel-1","collateral_id":"lot-1","direction":"out","quantity":50,"unit":"t","at":"2026-03-05T10:00:00Z","reference":"repayment 1"}]}`,
		`{"prices":[{"commodity":"copper","at":"2014-06-01T00:00:00Z","price":{"amount":682100,"currency":"USD"},"unit":"t","source":"worldbank"}]}`,
		`{"loans":[{"id":"loan-3","borrower_id":"b","product":"crop","principal":{"amount":1,"currency":"USD"},"start_date":"0001-01-01T00:00:00Z","maturity_date":"9999-12-31T23:59:59Z"}]}`,
		`{"loans":[{}],"devices":[{}],"parties":[{}],"sites":[{}],"collateral":[{}],"releases":[{}],"prices":[{}]}`,
		`{"loans":null}`, `{}`, `null`,
		`{"prices":[{"commodity":"fx.eur","at":"2026-03-02T00:00:00Z","price":{"amount":1083400,"currency":"USD"},"unit":"10000EUR"}]}`,
		`{"prices":[{"commodity":"fx.jpy","at":"2026-03-02T00:00:00Z","price":{"amount":671,"currency":"USD"},"unit":"1000JPY"}]}`,
		`{"loans":[{"id":"loan-4","borrower_id":"b","product":"inventory","principal":{"amount":1000000000000000,"currency":"USD"},"interest_rate":0.08,` +
			`"start_date":"2026-01-01T00:00:00Z","maturity_date":"2027-01-01T00:00:00Z","interest_paid_to":"2026-06-30T00:00:00Z","day_count":"act/365"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r gt.Records
		if err := json.Unmarshal(data, &r); err != nil {
			return
		}
		for i := range r.Parties {
			checkRecord(t, fmt.Sprintf("parties[%d]", i), &r.Parties[i], (*gt.Party).Validate, nil)
		}
		for i := range r.Sites {
			checkRecord(t, fmt.Sprintf("sites[%d]", i), &r.Sites[i], (*gt.Site).Validate, nil)
		}
		for i := range r.Loans {
			checkRecord(t, fmt.Sprintf("loans[%d]", i), &r.Loans[i], (*gt.Loan).Validate, (*gt.Loan).Normalize)
		}
		for i := range r.Collateral {
			checkRecord(t, fmt.Sprintf("collateral[%d]", i), &r.Collateral[i], (*gt.Collateral).Validate, nil)
		}
		for i := range r.Devices {
			checkRecord(t, fmt.Sprintf("devices[%d]", i), &r.Devices[i], (*gt.Device).Validate, (*gt.Device).Normalize)
		}
		for i := range r.Releases {
			checkRecord(t, fmt.Sprintf("releases[%d]", i), &r.Releases[i], (*gt.Release).Validate, nil)
		}
		for i := range r.Prices {
			checkRecord(t, fmt.Sprintf("prices[%d]", i), &r.Prices[i], (*gt.PriceTick).Validate, nil)
		}
	})
}

// checkRecord normalizes (when normalize is set) and validates one record; see
// FuzzRecordsValidate for the properties.
func checkRecord[T any](t *testing.T, name string, rec *T, validate func(*T) error, normalize func(*T)) {
	t.Helper()
	if normalize != nil {
		normalize(rec)
	}
	err := validate(rec)
	if again := validate(rec); fmt.Sprint(again) != fmt.Sprint(err) {
		t.Fatalf("%s: Validate is not deterministic: %v, then %v", name, err, again)
	}
	if err != nil {
		if gt.ErrorCode(err) != gt.EINVALID || gt.ErrorField(err) == "" {
			t.Fatalf("%s: Validate() = %v (code %q, field %q), want an EINVALID error with a field",
				name, err, gt.ErrorCode(err), gt.ErrorField(err))
		}
		return
	}
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatalf("%s validates but does not encode: %v (record %+v)", name, err, *rec)
	}
	var back T
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%s: Unmarshal(%s) = %v", name, b, err)
	}
	if normalize != nil {
		normalize(&back)
	}
	if err := validate(&back); err != nil {
		t.Fatalf("%s %s no longer validates after a JSON round trip: %v", name, b, err)
	}
	if b2, err := json.Marshal(&back); err != nil || !bytes.Equal(b, b2) {
		t.Fatalf("%s: JSON round trip changed %s into %s (%v)", name, b, b2, err)
	}
}

// FuzzPolicy decodes arbitrary JSON into a tenant's risk policy and validates it as the
// API and the engine do: Validate never panics and fails only with an EINVALID error at a
// field; an accepted policy round-trips through JSON and resolves over the defaults to
// finite parameters in their ranges.
func FuzzPolicy(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"require_signatures":true}`,
		`{"unsigned_trust_cap":0.6,"stale_factor":4,"blind_after":"6h","hysteresis":0.03,"disagreement_k":2.5,` +
			`"outflow_tolerance":0.05,"outflow_dwell":"30m","price_shock_k":5,` +
			`"haircut_floors":{"inventory_lot":0.2,"receivable":0.5},"liquidation_days":{"livestock_herd":30}}`,
		`{"unsigned_trust_cap":2}`, `{"blind_after":"1s"}`, `{"haircut_floors":{"spaceship":0.1}}`, `{"blind_after":3600}`,
		`{"liquidation_days":{"vehicle":1e308}}`, `{"hysteresis":-0}`,
		`{"crop":{"emergence":"720h","vegetated":0.5,"bare_soil":0.2,"stress_z":2,"early_by":"240h","max_cloud":0.3}}`,
		`{"crop":{"vegetated":0.3,"bare_soil":0.4}}`, `{"crop":{}}`, `{"crop":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p gt.Policy
		if err := json.Unmarshal(data, &p); err != nil {
			return
		}
		checkRecord(t, "policy", &p, (*gt.Policy).Validate, nil)
		if p.Validate() != nil {
			return
		}
		r := risk.TenantPolicy(&p)
		for _, v := range []float64{r.UnsignedTrustCap, r.StaleFactor, r.Hysteresis, r.DisagreementK, r.OutflowTolerance, r.PriceShockK} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				t.Fatalf("policy %s resolves to %+v", data, r)
			}
		}
		for _, k := range gt.CollateralKinds {
			if f := r.Floor(k); f < 0 || f > 1 {
				t.Fatalf("policy %s: floor of %s = %v", data, k, f)
			}
			if d := r.Days(k); d < 1 || d > 365 {
				t.Fatalf("policy %s: liquidation days of %s = %v", data, k, d)
			}
		}
	})
}

// FuzzLoanPDs: the body of POST /api/v1/loans/pd validates without panicking, fails only
// at a field, and what it accepts holds probabilities in (0, 1] for distinct loans.
func FuzzLoanPDs(f *testing.F) {
	for _, s := range []string{`{"items":[{"loan_id":"l1","pd":0.02,"pd_at_origination":0.01}]}`, `{"items":[]}`,
		`{"items":[{"loan_id":"l1","pd":0.5},{"loan_id":"l1","pd":0.5}]}`, `{"items":[{"loan_id":"","pd":1.5}]}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p gt.LoanPDs
		if err := json.Unmarshal(data, &p); err != nil {
			return
		}
		checkRecord(t, "pds", &p, (*gt.LoanPDs).Validate, nil)
		if p.Validate() != nil {
			return
		}
		seen := map[string]bool{}
		for _, it := range p.Items {
			if seen[it.LoanID] || !(it.PD > 0 && it.PD <= 1) {
				t.Fatalf("accepted %s", data)
			}
			seen[it.LoanID] = true
		}
	})
}
