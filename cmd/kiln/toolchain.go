package main

import (
	"fmt"

	"github.com/kilnbuild/kiln/nixgen/spec"
)

// overrideToolchain applies --toolchain to s. The nixpkgs toolchain needs a nixpkgs pin: a
// spec written for another toolchain has none, so it gets kiln's own default pin (the one
// `kiln init` writes); a spec's own [nixpkgs] pin is kept. The host toolchain uses none.
func overrideToolchain(s *spec.Spec, name string) error {
	t := spec.Toolchain(name)
	if !t.Valid() {
		return fmt.Errorf("--toolchain %q: must be nixpkgs or host", name)
	}
	s.Build.Toolchain = t
	switch t {
	case spec.ToolchainHost:
		s.Nixpkgs.URL = "" // unused by the host toolchain
	case spec.ToolchainNixpkgs:
		if s.Nixpkgs.URL == "" {
			s.Nixpkgs.URL = spec.Default().Nixpkgs.URL
		}
	}
	return nil
}
