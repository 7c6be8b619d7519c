package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

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
			tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
			if err != nil {
				return fmt.Errorf("writing %s: %w", path, err)
			}
			defer os.Remove(tmp.Name())
			if _, err := tmp.Write(spec.DefaultTOML); err != nil {
				tmp.Close()
				return fmt.Errorf("writing %s: %w", path, err)
			}
			if err := tmp.Close(); err != nil {
				return fmt.Errorf("writing %s: %w", path, err)
			}
			if err := os.Chmod(tmp.Name(), 0o644); err != nil {
				return err
			}
			if err := os.Rename(tmp.Name(), path); err != nil {
				return fmt.Errorf("writing %s: %w", path, err)
			}
			fmt.Fprintf(c.App.ErrWriter, "wrote %s; build it with: kiln build %s (offline: --mirror DIR)\n", path, path)
			return nil
		},
	}
}
