// Package nix runs the nix command for kiln: version checks, builds, closures and store
// seeding. Every invocation of every nix program goes through one Runner, so unit tests can
// replace the process; integration tests use the real nix.
package nix

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"syscall"
	"time"
)

// Command is one program invocation.
type Command struct {
	Name   string
	Args   []string
	Env    []string  // the whole environment; nil = inherit
	Stderr io.Writer // where the program's stderr goes (nil = discarded)
}

// Runner runs a command and returns its stdout.
type Runner interface {
	Run(ctx context.Context, c Command) ([]byte, error)
}

// StopGrace is how long a cancelled nix gets, after SIGINT, to stop its builders and clean
// up before it is killed.
const StopGrace = 20 * time.Second

// ExecRunner runs commands as processes. When ctx is cancelled the process gets SIGINT —
// what nix handles by stopping its builders (the sandboxed sh, make and gcc) and removing
// their build directories — and only after StopGrace a SIGKILL.
type ExecRunner struct{}

// Run starts c, waits for it, and returns its stdout. A non-zero exit is an *exec.ExitError.
func (ExecRunner) Run(ctx context.Context, c Command) ([]byte, error) {
	cmd := exec.CommandContext(ctx, c.Name, c.Args...)
	cmd.Env = c.Env
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = StopGrace
	var out bytes.Buffer
	cmd.Stdout = &out
	if c.Stderr != nil {
		cmd.Stderr = c.Stderr
	}
	err := cmd.Run()
	return out.Bytes(), err
}
