package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/flakes"
	"github.com/kilnbuild/kiln/orchestrator/nix"
)

// pinnedFlake prefetches everything the default spec needs and writes its flake, plus a
// probe.nix beside it: derivations built the way the recipes are (the pinned toolchain's
// builder and PATH), and the toolchain's own parts.
func pinnedFlake(t *testing.T) string {
	t.Helper()
	m := mirror(t)
	stdout, stderr, err := kiln(t, "prefetch", "--mirror", m)
	if err != nil {
		t.Fatalf("kiln prefetch: %v\n%s", err, stderr)
	}
	// The haproxy tarball, every pinned .deb and the bootstrap, each a valid store path.
	pins, err := flakes.PinnedToolchain()
	if err != nil {
		t.Fatal(err)
	}
	paths := strings.Fields(stdout)
	if len(paths) != 1+len(pins.Deb)+1 || !strings.HasSuffix(paths[0], "-haproxy-3.0.11.tar.gz") || !strings.HasSuffix(paths[len(paths)-1], "-"+pins.Bootstrap.Name) {
		t.Fatalf("kiln prefetch printed %d paths, want the source, %d packages and the bootstrap:\n%s", len(paths), len(pins.Deb), stdout)
	}
	if out, err := exec.Command("nix-store", append([]string{"--check-validity"}, paths...)...).CombinedOutput(); err != nil {
		t.Fatalf("prefetched paths are not valid: %v\n%s", err, out)
	}
	dir := filepath.Join(t.TempDir(), "flake")
	if _, stderr, err := kiln(t, "gen", "-o", dir); err != nil {
		t.Fatalf("kiln gen: %v\n%s", err, stderr)
	}
	probe := `{ cmd ? "true" }:
let tc = import ./flakes/toolchains/pinned.nix { system = "x86_64-linux"; }; in
{
  probe = derivation {
    name = "kiln-sandbox-probe";
    inherit (tc) system builder;
    args = [ "-c" cmd ];
    PATH = tc.path;
  };
  inherit (tc) parts;
}
`
	if err := os.WriteFile(filepath.Join(dir, "probe.nix"), []byte(probe), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// kilnNix runs nix with exactly the settings kiln builds with.
func kilnNix(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command("nix", args...)
	cmd.Env = nix.Environ(os.Environ(), nix.Settings{Sandbox: true, NoBuildUsers: true})
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// TestPinnedSandboxHasNoHostPath: in kiln's build sandbox a recipe finds the pinned
// toolchain's gcc and shell, and nothing of the host: /usr/bin/gcc and /bin/sh cannot be
// run, and /usr, /bin, /lib, /lib64 do not exist.
func TestPinnedSandboxHasNoHostPath(t *testing.T) {
	dir := pinnedFlake(t)
	build := func(cmd string) (string, string, error) {
		stdout, stderr, err := kilnNix(t, "build", "--no-link", "--json", "-L", "-f", filepath.Join(dir, "probe.nix"), "probe", "--argstr", "cmd", cmd)
		if err != nil {
			return "", stderr, err
		}
		out := stdout[strings.Index(stdout, `"out":"`)+7:]
		data, rerr := os.ReadFile(out[:strings.IndexByte(out, '"')])
		if rerr != nil {
			t.Fatal(rerr)
		}
		return string(data), stderr, nil
	}
	// The control: the toolchain works in there.
	got, stderr, err := build(`gcc --version > $out && ls / >> $out`)
	if err != nil {
		t.Fatalf("the pinned gcc does not run in the sandbox: %v\n%s", err, tailLines(stderr, 20))
	}
	if !strings.Contains(got, "gcc (Debian 14.2.0") {
		t.Fatalf("gcc --version in the sandbox: %q", got)
	}
	for _, host := range []string{"usr", "bin", "lib", "lib64", "sbin"} {
		for _, l := range strings.Split(got, "\n") {
			if l == host {
				t.Errorf("the sandbox has /%s:\n%s", host, got)
			}
		}
	}
	// The derivations that try the host's compiler and shell, and fail.
	for _, prog := range []string{"/usr/bin/gcc --version", "/bin/sh -c true", "/usr/bin/env true"} {
		_, stderr, err := build(prog + ` && echo reached > $out`)
		if err == nil {
			t.Errorf("%s ran inside the sandbox", prog)
			continue
		}
		bin := strings.Fields(prog)[0]
		if !strings.Contains(stderr, bin+": not found") {
			t.Errorf("%s: the build failed, but not for want of %s:\n%s", prog, bin, tailLines(stderr, 10))
		}
	}
}

// TestPinnedToolchainRebuildsBitIdentical: every part of the pinned toolchain (glibc,
// patchelf, the compiler, the tools, perl) rebuilt from its .debs is bit for bit the same
// (nix build --rebuild fails otherwise): the relocation is deterministic.
func TestPinnedToolchainRebuildsBitIdentical(t *testing.T) {
	dir := pinnedFlake(t)
	attrs := []string{"parts.glibc", "parts.patchelf", "parts.cc", "parts.tools", "parts.perl"}
	args := append([]string{"build", "--no-link", "-f", filepath.Join(dir, "probe.nix")}, attrs...)
	if _, stderr, err := kilnNix(t, args...); err != nil {
		t.Fatalf("building the toolchain: %v\n%s", err, tailLines(stderr, 30))
	}
	if _, stderr, err := kilnNix(t, append(args, "--rebuild")...); err != nil {
		t.Fatalf("nix build --rebuild of the toolchain: %v\n%s", err, tailLines(stderr, 30))
	}
}

// TestPlainNixBuildSaysToPrefetch: `nix build` of a generated flake without kiln, in a
// store that lacks the bootstrap, stops at it with a message that says what to run.
func TestPlainNixBuildSaysToPrefetch(t *testing.T) {
	dir := pinnedFlake(t)
	_, stderr, err := kilnNix(t, "build", "--no-link", "--store", t.TempDir(), "-f", filepath.Join(dir, "probe.nix"), "parts.bootstrap")
	if err == nil {
		t.Fatal("the bootstrap built in an empty store")
	}
	if !strings.Contains(stderr, "is-not-in-the-nix-store:run-kiln-prefetch--mirror-DIR-or-kiln-build-first") {
		t.Fatalf("nix's error does not say to run kiln prefetch:\n%s", tailLines(stderr, 15))
	}
}
