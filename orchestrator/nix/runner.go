// Package nix runs the nix command for kiln: version checks, builds, closures and store
// seeding. Every invocation goes through a Runner, so unit tests can replace the process;
// integration tests use the real nix.
package nix

import (
	"bytes"
	"context"
	"io"
	"os/exec"
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

// ExecRunner runs commands as processes.
type ExecRunner struct{}

// Run starts c, waits for it, and returns its stdout. A non-zero exit is an *exec.ExitError.
func (ExecRunner) Run(ctx context.Context, c Command) ([]byte, error) {
	cmd := exec.CommandContext(ctx, c.Name, c.Args...)
	cmd.Env = c.Env
	var out bytes.Buffer
	cmd.Stdout = &out
	if c.Stderr != nil {
		cmd.Stderr = c.Stderr
	}
	err := cmd.Run()
	return out.Bytes(), err
}
