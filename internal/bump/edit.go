package bump

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// document is a TOML file as text, with the location of every string value: bump edits
// those tokens in place and leaves every other byte (comments, order, spacing) alone.
// BurntSushi/toml cannot write comments back, so the file is never re-encoded.
type document struct {
	text string
	// strs locates each string value by key path: "package.version",
	// "sources.lua.url", "package.patches[0].file", "image.cmd[1]".
	strs map[string]span
	// keys holds the line of every key and table header.
	keys map[string]int
}

// span is one string token.
type span struct {
	start, end int    // byte offsets, quotes included
	quote      string // `"`, `'`, `"""` or `'''`
	line       int
}

// parseDocument scans a document the TOML decoder has accepted. It is a scanner, not a
// validating parser; anything it does not expect is an error rather than a guess.
func parseDocument(text string) (*document, error) {
	s := &scanner{doc: text, line: 1, arrays: map[string]int{},
		d: &document{text: text, strs: map[string]span{}, keys: map[string]int{}}}
	if err := s.run(); err != nil {
		return nil, fmt.Errorf("line %d: %w", s.line, err)
	}
	return s.d, nil
}

type scanner struct {
	doc    string
	i      int
	line   int
	arrays map[string]int // array-of-tables path → current index
	d      *document
}

func (s *scanner) peek(p string) bool { return strings.HasPrefix(s.doc[s.i:], p) }
func (s *scanner) eof() bool          { return s.i >= len(s.doc) }

// space skips spaces and tabs.
func (s *scanner) space() {
	for !s.eof() && (s.doc[s.i] == ' ' || s.doc[s.i] == '\t') {
		s.i++
	}
}

// blank skips whitespace, newlines and comments.
func (s *scanner) blank() {
	for !s.eof() {
		switch s.doc[s.i] {
		case ' ', '\t', '\r':
			s.i++
		case '\n':
			s.line++
			s.i++
		case '#':
			for !s.eof() && s.doc[s.i] != '\n' {
				s.i++
			}
		default:
			return
		}
	}
}

// endOfLine accepts spaces, a comment and the newline (or the end) after a statement.
func (s *scanner) endOfLine() error {
	s.space()
	if !s.eof() && s.doc[s.i] == '#' {
		for !s.eof() && s.doc[s.i] != '\n' {
			s.i++
		}
	}
	if !s.eof() && s.doc[s.i] == '\r' {
		s.i++
	}
	if s.eof() {
		return nil
	}
	if s.doc[s.i] != '\n' {
		return fmt.Errorf("unexpected %q after a value", s.doc[s.i])
	}
	return nil
}

func (s *scanner) run() error {
	table := ""
	for {
		s.blank()
		if s.eof() {
			return nil
		}
		if s.doc[s.i] == '[' {
			double := s.peek("[[")
			s.i += map[bool]int{true: 2, false: 1}[double]
			parts, err := s.key()
			if err != nil {
				return err
			}
			s.space()
			closer := map[bool]string{true: "]]", false: "]"}[double]
			if !s.peek(closer) {
				return fmt.Errorf("table header not closed by %s", closer)
			}
			s.i += len(closer)
			if double {
				name := s.qualify(parts[:len(parts)-1])
				if name != "" {
					name += "."
				}
				name += parts[len(parts)-1]
				idx, seen := s.arrays[name]
				if seen {
					idx++
				}
				s.arrays[name] = idx
				table = name + "[" + strconv.Itoa(idx) + "]"
			} else {
				table = s.qualify(parts)
			}
			s.d.keys[table] = s.line
			if err := s.endOfLine(); err != nil {
				return err
			}
			continue
		}
		line := s.line
		parts, err := s.key()
		if err != nil {
			return err
		}
		path := strings.Join(parts, ".")
		if table != "" {
			path = table + "." + path
		}
		s.d.keys[path] = line
		if err := s.equals(); err != nil {
			return err
		}
		if err := s.value(path); err != nil {
			return err
		}
		if err := s.endOfLine(); err != nil {
			return err
		}
	}
}

func (s *scanner) equals() error {
	s.space()
	if s.eof() || s.doc[s.i] != '=' {
		return fmt.Errorf("expected = after a key")
	}
	s.i++
	s.space()
	return nil
}

// qualify turns header parts into a path, inserting the current index of each array of
// tables on the way ([[image.files]] then [image.files.x] → image.files[0].x).
func (s *scanner) qualify(parts []string) string {
	path := ""
	for _, p := range parts {
		if path != "" {
			path += "."
		}
		path += p
		if idx, ok := s.arrays[path]; ok {
			path += "[" + strconv.Itoa(idx) + "]"
		}
	}
	return path
}

// key reads a dotted key of bare and quoted parts.
func (s *scanner) key() ([]string, error) {
	var parts []string
	for {
		s.space()
		if s.eof() {
			return nil, fmt.Errorf("key expected")
		}
		switch c := s.doc[s.i]; {
		case c == '"' || c == '\'':
			start := s.i
			if err := s.quoted(string(c)); err != nil {
				return nil, err
			}
			raw := s.doc[start:s.i]
			if u, err := strconv.Unquote(raw); c == '"' && err == nil {
				raw = u
			} else {
				// A literal key, or an escape Go does not share with TOML: the text as
				// written still tells keys apart for what bump looks up.
				raw = raw[1 : len(raw)-1]
			}
			parts = append(parts, raw)
		case isBare(c):
			j := s.i
			for j < len(s.doc) && isBare(s.doc[j]) {
				j++
			}
			parts = append(parts, s.doc[s.i:j])
			s.i = j
		default:
			return nil, fmt.Errorf("key expected, found %q", c)
		}
		s.space()
		if !s.eof() && s.doc[s.i] == '.' {
			s.i++
			continue
		}
		return parts, nil
	}
}

func isBare(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// quoted skips a one-line string starting at s.i with quote q.
func (s *scanner) quoted(q string) error {
	s.i++
	for !s.eof() {
		c := s.doc[s.i]
		switch {
		case c == '\n':
			return fmt.Errorf("string not closed on its line")
		case q == `"` && c == '\\':
			s.i += 2
			continue
		case c == q[0]:
			s.i++
			return nil
		}
		s.i++
	}
	return fmt.Errorf("string not closed")
}

// multiline skips a multi-line string starting at s.i with delimiter q (""" or ”').
func (s *scanner) multiline(q string) error {
	s.i += 3
	for !s.eof() {
		c := s.doc[s.i]
		switch {
		case c == '\n':
			s.line++
		case q == `"""` && c == '\\':
			if s.i+1 < len(s.doc) && s.doc[s.i+1] == '\n' {
				s.line++
			}
			s.i += 2
			continue
		case s.peek(q):
			// Up to two more quotes may belong to the string: """" ends with one quote in it.
			n := 3
			for n < 5 && s.i+n < len(s.doc) && s.doc[s.i+n] == q[0] {
				n++
			}
			s.i += n
			return nil
		}
		s.i++
	}
	return fmt.Errorf("multi-line string not closed")
}

// value reads the value of path, recording it if it is a string.
func (s *scanner) value(path string) error {
	if s.eof() {
		return fmt.Errorf("value expected")
	}
	start, line := s.i, s.line
	record := func(q string) { s.d.strs[path] = span{start: start, end: s.i, quote: q, line: line} }
	switch {
	case s.peek(`"""`) || s.peek(`'''`):
		q := s.doc[s.i : s.i+3]
		if err := s.multiline(q); err != nil {
			return err
		}
		record(q)
	case s.doc[s.i] == '"' || s.doc[s.i] == '\'':
		q := s.doc[s.i : s.i+1]
		if err := s.quoted(q); err != nil {
			return err
		}
		record(q)
	case s.doc[s.i] == '[':
		s.i++
		for k := 0; ; k++ {
			s.blank()
			if s.eof() {
				return fmt.Errorf("array not closed")
			}
			if s.doc[s.i] == ']' {
				s.i++
				return nil
			}
			if err := s.value(path + "[" + strconv.Itoa(k) + "]"); err != nil {
				return err
			}
			s.blank()
			if !s.eof() && s.doc[s.i] == ',' {
				s.i++
			}
		}
	case s.doc[s.i] == '{':
		s.i++
		for {
			s.blank()
			if s.eof() {
				return fmt.Errorf("inline table not closed")
			}
			if s.doc[s.i] == '}' {
				s.i++
				return nil
			}
			parts, err := s.key()
			if err != nil {
				return err
			}
			sub := path + "." + strings.Join(parts, ".")
			s.d.keys[sub] = s.line
			if err := s.equals(); err != nil {
				return err
			}
			if err := s.value(sub); err != nil {
				return err
			}
			s.blank()
			if !s.eof() && s.doc[s.i] == ',' {
				s.i++
			}
		}
	default:
		// A number, boolean or date-time: up to a delimiter (a date-time may hold a space).
		for !s.eof() && !strings.ContainsRune(",]}\n#\r", rune(s.doc[s.i])) {
			s.i++
		}
		for s.i > start && (s.doc[s.i-1] == ' ' || s.doc[s.i-1] == '\t') {
			s.i--
		}
		if s.i == start {
			return fmt.Errorf("value expected")
		}
	}
	return nil
}

// edit sets the string value at key.
type edit struct{ key, value string }

// apply returns the text with each edited string token replaced, every other byte kept.
// A value keeps its quote style when it can (a literal string stays literal).
func (d *document) apply(edits []edit) (string, error) {
	type repl struct {
		sp  span
		new string
	}
	var rs []repl
	for _, e := range edits {
		sp, ok := d.strs[e.key]
		if !ok {
			return "", fmt.Errorf("%s is not a string value in the file", e.key)
		}
		rs = append(rs, repl{sp, encodeString(e.value, sp.quote)})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].sp.start > rs[j].sp.start })
	out := d.text
	for i, r := range rs {
		if i > 0 && r.sp.end > rs[i-1].sp.start {
			return "", fmt.Errorf("overlapping edits")
		}
		out = out[:r.sp.start] + r.new + out[r.sp.end:]
	}
	return out, nil
}

// encodeString writes v as a TOML string, literal ('…') when the original was and v
// allows it, else basic ("…"); one line either way.
func encodeString(v, quote string) string {
	if (quote == "'" || quote == "'''") && !strings.ContainsAny(v, "'\n\r") && !hasControl(v) {
		return "'" + v + "'"
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range v {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f || r == utf8.RuneError {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func hasControl(v string) bool {
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}
