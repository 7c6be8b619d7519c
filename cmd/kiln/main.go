// Command kiln builds minimal, hardened, reproducible container images from a TOML spec:
// spec → Nix flake → static musl build → store closure → OCI image.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"
)

// exitInterrupted is kiln's exit status after SIGINT or SIGTERM (128 + SIGINT).
const exitInterrupted = 130

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal cancels: nix gets SIGINT and stops its builders, outputs are
		// not written. A second signal ends kiln at once.
		<-ctx.Done()
		stop()
	}()
	app := newApp()
	err := app.RunContext(ctx, flagsFirst(app, os.Args))
	if err == nil {
		return
	}
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "kiln: interrupted; nothing was written")
		os.Exit(exitInterrupted)
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		fmt.Fprintln(os.Stderr, terminalSafe(err.Error()))
		os.Exit(ec.ExitCode())
	}
	fmt.Fprintln(os.Stderr, "kiln:", terminalSafe(err.Error()))
	os.Exit(1)
}
