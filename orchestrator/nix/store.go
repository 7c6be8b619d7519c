package nix

import (
	"context"
	"strings"
)

// AddPath adds the file tree at path to the store as a recursive (NAR), sha256 fixed-output
// path called name — the path a recursive fixed-output derivation of that name and NAR hash
// produces — and returns it.
func (n *Nix) AddPath(ctx context.Context, name, path string) (string, error) {
	out, err := n.run(ctx, "adding "+path+" to the store", nil, "store", "add-path", "--name", name, path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}
