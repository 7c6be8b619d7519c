package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/kilnbuild/kiln/cache"
	"github.com/kilnbuild/kiln/orchestrator"
	"github.com/kilnbuild/kiln/orchestrator/nix"
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
	sec, pub := filepath.Join(dir, name+".sec"), filepath.Join(dir, name+".pub")
	for _, p := range []string{sec, pub} {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("%s exists; keys are never overwritten (remove it or pick another NAME)", p)
		}
	}
	if err := writeFileAtomic(sec, []byte(secret), 0o600); err != nil {
		return err
	}
	if err := writeFileAtomic(pub, []byte(public), 0o644); err != nil {
		return err
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
	if _, err := os.Stat(signKey); err != nil {
		return fmt.Errorf("--sign-key: %w (create one with `kiln cache keygen NAME`)", err)
	}
	log := logger(c)
	n := nixFor(s, nix.Settings{})
	n.Log = progress(c)
	b := &orchestrator.Builder{Nix: n, Log: log}
	res, err := b.Build(c.Context, orchestrator.Request{Spec: s, Mirror: c.String("mirror")})
	if err != nil {
		return err
	}
	pushed, err := orchestrator.PushCache(c.Context, n, c.String("to"), signKey, res)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c, map[string]any{"outputs": res.Outputs, "pushed": pushed})
	}
	for _, p := range pushed {
		fmt.Fprintln(c.App.Writer, p)
	}
	return nil
}

// writeFileAtomic writes data to a temporary file beside path and renames it into place.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
