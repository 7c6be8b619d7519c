package termsafe

import "testing"

func TestEscape(t *testing.T) {
	for _, c := range []struct{ in, str, line string }{
		{"plain text", "plain text", "plain text"},
		{"a\nb\tc", "a\nb\tc", `a\nb\tc`},
		{"\x1b[31mred", `\x1b[31mred`, `\x1b[31mred`},
		{"nul\x00", `nul\x00`, `nul\x00`},
		{"cr\r", `cr\r`, `cr\r`},
		{"c1\u009b", `c1\u009b`, `c1\u009b`},
		{"bad\xffutf8", `bad\xffutf8`, `bad\xffutf8`},
		{"bidi\u202e", `bidi\u202e`, `bidi\u202e`},
		{"ünïcode ✓", "ünïcode ✓", "ünïcode ✓"},
	} {
		if got := String(c.in); got != c.str {
			t.Errorf("String(%q) = %q, want %q", c.in, got, c.str)
		}
		if got := Line(c.in); got != c.line {
			t.Errorf("Line(%q) = %q, want %q", c.in, got, c.line)
		}
	}
}
