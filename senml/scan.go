package senml

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	gt "groundtruth"
)

// maxDepth bounds the nesting of the values of unknown fields that the scanner skips.
const maxDepth = 32

// scanner reads JSON from data without building a tree. It checks the grammar of RFC
// 8259 strictly: UTF-8 only, no control characters in strings, no lone surrogates, no
// leading zeros, nothing after the top-level value. rec and key name the record and the
// field being read, for the Field of errors.
type scanner struct {
	data []byte
	pos  int
	rec  int    // index of the record being read, or -1
	key  string // label of the field being read, or ""
}

// field returns the path of the field being read: "[3].v", "[3]", "mass" or "".
func (s *scanner) field() string {
	f := ""
	if s.rec >= 0 {
		f = "[" + strconv.Itoa(s.rec) + "]"
	}
	if s.key != "" {
		if f != "" {
			f += "."
		}
		f += s.key
	}
	return f
}

// fail returns an EINVALID error about the field being read.
func (s *scanner) fail(format string, args ...any) error {
	return &gt.Error{Code: gt.EINVALID, Field: s.field(), Message: fmt.Sprintf(format, args...)}
}

// syntax returns an error about malformed JSON at byte i; want says what was expected.
func (s *scanner) syntax(i int, want string) error {
	if i >= len(s.data) {
		return s.fail("invalid JSON: unexpected end of input, expected %s", want)
	}
	return s.fail("invalid JSON at byte %d: unexpected %s, expected %s", i, quoteByte(s.data[i]), want)
}

// quoteByte quotes one byte of input for a message.
func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// ws skips white space.
func (s *scanner) ws() {
	if s.pos < len(s.data) && s.data[s.pos] > ' ' {
		return // the common case: no white space
	}
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// consume skips c if it is the next byte and reports whether it was.
func (s *scanner) consume(c byte) bool {
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

// next returns the next byte, or 0 at the end of the input.
func (s *scanner) next() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

// describe names the JSON type of a value starting with c, for type errors.
func describe(c byte) string {
	switch c {
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "a number"
	}
	return "a value"
}

// str reads a string and returns its raw bytes between the quotes, and whether they hold
// escapes (then unescape gives the text).
func (s *scanner) str() ([]byte, bool, error) {
	d := s.data
	if s.pos >= len(d) || d[s.pos] != '"' {
		return nil, false, s.syntax(s.pos, "a string")
	}
	start := s.pos + 1
	esc := false
	for i := start; ; {
		for i < len(d) && plain[d[i]] { // the common bytes, one test each
			i++
		}
		if i >= len(d) {
			return nil, false, s.fail("invalid JSON: unterminated string starting at byte %d", start-1)
		}
		c := d[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				return nil, false, s.fail("invalid UTF-8 in string at byte %d", i)
			}
			i += size
			continue
		}
		switch {
		case c == '"':
			s.pos = i + 1
			return d[start:i], esc, nil
		case c == 0:
			return nil, false, s.fail("NUL character in string at byte %d", i)
		case c < 0x20:
			return nil, false, s.fail("invalid JSON at byte %d: control character in string", i)
		case c == '\\':
			esc = true
			n, err := s.escape(i)
			if err != nil {
				return nil, false, err
			}
			i += n
		default:
			i++
		}
	}
}

// plain marks the ASCII bytes that stand for themselves inside a JSON string.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// escape checks the escape sequence at d[i] (a backslash) and returns its length.
func (s *scanner) escape(i int) (int, error) {
	d := s.data
	if i+1 >= len(d) {
		return 0, s.fail("invalid JSON: unterminated string")
	}
	switch d[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, nil
	case 'u':
	default:
		return 0, s.fail("invalid JSON at byte %d: unknown escape \\%c", i, d[i+1])
	}
	r, ok := hex4(d[i+2:])
	switch {
	case !ok:
		return 0, s.fail("invalid JSON at byte %d: \\u needs four hex digits", i)
	case r == 0:
		return 0, s.fail("NUL character in string at byte %d", i)
	case r >= 0xdc00 && r <= 0xdfff:
		return 0, s.fail("invalid JSON at byte %d: lone low surrogate \\u%04x", i, r)
	case r < 0xd800 || r > 0xdbff:
		return 6, nil
	}
	if i+7 >= len(d) || d[i+6] != '\\' || d[i+7] != 'u' {
		return 0, s.fail("invalid JSON at byte %d: high surrogate \\u%04x without a low one", i, r)
	}
	if lo, ok := hex4(d[i+8:]); !ok || lo < 0xdc00 || lo > 0xdfff {
		return 0, s.fail("invalid JSON at byte %d: high surrogate \\u%04x without a low one", i, r)
	}
	return 12, nil
}

// hex4 parses four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// unescape returns the text of raw string bytes already checked by str.
func unescape(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, _ := hex4(raw[i+2:])
			if utf16.IsSurrogate(r) {
				lo, _ := hex4(raw[i+8:])
				r = utf16.DecodeRune(r, lo)
				i += 6
			}
			out = utf8.AppendRune(out, r)
			i += 6
			continue
		default: // '"', '\\', '/'
			out = append(out, raw[i+1])
		}
		i += 2
	}
	return out
}

// pow10 holds the powers of ten that are exact in a float64.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// num reads a number. Short numbers take an exact fast path (a mantissa below 2**53
// scaled by an exact power of ten is correctly rounded by one multiplication or
// division); others go to strconv. Numbers beyond the float64 range are an error.
func (s *scanner) num() (float64, error) {
	d := s.data
	start, i := s.pos, s.pos
	neg := i < len(d) && d[i] == '-'
	if neg {
		i++
	}
	var mant uint64
	exp, nd := 0, 0
	exact := true
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for ; i < len(d) && d[i] >= '0' && d[i] <= '9'; i++ {
			if nd < 19 {
				mant = mant*10 + uint64(d[i]-'0')
				nd++
			} else {
				exact = false
			}
		}
	default:
		return 0, s.syntax(i, "a digit")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return 0, s.syntax(i, "a digit after '.'")
		}
		for ; i < len(d) && d[i] >= '0' && d[i] <= '9'; i++ {
			if nd < 19 {
				mant = mant*10 + uint64(d[i]-'0')
				if mant != 0 {
					nd++ // leading zeros of a fraction are not significant
				}
				exp--
			} else if d[i] != '0' {
				exact = false
			}
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		esign := 1
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			if d[i] == '-' {
				esign = -1
			}
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return 0, s.syntax(i, "a digit in the exponent")
		}
		e := 0
		for ; i < len(d) && d[i] >= '0' && d[i] <= '9'; i++ {
			if e < 100000 {
				e = e*10 + int(d[i]-'0')
			}
		}
		exp += esign * e
	}
	s.pos = i
	if exact && mant < 1<<53 && exp >= -22 && exp <= 22 {
		f := float64(mant)
		if exp > 0 {
			f *= pow10[exp]
		} else if exp < 0 {
			f /= pow10[-exp]
		}
		if neg {
			f = -f
		}
		return f, nil
	}
	f, err := strconv.ParseFloat(string(d[start:i]), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, s.fail("number %.40s is out of range", d[start:i])
	}
	return f, nil
}

// literal reads true, false or null and returns its first byte.
func (s *scanner) literal() (byte, error) {
	for _, w := range [...]string{"true", "false", "null"} {
		if len(s.data)-s.pos >= len(w) && string(s.data[s.pos:s.pos+len(w)]) == w {
			s.pos += len(w)
			return w[0], nil
		}
	}
	return 0, s.syntax(s.pos, "a value")
}

// skip reads any JSON value and discards it, nesting at most maxDepth deep.
func (s *scanner) skip() error {
	var stack [maxDepth]byte // closing bracket of each open container
	depth := 0
	for {
		s.ws()
		switch c := s.next(); c {
		case '{', '[':
			if depth == maxDepth {
				return s.fail("value nested more than %d deep", maxDepth)
			}
			s.pos++
			s.ws()
			if c == '[' {
				stack[depth] = ']'
				depth++
				if !s.consume(']') {
					continue // read the first element
				}
				depth--
				break
			}
			stack[depth] = '}'
			depth++
			if s.consume('}') {
				depth--
				break
			}
			if err := s.member(); err != nil {
				return err
			}
			continue
		case '"':
			if _, _, err := s.str(); err != nil {
				return err
			}
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			if _, err := s.num(); err != nil {
				return err
			}
		default:
			if _, err := s.literal(); err != nil {
				return err
			}
		}
		// After a value: close containers or move on to the next element.
		for {
			if depth == 0 {
				return nil
			}
			s.ws()
			if s.consume(stack[depth-1]) {
				depth--
				continue
			}
			if !s.consume(',') {
				return s.syntax(s.pos, fmt.Sprintf("',' or %q", stack[depth-1]))
			}
			if stack[depth-1] == '}' {
				s.ws()
				if err := s.member(); err != nil {
					return err
				}
			}
			break
		}
	}
}

// member reads an object key and the colon after it.
func (s *scanner) member() error {
	if _, _, err := s.str(); err != nil {
		return err
	}
	s.ws()
	if !s.consume(':') {
		return s.syntax(s.pos, "':'")
	}
	return nil
}
