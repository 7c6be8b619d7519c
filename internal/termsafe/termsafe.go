// Package termsafe escapes text that may carry names from an image, a spec or nix's log
// before kiln prints it, so such names cannot drive the user's terminal.
package termsafe

import (
	"strconv"
	"strings"
	"unicode"
)

// String escapes control characters other than newline and tab (C0, DEL, C1, other
// non-printing runes and invalid UTF-8) as Go escapes. Ordinary text is unchanged.
func String(s string) string { return escape(s, unsafeRune) }

// Line is String that also escapes newline, carriage return and tab: for text that must
// stay on one line, such as an error's key or message.
func Line(s string) string {
	return escape(s, func(r rune) bool { return r == '\n' || r == '\t' || unsafeRune(r) })
}

func escape(s string, unsafe func(rune) bool) string {
	if strings.IndexFunc(s, unsafe) < 0 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8RuneError && isInvalid(s[i:]):
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i]), 16))
		case unsafe(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

const utf8RuneError = unicode.ReplacementChar

// isInvalid reports whether s starts with a byte that is not valid UTF-8 (as opposed to
// an encoded U+FFFD).
func isInvalid(s string) bool { return !strings.HasPrefix(s, string(unicode.ReplacementChar)) }

func unsafeRune(r rune) bool {
	return r != '\n' && r != '\t' && (r == unicode.ReplacementChar || !unicode.IsPrint(r) && !unicode.IsSpace(r) || r < 0x20 || (r >= 0x7f && r <= 0x9f))
}
