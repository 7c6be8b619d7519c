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
