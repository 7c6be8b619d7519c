package nar

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/internal/treetest"
)

// narTree is a tree whose NAR hash `nix hash path` (nix 2.8) printed: it covers padding
// (7 bytes), an executable, a symlink, an empty directory and byte-order sorting (Z < a).
var narTree = map[string]treetest.Node{
	"a.txt":    {Data: "hello\n"},
	"bin/tool": {Data: "#!/bin/sh\necho hi\n", Exec: true},
	"link":     {Symlink: "a.txt"},
	"empty":    {Dir: true},
	"b":        {Data: "1234567"},
	"Z":        {Data: "x"},
}

func TestHash(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		make func(p string)
		want string
	}{
		{"tree", func(p string) { treetest.Write(t, p, narTree) }, "sha256-rgvXRIM/BaTQFLRxn6wB1KmSRB1Km/DCiWnFZFAYQdY="},
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
	tree := map[string]treetest.Node{"x/y/z": {Data: strings.Repeat("kiln", 1000)}, "x/run": {Data: "", Exec: true}, "l": {Symlink: "/nowhere"}}
	treetest.Write(t, p, tree)
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

// TestHashBootstrapTree: the vector the pinned toolchain's bootstrap check relies on.
func TestHashBootstrapTree(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t")
	treetest.Write(t, p, map[string]treetest.Node{"bin/busybox": {Data: "#!kiln\n", Exec: true}})
	if got, err := Hash(p); err != nil || got != "sha256-J2Psf0tnTilWnqJphCqT+hyW5eAfBLO47NIvK0CwzNQ=" {
		t.Errorf("Hash = %s, %v", got, err)
	}
}
