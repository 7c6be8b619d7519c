package bump

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/kilnbuild/kiln/internal/tomlpos"
)

// edit sets the string value at key.
type edit struct{ key, value string }

// apply returns the text with each edited string token replaced, every other byte kept.
// A value keeps its quote style when it can (a literal string stays literal).
func apply(d *tomlpos.Document, edits []edit) (string, error) {
	type repl struct {
		sp  tomlpos.Span
		new string
	}
	var rs []repl
	for _, e := range edits {
		sp, ok := d.Strings[e.key]
		if !ok {
			return "", fmt.Errorf("%s is not a string value in the file", e.key)
		}
		rs = append(rs, repl{sp, encodeString(e.value, sp.Quote)})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].sp.Start > rs[j].sp.Start })
	out := d.Text
	for i, r := range rs {
		if i > 0 && r.sp.End > rs[i-1].sp.Start {
			return "", fmt.Errorf("overlapping edits")
		}
		out = out[:r.sp.Start] + r.new + out[r.sp.End:]
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
	return apply(d, edits)
}
