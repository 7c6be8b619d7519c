package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/cache"
	"github.com/kilnbuild/kiln/internal/files"
	"github.com/kilnbuild/kiln/orchestrator"
)

func cacheCommand() *cli.Command {
	return &cli.Command{
		Name:  "cache",
		Usage: "work with Nix binary caches: make signing keys, push builds, see what a cache holds",
		Subcommands: []*cli.Command{
			{
				Name:      "keygen",
				Usage:     "write a signing key pair NAME.sec (mode 0600) and NAME.pub; print the public key",
				ArgsUsage: "NAME",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "dir", Value: ".", Usage: "directory to write the key files in"}},
				Action:    runKeygen,
			},
			{
				Name:      "push",
				Usage:     "build SPEC (default: the embedded spec) if needed and copy its closure and build-time paths to a binary cache, signed",
				ArgsUsage: "[SPEC]",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "to", Required: true, Usage: "binary cache `URL`: file:///DIR, s3://BUCKET?region=…, or an http(s) cache that accepts PUT"},
					&cli.StringFlag{Name: "sign-key", Required: true, Usage: "secret key `FILE` (kiln cache keygen)"},
					mirrorFlag,
					toolchainFlag,
					allowFlag,
					jsonFlag,
				},
				Action: runCachePush,
			},
		},
	}
}

func runKeygen(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("expected one NAME (e.g. ci.example.org-1), got %d arguments", c.NArg())
	}
	name := c.Args().First()
	secret, public, err := cache.GenerateKey(name)
	if err != nil {
		return err
	}
	dir := c.String("dir")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("--dir %s: %w", dir, err)
	}
	sec, pub := filepath.Join(dir, name+".sec"), filepath.Join(dir, name+".pub")
	for _, p := range []string{sec, pub} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s exists; keys are never overwritten (remove it or pick another NAME)", p)
		}
	}
	for _, k := range []struct {
		path string
		data string
		perm os.FileMode
	}{{sec, secret, 0o600}, {pub, public, 0o644}} {
		if err := files.WriteNew(k.path, []byte(k.data), k.perm); errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s exists; keys are never overwritten (remove it or pick another NAME)", k.path)
		} else if err != nil {
			return err
		}
	}
	fmt.Fprintf(c.App.ErrWriter, "wrote %s (secret, 0600) and %s; trust it with --trusted-key %s\n", sec, pub, public)
	fmt.Fprintln(c.App.Writer, public)
	return nil
}

func runCachePush(c *cli.Context) error {
	s, err := loadSpec(c)
	if err != nil {
		return err
	}
	signKey := c.String("sign-key")
	if _, err := files.ReadFile(signKey, 4096); err != nil {
		return fmt.Errorf("--sign-key: %w (create one with `kiln cache keygen NAME`)", err)
	}
	rep, err := newPipeline(c).Run(c.Context, s, orchestrator.RunOptions{NoImage: true, PushCache: c.String("to"), SignKey: signKey})
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c, map[string]any{"outputs": rep.Outputs, "pushed": rep.Pushed})
	}
	for _, p := range rep.Pushed {
		fmt.Fprintln(c.App.Writer, p)
	}
	return nil
}
