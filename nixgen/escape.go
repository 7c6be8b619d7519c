// Package nixgen renders a validated spec into a self-contained Nix flake directory:
// flake.nix, spec.nix (the spec's values as a Nix attribute set) and kiln's recipe files.
package nixgen

import (
	"errors"
	"strings"
)

// ErrNUL is returned for a string holding a NUL byte, which no Nix string can carry.
var ErrNUL = errors.New("string holds a NUL byte, which Nix strings cannot carry")

// nixEscaper escapes everything with a meaning inside a double-quoted Nix string. Every `$`
// is escaped (not only `${`), so no neighbouring text can ever form an interpolation.
var nixEscaper = strings.NewReplacer(
	`\`, `\\`,
	`"`, `\"`,
	`$`, `\$`,
	"\n", `\n`,
	"\r", `\r`,
	"\t", `\t`,
)

// Quote returns s as a double-quoted Nix string literal that evaluates to exactly s. It is
// the only way a value from a spec enters generated Nix code.
func Quote(s string) (string, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return "", ErrNUL
	}
	return `"` + nixEscaper.Replace(s) + `"`, nil
}
