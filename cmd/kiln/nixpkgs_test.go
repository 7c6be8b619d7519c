package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
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
	// kiln init's spec with optimize = "speed": the one goal no spec in testdata uses.
	specs = append(specs, initSpec(t, filepath.Join(t.TempDir(), "speed.toml"), "\noptimize = \"balanced\"", "\noptimize = \"speed\""))
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
	checkRecipeFlags(t, d, want)
	checkRecipeText(t, d)
}

// hardeningFlags are the compiler and linker flags each hardening word means.
var hardeningFlags = map[string][]string{
	"pie":     {"-fPIE"},
	"relro":   {"-Wl,-z,relro"},
	"bindnow": {"-Wl,-z,now"},
	"nx":      {"-Wl,-z,noexecstack"},
	"canary":  {"-fstack-protector-strong"},
}

// checkRecipeFlags runs the recipe prologue (common.sh) the way the derivation's builder
// would — its own environment, its toolchain setup file — with this machine's sh (nixpkgs'
// bash is not built here), and checks the compiler command and flags it computes: static-PIE,
// each hardening word's flag (and none of an absent word's), -Oz or -O2, and, for haproxy,
// LTO in both the compile and the link flags its recipe passes to make.
func checkRecipeFlags(t *testing.T, d nix.Derivation, words []string) {
	t.Helper()
	const probe = `set -eu
. "$common"
printf 'cc=%s\ncflags=%s\nldflags=%s\n' "$kiln_cc" "$cflags" "$ldflags"
`
	cmd := exec.Command("sh", "-c", probe)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "NIX_BUILD_TOP=" + cmd.Dir, "builder=/bin/sh"}
	program := strings.HasPrefix(d.Name, "haproxy-")
	for k, v := range d.Env {
		if k != "PATH" && k != "builder" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("%s: the recipe prologue with the derivation's environment: %v\n%s", d.Name, err, out)
		return
	}
	got := map[string][]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, _ := strings.Cut(l, "=")
		got[k] = strings.Fields(v)
	}
	flags := append(append([]string{}, got["cflags"]...), got["ldflags"]...)
	if !slices.Contains(got["cc"], "-static-pie") {
		t.Errorf("%s: compiler %q does not link static-PIE", d.Name, got["cc"])
	}
	opts := map[string][]string{"size": {"-Oz"}, "balanced": {"-Oz"},
		"speed": {"-O2", "-falign-functions=1", "-falign-jumps=1", "-falign-labels=1"}}[d.Env["optimize"]]
	for _, opt := range opts {
		if !slices.Contains(got["cflags"], opt) {
			t.Errorf("%s: cflags %q lack %s (optimize = %s)", d.Name, got["cflags"], opt, d.Env["optimize"])
		}
	}
	for w, fs := range hardeningFlags {
		for _, f := range fs {
			if on := slices.Contains(words, w); slices.Contains(flags, f) != on {
				t.Errorf("%s: hardening %q (%q on: %v), but flags %q", d.Name, d.Env["hardening"], w, on, flags)
			}
		}
	}
	if program {
		script, err := os.ReadFile(d.Args[1])
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`(?m)^kiln_o2_sources="src/slz\.c src/compression\.c src/flt_http_comp\.c"`).Match(script) {
			t.Errorf("%s: the recipe %s does not name its gzip code for optimize = balanced", d.Name, d.Args[1])
		}
		if !regexp.MustCompile(`(?m)^kiln_inline_sources="[^"]*\bsrc/mux_h1\.c\b`).Match(script) {
			t.Errorf("%s: the recipe %s does not name its request path for optimize = balanced", d.Name, d.Args[1])
		}
		// SLZ's profile is recorded in the build with whichever compiler the toolchain has:
		// its training program must reach the sandbox as an input.
		if !regexp.MustCompile(`(?m)^kiln_pgo_sources="src/slz\.c"$`).Match(script) || !strings.Contains(string(script), "KILN_PGO=use make") {
			t.Errorf("%s: the recipe %s does not build SLZ with its profile", d.Name, d.Args[1])
		}
		if train, err := os.ReadFile(d.Env["slzTrain"]); err != nil || !strings.Contains(string(train), "slz_encode(") {
			t.Errorf("%s: slzTrain = %q is not SLZ's training program (%v)", d.Name, d.Env["slzTrain"], err)
		}
		// ARCH_FLAGS reaches every compile and LDFLAGS the link: LTO needs it in both.
		if !regexp.MustCompile(`(?m)^arch="-flto=auto -flto-partition=one `).Match(script) ||
			!strings.Contains(string(script), `ARCH_FLAGS="$arch"`) || !strings.Contains(string(script), `LDFLAGS="$arch $ldflags"`) {
			t.Errorf("%s: the recipe %s does not pass -flto to both haproxy's compiles and its link", d.Name, d.Args[1])
		}
	}
}

// hostPath matches what in recipe text would reach outside the store in a sandbox: /bin/sh
// and other /bin, /usr, /lib or /sbin programs, including in a #! line. A --prefix=/usr
// given to configure is an install prefix (the recipes stage into $out), not a host path.
var (
	hostPath      = regexp.MustCompile(`(^|[^\w./$-])/(bin|usr|lib|lib64|sbin)(/|\b)`)
	installPrefix = regexp.MustCompile(`--prefix=/usr(\s|$)`)
	// runConfigure is ./configure run as a command; viaShell is it run by the toolchain's
	// shell (or OpenSSL's by perl).
	runConfigure = regexp.MustCompile(`(^|[;&|(]|\s)\./[Cc]onfigure\b`)
	viaShell     = regexp.MustCompile(`("\$kiln_sh"|perl) \./[Cc]onfigure\b`)
)

// checkRecipeText reads every recipe file the derivation runs — its script, the prologue and
// the toolchain's setup — and fails on a host path outside comments, and on a script (zlib's,
// PCRE2's configure) run by its #! line rather than by the toolchain's shell.
func checkRecipeText(t *testing.T, d nix.Derivation) {
	t.Helper()
	if len(d.Args) != 2 || d.Args[0] != "-e" {
		t.Fatalf("%s: builder args %q, want -e SCRIPT", d.Name, d.Args)
	}
	for _, f := range []string{d.Args[1], d.Env["common"], d.Env["toolchainSetup"]} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Errorf("%s: %v", d.Name, err)
			continue
		}
		for i, l := range strings.Split(string(data), "\n") {
			code := strings.TrimSpace(l)
			if strings.HasPrefix(code, "#") && !strings.HasPrefix(code, "#!") {
				continue
			}
			code = installPrefix.ReplaceAllString(code, " ")
			if m := hostPath.FindString(code); m != "" {
				t.Errorf("%s: %s:%d reaches a host path (%s): %s", d.Name, f, i+1, strings.TrimSpace(m), l)
			}
			if runConfigure.MatchString(code) && !viaShell.MatchString(code) {
				t.Errorf("%s: %s:%d runs configure by its #! line, not with the toolchain's shell: %s", d.Name, f, i+1, l)
			}
		}
	}
	for k, v := range d.Env {
		if hostPath.MatchString(v) {
			t.Errorf("%s: %s = %q names a host path", d.Name, k, v)
		}
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
