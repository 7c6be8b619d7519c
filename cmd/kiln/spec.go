package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/image"
	"github.com/kilnbuild/kiln/orchestrator/publish"
)

var toolchainFlag = &cli.StringFlag{
	Name:  "toolchain",
	Usage: "override the spec's build.toolchain: pinned (Debian 13's gcc, binutils and musl pinned by hash, relocated into the Nix store: pure, offline with --mirror) or nixpkgs (pinned nixpkgs' static musl toolchain; the spec's [nixpkgs] pin, else kiln's)",
}

// Flags several commands share.
var (
	mirrorFlag      = &cli.StringFlag{Name: "mirror", Usage: "seed the Nix store from source tarballs in `DIR`, matched by sha256 (air-gapped builds)"}
	jsonFlag        = &cli.BoolFlag{Name: "json", Usage: "print one JSON object on stdout"}
	compressionFlag = &cli.StringFlag{Name: "compression", Value: string(image.Gzip), Usage: "layer compression: gzip (docker-compatible) or zstd (smaller)"}
	insecureFlag    = &cli.BoolFlag{Name: "insecure", Usage: "talk plain HTTP to the registry (a registry on localhost)"}
	timeoutFlag     = &cli.DurationFlag{Name: "timeout", Value: publish.DefaultTimeout, Usage: "deadline for each network step of a registry request (connect, TLS, waiting for an answer)"}
	storeFlag       = &cli.StringFlag{Name: "store", Usage: "use the Nix store rooted at `DIR` (nix --store) instead of /nix/store"}
	allowFlag       = &cli.StringSliceFlag{Name: "allow-outside", Usage: "let the spec read files (image.files sources, patches) under `DIR` although it is outside the spec's directory (repeatable)"}
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
	s.AllowOutside(c.StringSlice("allow-outside")...)
	if err := s.Validate(); err != nil {
		return nil, err
	}
	for _, w := range s.MissingFixes() {
		fmt.Fprintln(c.App.ErrWriter, "kiln: warning:", w)
	}
	return s, nil
}

// specName names the spec in output: its file, or the embedded default.
func specName(file string) string {
	if file == "" {
		return "<default>"
	}
	return file
}

// overrideToolchain applies --toolchain to s (not validated).
func overrideToolchain(c *cli.Context, s *spec.Spec) error {
	if tc := c.String("toolchain"); tc != "" {
		t := spec.Toolchain(tc)
		if err := t.Check(); err != nil {
			return fmt.Errorf("--toolchain %w", err)
		}
		s.Build.Toolchain = t
		switch {
		case t != spec.ToolchainNixpkgs:
			s.Nixpkgs.URL = "" // unused by this toolchain
		case s.Nixpkgs.URL == "":
			s.Nixpkgs.URL = spec.DefaultNixpkgsURL
		}
	}
	return nil
}
