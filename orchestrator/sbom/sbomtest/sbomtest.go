// Package sbomtest reads kiln's SBOMs the way a real consumer does, for the tests of the
// packages that write and attach them.
package sbomtest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"sort"
	"testing"
)

// SyftPackages runs `syft convert FILE -o syft-json` (syft built by scripts/tools.sh) and
// returns "name version" of every package syft reads from the SBOM, sorted.
func SyftPackages(t testing.TB, file string) []string {
	t.Helper()
	cmd := exec.Command("syft", "convert", file, "-o", "syft-json")
	cmd.Env = append(os.Environ(), "SYFT_CHECK_FOR_APP_UPDATE=false", "HOME="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("syft convert %s: %v\n%s", file, err, stderr.String())
	}
	var out struct {
		Artifacts []struct{ Name, Version string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("syft convert %s: %v", file, err)
	}
	var pkgs []string
	for _, a := range out.Artifacts {
		pkgs = append(pkgs, a.Name+" "+a.Version)
	}
	sort.Strings(pkgs)
	return pkgs
}
