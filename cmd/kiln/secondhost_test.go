package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kilnbuild/kiln/internal/testenv"
	"github.com/kilnbuild/kiln/orchestrator/nix"
)

// secondHostScript makes the Debian 13 root and runs commands in it.
const secondHostScript = "../../scripts/second-host.sh"

// secondHost is the Debian 13 root of scripts/second-host.sh (its own Nix 2.26 and store),
// with a work directory visible at the same path inside and out.
type secondHost struct {
	t      *testing.T
	mirror string
	work   string
	// binds are more host paths made visible inside, at the same path.
	binds []string
}

// requireSecondHost returns the second host, or skips (locally) / fails (CI) when it has
// not been made: `make test` makes it (scripts/second-host.sh create, cached).
func requireSecondHost(t *testing.T) *secondHost {
	t.Helper()
	m := mirror(t)
	testenv.Require(t, "bash", "unshare", "chroot")
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("the second-host tests need root (chroot, mounts); CI runs as root")
		}
		t.Skip("the second-host tests need root")
	}
	if out, err := exec.Command("bash", secondHostScript, "path").CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no Debian 13 root (make test runs scripts/second-host.sh create): %s", out)
		}
		t.Skipf("no Debian 13 root; make one with scripts/second-host.sh create (%s)", strings.TrimSpace(string(out)))
	}
	return &secondHost{t: t, mirror: m, work: t.TempDir()}
}

// run runs a command inside the root with kiln, the mirror and the work directory visible.
func (h *secondHost) run(args ...string) (string, string, error) {
	h.t.Helper()
	full := []string{secondHostScript, "run", "--kiln", kilnBin, "--mirror", h.mirror, "--bind", h.work}
	for _, b := range h.binds {
		full = append(full, "--bind", b)
	}
	full = append(append(full, "--"), args...)
	cmd := exec.Command("bash", full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// kiln runs kiln inside the root and fails the test if it fails.
func (h *secondHost) kiln(args ...string) string {
	h.t.Helper()
	stdout, stderr, err := h.run(append([]string{"kiln"}, args...)...)
	if err != nil {
		h.t.Fatalf("kiln %s on the second host: %v\n%s", strings.Join(args, " "), err, tailLines(stderr, 40))
	}
	return stdout
}

// TestSecondHostCore runs kiln's core on Debian 13 with its Nix 2.26 and its own store:
// build and write the image, audit it, verify it over two rounds (a full rebuild), push the
// build to a signed binary cache, and substitute everything from that cache into a fresh
// store (nothing compiled, the same image digest).
func TestSecondHostCore(t *testing.T) {
	h := requireSecondHost(t)
	tc := []string{"--toolchain", testToolchain, "--mirror", h.mirror}
	img := filepath.Join(h.work, "img")

	var b struct {
		built
		NixVersion string `json:"nix_version"`
	}
	out := h.kiln(append(append([]string{"build"}, tc...), "--no-result-cache", "--json", "-o", "oci:"+img)...)
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		t.Fatalf("kiln build --json: %v\n%s", err, out)
	}
	if !strings.HasPrefix(b.NixVersion, "2.26.") {
		t.Fatalf("the second host ran nix %q, want Debian 13's 2.26", b.NixVersion)
	}
	if len(b.Outputs) != 1 || !strings.HasSuffix(b.Outputs[0], "-haproxy-3.0.11") || !strings.HasPrefix(b.NarHashes[b.Outputs[0]], "sha256") || !strings.HasPrefix(b.Digest, "sha256:") {
		t.Fatalf("kiln build --json on nix %s: %+v", b.NixVersion, b)
	}
	if _, err := os.Stat(filepath.Join(img, "index.json")); err != nil {
		t.Fatalf("no OCI layout written: %v", err)
	}
	t.Logf("nix %s built %s, image %s", b.NixVersion, b.Outputs[0], b.Digest)
	compareAcrossHosts(t, h, "", b.built, img)

	h.kiln("audit", "oci:"+img)

	var v struct {
		Reproducible bool `json:"reproducible"`
		Rounds       int  `json:"rounds"`
		Image        struct {
			Rounds []struct {
				Digest string `json:"digest"`
			} `json:"rounds"`
		} `json:"image"`
	}
	out = h.kiln(append(append([]string{"verify"}, tc...), "--rounds", "2", "--json")...)
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("kiln verify --json: %v\n%s", err, out)
	}
	if !v.Reproducible || v.Rounds != 2 || len(v.Image.Rounds) != 2 || v.Image.Rounds[1].Digest != b.Digest {
		t.Errorf("kiln verify on nix 2.26: %s", out)
	}

	pub := strings.TrimSpace(h.kiln("cache", "keygen", "--dir", h.work, "second-host-1"))
	cacheDir := filepath.Join(h.work, "cache")
	h.kiln(append(append([]string{"-q", "cache", "push"}, tc...), "--to", "file://"+cacheDir, "--sign-key", filepath.Join(h.work, "second-host-1.sec"))...)

	var s struct {
		Digest      string   `json:"digest"`
		Built       []string `json:"built"`
		Substituted []string `json:"substituted"`
	}
	out = h.kiln("build", "--toolchain", testToolchain, "--store", filepath.Join(h.work, "store"), "--cache", "file://"+cacheDir,
		"--trusted-key", pub, "--no-result-cache", "--json", "-o", "oci:"+filepath.Join(h.work, "img2"))
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("kiln build --cache --json: %v\n%s", err, out)
	}
	if len(s.Built) != 0 || len(s.Substituted) != 1 || s.Substituted[0] != b.Outputs[0] || s.Digest != b.Digest {
		t.Errorf("build from the cache into a fresh store: built %v, substituted %v, digest %s (want nothing built, %s substituted, digest %s)",
			s.Built, s.Substituted, s.Digest, b.Outputs[0], b.Digest)
	}
}

// crossHostFullEnv asks for TestSecondHostFullFeature, which `make test` leaves out: the
// second host compiles OpenSSL, Lua, PCRE2 and a full HAProxy from nothing, which took
// 16.6 min here on 2 loaded cores (make test-crosshost-full runs it).
const crossHostFullEnv = "KILN_TEST_CROSSHOST_FULL"

// TestSecondHostFullFeature: the full-feature spec (OpenSSL, Lua, PCRE2, promex) built on
// the second host is the same as here, every library and the toolchain included. Only
// with KILN_TEST_CROSSHOST_FULL=1.
func TestSecondHostFullFeature(t *testing.T) {
	if os.Getenv(crossHostFullEnv) != "1" {
		t.Skipf("%s=1 runs it (make test-crosshost-full): the second host compiles every library from nothing", crossHostFullEnv)
	}
	h := requireSecondHost(t)
	// The spec and the files it puts in the image, where the root sees them.
	specs := filepath.Join(h.work, "specs")
	if err := os.CopyFS(specs, os.DirFS(specsDir)); err != nil {
		t.Fatal(err)
	}
	h.buildAndCompare(filepath.Join(specs, filepath.Base(fullSpec)), "img-full")
}

// buildAndCompare builds spec on the second host into the OCI layout work/img and compares
// that build with this machine's (compareAcrossHosts).
func (h *secondHost) buildAndCompare(spec, img string) {
	t := h.t
	t.Helper()
	img = filepath.Join(h.work, img)
	var b built
	start := time.Now()
	out := h.kiln("build", "--toolchain", testToolchain, "--mirror", h.mirror, "--no-result-cache", "--json", "-o", "oci:"+img, spec)
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		t.Fatalf("kiln build --json: %v\n%s", err, out)
	}
	t.Logf("the second host built %s in %s, image %s", strings.Join(b.Outputs, " "), time.Since(start).Round(time.Second), b.Digest)
	compareAcrossHosts(t, h, spec, b, img)
}

// TestSecondHostProfile: a spec with a pinned profile (recorded here by kiln profile) builds
// on Debian 13 with Nix 2.26 into the same binary, store paths and image digest: the
// profile is data the build reads, so the build stays reproducible by anyone who has it.
func TestSecondHostProfile(t *testing.T) {
	h := requireSecondHost(t)
	r := sharedProfile(t)
	// The spec and its profile where the root sees them (the work dir is at the same path).
	dir := filepath.Join(h.work, "profiled")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	withDefaultFiles(t, dir)
	for _, f := range []string{r.profiledSpec, r.profile} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h.buildAndCompare(filepath.Join(dir, filepath.Base(r.profiledSpec)), "img-profiled")
}

// buildTimeClosureQuery lists everything the build of the store path $1 used and produced:
// its derivation's requisites and their outputs — the derivations themselves, the pinned
// toolchain's .debs and relocated parts, sources, recipe files, the libraries and the
// package. Run by sh with the same text on either host.
const buildTimeClosureQuery = `set -eu
drv=$(nix-store --query --deriver "$1")
case $drv in /*.drv) ;; *) echo "$1 has no known deriver ($drv)" >&2; exit 1 ;; esac
nix-store --query --requisites --include-outputs "$drv"
`

// compareAcrossHosts checks that spec ("" = the default; a testdata spec copied into the
// root, or one in the work dir), built on the second host into
// remote (its image written to the OCI layout remoteImg), is the same build as on this
// machine: the same outputs and runtime closure with the same NAR hashes, every path of the
// build-time closure (derivations, the toolchain, sources, libraries) with the same NAR hash,
// the same image digest — and kiln verify --against the other host's image passes on both.
func compareAcrossHosts(t *testing.T, h *secondHost, spec string, remote built, remoteImg string) {
	t.Helper()
	name := "default"
	if spec != "" {
		name = strings.TrimSuffix(filepath.Base(spec), ".toml")
	}
	// This machine's build of the same spec (the tests' shared build), its image where the
	// root can read it.
	localImg := filepath.Join(h.work, "local-"+name)
	localSpec := spec
	if spec != "" && !strings.HasPrefix(spec, h.work+string(filepath.Separator)) {
		// A spec of testdata/specs, copied into the root; one in the work dir is the same
		// file inside and out.
		localSpec = filepath.Join(specsDir, filepath.Base(spec))
	}
	local := buildSpec(t, localSpec, "--toolchain", testToolchain, "-o", "oci:"+localImg)

	if !slices.Equal(local.Outputs, remote.Outputs) || !slices.Equal(local.Closure, remote.Closure) {
		t.Fatalf("%s: outputs %v, closure %v here; outputs %v, closure %v on the second host",
			name, local.Outputs, local.Closure, remote.Outputs, remote.Closure)
	}
	for _, p := range local.Closure {
		if local.NarHashes[p] == "" || local.NarHashes[p] != remote.NarHashes[p] {
			t.Errorf("%s: %s has NAR hash %s here, %s on the second host", name, p, local.NarHashes[p], remote.NarHashes[p])
		}
	}
	if local.Digest != remote.Digest {
		t.Errorf("%s: image %s here, %s on the second host", name, local.Digest, remote.Digest)
	}

	// The whole build-time closure: the same paths on both hosts, and each one that is not a
	// derivation (whose store path is the hash of its text) with the same NAR hash, as each
	// host's Nix reports it (an array from Nix 2.8, an object keyed by path from 2.26).
	hereEnv := append(os.Environ(), "NIX_CONFIG=experimental-features = nix-command flakes")
	hereRun := func(args ...string) (string, string, error) {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = hereEnv
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	closure := func(where string, run func(args ...string) (string, string, error)) (paths []string, infos []nix.PathInfo) {
		out, stderr, err := run("sh", "-c", buildTimeClosureQuery, "sh", local.Outputs[0])
		if err != nil {
			t.Fatalf("%s: the build-time closure %s: %v\n%s", name, where, err, tailLines(stderr, 20))
		}
		paths = strings.Fields(out)
		sort.Strings(paths)
		var built []string
		for _, p := range paths {
			if !strings.HasSuffix(p, ".drv") {
				built = append(built, p)
			}
		}
		out, stderr, err = run(append([]string{"nix", "path-info", "--json"}, built...)...)
		if err != nil {
			t.Fatalf("%s: nix path-info %s: %v\n%s", name, where, err, tailLines(stderr, 20))
		}
		if infos, err = nix.ParsePathInfo([]byte(out)); err != nil {
			t.Fatalf("%s: %s: %v", name, where, err)
		}
		if len(infos) != len(built) {
			t.Fatalf("%s: nix path-info %s answered for %d of %d paths", name, where, len(infos), len(built))
		}
		return paths, infos
	}
	herePaths, here := closure("here", hereRun)
	therePaths, there := closure("on the second host", h.run)
	if !slices.Equal(herePaths, therePaths) {
		t.Errorf("%s: the build-time closures differ:\nhere only: %v\nthere only: %v", name, missingFrom(herePaths, therePaths), missingFrom(therePaths, herePaths))
	}
	hashes := map[string]string{}
	for _, p := range there {
		hashes[p.Path] = p.NarHash
	}
	debs := 0
	for _, p := range here {
		if got, ok := hashes[p.Path]; ok && got != p.NarHash {
			t.Errorf("%s: %s has NAR hash %s here, %s on the second host", name, p.Path, p.NarHash, got)
		}
		if strings.HasSuffix(p.Path, ".deb") {
			debs++
		}
	}
	if debs == 0 || len(here) <= debs {
		t.Errorf("%s: the build-time closure holds %d .debs and %d other built paths: not the pinned toolchain's build", name, debs, len(here)-debs)
	}
	t.Logf("%s: %d build-time paths the same on both hosts: %d derivations; %d .debs and %d other outputs and sources, each with the same NAR hash; image %s on both",
		name, len(herePaths), len(herePaths)-len(here), debs, len(here)-debs, local.Digest)

	// Each host's kiln verify accepts the other host's image.
	verifyAgainst := func(where string, run func(args ...string) (string, string, error), spec, img string) {
		args := []string{"verify", "--toolchain", testToolchain, "--mirror", h.mirror, "--rounds", "1", "--json", "--against", "oci:" + img}
		if spec != "" {
			args = append(args, spec)
		}
		stdout, stderr, err := run(args...)
		var v verifyJSON
		if jerr := json.Unmarshal([]byte(stdout), &v); err != nil || jerr != nil || !v.Reproducible || v.Against == nil || !v.Against.Same || v.Against.Digest != local.Digest {
			t.Errorf("%s: kiln verify --against the other host's image, %s: %v\n%s\n%s", name, where, err, stdout, tailLines(stderr, 20))
		}
	}
	verifyAgainst("here", func(args ...string) (string, string, error) { return kiln(t, args...) }, localSpec, remoteImg)
	verifyAgainst("on the second host", func(args ...string) (string, string, error) {
		return h.run(append([]string{"kiln"}, args...)...)
	}, spec, localImg)
}

// TestSecondHostSandboxHasNoHostPath: Debian 13's Nix puts bash-static at /bin/sh in every
// sandbox by default (its compiled-in sandbox-paths), and a user's nix.conf may add /usr and
// /lib with extra-sandbox-paths. With those settings a derivation run by /bin/sh, or one that
// runs /usr/bin/gcc (the root's own gcc 14) or /bin/sh from a shell in the store, builds —
// the control. With kiln's settings appended, as kiln runs nix, each of them fails for want
// of that very path: no recipe reaches the host's shell or compiler, whatever nix.conf says.
func TestSecondHostSandboxHasNoHostPath(t *testing.T) {
	h := requireSecondHost(t)
	probe := filepath.Join(h.work, "probe.nix")
	// builder: a host path, or (by default) the root's static bash copied into the store.
	if err := os.WriteFile(probe, []byte(`{ nonce, cmd, hostBuilder ? "" }:
derivation {
  name = "kiln-host-path-probe";
  system = "x86_64-linux";
  builder = if hostBuilder != "" then hostBuilder
    else builtins.path { path = /usr/bin/bash-static; name = "bash-static"; };
  args = [ "-c" cmd ];
  inherit nonce;
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	user := []string{"NIX_CONFIG=extra-sandbox-paths = /usr /lib /lib64"}
	build := func(env []string, hostBuilder, cmd string) (string, error) {
		args := append(append([]string{"env"}, env...), "nix", "build", "--no-link", "-L", "-f", probe,
			"--argstr", "nonce", fmt.Sprint(time.Now().UnixNano()), "--argstr", "hostBuilder", hostBuilder, "--argstr", "cmd", cmd)
		_, stderr, err := h.run(args...)
		return stderr, err
	}
	kilnEnv := nix.Environ(user, nix.Settings{Sandbox: true, NoBuildUsers: true})
	for _, c := range []struct{ hostBuilder, cmd, missing string }{
		{"/bin/sh", "echo reached > $out", "executing '/bin/sh': No such file or directory"},
		{"", "/usr/bin/gcc --version > $out", "/usr/bin/gcc: No such file or directory"},
		{"", "/bin/sh -c 'echo reached' > $out", "/bin/sh: No such file or directory"},
	} {
		what := c.cmd
		if c.hostBuilder != "" {
			what = "builder " + c.hostBuilder
		}
		if stderr, err := build(user, c.hostBuilder, c.cmd); err != nil {
			t.Fatalf("%s: the control (Nix 2.26's defaults and the user's extra-sandbox-paths) failed: %v\n%s", what, err, tailLines(stderr, 10))
		}
		stderr, err := build(kilnEnv, c.hostBuilder, c.cmd)
		if err == nil {
			t.Errorf("%s: built with kiln's settings: the sandbox reached the host", what)
		} else if !strings.Contains(stderr, c.missing) {
			t.Errorf("%s: failed with kiln's settings, but not with %q:\n%s", what, c.missing, tailLines(stderr, 10))
		}
	}
}

// missingFrom lists the elements of a (sorted) that b (sorted) lacks.
func missingFrom(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			out = append(out, x)
		}
	}
	return out
}
