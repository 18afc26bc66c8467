package csvimport

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	gt "groundtruth"
)

// layout describes the columns of one kind and how a row becomes a record.
type layout struct {
	columns  []string // every column accepted, in documentation order
	required []string // columns the header must have
	build    func(r *row)
}

// table checks the header against l and builds one record per data row.
func (p *parser) table(l layout) {
	known := map[string]bool{}
	for _, c := range l.columns {
		known[c] = true
	}
	for i, h := range p.raw {
		n := strings.ToLower(strings.TrimSpace(h))
		switch {
		case n == "":
			p.fail(p.headerLine, "", "column %d has no name; the columns are %s", i+1, strings.Join(l.columns, ","))
		case !known[n]:
			p.fail(p.headerLine, n, "unknown column %q; the columns are %s", h, strings.Join(l.columns, ","))
		}
	}
	for _, c := range l.required {
		if _, ok := p.idx[c]; !ok {
			p.fail(p.headerLine, c, "required column is missing from the header")
		}
	}
	if len(p.errs) > 0 {
		return
	}
	p.each(func(line int, cells []string) {
		if blank(cells) {
			return
		}
		l.build(&row{p: p, line: line, cells: cells})
	})
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// row is one data row being turned into a record. Cell errors are reported as they are
// found, at most one per column; a row with any error adds no record.
type row struct {
	p      *parser
	line   int
	cells  []string
	failed map[string]bool
}

// s returns the trimmed cell of a column, or "" when the column is absent.
func (r *row) s(col string) string {
	i, ok := r.p.idx[col]
	if !ok || i >= len(r.cells) {
		return ""
	}
	return strings.TrimSpace(r.cells[i])
}

func (r *row) bad() bool { return len(r.failed) > 0 }

// fail reports an error in a column of the row ("" for the whole row).
func (r *row) fail(col, format string, args ...any) {
	if r.failed == nil {
		r.failed = map[string]bool{}
	}
	if r.failed[col] {
		return
	}
	r.failed[col] = true
	r.p.fail(r.line, col, format, args...)
}

// list splits a cell at ';', trimming items and dropping empty ones.
func (r *row) list(col string) []string {
	var out []string
	for _, v := range strings.Split(r.s(col), ";") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// num parses a decimal number; an empty cell is 0.
func (r *row) num(col string) float64 {
	s := r.s(col)
	if s == "" {
		return 0
	}
	v, err := parseFloat(s)
	if err != nil {
		r.fail(col, "%v", err)
	}
	return v
}

func parseFloat(s string) (float64, error) {
	if strings.Contains(s, ",") {
		return 0, fmt.Errorf("%q is not a number: use '.' as the decimal separator and no thousands separator", s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, fmt.Errorf("%q is not a decimal number such as 12.5", s)
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a decimal number such as 12.5, or is out of range", s)
	}
	return v, nil
}

// integer parses a whole number; an empty cell is 0.
func (r *row) integer(col string) int {
	s := r.s(col)
	if s == "" {
		return 0
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		r.fail(col, "%q is not a whole number", s)
	}
	return v
}

// boolean parses true/false (also yes/no, 1/0); an empty cell is false.
func (r *row) boolean(col string) bool {
	switch s := strings.ToLower(r.s(col)); s {
	case "", "false", "no", "0":
		return false
	case "true", "yes", "1":
		return true
	default:
		r.fail(col, "%q is not true or false", r.s(col))
		return false
	}
}

// date parses YYYY-MM-DD (midnight UTC) or an RFC 3339 time; an empty cell is the zero time.
func (r *row) date(col string) time.Time {
	s := r.s(col)
	if s == "" {
		return time.Time{}
	}
	t, err := parseTime(s)
	if err != nil {
		r.fail(col, "%v", err)
	}
	return t
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date: use YYYY-MM-DD or RFC 3339 such as 2026-03-01T12:00:00Z", s)
	}
	return t.UTC(), nil
}

// duration parses a Go duration such as "72h"; an empty cell is 0.
func (r *row) duration(col string) gt.Duration {
	s := r.s(col)
	if s == "" {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		r.fail(col, "%q is not a duration: use a number and unit such as 72h, 15m or 30s", s)
	}
	return gt.Duration(d)
}

// polygon parses GeoJSON Polygon JSON; an empty cell is nil.
func (r *row) polygon(col string) *gt.Polygon {
	s := r.s(col)
	if s == "" {
		return nil
	}
	var raw struct {
		Type        string        `json:"type"`
		Coordinates [][][]float64 `json:"coordinates"`
	}
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		r.fail(col, "is not GeoJSON Polygon JSON such as {\"type\":\"Polygon\",\"coordinates\":[[[lon,lat],...]]}: %v", err)
		return nil
	}
	pg := &gt.Polygon{Type: raw.Type, Coordinates: make([][][2]float64, len(raw.Coordinates))}
	for i, ring := range raw.Coordinates {
		pg.Coordinates[i] = make([][2]float64, len(ring))
		for j, pos := range ring {
			if len(pos) != 2 && len(pos) != 3 {
				r.fail(col, "coordinates[%d][%d]: a position is [longitude, latitude], got %d numbers", i, j, len(pos))
				return nil
			}
			pg.Coordinates[i][j] = [2]float64{pos[0], pos[1]}
		}
	}
	return pg
}

// currency returns the upper-cased currency column and whether it is usable: known, or
// empty. An unknown code is reported.
func (r *row) currency() (string, bool) {
	c := strings.ToUpper(r.s("currency"))
	if c == "" {
		return "", true
	}
	if err := gt.ValidateCurrency(c); err != nil {
		r.fail("currency", "%s; use an ISO 4217 code such as USD, EUR, CNY", gt.ErrorMessage(err))
		return "", false
	}
	return c, true
}

// money parses a decimal amount in major units of cur; an empty cell is zero in cur.
// curOK is false when the currency column was already reported as bad.
func (r *row) money(col, cur string, curOK bool) gt.Money {
	s := r.s(col)
	if s == "" || !curOK {
		return gt.Money{Currency: cur}
	}
	if cur == "" {
		r.fail("currency", "is required with %s", col)
		return gt.Money{}
	}
	m, err := gt.ParseMoney(s, cur)
	if err != nil {
		r.fail(col, "%s; write the amount in major units with '.' as decimal separator, e.g. 1250.50", gt.ErrorMessage(err))
	}
	return m
}

// finish normalizes and validates a record built from the row, reports what fails with the
// column it came from, checks that its id is new in the file and adds it with add.
func finish[T any](r *row, rec *T, id string, add func(T)) {
	if r.bad() {
		return
	}
	if n, ok := any(rec).(interface{ Normalize() }); ok {
		n.Normalize()
	}
	if v, ok := any(rec).(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			f := gt.ErrorField(err)
			r.fail(column(r.p.b.Kind, f), "%s", message(f, err))
			return
		}
	}
	if id != "" && !r.p.unique(r.line, "id", fmt.Sprintf("id %q", id), id) {
		return
	}
	add(*rec)
	r.p.record(r.line, "")
}
