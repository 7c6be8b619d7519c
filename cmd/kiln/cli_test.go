package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
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
		"unknown key": {strings.Replace(string(spec.DefaultTOML), "optimize =", "optimise =", 1), ":73: build.optimise: unknown key"},
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

// TestKeygenMakesItsDir: --dir that does not exist yet is created (0700), not an error
// about a temporary file.
func TestKeygenMakesItsDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "keys")
	if _, stderr, err := kiln(t, "cache", "keygen", "--dir", dir, "ci-1"); err != nil {
		t.Fatalf("kiln cache keygen --dir (missing): %v\n%s", err, stderr)
	}
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("key dir %v %v", st, err)
	}
	if st, err := os.Stat(filepath.Join(dir, "ci-1.sec")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret key %v %v", st, err)
	}
}

// TestJSONIsSnakeCase: every command's --json uses one style.
func TestJSONIsSnakeCase(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "img")
	if _, stderr, err := kiln(t, "-q", "build", "--toolchain", testToolchain, "--mirror", mirror(t), "-o", "oci:"+img); err != nil {
		t.Fatal(err, stderr)
	}
	for _, args := range [][]string{{"inspect", "--json", "oci:" + img}, {"audit", "--json", "oci:" + img}} {
		out, stderr, err := kiln(t, args...)
		if err != nil {
			t.Fatalf("kiln %v: %v\n%s", args, err, stderr)
		}
		var doc any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		walkKeys(doc, func(k string) {
			if k != strings.ToLower(k) && !strings.Contains(k, ".") { // label names are data
				t.Errorf("kiln %s --json has key %q", args[0], k)
			}
		})
	}
}

// walkKeys calls f on every object key of a JSON document, except inside the image
// config (which keeps the OCI spec's own names).
func walkKeys(v any, f func(string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			f(k)
			if k != "config" {
				walkKeys(e, f)
			}
		}
	case []any:
		for _, e := range x {
			walkKeys(e, f)
		}
	}
}

// TestGenRefusesADirItCannotRead: as an unprivileged user, a directory kiln cannot list is
// never taken for an empty one and replaced.
func TestGenRefusesADirItCannotRead(t *testing.T) {
	testenv.Root(t) // to run kiln as another user
	// t.TempDir's parent is 0700: the other user needs a directory it can reach.
	base, err := os.MkdirTemp("", "kiln-gen-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(base, "locked"), 0o755); os.RemoveAll(base) })
	os.Chmod(base, 0o777)
	os.Chmod(filepath.Dir(kilnBin), 0o755)
	locked := filepath.Join(base, "locked")
	os.MkdirAll(filepath.Join(locked, "keep"), 0o755)
	os.Chmod(locked, 0o711) // others may enter, not list
	cmd := exec.Command(kilnBin, "gen", "-o", locked)
	cmd.Dir = base
	cmd.Env = []string{"HOME=" + base, "PATH=/usr/bin:/bin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "cannot be read") {
		t.Fatalf("kiln gen over an unreadable dir: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(locked, "keep")); err != nil {
		t.Fatal("the unreadable directory was replaced")
	}
}
