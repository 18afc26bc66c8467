package crop

import (
	"math"
	"sort"
)

// Stats are the zonal statistics of one field in one scene. A pixel belongs to the field
// when its centre lies inside the field's polygon (holes excluded). NDVI figures are of
// the Clear pixels; quantiles are read from a histogram of 0.001-wide bins, so they are
// within 0.001 of the exact order statistic.
type Stats struct {
	Pixels int     `json:"pixels" doc:"Pixel centres inside the field."`
	Valid  int     `json:"valid" doc:"Clear pixels with a defined NDVI."`
	Cloud  int     `json:"cloud"`
	NoData int     `json:"nodata"`
	Mean   float64 `json:"mean"`
	Std    float64 `json:"std" doc:"Population standard deviation."`
	P10    float64 `json:"p10"`
	P50    float64 `json:"p50"`
	P90    float64 `json:"p90"`
}

// CloudFraction is the share of the field's observed pixels (Clear or Cloud) that are
// Cloud; 1 when none was observed.
func (s Stats) CloudFraction() float64 {
	if s.Valid+s.Cloud == 0 {
		return 1
	}
	return float64(s.Cloud) / float64(s.Valid+s.Cloud)
}

// bins is the number of histogram bins over [-1, 1].
const bins = 2000

// Accumulator gathers the pixels of one zone: counts, sums of NDVI and of its square,
// and a histogram for the quantiles. NDVI lies in [-1, 1], so float64 sums of even 10^9
// pixels keep the mean and the variance to about 1e-7. Its zero value is ready.
type Accumulator struct {
	valid, cloud, nodata int
	sum, sq              float64
	hist                 [bins]uint32
}

// Add adds one pixel of the zone with its class and, when Clear, its NDVI.
func (a *Accumulator) Add(v float32, class uint8) {
	switch class {
	case Cloud:
		a.cloud++
		return
	case NoData:
		a.nodata++
		return
	}
	x := float64(v)
	a.valid++
	a.sum += x
	a.sq += x * x
	b := int((x + 1) * (bins / 2))
	a.hist[min(max(b, 0), bins-1)]++
}

// Stats returns the zone's statistics.
func (a *Accumulator) Stats() Stats {
	s := Stats{Pixels: a.valid + a.cloud + a.nodata, Valid: a.valid, Cloud: a.cloud, NoData: a.nodata}
	if a.valid == 0 {
		return s
	}
	n := float64(a.valid)
	s.Mean = a.sum / n
	s.Std = math.Sqrt(math.Max(a.sq/n-s.Mean*s.Mean, 0))
	s.P10, s.P50, s.P90 = a.quantile(0.1), a.quantile(0.5), a.quantile(0.9)
	return s
}

// quantile returns the value below which a fraction q of the valid pixels lie: the
// nearest-rank order statistic, read as the centre of its histogram bin.
func (a *Accumulator) quantile(q float64) float64 {
	rank := int(math.Ceil(q * float64(a.valid)))
	rank = max(rank, 1)
	seen := 0
	for i, n := range a.hist {
		seen += int(n)
		if seen >= rank {
			return (float64(i)+0.5)/bins*2 - 1
		}
	}
	return 1
}

// Span is the pixels [Col0, Col1) of one row whose centres are inside a zone.
type Span struct {
	Row, Col0, Col1 int
}

// Zones accumulates the statistics of several zones block by block, so that a scene of
// any size is read with the memory of one block. Spans of each zone are sorted by row.
type Zones struct {
	spans [][]Span
	box   [][4]int // per zone: min row, max row (inclusive), min col, max col (exclusive)
	acc   []Accumulator
}

// NewZones prepares the zones given as spans (each zone's spans in any order).
func NewZones(zones [][]Span) *Zones {
	z := &Zones{spans: make([][]Span, len(zones)), box: make([][4]int, len(zones)), acc: make([]Accumulator, len(zones))}
	for i, sp := range zones {
		s := append([]Span(nil), sp...)
		sort.Slice(s, func(a, b int) bool { return s[a].Row < s[b].Row || s[a].Row == s[b].Row && s[a].Col0 < s[b].Col0 })
		z.spans[i] = s
		b := [4]int{math.MaxInt, math.MinInt, math.MaxInt, math.MinInt}
		for _, p := range s {
			b[0], b[1] = min(b[0], p.Row), max(b[1], p.Row)
			b[2], b[3] = min(b[2], p.Col0), max(b[3], p.Col1)
		}
		z.box[i] = b
	}
	return z
}

// AddBlock adds a block of w x h pixels whose top-left pixel is (x0, y0): its NDVI and
// classes, row-major.
func (z *Zones) AddBlock(x0, y0, w, h int, ndvi []float32, class []uint8) {
	for i, spans := range z.spans {
		b := z.box[i]
		if b[1] < y0 || b[0] >= y0+h || b[3] <= x0 || b[2] >= x0+w {
			continue
		}
		acc := &z.acc[i]
		// The first span at or after row y0.
		k := sort.Search(len(spans), func(j int) bool { return spans[j].Row >= y0 })
		for ; k < len(spans) && spans[k].Row < y0+h; k++ {
			sp := spans[k]
			c0, c1 := max(sp.Col0, x0), min(sp.Col1, x0+w)
			if c0 >= c1 {
				continue
			}
			base := (sp.Row-y0)*w - x0
			vs, cs := ndvi[base+c0:base+c1], class[base+c0:base+c1]
			// The hot loop, inlined: counts, sums and the histogram.
			valid, sum, sq := 0, 0.0, 0.0
			for j, cl := range cs {
				switch cl {
				case Clear:
					x := float64(vs[j])
					valid++
					sum += x
					sq += x * x
					b := int((x + 1) * (bins / 2))
					acc.hist[min(max(b, 0), bins-1)]++
				case Cloud:
					acc.cloud++
				default:
					acc.nodata++
				}
			}
			acc.valid += valid
			acc.sum += sum
			acc.sq += sq
		}
	}
}

// Stats returns the statistics of each zone, in the order given.
func (z *Zones) Stats() []Stats {
	out := make([]Stats, len(z.acc))
	for i := range z.acc {
		out[i] = z.acc[i].Stats()
	}
	return out
}
