package tomlpos

import (
	"errors"
	"strings"
	"testing"
)

func TestKeyLines(t *testing.T) {
	doc := "a = 1\n[t]\n\"q.k\" = 'x' # c\nm = \"\"\"\n[not]\n\"\"\"\narr = [\n 1,\n]\n[[t.l]]\nx = 1\n[[t.l]]\nx = {y = 2}\n"
	d, err := Scan(doc)
	if err != nil {
		t.Fatal(err)
	}
	got := d.Keys
	want := map[string]int{"a": 1, "t": 2, "t.q.k": 3, "t.m": 4, "t.arr": 7, "t.l[0]": 10, "t.l[0].x": 11, "t.l[1]": 12, "t.l[1].x": 13}
	for k, l := range want {
		if got[k] != l {
			t.Errorf("line of %s = %d, want %d (all: %v)", k, got[k], l, got)
		}
	}
	if _, ok := got["not"]; ok {
		t.Errorf("a table header inside a multi-line string was taken for a key")
	}
}

// A table's block runs from its header, or the comment lines directly above it, to the
// end of its last statement (its sub-tables' included) and the blank lines after it;
// comment lines after that are not its own, and a comment that is the tail of a
// multi-line string is not a comment line.
func TestTableBlocks(t *testing.T) {
	doc := "a = 1 # top\n" +
		"# about t\n" +
		"[t]\n" +
		"m = \"\"\"\n# inside the string\"\"\"\n" +
		"[[t.l]]\n" +
		"x = 1\n" +
		"\n" +
		"# about the second\n" +
		"  # indented, still a comment\n" +
		"[[t.l]] # trailing\n" +
		"x = 2\n" +
		"# a comment, then a blank line: not the next header's\n" +
		"\n" +
		"[u]\n" +
		"# between its keys: its own\n" +
		"a = 1 # trailing\n" +
		"[[p]]\n" +
		"[[p.s]]\n" +
		"[p.s.t]\n" +
		"[[p]]\n" +
		"k = 1\n" +
		"\n" +
		"# after the last table: not its own\n"
	d, err := Scan(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"t": "# about t\n[t]\nm = \"\"\"\n# inside the string\"\"\"\n[[t.l]]\nx = 1\n\n" +
			"# about the second\n  # indented, still a comment\n[[t.l]] # trailing\nx = 2\n",
		"t.l[0]": "[[t.l]]\nx = 1\n\n",
		"t.l[1]": "# about the second\n  # indented, still a comment\n[[t.l]] # trailing\nx = 2\n",
		"u":      "[u]\n# between its keys: its own\na = 1 # trailing\n",
		// [[p.s]] is a table of p's first element: it goes with that element, not the next.
		"p[0]":        "[[p]]\n[[p.s]]\n[p.s.t]\n",
		"p[0].s[0]":   "[[p.s]]\n[p.s.t]\n",
		"p[0].s[0].t": "[p.s.t]\n",
		"p[1]":        "[[p]]\nk = 1\n\n",
	}
	if len(d.Tables) != len(want) {
		t.Errorf("tables %v", d.Tables)
	}
	for k, w := range want {
		b, ok := d.Tables[k]
		if !ok {
			t.Errorf("no block for %s", k)
			continue
		}
		if got := doc[b.Start:b.End]; got != w {
			t.Errorf("block of %s = %q, want %q", k, got, w)
		}
		if h := doc[b.Header:]; h[0] != '[' && h[0] != ' ' {
			t.Errorf("header of %s at %q", k, h)
		}
	}
	if b := d.Tables["t.l[1]"]; doc[b.Header:b.Header+7] != "[[t.l]]" {
		t.Errorf("header of t.l[1] at %q", doc[b.Header:])
	}
}

// Quoted keys name what the TOML decoder names: its escapes, not Go's (\x80 is U+0080,
// not the byte 0x80; \e is ESC), and a literal key as written.
func TestQuotedKeys(t *testing.T) {
	doc := "\"\\x80\" = \"a\"\n\"\\e\\u00e9\\U0001F600\\\"\" = \"b\"\n'\\x80' = \"c\"\n[\"t\\tu\"]\nk = \"d\"\n"
	d, err := Scan(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"\u0080", "\x1bé😀\"", `\x80`, "t\tu.k"} {
		if _, ok := d.Strings[k]; !ok {
			t.Errorf("no string value at key %q (have %v)", k, d.Strings)
		}
	}
	if _, err := Scan("\"\\q\" = 1\n"); err == nil {
		t.Error("an escape TOML does not have was read as a key")
	}
}

// TestLimits: nesting and key parts up to the limits scan; one more is a *LimitError with
// its line, found without building a path per level.
func TestLimits(t *testing.T) {
	keyOf := func(n int) string { return strings.TrimSuffix(strings.Repeat("k.", n), ".") }
	nested := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	inline := func(n int) string { return strings.Repeat("{a=", n) + "1" + strings.Repeat("}", n) }
	for _, c := range []struct {
		name, doc string
		refused   bool
	}{
		{"key parts at the limit", keyOf(MaxKeyParts) + " = 1\n", false},
		{"key parts over", keyOf(MaxKeyParts+1) + " = 1\n", true},
		{"header parts over", "\n[" + keyOf(MaxKeyParts+1) + "]\n", true},
		{"arrays at the limit", "x = " + nested(MaxDepth) + "\n", false},
		{"arrays over", "x = " + nested(MaxDepth+1) + "\n", true},
		{"inline tables over", "x = " + inline(MaxDepth+1) + "\n", true},
		{"inline tables at the limit", "x = " + inline(MaxDepth) + "\n", false},
	} {
		_, err := Scan(c.doc)
		var le *LimitError
		switch {
		case !c.refused && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.refused && !errors.As(err, &le):
			t.Errorf("%s: %v, want a *LimitError", c.name, err)
		case c.refused && le.Line != strings.Count(c.doc[:strings.IndexAny(c.doc, "[{.")], "\n")+1:
			t.Errorf("%s: line %d", c.name, le.Line)
		}
	}
}
