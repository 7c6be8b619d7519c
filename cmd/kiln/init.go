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
			// Beside the spec: the patches it names (HAProxy's security fixes), and with
			// --speed the profile it pins.
			dir := filepath.Dir(path)
			beside := spec.DefaultFiles()
			patches := len(beside)
			for i := range beside {
				beside[i].Name = filepath.Join(dir, filepath.FromSlash(beside[i].Name))
			}
			if profile != "" {
				beside = append(beside, spec.DefaultFile{Name: profile, Data: spec.SpeedProfile})
			}
			if !c.Bool("force") {
				if _, err := os.Stat(path); err == nil {
					return fmt.Errorf("%s exists; pass --force to overwrite it", path)
				}
				// A user's own file (a recording, an edited patch) is never lost; the very
				// file kiln ships (a second init) is no loss.
				for _, f := range beside {
					if old, err := os.ReadFile(f.Name); err == nil && !bytes.Equal(old, f.Data) {
						return fmt.Errorf("%s exists, with other content than kiln's; pass --force to overwrite it", f.Name)
					}
				}
			}
			// Those files first: a spec is never left naming a file that is not there.
			if err := spec.WriteDefaultFiles(dir); err != nil {
				return err
			}
			if profile != "" {
				if err := files.WriteFile(profile, spec.SpeedProfile, 0o644); err != nil {
					return err
				}
			}
			if err := files.WriteFile(path, text, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(c.App.ErrWriter, "wrote %s; build it with: kiln build %s (offline: --mirror DIR)\n", path, path)
			if patches > 0 {
				fmt.Fprintf(c.App.ErrWriter, "wrote %d patches the spec names (HAProxy's security fixes for %s) under %s\n",
					patches, spec.Default().Package.Version, filepath.Join(dir, "patches"))
			}
			if profile != "" {
				fmt.Fprintf(c.App.ErrWriter, "wrote %s, the profile the spec pins\n", profile)
			}
			return nil
		},
	}
}
