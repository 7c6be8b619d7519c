package attest

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyFence: the record, the SBOM and the attestation code make and check bytes
// only. They run no process, touch no registry or image code, and never reach nix, so a
// verifier can use them on a machine with nothing else of kiln's.
func TestDependencyFence(t *testing.T) {
	pkgs := []string{
		"github.com/kilnbuild/kiln/orchestrator/attest",
		"github.com/kilnbuild/kiln/orchestrator/sbom",
		"github.com/kilnbuild/kiln/orchestrator/record",
	}
	out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	banned := []string{
		"github.com/kilnbuild/kiln/orchestrator/nix", "github.com/kilnbuild/kiln/orchestrator/publish",
		"github.com/kilnbuild/kiln/orchestrator/image", "github.com/google/go-containerregistry", "os/exec",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, b := range banned {
			if dep == b || strings.HasPrefix(dep, b+"/") {
				t.Errorf("attest/sbom/record depend on %s", dep)
			}
		}
	}
}
