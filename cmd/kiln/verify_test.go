package main

import (
	"encoding/json"
	"errors"
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
	Rounds       int  `json:"rounds"`
	Reproducible bool `json:"reproducible"`
	Paths        []struct {
		Path      string   `json:"path"`
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
		if !p.Same || len(p.NarHashes) != 2 || p.NarHashes[0] != b.NarHashes[p.Path] {
			t.Errorf("path %+v; kiln build recorded %s", p, b.NarHashes[p.Path])
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
	row := regexp.MustCompile(`(?m)^(/nix/store/[0-9a-z]{32}-haproxy-2\.6\.12)\s+(sha256-\S+)\s+(sha256-\S+)\s+DIFFERENT$`).FindStringSubmatch(stdout)
	if row == nil || row[2] == row[3] {
		t.Fatalf("table does not show the store path DIFFERENT:\n%s", stdout)
	}
	storePath := row[1]
	for _, want := range []string{
		storePath + ": round 2 differs from round 1 in 1 file(s)",
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
	if !regexp.MustCompile(`not reproducible: ` + regexp.QuoteMeta(storePath) + ` differs between rounds: bin/haproxy \(ELF sections [^)]*\.(data|rodata)`).MatchString(stderr) {
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
