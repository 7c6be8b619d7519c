package spec

import (
	"strconv"
	"strings"
)

// keyLines maps every key of a TOML document to the line it is set on, so semantic errors
// (found after decoding, when the decoder's positions are gone) can still name a line.
// Keys of arrays of tables carry their index: image.files[1].path. Keys inside inline tables
// and multi-line values resolve to the line of the key that opens them.
//
// It is a scanner, not a parser: it runs only on documents the TOML decoder has accepted.
func keyLines(doc string) map[string]int {
	lines := map[string]int{}
	arrays := map[string]int{} // array-of-tables path → current index
	table := ""
	line := 1
	i := 0
	n := len(doc)

	skipSpace := func() {
		for i < n && (doc[i] == ' ' || doc[i] == '\t') {
			i++
		}
	}
	toEOL := func() {
		for i < n && doc[i] != '\n' {
			i++
		}
	}
	// readKey reads a dotted key (bare or quoted parts) and returns its parts.
	readKey := func() []string {
		var parts []string
		for i < n {
			skipSpace()
			if i >= n {
				break
			}
			switch c := doc[i]; {
			case c == '"' || c == '\'':
				j := i + 1
				var b strings.Builder
				for j < n && doc[j] != c && doc[j] != '\n' {
					if c == '"' && doc[j] == '\\' && j+1 < n {
						b.WriteByte(doc[j])
						j++
					}
					b.WriteByte(doc[j])
					j++
				}
				raw := b.String()
				if c == '"' {
					if u, err := strconv.Unquote(`"` + raw + `"`); err == nil {
						raw = u
					}
				}
				parts = append(parts, raw)
				i = j + 1
			default:
				j := i
				for j < n && (isBare(doc[j])) {
					j++
				}
				parts = append(parts, doc[i:j])
				i = j
			}
			skipSpace()
			if i < n && doc[i] == '.' {
				i++
				continue
			}
			break
		}
		return parts
	}
	// skipValue skips a value, which may span lines (multi-line strings and arrays).
	skipValue := func() {
		depth := 0
		for i < n {
			c := doc[i]
			switch {
			case strings.HasPrefix(doc[i:], `"""`) || strings.HasPrefix(doc[i:], `'''`):
				q := doc[i : i+3]
				i += 3
				for i < n && !strings.HasPrefix(doc[i:], q) {
					if q == `"""` && doc[i] == '\\' {
						i++
					}
					if i < n && doc[i] == '\n' {
						line++
					}
					i++
				}
				i += 3
				for i < n && doc[i] == q[0] { // up to two quotes may close the string
					i++
				}
				continue
			case c == '"' || c == '\'':
				i++
				for i < n && doc[i] != c && doc[i] != '\n' {
					if c == '"' && doc[i] == '\\' {
						i++
					}
					i++
				}
			case c == '[' || c == '{':
				depth++
			case c == ']' || c == '}':
				depth--
			case c == '#':
				toEOL()
				continue
			case c == '\n':
				if depth <= 0 {
					return
				}
				line++
			}
			i++
		}
	}

	for i < n {
		skipSpace()
		if i >= n {
			break
		}
		switch doc[i] {
		case '\n':
			line++
			i++
			continue
		case '\r':
			i++
			continue
		case '#':
			toEOL()
			continue
		case '[':
			double := strings.HasPrefix(doc[i:], "[[")
			if double {
				i += 2
			} else {
				i++
			}
			parts := readKey()
			var name string
			if double && len(parts) > 0 {
				// The array itself is not indexed; the tables it is nested in are.
				name = qualify(parts[:len(parts)-1], arrays)
				if name != "" {
					name += "."
				}
				name += parts[len(parts)-1]
			} else {
				name = qualify(parts, arrays)
			}
			if double {
				idx, seen := arrays[name]
				if seen {
					idx++
				}
				arrays[name] = idx
				name = name + "[" + strconv.Itoa(idx) + "]"
			}
			table = name
			if _, ok := lines[table]; !ok {
				lines[table] = line
			}
			toEOL()
			continue
		}
		parts := readKey()
		key := strings.Join(parts, ".")
		if table != "" {
			key = table + "." + key
		}
		lines[key] = line
		skipSpace()
		if i < n && doc[i] == '=' {
			i++
		}
		skipValue()
	}
	return lines
}

// qualify turns a table header's parts into a path, inserting the current index of any
// array of tables it is nested in ([[image.files]] then [image.files.x] → image.files[0].x).
func qualify(parts []string, arrays map[string]int) string {
	path := ""
	for _, p := range parts {
		if path != "" {
			path += "."
		}
		path += p
		if idx, ok := arrays[path]; ok {
			path += "[" + strconv.Itoa(idx) + "]"
		}
	}
	return path
}

func isBare(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// lineOf returns the line of key, or of its nearest enclosing key that has one.
func lineOf(lines map[string]int, key string) int {
	for key != "" {
		if l, ok := lines[key]; ok {
			return l
		}
		cut := strings.LastIndexAny(key, ".[")
		if cut < 0 {
			return 0
		}
		key = key[:cut]
	}
	return 0
}
