package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/internal/files"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "write a commented starter spec (HAProxy 3.0.11) to FILE (default kiln.toml)",
		ArgsUsage: "[FILE]",
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "force", Usage: "overwrite FILE if it exists"}},
		Action: func(c *cli.Context) error {
			path := c.Args().First()
			if path == "" {
				path = "kiln.toml"
			}
			if _, err := os.Stat(path); err == nil && !c.Bool("force") {
				return fmt.Errorf("%s exists; pass --force to overwrite it", path)
			}
			if err := files.WriteFile(path, spec.DefaultTOML, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(c.App.ErrWriter, "wrote %s; build it with: kiln build %s (offline: --mirror DIR)\n", path, path)
			return nil
		},
	}
}
