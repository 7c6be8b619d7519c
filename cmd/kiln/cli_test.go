package main

import (
	"os"
	"os/exec"
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
	stdout, stderr, err := kiln(t, "gen", "-o", dir)
	if err != nil {
		t.Fatalf("kiln gen: %v\n%s", err, stderr)
	}
	if strings.TrimSpace(stdout) != dir {
		t.Errorf("stdout = %q, want the flake dir", stdout)
	}
	for _, f := range []string{"flake.nix", "spec.nix", "flakes/recipes/haproxy.sh", "flakes/toolchains/pinned.nix", "flakes/toolchains/pinned/pins.toml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("flake lacks %s: %v", f, err)
		}
	}
}

// TestBadSpecWritesNothing: every bad spec gives one error naming file:line and key, a
// non-zero exit, and leaves no output behind.
func TestBadSpecWritesNothing(t *testing.T) {
	cases := map[string]struct{ doc, want string }{
		"unknown key": {strings.Replace(string(spec.DefaultTOML), "optimize =", "optimise =", 1), ":39: build.optimise: unknown key"},
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

func TestMissingNixSaysHowToInstall(t *testing.T) {
	cmd := exec.Command(kilnBin, "build", "--no-image", "--no-result-cache")
	cmd.Env = append(os.Environ(), "PATH="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "nix is not installed") || !strings.Contains(string(out), "apt-get install nix-bin") {
		t.Fatalf("kiln without nix: %v\n%s", err, out)
	}
}

// TestNixFailureCarriesLogTail: a build that fails inside nix (a patch that does not apply)
// comes back as one error carrying the end of the build log, so the cause is visible.
func TestNixFailureCarriesLogTail(t *testing.T) {
	m := mirror(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "broken.patch"), []byte("--- a/VERSION\n+++ b/VERSION\n@@ -1 +1 @@\n-no such line\n+x\n"), 0o644)
	doc, err := os.ReadFile(spec26)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(doc), "[build]", "[[package.patches]]\nfile = \"broken.patch\"\n\n[build]", 1)
	s = strings.Replace(s, `source = "haproxy.cfg"`, `content = "global\n"`, 1)
	p := filepath.Join(dir, "broken.toml")
	os.WriteFile(p, []byte(s), 0o644)
	_, stderr, err := kiln(t, "-q", "build", "--mirror", m, "--no-image", p)
	if err == nil {
		t.Fatal("a build with a broken patch succeeded")
	}
	for _, want := range []string{"last lines of nix's log", "does not apply", "broken.patch"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("error lacks %q:\n%s", want, stderr)
		}
	}
}
