package groundtruth

import (
	"fmt"
	"math"
	"sort"
)

// MaxPolygonVertices bounds the size of one polygon, holes included. Field and site
// boundaries have tens to hundreds of vertices; the bound keeps the worst case of the
// self-intersection check (which runs in the engine on every replay) small.
const MaxPolygonVertices = 4000

// Polygon is a GeoJSON Polygon (RFC 7946) in WGS84: the first ring is the exterior, the
// others are holes; positions are [longitude, latitude].
type Polygon struct {
	Type        string         `json:"type"`
	Coordinates [][][2]float64 `json:"coordinates"`
}

// Validate checks the polygon against RFC 7946: type "Polygon", rings closed with at
// least four positions, coordinates in range, a non-zero area, and no ring crossing itself.
// Errors name the ring and position (field "coordinates[0][3]").
func (p *Polygon) Validate() error {
	if p.Type != "Polygon" {
		return FieldErrorf("type", "must be \"Polygon\", got %q", p.Type)
	}
	if len(p.Coordinates) == 0 {
		return FieldErrorf("coordinates", "needs an exterior ring")
	}
	n := 0
	for r, ring := range p.Coordinates {
		field := fmt.Sprintf("coordinates[%d]", r)
		n += len(ring)
		if n > MaxPolygonVertices {
			return FieldErrorf("coordinates", "has more than %d positions", MaxPolygonVertices)
		}
		if len(ring) < 4 {
			return FieldErrorf(field, "a linear ring needs at least 4 positions, got %d", len(ring))
		}
		for i, pt := range ring {
			lon, lat := pt[0], pt[1]
			if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
				return FieldErrorf(fmt.Sprintf("%s[%d]", field, i),
					"position [%g, %g] is not a WGS84 [longitude, latitude]", lon, lat)
			}
		}
		if ring[0] != ring[len(ring)-1] {
			return FieldErrorf(field, "ring is not closed: first and last positions differ")
		}
		if math.Abs(ringArea(ring)) < 1e-14 {
			return FieldErrorf(field, "ring has no area")
		}
		if i, j, ok := selfIntersection(ring); ok {
			return FieldErrorf(field, "ring crosses itself between edges %d and %d", i, j)
		}
		if r > 0 {
			for i, pt := range ring[:len(ring)-1] {
				if !ringContains(p.Coordinates[0], pt[0], pt[1]) {
					return FieldErrorf(fmt.Sprintf("%s[%d]", field, i), "a hole must lie inside the exterior ring")
				}
			}
			if i, _, ok := ringsCross(ring, p.Coordinates[0]); ok {
				return FieldErrorf(field, "edge %d of the hole crosses the exterior ring", i)
			}
		}
	}
	return nil
}

// Centre is the mean of the exterior ring's vertices (the closing vertex, a repeat of
// the first, counted once), as a [lon, lat] point; ok is false for a polygon without one.
// Maps and simulations use it to place what is only known to be "at the site".
func (p *Polygon) Centre() (c [2]float64, ok bool) {
	if len(p.Coordinates) == 0 {
		return c, false
	}
	ring := p.Coordinates[0]
	n := len(ring) - 1
	if n < 1 {
		return c, false
	}
	for _, v := range ring[:n] {
		c[0] += v[0] / float64(n)
		c[1] += v[1] / float64(n)
	}
	return c, true
}

// Contains reports whether the point lies inside the exterior ring and outside every hole
// (even-odd rule; points on an edge may fall either way).
func (p *Polygon) Contains(lon, lat float64) bool {
	if len(p.Coordinates) == 0 || !ringContains(p.Coordinates[0], lon, lat) {
		return false
	}
	for _, hole := range p.Coordinates[1:] {
		if ringContains(hole, lon, lat) {
			return false
		}
	}
	return true
}

func ringContains(ring [][2]float64, x, y float64) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		xi, yi, xj, yj := ring[i][0], ring[i][1], ring[j][0], ring[j][1]
		if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
			in = !in
		}
	}
	return in
}

// ringArea returns the signed planar area of a closed ring in squared degrees.
func ringArea(ring [][2]float64) float64 {
	var a float64
	for i := 0; i+1 < len(ring); i++ {
		a += ring[i][0]*ring[i+1][1] - ring[i+1][0]*ring[i][1]
	}
	return a / 2
}

// selfIntersection finds two non-adjacent edges of a closed ring that touch or cross.
// Edges are swept in order of their smallest x, so each is compared only with the edges
// whose x-extent overlaps its own: close to linear for real boundaries, quadratic only
// for rings whose edges all overlap in x (bounded by MaxPolygonVertices).
func selfIntersection(ring [][2]float64) (int, int, bool) {
	m := len(ring) - 1 // number of edges
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	minX := func(e int) float64 { return math.Min(ring[e][0], ring[e+1][0]) }
	maxX := func(e int) float64 { return math.Max(ring[e][0], ring[e+1][0]) }
	sort.Slice(order, func(a, b int) bool { return minX(order[a]) < minX(order[b]) })
	var active []int
	for _, e := range order {
		x := minX(e)
		keep := active[:0]
		for _, a := range active {
			if maxX(a) >= x {
				keep = append(keep, a)
			}
		}
		active = keep
		for _, a := range active {
			i, j := min(a, e), max(a, e)
			if j-i == 1 || (i == 0 && j == m-1) {
				continue // adjacent edges share a vertex
			}
			if segmentsIntersect(ring[i], ring[i+1], ring[j], ring[j+1]) {
				return i, j, true
			}
		}
		active = append(active, e)
	}
	return 0, 0, false
}

// ringsCross finds an edge of ring a and an edge of ring b that touch or cross, with the
// same sweep as selfIntersection.
func ringsCross(a, b [][2]float64) (int, int, bool) {
	type edge struct {
		ring       int // 0 for a, 1 for b
		i          int
		p, q       [2]float64
		minX, maxX float64
	}
	var edges []edge
	for r, ring := range [][][2]float64{a, b} {
		for i := 0; i+1 < len(ring); i++ {
			p, q := ring[i], ring[i+1]
			edges = append(edges, edge{r, i, p, q, math.Min(p[0], q[0]), math.Max(p[0], q[0])})
		}
	}
	sort.Slice(edges, func(x, y int) bool { return edges[x].minX < edges[y].minX })
	var active []edge
	for _, e := range edges {
		keep := active[:0]
		for _, o := range active {
			if o.maxX >= e.minX {
				keep = append(keep, o)
			}
		}
		active = keep
		for _, o := range active {
			if o.ring != e.ring && segmentsIntersect(o.p, o.q, e.p, e.q) {
				if e.ring == 0 {
					return e.i, o.i, true
				}
				return o.i, e.i, true
			}
		}
		active = append(active, e)
	}
	return 0, 0, false
}

func segmentsIntersect(p1, p2, p3, p4 [2]float64) bool {
	d1 := orient(p3, p4, p1)
	d2 := orient(p3, p4, p2)
	d3 := orient(p1, p2, p3)
	d4 := orient(p1, p2, p4)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return d1 == 0 && onSegment(p3, p4, p1) || d2 == 0 && onSegment(p3, p4, p2) ||
		d3 == 0 && onSegment(p1, p2, p3) || d4 == 0 && onSegment(p1, p2, p4)
}

func orient(a, b, c [2]float64) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func onSegment(a, b, p [2]float64) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}
