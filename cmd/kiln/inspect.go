package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/orchestrator/publish"
)

func inspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "show an image's files (sizes, modes), config, digests and sizes",
		ArgsUsage: "oci:DIR[:TAG] | docker-archive:FILE | docker://REF",
		Flags: []cli.Flag{
			jsonFlag,
			insecureFlag,
			timeoutFlag,
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("expected one TARGET (oci:DIR[:TAG], docker-archive:FILE or docker://REF), got %d arguments", c.NArg())
			}
			t, err := publish.ParseTarget(c.Args().First())
			if err != nil {
				return err
			}
			ins, err := publish.Inspect(c.Context, t, publishOptions(c)...)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c, ins)
			}
			w := newSafeWriter(c.App.Writer)
			if err := ins.WriteText(w); err != nil {
				return err
			}
			return w.Flush()
		},
	}
}
