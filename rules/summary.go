package rules

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	gt "groundtruth"
)

// part is one piece of a summary template: literal text, or a CEL expression to fill in.
type part struct {
	text  string      // literal text when prog is nil, else the expression source
	prog  cel.Program // nil for literal text
	field *fieldPart  // the expression when it only reads a variable's field, such as loan.id
	fixed *fixedPart  // the expression when it is "%.Nf".format([number])
}

// fixedPart is a "%.Nf".format([x]) part, the usual way to print a ratio: x is evaluated
// alone and printed as CEL's format prints it, without building the list and parsing the
// format string on every alert.
type fixedPart struct {
	x    cel.Program // the number
	prec int
}

// fixedFormat matches the source of a "%.Nf".format([x]) part; fixedPartOf confirms the
// shape on the syntax tree.
var fixedFormat = regexp.MustCompile(`^\s*(?:"%\.(\d)f"|'%\.(\d)f')\s*\.\s*format\s*\(\s*\[(.*)\]\s*\)\s*$`)

// fixedPartOf returns the fixedPart of an expression of the form "%.Nf".format([x]) where
// x is a double, int or uint, and nil for any other expression.
func fixedPartOf(env *cel.Env, e celast.Expr, src string) *fixedPart {
	m := fixedFormat.FindStringSubmatch(src)
	if m == nil || e.Kind() != celast.CallKind {
		return nil
	}
	call := e.AsCall()
	if call.FunctionName() != "format" || !call.IsMemberFunction() || call.Target().Kind() != celast.LiteralKind ||
		call.Target().AsLiteral() != types.String("%."+m[1]+m[2]+"f") ||
		len(call.Args()) != 1 || call.Args()[0].Kind() != celast.ListKind || call.Args()[0].AsList().Size() != 1 {
		return nil
	}
	ast, iss := env.Compile(m[3])
	if iss != nil && iss.Err() != nil {
		return nil
	}
	switch ast.OutputType() {
	case cel.DoubleType, cel.IntType, cel.UintType:
	default:
		return nil
	}
	prog, err := program(env, ast)
	if err != nil {
		return nil
	}
	prec, _ := strconv.Atoi(m[1] + m[2])
	return &fixedPart{x: prog, prec: prec}
}

// render prints the number as CEL's format does with %.Nf, or reports false when the
// number does not evaluate (the whole expression then renders the error).
func (f *fixedPart) render(act activation) (string, bool) {
	out, _, err := f.x.Eval(act)
	if err != nil {
		return "", false
	}
	var x float64
	switch v := out.(type) {
	case types.Double:
		x = float64(v)
	case types.Int:
		x = float64(v)
	case types.Uint:
		x = float64(v)
	default:
		return "", false
	}
	switch {
	case math.IsNaN(x):
		return "NaN", true
	case math.IsInf(x, 1):
		return "Infinity", true
	case math.IsInf(x, -1):
		return "-Infinity", true
	}
	return strconv.FormatFloat(x, 'f', f.prec, 64), true
}

// fieldPart reads one field of a variable, such as loan.id, as CEL would: most summary
// parts are such, and reading them without the CEL interpreter makes them far cheaper.
type fieldPart struct {
	v     int           // index of the variable's pointer in Vars
	zero  reflect.Value // the zero value standing in for a nil variable
	index int           // index of the field in the variable's struct
}

// varFields are the variables a fieldPart reads, by CEL name: the field of Vars holding
// them and their zero value.
var varFields = map[string]struct {
	field string
	zero  any
}{
	"loan": {"Loan", &zeroLoan}, "collateral": {"Collateral", &zeroCollateral}, "device": {"Device", &zeroDevice},
	"signal": {"Signal", &zeroSignal}, "price": {"Price", &zeroPrice}, "portfolio": {"Portfolio", &zeroPortfolio},
}

// fieldPartOf returns the fieldPart of an expression that selects a string, double, int
// or bool field of a variable, and nil for any other expression.
func fieldPartOf(e celast.Expr) *fieldPart {
	if e.Kind() != celast.SelectKind || e.AsSelect().IsTestOnly() || e.AsSelect().Operand().Kind() != celast.IdentKind {
		return nil
	}
	vf, ok := varFields[e.AsSelect().Operand().AsIdent()]
	if !ok {
		return nil
	}
	sf, ok := reflect.TypeFor[Vars]().FieldByName(vf.field)
	if !ok || len(sf.Index) != 1 {
		return nil
	}
	zero := reflect.ValueOf(vf.zero)
	st := zero.Type().Elem()
	for i := range st.NumField() {
		f := st.Field(i)
		if f.Tag.Get("cel") != e.AsSelect().FieldName() {
			continue
		}
		switch f.Type.Kind() {
		case reflect.String, reflect.Float64, reflect.Int64, reflect.Bool:
			return &fieldPart{v: sf.Index[0], zero: zero, index: i}
		}
		return nil
	}
	return nil
}

// render formats the field as format formats the CEL value of the expression.
func (f *fieldPart) render(v *Vars) string {
	p := reflect.ValueOf(v).Elem().Field(f.v)
	if p.IsNil() {
		p = f.zero
	}
	x := p.Elem().Field(f.index)
	switch x.Kind() {
	case reflect.String:
		return format(types.String(x.String()))
	case reflect.Float64:
		return format(types.Double(x.Float()))
	case reflect.Int64:
		return format(types.Int(x.Int()))
	}
	return format(types.Bool(x.Bool()))
}

// compileSummary splits a summary into literal text and {{ expression }} parts and
// compiles each expression. A part ends at the first "}}" after its "{{". Error
// positions are line:column in the summary.
func compileSummary(env *cel.Env, s string) ([]part, error) {
	var parts []part
	rest := s
	for rest != "" {
		i := strings.Index(rest, "{{")
		if i < 0 {
			parts = append(parts, part{text: rest})
			break
		}
		if i > 0 {
			parts = append(parts, part{text: rest[:i]})
		}
		start := len(s) - len(rest) + i + 2 // byte offset of the expression in s
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			return nil, gt.FieldErrorf("summary", "%s: {{ without a closing }}", position(s, start-2))
		}
		src := rest[i+2 : i+2+j]
		if strings.TrimSpace(src) == "" {
			return nil, gt.FieldErrorf("summary", "%s: empty {{ }}", position(s, start-2))
		}
		// Pad the expression with the summary before it, blanked, so that CEL reports
		// positions in the summary.
		ast, err := check(env, "summary", blank(s[:start])+src)
		if err != nil {
			return nil, err
		}
		prog, err := program(env, ast)
		if err != nil {
			return nil, gt.FieldErrorf("summary", "%v", err)
		}
		parts = append(parts, part{text: strings.TrimSpace(src), prog: prog, field: fieldPartOf(ast.NativeRep().Expr()),
			fixed: fixedPartOf(env, ast.NativeRep().Expr(), src)})
		rest = rest[i+2+j+2:]
	}
	return parts, nil
}

// blank returns as many spaces as s has characters, so that an expression padded with it
// is reported at its column in the summary (a summary is a single line).
func blank(s string) string {
	return strings.Repeat(" ", utf8.RuneCountInString(s))
}

// position returns the 1:column (columns in characters) of byte offset off in a summary.
func position(s string, off int) string {
	return fmt.Sprintf("1:%d", utf8.RuneCountInString(s[:off])+1)
}

// Summary renders the rule's summary for v, filling in each {{ expression }} part. A part
// that fails to evaluate renders as "<error: message>".
func (c *Compiled) Summary(v *Vars) string {
	if v == nil {
		v = &Vars{}
	}
	var b strings.Builder
	act := activation{v: v}
	for _, p := range c.summary {
		if p.prog == nil {
			b.WriteString(p.text)
			continue
		}
		if p.field != nil {
			b.WriteString(p.field.render(v))
			continue
		}
		if p.fixed != nil {
			if out, ok := p.fixed.render(act); ok {
				b.WriteString(out)
				continue
			}
		}
		out, _, err := p.prog.Eval(act)
		if err != nil {
			b.WriteString("<error: " + err.Error() + ">")
			continue
		}
		b.WriteString(format(out))
	}
	return b.String()
}

// format renders a CEL value for a person: strings as they are, doubles rounded to four
// decimals without trailing zeros, timestamps in RFC 3339 UTC, durations as Go durations.
func format(v ref.Val) string {
	switch x := v.(type) {
	case types.String:
		return string(x)
	case types.Double:
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) >= 1e15 {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
		return strconv.FormatFloat(math.Round(f*1e4)/1e4, 'f', -1, 64)
	case types.Int:
		return strconv.FormatInt(int64(x), 10)
	case types.Uint:
		return strconv.FormatUint(uint64(x), 10)
	case types.Bool:
		return strconv.FormatBool(bool(x))
	case types.Timestamp:
		return x.Time.UTC().Format(time.RFC3339)
	case types.Duration:
		return x.Duration.String()
	case types.Null:
		return "null"
	}
	return fmt.Sprint(v.Value())
}
