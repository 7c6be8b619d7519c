package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/nixgen/spec"
	"github.com/kilnbuild/kiln/orchestrator/nix"
)

// TestNixpkgsFlakesAgainstRealNixpkgs: the nixpkgs-toolchain flake of the default spec and
// of every spec in testdata instantiates against real nixos-24.11 code (the vendored subset)
// and dry-runs: nix would build nixpkgs' bootstrap, musl, binutils and gcc, then kiln's
// derivations. Each of kiln's derivations (haproxy and every library) is run by nixpkgs'
// bash with `sh` on PATH (nixpkgs' make runs `sh` from PATH; a pure sandbox has no /bin/sh),
// links static-PIE through the toolchain setup, and carries the spec's hardening words.
// Nothing is built: the subset has no bootstrap tarballs and no network reaches nixpkgs'.
func TestNixpkgsFlakesAgainstRealNixpkgs(t *testing.T) {
	testenv.Require(t, "nix")
	subset := nixpkgsSubset(t)
	specs, _ := filepath.Glob("../../testdata/specs/*.toml")
	specs = append([]string{""}, specs...)
	over := []string{"--no-write-lock-file", "--override-input", "nixpkgs", "path:" + subset}
	for _, sp := range specs {
		name := strings.TrimSuffix(filepath.Base(sp), ".toml")
		if sp == "" {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "flake")
			args := []string{"gen", "--toolchain", "nixpkgs", "-o", dir}
			if sp != "" {
				args = append(args, sp)
			}
			if _, stderr, err := kiln(t, args...); err != nil {
				t.Fatalf("kiln gen: %v\n%s", err, stderr)
			}
			ref := "path:" + dir

			var show struct {
				Packages map[string]map[string]json.RawMessage `json:"packages"`
			}
			if err := json.Unmarshal([]byte(nixCmd(t, append(append([]string{"flake", "show", "--json"}, over...), ref)...)), &show); err != nil {
				t.Fatal(err)
			}
			var attrs []string
			for a := range show.Packages["x86_64-linux"] {
				if a != "default" {
					attrs = append(attrs, ref+"#"+a)
				}
			}
			sort.Strings(attrs)
			drvs, err := nix.ParseDerivations([]byte(nixCmd(t, append(append([]string{"show-derivation"}, over...), attrs...)...)), nix.DefaultStoreDir)
			if err != nil || len(drvs) != len(attrs) {
				t.Fatalf("show-derivation %v: %d derivations, %v", attrs, len(drvs), err)
			}
			s := spec.Default()
			if sp != "" {
				if s, err = spec.Load(sp); err != nil {
					t.Fatal(err)
				}
			}
			for _, d := range drvs {
				checkNixpkgsDerivation(t, d, s)
			}

			dry := nixCmdCombined(t, append(append([]string{"build", "--dry-run"}, over...), ref)...)
			n := len(regexp.MustCompile(`(?m)^\s+/nix/store/\S+\.drv$`).FindAllString(dry, -1))
			for _, want := range []string{"-bootstrap-tools.drv", "-musl-", "-binutils-", "-gcc-", "-haproxy-"} {
				if !strings.Contains(dry, want) {
					t.Errorf("nix build --dry-run does not list %q (%d derivations)", want, n)
				}
			}
			t.Logf("%d derivations to build", n)
		})
	}
}

func checkNixpkgsDerivation(t *testing.T, d nix.Derivation, s *spec.Spec) {
	t.Helper()
	if !regexp.MustCompile(`^/nix/store/[0-9a-z]{32}-bash-[^/]+/bin/bash$`).MatchString(d.Builder) {
		t.Errorf("%s: builder %s, want nixpkgs' bash", d.Name, d.Builder)
	}
	shDir := filepath.Dir(d.Builder) // nixpkgs' bash package has bin/sh
	if !strings.Contains(":"+d.Env["PATH"]+":", ":"+shDir+":") {
		t.Errorf("%s: no sh on PATH (%s not in %s)", d.Name, shDir, d.Env["PATH"])
	}
	for _, p := range strings.Split(d.Env["PATH"], ":") {
		if !strings.HasPrefix(p, "/nix/store/") {
			t.Errorf("%s: PATH holds a host path %q", d.Name, p)
		}
	}
	setup, err := os.ReadFile(d.Env["toolchainSetup"])
	if err != nil || !strings.Contains(string(setup), "-static-pie") {
		t.Errorf("%s: the toolchain setup does not link static-PIE: %v", d.Name, err)
	}
	words := strings.Fields(d.Env["hardening"])
	want := s.Build.Hardening
	if len(want) == 0 {
		want = spec.HardeningWords // the default: all of them
	}
	for _, w := range want {
		found := false
		for _, x := range words {
			found = found || x == w
		}
		if !found {
			t.Errorf("%s: hardening %q lacks %q", d.Name, d.Env["hardening"], w)
		}
	}
	if d.Env["optimize"] != string(s.Build.Optimize) {
		t.Errorf("%s: optimize %q, spec says %q", d.Name, d.Env["optimize"], s.Build.Optimize)
	}
}

// nixCmdCombined is nixCmd returning stdout and stderr together (nix build --dry-run
// lists the derivations on stderr).
func nixCmdCombined(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("nix", args...)
	cmd.Env = append(os.Environ(), "NIX_CONFIG=experimental-features = nix-command flakes\nsubstituters =\nbuild-users-group =")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("nix %s: %v\n%s", strings.Join(args, " "), err, tailLines(string(out), 30))
	}
	return string(out)
}
