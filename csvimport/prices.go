package csvimport

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	gt "groundtruth"
)

// PinkSheetSource is the source of ticks read from a World Bank Pink Sheet file.
const PinkSheetSource = "worldbank_pinksheet"

// pinkUnit says how a Pink Sheet unit becomes a tick: the tick's unit and the power of ten
// that turns the quoted figure into minor units of USD.
type pinkUnit struct {
	unit  string
	shift int
}

// pinkUnits maps the units of Pink Sheet column names to tick units. $/kg becomes $/t
// (x1000) so prices of a few cents a kilogram keep their precision; cents/sheet stays per
// sheet with the figure taken as cents.
var pinkUnits = map[string]pinkUnit{
	"$/mt":          {"t", 2},
	"$/kg":          {"t", 5},
	"$/bbl":         {"bbl", 2},
	"$/mmbtu":       {"mmbtu", 2},
	"$/dmtu":        {"dmtu", 2},
	"$/cubic meter": {"m3", 2},
	"$/troy oz":     {"troy_oz", 2},
	"cents/sheet":   {"sheet", 0},
}

// prices chooses the price layout from the header.
func (p *parser) prices() {
	first := strings.ToLower(strings.TrimSpace(p.raw[0]))
	switch {
	case first == "month":
		p.pinkSheet()
	case len(p.raw) == 2 && first == "date":
		p.twoColumn()
	default:
		p.table(kinds["prices"])
	}
}

// useRawNames names columns in errors as the header writes them ("Copper ($/mt)").
func (p *parser) useRawNames() {
	for i, h := range p.raw {
		p.names[i] = strings.TrimSpace(h)
	}
}

// series is one price column of a wide file.
type series struct {
	idx       int
	name      string
	commodity string
	pinkUnit
}

// pinkSheet reads the World Bank "Pink Sheet" monthly layout: month (YYYY-MM), then one
// column per series named like "Copper ($/mt)".
func (p *parser) pinkSheet() {
	p.useRawNames()
	p.b.atCol = p.names[0]
	source := PinkSheetSource
	if p.explicitSource {
		source = p.o.Source
	}
	var cols []series
	var unnamed []int
	byCommodity := map[string]string{}
	for i := 1; i < len(p.raw); i++ {
		name := strings.TrimSpace(p.raw[i])
		if name == "" {
			unnamed = append(unnamed, i)
			continue
		}
		base, unit, ok := splitUnit(name)
		if !ok || !(strings.HasPrefix(unit, "$/") || strings.HasPrefix(unit, "cents/")) {
			p.b.Skipped = append(p.b.Skipped, name)
			continue
		}
		pu, ok := pinkUnits[unit]
		if !ok {
			p.fail(p.headerLine, name, "unit %q is not known; known units are %s", unit, strings.Join(knownPinkUnits(), ", "))
			continue
		}
		key := slug(base)
		if key == "" || len(key) > 64 {
			p.fail(p.headerLine, name, "the column name gives no commodity key of 1 to 64 characters")
			continue
		}
		if other, dup := byCommodity[key]; dup {
			p.fail(p.headerLine, name, "gives commodity %q like column %s", key, other)
			continue
		}
		byCommodity[key] = name
		cols = append(cols, series{idx: i, name: name, commodity: key, pinkUnit: pu})
	}
	if len(p.errs) > 0 {
		return
	}
	p.b.cols = []string{}
	p.each(func(line int, cells []string) {
		if blank(cells) {
			return
		}
		m := strings.TrimSpace(cells[0])
		at, err := time.Parse("2006-01", m)
		if err != nil {
			p.fail(line, p.b.atCol, "%q is not a month: use YYYY-MM such as 2022-09", m)
			return
		}
		if !p.unique(line, p.b.atCol, "month "+m, "month\x00"+m) {
			return
		}
		for _, i := range unnamed {
			if v := strings.TrimSpace(cells[i]); v != "" {
				p.fail(line, "", "column %d has no name in the header but holds %q", i+1, v)
			}
		}
		for _, s := range cols {
			p.tick(line, cells[s.idx], s.name, gt.PriceTick{Commodity: s.commodity, At: at, Unit: s.unit, Source: source}, "USD", s.shift)
		}
	})
}

// twoColumn reads a single series as Date,Price (EIA) or Date,VALUE (FRED, where the
// second column may be named after the series); Options name the series.
func (p *parser) twoColumn() {
	p.useRawNames()
	dateCol, valueCol := p.names[0], p.names[1]
	p.b.atCol = dateCol
	o := p.o
	probe := gt.PriceTick{Commodity: o.Commodity, At: time.Unix(0, 0), Price: gt.Money{Amount: 1, Currency: o.Currency},
		Unit: o.Unit, Source: o.Source}
	for _, f := range []struct{ name, v string }{{"commodity", o.Commodity}, {"unit", o.Unit}, {"currency", o.Currency}} {
		if f.v == "" {
			p.add(gt.FieldErrorf(f.name, "is required for a two-column price file (%s,%s): give the commodity, unit and currency of the series", dateCol, valueCol))
		}
	}
	if len(p.errs) > 0 {
		return
	}
	if err := probe.Validate(); err != nil {
		p.add(gt.FieldErrorf(strings.TrimPrefix(gt.ErrorField(err), "price."), "%s (an option of a two-column price file)", gt.ErrorMessage(err)))
		return
	}
	exp, _ := gt.CurrencyExponent(o.Currency)
	p.b.cols = []string{}
	p.each(func(line int, cells []string) {
		if blank(cells) {
			return
		}
		at, err := parseTime(strings.TrimSpace(cells[0]))
		if err != nil {
			p.fail(line, dateCol, "%v", err)
			return
		}
		p.tick(line, cells[1], valueCol, gt.PriceTick{Commodity: o.Commodity, At: at, Unit: o.Unit, Source: o.Source}, o.Currency, exp)
	})
}

// tick adds the tick t priced by cell (in major units scaled by 10^shift, rounded half away
// from zero); an empty cell or a missing-value marker adds nothing.
func (p *parser) tick(line int, cell, col string, t gt.PriceTick, currency string, shift int) {
	cell = strings.TrimSpace(cell)
	if missing(cell) {
		return
	}
	v, err := roundScaled(cell, shift)
	if err != nil {
		p.fail(line, col, "%v", err)
		return
	}
	t.Price = gt.Money{Amount: v, Currency: currency}
	if err := t.Validate(); err != nil {
		f := gt.ErrorField(err)
		c := col
		if f == "at" {
			c = p.b.atCol
		}
		msg := gt.ErrorMessage(err)
		if f == "price.amount" {
			msg = fmt.Sprintf("price %s must be positive (after rounding to minor units)", cell)
		}
		p.fail(line, c, "%s", msg)
		return
	}
	if !p.unique(line, p.b.atCol, "price of "+t.Commodity+" at "+t.At.Format(time.RFC3339), tickKey(t)) {
		return
	}
	p.b.Records.Prices = append(p.b.Records.Prices, t)
	p.record(line, col)
}

// roundScaled returns the decimal s times 10^shift, rounded half away from zero, computed
// exactly on the digits.
func roundScaled(s string, shift int) (int64, error) {
	bad := fmt.Errorf("%q is not a decimal number such as 12.5 (use '.' as the decimal separator)", s)
	neg := strings.HasPrefix(s, "-")
	d := strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	whole, frac, _ := strings.Cut(d, ".")
	if whole == "" && frac == "" {
		return 0, bad
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, bad
		}
	}
	frac += strings.Repeat("0", max(0, shift-len(frac)))
	digits := strings.TrimLeft(whole+frac[:shift], "0")
	if digits == "" {
		digits = "0"
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	if rest := frac[shift:]; rest != "" && rest[0] >= '5' {
		v++
		if v < 0 {
			return 0, fmt.Errorf("%q is out of range", s)
		}
	}
	if neg {
		v = -v
	}
	return v, nil
}

// splitUnit splits "Copper ($/mt)" into "Copper" and "$/mt".
func splitUnit(name string) (base, unit string, ok bool) {
	if !strings.HasSuffix(name, ")") {
		return "", "", false
	}
	i := strings.LastIndex(name, "(")
	if i < 0 {
		return "", "", false
	}
	return strings.TrimSpace(name[:i]), strings.TrimSpace(name[i+1 : len(name)-1]), true
}

// slug turns a series name into a commodity key: lower case, runs of other characters
// become one '_' ("Crude oil, Brent" -> "crude_oil_brent", "Coal, South African **" ->
// "coal_south_african").
func slug(s string) string {
	var sb strings.Builder
	sep := false
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if sep && sb.Len() > 0 {
				sb.WriteByte('_')
			}
			sb.WriteRune(c)
			sep = false
		} else {
			sep = true
		}
	}
	return sb.String()
}

func knownPinkUnits() []string {
	var out []string
	for u := range pinkUnits {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// missing reports whether a cell of a published series holds no observation: empty, or a
// marker of a missing value ("NA", "N/A", "#N/A", or FRED's ".").
func missing(cell string) bool {
	switch strings.ToUpper(cell) {
	case "", "NA", "N/A", "#N/A", ".":
		return true
	}
	return false
}
