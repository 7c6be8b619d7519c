// Package treetest writes small synthetic file trees for tests of the code that hashes,
// packs and compares store paths.
package treetest

import (
	"os"
	"path/filepath"
	"testing"
)

// Node is one entry of a tree: a file (Data), an executable file, a symlink or a directory.
type Node struct {
	Data    string
	Exec    bool
	Symlink string
	Dir     bool
}

// Write creates root and the tree below it, names slash-separated and relative to root.
// Files are read-only (0444, or 0555 with Exec), as in a Nix store.
func Write(t testing.TB, root string, tree map[string]Node) {
	t.Helper()
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, n := range tree {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case n.Dir:
			err = os.MkdirAll(p, 0o755)
		case n.Symlink != "":
			err = os.Symlink(n.Symlink, p)
		default:
			mode := os.FileMode(0o444)
			if n.Exec {
				mode = 0o555
			}
			err = os.WriteFile(p, []byte(n.Data), mode)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
