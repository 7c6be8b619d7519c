package nar

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
)

// narTree is a tree whose NAR hash `nix hash path` (nix 2.8) printed: it covers padding
// (7 bytes), an executable, a symlink, an empty directory and byte-order sorting (Z < a).
var narTree = map[string]node{
	"a.txt":    {data: "hello\n"},
	"bin/tool": {data: "#!/bin/sh\necho hi\n", exec: true},
	"link":     {symlink: "a.txt"},
	"empty":    {dir: true},
	"b":        {data: "1234567"},
	"Z":        {data: "x"},
}

func TestHash(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		make func(p string)
		want string
	}{
		{"tree", func(p string) { writeTree(t, p, narTree) }, "sha256-rgvXRIM/BaTQFLRxn6wB1KmSRB1Km/DCiWnFZFAYQdY="},
		{"single file", func(p string) { os.WriteFile(p, []byte("only\n"), 0o644) }, "sha256-Fr+zYA2Siww/ff60v1FK7G9S4l25Tx0Gw8dJPXKjAVM="},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-"))
			c.make(p)
			got, err := Hash(p)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("Hash = %s, want %s (nix hash path)", got, c.want)
			}
		})
	}
}

// TestHashMatchesNix checks NarHash against the real nix on a tree of its own.
func TestHashMatchesNix(t *testing.T) {
	testenv.Require(t, "nix")
	p := filepath.Join(t.TempDir(), "tree")
	tree := map[string]node{"x/y/z": {data: strings.Repeat("kiln", 1000)}, "x/run": {data: "", exec: true}, "l": {symlink: "/nowhere"}}
	writeTree(t, p, tree)
	cmd := exec.Command("nix", "hash", "path", "--type", "sha256", p)
	cmd.Env = append(os.Environ(), "NIX_CONFIG=experimental-features = nix-command")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nix hash path: %v", err)
	}
	got, err := Hash(p)
	if err != nil {
		t.Fatal(err)
	}
	if !SameHash(got, strings.TrimSpace(string(out))) {
		t.Errorf("Hash = %s, nix hash path = %s", got, out)
	}
}

func TestSameHash(t *testing.T) {
	sri := "sha256-rgvXRIM/BaTQFLRxn6wB1KmSRB1Km/DCiWnFZFAYQdY="
	cases := []struct {
		a, b string
		want bool
	}{
		{sri, sri, true},
		{sri, "sha256:ae0bd744833f05a4d014b4719fac01d4a992441d4a9bf0c28969c564501841d6", true},
		{sri, "sha256-Fr+zYA2Siww/ff60v1FK7G9S4l25Tx0Gw8dJPXKjAVM=", false},
		{sri, "", false},
		{"garbage", "garbage2", false},
	}
	for _, c := range cases {
		if got := SameHash(c.a, c.b); got != c.want {
			t.Errorf("SameHash(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// node is one entry of a synthetic tree: a file (data), an executable, a symlink or a dir.
type node struct {
	data    string
	exec    bool
	symlink string
	dir     bool
}

func writeTree(t *testing.T, root string, tree map[string]node) {
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
		case n.dir:
			err = os.MkdirAll(p, 0o755)
		case n.symlink != "":
			err = os.Symlink(n.symlink, p)
		default:
			mode := os.FileMode(0o444)
			if n.exec {
				mode = 0o555
			}
			err = os.WriteFile(p, []byte(n.data), mode)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestHashBootstrapTree: the vector the pinned toolchain's bootstrap check relies on.
func TestHashBootstrapTree(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t")
	writeTree(t, p, map[string]node{"bin/busybox": {data: "#!kiln\n", exec: true}})
	if got, err := Hash(p); err != nil || got != "sha256-J2Psf0tnTilWnqJphCqT+hyW5eAfBLO47NIvK0CwzNQ=" {
		t.Errorf("Hash = %s, %v", got, err)
	}
}
