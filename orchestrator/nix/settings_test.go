package nix

import (
	"strings"
	"testing"
)

// TestSettingsOwnTheSandbox: with the sandbox on, kiln's settings leave nothing to the
// distribution's defaults: sandbox-paths is emptied (Debian 13's Nix 2.26 puts
// /bin/sh=/usr/bin/bash-static there, which breaks or, worse, writes through the host
// toolchain's /bin) and Nix may not quietly build without a sandbox.
func TestSettingsOwnTheSandbox(t *testing.T) {
	conf := Settings{Sandbox: true}.String()
	lines := strings.Split(conf, "\n")
	index := func(l string) int {
		for i, x := range lines {
			if x == l {
				return i
			}
		}
		t.Fatalf("no line %q in\n%s", l, conf)
		return -1
	}
	index("sandbox-paths = ")
	index("extra-sandbox-paths = ")
	index("sandbox = true")
	index("sandbox-fallback = false")
}
