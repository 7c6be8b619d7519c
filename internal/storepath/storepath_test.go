package storepath

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
)

// TestFixedOutputPath: kiln computes where a pinned download lives exactly as nix does —
// checked against the paths nix itself gives a flat file and a directory.
func TestFixedOutputPath(t *testing.T) {
	// The default spec's source, as nix named it on every machine so far.
	got, err := FixedOutputPath("haproxy-3.0.11.tar.gz", "a133e2d550c5fd9a849b5c7ab17bb945bcdad209ca140d41f45ebf31943ae783", false)
	if err != nil || !strings.HasPrefix(got, "/nix/store/wch76") || !strings.HasSuffix(got, "-haproxy-3.0.11.tar.gz") {
		t.Errorf("FixedOutputPath = %s, %v", got, err)
	}
	if _, err := FixedOutputPath("bad name", strings.Repeat("0", 64), false); err == nil {
		t.Error("a name nix refuses was accepted")
	}

	testenv.Require(t, "nix")
	dir := t.TempDir()
	file := filepath.Join(dir, "kiln-fop.txt")
	os.WriteFile(file, []byte("kiln fixed output\n"), 0o644)
	tree := filepath.Join(dir, "kiln-fop-tree")
	os.MkdirAll(filepath.Join(tree, "bin"), 0o755)
	os.WriteFile(filepath.Join(tree, "bin", "x"), []byte("#!/bin/sh\n"), 0o755)
	store := filepath.Join(dir, "store")
	nix := func(args ...string) string {
		cmd := exec.Command("nix", append([]string{"--store", store}, args...)...)
		cmd.Env = append(os.Environ(), "NIX_CONFIG=experimental-features = nix-command\nbuild-users-group =")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("nix %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	data, _ := os.ReadFile(file)
	sum := sha256.Sum256(data)
	if want, got := nix("store", "add-file", file), must(FixedOutputPath("kiln-fop.txt", hex.EncodeToString(sum[:]), false)); got != want {
		t.Errorf("flat: kiln %s, nix %s", got, want)
	}
	h := nix("hash", "path", "--base16", tree)
	if want, got := nix("store", "add-path", tree), must(FixedOutputPath("kiln-fop-tree", h, true)); got != want {
		t.Errorf("recursive: kiln %s, nix %s", got, want)
	}
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}

// TestFixedOutputPathVectors: paths nix 2.8 printed (nix store add-file, add-path).
func TestFixedOutputPathVectors(t *testing.T) {
	hello := sha256.Sum256([]byte("hello"))
	if got := must(FixedOutputPath("hello.txt", hex.EncodeToString(hello[:]), false)); got != "/nix/store/iixxin28s82lrxs8v4lcf7nha2dkwprm-hello.txt" {
		t.Errorf("flat: %s", got)
	}
	// The NAR of a tree holding bin/busybox ("#!kiln\n", executable): sha256-J2Psf0tn….
	nar, _ := base64.StdEncoding.DecodeString("J2Psf0tnTilWnqJphCqT+hyW5eAfBLO47NIvK0CwzNQ=")
	if got := must(FixedOutputPath("narv-test", hex.EncodeToString(nar), true)); got != "/nix/store/5si5vlr98zxw0xk4x0p11gr41vlr1dm5-narv-test" {
		t.Errorf("recursive: %s", got)
	}
	// Nix hashes a digest's lower-case spelling, whatever case it was given in.
	upper := strings.ToUpper(hex.EncodeToString(nar))
	if got := must(FixedOutputPath("narv-test", upper, true)); got != "/nix/store/5si5vlr98zxw0xk4x0p11gr41vlr1dm5-narv-test" {
		t.Errorf("recursive, upper-case hex: %s", got)
	}
	upper = strings.ToUpper(hex.EncodeToString(hello[:]))
	if got := must(FixedOutputPath("hello.txt", upper, false)); got != "/nix/store/iixxin28s82lrxs8v4lcf7nha2dkwprm-hello.txt" {
		t.Errorf("flat, upper-case hex: %s", got)
	}
}
