package nix

import (
	"context"
	"strings"
)

// AddPath adds the file tree at path to the store as a recursive (NAR), sha256 fixed-output
// path called name — the path a recursive fixed-output derivation of that name and NAR hash
// produces — and returns it.
func (n *Nix) AddPath(ctx context.Context, name, path string) (string, error) {
	out, err := n.run(ctx, "adding "+path+" to the store", "store", "add-path", "--name", name, path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// InvalidPaths returns those of paths that are not valid in the store (nothing is built
// or fetched): one nix-store call for any number of paths.
func (n *Nix) InvalidPaths(ctx context.Context, paths ...string) ([]string, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	args := append([]string{"--check-validity", "--print-invalid"}, paths...)
	if n.Store != "" {
		args = append([]string{"--store", n.Store}, args...)
	}
	out, err := n.runCmd(ctx, "checking store paths", "nix-store", args)
	if err != nil {
		return nil, err
	}
	var invalid []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			invalid = append(invalid, l)
		}
	}
	return invalid, nil
}
