package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/nixgen/spec"
)

func TestInitWritesASpecThatLoads(t *testing.T) {
	p := filepath.Join(t.TempDir(), "kiln.toml")
	if _, stderr, err := kiln(t, "init", p); err != nil {
		t.Fatalf("kiln init: %v\n%s", err, stderr)
	}
	s, err := spec.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := kiln(t, "init", p); err == nil {
		t.Fatal("kiln init overwrote an existing file without --force")
	}
}

func TestGenWritesFlake(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "flake")
	stdout, stderr, err := kiln(t, "gen", "--toolchain", "host", "-o", dir)
	if err != nil {
		t.Fatalf("kiln gen: %v\n%s", err, stderr)
	}
	if strings.TrimSpace(stdout) != dir {
		t.Errorf("stdout = %q, want the flake dir", stdout)
	}
	for _, f := range []string{"flake.nix", "spec.nix", "flakes/recipes/haproxy.sh", "flakes/toolchains/host.nix"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("flake lacks %s: %v", f, err)
		}
	}
}

// TestBadSpecWritesNothing: every bad spec gives one error naming file:line and key, a
// non-zero exit, and leaves no output behind.
func TestBadSpecWritesNothing(t *testing.T) {
	cases := map[string]struct{ doc, want string }{
		"unknown key": {strings.Replace(string(spec.DefaultTOML), "optimize =", "optimise =", 1), ":27: build.optimise: unknown key"},
		"bad sha256":  {strings.Replace(string(spec.DefaultTOML), `sha256 = "a133`, `sha256 = "zz33`, 1), ":10: package.sha256:"},
		"http url":    {strings.Replace(string(spec.DefaultTOML), `url = "https://www.haproxy`, `url = "http://www.haproxy`, 1), ":9: package.url:"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "bad.toml")
			os.WriteFile(p, []byte(c.doc), 0o644)
			out := filepath.Join(dir, "out")
			for _, args := range [][]string{{"gen", "-o", out, p}, {"build", "--no-image", p}} {
				stdout, stderr, err := kiln(t, args...)
				if err == nil {
					t.Fatalf("kiln %v accepted a bad spec", args)
				}
				if !strings.Contains(stderr, p+c.want) {
					t.Errorf("kiln %v: stderr %q lacks %q", args, stderr, p+c.want)
				}
				if stdout != "" {
					t.Errorf("kiln %v printed on stdout: %q", args, stdout)
				}
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("output %s was created", out)
			}
		})
	}
}
