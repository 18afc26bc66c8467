// Package csvimport parses CSV files of master data and prices into groundtruth.Records
// for the command "groundtruth import KIND FILE.csv". A file is imported all or nothing, so
// Parse reports every problem it finds (up to MaxErrors), each naming the CSV line and
// column, before anything is submitted. The formats are described in docs/import.md.
package csvimport

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	gt "groundtruth"
)

// Kinds lists the kinds accepted, in dependency order: import them in this order so that
// every reference names a record imported before.
var Kinds = []string{"parties", "sites", "loans", "collateral", "devices", "releases", "prices"}

// MaxRecords is the largest number of records one file may hold.
const MaxRecords = 100_000

// MaxErrors is the number of errors Parse collects before it stops reading.
const MaxErrors = 20

// Options configures the price layouts. Commodity, Unit and Currency describe the series
// of a two-column price file (Date,Price or Date,VALUE), where they are required. Source
// labels the ticks of price files without a source column; it defaults to the base name
// of the file when the reader has a Name method (as *os.File has), and for the World Bank
// Pink Sheet layout to "worldbank_pinksheet".
type Options struct {
	Commodity, Unit, Currency, Source string
}

// Batch is the parsed content of one file: records of one kind, with the CSV line each
// came from, so that errors the engine returns about a record can be located in the file.
type Batch struct {
	// Kind is the kind parsed, one of Kinds.
	Kind string
	// Records holds the records; only the slice of Kind is set.
	Records gt.Records
	// Skipped lists the columns of a Pink Sheet price file that were not imported
	// because they hold no money price (such as an index).
	Skipped []string

	lines []int    // CSV line of each record, in slice order
	cols  []string // for wide and two-column price files: the column of each tick's price
	atCol string   // for wide and two-column price files: the column of the time
}

// Len returns the number of records in the batch.
func (b *Batch) Len() int { return len(b.lines) }

// Parse reads a CSV file of the given kind (one of Kinds). Every record is normalized and
// validated. On failure it returns a nil batch and an error that is a *groundtruth.Error
// (Code EINVALID, or ETOOLARGE past MaxRecords) with Field "line N, column NAME" or
// "line N", or when there are several, their errors.Join; errors.As finds the first.
func Parse(kind string, r io.Reader, o Options) (*Batch, error) {
	k, ok := kinds[kind]
	if !ok {
		return nil, gt.FieldErrorf("kind", "unknown kind %q; use one of %s", kind, strings.Join(Kinds, ", "))
	}
	explicitSource := o.Source != ""
	if !explicitSource {
		if n, ok := r.(interface{ Name() string }); ok {
			o.Source = filepath.Base(n.Name())
		}
	}
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\uFEFF" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	p := &parser{
		b:              &Batch{Kind: kind},
		cr:             cr,
		o:              o,
		explicitSource: explicitSource,
		ids:            map[string]int{},
	}
	if p.readHeader() {
		if kind == "prices" {
			p.prices()
		} else {
			p.table(k)
		}
	}
	if len(p.errs) == 0 && p.b.Len() == 0 {
		p.fail(p.headerLine, "", "no records: the file has a header but no data rows with values")
	}
	switch len(p.errs) {
	case 0:
		return p.b, nil
	case 1:
		return nil, p.errs[0]
	}
	return nil, errors.Join(p.errs...)
}

// parser holds the state of one Parse call.
type parser struct {
	b              *Batch
	cr             *csv.Reader
	o              Options
	explicitSource bool

	raw        []string       // header cells as written
	names      []string       // column names used in errors, by index
	idx        map[string]int // column name -> index
	headerLine int
	ids        map[string]int // record key -> line, to find duplicates
	errs       []error
	stop       bool
}

// add records an error; past MaxErrors it notes that more may exist and stops the parse.
func (p *parser) add(e *gt.Error) {
	if p.stop {
		return
	}
	if len(p.errs) == MaxErrors {
		p.errs = append(p.errs, &gt.Error{Code: gt.EINVALID, Field: e.Field,
			Message: fmt.Sprintf("more errors follow; stopped after %d", MaxErrors)})
		p.stop = true
		return
	}
	p.errs = append(p.errs, e)
}

// fail records an EINVALID error at a line and, when col is not empty, a column.
func (p *parser) fail(line int, col, format string, args ...any) {
	p.add(&gt.Error{Code: gt.EINVALID, Field: lineField(line, col), Message: fmt.Sprintf(format, args...)})
}

func lineField(line int, col string) string {
	if col == "" {
		return fmt.Sprintf("line %d", line)
	}
	return fmt.Sprintf("line %d, column %s", line, col)
}

// readHeader reads the header row and indexes its columns by lower-case name; it reports
// whether there is one.
func (p *parser) readHeader() bool {
	rec, err := p.cr.Read()
	if err == io.EOF {
		p.fail(1, "", "the file is empty; expected a header row naming the columns")
		return false
	}
	if err != nil {
		p.csvError(err)
		return false
	}
	p.headerLine, _ = p.cr.FieldPos(0)
	if invalidUTF8(rec) >= 0 {
		p.fail(p.headerLine, "", "the header is not valid UTF-8 text; save the file as UTF-8 (in a spreadsheet: CSV UTF-8)")
		return false
	}
	p.raw = rec
	p.idx = make(map[string]int, len(rec))
	p.names = make([]string, len(rec))
	for i, h := range rec {
		n := strings.ToLower(strings.TrimSpace(h))
		p.names[i] = n
		if n == "" {
			continue
		}
		if _, dup := p.idx[n]; dup {
			p.fail(p.headerLine, n, "column appears twice in the header")
			continue
		}
		p.idx[n] = i
	}
	return !p.stop && len(p.errs) == 0
}

// csvError reports a syntax error of the CSV reader.
func (p *parser) csvError(err error) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		p.add(&gt.Error{Code: gt.EINVALID, Message: fmt.Sprintf("cannot read the CSV file: %v", err)})
		return
	}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote), errors.Is(pe.Err, csv.ErrQuote):
		p.fail(pe.Line, "", "%v at character %d; quote the whole cell and double every '\"' inside it", pe.Err, pe.Column)
	default:
		p.fail(pe.Line, "", "%v", pe.Err)
	}
}

// each calls fn for every data row, stopping at the first syntax error, past MaxErrors or
// past MaxRecords. Rows with the wrong number of fields are reported and skipped.
func (p *parser) each(fn func(line int, cells []string)) {
	for !p.stop {
		rec, err := p.cr.Read()
		if err == io.EOF {
			return
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			p.fail(pe.StartLine, "", "has %d fields, the header has %d; quote cells that contain ','", len(rec), len(p.raw))
			continue
		}
		if err != nil {
			p.csvError(err)
			return
		}
		line, _ := p.cr.FieldPos(0)
		if i := invalidUTF8(rec); i >= 0 {
			p.fail(line, p.names[i], "is not valid UTF-8 text; save the file as UTF-8 (in a spreadsheet: CSV UTF-8)")
			continue
		}
		fn(line, rec)
		if len(p.b.lines) > MaxRecords {
			p.errs = append(p.errs, &gt.Error{Code: gt.ETOOLARGE, Field: lineField(line, ""),
				Message: fmt.Sprintf("the file holds more than %d records; split it into smaller files", MaxRecords)})
			p.stop = true
		}
	}
}

// invalidUTF8 returns the index of the first cell that is not valid UTF-8, or -1.
func invalidUTF8(rec []string) int {
	for i, c := range rec {
		if !utf8.ValidString(c) {
			return i
		}
	}
	return -1
}

// record appends the location of a record just added to the batch.
func (p *parser) record(line int, col string) {
	p.b.lines = append(p.b.lines, line)
	if p.b.cols != nil || col != "" {
		for len(p.b.cols) < len(p.b.lines)-1 {
			p.b.cols = append(p.b.cols, "")
		}
		p.b.cols = append(p.b.cols, col)
	}
}

// unique reports whether key is new in the file, reporting a duplicate otherwise.
func (p *parser) unique(line int, col, what, key string) bool {
	if first, dup := p.ids[key]; dup {
		p.fail(line, col, "duplicate %s; also on line %d", what, first)
		return false
	}
	p.ids[key] = line
	return true
}
