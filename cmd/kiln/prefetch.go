package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func prefetchCommand() *cli.Command {
	return &cli.Command{
		Name:      "prefetch",
		Usage:     "seed the Nix store with everything SPEC's build fetches, so a plain `nix build` of its flake runs offline",
		ArgsUsage: "[SPEC]",
		Description: `Adds to the Nix store every source tarball of the spec, the pinned toolchain's Debian
packages and its bootstrap busybox (which Nix cannot unpack from its .deb by itself), each
checked against its pinned sha256. Files come from --mirror DIR (matched by name, then by
sha256); what the mirror lacks is downloaded from its pinned URL. Prints the store paths.`,
		Flags: []cli.Flag{
			toolchainFlag,
			mirrorFlag,
			storeFlag,
		},
		Action: runPrefetch,
	}
}

func runPrefetch(c *cli.Context) error {
	s, err := loadSpec(c)
	if err != nil {
		return err
	}
	paths, err := newPipeline(c).Prefetch(c.Context, s)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(c.App.Writer, p)
	}
	return nil
}
