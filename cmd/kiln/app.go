package main

import (
	"io"
	"log/slog"
	"os"

	"github.com/urfave/cli/v2"
)

// version is kiln's version; release builds set it with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func newApp() *cli.App {
	return &cli.App{
		Name:    "kiln",
		Usage:   "build minimal, hardened, reproducible container images with Nix",
		Version: version,
		Description: `kiln reads a TOML spec, generates a Nix flake, builds the server statically against
musl (static-PIE, full RELRO, NX, stack protector, stripped) and packages the Nix store
closure into a tiny OCI image whose digest anyone can reproduce.

Results go to stdout (a digest, or JSON with --json); logs and build progress to stderr.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "log only warnings and errors"},
			&cli.BoolFlag{Name: "verbose", Usage: "log debug messages"},
		},
		Commands: []*cli.Command{
			initCommand(),
			genCommand(),
			buildCommand(),
			prefetchCommand(),
			inspectCommand(),
			verifyCommand(),
			auditCommand(),
			cacheCommand(),
			outdatedCommand(),
			bumpCommand(),
			profileCommand(),
			keyCommand(),
		},
		Writer:    os.Stdout,
		ErrWriter: os.Stderr,
	}
}

// logger is the stderr logger the --quiet/--verbose flags ask for.
func logger(c *cli.Context) *slog.Logger {
	level := slog.LevelInfo
	switch {
	case c.Bool("quiet"):
		level = slog.LevelWarn
	case c.Bool("verbose"):
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(c.App.ErrWriter, &slog.HandlerOptions{Level: level}))
}

// progress is where nix's build log streams: stderr unless --quiet.
func progress(c *cli.Context) io.Writer {
	if c.Bool("quiet") {
		return io.Discard
	}
	return c.App.ErrWriter
}
