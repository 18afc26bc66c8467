package geo

import (
	"fmt"
	"iter"
	"math"
	"slices"
)

// GeoTransform is the affine map of a north-up raster from pixel to model coordinates:
// x = X0 + col·DX, y = Y0 + row·DY, where (col, row) = (0, 0) is the outer (top-left)
// corner of the first pixel, pixel (c, r) covers [c, c+1) × [r, r+1) and its centre is
// (c + 0.5, r + 0.5); DY is negative for a north-up raster. This is GDAL's geotransform
// (X0, DX, 0, Y0, 0, DY), and the GeoTIFF tie point of a PixelIsArea raster; for a
// PixelIsPoint raster move the tie point half a pixel up and left first.
type GeoTransform struct {
	X0, DX, Y0, DY float64
}

// Model returns the model coordinates of pixel coordinates (col, row).
func (g GeoTransform) Model(col, row float64) (x, y float64) {
	return g.X0 + col*g.DX, g.Y0 + row*g.DY
}

// Pixel returns the pixel coordinates of model coordinates (x, y), the inverse of Model.
func (g GeoTransform) Pixel(x, y float64) (col, row float64) {
	return (x - g.X0) / g.DX, (y - g.Y0) / g.DY
}

// ToPixels returns a copy of m (in model coordinates) in pixel coordinates, ready for
// Spans. It returns an error when DX or DY is zero or any value is not finite.
func (g GeoTransform) ToPixels(m MultiPolygon) (MultiPolygon, error) {
	if !finite(g.X0) || !finite(g.Y0) || !finite(g.DX) || !finite(g.DY) || g.DX == 0 || g.DY == 0 {
		return nil, fmt.Errorf("geotransform %+v is not invertible", g)
	}
	out := make(MultiPolygon, len(m))
	for p, poly := range m {
		out[p] = make(Polygon, len(poly))
		for r, ring := range poly {
			dst := make([][2]float64, len(ring))
			for i, pt := range ring {
				dst[i][0], dst[i][1] = g.Pixel(pt[0], pt[1])
			}
			out[p][r] = dst
		}
	}
	return out, nil
}

// Span is a run of pixels of one raster row, columns Col0 <= col < Col1.
type Span struct {
	Row, Col0, Col1 int
}

// Spans yields, row by row from the top and left to right within a row, the maximal runs
// of pixels of a cols × rows raster whose centres (col + 0.5, row + 0.5) lie inside m,
// given in pixel coordinates (see GeoTransform.ToPixels). A pixel is in exactly when
// PointInPolygon(m, col+0.5, row+0.5) is true, ties on edges included; parts of m outside
// the raster are clipped.
//
// It is a scanline fill: edges are sorted once by their first row, each row keeps the
// list of edges crossing it and sorts their crossings, so the work per row is
// proportional to the edges crossing it (times a log), never to the pixels; rows above,
// below and between the parts of m cost nothing. Positions with a NaN or infinite
// coordinate make their edges count for nothing, as in PointInPolygon.
func Spans(m MultiPolygon, cols, rows int) iter.Seq[Span] {
	return func(yield func(Span) bool) {
		if cols <= 0 || rows <= 0 {
			return
		}
		var edges []edge
		for _, poly := range m {
			for _, ring := range poly {
				n := len(ring)
				for i := range n {
					e, ok := newEdge(ring[i], ring[(i+1)%n])
					if !ok {
						continue
					}
					e.r0, e.r1 = firstCentre(e.y0, rows), firstCentre(e.y1, rows)
					if e.r0 < e.r1 {
						edges = append(edges, e)
					}
				}
			}
		}
		if len(edges) == 0 {
			return
		}
		slices.SortFunc(edges, func(a, b edge) int { return a.r0 - b.r0 })
		var (
			active []*edge
			xs     []float64
			next   int // first edge of edges not yet active
		)
		for row := edges[0].r0; row < rows; {
			for next < len(edges) && edges[next].r0 == row {
				active = append(active, &edges[next])
				next++
			}
			keep := active[:0]
			for _, e := range active {
				if e.r1 > row {
					keep = append(keep, e)
				}
			}
			active = keep
			if len(active) == 0 {
				if next == len(edges) {
					return
				}
				row = edges[next].r0
				continue
			}
			yc := float64(row) + 0.5
			xs = xs[:0]
			for _, e := range active {
				xs = append(xs, e.crossX(yc))
			}
			slices.Sort(xs)
			// Centres in [xs[2k], xs[2k+1]) have an odd number of crossings to their +x
			// side, so they are inside; adjacent runs are merged.
			open := false
			var cur Span
			for k := 0; k+1 < len(xs); k += 2 {
				c0, c1 := firstCentre(xs[k], cols), firstCentre(xs[k+1], cols)
				if c0 >= c1 {
					continue
				}
				if open && c0 == cur.Col1 {
					cur.Col1 = c1
					continue
				}
				if open && !yield(cur) {
					return
				}
				cur, open = Span{Row: row, Col0: c0, Col1: c1}, true
			}
			if open && !yield(cur) {
				return
			}
			row++
		}
	}
}

// firstCentre returns the smallest i in [0, n] with i + 0.5 >= v, or n when there is
// none: the first pixel whose centre is not below v. The comparisons are exact, so that
// Spans agrees with PointInPolygon at ties.
func firstCentre(v float64, n int) int {
	if !(v > 0.5) {
		return 0
	}
	if v > float64(n)-0.5 {
		return n
	}
	i := int(math.Ceil(v - 0.5))
	for i < n && float64(i)+0.5 < v {
		i++
	}
	for i > 0 && float64(i-1)+0.5 >= v {
		i--
	}
	return i
}
