package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnbuild/kiln/internal/testenv"
)

// secondHostToolchain is the toolchain the second-host tests build with: the one parameter
// to change when another toolchain becomes the tests' default.
const secondHostToolchain = "host"

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
	tc := []string{"--toolchain", secondHostToolchain, "--mirror", h.mirror}
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
	out = h.kiln("build", "--toolchain", secondHostToolchain, "--store", filepath.Join(h.work, "store"), "--cache", "file://"+cacheDir,
		"--trusted-key", pub, "--no-result-cache", "--json", "-o", "oci:"+filepath.Join(h.work, "img2"))
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("kiln build --cache --json: %v\n%s", err, out)
	}
	if len(s.Built) != 0 || len(s.Substituted) != 1 || s.Substituted[0] != b.Outputs[0] || s.Digest != b.Digest {
		t.Errorf("build from the cache into a fresh store: built %v, substituted %v, digest %s (want nothing built, %s substituted, digest %s)",
			s.Built, s.Substituted, s.Digest, b.Outputs[0], b.Digest)
	}
}
