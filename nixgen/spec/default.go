package spec

import _ "embed"

// DefaultTOML is the embedded default spec: HAProxy 3.0.11, SLZ, no Lua/PCRE2/OpenSSL.
// `kiln init` writes it as a commented starting point.
//
//go:embed default.toml
var DefaultTOML []byte

// Default returns the embedded default spec, decoded.
func Default() *Spec {
	s, err := Parse(DefaultName, "", DefaultTOML)
	if err != nil {
		panic("embedded default spec: " + err.Error()) // a test guards this
	}
	return s
}
