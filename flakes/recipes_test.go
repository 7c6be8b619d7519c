package flakes

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// recipeSources are haproxy.sh's kiln_*_sources lines, which it sets before it sources
// common.sh: the per-file lists the cc wrapper is written from.
func recipeSources(t *testing.T) []string {
	t.Helper()
	script, err := os.ReadFile("recipes/haproxy.sh")
	if err != nil {
		t.Fatal(err)
	}
	lines := regexp.MustCompile(`(?m)^kiln_[a-z0-9_]+_sources="[^"\n]*"$`).FindAllString(string(script), -1)
	if len(lines) != 6 {
		t.Fatalf("haproxy.sh sets %d kiln_*_sources lists, want 6 (o2, inline, forceinline, loop, speed_loop, pgo): %q", len(lines), lines)
	}
	return lines
}

// wrap runs common.sh as haproxy.sh does (its source lists set first) with a toolchain
// whose compiler prints its arguments, then compiles file through the cc wrapper that
// common.sh wrote, with KILN_PGO=pgo, and returns the arguments the compiler got.
func wrap(t *testing.T, optimize, pgo, file string) []string {
	t.Helper()
	args, err := wrapMarch(t, optimize, pgo, file, "")
	if err != nil {
		t.Fatal(err)
	}
	return args
}

// wrapMarch is wrap with build.march's level in the environment, as the derivation sets it.
func wrapMarch(t *testing.T, optimize, pgo, file, march string, env ...string) ([]string, error) {
	t.Helper()
	dir := t.TempDir()
	setup := filepath.Join(dir, "setup.sh")
	if err := os.WriteFile(setup, []byte("kiln_cc=echo STRIP=true AR=true RANLIB=true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	common, err := filepath.Abs("recipes/common.sh")
	if err != nil {
		t.Fatal(err)
	}
	probe := strings.Join(recipeSources(t), "\n") + `
. "$common"
KILN_PGO="$pgo" cc $cflags -c -o "${file%.c}.o" "$file"
`
	cmd := exec.Command("sh", "-ec", probe)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "NIX_BUILD_TOP=" + dir, "builder=/bin/sh",
		"toolchainSetup=" + setup, "common=" + common, "optimize=" + optimize, "hardening=pie canary",
		"pgo=" + pgo, "file=" + file, "march=" + march}
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("common.sh, optimize = %s, march = %q: %v\n%s", optimize, march, err, out)
	}
	// The build dir is a new temporary one each time; the wrapper maps it to /build.
	return strings.Fields(strings.ReplaceAll(string(out), dir, "TOP")), nil
}

// isProfileFlag is a flag of the profile's two compiles (-fprofile-*, -Werror=*-profile,
// -Werror=coverage-mismatch).
func isProfileFlag(a string) bool {
	return strings.Contains(a, "profile") || strings.Contains(a, "coverage")
}

func profileFlags(args []string) (p []string) {
	for _, a := range args {
		if isProfileFlag(a) {
			p = append(p, a)
		}
	}
	return p
}

// TestPGOWrapper: with optimize = balanced or speed, SLZ's compile is instrumented when the
// recipe's training asks (KILN_PGO=generate) and reads the profile, failing without one,
// when its final build does (use); the two compiles differ only in those flags, or GCC
// would reject the profile as not matching the code. No other file, and nothing with
// optimize = size, ever gets a profile flag.
func TestPGOWrapper(t *testing.T) {
	for _, optimize := range []string{"balanced", "speed"} {
		gen := wrap(t, optimize, "generate", "src/slz.c")
		use := wrap(t, optimize, "use", "src/slz.c")
		if p := profileFlags(gen); !slices.Equal(p, []string{"-fprofile-generate", "-fprofile-update=single"}) {
			t.Errorf("%s: training compile of src/slz.c has profile flags %q", optimize, p)
		}
		for _, want := range []string{"-fprofile-use", "-fprofile-partial-training", "-Werror=missing-profile", "-Werror=coverage-mismatch"} {
			if !slices.Contains(use, want) {
				t.Errorf("%s: final compile of src/slz.c lacks %s: %q", optimize, want, use)
			}
		}
		g := slices.DeleteFunc(slices.Clone(gen), isProfileFlag)
		if u := slices.DeleteFunc(slices.Clone(use), isProfileFlag); !slices.Equal(g, u) {
			t.Errorf("%s: training and final compiles of src/slz.c differ beyond the profile:\n%q\n%q", optimize, g, u)
		}
		if p := profileFlags(wrap(t, optimize, "use", "src/h1.c")); len(p) > 0 {
			t.Errorf("%s: src/h1.c got profile flags %q", optimize, p)
		}
		if p := profileFlags(wrap(t, optimize, "", "src/slz.c")); len(p) > 0 {
			t.Errorf("%s: src/slz.c got profile flags %q without KILN_PGO", optimize, p)
		}
	}
	for _, pgo := range []string{"generate", "use"} {
		args := wrap(t, "size", pgo, "src/slz.c")
		if p := profileFlags(args); len(p) > 0 || slices.Contains(args, "-O2") {
			t.Errorf("size, KILN_PGO=%s: src/slz.c compiled with %q", pgo, args)
		}
	}
	if args := wrap(t, "balanced", "use", "src/slz.c"); !slices.Contains(args, "-O2") {
		t.Errorf("balanced: src/slz.c is not compiled at -O2: %q", args)
	}
}

// TestPinnedProfileWrapper: with a pinned profile (build.profile) every C file is compiled
// with it — SLZ too, without its in-build profile's partial training — and fails without
// its .gcda; the recording build instruments every compile; apart from those flags both
// compile exactly as plain speed does, or GCC would reject the profile as not matching the
// code. A pinned profile with another optimize setting stops the recipe.
func TestPinnedProfileWrapper(t *testing.T) {
	use := []string{"-fprofile-use", "-Werror=missing-profile", "-Werror=coverage-mismatch"}
	gen := []string{"-fprofile-generate", "-fprofile-update=single"}
	for _, file := range []string{"src/h1.c", "src/slz.c", "src/haproxy.c", "addons/promex/service-prometheus.c"} {
		plain, err := wrapMarch(t, "speed", "use", file, "")
		if err != nil {
			t.Fatal(err)
		}
		plain = slices.DeleteFunc(plain, isProfileFlag)
		for _, c := range []struct {
			env  string
			want []string
		}{{"pgoProfile=/nix/store/x-profile.tar.gz", use}, {"pgoRecord=1", gen}} {
			args, err := wrapMarch(t, "speed", "use", file, "", c.env)
			if err != nil {
				t.Fatal(err)
			}
			if p := profileFlags(args); !slices.Equal(p, c.want) {
				t.Errorf("%s, %s: profile flags %q, want %q", c.env, file, p, c.want)
			}
			if rest := slices.DeleteFunc(slices.Clone(args), isProfileFlag); !slices.Equal(rest, plain) {
				t.Errorf("%s, %s: compiled unlike plain speed beyond the profile:\n%q\n%q", c.env, file, rest, plain)
			}
		}
	}
	for _, optimize := range []string{"size", "balanced"} {
		if _, err := wrapMarch(t, optimize, "", "src/h1.c", "", "pgoProfile=/nix/store/x-profile.tar.gz"); err == nil || !strings.Contains(err.Error(), "is for optimize = speed") {
			t.Errorf("%s with a pinned profile: %v", optimize, err)
		}
	}
}

// TestRequestPathWrapper: with optimize = balanced the request-path files may inline small
// helpers, and those that set up a request's structs copy or clear them with plain loops,
// unaligned, rather than rep movs/stos, after -Oz so that they win; with speed the
// request-path files copy with loops (no inline parameter, no alignment flag); other files,
// and size, get none of it.
func TestRequestPathWrapper(t *testing.T) {
	inline, loop, noalign := "--param=max-inline-insns-size=8", "-mstringop-strategy=loop", "-mno-align-stringops"
	after := func(args []string, level string, flags ...string) {
		t.Helper()
		o := slices.Index(args, level)
		for _, f := range flags {
			if i := slices.Index(args, f); i < 0 || i < o {
				t.Errorf("lacks %s after %s: %q", f, level, args)
			}
		}
	}
	without := func(args []string, flags ...string) {
		t.Helper()
		for _, f := range flags {
			if slices.Contains(args, f) {
				t.Errorf("got %s: %q", f, args)
			}
		}
	}
	after(wrap(t, "balanced", "", "src/mux_h1.c"), "-Oz", inline, loop, noalign)
	// h1.c parses a request but sets up none of its structs: inlines, no loops.
	args := wrap(t, "balanced", "", "src/h1.c")
	after(args, "-Oz", inline)
	without(args, loop, noalign)
	// speed: the request path copies with loops too (-O2 would call musl's memcpy), and
	// needs no inline parameter.
	for _, file := range []string{"src/mux_h1.c", "src/h1.c"} {
		args := wrap(t, "speed", "", file)
		after(args, "-O2", loop)
		without(args, inline, noalign)
	}
	for _, c := range []struct{ optimize, file string }{
		{"balanced", "src/cli.c"}, {"size", "src/mux_h1.c"}, {"speed", "src/cli.c"},
	} {
		without(wrap(t, c.optimize, "", c.file), inline, loop, noalign)
	}
	// http_htx.c and http_ana.c: no inline budget in balanced (it bought little there for
	// 1.5 KB), the loops in speed.
	for _, file := range []string{"src/http_htx.c", "src/http_ana.c"} {
		without(wrap(t, "balanced", "", file), inline, loop, noalign)
		after(wrap(t, "speed", "", file), "-O2", loop)
	}
}

// TestRequestPathInlineWrapper: the header of helpers to inline (requestPathInline, which
// haproxy.nix sets for balanced builds of HAProxy 3.0) is force-included in the request
// path's files, right after -include so that the two stay one option, and nowhere else;
// size and speed never get it, and balanced without it compiles as before.
func TestRequestPathInlineWrapper(t *testing.T) {
	const header = "/nix/store/x-request-path-inline.h"
	env := "requestPathInline=" + header
	with := func(optimize, file string) []string {
		t.Helper()
		args, err := wrapMarch(t, optimize, "", file, "", env)
		if err != nil {
			t.Fatal(err)
		}
		return args
	}
	for _, file := range []string{"src/stream.c", "src/http_ana.c", "src/h1.c", "src/mux_h1.c"} {
		args := with("balanced", file)
		if i := slices.Index(args, "-include"); i < 0 || i+1 == len(args) || args[i+1] != header {
			t.Errorf("balanced, %s: %s not force-included: %q", file, header, args)
		}
		plain := wrap(t, "balanced", "", file)
		if rest := slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "-include" || a == header }); !slices.Equal(rest, plain) {
			t.Errorf("balanced, %s: the header changed more than -include:\n%q\n%q", file, rest, plain)
		}
		if slices.Contains(plain, "-include") {
			t.Errorf("balanced without requestPathInline, %s: got -include: %q", file, plain)
		}
	}
	if _, err := wrapMarch(t, "balanced", "", "src/stream.c", "", "requestPathInline=/nix/store/x-$(touch pwned).h"); err == nil || !strings.Contains(err.Error(), "not a plain absolute path") {
		t.Errorf("requestPathInline with shell syntax: %v, want the recipe to refuse it", err)
	}
	for _, c := range []struct{ optimize, file string }{
		{"balanced", "src/cli.c"}, {"balanced", "src/http_htx.c"}, {"size", "src/stream.c"}, {"speed", "src/stream.c"},
	} {
		if args := with(c.optimize, c.file); slices.Contains(args, "-include") {
			t.Errorf("%s, %s: got -include: %q", c.optimize, c.file, args)
		}
	}
}

// TestMarchFlag: build.march's level reaches every compile, whatever its per-file flags, as
// -march and nothing else; the baseline adds no flag at all (its bits stay those of a spec
// without the key); anything else stops the recipe before it compiles.
func TestMarchFlag(t *testing.T) {
	for _, optimize := range []string{"size", "balanced", "speed"} {
		for _, file := range []string{"src/cli.c", "src/mux_h1.c", "src/slz.c"} {
			base := wrap(t, optimize, "", file)
			if slices.ContainsFunc(base, func(a string) bool { return strings.HasPrefix(a, "-march") }) {
				t.Errorf("%s, %s, baseline: got a -march flag: %q", optimize, file, base)
			}
			for _, level := range []string{"x86-64-v2", "x86-64-v3"} {
				args, err := wrapMarch(t, optimize, "", file, level)
				if err != nil {
					t.Fatal(err)
				}
				want := append(slices.Clone(base), "-march="+level)
				slices.Sort(want)
				got := slices.Sorted(slices.Values(args))
				if !slices.Equal(got, want) {
					t.Errorf("%s, %s, %s: got %q, want the baseline's flags and -march=%s", optimize, file, level, args, level)
				}
			}
		}
	}
	if _, err := wrapMarch(t, "balanced", "", "src/cli.c", "native"); err == nil || !strings.Contains(err.Error(), "march must be") {
		t.Errorf("march = native: %v, want the recipe to refuse it", err)
	}
}

// TestUnpackPatches: common.sh's kiln_unpack applies the spec's patches of the source in
// order; a patch that does not apply stops the build, naming it; without patches it only
// unpacks.
func TestUnpackPatches(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("tree/lib-1.0/a.c", "int a = 1;\n")
	src := filepath.Join(dir, "lib-1.0.tar.gz")
	if out, err := exec.Command("tar", "-czf", src, "-C", filepath.Join(dir, "tree"), "lib-1.0").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	p1 := write("p1.patch", "--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-int a = 1;\n+int a = 2;\n")
	p2 := write("p2.patch", "--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-int a = 2;\n+int a = 3;\n")
	setup := write("setup.sh", "kiln_cc=echo STRIP=true AR=true RANLIB=true\n")
	common, _ := filepath.Abs("recipes/common.sh")
	run := func(patches ...string) (string, error) {
		top := t.TempDir()
		cmd := exec.Command("sh", "-ec", `. "$common"; kiln_unpack; cat a.c`)
		cmd.Dir = top
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "NIX_BUILD_TOP=" + top, "builder=/bin/sh",
			"toolchainSetup=" + setup, "common=" + common,
			"optimize=size", "hardening=pie", "march=", "src=" + src, "patches=" + strings.Join(patches, " ")}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(p1, p2)
	if err != nil || !strings.HasSuffix(out, "int a = 3;\n") {
		t.Fatalf("two patches in order: %v\n%s", err, out)
	}
	out, err = run(p2, p1)
	if err == nil || !strings.Contains(out, "patch "+p2+" does not apply") {
		t.Fatalf("a patch that does not apply: err %v\n%s", err, out)
	}
	out, err = run()
	if err != nil || out != "int a = 1;\n" {
		t.Fatalf("no patches: %v\n%s", err, out)
	}
}
