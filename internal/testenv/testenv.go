// Package testenv lets tests that need real external programs (nix, skopeo, podman,
// docker-registry, musl-gcc) say so. Locally a missing program skips the test; under CI
// (CI=true, where `make test` installs everything) it fails it, so a green CI run never
// hides a skipped integration test.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Require skips (locally) or fails (CI) the test unless every named program is on PATH.
func Require(t testing.TB, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required (CI installs it with `make test`): %v", p, err)
			}
			t.Skipf("%s not installed; `make test` installs it", p)
		}
	}
}

// Short skips the test under `go test -short`: used by tests that run real builds.
func Short(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped with -short: runs a real build")
	}
}

// Env returns the environment variable name, which `make test` sets (scripts/test.sh);
// unset, the test is skipped locally and fails under CI, saying what sets it.
func Env(t testing.TB, name, what string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: it names %s; run the tests with `make test`", name, what)
		}
		t.Skipf("%s not set (%s); `make test` sets it", name, what)
	}
	return v
}

// Root skips (locally) or fails (CI, which runs as root) a test that needs root.
func Root(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("this test needs root; CI runs `make test` as root")
		}
		t.Skip("needs root")
	}
}
