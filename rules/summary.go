package rules

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	gt "groundtruth"
)

// part is one piece of a summary template: literal text, or a CEL expression to fill in.
type part struct {
	text string      // literal text when prog is nil, else the expression source
	prog cel.Program // nil for literal text
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
		parts = append(parts, part{text: strings.TrimSpace(src), prog: prog})
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
