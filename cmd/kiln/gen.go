package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/nixgen"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

func genCommand() *cli.Command {
	return &cli.Command{
		Name:      "gen",
		Usage:     "write the Nix flake for SPEC (default: the embedded HAProxy spec) into a directory",
		ArgsUsage: "[SPEC]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "flake", Usage: "directory to write (replaced only if kiln generated it)"},
			toolchainFlag,
			allowFlag,
		},
		Action: func(c *cli.Context) error {
			s, err := loadSpec(c)
			if err != nil {
				return err
			}
			f, err := nixgen.Render(s)
			if err != nil {
				return err
			}
			dir := c.String("output")
			if err := f.Write(dir); err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, dir)
			fmt.Fprintf(c.App.ErrWriter, "build it with: nix build path:%s#%s (kiln build runs it with kiln's own Nix settings)\n", dir, nixgen.Attr)
			if s.Build.Toolchain == spec.ToolchainPinned {
				fmt.Fprintf(c.App.ErrWriter, "first seed the pinned toolchain's bootstrap (and, offline, every download): kiln prefetch --mirror DIR\n")
			}
			return nil
		},
	}
}
