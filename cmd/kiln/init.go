package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/internal/files"
	"github.com/kilnbuild/kiln/nixgen/spec"
)

func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "write a commented starter spec (HAProxy 3.0.11) to FILE (default kiln.toml)",
		ArgsUsage: "[FILE]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Usage: "overwrite FILE (and with --speed its profile) if it exists"},
			&cli.BoolFlag{Name: "speed", Usage: `write the optimize = "speed" spec, compiled with the profile kiln ships for it (written beside FILE as ` + spec.SpeedProfileName + `, pinned by sha256): faster and smaller than plain speed, larger than the default`},
		},
		Action: func(c *cli.Context) error {
			path := c.Args().First()
			if path == "" {
				path = "kiln.toml"
			}
			text := spec.DefaultTOML
			var profile string
			if c.Bool("speed") {
				text = spec.SpeedTOML()
				profile = filepath.Join(filepath.Dir(path), spec.SpeedProfileName)
			}
			if !c.Bool("force") {
				if _, err := os.Stat(path); err == nil {
					return fmt.Errorf("%s exists; pass --force to overwrite it", path)
				}
				// A user's own recording is never lost; the very profile kiln ships (a second
				// init) is no loss.
				if profile != "" {
					if old, err := os.ReadFile(profile); err == nil && !bytes.Equal(old, spec.SpeedProfile) {
						return fmt.Errorf("%s exists (another profile); pass --force to overwrite it", profile)
					}
				}
			}
			// The profile first: a spec is never left pinning a file that is not there.
			if profile != "" {
				if err := files.WriteFile(profile, spec.SpeedProfile, 0o644); err != nil {
					return err
				}
			}
			if err := files.WriteFile(path, text, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(c.App.ErrWriter, "wrote %s; build it with: kiln build %s (offline: --mirror DIR)\n", path, path)
			if profile != "" {
				fmt.Fprintf(c.App.ErrWriter, "wrote %s, the profile the spec pins\n", profile)
			}
			return nil
		},
	}
}
