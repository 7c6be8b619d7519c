package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/nixgen/spec"
)

func TestFlagsFirst(t *testing.T) {
	app := newApp()
	cases := map[string]string{
		// what people type → what urfave/cli is given
		"gen haproxy.toml -o flake":                         "gen -o flake haproxy.toml",
		"gen -o flake haproxy.toml":                         "gen -o flake haproxy.toml",
		"build spec.toml --toolchain host --mirror DIR":     "build --toolchain host --mirror DIR spec.toml",
		"build spec.toml --no-image --json":                 "build --no-image --json spec.toml",
		"build spec.toml --rebuild=true -o=oci:x":           "build --rebuild=true -o=oci:x spec.toml",
		"build spec.toml -o oci:a -o docker-archive:b.tar":  "build -o oci:a -o docker-archive:b.tar spec.toml",
		"build --json spec.toml -q":                         "-q build --json spec.toml",
		"-q build spec.toml --json":                         "-q build --json spec.toml",
		"verify spec.toml --rounds 3 --against sha256:abc":  "verify --rounds 3 --against sha256:abc spec.toml",
		"audit oci:out/haproxy --json":                      "audit --json oci:out/haproxy",
		"inspect oci:out/haproxy --json":                    "inspect --json oci:out/haproxy",
		"init haproxy.toml --force":                         "init --force haproxy.toml",
		"cache keygen ci-1 --dir keys":                      "cache keygen --dir keys ci-1",
		"cache push spec.toml --to file:///c --sign-key k":  "cache push --to file:///c --sign-key k spec.toml",
		"gen spec.toml -- -o":                               "gen -- spec.toml -o",
		"gen -- -odd.toml":                                  "gen -- -odd.toml",
		"build spec.toml --unknown x":                       "build --unknown spec.toml x",
		"build spec.toml --help":                            "build --help spec.toml",
		"nosuch a -b":                                       "nosuch a -b",
		"--version":                                         "--version",
		"":                                                  "",
		"build":                                             "build",
		"gen spec.toml --toolchain=nixpkgs -o flake --json": "gen --toolchain=nixpkgs -o flake --json spec.toml",
	}
	for in, want := range cases {
		args := append([]string{"kiln"}, strings.Fields(in)...)
		got := flagsFirst(app, args)
		if w := append([]string{"kiln"}, strings.Fields(want)...); !reflect.DeepEqual(got, w) {
			t.Errorf("%q → %q, want %q", in, strings.Join(got[1:], " "), want)
		}
	}
}

// TestGenToolchainNixpkgsBringsThePin: `--toolchain nixpkgs` on a spec written for the host
// toolchain (no [nixpkgs] table) uses kiln's default pin, flags given after the SPEC.
func TestGenToolchainNixpkgsBringsThePin(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "flake")
	_, stderr, err := kiln(t, "gen", "../../testdata/specs/features-none.toml", "--toolchain", "nixpkgs", "-o", dir)
	if err != nil {
		t.Fatalf("kiln gen --toolchain nixpkgs: %v\n%s", err, stderr)
	}
	flake, err := os.ReadFile(filepath.Join(dir, "flake.nix"))
	if err != nil {
		t.Fatal(err)
	}
	if pin := spec.DefaultNixpkgsURL; pin == "" || !strings.Contains(string(flake), pin) {
		t.Errorf("the generated flake does not use kiln's default pin %q:\n%s", pin, flake)
	}
}
