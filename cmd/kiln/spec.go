package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/nixgen/spec"
)

var toolchainFlag = &cli.StringFlag{
	Name:  "toolchain",
	Usage: "override the spec's build.toolchain: nixpkgs (pure, pinned nixpkgs) or host (this machine's gcc + musl-tools inside Nix's sandbox: works offline, but IMPURE — the result depends on the host compiler, and the image's labels say so)",
}

// Flags several commands share.
var (
	mirrorFlag = &cli.StringFlag{Name: "mirror", Usage: "seed the Nix store from source tarballs in `DIR`, matched by sha256 (air-gapped builds)"}
	jsonFlag   = &cli.BoolFlag{Name: "json", Usage: "print one JSON object on stdout"}
)

// loadSpec loads the spec named by the first argument, or the embedded default, applies
// command-line overrides and validates it. Nothing is written before this succeeds.
func loadSpec(c *cli.Context) (*spec.Spec, error) {
	if c.NArg() > 1 {
		return nil, fmt.Errorf("expected at most one SPEC argument, got %d", c.NArg())
	}
	var s *spec.Spec
	if path := c.Args().First(); path != "" {
		var err error
		if s, err = spec.Load(path); err != nil {
			return nil, err
		}
	} else {
		s = spec.Default()
	}
	if err := overrideToolchain(c, s); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// overrideToolchain applies --toolchain to s (not validated).
func overrideToolchain(c *cli.Context, s *spec.Spec) error {
	if tc := c.String("toolchain"); tc != "" {
		t := spec.Toolchain(tc)
		if !t.Valid() {
			return fmt.Errorf("--toolchain %q: must be nixpkgs or host", tc)
		}
		s.Build.Toolchain = t
		if t == spec.ToolchainHost {
			s.Nixpkgs.URL = "" // unused by the host toolchain
		}
	}
	return nil
}
