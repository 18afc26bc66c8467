package rules

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	gt "groundtruth"
)

// FileError is one problem in a rule file: the line it is on and an EINVALID *gt.Error
// whose field is the path of the offending value, such as "rules[1].severity". It reads
// `line 7: rules[1].severity: must be info, warning or critical; got "high"`.
type FileError struct {
	Line int // 1-based; 0 when the YAML parser gives none
	Err  *gt.Error
}

// Error returns the line, the field and the message.
func (e *FileError) Error() string {
	if e.Line == 0 {
		return e.Err.Error()
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Err.Error())
}

// Unwrap returns the *gt.Error, so gt.ErrorCode and gt.ErrorField see it.
func (e *FileError) Unwrap() error { return e.Err }

func fileErrorf(line int, field, format string, args ...any) *FileError {
	return &FileError{Line: line, Err: gt.FieldErrorf(field, format, args...)}
}

// ruleFields are the keys a rule may have in a file.
var ruleFields = []string{"name", "expr", "for", "severity", "action", "summary", "disabled"}

// ParseFile decodes a rule file:
//
//	rules:
//	  - name: unauthorized_outflow
//	    expr: signal.active && signal.name == "unauthorized_outflow"
//	    for: 0s
//	    severity: critical
//	    action: request_inspection
//	    summary: "{{ signal.detail }}"
//
// It validates each rule's fields (gt.Rule.Validate) but does not compile expressions
// (see Check). Unknown keys and duplicate names are errors. All problems are returned,
// joined, each a *FileError naming the line and the field.
func ParseFile(data []byte) ([]gt.Rule, error) {
	parsed, errs := parseFile(data)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	rules := make([]gt.Rule, len(parsed))
	for i, p := range parsed {
		rules[i] = p.rule
	}
	return rules, nil
}

// Check parses a rule file and compiles every rule, returning the compiled rules when all
// are valid. Otherwise it returns every problem found, joined, each a *FileError naming
// the line and the field, and for CEL errors the line:column inside the expression or
// summary: `line 3: rules[0].expr: 1:5: undefined field 'ltvv'`.
func Check(data []byte) ([]*Compiled, error) {
	parsed, errs := parseFile(data)
	compiled := make([]*Compiled, 0, len(parsed))
	for _, p := range parsed {
		c, err := Compile(p.rule)
		if err != nil {
			errs = append(errs, lineError(err, p.path, p.lines))
			continue
		}
		compiled = append(compiled, c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return compiled, nil
}

// parsedRule is a rule read from a file, with its path ("rules[1]") and the line of each
// of its fields, keyed by field name ("" for the rule itself).
type parsedRule struct {
	rule  gt.Rule
	path  string
	lines map[string]int
}

// parseFile returns the valid rules of a file and the problems with the others.
func parseFile(data []byte) ([]parsedRule, []error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, []error{yamlError(err)}
	}
	if len(doc.Content) == 0 {
		return nil, nil // empty file: no rules
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, []error{fileErrorf(root.Line, "", "a rule file must be a mapping with the key rules")}
	}
	var seq *yaml.Node
	var errs []error
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch {
		case k.Value != "rules":
			errs = append(errs, fileErrorf(k.Line, k.Value, "unknown key; the only key is rules"))
		case seq != nil:
			errs = append(errs, fileErrorf(k.Line, k.Value, "appears twice"))
		default:
			seq = v
		}
	}
	switch {
	case seq == nil:
		return nil, append(errs, fileErrorf(root.Line, "rules", "is required"))
	case seq.Kind == yaml.ScalarNode && seq.Tag == "!!null":
		return nil, errs // "rules:" with nothing under it
	case seq.Kind != yaml.SequenceNode:
		return nil, append(errs, fileErrorf(seq.Line, "rules", "must be a list of rules"))
	}
	parsed := make([]parsedRule, 0, len(seq.Content))
	firstLine := map[string]int{}
	for i, n := range seq.Content {
		path := fmt.Sprintf("rules[%d]", i)
		r, lines, rerrs := parseRule(n, path)
		if len(rerrs) > 0 {
			errs = append(errs, rerrs...)
			continue
		}
		if first, dup := firstLine[r.Name]; dup {
			errs = append(errs, fileErrorf(lines["name"], path+".name", "duplicate name %q (first on line %d)", r.Name, first))
			continue
		}
		firstLine[r.Name] = lines["name"]
		parsed = append(parsed, parsedRule{rule: r, path: path, lines: lines})
	}
	return parsed, errs
}

// parseRule decodes one rule mapping and validates it.
func parseRule(n *yaml.Node, path string) (gt.Rule, map[string]int, []error) {
	var r gt.Rule
	lines := map[string]int{"": n.Line}
	if n.Kind != yaml.MappingNode {
		return r, lines, []error{fileErrorf(n.Line, path, "must be a mapping of name, expr, for, severity, action, summary and disabled")}
	}
	var errs []error
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := path + "." + k.Value
		if _, dup := lines[k.Value]; dup {
			errs = append(errs, fileErrorf(k.Line, field, "appears twice"))
			continue
		}
		lines[k.Value] = v.Line
		if v.Kind != yaml.ScalarNode {
			if isRuleField(k.Value) {
				errs = append(errs, fileErrorf(v.Line, field, "must be a single value"))
			} else {
				errs = append(errs, fileErrorf(k.Line, field, "unknown field; a rule has %s", strings.Join(ruleFields, ", ")))
			}
			continue
		}
		s := v.Value
		if v.Tag == "!!null" {
			s = ""
		}
		switch k.Value {
		case "name":
			r.Name = s
		case "expr":
			r.Expr = s
		case "severity":
			r.Severity = s
		case "action":
			r.Action = s
		case "summary":
			r.Summary = s
		case "for":
			d, err := parseFor(s)
			if err != nil {
				errs = append(errs, fileErrorf(v.Line, field, "%v", err))
			}
			r.For = gt.Duration(d)
		case "disabled":
			b, err := strconv.ParseBool(s)
			if err != nil || v.Tag != "!!bool" {
				errs = append(errs, fileErrorf(v.Line, field, "must be true or false; got %q", s))
			}
			r.Disabled = b
		default:
			errs = append(errs, fileErrorf(k.Line, field, "unknown field; a rule has %s", strings.Join(ruleFields, ", ")))
		}
	}
	if len(errs) > 0 {
		return r, lines, errs
	}
	if err := r.Validate(); err != nil {
		return r, lines, []error{lineError(err, path, lines)}
	}
	return r, lines, nil
}

func isRuleField(k string) bool {
	for _, f := range ruleFields {
		if f == k {
			return true
		}
	}
	return false
}

// lineError wraps a rule's *gt.Error as a *FileError on the line of its field (or of the
// rule, when the field is missing), with the field prefixed by the rule's path.
func lineError(err error, path string, lines map[string]int) error {
	var e *gt.Error
	if !errors.As(err, &e) {
		return err
	}
	field := path
	if e.Field != "" {
		field = path + "." + e.Field
	}
	line, ok := lines[e.Field]
	if !ok {
		line = lines[""]
	}
	return &FileError{Line: line, Err: &gt.Error{Code: e.Code, Field: field, Message: e.Message}}
}

// parseFor reads a `for` duration: a Go duration ("90s", "1h30m") optionally preceded by
// whole days ("2d", "1d12h").
func parseFor(s string) (time.Duration, error) {
	bad := fmt.Errorf("duration %q: use a number and unit such as \"5m\", \"72h\" or \"2d\"", s)
	rest := strings.TrimSpace(s)
	if rest == "" {
		return 0, nil
	}
	var days time.Duration
	if i := strings.IndexByte(rest, 'd'); i > 0 {
		n, err := strconv.ParseUint(rest[:i], 10, 16) // at most 65535 days: no overflow below
		if err != nil {
			return 0, bad
		}
		days, rest = time.Duration(n)*24*time.Hour, rest[i+1:]
		if rest == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(rest)
	if err != nil || (days > 0 && (d < 0 || d > math.MaxInt64-days)) {
		return 0, bad
	}
	return days + d, nil
}

// yamlError turns a YAML syntax error ("yaml: line 3: did not find expected key") into a
// *FileError.
func yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.IndexByte(rest, ':'); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				line, msg = n, strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return &FileError{Line: line, Err: gt.Errorf(gt.EINVALID, "invalid YAML: %s", msg)}
}
