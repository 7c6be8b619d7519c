package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const specNondeterministic = "../../testdata/specs/nondeterministic.toml"

// verifyJSON is the part of kiln verify --json the tests read.
type verifyJSON struct {
	Rounds       int       `json:"rounds"`
	RoundNames   []string  `json:"round_names"`
	Depth        string    `json:"depth"`
	Seconds      []float64 `json:"seconds"`
	Reproducible bool      `json:"reproducible"`
	Paths        []struct {
		Path      string   `json:"path"`
		Name      string   `json:"name"`
		Rebuilt   bool     `json:"rebuilt"`
		NarHashes []string `json:"nar_hashes"`
		Same      bool     `json:"same"`
	} `json:"paths"`
	Image struct {
		Rounds []struct {
			Digest string `json:"digest"`
		} `json:"rounds"`
		Same bool `json:"same"`
	} `json:"image"`
	Against *struct {
		Digest string `json:"digest"`
		Same   bool   `json:"same"`
	} `json:"against"`
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestVerifyDefaultSpec: the default spec rebuilt from scratch is bit-identical, its image
// is the one kiln build wrote, and a wrong --against digest fails saying what differs.
// One real rebuild (~50 s); round 1 and the --rounds 1 checks reuse the store's build.
func TestVerifyDefaultSpec(t *testing.T) {
	m := mirror(t)
	dir := t.TempDir()
	layout := "oci:" + filepath.Join(dir, "oci") + ":3.0.11"
	b := buildSpec(t, "", "--output", layout)
	if !strings.HasPrefix(b.Digest, "sha256:") {
		t.Fatalf("kiln build printed digest %q", b.Digest)
	}

	stdout, stderr, err := kiln(t, "verify", "--mirror", m, "--json", "--against", b.Digest)
	if err != nil {
		t.Fatalf("kiln verify: %v\n%s\n%s", err, stdout, tailLines(stderr, 40))
	}
	var v verifyJSON
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("kiln verify --json printed something else: %v\n%s", err, stdout)
	}
	if !v.Reproducible || v.Rounds != 2 || len(v.Paths) == 0 || !v.Image.Same || v.Against == nil || !v.Against.Same {
		t.Fatalf("not reproducible:\n%s", stdout)
	}
	for _, p := range v.Paths {
		// kiln build records the image's closure; the toolchain's outputs, rebuilt too, are
		// not in it (the binary is static) and are compared between rounds only.
		recorded, inClosure := b.NarHashes[p.Path]
		if !p.Same || len(p.NarHashes) != 2 || (inClosure && p.NarHashes[0] != recorded) {
			t.Errorf("path %+v; kiln build recorded %s", p, recorded)
		}
	}
	if len(v.Image.Rounds) != 2 || v.Image.Rounds[0].Digest != b.Digest || v.Image.Rounds[1].Digest != b.Digest {
		t.Errorf("image digests %+v, kiln build wrote %s", v.Image.Rounds, b.Digest)
	}
	if !strings.Contains(stderr, "checking outputs of") {
		t.Errorf("round 2 was not a nix --rebuild check:\n%s", tailLines(stderr, 20))
	}

	// The published image itself, read back from the OCI layout: no rebuild needed.
	stdout, stderr, err = kiln(t, "verify", "--mirror", m, "--rounds", "1", "--against", layout)
	if err != nil {
		t.Fatalf("kiln verify --against %s: %v\n%s\n%s", layout, err, stdout, tailLines(stderr, 20))
	}
	if !regexp.MustCompile(`(?m)^against oci:\S+\s+` + b.Digest + `\s+same$`).MatchString(stdout) {
		t.Errorf("table lacks the against row:\n%s", stdout)
	}

	wrong := "sha256:" + strings.Repeat("0", 64)
	stdout, stderr, err = kiln(t, "verify", "--mirror", m, "--rounds", "1", "--against", wrong)
	if code := exitCode(err); code != exitNotReproducible {
		t.Fatalf("kiln verify --against a wrong digest: exit %d (%v), want %d\n%s\n%s", code, err, exitNotReproducible, stdout, tailLines(stderr, 20))
	}
	if !regexp.MustCompile(`(?m)^against ` + wrong + `\s+` + wrong + `\s+DIFFERENT$`).MatchString(stdout) {
		t.Errorf("table does not show the against row DIFFERENT:\n%s", stdout)
	}
	if !strings.Contains(stdout, "manifest digest: "+wrong+" vs "+b.Digest) {
		t.Errorf("stdout does not say which digest differs:\n%s", stdout)
	}
	if !strings.Contains(stderr, "not reproducible: the image ("+b.Digest+") is not --against "+wrong) {
		t.Errorf("stderr does not say what differs:\n%s", tailLines(stderr, 5))
	}
}

// TestVerifyNondeterministicSpec: a recipe that stamps the build time into the binary is
// caught, and verify names the store path, the file and the ELF section. Two real builds
// (~55 s each).
func TestVerifyNondeterministicSpec(t *testing.T) {
	m := mirror(t)
	stdout, stderr, err := kiln(t, "verify", "--mirror", m, specNondeterministic)
	if code := exitCode(err); code != exitNotReproducible {
		t.Fatalf("kiln verify of a non-reproducible recipe: exit %d (%v), want %d\n%s\n%s", code, err, exitNotReproducible, stdout, tailLines(stderr, 40))
	}
	row := regexp.MustCompile(`(?m)^(/nix/store/[0-9a-z]{32}-haproxy-2\.6\.12)\s+(sha256-\S+)\s+(sha256-\S+)\s+DIFFERENT \(in the image\)$`).FindStringSubmatch(stdout)
	if row == nil || row[2] == row[3] {
		t.Fatalf("table does not show the store path DIFFERENT:\n%s", stdout)
	}
	storePath := row[1]
	for _, want := range []string{
		"haproxy-2.6.12 (" + storePath + "): round 2 differs from round 1 in 1 file(s)",
		"  bin/haproxy: content differs",
		"    ELF sections that differ:",
		"-nonce-",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !regexp.MustCompile(`(?m)^      \.(data|rodata)$`).MatchString(stdout) {
		t.Errorf("stdout names neither .data nor .rodata as a differing section:\n%s", stdout)
	}
	if !regexp.MustCompile(`(?m)^image \(gzip, created [^)]+\)\s+sha256:\S+\s+sha256:\S+\s+DIFFERENT$`).MatchString(stdout) {
		t.Errorf("table does not show the image DIFFERENT:\n%s", stdout)
	}
	if !regexp.MustCompile(`not reproducible: haproxy-2\.6\.12 \(` + regexp.QuoteMeta(storePath) + `\) differs between rounds: bin/haproxy \(ELF sections [^)]*\.(data|rodata)`).MatchString(stderr) {
		t.Errorf("stderr does not say what differs:\n%s", tailLines(stderr, 5))
	}
	if _, err := os.Lstat(storePath + ".check"); err == nil {
		t.Errorf("verify left nix's %s.check behind", storePath)
	}
}

// TestVerifyRefusesBeforeBuilding: bad arguments fail at once, before any build.
func TestVerifyRefusesBeforeBuilding(t *testing.T) {
	cases := map[string]struct {
		args []string
		want string
	}{
		"no rounds":         {[]string{"--rounds", "0"}, "--rounds 0"},
		"one round alone":   {[]string{"--rounds", "1"}, "--rounds 1 rebuilds nothing"},
		"bad compression":   {[]string{"--compression", "xz"}, `--compression "xz"`},
		"bad digest":        {[]string{"--against", "sha256:abc"}, "64 hex digits"},
		"bad target":        {[]string{"--against", "nowhere"}, "no transport"},
		"missing layout":    {[]string{"--against", "oci:" + filepath.Join(t.TempDir(), "none")}, "--against"},
		"bad toolchain":     {[]string{"--toolchain", "gcc"}, "--toolchain"},
		"two spec":          {[]string{"a.toml", "b.toml"}, "at most one SPEC"},
		"missing spec file": {[]string{filepath.Join(t.TempDir(), "none.toml")}, "none.toml"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			stdout, stderr, err := kiln(t, append([]string{"verify"}, c.args...)...)
			if code := exitCode(err); code != 1 {
				t.Fatalf("exit %d (%v), want 1\n%s", code, err, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, c.want) || strings.Contains(stderr, "building") {
				t.Errorf("stderr %q, want %q and no build", stderr, c.want)
			}
		})
	}
}

// luaNonceSpec writes a spec whose Lua stamps its build time into one object (lapi.o, whose
// LTO bytecode gives the string a section of its own): a library recipe made
// non-reproducible, while haproxy's own step stays deterministic (the unused string is not
// linked in). Returns the spec and a mirror that
// holds the modified Lua tarball beside the pinned sources.
func luaNonceSpec(t *testing.T) (spec, mirrorDir string) {
	t.Helper()
	m := mirror(t)
	work := t.TempDir()
	if out, err := exec.Command("tar", "-xzf", filepath.Join(m, "lua-5.4.7.tar.gz"), "-C", work).CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	src := filepath.Join(work, "lua-5.4.7", "src", "lapi.c")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, []byte("\n/* kiln test fixture: the build's wall clock, so no two builds agree. */\nconst char kiln_lua_build_nonce[] = \"built \" __DATE__ \" \" __TIME__;\n")...)
	os.WriteFile(src, data, 0o644)
	mirrorDir = t.TempDir()
	tarball := filepath.Join(mirrorDir, "lua-5.4.7-nonce.tar.gz")
	cmd := exec.Command("sh", "-c", `tar --sort=name --mtime=@1 --owner=0 --group=0 --numeric-owner -C "$1" -cf - lua-5.4.7 | gzip -n -9 > "$2"`, "sh", work, tarball)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("making the tarball: %v\n%s", err, out)
	}
	entries, _ := os.ReadDir(m)
	for _, e := range entries {
		os.Symlink(filepath.Join(m, e.Name()), filepath.Join(mirrorDir, e.Name()))
	}
	sum, err := exec.Command("sha256sum", tarball).Output()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	spec = filepath.Join(dir, "lua-nonce.toml")
	if _, stderr, err := kiln(t, "init", spec); err != nil {
		t.Fatal(err, stderr)
	}
	doc, _ := os.ReadFile(spec)
	doc = []byte(strings.Replace(string(doc), "lua = false", "lua = true", 1))
	doc = append(doc, []byte(fmt.Sprintf("\n[sources.lua]\nversion = \"5.4.7-nonce\"\nurl = \"https://www.lua.org/ftp/lua-5.4.7-nonce.tar.gz\"\nsha256 = \"%s\"\n", strings.Fields(string(sum))[0]))...)
	os.WriteFile(spec, doc, 0o644)
	return spec, mirrorDir
}

// TestVerifyDeepFindsALibrary: verify rebuilds every derivation, not only haproxy's: a
// library whose recipe is non-reproducible fails verify, naming the library, its archive,
// the object and the ELF section — while haproxy itself is the same in both rounds.
func TestVerifyDeepFindsALibrary(t *testing.T) {
	spec, m := luaNonceSpec(t)
	stdout, stderr, err := kiln(t, "verify", "--toolchain", testToolchain, "--mirror", m, spec)
	if code := exitCode(err); code != exitNotReproducible {
		t.Fatalf("kiln verify: exit %d (%v), want %d\n%s\n%s", code, err, exitNotReproducible, stdout, tailLines(stderr, 40))
	}
	if !regexp.MustCompile(`(?m)^/nix/store/[0-9a-z]{32}-lua-5\.4\.7-nonce\s+sha256-\S+\s+sha256-\S+\s+DIFFERENT$`).MatchString(stdout) {
		t.Errorf("the table does not show Lua DIFFERENT:\n%s", stdout)
	}
	if !regexp.MustCompile(`(?m)^/nix/store/[0-9a-z]{32}-haproxy-3\.0\.11\s+(sha256-\S+)\s+(sha256-\S+)\s+same \(in the image\)$`).MatchString(stdout) {
		t.Errorf("haproxy is not the same in both rounds:\n%s", stdout)
	}
	for _, want := range []string{"lib/liblua.a: content differs", "archive member lapi.o: content", ".gnu.lto_kiln_lua_build_nonce."} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !regexp.MustCompile(`not reproducible: lua-5\.4\.7-nonce \(/nix/store/\S+\) differs between rounds: lib/liblua\.a \(member lapi\.o: ELF sections [^)]*\.gnu\.lto_kiln_lua_build_nonce\.`).MatchString(stderr) {
		t.Errorf("stderr does not name the library, the object and the section:\n%s", tailLines(stderr, 5))
	}
	// --shallow rebuilds haproxy alone, and so does not see it: the old behaviour, kept for
	// a quick check.
	stdout, stderr, err = kiln(t, "verify", "--shallow", "--toolchain", testToolchain, "--mirror", m, "--json", spec)
	if err != nil {
		t.Fatalf("kiln verify --shallow: %v\n%s", err, tailLines(stderr, 20))
	}
	var v verifyJSON
	json.Unmarshal([]byte(stdout), &v)
	if !v.Reproducible || v.Depth != "shallow" {
		t.Errorf("--shallow: %+v", v)
	}
}

// TestVerifyFullSpecDeep: the full-feature spec verifies with every library (OpenSSL, Lua,
// PCRE2) and haproxy rebuilt.
func TestVerifyFullSpecDeep(t *testing.T) {
	m := mirror(t)
	stdout, stderr, err := kiln(t, "verify", "--toolchain", testToolchain, "--mirror", m, "--json", "../../testdata/specs/features-full.toml")
	if err != nil {
		t.Fatalf("kiln verify of the full spec: %v\n%s\n%s", err, stdout, tailLines(stderr, 40))
	}
	var v verifyJSON
	json.Unmarshal([]byte(stdout), &v)
	rebuilt := map[string]bool{}
	for _, p := range v.Paths {
		if p.Rebuilt {
			rebuilt[strings.SplitN(p.Name, "-", 2)[0]] = true
			if !p.Same {
				t.Errorf("%s differs", p.Path)
			}
		}
	}
	for _, lib := range []string{"openssl", "lua", "pcre2", "haproxy"} {
		if !rebuilt[lib] {
			t.Errorf("%s was not rebuilt: %v", lib, rebuilt)
		}
	}
	if !v.Reproducible || v.Depth != "deep" {
		t.Errorf("full spec: reproducible %v, depth %q", v.Reproducible, v.Depth)
	}
	t.Logf("deep verify of the full spec: rounds took %v s", v.Seconds)
}

// TestVerifyFreshStore: the fresh-store round builds everything from the sources alone in
// a new store, gets the same outputs and image, and leaves the real store as it was.
func TestVerifyFreshStore(t *testing.T) {
	m := mirror(t)
	keep := filepath.Join(t.TempDir(), "fresh")
	stdout, stderr, err := kiln(t, "verify", "--toolchain", testToolchain, "--mirror", m, "--rounds", "1", "--fresh-store-dir", keep, "--json")
	if err != nil {
		t.Fatalf("kiln verify --fresh-store: %v\n%s\n%s", err, stdout, tailLines(stderr, 40))
	}
	var v verifyJSON
	json.Unmarshal([]byte(stdout), &v)
	if !v.Reproducible || v.Rounds != 2 || len(v.RoundNames) != 2 || v.RoundNames[1] != "fresh store" || !v.Image.Same {
		t.Fatalf("fresh store round: %s", stdout)
	}
	// The fresh store really built it: the outputs exist there, made by its own nix.
	for _, p := range v.Paths {
		if _, err := os.Lstat(filepath.Join(keep, p.Path)); err != nil {
			t.Errorf("%s is not in the fresh store: %v", p.Path, err)
		}
	}
	check := exec.Command("nix-store", "--verify", "--check-contents")
	check.Env = append(os.Environ(), "NIX_CONFIG=build-users-group =")
	if out, err := check.CombinedOutput(); err != nil || strings.Contains(string(out), "was modified") {
		t.Fatalf("nix-store --verify --check-contents after the fresh-store round: %v\n%s", err, tailLines(string(out), 20))
	}
	t.Logf("fresh-store verify of the default spec: rounds took %v s", v.Seconds)
}
