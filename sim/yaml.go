package sim

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// FileError is a problem in a scenario file, at a line and a field.
type FileError struct {
	File  string
	Line  int    // 1-based; 0 when unknown
	Field string // the path of the field, such as tenants[0].devices[1].interval
	Msg   string
}

// Error reads "zoo.yaml:12: tenants[0].devices[1].interval: must be at least 1s".
func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// lines maps field paths to the line they start on.
type lines map[string]int

// at returns the line of path, or of its nearest parent that has one.
func (l lines) at(path string) int {
	for path != "" {
		if n, ok := l[path]; ok {
			return n
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return l[""]
}

// strict checks that every mapping key under n names a field of the Go type t (by its
// yaml tag), recording the line of each path it visits. It returns the first unknown key
// or misplaced node as a FileError without File.
func strict(n *yaml.Node, t reflect.Type, path string, ls lines) *FileError {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	ls[path] = n.Line
	if t == reflect.TypeOf(yaml.Node{}) {
		recordLines(n, path, ls)
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		if t == reflect.TypeOf(time.Time{}) {
			return nil
		}
		if n.Kind != yaml.MappingNode {
			return &FileError{Line: n.Line, Field: path, Msg: "must be a mapping"}
		}
		fields := map[string]reflect.Type{}
		var names []string
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			fields[name] = f.Type
			names = append(names, name)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				return &FileError{Line: k.Line, Field: join(path, k.Value), Msg: "unknown field; known: " + strings.Join(names, ", ")}
			}
			if err := strict(v, ft, join(path, k.Value), ls); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return nil
		}
		if t.Elem().Kind() == reflect.Float64 || t.Elem().Kind() == reflect.String {
			if err := n.Decode(reflect.New(t).Interface()); err != nil {
				fe := yamlError(err)
				fe.Field = path
				return fe
			}
		}
		if n.Kind != yaml.SequenceNode {
			return &FileError{Line: n.Line, Field: path, Msg: "must be a list"}
		}
		for i, c := range n.Content {
			if err := strict(c, t.Elem(), path+"["+strconv.Itoa(i)+"]", ls); err != nil {
				return err
			}
		}
	default: // a scalar: decode it alone, so that an error names its field
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			fe := yamlError(err)
			if fe.Line == 0 {
				fe.Line = n.Line
			}
			fe.Field = path
			return fe
		}
	}
	return nil
}

// recordLines records the line of every path under a free-form node.
func recordLines(n *yaml.Node, path string, ls lines) {
	ls[path] = n.Line
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			recordLines(n.Content[i+1], join(path, n.Content[i].Value), ls)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			recordLines(c, path+"["+strconv.Itoa(i)+"]", ls)
		}
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// yamlError turns a yaml.v3 error ("yaml: line 3: ...") into a FileError.
func yamlError(err error) *FileError {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	fe := &FileError{Msg: msg}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.IndexByte(rest, ':'); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				fe.Line, fe.Msg = n, strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return fe
}

// Span is a duration written as Go does ("90s", "15m", "2h30m") with days allowed in
// front ("3d", "1d12h"), and a sign for offsets ("-20d").
type Span time.Duration

// UnmarshalYAML reads a span.
func (s *Span) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: must be a duration such as 15m, not a list or mapping", n.Line)
	}
	d, err := parseSpan(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*s = Span(d)
	return nil
}

// MarshalYAML writes the span as ParseSpan reads it.
func (s Span) MarshalYAML() (any, error) { return s.String(), nil }

// String writes whole days as "3d" and the rest as Go does.
func (s Span) String() string {
	d := time.Duration(s)
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	days := d / (24 * time.Hour)
	rest := d - days*24*time.Hour
	switch {
	case days == 0:
		return sign + rest.String()
	case rest == 0:
		return sign + strconv.FormatInt(int64(days), 10) + "d"
	}
	return sign + strconv.FormatInt(int64(days), 10) + "d" + rest.String()
}

// Std returns the span as a time.Duration.
func (s Span) Std() time.Duration { return time.Duration(s) }

// maxSpan bounds a span: ten years, far from time.Duration's limit.
const maxSpan = 3650 * 24 * time.Hour

// parseSpan reads "[+-][Nd][go duration]".
func parseSpan(v string) (time.Duration, error) {
	s := strings.TrimSpace(v)
	bad := fmt.Errorf("%q is not a duration such as 90s, 15m, 2h30m, 3d or -20d", v)
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	if s == "" {
		return 0, bad
	}
	var d time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseUint(s[:i], 10, 16)
		if err != nil {
			return 0, bad
		}
		d, s = time.Duration(n)*24*time.Hour, s[i+1:]
	}
	if d > maxSpan {
		return 0, bad
	}
	if s != "" {
		g, err := time.ParseDuration(s)
		if err != nil || g < 0 || g > maxSpan || strings.ContainsAny(s, "+-") {
			return 0, bad
		}
		d += g
	}
	if d > maxSpan {
		return 0, bad
	}
	if neg {
		d = -d
	}
	return d, nil
}

// toJSONValue converts a free-form YAML node to a value encoding/json writes, replacing
// a time field written as an offset (a key named at or ending in _at or _date, whose
// value parses as a span) with the RFC 3339 time start + offset.
func toJSONValue(n *yaml.Node, path string, start time.Time) (any, error) {
	budget := maxRecordNodes
	return jsonValue(n, path, start, &budget)
}

// maxRecordNodes bounds the nodes a records body may expand to, aliases followed, so
// that a few nested aliases cannot make it explode.
const maxRecordNodes = 200_000

func jsonValue(n *yaml.Node, path string, start time.Time, budget *int) (any, error) {
	if *budget--; *budget < 0 {
		return nil, &FileError{Line: n.Line, Field: path, Msg: fmt.Sprintf("the records expand to more than %d values (aliases?)", maxRecordNodes)}
	}
	key := path
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		key = path[i+1:]
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			v, err := jsonValue(n.Content[i+1], join(path, k), start, budget)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return m, nil
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := jsonValue(c, path+"["+strconv.Itoa(i)+"]", start, budget)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	if strings.HasSuffix(key, "]") { // a list element: the time rule looks at the list's key
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			base := path[:i]
			key = base[strings.LastIndexByte(base, '.')+1:]
		}
	}
	if isTimeKey(key) && n.Tag == "!!str" {
		if d, err := parseSpan(n.Value); err == nil {
			return start.Add(d).Format(time.RFC3339), nil
		}
	}
	var v any
	if err := n.Decode(&v); err != nil {
		fe := yamlError(err)
		fe.Line, fe.Field = n.Line, path
		return nil, fe
	}
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, &FileError{Line: n.Line, Field: path, Msg: "must be a finite number"}
		}
	}
	return v, nil
}

func isTimeKey(k string) bool {
	return k == "at" || strings.HasSuffix(k, "_at") || strings.HasSuffix(k, "_date") ||
		slices.Contains([]string{"since", "until"}, k)
}

// MarshalJSON writes the span as a string ("25m0s", "3d").
func (s Span) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(s.String())), nil }

// UnmarshalJSON reads a span written as MarshalJSON writes it.
func (s *Span) UnmarshalJSON(b []byte) error {
	str, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("a span must be a string such as \"15m\": %s", b)
	}
	d, err := parseSpan(str)
	if err != nil {
		return err
	}
	*s = Span(d)
	return nil
}
