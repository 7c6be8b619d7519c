package main

import (
	"encoding/hex"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/nix"
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
			&cli.StringFlag{Name: "store", Usage: "use the Nix store rooted at `DIR` (nix --store) instead of /nix/store"},
		},
		Action: runPrefetch,
	}
}

func runPrefetch(c *cli.Context) error {
	s, err := loadSpec(c)
	if err != nil {
		return err
	}
	log := logger(c)
	n := nixFor(s, nix.Settings{})
	n.Log = progress(c)
	n.Store = c.String("store")
	ctx := c.Context
	srcs := orchestrator.Sources(s)
	debs, err := orchestrator.ToolchainSources(s)
	if err != nil {
		return err
	}
	srcs = append(srcs, debs...)
	// Only what is not in the store yet: a warm store costs one nix-store call.
	paths := make([]string, len(srcs))
	for i, src := range srcs {
		sum, err := hex.DecodeString(src.SHA256)
		if err != nil {
			return fmt.Errorf("prefetching %s: sha256 %q: %w", src.Name, src.SHA256, err)
		}
		paths[i] = orchestrator.FlatStorePath(src.Name, sum)
	}
	invalid, err := n.InvalidPaths(ctx, paths...)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, p := range invalid {
		want[p] = true
	}
	var missing []orchestrator.Source
	for i, src := range srcs {
		if want[paths[i]] {
			missing = append(missing, src)
		}
	}
	if dir := c.String("mirror"); dir != "" && len(missing) > 0 {
		if missing, err = orchestrator.Seed(ctx, n, dir, missing, log); err != nil {
			return err
		}
	}
	for _, src := range missing {
		f, err := orchestrator.Download(ctx, nil, src, "")
		if err != nil {
			return fmt.Errorf("prefetching %s: %w (put it in --mirror DIR, or check the network)", src.Name, err)
		}
		p, err := n.AddFile(ctx, src.Name, f)
		os.Remove(f)
		if err != nil {
			return fmt.Errorf("prefetching %s: %w", src.Name, err)
		}
		log.Info("downloaded", "url", src.URL, "store_path", p)
	}
	seeder := &orchestrator.ToolchainSeeder{Nix: n, Mirror: c.String("mirror"), Download: true, Require: true, Log: log}
	if err := seeder.Seed(ctx, s); err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(c.App.Writer, p)
	}
	if s.Build.Toolchain == spec.ToolchainPinned {
		p, err := orchestrator.BootstrapPath()
		if err != nil {
			return err
		}
		fmt.Fprintln(c.App.Writer, p)
	}
	return nil
}
