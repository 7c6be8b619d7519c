package bump

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/kilnbuild/kiln/internal/tomlpos"
)

// edit sets the string value at key.
type edit struct{ key, value string }

// apply returns the text with each edited string token replaced and each dropped table's
// block cut out, every other byte kept. A value keeps its quote style when it can (a
// literal string stays literal).
func apply(d *tomlpos.Document, edits []edit, drops []string) (string, error) {
	type repl struct {
		start, end int
		new        string
	}
	var rs []repl
	for _, e := range edits {
		sp, ok := d.Strings[e.key]
		if !ok {
			return "", fmt.Errorf("%s is not a string value in the file", e.key)
		}
		rs = append(rs, repl{sp.Start, sp.End, encodeString(e.value, sp.Quote)})
	}
	// The cuts, merged where one table's block ends where the next one's starts or holds
	// it (a sub-table dropped with its table).
	type cut struct {
		start, end   int
		keepsComment bool // the array's comment above stays: the next table follows it
	}
	var cuts []cut
	for _, t := range drops {
		b, ok := d.Tables[t]
		if !ok {
			return "", fmt.Errorf("%s is not a table with its own header in the file", t)
		}
		c := cut{start: b.Start, end: b.End}
		// The comment above an array's first table speaks of the array as often as of that
		// table: it goes with the array's last table, not before.
		if array, first := strings.CutSuffix(t, "[0]"); first {
			for k := 1; ; k++ {
				next := fmt.Sprintf("%s[%d]", array, k)
				if _, ok := d.Tables[next]; !ok {
					break
				}
				if !slices.Contains(drops, next) {
					c = cut{start: b.Header, end: b.End, keepsComment: true}
					break
				}
			}
		}
		cuts = append(cuts, c)
	}
	sort.Slice(cuts, func(i, j int) bool { return cuts[i].start < cuts[j].start })
	for i := 0; i < len(cuts); i++ {
		c := cuts[i]
		for i+1 < len(cuts) && cuts[i+1].start <= c.end {
			c.end = max(c.end, cuts[i+1].end)
			i++
		}
		if !c.keepsComment {
			// A table's blank lines at its end separate it from the next: they stay.
			for c.end > c.start {
				last := strings.LastIndexByte(d.Text[c.start:c.end-1], '\n') + 1 + c.start
				if strings.TrimSpace(d.Text[last:c.end]) != "" {
					break
				}
				c.end = last
			}
		}
		rs = append(rs, repl{start: c.start, end: c.end})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].start > rs[j].start })
	out := d.Text
	for i, r := range rs {
		if i > 0 && r.end > rs[i-1].start {
			return "", fmt.Errorf("overlapping edits")
		}
		start, end := r.start, r.end
		// A cut between two blank lines leaves one.
		if r.new == "" && (start == 0 || strings.HasSuffix(out[:start], "\n\n")) && strings.HasPrefix(out[end:], "\n") {
			end++
		}
		out = out[:start] + r.new + out[end:]
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

// SetStrings returns text with the string value at each key (a dotted path, as
// tomlpos names it: "build.profile.sha256") replaced, every other byte kept. A key that is
// not a string value in text is an error.
func SetStrings(text string, values map[string]string) (string, error) {
	d, err := tomlpos.Scan(text)
	if err != nil {
		return "", err
	}
	var edits []edit
	for k, v := range values {
		edits = append(edits, edit{k, v})
	}
	return apply(d, edits, nil)
}
