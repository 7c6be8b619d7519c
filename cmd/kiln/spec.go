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
	if tc := c.String("toolchain"); tc != "" {
		if err := overrideToolchain(s, tc); err != nil {
			return nil, err
		}
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}
